import {createHash} from 'node:crypto'

import {MANAGED_BY, MANAGED_BY_LABEL, ROLE_LABEL} from '../../model/keys.js'
import {isGatePort} from '../../render/backend.js'
import {type BackendRef, type KindModule, type KubeObject, type UpstreamRef} from './types.js'

import {type JsonRecord, canonicalJson, copySpec, definedOnly, isRecord, mergedEntry, recordsOf, storedCounterparts, sameJson, validateWith} from './shared.js'

/** A type alias, not an interface, so it is also a JsonRecord. `targetPort` is absent when the Service had none. */
type TargetPortOriginal = {
  port: number
  name?: string
  targetPort?: number | string
}

/** `selector` is absent when the Service had none (manual Endpoints): restore removes the one switching set. */
interface ServiceOriginal {
  selector?: Record<string, string>
  targetPorts: TargetPortOriginal[]
}

function portKey(port: {name?: unknown; port?: unknown}): string {
  return canonicalJson(port.name === undefined ? ['port', port.port] : ['name', port.name])
}

/**
 * A port that carries gRPC (appProtocol grpc / h2c, or a name such as `grpc` or `grpc-web` as Istio names them):
 * its callers speak HTTP/2 without TLS, so it goes to the backend's h2c port and they read a gRPC status.
 */
export function carriesGrpc(port: JsonRecord): boolean {
  const appProtocol = typeof port.appProtocol === 'string' ? port.appProtocol.toLowerCase() : ''
  const name = typeof port.name === 'string' ? port.name.toLowerCase() : ''
  return ['grpc', 'h2c', 'kubernetes.io/h2c'].includes(appProtocol) || name === 'grpc' || name.startsWith('grpc-')
}

/**
 * A port whose callers speak TLS to it: 443, a name such as `https` or `tls-*`, or appProtocol https / wss / tls /
 * grpcs. It goes to the backend's TLS port, where they complete the handshake (with its self-signed certificate)
 * and get the page, or a gRPC status over HTTP/2.
 */
export function carriesTls(port: JsonRecord): boolean {
  const appProtocol = typeof port.appProtocol === 'string' ? port.appProtocol.toLowerCase() : ''
  const name = typeof port.name === 'string' ? port.name.toLowerCase() : ''
  return (
    port.port === 443 ||
    ['https', 'wss', 'tls', 'kubernetes.io/wss', 'grpcs'].includes(appProtocol) ||
    /^(https|tls|grpcs)($|-)/.test(name)
  )
}

function targetPortFor(port: JsonRecord, backend: BackendRef, namespace = '', name = '', original?: ServiceOriginal): number {
  if (carriesTls(port)) return backend.tlsContainerPort
  if (carriesGrpc(port)) return backend.grpcContainerPort
  if (backend.upstreamPorts !== undefined && original !== undefined) {
    const gated = shadowUpstreams(original, namespace, name).find((upstream) => upstream.port === port.port)
    const gatePort = gated && backend.upstreamPorts[gated.key]
    if (gatePort !== undefined) return gatePort
  }
  return backend.containerPort
}

export const SHADOW_ROLE = 'shadow'

/**
 * The gate of a Service target: a shadow Service selecting the original pods by the original selector, with the
 * original ports, which the gate proxies to (the target itself selects the backend's pods meanwhile). Its name
 * follows from its content, so equal shadows are one; it is owned by the backend(s) using it.
 */
export function shadowService(original: ServiceOriginal, namespace: string): {name: string; manifest: object} | undefined {
  if (original.selector === undefined) return undefined
  const ports = original.targetPorts
    .filter((entry) => !carriesTls(entry) && !carriesGrpc(entry))
    .map((entry) => ({...(entry.name === undefined ? {} : {name: entry.name}), port: entry.port, protocol: 'TCP', targetPort: entry.targetPort ?? entry.port}))
  if (ports.length === 0) return undefined
  const spec = {ports, selector: original.selector, type: 'ClusterIP'}
  const name = `maintenance-shadow-${createHash('sha256').update(canonicalJson([namespace, spec])).digest('hex').slice(0, 10)}`
  const labels = {[MANAGED_BY_LABEL]: MANAGED_BY, [ROLE_LABEL]: SHADOW_ROLE}
  return {manifest: {apiVersion: 'v1', kind: 'Service', metadata: {labels, name, namespace}, spec}, name}
}

type ShadowUpstream = UpstreamRef & {port: number; shadow: object}

function shadowUpstreams(original: ServiceOriginal, namespace: string, name: string): ShadowUpstream[] {
  const shadow = shadowService(original, namespace)
  if (!shadow) return []
  return (shadow.manifest as {spec: {ports: Array<{port: number}>}}).spec.ports.map(({port}) => ({
    address: `${shadow.name}.${namespace}.svc.cluster.local:${port}`,
    key: `service:${namespace}/${name}:${port}`,
    port,
    shadow: shadow.manifest,
  }))
}

function capture(obj: KubeObject): ServiceOriginal {
  const spec = obj.spec ?? {}
  const targetPorts = recordsOf(spec.ports).map((port) =>
    definedOnly({name: port.name as string | undefined, port: port.port as number, targetPort: port.targetPort as number | string | undefined}),
  )
  return spec.selector === undefined ? {targetPorts} : {selector: structuredClone(spec.selector) as Record<string, string>, targetPorts}
}

function asOriginal(value: unknown): ServiceOriginal {
  if (!isRecord(value)) return {targetPorts: []}
  const targetPorts = recordsOf(value.targetPorts) as TargetPortOriginal[]
  return isRecord(value.selector) ? {selector: value.selector as Record<string, string>, targetPorts} : {targetPorts}
}

