/** The defaults kube-apiserver fills in on create (SetDefaults_* in pkg/apis/*\/v1/defaults.go). */
import {type JsonObject, child, isObject, objectAt, setDefault} from './json.js'
import type {ResourceDef} from './resources.js'
import {applyCustomResourceSchema} from './schema-defaults.js'

function imagePullPolicyFor(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent'
  if (image.includes('@')) return 'IfNotPresent'
  const lastSegment = image.slice(image.lastIndexOf('/') + 1)
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.lastIndexOf(':') + 1) : ''
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent'
}

function defaultProbe(probe: unknown): void {
  if (!isObject(probe)) return
  setDefault(probe, 'timeoutSeconds', 1)
  setDefault(probe, 'periodSeconds', 10)
  setDefault(probe, 'successThreshold', 1)
  setDefault(probe, 'failureThreshold', 3)
  const httpGet = objectAt(probe, 'httpGet')
  if (httpGet) setDefault(httpGet, 'scheme', 'HTTP')
}

function defaultContainer(container: unknown): void {
  if (!isObject(container)) return
  setDefault(container, 'terminationMessagePath', '/dev/termination-log')
  setDefault(container, 'terminationMessagePolicy', 'File')
  setDefault(container, 'imagePullPolicy', imagePullPolicyFor(container.image))
  for (const port of Array.isArray(container.ports) ? container.ports : []) if (isObject(port)) setDefault(port, 'protocol', 'TCP')
  for (const env of Array.isArray(container.env) ? container.env : []) {
    const fieldRef = objectAt(env, 'valueFrom', 'fieldRef')
    if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1')
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(container[probe])
}

function defaultVolume(volume: unknown): void {
  if (!isObject(volume)) return
  for (const source of ['configMap', 'secret']) {
    const projected = objectAt(volume, source)
    if (projected) setDefault(projected, 'defaultMode', 420)
  }
}

export function defaultPodSpec(spec: JsonObject, restartPolicy = 'Always'): void {
  setDefault(spec, 'restartPolicy', restartPolicy)
  setDefault(spec, 'terminationGracePeriodSeconds', 30)
  setDefault(spec, 'dnsPolicy', 'ClusterFirst')
  setDefault(spec, 'securityContext', {})
  setDefault(spec, 'schedulerName', 'default-scheduler')
  for (const list of ['containers', 'initContainers']) for (const container of Array.isArray(spec[list]) ? spec[list] : []) defaultContainer(container)
  for (const volume of Array.isArray(spec.volumes) ? spec.volumes : []) defaultVolume(volume)
}

function defaultPodTemplate(template: unknown, restartPolicy?: string): void {
  if (!isObject(template)) return
  defaultPodSpec(child(template, 'spec'), restartPolicy)
}

function defaultDeployment(object: JsonObject): void {
  const spec = child(object, 'spec')
  setDefault(spec, 'replicas', 1)
  const strategy = child(spec, 'strategy')
  setDefault(strategy, 'type', 'RollingUpdate')
  if (strategy.type === 'RollingUpdate') {
    const rollingUpdate = child(strategy, 'rollingUpdate')
    setDefault(rollingUpdate, 'maxUnavailable', '25%')
    setDefault(rollingUpdate, 'maxSurge', '25%')
  }
  setDefault(spec, 'revisionHistoryLimit', 10)
  setDefault(spec, 'progressDeadlineSeconds', 600)
  defaultPodTemplate(spec.template)
}

function defaultCronJob(object: JsonObject): void {
  const spec = child(object, 'spec')
  setDefault(spec, 'concurrencyPolicy', 'Allow')
  setDefault(spec, 'suspend', false)
  setDefault(spec, 'successfulJobsHistoryLimit', 3)
  setDefault(spec, 'failedJobsHistoryLimit', 1)
  defaultPodTemplate(objectAt(spec, 'jobTemplate', 'spec', 'template'), undefined)
  setDefault(object, 'status', {})
}

function defaultJob(object: JsonObject): void {
  const spec = child(object, 'spec')
  setDefault(spec, 'completions', 1)
  setDefault(spec, 'parallelism', 1)
  setDefault(spec, 'backoffLimit', 6)
  setDefault(spec, 'completionMode', 'NonIndexed')
  setDefault(spec, 'suspend', false)
  setDefault(spec, 'podReplacementPolicy', 'TerminatingOrFailed')
  defaultPodTemplate(spec.template, undefined)
}

function defaultServicePorts(spec: JsonObject): void {
  for (const port of Array.isArray(spec.ports) ? spec.ports : []) {
    if (!isObject(port)) continue
    setDefault(port, 'protocol', 'TCP')
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port
  }
}

/** Service defaults that need no allocation; clusterIP and nodePorts come from the allocator. */
function defaultService(object: JsonObject): void {
  const spec = child(object, 'spec')
  setDefault(spec, 'type', 'ClusterIP')
  setDefault(spec, 'sessionAffinity', 'None')
  defaultServicePorts(spec)
  if (spec.type !== 'ExternalName') setDefault(spec, 'internalTrafficPolicy', 'Cluster')
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') setDefault(spec, 'externalTrafficPolicy', 'Cluster')
  if (spec.type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true)
  if (spec.sessionAffinity === 'ClientIP') setDefault(spec, 'sessionAffinityConfig', {clientIP: {timeoutSeconds: 10800}})
  setDefault(object, 'status', {loadBalancer: {}})
}

function defaultNamespace(object: JsonObject): void {
  const metadata = child(object, 'metadata')
  child(metadata, 'labels')['kubernetes.io/metadata.name'] = metadata.name
  setDefault(child(object, 'spec'), 'finalizers', ['kubernetes'])
  const status = child(object, 'status')
  if (!status.phase) status.phase = 'Active'
}

/** type defaults to Opaque; stringData is write-only: merged into data (base64), winning over data's key, and dropped. */
function defaultSecret(object: JsonObject): void {
  setDefault(object, 'type', 'Opaque')
  const stringData = objectAt(object, 'stringData')
  if (!stringData) return
  const data = child(object, 'data')
  for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(String(value), 'utf8').toString('base64')
  delete object.stringData
}

/** Fills what the apiserver would; mutates and returns the object. Runs on create and on every update. */
export function applyDefaults(def: ResourceDef, object: JsonObject): JsonObject {
  switch (def.kind) {
    case 'Deployment':
      defaultDeployment(object)
      break
    case 'Service':
      defaultService(object)
      break
    case 'Namespace':
      defaultNamespace(object)
      break
    case 'Ingress':
      setDefault(object, 'status', {loadBalancer: {}})
      break
    case 'CronJob':
      defaultCronJob(object)
      break
    case 'Job':
      defaultJob(object)
      break
    case 'Pod':
      defaultPodSpec(child(object, 'spec'))
      break
    case 'Secret':
      defaultSecret(object)
      break
  }
  if (def.custom) applyCustomResourceSchema(object, `${def.group}/${def.version}`, def.kind)
  return object
}
