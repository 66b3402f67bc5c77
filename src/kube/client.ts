import type {KubeConfig} from '@kubernetes/client-node'

import type {KubeObject} from '../model/kube-object.js'

import http from 'node:http'
import https from 'node:https'

import {ClusterError} from '../model/errors.js'
import {FIELD_MANAGER} from '../model/keys.js'
import {type ConnectionOptions, loadConfig} from './kubeconfig.js'
import {type Lane, Limiter} from './limiter.js'
import {type ResourceType, collectionPath, objectPath} from './resources.js'
import {continueTokenIn} from './list-pages.js'

export type {KubeObject} from '../model/kube-object.js'

export interface KubeList<T = KubeObject> {
  items: T[]
  metadata: {resourceVersion?: string; continue?: string}
}

/** The discovery document at /apis. */
interface ApiGroupList {
  groups?: Array<{name: string; versions?: Array<{groupVersion?: string; version: string}>}>
}

export type PatchType = 'json' | 'merge' | 'apply'

/**
 * The page size of list(), whose caller keeps every object anyway, so the page bounds only the API server's answer
 * (1,000 routing objects are 1-2 MB): twice kubectl's 500, half the round trips on a large cluster. chunks() for a
 * caller that keeps only a digest of each object takes its own, smaller page.
 */
const WHOLE_LIST_PAGE = 1000

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  apply: 'application/apply-patch+yaml',
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
}

export interface RequestOptions {
  query?: Record<string, string | undefined>
  body?: unknown
  contentType?: string
  /** A create whose repeat is harmless: it names its object and the caller takes AlreadyExists as done. */
  repeatable?: boolean
  /** Sees a successful answer's text before it is parsed. */
  onText?: (text: string) => void
}

/** A page of a list on its way, and the next page's token once the answer's text has shown it. */
interface PageOnItsWay<T> {
  token: string | undefined
  answer: Promise<KubeList<T>>
  next?: string
  onNext?: (token: string) => void
}

/** An error answered by the API server, carrying its Status reason and code. */
export class ApiError extends ClusterError {
  constructor(
    message: string,
    readonly code: number,
    readonly apiReason: string,
  ) {
    super(message, code, apiReason)
    this.name = 'ApiError'
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.code === 404
}

export function isConflict(error: unknown): boolean {
  return error instanceof ApiError && error.code === 409 && error.apiReason === 'Conflict'
}

export function isAlreadyExists(error: unknown): boolean {
  return error instanceof ApiError && error.code === 409 && error.apiReason === 'AlreadyExists'
}

/** A failed JSON Patch `test` (the object changed under us) or a stale resourceVersion: re-read and try again. */
export function isStale(error: unknown): boolean {
  return isConflict(error) || (error instanceof ApiError && error.code === 422 && /test operation|testing value|test failed/i.test(error.message))
}

export interface RetryPolicy {
  attempts: number
  baseDelayMs: number
  sleep: (ms: number) => Promise<void>
}

/**
 * Whether and after how long to try a failed request again: only answers that say "try again" (429, 5xx, a dropped
 * connection), at most `attempts` times, after the longer of the backoff and the server's Retry-After, and never
 * when the wait would end past the deadline (`msLeft`: what is left of the pass's horizon; undefined: none).
 */
export function retryDelay(error: unknown, attempt: number, policy: RetryPolicy, msLeft?: number): number | undefined {
  if (!(error instanceof TransientError) || attempt >= policy.attempts) return undefined
  const delay = Math.max(policy.baseDelayMs * 2 ** (attempt - 1), error.retryAfterMs ?? 0)
  return msLeft === undefined || delay <= msLeft ? delay : undefined
}

const defaultRetry: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 100,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}

/**
 * Talks to the API server with the credentials of a kubeconfig (loaded by client-node), as raw JSON:
 * client-node's typed models drop fields they do not know, which would break restoring a spec key for key.
 * Retries what is safe to retry (429, 5xx, connection resets) with backoff, honouring Retry-After. Every request
 * waits for a slot of one Limiter, so the process never has more than its limit in flight, and a retry gives its slot
 * back while it waits.
 */
export class KubeClient {
  readonly server: string
  private readonly requestOptions: Promise<https.RequestOptions>
  private servedGroups?: Promise<ApiGroupList>
  private readonly lane: Lane = 'routing'
  /** Shared with every view of this client (see recorder()). */
  private readonly retryBudget: {deadline?: number; now: () => number} = {now: () => Date.now()}
  /** Each request's bound (`--request-timeout`); 0: none. A connection not made within CONNECT_TIMEOUT_MS fails sooner. */
  private requestTimeoutMs = 0

