/**
 * What kube-apiserver rejects: the official OpenAPI schemas (kubernetes-models packages) and the apiserver's own
 * validation rules for names, labels, annotations, ConfigMaps, Ingresses, Services and Deployments.
 */
import {Application} from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application'
import {Gateway} from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway'
import {HTTPRoute} from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute'
import {IngressRoute as LegacyIngressRoute} from '@kubernetes-models/traefik/traefik.containo.us/v1alpha1/IngressRoute'
import {Middleware as LegacyMiddleware} from '@kubernetes-models/traefik/traefik.containo.us/v1alpha1/Middleware'
import {IngressRoute} from '@kubernetes-models/traefik/traefik.io/v1alpha1/IngressRoute'
import {Middleware} from '@kubernetes-models/traefik/traefik.io/v1alpha1/Middleware'
import {MutatingWebhookConfiguration} from 'kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration'
import {ValidatingWebhookConfiguration} from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration'
import {APIService} from 'kubernetes-models/apiregistration.k8s.io/v1/APIService'
import {Deployment} from 'kubernetes-models/apps/v1/Deployment'
import {ValidatingAdmissionPolicy} from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy'
import {ValidatingAdmissionPolicyBinding} from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding'
import {SelfSubjectAccessReview} from 'kubernetes-models/authorization.k8s.io/v1/SelfSubjectAccessReview'
import {CronJob} from 'kubernetes-models/batch/v1/CronJob'
import {Job} from 'kubernetes-models/batch/v1/Job'
import {Event as EventsV1Event} from 'kubernetes-models/events.k8s.io/v1/Event'
import {Ingress} from 'kubernetes-models/networking.k8s.io/v1/Ingress'
import {ClusterRole} from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole'
import {ClusterRoleBinding} from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding'
import {Role} from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role'
import {RoleBinding} from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding'
import {ConfigMap} from 'kubernetes-models/v1/ConfigMap'
import {Secret} from 'kubernetes-models/v1/Secret'
import {Event} from 'kubernetes-models/v1/Event'
import {Namespace} from 'kubernetes-models/v1/Namespace'
import {Pod} from 'kubernetes-models/v1/Pod'
import {Service} from 'kubernetes-models/v1/Service'
import {ServiceAccount} from 'kubernetes-models/v1/ServiceAccount'

import {type JsonObject, arrayAt, deepEqual, isObject, objectAt} from './json.js'
import {type ResourceDef, apiVersionOf} from './resources.js'
import {fromLabelSelectorObject, matchesLabels} from './selectors.js'
import {type FieldError, badRequest, fieldErrors, formatValue} from './status.js'

type ModelClass = new (data: never) => {validate(): void}

const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/Event': Event,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Pod': Pod,
  'events.k8s.io/v1/Event': EventsV1Event,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/Ingress': Ingress,
  'batch/v1/CronJob': CronJob,
  'batch/v1/Job': Job,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'authorization.k8s.io/v1/SelfSubjectAccessReview': SelfSubjectAccessReview,
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration': ValidatingWebhookConfiguration,
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': MutatingWebhookConfiguration,
  'apiregistration.k8s.io/v1/APIService': APIService,
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy': ValidatingAdmissionPolicy,
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding': ValidatingAdmissionPolicyBinding,
  'traefik.io/v1alpha1/IngressRoute': IngressRoute,
  'traefik.io/v1alpha1/Middleware': Middleware,
  'traefik.containo.us/v1alpha1/IngressRoute': LegacyIngressRoute,
  'traefik.containo.us/v1alpha1/Middleware': LegacyMiddleware,
  'gateway.networking.k8s.io/v1/HTTPRoute': HTTPRoute,
  'gateway.networking.k8s.io/v1/Gateway': Gateway,
  'argoproj.io/v1alpha1/Application': Application,
}

interface AjvError {
  instancePath: string
  keyword: string
  params: Record<string, unknown>
  data?: unknown
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/

export const MESSAGES = {
  dns1123Label:
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  dns1123Subdomain:
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  dns1035Label:
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
  qualifiedName:
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  labelValue:
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
  configKey:
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
}

/** Turns a JSON pointer into the field path Go validation prints: `spec.rules[0].http`. */
export function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment), '')
}

function valueAt(object: unknown, pointer: string): unknown {
  let current = object
  for (const segment of pointer.split('/').slice(1)) {
    const key = segment.replaceAll('~1', '/').replaceAll('~0', '~')
    current = Array.isArray(current) ? current[Number(key)] : isObject(current) ? current[key] : undefined
  }
  return current
}

