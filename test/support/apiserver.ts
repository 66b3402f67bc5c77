/**
 * An in-process Kubernetes API server for tests, the demo and the benchmarks: real HTTP on 127.0.0.1, a generated
 * kubeconfig, and kube-apiserver's behaviour for the resources the product touches (see ARCHITECTURE.md).
 */
import http from 'node:http'
import type {AddressInfo} from 'node:net'

import {Faults, type LatencyOptions, type ThrottleOptions} from './apiserver/faults.js'
import {GarbageCollector} from './apiserver/garbage-collector.js'
import {HttpFront, type RequestLogEntry} from './apiserver/http.js'
import {type JsonObject, deepCopy, isObject, metadataOf} from './apiserver/json.js'
import {writeKubeconfig} from './apiserver/kubeconfig.js'
import {DeploymentRollouts} from './apiserver/readiness.js'
import {Registry} from './apiserver/registry.js'
import {ADMISSION_POLICIES, CRD_GROUPS, DEFAULT_CRD_GROUPS, RESOURCES, findByKind, isCrdGroup} from './apiserver/resources.js'
import {StatusError} from './apiserver/status.js'
import {Store} from './apiserver/store.js'
import type {OpenWatch} from './apiserver/watch.js'

export type {RequestLogEntry} from './apiserver/http.js'

export interface ApiServerOptions {
  port?: number
  host?: string
  crds?: string[]
  readyDelayMs?: number
  kubeconfigPath?: string
  namespaces?: string[]
  currentNamespace?: string
}

export interface ApiServer {
  url: string
  port: number
  kubeconfigPath: string
  requests: RequestLogEntry[]
  writes(): RequestLogEntry[]
  clearLog(): void
  seed(...objects: object[]): void
  object(apiVersion: string, kind: string, namespace: string | undefined, name: string): Record<string, unknown> | undefined
  objects(apiVersion: string, kind: string, namespace?: string): Record<string, unknown>[]
  /** Compacts the store's history (as etcd does every few minutes): list snapshots and watch positions before now expire. */
  compact(): void
  setServedGroups(groups: string[]): void
  setReadyDelay(ms: number): void
  /** Whether admissionregistration.k8s.io (ValidatingAdmissionPolicy) is served; a cluster before 1.30 lacks it. */
  setAdmissionPolicies(served: boolean): void
  /** A kubeconfig whose bearer token authenticates as `username` (e.g. system:serviceaccount:NS:NAME). */
  kubeconfigFor(username: string): string
  faults: {
    failAfter(n: number, status?: number): void
    failRequests(numbers: number[], status?: number): void
    randomly(opts: {rate: number; seed: number; statuses: number[]}): void
    /** Every answer waits `ms`, plus a seeded jitter when asked: 20 ms models a managed control plane. */
    latency(ms: number, options?: LatencyOptions): void
    /** A seeded share of requests is rejected as API Priority and Fairness does: 429, Retry-After, plain text. */
    throttle(options: ThrottleOptions): void
    /** APF rejects the matching requests (429, Retry-After), the first `times` of them (default: all). */
    throttleFor(verb: string, resource: string, options?: {namespace?: string; times?: number; retryAfterSeconds?: number}): void
    deny(verb: string, resource: string, namespace?: string): void
    /** Answers every matching request with `status`, e.g. 503 for every Event create. */
    failFor(status: number, verb: string, resource: string, namespace?: string): void
    clear(): void
  }
  close(): Promise<void>
}

export const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease']
const USER = 'kubernetes-admin'
const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE']
const BOOKMARK_INTERVAL_MS = 5000

function checkGroups(groups: string[]): Set<string> {
  for (const group of groups) if (!isCrdGroup(group)) throw new Error(`unknown CRD group "${group}"; known: ${CRD_GROUPS.join(', ')}`)
  return new Set(groups)
}

function resourceFor(apiVersion: string, kind: string) {
  const def = findByKind(apiVersion, kind)
  if (!def) throw new Error(`the in-process API server does not serve ${kind} in ${apiVersion}`)
  return def
}

/** The collector acts like a controller: an object that changed or went meanwhile is simply looked at again later. */
function ignoreStatus(action: () => unknown): void {
  try {
    action()
  } catch (error) {
    if (!(error instanceof StatusError)) throw error
  }
}