  constructor(
    readonly config: KubeConfig,
    readonly namespace: string,
    readonly contextName: string,
    private readonly retry: RetryPolicy = defaultRetry,
    readonly limiter: Limiter = new Limiter(),
  ) {
    const cluster = config.getCurrentCluster()
    if (!cluster) throw new ClusterError(`context "${contextName}" has no cluster`)
    this.server = cluster.server.replace(/\/+$/, '')
    const options: https.RequestOptions = {}
    this.requestOptions = config.applyToHTTPSOptions(options).then(() => keepingConnectionsAlive(options))
  }

  /**
   * Who this client acts as, for the window history: `cronjob` in the cluster (the CronJob's ServiceAccount), else
   * the user of the kubeconfig context, as kubectl names it.
   */
  actor(): string {
    const user = this.config.getCurrentUser()?.name
    return user === undefined || user === 'inClusterUser' ? 'cronjob' : user
  }

  static async fromOptions(options: ConnectionOptions, retry?: RetryPolicy): Promise<KubeClient> {
    const loaded = await loadConfig(options)
    return new KubeClient(loaded.config, loaded.namespace, loaded.contextName, retry)
  }

  /** The same client for phases and Events: its requests share the limit but yield to switches and restores. */
  recorder(): KubeClient {
    return Object.create(this, {lane: {value: 'record'}}) as KubeClient
  }

  /** The same client, failing at once where it would retry: for a caller that has something better to do than wait. */
  once(): KubeClient {
    return Object.create(this, {retry: {value: {...this.retry, attempts: 1}}}) as KubeClient
  }

  /** Bounds every request to `ms` (0: unbounded), as kubectl's --request-timeout does. */
  withRequestTimeout(ms: number): this {
    this.requestTimeoutMs = ms
    return this
  }

  /** Retries that would wait past `deadline` (epoch ms on `now`'s clock) give up instead; undefined: no deadline. */
  retryWithin(deadline: number | undefined, now: () => number = () => Date.now()): void {
    this.retryBudget.deadline = deadline
    this.retryBudget.now = now
  }

  async get<T = KubeObject>(type: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    return this.request<T>('GET', objectPath(type, namespace, name))
  }

  async getIfExists<T = KubeObject>(type: ResourceType, namespace: string | undefined, name: string): Promise<T | undefined> {
    try {
      return await this.get<T>(type, namespace, name)
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
  }

  /** Lists every page; namespace undefined lists across all namespaces. */
  async list<T = KubeObject>(type: ResourceType, namespace?: string, selectors: {labelSelector?: string; fieldSelector?: string} = {}): Promise<T[]> {
    let items: T[] = []
    for await (const chunk of this.chunks<T>(type, namespace, selectors, WHOLE_LIST_PAGE)) {
      if (chunk.restarted) items = []
      items.push(...chunk.items)
    }
    return items
  }

  /**
   * A list in chunks of at most `limit` objects (`limit`/`continue`), so a caller that keeps only what it needs of
   * each object holds at most two chunks at a time: the next page is asked for as soon as this one's answer has
   * arrived, and is on its way while this one is parsed and used. When the server has compacted the list's snapshot
   * away (410 Expired), the list starts over: that chunk says `restarted`, and the caller drops what it kept.
   */
  async *chunks<T = KubeObject>(
    type: ResourceType,
    namespace?: string,
    selectors: {labelSelector?: string; fieldSelector?: string} = {},
    limit = 500,
  ): AsyncGenerator<{items: T[]; restarted: boolean}> {
    const ask = (token: string | undefined): PageOnItsWay<T> => {
      const page: PageOnItsWay<T> = {answer: Promise.resolve({items: [], metadata: {}}), token}
      page.answer = this.request<KubeList<T>>('GET', collectionPath(type, namespace), {
        onText: (text) => {
          page.next = continueTokenIn(text)
          if (page.next !== undefined) page.onNext?.(page.next)
        },
        query: {continue: token, fieldSelector: selectors.fieldSelector, labelSelector: selectors.labelSelector, limit: String(limit)},
      })
      // A page asked for ahead and then not wanted (the list restarted, or the caller stopped) fails unheard.
      page.answer.catch(() => undefined)
      return page
    }
    let continueToken: string | undefined
    let restarted = false
    let ahead: PageOnItsWay<T> | undefined
    for (;;) {
      const current = ahead !== undefined && ahead.token === continueToken ? ahead : ask(continueToken)
      ahead = undefined
      const askNext = (token: string) => {
        ahead = ask(token)
      }
      if (current.next === undefined) current.onNext = askNext
      else askNext(current.next)
      let page: KubeList<T>
      try {
        page = await current.answer
      } catch (error) {
        if (continueToken === undefined || !(error instanceof ApiError) || error.code !== 410) throw error
        continueToken = undefined
        restarted = true
        continue
      } finally {
        current.onNext = undefined
      }
      yield {items: page.items, restarted}
      restarted = false
      continueToken = page.metadata?.continue || undefined
      if (continueToken === undefined) return
    }
  }

  async create<T = KubeObject>(type: ResourceType, namespace: string | undefined, body: object, dryRun = false): Promise<T> {
    return this.request<T>('POST', collectionPath(type, namespace), {body, query: {dryRun: dryRun ? 'All' : undefined}})
  }

  /** Creates a named object unless one of that name exists; false when it existed. Safe to retry, so it is. */
  async createIfAbsent(type: ResourceType, namespace: string | undefined, body: object): Promise<boolean> {
    try {
      await this.request('POST', collectionPath(type, namespace), {body, repeatable: true})
      return true
    } catch (error) {
      if (isAlreadyExists(error)) return false
      throw error
    }
  }

  async replace<T = KubeObject>(type: ResourceType, namespace: string | undefined, name: string, body: object, dryRun = false): Promise<T> {
    return this.request<T>('PUT', objectPath(type, namespace, name), {body, query: {dryRun: dryRun ? 'All' : undefined}})
  }

  async patch<T = KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    body: unknown,
    options: {dryRun?: boolean; fieldManager?: string; force?: boolean} = {},
  ): Promise<T> {
    return this.request<T>('PATCH', objectPath(type, namespace, name), {
      body,
      contentType: PATCH_CONTENT_TYPES[patchType],
      query: {
        dryRun: options.dryRun ? 'All' : undefined,
        fieldManager: options.fieldManager,
        force: options.force ? 'true' : undefined,
      },
    })
  }