function jsonType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

/** A schema violation in the words kube-apiserver's CRD validation uses. */
function crdFieldError(error: AjvError, object: JsonObject): FieldError | undefined {
  const path = fieldPath(error.instancePath)
  const value = valueAt(object, error.instancePath)
  const params = error.params
  switch (error.keyword) {
    case 'required':
      return fieldErrors.required(path ? `${path}.${String(params.missingProperty)}` : String(params.missingProperty))
    case 'type':
      return fieldErrors.invalid(path, jsonType(value), `${path} in body must be of type ${String(params.type)}: ${JSON.stringify(jsonType(value))}`)
    case 'enum':
      return fieldErrors.notSupported(path, value, (params.allowedValues as unknown[]).map(String))
    case 'pattern':
      return fieldErrors.invalid(path, value, `${path} in body should match '${String(params.pattern)}'`)
    case 'maxLength':
      return {type: 'FieldValueTooLong', field: path, message: `Too long: may not be more than ${String(params.limit)} bytes`}
    case 'minLength':
      return fieldErrors.invalid(path, value, `${path} in body should be at least ${String(params.limit)} chars long`)
    case 'maximum':
      return fieldErrors.invalid(path, value, `${path} in body should be less than or equal to ${String(params.limit)}`)
    case 'minimum':
      return fieldErrors.invalid(path, value, `${path} in body should be greater than or equal to ${String(params.limit)}`)
    case 'maxItems':
      return fieldErrors.tooMany(path, Array.isArray(value) ? value.length : 0, Number(params.limit))
    case 'minItems':
      return fieldErrors.invalid(path, Array.isArray(value) ? value.length : 0, `${path} in body should have at least ${String(params.limit)} items`)
    case 'oneOf':
    case 'anyOf':
    case 'if':
    case 'additionalProperties':
      return undefined
    default:
      return fieldErrors.invalid(path, value, `${path} in body ${String((error as {message?: string}).message ?? 'is invalid')}`)
  }
}

/**
 * The model `new model(object)` makes, without the deep copy its constructor makes to leave out undefined values and
 * default apiVersion and kind: validation only reads, so an object with neither to fix is validated as it is, seen
 * through the model's prototype (where its validator is). Copying every object written cost a fifth of validating it.
 */
function modelOf(model: ModelClass, object: JsonObject): {validate(): void} {
  if (object.apiVersion === undefined || object.kind === undefined || hasUndefinedProperty(object)) return new model(object as never)
  return Object.assign(Object.create(model.prototype) as {validate(): void}, object)
}

function hasUndefinedProperty(value: unknown): boolean {
  if (Array.isArray(value)) return value.some((item) => hasUndefinedProperty(item))
  if (!isObject(value)) return false
  for (const key of Object.keys(value)) if (value[key] === undefined || hasUndefinedProperty(value[key])) return true
  return false
}

function schemaErrors(object: JsonObject): AjvError[] {
  const model = MODELS[`${String(object.apiVersion)}/${String(object.kind)}`]
  if (!model) return []
  try {
    modelOf(model, object).validate()
    return []
  } catch (error) {
    return (error as {errors?: AjvError[]}).errors ?? []
  }
}

/**
 * Schema errors for a built-in kind. A wrong JSON type never reaches validation in kube-apiserver: the typed
 * decoder rejects the body with 400 BadRequest, which this throws.
 */
function builtinSchemaErrors(def: ResourceDef, object: JsonObject): FieldError[] {
  const errors = schemaErrors(object)
  const typeError = errors.find((error) => error.keyword === 'type')
  if (typeError) {
    const value = valueAt(object, typeError.instancePath)
    const field = fieldPath(typeError.instancePath)
    throw badRequest(
      `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: json: cannot unmarshal ${jsonType(value) === 'integer' ? 'number' : jsonType(value)} into Go struct field .${field} of type ${String(typeError.params.type)}`,
    )
  }
  return errors.filter((error) => error.keyword === 'required').map((error) => crdFieldError(error, object)!)
}

