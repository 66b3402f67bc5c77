/** Status bodies exactly as kube-apiserver writes them (k8s.io/apimachinery/pkg/api/errors). */
import type {JsonObject} from './json.js'

export interface StatusCause {
  reason?: string
  message: string
  field?: string
}

export interface StatusDetails {
  name?: string
  group?: string
  kind?: string
  uid?: string
  causes?: StatusCause[]
  retryAfterSeconds?: number
}

export interface StatusBody {
  kind: 'Status'
  apiVersion: 'v1'
  /** ListMeta: only a 410 Expired for a stale continue token carries one (its `continue`). */
  metadata: {continue?: string}
  status: 'Failure' | 'Success'
  message?: string
  reason?: string
  details?: StatusDetails
  code: number
}

export interface GroupResource {
  group: string
  resource: string
}

/** A request that ends in a Status answer; thrown by the handlers, written by the router. */
export class StatusError extends Error {
  constructor(
    readonly body: StatusBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message)
  }

  get code(): number {
    return this.body.code
  }
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): StatusError {
  const body: StatusBody = {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code}
  if (details) body.details = withoutEmpty(details)
  return new StatusError(body)
}

function withoutEmpty(details: StatusDetails): StatusDetails {
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined && value !== '')) as StatusDetails
}

export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource
}

export function notFound(gr: GroupResource, name: string): StatusError {
  return failure(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, {name, group: gr.group, kind: gr.resource})
}

/** What kube answers for a path under a served group/version that names no resource. */
export function resourceNotFound(): StatusError {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {})
}

export function alreadyExists(gr: GroupResource, name: string): StatusError {
  return failure(409, 'AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, {name, group: gr.group, kind: gr.resource})
}

export function conflict(gr: GroupResource, name: string, reason = 'the object has been modified; please apply your changes to the latest version and try again'): StatusError {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${reason}`, {
    name,
    group: gr.group,
    kind: gr.resource,
  })
}

export interface FieldError {
  type: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueTooLong' | 'FieldValueNotSupported' | 'FieldValueDuplicate' | 'FieldValueForbidden' | 'FieldValueTypeInvalid' | 'FieldValueTooMany'
  field: string
  /** The body after "field: ", e.g. `Invalid value: "x": must be ...`. */
  message: string
}

/** Formats a bad value the way Go's field.Invalid does: strings quoted, numbers and booleans bare. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value === null || value === undefined) return 'null'
  return JSON.stringify(value)
}

export const fieldErrors = {
  invalid: (field: string, value: unknown, detail: string): FieldError => ({
    type: 'FieldValueInvalid',
    field,
    message: `Invalid value: ${typeof value === 'string' && value.startsWith('0x') ? value : formatValue(value)}${detail ? `: ${detail}` : ''}`,
  }),
  invalidRaw: (field: string, rawValue: string, detail: string): FieldError => ({type: 'FieldValueInvalid', field, message: `Invalid value: ${rawValue}: ${detail}`}),
  required: (field: string, detail = ''): FieldError => ({type: 'FieldValueRequired', field, message: `Required value${detail ? `: ${detail}` : ''}`}),
  tooLong: (field: string, max: number, unit = 'bytes'): FieldError => ({type: 'FieldValueTooLong', field, message: `Too long: must have at most ${max} ${unit}`}),
  tooMany: (field: string, actual: number, max: number): FieldError => ({type: 'FieldValueTooMany', field, message: `Too many: ${actual}: must have at most ${max} items`}),
  notSupported: (field: string, value: unknown, supported: string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${formatValue(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({type: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatValue(value)}`}),
  forbidden: (field: string, detail: string): FieldError => ({type: 'FieldValueForbidden', field, message: `Forbidden: ${detail}`}),
}

export interface GroupKind {
  group: string
  kind: string
}

/** 422 Invalid: `Kind.group "name" is invalid: [field: message, ...]` with one cause per field error. */
export function invalid(gk: GroupKind, name: string, errors: FieldError[]): StatusError {
  const qualifiedKind = gk.group ? `${gk.kind}.${gk.group}` : gk.kind
  const texts = errors.map((error) => (error.field ? `${error.field}: ${error.message}` : error.message))
  const aggregate = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`
  return failure(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${aggregate}`, {
    name,
    group: gk.group,
    kind: gk.kind,
    causes: errors.map((error) => ({reason: error.type, message: error.message, field: error.field})),
  })
}

/** 422 from a JSON Patch that cannot be applied (apiserver's NewGenericServerResponse with the patch library's error as cause). */
export function patchNotApplicable(cause: string): StatusError {
  return failure(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{reason: 'UnexpectedServerResponse', message: cause}],
  })
}

export function badRequest(message: string): StatusError {
  return failure(400, 'BadRequest', message)
}

export interface ForbiddenRequest {
  verb: string
  gr: GroupResource
  name?: string
  namespace?: string
  user: string
}

export function forbidden(request: ForbiddenRequest): StatusError {
  const subject = request.name ? `${qualifiedResource(request.gr)} "${request.name}"` : qualifiedResource(request.gr)
  const scope = request.namespace ? `in the namespace "${request.namespace}"` : 'at the cluster scope'
  const message = `${subject} is forbidden: User "${request.user}" cannot ${request.verb} resource "${request.gr.resource}" in API group "${request.gr.group}" ${scope}`
  return failure(403, 'Forbidden', message, {name: request.name, group: request.gr.group, kind: request.gr.resource})
}

export function namespaceTerminating(gr: GroupResource, name: string, namespace: string): StatusError {
  return failure(403, 'Forbidden', `${qualifiedResource(gr)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, {
    name,
    group: gr.group,
    kind: gr.resource,
    causes: [{reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace'}],
  })
}

export function unsupportedMediaType(accepted: string[]): StatusError {
  return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`)
}

export function tooManyRequests(retryAfterSeconds = 1): StatusError {
  const error = failure(429, 'TooManyRequests', 'Too many requests, please try again later.', {retryAfterSeconds})
  return new StatusError(error.body, {'Retry-After': String(retryAfterSeconds)})
}

export function internalError(cause: string): StatusError {
  return failure(500, 'InternalError', `Internal error occurred: ${cause}`, {causes: [{message: cause}]})
}

export function methodNotSupported(gr: GroupResource, action: string): StatusError {
  return failure(405, 'MethodNotAllowed', `${action} is not supported on resources of kind "${qualifiedResource(gr)}"`, {group: gr.group, kind: gr.resource})
}

export function gone(message: string): StatusError {
  return failure(410, 'Expired', message)
}

/** A Status for an arbitrary injected failure code, shaped like the apiserver's generic responses. */
export function statusForCode(code: number, gr?: GroupResource, name?: string): StatusError {
  switch (code) {
    case 409:
      return conflict(gr ?? {group: '', resource: ''}, name ?? '')
    case 429:
      return tooManyRequests(1)
    case 500:
      return internalError('injected fault')
    case 503:
      return failure(503, 'ServiceUnavailable', 'the server is currently unable to handle the request')
    case 504:
      return failure(504, 'Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request')
    case 404:
      return notFound(gr ?? {group: '', resource: ''}, name ?? '')
    case 403:
      return failure(403, 'Forbidden', 'forbidden: injected fault')
    default:
      return failure(code, 'Unknown', `the server responded with the status code ${code} but did not return more information`)
  }
}

export function success(details: StatusDetails): JsonObject {
  return {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: withoutEmpty(details)}
}
