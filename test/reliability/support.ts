/**
 * Shared harness of the reliability proofs: the shop targets of all four kinds, a window written as a user would,
 * clients with a fast retry policy, a fake clock, a seeded fault proxy, and the invariants every pass must keep.
 * The helpers of test/kube/reconcile.test.ts are copied here (not imported) so that file stays the lead's.
 */
import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {KubeClient, type RetryPolicy} from '../../src/kube/client.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {KubeConfig} from '@kubernetes/client-node'
import type {Clock} from '../../src/model/clock.js'
import {type PassOptions, type PassReport, reconcile} from '../../src/kube/reconcile.js'
import {Resources, type ResourceType} from '../../src/kube/resources.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'
import {seededRandom} from '../support/random.js'
import {kubeconfigYaml} from '../support/apiserver/kubeconfig.js'
import {shopTargets} from '../fixtures/targets.js'

export const NS = 'shop'
export const PREFIX = 'kubectl-maintenance.io/'
export const ORIGINAL = `${PREFIX}original`

export type Obj = Record<string, unknown> & {
  kind?: string
  metadata: {name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string>}
  spec?: Record<string, unknown>
}

export const KINDS = [
  {apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'shop', ref: 'ingress/shop'},
  {apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', name: 'api', ref: 'ingressroute/api'},
  {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', name: 'web', ref: 'httproute/web'},
  {apiVersion: 'v1', kind: 'Service', name: 'db', ref: 'service/db'},
] as const

export type KindEntry = (typeof KINDS)[number]

export const ALL_REFS = KINDS.map((kind) => kind.ref)

/** What points traffic at a maintenance backend: a backend Service name, or the backend pods' labels (a switched Service). */
const BACKEND_MARK = /maintenance-[a-z0-9]{4,}|kubectl-maintenance\.io\/hash/

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export function windowConfigMap(name: string, targets: readonly string[], start: number, end?: number, extra: Record<string, string> = {}): Obj {
  const annotations: Record<string, string> = {
    [`${PREFIX}page`]: 'default',
    [`${PREFIX}start`]: rfc3339(start),
    [`${PREFIX}targets`]: targets.join(','),
    [`${PREFIX}timezone`]: 'Europe/Berlin',
    ...extra,
  }
  if (end !== undefined) annotations[`${PREFIX}end`] = rfc3339(end)
  return {
    apiVersion: 'v1',
    data: {message: 'Upgrading the database'},
    kind: 'ConfigMap',
    metadata: {
      annotations,
      labels: {'app.kubernetes.io/managed-by': 'kubectl-maintenance', [`${PREFIX}role`]: 'window'},
      name,
      namespace: NS,
    },
  }
}

/** A clock for passes: sleeping advances it at once and yields to real timers (the API server's readiness), so no pass waits. */
export class FakeClock implements Clock {
  private readonly alarms: Array<{at: number; run: () => Promise<void> | void}> = []

  constructor(public current: number) {}

  now(): number {
    return this.current
  }

  async sleep(ms: number): Promise<void> {
    this.current += Math.max(0, ms)
    for (const alarm of this.alarms.filter((each) => each.at <= this.current)) {
      this.alarms.splice(this.alarms.indexOf(alarm), 1)
      await alarm.run()
    }
    await new Promise((resolve) => setTimeout(resolve, 1))
  }

  /**
   * Runs `run` once a sleep takes the clock to `at`, and finishes it before the sleeper goes on: what the rest of the
   * world does at a moment of fake time (a backend becoming ready) happens then, whatever the machine's speed.
   */
  at(at: number, run: () => Promise<void> | void): void {
    this.alarms.push({at, run})
  }

  advance(ms: number): void {
    this.current += ms
  }
}

/** The seed of a randomised test: RELIABILITY_SEED when set, else the given default; printed by the caller. */
export function seedFromEnv(fallback: number): number {
  const text = process.env.RELIABILITY_SEED
  if (text === undefined || text.trim() === '') return fallback
  const seed = Number.parseInt(text, 10)
  if (!Number.isSafeInteger(seed)) throw new Error(`RELIABILITY_SEED="${text}" is not an integer`)
  return seed
}

/** How many seeds a sweep runs: RELIABILITY_SEEDS (the soak run raises it), else the given default. */
export function seedCountFromEnv(fallback: number): number {
  const count = Number.parseInt(process.env.RELIABILITY_SEEDS ?? '', 10)
  return Number.isSafeInteger(count) && count > 0 ? count : fallback
}

/** Retry sleeps the client asked for; they resolve at once so Retry-After costs no real time. */
export class RecordingSleep {
  readonly delays: number[] = []
  readonly sleep = async (ms: number): Promise<void> => {
    this.delays.push(ms)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

export function clientFor(kubeconfigPath: string, retry: Partial<RetryPolicy> = {}): KubeClient {
  const loaded = readConfig(KubeConfig, {kubeconfig: kubeconfigPath, namespace: NS})
  const policy: RetryPolicy = {attempts: 3, baseDelayMs: 1, sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)), ...retry}
  return new KubeClient(loaded.config, loaded.namespace, loaded.contextName, policy)
}

export function pass(client: KubeClient, options: Partial<PassOptions> = {}): Promise<PassReport> {
  return reconcile(client, {horizonMs: 0, namespace: NS, waitForTransitions: true, ...options})
}

/** The API server with the shop targets, read back directly from its store (no request, so no fault applies). */
export class Shop {
  private constructor(readonly server: ApiServer) {}

  static async start(options: {readyDelayMs?: number} = {}): Promise<Shop> {
    const server = await startApiServer({readyDelayMs: options.readyDelayMs ?? 0})
    server.seed(...shopTargets(NS))
    return new Shop(server)
  }

  target(kind: KindEntry): Obj | undefined {
    return this.server.object(kind.apiVersion, kind.kind, NS, kind.name) as Obj | undefined
  }

  specs(): Record<string, unknown> {
    return Object.fromEntries(KINDS.map((kind) => [kind.ref, structuredClone(this.target(kind)?.spec)]))
  }

  window(name: string): Obj | undefined {
    return this.server.object('v1', 'ConfigMap', NS, name) as Obj | undefined
  }

  phase(name: string): string | undefined {
    return this.window(name)?.metadata.annotations?.[`${PREFIX}phase`]
  }

  backendObjects(): string[] {
    const all = [
      ...this.server.objects('apps/v1', 'Deployment', NS),
      ...this.server.objects('v1', 'Service', NS),
      ...this.server.objects('v1', 'ConfigMap', NS),
    ] as Obj[]
    return all
      .filter((o) => o.metadata.labels?.[`${PREFIX}role`] === 'backend')
      .map((o) => `${String(o.kind)}/${o.metadata.name}`)
      .sort()
  }

  events(reason?: string): Array<Obj & {reason?: string; type?: string; message?: string; involvedObject?: {kind?: string; name?: string}}> {
    const events = this.server.objects('v1', 'Event', NS) as Array<Obj & {reason?: string; type?: string; message?: string}>
    return reason === undefined ? events : events.filter((event) => event.reason === reason)
  }

  /** A user's kubectl edit: a merge patch over HTTP with a client that does not retry. */
  async edit(kubeconfigPath: string, resource: ResourceType, name: string, patch: object): Promise<void> {
    await clientFor(kubeconfigPath, {attempts: 1}).patch(resource, NS, name, 'merge', patch)
  }

  async setEnd(kubeconfigPath: string, window: string, end: number): Promise<void> {
    await this.edit(kubeconfigPath, Resources.configMaps, window, {metadata: {annotations: {[`${PREFIX}end`]: rfc3339(end)}}})
  }

  close(): Promise<void> {
    return this.server.close()
  }
}

/**
 * The safety invariants, checked on what is stored: a target redirected to a backend carries its original, and the
 * original never names a backend (it would restore to the maintenance page: an original lost to a double switch).
 */
export function safetyProblems(shop: Shop): string[] {
  const problems: string[] = []
  for (const kind of KINDS) {
    const object = shop.target(kind)
    if (!object) continue
    const original = object.metadata.annotations?.[ORIGINAL]
    const redirected = BACKEND_MARK.test(JSON.stringify(object.spec)) || object.metadata.labels?.[`${PREFIX}active`] === 'true'
    if (redirected && original === undefined) problems.push(`${kind.ref} is redirected to a maintenance backend without its original annotation`)
    if (original !== undefined && BACKEND_MARK.test(original)) problems.push(`${kind.ref}: its original names a maintenance backend (lost original): ${original}`)
  }
  return problems
}

export function expectSafe(shop: Shop, context: string): void {
  expect(safetyProblems(shop), context).to.deep.equal([])
}

/** What is left to converge: targets not equal to their expected spec, tool marks on them, backends, the window's phase. */
export function convergenceProblems(shop: Shop, expectedSpecs: Record<string, unknown>, windows: Record<string, string>): string[] {
  const problems: string[] = []
  for (const kind of KINDS) {
    const object = shop.target(kind)
    if (JSON.stringify(sortedKeys(object?.spec)) !== JSON.stringify(sortedKeys(expectedSpecs[kind.ref]))) {
      problems.push(`${kind.ref} spec ${JSON.stringify(object?.spec)} != ${JSON.stringify(expectedSpecs[kind.ref])}`)
    }
    const marks = Object.keys(object?.metadata.annotations ?? {}).filter((key) => key.startsWith(PREFIX))
    if (marks.length > 0 || object?.metadata.labels?.[`${PREFIX}active`] !== undefined) problems.push(`${kind.ref} still carries ${marks.join(', ')}`)
  }
  const backends = shop.backendObjects()
  if (backends.length > 0) problems.push(`backend objects left: ${backends.join(', ')}`)
  for (const [name, phase] of Object.entries(windows)) {
    if (shop.phase(name) !== phase) problems.push(`window ${name} is ${shop.phase(name) ?? 'without phase'}, not ${phase}`)
  }
  return problems
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => sortedKeys(item))
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
    )
  }
  return value
}