function nameErrors(def: ResourceDef, object: JsonObject): FieldError[] {
  const name = objectAt(object, 'metadata')?.name
  if (typeof name !== 'string' || name === '') return [fieldErrors.required('metadata.name', 'name or generateName is required')]
  if (def.kind === 'Service') {
    if (name.length > 63 || !DNS1035_LABEL.test(name)) return [fieldErrors.invalid('metadata.name', name, name.length > 63 ? 'must be no more than 63 characters' : MESSAGES.dns1035Label)]
    return []
  }
  if (def.kind === 'Namespace') {
    if (name.length > 63) return [fieldErrors.invalid('metadata.name', name, 'must be no more than 63 characters')]
    return DNS1123_LABEL.test(name) ? [] : [fieldErrors.invalid('metadata.name', name, MESSAGES.dns1123Label)]
  }
  if (def.group === 'rbac.authorization.k8s.io') {
    // RBAC names are path segments: anything but "." / ".." / containing "/" or "%".
    return name === '.' || name === '..' || /[/%]/.test(name) ? [fieldErrors.invalid('metadata.name', name, 'may not contain "/" or "%"')] : []
  }
  if (name.length > 253) return [fieldErrors.invalid('metadata.name', name, 'must be no more than 253 characters')]
  return DNS1123_SUBDOMAIN.test(name) ? [] : [fieldErrors.invalid('metadata.name', name, MESSAGES.dns1123Subdomain)]
}

/** Checks a qualified name (label/annotation key): optional DNS-subdomain prefix, name part of at most 63 chars. */
function qualifiedNameProblems(key: string): string[] {
  const parts = key.split('/')
  if (parts.length > 2) return [`${MESSAGES.qualifiedName.replace('name part must', 'a qualified name must')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`]
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]]
  const problems: string[] = []
  if (prefix !== undefined) {
    if (prefix === '') problems.push('prefix part must be non-empty')
    else if (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) problems.push(`prefix part ${MESSAGES.dns1123Subdomain}`)
  }
  if (name === '') problems.push('name part must be non-empty')
  else if (name.length > 63) problems.push('name part must be no more than 63 characters')
  else if (!QUALIFIED_NAME.test(name)) problems.push(MESSAGES.qualifiedName)
  return problems
}

export function labelErrors(labels: unknown, path: string): FieldError[] {
  if (!isObject(labels)) return []
  const errors: FieldError[] = []
  for (const [key, value] of Object.entries(labels)) {
    for (const problem of qualifiedNameProblems(key)) errors.push(fieldErrors.invalid(path, key, problem))
    const text = String(value)
    if (text.length > 63) errors.push(fieldErrors.invalid(`${path}`, text, 'must be no more than 63 characters'))
    else if (!LABEL_VALUE.test(text)) errors.push(fieldErrors.invalid(path, text, MESSAGES.labelValue))
  }
  return errors
}

const MAX_ANNOTATIONS_BYTES = 256 * 1024

function annotationErrors(annotations: unknown): FieldError[] {
  if (!isObject(annotations)) return []
  const errors: FieldError[] = []
  let total = 0
  for (const [key, value] of Object.entries(annotations)) {
    for (const problem of qualifiedNameProblems(key.toLowerCase())) errors.push(fieldErrors.invalid('metadata.annotations', key, problem))
    total += Buffer.byteLength(key) + Buffer.byteLength(String(value))
  }
  if (total > MAX_ANNOTATIONS_BYTES) errors.push(fieldErrors.tooLong('metadata.annotations', MAX_ANNOTATIONS_BYTES))
  return errors
}

function metadataErrors(def: ResourceDef, object: JsonObject): FieldError[] {
  const metadata = objectAt(object, 'metadata') ?? {}
  return [...nameErrors(def, object), ...labelErrors(metadata.labels, 'metadata.labels'), ...annotationErrors(metadata.annotations)]
}

const MAX_CONFIGMAP_BYTES = 1024 * 1024

function configMapErrors(object: JsonObject): FieldError[] {
  const errors: FieldError[] = []
  const data = objectAt(object, 'data') ?? {}
  const binaryData = objectAt(object, 'binaryData') ?? {}
  let total = 0
  for (const [section, entries] of [['data', data], ['binaryData', binaryData]] as const) {
    for (const [key, value] of Object.entries(entries)) {
      if (key.length > 253) errors.push(fieldErrors.invalid(`${section}[${key}]`, key, 'must be no more than 253 characters'))
      else if (!CONFIG_KEY.test(key)) errors.push(fieldErrors.invalid(`${section}[${key}]`, key, MESSAGES.configKey))
      if (section === 'binaryData' && Object.hasOwn(data, key)) errors.push(fieldErrors.invalid(`binaryData[${key}]`, key, 'duplicate of key present in data'))
      total += section === 'data' ? Buffer.byteLength(String(value)) : Buffer.from(String(value), 'base64').length
    }
  }
  if (total > MAX_CONFIGMAP_BYTES) errors.push(fieldErrors.tooLong('', MAX_CONFIGMAP_BYTES))
  return errors
}