  /** `uid`: delete only that object (DeleteOptions preconditions): one recreated under the same name answers 409 Conflict. */
  async delete(type: ResourceType, namespace: string | undefined, name: string, dryRun = false, uid?: string): Promise<void> {
    await this.request('DELETE', objectPath(type, namespace, name), {
      body: {apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', ...(uid === undefined ? {} : {preconditions: {uid}})},
      query: {dryRun: dryRun ? 'All' : undefined},
    })
  }

  /**
   * Whether the cluster serves group/version. The core group's v1 always is; other groups are read from one
   * discovery request (/apis lists every served group and version, and drops a CRD group that is not installed).
   * Only an answer is remembered: a failed discovery is asked again next time.
   */
  async serves(group: string, version: string): Promise<boolean> {
    if (group === '') return version === 'v1'
    this.servedGroups ??= this.request<ApiGroupList>('GET', '/apis').catch((error: unknown) => {
      this.servedGroups = undefined
      throw error
    })
    const {groups = []} = await this.servedGroups
    return groups.some((served) => served.name === group && (served.versions ?? []).some((candidate) => candidate.version === version))
  }

  /**
   * The collection's changes from `resourceVersion` on (a watch), one event per object change, until the server ends
   * the stream; the caller watches again from the last version it saw. Not bounded by the request timeout (a watch
   * waits by design), only its connection is.
   */
  async *watch<T = KubeObject>(type: ResourceType, namespace: string | undefined, query: {labelSelector?: string; resourceVersion?: string}): AsyncGenerator<{type: string; object: T}> {
    const base = await this.requestOptions
    const url = new URL(this.server + collectionPath(type, namespace))
    url.searchParams.set('watch', '1')
    url.searchParams.set('allowWatchBookmarks', 'false')
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value)
    const transport = url.protocol === 'http:' ? http : https
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const request = transport.request(url, {...base, headers: {...(base.headers as http.OutgoingHttpHeaders), Accept: 'application/json'}, method: 'GET'}, resolve)
      const timers = boundRequest(request, 0)
      request.on('response', () => timers.clear())
      request.on('error', (error: NodeJS.ErrnoException) => {
        timers.clear()
        reject(new ApiError(`cannot reach the cluster at ${this.server}: ${error instanceof RequestTimeout ? error.message : (error.code ?? error.message)}`, 0, 'Timeout'))
      })
      request.end()
    })
    if ((response.statusCode ?? 0) >= 300) {
      const chunks: Buffer[] = []
      for await (const chunk of response) chunks.push(chunk as Buffer)
      throw apiErrorFrom('GET', url.pathname, response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))
    }
    let buffered = ''
    for await (const chunk of response) {
      buffered += (chunk as Buffer).toString('utf8')
      let newline = buffered.indexOf('\n')
      while (newline !== -1) {
        const line = buffered.slice(0, newline).trim()
        buffered = buffered.slice(newline + 1)
        if (line) yield JSON.parse(line) as {type: string; object: T}
        newline = buffered.indexOf('\n')
      }
    }
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.limiter.run(this.lane, () => this.send<T>(method, path, options), attempt > 1)
      } catch (error) {
        const {deadline, now} = this.retryBudget
        const delay = mayRetry(method, options, error) ? retryDelay(error, attempt, this.retry, deadline === undefined ? undefined : deadline - now()) : undefined
        if (delay === undefined) throw error
        await this.retry.sleep(delay)
      }
    }
  }

  private async send<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const base = await this.requestOptions
    const url = new URL(this.server + path)
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value)
    }
    // Every write names one field manager, so managedFields tell our fields apart (and Argo CD can be told to ignore them).
    if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && !url.searchParams.has('fieldManager')) url.searchParams.set('fieldManager', FIELD_MANAGER)
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body))
    const headers: http.OutgoingHttpHeaders = {...(base.headers as http.OutgoingHttpHeaders), Accept: 'application/json'}
    if (payload) {
      headers['Content-Type'] = options.contentType ?? 'application/json'
      headers['Content-Length'] = payload.length
    }
    const transport = url.protocol === 'http:' ? http : https
    let answered = false
    const {status, body, retryAfter} = await new Promise<{status: number; body: string; retryAfter?: string}>((resolve, reject) => {
      const request = transport.request(
        url,
        {...base, headers, method},
        (response) => {
          answered = true
          const chunks: Buffer[] = []
          response.on('data', (chunk: Buffer) => chunks.push(chunk))
          response.on('end', () =>
            resolve({body: Buffer.concat(chunks).toString('utf8'), retryAfter: response.headers['retry-after'], status: response.statusCode ?? 0}),
          )
          response.on('error', reject)
        },
      )
      const timers = boundRequest(request, this.requestTimeoutMs)
      request.on('close', () => timers.clear())
      request.on('error', (error: NodeJS.ErrnoException) => {
        timers.clear()
        if (error instanceof RequestTimeout) {
          reject(new ApiError(`cannot reach the cluster at ${this.server}: ${error.message}`, 0, 'Timeout'))
          return
        }
        const reason = error.code ?? error.message
        const message = `cannot reach the cluster at ${this.server}: ${reason}`
        const dropped = error.code === 'ECONNRESET' || error.code === 'EPIPE'
        // A kept-alive connection the server closed as idle just as we reused it: the request never reached the server.
        if (dropped && request.reusedSocket && !answered) reject(new IdleConnectionClosed(message, 0, 'ServiceUnavailable'))
        else reject(dropped ? new TransientError(message, 0, 'ServiceUnavailable') : new ApiError(message, 0, reason))
      })
      if (payload) request.write(payload)
      request.end()
    })
    if (status >= 200 && status < 300) {
      options.onText?.(body)
      return (body ? JSON.parse(body) : undefined) as T
    }
    throw apiErrorFrom(method, path, status, body, retryAfter)
  }
}