/** The Ingress rules with the first path sent to another Service: what a GitOps sync or a kubectl edit does. */
export function driftedIngressRules(ingress: Obj, service: string): unknown[] {
  const spec = structuredClone(ingress.spec) as {rules: Array<{http: {paths: Array<{backend: unknown}>}}>}
  spec.rules[0].http.paths[0].backend = {service: {name: service, port: {name: 'http'}}}
  return spec.rules
}

export interface FaultPlan {
  seed: number
  /** Share of requests that fail. 409 is only ever chosen for writes: a real API server never answers a read with 409. */
  rate: number
  statuses: number[]
  /** Seeded latency per request, in ms: [min, max]. */
  latencyMs?: [number, number]
  /** Share of failing writes that the server carries out before it answers 500 (a timeout after commit). */
  committedFailures?: number
}

export interface FaultProxy {
  kubeconfigPath: string
  /** Failures answered, by status. */
  injected: Record<number, number>
  requests: number
  setPlan(plan: FaultPlan | undefined): void
  close(): Promise<void>
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

function statusBody(status: number): {body: object; headers: Record<string, string>} {
  const base = {apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code: status}
  if (status === 429) {
    return {
      body: {...base, details: {retryAfterSeconds: 1}, message: 'Too many requests, please try again later.', reason: 'TooManyRequests'},
      headers: {'Retry-After': '1'},
    }
  }
  if (status === 409) {
    return {body: {...base, message: 'Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again', reason: 'Conflict'}, headers: {}}
  }
  return {body: {...base, details: {causes: [{message: 'injected fault'}]}, message: 'Internal error occurred: injected fault', reason: 'InternalError'}, headers: {}}
}

/**
 * An HTTP proxy in front of the in-process API server that fails a seeded share of requests by method, with the
 * headers and Status bodies kube-apiserver sends, and adds seeded latency. The API server's own fault injection
 * counts every request alike; this one keeps 409 to writes and can fail a write after carrying it out.
 */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const agent = new http.Agent({keepAlive: true})
  let plan: FaultPlan | undefined
  let random = () => 1
  const injected: Record<number, number> = {}
  const state = {requests: 0}