export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  let served = checkGroups(options.crds ?? [...DEFAULT_CRD_GROUPS])
  let admissionPolicies = true
  const tokens = new Map<string, string>()
  const now = (): Date => new Date()
  const store = new Store()
  const rollouts = new DeploymentRollouts(store, options.readyDelayMs ?? 0, now)
  const registry = new Registry(store, rollouts, now, USER)
  const collector = new GarbageCollector(store, {
    deleteDependent: (def, namespace, name, uid) => {
      ignoreStatus(() => registry.delete(def, namespace, name, {preconditions: {uid}, propagationPolicy: 'Background'}, {dryRun: false}))
    },
    setOwnerReferences: (def, namespace, name, uid, refs) => {
      const replace = refs.length > 0 ? {op: 'replace', path: '/metadata/ownerReferences', value: refs} : {op: 'remove', path: '/metadata/ownerReferences'}
      ignoreStatus(() => registry.patch(def, namespace, name, 'json', [{op: 'test', path: '/metadata/uid', value: uid}, replace], {dryRun: false}))
    },
  })
  registry.orphanDependents = (uid) => collector.orphan(uid)
  const faults = new Faults()
  const log: RequestLogEntry[] = []
  const openWatches = new Set<OpenWatch>()
  let address = ''
  const front = new HttpFront({
    registry,
    store,
    faults,
    servedGroups: () => (admissionPolicies ? new Set([...served, ADMISSION_POLICIES]) : served),
    userFor: (authorization) => tokens.get((authorization ?? '').replace(/^Bearer /, '')) ?? USER,
    log,
    openWatches,
    serverAddress: () => address,
    now: () => Date.now(),
    bookmarkIntervalMs: BOOKMARK_INTERVAL_MS,
  })

  const namespaceDef = resourceFor('v1', 'Namespace')
  for (const name of options.namespaces ?? DEFAULT_NAMESPACES) registry.seed(namespaceDef, {apiVersion: 'v1', kind: 'Namespace', metadata: {name}})

  const server = http.createServer((request, response) => {
    front.handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500)
      response.end(String(error))
    })
  })
  server.keepAliveTimeout = 5000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve())
  })
  const {port} = server.address() as AddressInfo
  const host = options.host ?? '127.0.0.1'
  const url = `http://${host}:${port}`
  address = `${host}:${port}`
  const kubeconfigPath = writeKubeconfig(url, {path: options.kubeconfigPath, namespace: options.currentNamespace})

  const seedOne = (object: object): void => {
    if (!isObject(object)) throw new Error('seed: not an object')
    const def = resourceFor(String(object.apiVersion), String(object.kind))
    try {
      registry.seed(def, deepCopy(object) as JsonObject)
    } catch (error) {
      if (error instanceof StatusError) throw new Error(`seed ${String(object.kind)} ${String(metadataOf(deepCopy(object) as JsonObject).name)}: ${error.message}`)
      throw error
    }
  }

  return {
    url,
    port,
    kubeconfigPath,
    requests: log,
    writes: () => log.filter((entry) => WRITE_METHODS.includes(entry.method) && !entry.dryRun && !entry.path.endsWith('/selfsubjectaccessreviews')),
    clearLog: () => {
      log.length = 0
    },
    seed: (...objects) => {
      for (const object of objects) seedOne(object)
    },
    object: (apiVersion, kind, namespace, name) => store.get(resourceFor(apiVersion, kind), namespace, name),
    objects: (apiVersion, kind, namespace) => store.list(resourceFor(apiVersion, kind), namespace),
    compact: () => store.compact(),
    setServedGroups: (groups) => {
      served = checkGroups(groups)
    },
    setReadyDelay: (ms) => rollouts.setDelay(ms),
    setAdmissionPolicies: (on) => {
      admissionPolicies = on
    },
    kubeconfigFor: (username) => {
      const token = `token-${tokens.size + 1}-${username.replaceAll(/[^a-z0-9]/g, '-')}`
      tokens.set(token, username)
      return writeKubeconfig(url, {namespace: options.currentNamespace, token})
    },
    faults: {
      failAfter: (n, status) => faults.failAfter(n, status),
      failRequests: (numbers, status) => faults.failRequests(numbers, status),
      randomly: (opts) => faults.randomly(opts),
      latency: (ms, options) => faults.latency(ms, options),
      throttle: (options) => faults.throttle(options),
      throttleFor: (verb, resource, options) => faults.throttleFor(verb, resource, options),
      deny: (verb, resource, namespace) => faults.deny(verb, resource, namespace),
      failFor: (status, verb, resource, namespace) => faults.failFor(status, verb, resource, namespace),
      clear: () => faults.clear(),
    },
    close: async () => {
      rollouts.close()
      collector.close()
      for (const open of openWatches) open.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export {RESOURCES}
