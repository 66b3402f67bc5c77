/**
 * `npx tsx bench/apiserver-cpu.ts [rounds]`: the in-process API server's CPU time per request for the requests of the
 * burst of (f), without the rest of the bench. The fleet of (f) (500 targets of four kinds and their 500 windows in 100
 * namespaces) is seeded; a client in a child process (so that its CPU is not counted) sends, 32 in flight, the
 * requests a pass sends at a burst: each target's switch (a JSON Patch testing the resourceVersion, as
 * src/kube/targets.ts writes it), two Events per transition, the window's phase (a merge patch naming its
 * resourceVersion), then the restores, and the lists a pass reads. Printed: CPU time of this process (user + system)
 * per request of each kind. A tool for work on test/support/apiserver/, not part of `npm run bench`.
 */
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import path from 'node:path'

import {DEFAULT_NAMESPACES, type ApiServer, startApiServer} from '../test/support/apiserver.js'
import {median} from './stats.js'
import {type KubeObject, httpRoute, ingress, ingressRoute, pad, service, windowConfigMap} from './fixtures.js'

interface WireRequest {
  method: string
  path: string
  contentType?: string
  body?: unknown
}

const NAMESPACES = 100
const CONCURRENCY = 32
const BACKEND = 'maintenance-44574b319a'

interface Target {
  apiVersion: string
  kind: string
  namespace: string
  name: string
  path: string
}

function fleet(): {targets: Target[]; objects: KubeObject[]} {
  const targets: Target[] = []
  const objects: KubeObject[] = []
  const now = Date.now()
  for (let index = 0; index < NAMESPACES; index++) {
    const namespace = `team-${pad(index)}`
    const add = (object: KubeObject, plural: string, prefix: string, ref: string) => {
      const {name} = object.metadata as {name: string}
      objects.push(object, windowConfigMap({end: now + 3_600_000, name: `upgrade-${name}`, namespace, start: now + 60_000, targets: [`${ref}/${name}`]}))
      targets.push({apiVersion: String(object.apiVersion), kind: String(object.kind), name, namespace, path: `${prefix}/namespaces/${namespace}/${plural}/${name}`})
    }
    add(ingress(namespace, 'shop'), 'ingresses', '/apis/networking.k8s.io/v1', 'ingress')
    add(ingress(namespace, 'admin'), 'ingresses', '/apis/networking.k8s.io/v1', 'ingress')
    add(ingressRoute(namespace, 'api'), 'ingressroutes', '/apis/traefik.io/v1alpha1', 'ingressroute')
    add(httpRoute(namespace, 'web'), 'httproutes', '/apis/gateway.networking.k8s.io/v1', 'httproute')
    add(service(namespace, 'db'), 'services', '/api/v1', 'service')
  }
  return {objects, targets}
}

/** The spec routed to the maintenance backend, as the product's switch writes it (all of it, in one replace). */
interface RoutingSpec {
  rules?: Array<{http?: {paths: Array<{backend: unknown}>}; backendRefs?: unknown}>
  routes?: Array<{services: unknown}>
  selector?: unknown
  ports?: unknown
}

function switchedSpec(kind: string, spec: Record<string, unknown>): Record<string, unknown> {
  const next = structuredClone(spec) as RoutingSpec
  switch (kind) {
    case 'Ingress':
      for (const rule of next.rules ?? []) for (const path of rule.http?.paths ?? []) path.backend = {service: {name: BACKEND, port: {number: 80}}}
      break
    case 'IngressRoute':
      for (const route of next.routes ?? []) route.services = [{name: BACKEND, port: 80}]
      break
    case 'HTTPRoute':
      for (const rule of next.rules ?? []) rule.backendRefs = [{name: BACKEND, port: 80}]
      break
    default:
      next.selector = {'app.kubernetes.io/managed-by': 'kubectl-maintenance', 'kubectl-maintenance.io/hash': '44574b319a', 'kubectl-maintenance.io/role': 'backend'}
      next.ports = [{name: 'pg', port: 5432, protocol: 'TCP', targetPort: 8080}]
  }
  return next as Record<string, unknown>
}