  const forward = (request: http.IncomingMessage, body: Buffer): Promise<{status: number; headers: http.IncomingHttpHeaders; body: Buffer}> =>
    new Promise((resolve, reject) => {
      const outgoing = http.request(`${upstream}${request.url ?? '/'}`, {agent, headers: request.headers, method: request.method}, (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => resolve({body: Buffer.concat(chunks), headers: response.headers, status: response.statusCode ?? 502}))
        response.on('error', reject)
      })
      outgoing.on('error', reject)
      outgoing.end(body)
    })

  const handle = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    state.requests++
    const current = plan
    if (current?.latencyMs) {
      const [min, max] = current.latencyMs
      await new Promise((resolve) => setTimeout(resolve, min + Math.floor(random() * (max - min + 1))))
    }
    let status: number | undefined
    if (current) {
      const roll = random()
      const choices = WRITES.has(request.method ?? 'GET') ? current.statuses : current.statuses.filter((code) => code !== 409)
      const pick = choices[Math.floor(random() * choices.length)]
      if (roll < current.rate && pick !== undefined) status = pick
    }
    if (status !== undefined) {
      injected[status] = (injected[status] ?? 0) + 1
      const committed = status === 500 && WRITES.has(request.method ?? 'GET') && random() < (current?.committedFailures ?? 0)
      if (committed) await forward(request, body)
      const answer = statusBody(status)
      const text = JSON.stringify({...answer.body, code: status})
      response.writeHead(status, {'Content-Type': 'application/json', ...answer.headers})
      response.end(text)
      return
    }
    const answer = await forward(request, body)
    const {connection: _connection, 'transfer-encoding': _encoding, 'keep-alive': _keepAlive, ...headers} = answer.headers
    response.writeHead(answer.status, {...headers, 'content-length': String(answer.body.length)})
    response.end(answer.body)
  }

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(502)
      response.end(String(error))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const {port} = server.address() as AddressInfo
  const kubeconfigPath = path.join(mkdtempSync(path.join(tmpdir(), 'fault-proxy-')), 'kubeconfig')
  writeFileSync(kubeconfigPath, kubeconfigYaml(`http://127.0.0.1:${port}`, NS), {mode: 0o600})

  return {
    injected,
    kubeconfigPath,
    get requests() {
      return state.requests
    },
    setPlan(next) {
      plan = next
      random = next ? seededRandom(next.seed) : () => 1
    },
    async close() {
      server.closeAllConnections()
      agent.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export {Resources}