/** How long a TCP (and TLS) connection may take before the server is reported unreachable, within the request timeout. */
export const CONNECT_TIMEOUT_MS = 10_000

class RequestTimeout extends Error {}

/**
 * Destroys `request` with a RequestTimeout when the whole exchange takes longer than `timeoutMs` (0: never), or the
 * connection is not made within CONNECT_TIMEOUT_MS. Not retried: a server that hangs would hang each retry too.
 */
function boundRequest(request: http.ClientRequest, timeoutMs: number): {clear: () => void} {
  const limit = (ms: number) => (timeoutMs > 0 ? Math.min(ms, timeoutMs) : ms)
  const total = timeoutMs > 0 ? setTimeout(() => request.destroy(new RequestTimeout(`no answer within ${seconds(timeoutMs)} (--request-timeout)`)), timeoutMs) : undefined
  let connect: NodeJS.Timeout | undefined
  request.on('socket', (socket) => {
    if (!socket.connecting) return
    const ms = limit(CONNECT_TIMEOUT_MS)
    connect = setTimeout(() => request.destroy(new RequestTimeout(`could not connect within ${seconds(ms)}`)), ms)
    socket.once('connect', () => clearTimeout(connect))
  })
  return {
    clear: () => {
      clearTimeout(total)
      clearTimeout(connect)
    },
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}

/**
 * client-node gives each client an agent that closes its connection after every request, so each request paid a new
 * TCP (and TLS) handshake: on a managed control plane a round trip or two more per request, and on both ends CPU that a
 * burst of hundreds of writes could not spare. The same agent, with its TLS options, keeps them open as kubectl does
 * (idle sockets do not hold the process). A proxy agent (proxy-url) is left as client-node made it.
 */
function keepingConnectionsAlive(options: https.RequestOptions): https.RequestOptions {
  const {agent} = options
  if (agent instanceof https.Agent && agent.constructor === https.Agent) {
    options.agent = new https.Agent({...(agent as https.Agent & {options: https.AgentOptions}).options, keepAlive: true})
  } else if (agent instanceof http.Agent && agent.constructor === http.Agent) {
    options.agent = new http.Agent({...(agent as http.Agent & {options: http.AgentOptions}).options, keepAlive: true})
  }
  return options
}

/**
 * Whether a request that failed with `error` may be sent again. A failure can come after the server made the
 * change (a 500 or a dropped connection after the commit), so only requests whose repeat cannot change anything
 * twice are: reads; writes with a precondition that a repeat fails cleanly on (PUT with a resourceVersion, a JSON
 * Patch that starts with a `test`, a merge patch naming a resourceVersion, a DELETE with preconditions); and creates
 * of a named object whose caller takes AlreadyExists as done. 429 is the exception: the API server answers it
 * before doing anything, so whatever was asked may be asked again.
 */
export function mayRetry(method: string, options: RequestOptions, error: unknown): boolean {
  if (!(error instanceof TransientError)) return false
  if (error instanceof IdleConnectionClosed || error.code === 429 || method === 'GET' || method === 'HEAD') return true
  const body = (options.body ?? {}) as {metadata?: {name?: string; resourceVersion?: string}; preconditions?: object}
  switch (method) {
    case 'PUT': {
      return Boolean(body.metadata?.resourceVersion)
    }

    case 'PATCH': {
      if (options.contentType === PATCH_CONTENT_TYPES.json) return Array.isArray(options.body) && (options.body[0] as {op?: string} | undefined)?.op === 'test'
      return options.contentType === PATCH_CONTENT_TYPES.merge && Boolean(body.metadata?.resourceVersion)
    }

    case 'DELETE': {
      return body.preconditions !== undefined
    }

    case 'POST': {
      return options.repeatable === true && Boolean(body.metadata?.name)
    }

    default: {
      return false
    }
  }
}

/** An answer that says "try again" (429, 500, 502-504) or a dropped connection. */
export class TransientError extends ApiError {
  constructor(
    message: string,
    code: number,
    apiReason: string,
    readonly retryAfterMs?: number,
  ) {
    super(message, code, apiReason)
    this.name = 'TransientError'
  }
}

function apiErrorFrom(method: string, path: string, status: number, body: string, retryAfter?: string): ApiError {
  let message = body.trim() || `HTTP ${status}`
  let reason = String(status)
  try {
    const parsed = JSON.parse(body) as {message?: string; reason?: string; details?: {causes?: Array<{message?: string}>}}
    if (parsed.message) message = parsed.message
    if (parsed.reason) reason = parsed.reason
    // A failed JSON Patch `test` says only "the server rejected our request"; what failed is in the causes.
    const causes = (parsed.details?.causes ?? []).map((cause) => cause.message).filter(Boolean)
    if (causes.length > 0 && !causes.every((cause) => message.includes(cause as string))) message = `${message}: ${causes.join('; ')}`
  } catch {
    // Not a Status object (e.g. "404 page not found" for an unserved group): keep the text.
  }
  const text = `${method} ${path}: ${message}${reason === String(status) ? '' : ` (${reason})`}`
  if (status === 429 || status === 500 || status === 502 || status === 503 || status === 504) {
    const seconds = retryAfter ? Number.parseInt(retryAfter, 10) : Number.NaN
    return new TransientError(text, status, reason, Number.isFinite(seconds) ? seconds * 1000 : undefined)
  }
  return new ApiError(text, status, reason)
}

/**
 * A kept-alive connection that the server had closed as idle when we reused it (Node's `reusedSocket` and a reset
 * before any answer): the request was not processed, so sending it again is safe whatever its method.
 */
export class IdleConnectionClosed extends TransientError {}
