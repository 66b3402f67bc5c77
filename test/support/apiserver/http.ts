/** The HTTP front: reads requests, applies faults, dispatches to discovery or the registry, writes JSON answers. */
import type {IncomingMessage, ServerResponse} from 'node:http'
import {parse as parseYaml} from 'yaml'

import {apiGroup, apiGroupList, apiResourceList, apiVersions, isServed, SERVER_VERSION} from './discovery.js'
import type {Faults} from './faults.js'
import {type JsonObject, isObject, metadataOf, objectAt} from './json.js'
import {managerFromUserAgent} from './managed-fields.js'
import {openApiV3} from './openapi.js'
import {decodeProtobufObject} from './protobuf.js'
import {type Registry, groupResource, patchTypeOf} from './registry.js'
import {RESOURCES, type ResourceDef, apiVersionOf} from './resources.js'
import {type ResourceRoute, type Route, resolveRoute, verbOf} from './routes.js'
import {matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector} from './selectors.js'
import {StatusError, badRequest, fieldErrors, forbidden, internalError, invalid, statusForCode, unsupportedMediaType} from './status.js'
import type {Store} from './store.js'
import {toTable, wantsTable} from './table.js'
import {type OpenWatch, serveWatch} from './watch.js'

export interface RequestLogEntry {
  method: string
  path: string
  query: Record<string, string>
  status: number
  dryRun: boolean
  body?: unknown
  contentType?: string
  at: number
  /** Requests in flight at the server when this one arrived, itself included (watches are long-running and not counted, as kube-apiserver's max-in-flight filter does not count them). */
  inFlight: number
  /** When the answer was written; undefined while in flight, and for watches. */
  endedAt?: number
}

export interface HttpContext {
  registry: Registry
  store: Store
  faults: Faults
  servedGroups: () => ReadonlySet<string>
  log: RequestLogEntry[]
  openWatches: Set<OpenWatch>
  serverAddress: () => string
  now: () => number
  bookmarkIntervalMs: number
  /** The user a request's Authorization header authenticates. */
  userFor: (authorization: string | undefined) => string
}

interface Answer {
  status: number
  body: unknown
  headers?: Record<string, string>
  text?: boolean
}

const JSON_BODY_TYPES = ['application/json', 'application/yaml', 'application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', '']

const PROTOBUF = 'application/vnd.kubernetes.protobuf'

/**
 * API Priority and Fairness names the FlowSchema and PriorityLevelConfiguration of every request by uid in two
 * headers. These stand for `service-accounts` and `workload-low`, where the CronJob's service account lands.
 */
const APF_HEADERS = {
  'X-Kubernetes-PF-FlowSchema-UID': '7e0b2b1a-4b0e-4e1c-9a39-5f3c1d2e8a01',
  'X-Kubernetes-PF-PriorityLevel-UID': '0c6f8d4e-2a57-4b5b-8f0e-9d3a6c1b7e02',
}

/** What kube-apiserver answers when APF rejects a request: Go's http.Error, plain text, not a Status. */
function tooManyRequestsAnswer(retryAfterSeconds: number): Answer {
  return {status: 429, body: 'Too many requests, please try again later.\n', text: true, headers: {'Retry-After': String(retryAfterSeconds), 'X-Content-Type-Options': 'nosniff'}}
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase()
}