interface Metadata {
  resourceVersion: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

function targetPatch(server: ApiServer, target: Target, switching: boolean, originals: Map<string, KubeObject>): WireRequest {
  const current = server.object(target.apiVersion, target.kind, target.namespace, target.name) as KubeObject & {metadata: Metadata; spec: Record<string, unknown>}
  if (switching) originals.set(target.path, current)
  const original = originals.get(target.path) as typeof current
  const labels = switching ? {...current.metadata.labels, 'kubectl-maintenance.io/active': 'true'} : original.metadata.labels
  const annotations = switching
    ? {...current.metadata.annotations, 'kubectl-maintenance.io/backend': BACKEND, 'kubectl-maintenance.io/original': JSON.stringify(current.spec), 'kubectl-maintenance.io/window': `upgrade-${target.name}`}
    : (original.metadata.annotations ?? {})
  return {
    body: [
      {op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion},
      {op: 'replace', path: '/spec', value: switching ? switchedSpec(target.kind, current.spec) : {...original.spec, ...(target.kind === 'Service' ? {clusterIP: current.spec.clusterIP, clusterIPs: current.spec.clusterIPs} : {})}},
      {op: 'add', path: '/metadata/labels', value: labels},
      {op: 'add', path: '/metadata/annotations', value: annotations},
    ],
    contentType: 'application/json-patch+json',
    method: 'PATCH',
    path: `${target.path}?fieldManager=kubectl-maintenance`,
  }
}

function events(target: Target, round: number): WireRequest[] {
  const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
  const event = (kind: string, apiVersion: string, name: string, reason: string, suffix: string): WireRequest => ({
    body: {
      apiVersion: 'v1',
      count: 1,
      firstTimestamp: time,
      involvedObject: {apiVersion, kind, name, namespace: target.namespace},
      kind: 'Event',
      lastTimestamp: time,
      message: `${reason} by window upgrade-${target.name}`,
      metadata: {name: `${name}.${suffix}${round}`, namespace: target.namespace},
      reason,
      reportingComponent: 'kubectl-maintenance',
      reportingInstance: 'kubectl-maintenance',
      source: {component: 'kubectl-maintenance'},
      type: 'Normal',
    },
    contentType: 'application/json',
    method: 'POST',
    path: `/api/v1/namespaces/${target.namespace}/events?fieldManager=kubectl-maintenance`,
  })
  return [event(target.kind, target.apiVersion, target.name, round === 0 ? 'MaintenanceStarted' : 'MaintenanceEnded', 'a'), event('ConfigMap', 'v1', `upgrade-${target.name}`, 'Active', 'b')]
}

function phasePatch(server: ApiServer, target: Target, phase: string): WireRequest {
  const window = server.object('v1', 'ConfigMap', target.namespace, `upgrade-${target.name}`) as {metadata: {resourceVersion: string}; data?: Record<string, string>}
  const history = JSON.parse(window.data?.history ?? '[]') as unknown[]
  history.push({by: 'in-process', message: `${target.kind} ${target.name} ${phase}`, phase, time: new Date().toISOString()})
  return {
    body: {data: {history: JSON.stringify(history)}, metadata: {annotations: {'kubectl-maintenance.io/phase': phase, 'kubectl-maintenance.io/phase-message': `${phase} now`}, resourceVersion: window.metadata.resourceVersion}},
    contentType: 'application/merge-patch+json',
    method: 'PATCH',
    path: `/api/v1/namespaces/${target.namespace}/configmaps/upgrade-${target.name}?fieldManager=kubectl-maintenance`,
  }
}

const LISTS: WireRequest[] = [
  {method: 'GET', path: '/api/v1/configmaps?labelSelector=kubectl-maintenance.io%2Frole%3Dwindow'},
  {method: 'GET', path: '/apis/networking.k8s.io/v1/ingresses'},
  {method: 'GET', path: '/apis/traefik.io/v1alpha1/ingressroutes'},
  {method: 'GET', path: '/apis/gateway.networking.k8s.io/v1/httproutes'},
  {method: 'GET', path: '/api/v1/services'},
]

/** The client: a child process sending the requests in `file`, `CONCURRENCY` in flight over kept-alive connections. */
const CLIENT = `
import http from 'node:http'
import {readFileSync} from 'node:fs'
const [url, file, concurrency] = process.argv.slice(1)
const requests = JSON.parse(readFileSync(file, 'utf8'))
const agent = new http.Agent({keepAlive: true, maxSockets: Number(concurrency)})
let next = 0, failed = 0
const one = (request) => new Promise((resolve, reject) => {
  const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body))
  const headers = {Accept: 'application/json'}
  if (payload) Object.assign(headers, {'Content-Type': request.contentType, 'Content-Length': payload.length})
  const sent = http.request(url + request.path, {agent, headers, method: request.method}, (response) => {
    response.on('data', () => {})
    response.on('end', () => { if (response.statusCode >= 300) { failed++; if (failed < 4) process.stderr.write(request.method + ' ' + request.path + ' ' + response.statusCode + '\\n') } resolve() })
  })
  sent.on('error', reject)
  if (payload) sent.write(payload)
  sent.end()
})
const worker = async () => { while (next < requests.length) await one(requests[next++]) }
await Promise.all(Array.from({length: Number(concurrency)}, worker))
agent.destroy()
process.stdout.write(JSON.stringify({failed}))
`

let systemMs = 0

async function send(server: ApiServer, dir: string, requests: WireRequest[]): Promise<{cpuMs: number; failed: number}> {
  const file = path.join(dir, 'requests.json')
  writeFileSync(file, JSON.stringify(requests))
  const child = spawn(process.execPath, ['--input-type=module', '-e', CLIENT, server.url, file, String(CONCURRENCY)], {stdio: ['ignore', 'pipe', 'inherit']})
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const before = process.cpuUsage()
  await new Promise((resolve) => child.once('exit', resolve))
  const used = process.cpuUsage(before)
  systemMs += used.system / 1000
  return {cpuMs: (used.user + used.system) / 1000, failed: (JSON.parse(output || '{"failed":-1}') as {failed: number}).failed}
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 2)
  const {objects, targets} = fleet()
  const namespaces = [...new Set(targets.map((target) => target.namespace))]
  const server = await startApiServer({namespaces: [...DEFAULT_NAMESPACES, ...namespaces]})
  const dir = mkdtempSync(path.join(tmpdir(), 'apiserver-cpu-'))
  try {
    server.seed(...objects)
    const originals = new Map<string, KubeObject>()
    const perRequest = new Map<string, number[]>()
    const measure = async (label: string, requests: WireRequest[]) => {
      const {cpuMs, failed} = await send(server, dir, requests)
      if (failed) throw new Error(`${label}: ${failed} of ${requests.length} requests failed`)
      perRequest.set(label, [...(perRequest.get(label) ?? []), cpuMs / requests.length])
    }
    for (let round = 0; round < rounds; round++) {
      const switching = round % 2 === 0
      const word = switching ? 'switch' : 'restore'
      await measure(`${word} (target PATCH)`, targets.map((target) => targetPatch(server, target, switching, originals)))
      await measure(`${word} Events (POST)`, targets.flatMap((target) => events(target, round)))
      await measure(`${word} phases (ConfigMap PATCH)`, targets.map((target) => phasePatch(server, target, switching ? 'Active' : 'Completed')))
      await measure(`${word} lists (GET)`, Array.from({length: 4}, () => LISTS).flat())
    }
    const rows = [...perRequest].map(([label, values]) => `${label.padEnd(32)} min ${Math.min(...values).toFixed(3)} ms, median ${median(values).toFixed(3)} ms CPU a request (${values.map((value) => value.toFixed(2)).join(', ')})`)
    process.stdout.write(`${rows.join('\n')}\nof all CPU time measured, system (kernel) time: ${systemMs.toFixed(0)} ms\nload average ${loadavg().map((value) => value.toFixed(2)).join(' ')}, node ${process.version}\n`)
  } finally {
    await server.close()
    rmSync(dir, {force: true, recursive: true})
  }
}

await main()