/** ExternalName is a DNS alias, not a proxy to pods: a selector on it routes nothing, so it cannot show the page. */
function switchSpec(obj: KubeObject, backend: BackendRef, original?: unknown): JsonRecord {
  const spec = copySpec(obj)
  if (spec.type === 'ExternalName') {
    const alias = typeof spec.externalName === 'string' ? ` (an alias of ${spec.externalName})` : ''
    throw new Error(
      `service/${obj.metadata.name} is ExternalName${alias}; it has no pods to route, so it cannot be switched to the maintenance backend: put the Ingress, IngressRoute or HTTPRoute in front of it into maintenance instead`,
    )
  }
  // Without a selector the Endpoints are written by hand or by another controller; setting one would let the
  // endpoints controller overwrite them, and removing it at restore would not bring them back.
  if (!isRecord(spec.selector) || Object.keys(spec.selector).length === 0) {
    throw new Error(
      `service/${obj.metadata.name} has no selector (its Endpoints are managed by hand or by another controller); switching it would overwrite them: put the Ingress, IngressRoute or HTTPRoute in front of it into maintenance instead`,
    )
  }
  const stored = backend.upstreamPorts === undefined ? undefined : original === undefined ? capture(obj) : asOriginal(original)
  const {name = '', namespace = ''} = obj.metadata
  spec.selector = {...backend.podLabels}
  for (const port of recordsOf(spec.ports)) port.targetPort = targetPortFor(port, backend, namespace, name, stored)
  return spec
}

function isSwitched(obj: KubeObject, backend: BackendRef, original?: unknown): boolean {
  const spec = obj.spec ?? {}
  const stored = backend.upstreamPorts === undefined || original === undefined ? undefined : asOriginal(original)
  const {name = '', namespace = ''} = obj.metadata
  const matches = (port: JsonRecord) =>
    port.targetPort === targetPortFor(port, backend, namespace, name, stored) || (backend.anyGatePort === true && isGatePort(port.targetPort))
  return spec.type !== 'ExternalName' && sameJson(spec.selector, backend.podLabels) && recordsOf(spec.ports).every((port) => matches(port))
}

function upstreams(original: unknown, namespace: string, name: string): UpstreamRef[] {
  return shadowUpstreams(asOriginal(original), namespace, name)
}

/**
 * A port whose targetPort is the backend's container port counts as switched even if someone set that number
 * themselves: the stored original is kept for it, as nothing tells the two apart.
 */
function mergeOriginal(obj: KubeObject, stored: unknown, backend: BackendRef): ServiceOriginal {
  const current = capture(obj)
  const previous = asOriginal(stored)
  const storedPorts = storedCounterparts(current.targetPorts, portKey, previous.targetPorts, portKey)
  const targetPorts = current.targetPorts.flatMap((entry, index) => {
    const backendPorts: unknown[] = [backend.containerPort, backend.grpcContainerPort, backend.tlsContainerPort]
    const kept = mergedEntry(entry, storedPorts[index], backendPorts.includes(entry.targetPort) || isGatePort(entry.targetPort))
    return kept === undefined ? [] : [kept]
  })
  const selector = current.selector === undefined ? undefined : mergedEntry(current.selector, previous.selector, sameJson(current.selector, backend.podLabels))
  return selector === undefined ? {targetPorts} : {selector, targetPorts}
}

/**
 * The selector always goes back to the original (the backend's pod labels cannot be told from its name here, so an
 * edit made after the last pass is not recognised); ports without an original keep their targetPort, since a port
 * cannot be dropped without changing the Service's interface.
 */
function restoreSpec(obj: KubeObject, original: unknown): JsonRecord {
  const spec = copySpec(obj)
  const stored = asOriginal(original)
  if (stored.selector === undefined) delete spec.selector
  else spec.selector = {...stored.selector}
  const ports = recordsOf(spec.ports)
  const storedPorts = storedCounterparts(ports, portKey, stored.targetPorts, portKey)
  ports.forEach((port, index) => {
    const entry = storedPorts[index]
    if (!entry) return
    if (entry.targetPort === undefined) delete port.targetPort
    else port.targetPort = entry.targetPort
  })
  return spec
}

function isPortNumber(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65_535
}

function validateOriginal(original: unknown): string[] {
  return validateWith(original, (check, value) => {
    check.onlyKeys(value, ['selector', 'targetPorts'], 'original')
    if (value.selector !== undefined && check.record(value.selector, 'original.selector')) {
      for (const [key, label] of Object.entries(value.selector)) check.string(label, `original.selector[${JSON.stringify(key)}]`)
    }
    if (!check.array(value.targetPorts, 'original.targetPorts')) return
    value.targetPorts.forEach((entry, index) => {
      const path = `original.targetPorts[${index}]`
      if (!check.record(entry, path)) return
      check.onlyKeys(entry, ['name', 'port', 'targetPort'], path)
      check.expect(isPortNumber(entry.port), `${path}.port`, 'a port number (1-65535)')
      check.optionalString(entry.name, `${path}.name`)
      const {targetPort} = entry
      check.expect(targetPort === undefined || isPortNumber(targetPort) || (typeof targetPort === 'string' && targetPort !== ''), `${path}.targetPort`, 'a port number or a port name')
    })
  })
}

export const service: KindModule = {
  captureRouting: capture,
  isSwitched,
  kind: 'service',
  mergeOriginal,
  restoreSpec,
  switchSpec,
  upstreams,
  validateOriginal,
}