/** Parses a body the way the apiserver's decoders accept it (JSON, YAML where YAML is accepted, some protobuf). */
function parseBody(bytes: Buffer, contentType: string | undefined): unknown {
  const type = mediaType(contentType)
  if (type === PROTOBUF && bytes.length > 0) return decodeProtobufObject(bytes)
  const raw = bytes.toString('utf8')
  if (raw.trim() === '') return undefined
  if (!JSON_BODY_TYPES.includes(type)) {
    throw unsupportedMediaType(['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/cbor'])
  }
  try {
    return type === 'application/yaml' || type === 'application/apply-patch+yaml' ? parseYaml(raw) : JSON.parse(raw)
  } catch (error) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`)
  }
}

function bestEffortBody(bytes: Buffer, contentType: string | undefined): unknown {
  if (bytes.length === 0) return undefined
  const raw = bytes.toString('utf8')
  try {
    if (mediaType(contentType) === PROTOBUF) return decodeProtobufObject(bytes)
    return mediaType(contentType).includes('yaml') ? parseYaml(raw) : JSON.parse(raw)
  } catch {
    return raw
  }
}

/**
 * The log shows the body as sent, parsed when first read: most entries are never looked at, and parsing each one
 * again cost the server as much CPU per request as parsing it for the request itself.
 */
function logBodyOf(entry: RequestLogEntry, raw: Buffer, contentType: string | undefined): void {
  let body: unknown
  let parsed = false
  Object.defineProperty(entry, 'body', {
    configurable: true,
    enumerable: true,
    get: () => {
      if (!parsed) body = bestEffortBody(raw, contentType)
      parsed = true
      return body
    },
    set: (value: unknown) => {
      body = value
      parsed = true
    },
  })
}

function queryRecord(params: URLSearchParams): Record<string, string> {
  const record: Record<string, string> = {}
  for (const [key, value] of params) if (!(key in record)) record[key] = value
  return record
}

function isDryRun(params: URLSearchParams): boolean {
  return params.getAll('dryRun').includes('All')
}

function write(response: ServerResponse, answer: Answer): void {
  if (response.headersSent) return
  const payload = Buffer.from(answer.text ? String(answer.body) : JSON.stringify(answer.body))
  response.writeHead(answer.status, {
    'Content-Type': answer.text ? 'text/plain; charset=utf-8' : 'application/json',
    'Content-Length': payload.length,
    ...APF_HEADERS,
    ...answer.headers,
  })
  response.end(payload)
}

function statusAnswer(error: StatusError): Answer {
  return {status: error.code, body: error.body, headers: error.headers}
}

/** Built-in list items carry no apiVersion/kind on the wire; custom resource items do. */
function listItem(def: ResourceDef, object: JsonObject): JsonObject {
  if (def.custom) return object
  const {apiVersion: _apiVersion, kind: _kind, ...rest} = object
  return rest
}

export class HttpFront {
  private inFlight = 0

  constructor(private readonly context: HttpContext) {}

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.inFlight++
    let counted = true
    const leave = (): void => {
      if (!counted) return
      counted = false
      this.inFlight--
    }
    response.once('close', leave)
    const url = new URL(request.url ?? '/', 'http://localhost')
    const raw = await readBody(request)
    const contentType = request.headers['content-type']
    const entry: RequestLogEntry = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: queryRecord(url.searchParams),
      status: 0,
      dryRun: isDryRun(url.searchParams),
      at: this.context.now(),
      inFlight: this.inFlight,
    }
    response.once('finish', () => {
      if (counted) entry.endedAt = this.context.now()
    })
    if (raw.length > 0) logBodyOf(entry, raw, contentType)
    if (contentType) entry.contentType = contentType
    this.context.log.push(entry)
    const setStatus = (status: number): void => {
      entry.status = status
    }
    try {
      const decision = this.context.faults.next()
      if (decision.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.delayMs))
      if (decision.throttledSeconds !== undefined) {
        setStatus(429)
        write(response, tooManyRequestsAnswer(decision.throttledSeconds))
        return
      }
      const route = this.route(url.pathname)
      if (decision.status !== undefined) {
        const target = route.type === 'resource' ? route : undefined
        throw statusForCode(decision.status, target && groupResource(target.def), target?.name)
      }
      if (route.type === 'resource') {
        const watchParam = ['1', 'true'].includes(url.searchParams.get('watch') ?? '')
        const verb = verbOf(entry.method, route, watchParam)
        const throttled = this.context.faults.throttledFor({verb, resource: route.def.plural, namespace: route.namespace})
        if (throttled !== undefined) {
          setStatus(429)
          write(response, tooManyRequestsAnswer(throttled))
          return
        }
        this.authorize(verb, route)
        const failure = this.context.faults.failureFor({verb, resource: route.def.plural, namespace: route.namespace})
        if (failure !== undefined) throw statusForCode(failure, groupResource(route.def), route.name)
        if (verb === 'watch') {
          leave()
          setStatus(200)
          this.watch(route, url.searchParams, request.headers.accept, response)
          return
        }
        this.context.registry.requestUser = this.context.userFor(request.headers.authorization)
        let answer: Answer
        try {
          answer = this.resource(verb, route, url.searchParams, raw, contentType, request.headers.accept, request.headers['user-agent'])
        } finally {
          this.context.registry.requestUser = undefined
        }
        setStatus(answer.status)
        write(response, answer)
        return
      }
      const answer = this.nonResource(route)
      setStatus(answer.status)
      write(response, answer)
    } catch (error) {
      const status = error instanceof StatusError ? error : internalError(error instanceof Error ? error.message : String(error))
      setStatus(status.code)
      write(response, statusAnswer(status))
    }
  }

  private route(pathname: string): Route {
    const served = this.context.servedGroups()
    const servedGroupVersion = (group: string, version: string): boolean =>
      RESOURCES.some((def) => def.group === group && (version === '' || def.version === version) && isServed(def, served))
    return resolveRoute(pathname, (def) => isServed(def, served), servedGroupVersion)
  }

  private nonResource(route: Exclude<Route, ResourceRoute>): Answer {
    const served = this.context.servedGroups()
    switch (route.type) {
      case 'version':
        return {status: 200, body: SERVER_VERSION}
      case 'health':
        return {status: 200, body: 'ok', text: true}
      case 'legacy-root':
        return {status: 200, body: apiVersions(this.context.serverAddress())}
      case 'groups-root':
        return {status: 200, body: apiGroupList(served)}
      case 'discovery': {
        const body = route.version === undefined ? apiGroup(route.group, served) : apiResourceList(route.group, route.version, served)
        return body ? {status: 200, body} : {status: 404, body: '404 page not found\n', text: true}
      }
      case 'openapi': {
        const document = route.path.startsWith('/openapi/v3') ? openApiV3(route.path, (def) => isServed(def, served)) : undefined
        return document ? {status: 200, body: document} : {status: 404, body: '404 page not found\n', text: true}
      }
      case 'page-not-found':
        return {status: 404, body: '404 page not found\n', text: true}
    }
  }

  private authorize(verb: string, route: ResourceRoute): void {
    const resource = route.subresource ? `${route.def.plural}/${route.subresource}` : route.def.plural
    if (!this.context.faults.isDenied({verb, resource, namespace: route.namespace}) && !this.context.faults.isDenied({verb, resource: route.def.plural, namespace: route.namespace})) return
    throw forbidden({verb, gr: groupResource(route.def), name: route.name, namespace: route.namespace, user: this.context.registry.userName})
  }

  private resource(verb: string, route: ResourceRoute, query: URLSearchParams, raw: Buffer, contentType: string | undefined, accept: string | undefined, userAgent: string | undefined): Answer {
    const {registry} = this.context
    const {def, namespace, name} = route
    const dryRun = isDryRun(query)
    const options = {dryRun, fieldManager: query.get('fieldManager') || managerFromUserAgent(userAgent), subresource: route.subresource}
    switch (verb) {
      case 'get': {
        const object = registry.get(def, namespace, name!)
        return {status: 200, body: wantsTable(accept) ? toTable(def, [object], {resourceVersion: metadataOf(object).resourceVersion}, query.get('includeObject') ?? 'Metadata', this.context.now()) : object}
      }
      case 'list': {
        const {items, metadata} = registry.list(def, namespace, query)
        if (wantsTable(accept)) return {status: 200, body: toTable(def, items, metadata, query.get('includeObject') ?? 'Metadata', this.context.now())}
        return {status: 200, body: {kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata, items: items.map((item) => listItem(def, item))}}
      }
      case 'create': {
        if (def.kind === 'SelfSubjectAccessReview') return {status: 201, body: this.accessReview(parseBody(raw, contentType))}
        return {status: 201, body: registry.create(def, namespace, parseBody(raw, contentType), options)}
      }
      case 'update':
        return {status: 200, body: registry.update(def, namespace, name!, parseBody(raw, contentType), options)}
      case 'patch': {
        const patchType = patchTypeOf(def, contentType)
        if (patchType === 'apply' && !query.get('fieldManager')) {
          throw invalid({group: 'meta.k8s.io', kind: 'PatchOptions'}, '', [fieldErrors.required('fieldManager', 'is required for apply patch')])
        }
        if (patchType !== 'apply' && query.has('force')) {
          throw invalid({group: 'meta.k8s.io', kind: 'PatchOptions'}, '', [fieldErrors.forbidden('force', 'may not be specified for non-apply patch')])
        }
        const {object, created} = registry.patch(def, namespace, name!, patchType, parseBody(raw, contentType), {...options, force: query.get('force') === 'true'})
        return {status: created ? 201 : 200, body: object}
      }
      case 'delete':
        return {status: 200, body: registry.delete(def, namespace, name!, deleteOptionsOf(query, mediaType(contentType) === PROTOBUF ? undefined : parseBody(raw, 'application/json')), options)}
      case 'deletecollection':
        return {status: 200, body: registry.deleteCollection(def, namespace, query, options)}
      default:
        throw internalError(`unhandled verb ${verb}`)
    }
  }

  private accessReview(body: unknown): JsonObject {
    const attributes = objectAt(body, 'spec', 'resourceAttributes') ?? {}
    const resource = [attributes.resource, attributes.subresource].filter((part) => typeof part === 'string' && part !== '').join('/')
    const denied = this.context.faults.isDenied({verb: String(attributes.verb ?? ''), resource, namespace: typeof attributes.namespace === 'string' && attributes.namespace !== '' ? attributes.namespace : undefined})
    const review: JsonObject = isObject(body) ? {...body} : {}
    review.apiVersion = 'authorization.k8s.io/v1'
    review.kind = 'SelfSubjectAccessReview'
    review.metadata = {creationTimestamp: null}
    review.status = denied ? {allowed: false, reason: 'denied by the in-process API server fault injection'} : {allowed: true}
    return review
  }

  private watch(route: ResourceRoute, query: URLSearchParams, accept: string | undefined, response: ServerResponse): void {
    const {def, namespace} = route
    const labels = parseLabelSelector(query.get('labelSelector') ?? undefined)
    const fields = parseFieldSelector(query.get('fieldSelector') ?? undefined, def)
    const matches = (object: JsonObject): boolean => {
      const metadata = metadataOf(object)
      if (def.namespaced && namespace !== undefined && metadata.namespace !== namespace) return false
      if (route.name !== undefined && metadata.name !== route.name) return false
      return matchesLabels(object, labels) && matchesFields(object, fields)
    }
    const asTable = wantsTable(accept)
    const includeObject = query.get('includeObject') ?? 'Metadata'
    let first = true
    const present = (object: JsonObject): JsonObject => {
      if (!asTable) return object
      const table = toTable(def, [object], {resourceVersion: metadataOf(object).resourceVersion}, includeObject, this.context.now(), first)
      first = false
      return table
    }
    const timeout = Number.parseInt(query.get('timeoutSeconds') ?? '', 10)
    const open = serveWatch(response, this.context.store, () => this.context.store.list(def, def.namespaced ? namespace : undefined).filter(matches), {
      def,
      namespace,
      matches,
      resourceVersion: query.get('resourceVersion') ?? undefined,
      sendInitialEvents: query.get('sendInitialEvents') === 'true',
      allowBookmarks: query.get('allowWatchBookmarks') === 'true' || query.get('allowWatchBookmarks') === '1',
      bookmarkIntervalMs: this.context.bookmarkIntervalMs,
      timeoutSeconds: Number.isFinite(timeout) ? timeout : undefined,
      present,
    })
    this.context.openWatches.add(open)
    response.on('close', () => this.context.openWatches.delete(open))
  }
}

/** DeleteOptions come in the body or, as kube-apiserver also accepts, as query parameters. */
function deleteOptionsOf(query: URLSearchParams, body: unknown): unknown {
  const policy = query.get('propagationPolicy')
  const orphan = query.get('orphanDependents')
  if (policy === null && orphan === null) return body
  const options: Record<string, unknown> = typeof body === 'object' && body !== null ? {...(body as Record<string, unknown>)} : {}
  if (policy !== null) options.propagationPolicy ??= policy
  if (orphan !== null) options.orphanDependents ??= orphan === 'true'
  return options
}