/** Keys every Secret of a built-in type must hold (ValidateSecret in kube-apiserver). */
const SECRET_REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/basic-auth': [],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/service-account-token': [],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
}

/**
 * Secret data is base64 in JSON: a value that does not decode is refused by the decoder (400) before validation;
 * then keys as in a ConfigMap, 1 MiB in all, and the keys the type requires.
 */
function secretErrors(object: JsonObject): FieldError[] {
  const errors: FieldError[] = []
  const data = objectAt(object, 'data') ?? {}
  let total = 0
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
      throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0`)
    }
    if (key.length > 253) errors.push(fieldErrors.invalid(`data[${key}]`, key, 'must be no more than 253 characters'))
    else if (!CONFIG_KEY.test(key)) errors.push(fieldErrors.invalid(`data[${key}]`, key, MESSAGES.configKey))
    total += Buffer.from(value, 'base64').length
  }
  if (total > MAX_CONFIGMAP_BYTES) errors.push(fieldErrors.tooLong('data', MAX_CONFIGMAP_BYTES))
  const type = typeof object.type === 'string' ? object.type : 'Opaque'
  for (const key of SECRET_REQUIRED_KEYS[type] ?? []) {
    if (!Object.hasOwn(data, key)) errors.push(fieldErrors.required(`data[${key}]`))
  }
  return errors
}

function portNumberError(path: string, value: unknown): FieldError | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535 ? undefined : fieldErrors.invalid(path, value, 'must be between 1 and 65535, inclusive')
}

function portNameErrors(path: string, name: string): FieldError[] {
  if (name.length > 15) return [fieldErrors.invalid(path, name, 'must be no more than 15 characters')]
  if (!IANA_SVC_NAME.test(name) || name.includes('--')) return [fieldErrors.invalid(path, name, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")]
  if (!/[a-z]/.test(name)) return [fieldErrors.invalid(path, name, 'must contain at least one letter (a-z)')]
  return []
}

function ingressBackendErrors(backend: unknown, path: string): FieldError[] {
  if (!isObject(backend)) return [fieldErrors.invalid(path, '', 'resource or service backend is required')]
  const service = objectAt(backend, 'service')
  const resource = objectAt(backend, 'resource')
  if (service && resource) return [fieldErrors.invalid(path, '', 'cannot set both resource and service backends')]
  if (resource) return []
  if (!service) return [fieldErrors.invalid(path, '', 'resource or service backend is required')]
  const errors: FieldError[] = []
  const name = service.name
  if (typeof name !== 'string' || name === '') errors.push(fieldErrors.required(`${path}.service.name`))
  else if (name.length > 63 || !DNS1035_LABEL.test(name)) errors.push(fieldErrors.invalid(`${path}.service.name`, name, MESSAGES.dns1035Label))
  const port = objectAt(service, 'port') ?? {}
  const hasName = typeof port.name === 'string' && port.name !== ''
  const hasNumber = port.number !== undefined && port.number !== 0
  if (hasName && hasNumber) errors.push(fieldErrors.invalid(path, '', 'cannot set both port name & port number'))
  else if (hasName) errors.push(...portNameErrors(`${path}.service.port.name`, String(port.name)))
  else if (hasNumber) {
    const error = portNumberError(`${path}.service.port.number`, port.number)
    if (error) errors.push(error)
  } else errors.push(fieldErrors.required(`${path}.service.port`, 'port name or number is required'))
  return errors
}

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix']

function ingressErrors(object: JsonObject): FieldError[] {
  const spec = objectAt(object, 'spec') ?? {}
  const errors: FieldError[] = []
  const rules = arrayAt(spec, 'rules')
  if (spec.defaultBackend === undefined && rules.length === 0) errors.push(fieldErrors.invalid('spec', formatValue(rules), 'either `defaultBackend` or `rules` must be specified'))
  if (spec.defaultBackend !== undefined) errors.push(...ingressBackendErrors(spec.defaultBackend, 'spec.defaultBackend'))
  rules.forEach((rule, ruleIndex) => {
    const host = isObject(rule) ? rule.host : undefined
    if (typeof host === 'string' && host !== '') {
      const bare = host.startsWith('*.') ? host.slice(2) : host
      if (!DNS1123_SUBDOMAIN.test(bare)) errors.push(fieldErrors.invalid(`spec.rules[${ruleIndex}].host`, host, MESSAGES.dns1123Subdomain))
    }
    arrayAt(rule, 'http', 'paths').forEach((entry, pathIndex) => {
      const path = `spec.rules[${ruleIndex}].http.paths[${pathIndex}]`
      const pathType = isObject(entry) ? entry.pathType : undefined
      const pathValue = isObject(entry) ? entry.path : undefined
      if (pathType === undefined || pathType === '') errors.push(fieldErrors.required(`${path}.pathType`, 'pathType must be specified'))
      else if (!PATH_TYPES.includes(String(pathType))) errors.push(fieldErrors.notSupported(`${path}.pathType`, pathType, PATH_TYPES))
      else if (pathType !== 'ImplementationSpecific' && (typeof pathValue !== 'string' || !pathValue.startsWith('/'))) errors.push(fieldErrors.invalid(`${path}.path`, pathValue ?? '', 'must be an absolute path'))
      errors.push(...ingressBackendErrors(isObject(entry) ? entry.backend : undefined, `${path}.backend`))
    })
  })
  return errors
}

const PROTOCOLS = ['SCTP', 'TCP', 'UDP']
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']

function servicePortErrors(spec: JsonObject): FieldError[] {
  const errors: FieldError[] = []
  const ports = arrayAt(spec, 'ports')
  const headless = spec.clusterIP === 'None'
  if (ports.length === 0 && spec.type !== 'ExternalName' && !headless) errors.push(fieldErrors.required('spec.ports'))
  const seenNames = new Set<string>()
  const seenPorts = new Set<string>()
  ports.forEach((port, index) => {
    if (!isObject(port)) return
    const path = `spec.ports[${index}]`
    const name = typeof port.name === 'string' ? port.name : ''
    if (ports.length > 1 && name === '') errors.push(fieldErrors.required(`${path}.name`))
    else if (name !== '') {
      errors.push(...(DNS1123_LABEL.test(name) && name.length <= 63 ? [] : [fieldErrors.invalid(`${path}.name`, name, MESSAGES.dns1123Label)]))
      if (seenNames.has(name)) errors.push(fieldErrors.duplicate(`${path}.name`, name))
      seenNames.add(name)
    }
    const portError = portNumberError(`${path}.port`, port.port)
    if (portError) errors.push(portError)
    const protocol = port.protocol ?? 'TCP'
    if (!PROTOCOLS.includes(String(protocol))) errors.push(fieldErrors.notSupported(`${path}.protocol`, protocol, PROTOCOLS))
    const key = `${String(port.port)}/${String(protocol)}`
    if (seenPorts.has(key)) errors.push(fieldErrors.duplicate(path, {port: port.port, protocol}))
    seenPorts.add(key)
    const target = port.targetPort
    if (typeof target === 'number') {
      const targetError = portNumberError(`${path}.targetPort`, target)
      if (targetError) errors.push(targetError)
    } else if (typeof target === 'string') errors.push(...portNameErrors(`${path}.targetPort`, target))
  })
  return errors
}

function serviceErrors(object: JsonObject): FieldError[] {
  const spec = objectAt(object, 'spec') ?? {}
  const errors: FieldError[] = []
  if (spec.type !== undefined && !SERVICE_TYPES.includes(String(spec.type))) errors.push(fieldErrors.notSupported('spec.type', spec.type, SERVICE_TYPES))
  if (spec.type === 'ExternalName' && (typeof spec.externalName !== 'string' || spec.externalName === '')) errors.push(fieldErrors.required('spec.externalName'))
  errors.push(...servicePortErrors(spec))
  errors.push(...labelErrors(spec.selector, 'spec.selector'))
  if (spec.sessionAffinity !== undefined && !['ClientIP', 'None'].includes(String(spec.sessionAffinity))) errors.push(fieldErrors.notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']))
  return errors
}

function podTemplateErrors(template: unknown, path: string): FieldError[] {
  const containers = arrayAt(template, 'spec', 'containers')
  if (containers.length === 0) return [fieldErrors.required(`${path}.spec.containers`)]
  const errors: FieldError[] = []
  const names = new Set<string>()
  containers.forEach((container, index) => {
    const name = isObject(container) ? container.name : undefined
    if (typeof name !== 'string' || name === '') errors.push(fieldErrors.required(`${path}.spec.containers[${index}].name`))
    else if (!DNS1123_LABEL.test(name)) errors.push(fieldErrors.invalid(`${path}.spec.containers[${index}].name`, name, MESSAGES.dns1123Label))
    else if (names.has(name)) errors.push(fieldErrors.duplicate(`${path}.spec.containers[${index}].name`, name))
    if (typeof name === 'string') names.add(name)
    const image = isObject(container) ? container.image : undefined
    if (typeof image !== 'string' || image.trim() === '') errors.push(fieldErrors.required(`${path}.spec.containers[${index}].image`))
  })
  return errors
}

function deploymentErrors(object: JsonObject): FieldError[] {
  const spec = objectAt(object, 'spec') ?? {}
  const errors: FieldError[] = []
  if (!isObject(spec.selector)) errors.push(fieldErrors.required('spec.selector'))
  const templateLabels = objectAt(spec, 'template', 'metadata', 'labels') ?? {}
  if (isObject(spec.selector)) {
    const selector = fromLabelSelectorObject(spec.selector)
    if (selector.length === 0) errors.push(fieldErrors.invalid('spec.selector', formatValue(spec.selector), 'empty selector is invalid for deployment'))
    else if (!matchesLabels({metadata: {labels: templateLabels}}, selector)) errors.push(fieldErrors.invalid('spec.template.metadata.labels', templateLabels, '`selector` does not match template `labels`'))
  }
  if (typeof spec.replicas === 'number' && spec.replicas < 0) errors.push(fieldErrors.invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'))
  errors.push(...podTemplateErrors(spec.template, 'spec.template'))
  return errors
}

function kindErrors(def: ResourceDef, object: JsonObject): FieldError[] {
  switch (def.kind) {
    case 'ConfigMap':
      return configMapErrors(object)
    case 'Secret':
      return secretErrors(object)
    case 'Ingress':
      return ingressErrors(object)
    case 'Service':
      return serviceErrors(object)
    case 'Deployment':
      return deploymentErrors(object)
    default:
      return []
  }
}

/** Every reason kube-apiserver would refuse to store `object` (already defaulted); throws 400 for undecodable bodies. */
export function validateObject(def: ResourceDef, object: JsonObject): FieldError[] {
  const errors = metadataErrors(def, object)
  if (def.custom) {
    for (const error of schemaErrors(object)) {
      if (error.instancePath.startsWith('/metadata')) continue
      const converted = crdFieldError(error, object)
      if (converted) errors.push(converted)
    }
  } else {
    const schema = builtinSchemaErrors(def, object)
    errors.push(...kindErrors(def, object), ...schema)
  }
  return dedupe(errors)
}

/** One error per field and message; a field's first "Required value" (the apiserver's own, richer one) wins. */
function dedupe(errors: FieldError[]): FieldError[] {
  const sameSlot = (a: FieldError, b: FieldError): boolean => a.field === b.field && a.type === b.type && (a.message === b.message || a.type === 'FieldValueRequired')
  return errors.filter((error, index) => errors.findIndex((other) => sameSlot(other, error)) === index)
}

/** Fields that may not change on update. */
export function immutableFieldErrors(def: ResourceDef, oldObject: JsonObject, newObject: JsonObject): FieldError[] {
  if (def.kind === 'Deployment' && !deepEqual(objectAt(oldObject, 'spec', 'selector'), objectAt(newObject, 'spec', 'selector'))) {
    return [fieldErrors.invalid('spec.selector', formatValue(objectAt(newObject, 'spec', 'selector')), 'field is immutable')]
  }
  if (def.kind === 'ConfigMap' && oldObject.immutable === true && (!deepEqual(oldObject.data, newObject.data) || !deepEqual(oldObject.binaryData, newObject.binaryData))) {
    return [fieldErrors.forbidden('data', 'field is immutable when `immutable` is set')]
  }
  if (def.kind === 'Secret') {
    if (oldObject.type !== newObject.type) return [fieldErrors.invalid('type', newObject.type, 'field is immutable')]
    if (oldObject.immutable === true && !deepEqual(oldObject.data, newObject.data)) return [fieldErrors.forbidden('data', 'field is immutable when `immutable` is set')]
  }
  return []
}

export function expectedApiVersion(def: ResourceDef): string {
  return apiVersionOf(def)
}
