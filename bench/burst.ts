/**
 * (f) and (h) A burst: 500 targets (Ingress, IngressRoute, HTTPRoute, Service) in 100 namespaces, one window each, all
 * starting at the same second and ending at the same second. An earlier pass created the backends ahead (lead time);
 * then one `reconcile -A --horizon 55s` started before the start applies both. Lateness of a transition = arrival at
 * the API server of the target's PATCH minus the second it was due. Run with 0 ms and 20 ms a request (a managed
 * control plane), and (h) with 20 ms and 10 % of the measured pass's requests rejected by API Priority and Fairness.
 */
import {loadavg} from 'node:os'

import {DEFAULT_NAMESPACES, type ApiServer, type RequestLogEntry, startApiServer} from '../test/support/apiserver.js'
import {describeCommand, expectSuccess, runPass} from './cli-pass.js'
import {type KubeObject, httpRoute, ingress, ingressRoute, pad, service, windowConfigMap} from './fixtures.js'
import {type RequestCounts, countRequests} from './request-log.js'
import {type Summary, round, summarize} from './stats.js'

export interface TransitionFigures {
  /** Targets whose PATCH landed at or after the second. */
  landed: number
  latenessMs: Summary
  /** Where the last one's lateness goes: the second to the pass's first request (wake-up), reading, deciding, writing all. */
  breakdownMs: {wakeup: number; observe: number; plan: number; writes: number}
  /** CPU the API server (this process) got while the writes went on, as a share of one core: under 1, it was starved. */
  apiServerCpuShare?: number
  /**
   * How often the last target's PATCH was answered 429 before it landed: each one costs its Retry-After (1 s), which
   * the client must wait, so a target rejected twice cannot land before 2 s plus two round trips.
   */
  lastRejected: number
  /**
   * CPU time of this process (the API server, and little else) per request it received while the transition's writes
   * went on: what each request costs where answering is the limit (0 ms a request).
   */
  apiServerCpuMsPerRequest?: number
  /** Requests that are not the transition's routing (Events, phases, deletions) received after the second and before the last landing. */
  recordsBeforeLast?: number
  /**
   * For each target PATCH answered 429 in this transition: from the answer to the arrival of the same target's next
   * PATCH. Honouring Retry-After: 1 exactly puts it at 1 s plus a send; more is time the retry waited in the client.
   */
  retryGapMs?: Summary
}

export interface BurstRun {
  date: string
  latencyMs: number
  jitterMs: number
  /** Share of the measured pass's requests answered 429 with Retry-After: 1. */
  throttleRate: number
  targets: number
  namespaces: number
  windows: number
  byKind: Record<string, number>
  start: TransitionFigures
  end: TransitionFigures
  /** CPU time of the measured pass's process (user + system). */
  passCpuMs?: number
  /** The most requests the API server had in flight at once during the measured pass. */
  maxInFlight: number
  requests: RequestCounts
  rejected: number
  passExitCode: number | null
  command: string
  loadAverage1m: number
}

export interface BurstOptions {
  latencyMs: number
  jitterMs: number
  throttleRate: number
  seed: number
  /** Called around the measured pass only (bench/burst-profile.ts profiles the API server there); not used by `npm run bench`. */
  aroundPass?: {before: () => Promise<void>; after: (server: ApiServer) => Promise<void>}
}

const NAMESPACES = 100
const READY_DELAY_MS = 1000
const HORIZON = '55s'
/**
 * Seconds from seeding to the start: room for the provisioning pass (100 backends, each with an RSA key) and readiness
 * on a busy machine, within the 2-minute lead time. Only the measured pass, started PASS_LEAD_MS before the start, is measured.
 */
const START_AFTER_S = 115
const DURATION_S = 15
/** The CronJob starts at the minute, usually well before a transition: time to read ahead. */
const PASS_LEAD_MS = 10_000

interface Target {
  namespace: string
  name: string
  kind: string
  path: string
  object: KubeObject
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Per namespace: two Ingresses, an IngressRoute, an HTTPRoute and a Service. */
function targets(): Target[] {
  const all: Target[] = []
  for (let index = 0; index < NAMESPACES; index++) {
    const namespace = `team-${pad(index)}`
    const add = (kind: string, name: string, object: KubeObject, path: string) => all.push({kind, name, namespace, object, path: `${path}/namespaces/${namespace}/${kind}/${name}`})
    add('ingresses', 'shop', ingress(namespace, 'shop'), '/apis/networking.k8s.io/v1')
    add('ingresses', 'admin', ingress(namespace, 'admin'), '/apis/networking.k8s.io/v1')
    add('ingressroutes', 'api', ingressRoute(namespace, 'api'), '/apis/traefik.io/v1alpha1')
    add('httproutes', 'web', httpRoute(namespace, 'web'), '/apis/gateway.networking.k8s.io/v1')
    add('services', 'db', service(namespace, 'db'), '/api/v1')
  }
  return all
}

/** Windows of one namespace render the same page, so they share one backend: one per namespace, all ready. */
async function waitForReadyBackends(server: ApiServer, expected: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const deployments = server.objects('apps/v1', 'Deployment') as Array<{status?: {readyReplicas?: number}}>
    const ready = deployments.filter((deployment) => (deployment.status?.readyReplicas ?? 0) >= 1).length
    if (deployments.length >= expected && ready === deployments.length) return
    if (Date.now() > deadline) throw new Error(`only ${ready} of ${expected} backends became ready within ${timeoutMs} ms`)
    await sleep(200)
  }
}

export async function measureBurst(log: (line: string) => void, options: BurstOptions): Promise<BurstRun> {
  const loadAverage1m = round(loadavg()[0], 2)
  const all = targets()
  const namespaces = [...new Set(all.map((target) => target.namespace))]
  const server = await startApiServer({namespaces: [...DEFAULT_NAMESPACES, ...namespaces], readyDelayMs: READY_DELAY_MS})
  const label = `${options.latencyMs} ms${options.jitterMs ? ` + 0-${options.jitterMs} ms` : ''} a request${options.throttleRate ? `, ${options.throttleRate * 100} % 429` : ''}`
  try {
    server.faults.latency(options.latencyMs, {jitterMs: options.jitterMs, seed: options.seed})
    const start = Math.ceil(Date.now() / 1000) * 1000 + START_AFTER_S * 1000
    const end = start + DURATION_S * 1000
    server.seed(...all.map((target) => target.object))
    server.seed(
      ...all.map((target) =>
        windowConfigMap({end, name: `upgrade-${target.name}`, namespace: target.namespace, start, targets: [`${kindRef(target.kind)}/${target.name}`]}),
      ),
    )

    log(`  [${label}] provisioning the backends of ${all.length} windows (readiness delay ${READY_DELAY_MS} ms)`)
    const provisioning = await runPass(["reconcile", "-A", "--kubeconfig", server.kubeconfigPath])
    expectSuccess(provisioning, "provisioning pass")
    await waitForReadyBackends(server, namespaces.length, 60_000)
    const passAt = start - PASS_LEAD_MS
    if (Date.now() > passAt) throw new Error(`provisioning took until ${Date.now() - start} ms after the start; raise START_AFTER_S`)
    await sleep(passAt - Date.now())

    server.clearLog()
    if (options.throttleRate > 0) server.faults.throttle({rate: options.throttleRate, seed: options.seed})
    const args = ['reconcile', '-A', '--horizon', HORIZON, '--kubeconfig', server.kubeconfigPath]
    log(`  [${label}] measured pass: all ${all.length} start in ${PASS_LEAD_MS / 1000} s and end ${DURATION_S} s later`)
    await options.aroundPass?.before()
    const cpu = sampleCpu()
    const run = await runPass(args)
    cpu.stop()
    await options.aroundPass?.after(server)
    if (run.exitCode !== 0) log(`  [${label}] the pass exited with ${run.exitCode}: ${run.stderr.split('\n').slice(0, 3).join(' | ')}`)
    const requests = server.requests
    const startFigures = transition(requests, all, start, cpu.samples)
    const endFigures = transition(requests, all, end, cpu.samples)
    for (const [name, figures] of [['start', startFigures], ['end', endFigures]] as const) {
      log(`  [${label}] ${name}: last ${figures.latenessMs.max} ms, median ${figures.latenessMs.median} ms late; the last target was answered 429 ${figures.lastRejected} time(s) first`)
      if (figures.landed < all.length) log(`  [${label}] WARNING: only ${figures.landed} of ${all.length} targets changed at the ${name}`)
    }
    const byKind: Record<string, number> = {}
    for (const target of all) byKind[target.kind] = (byKind[target.kind] ?? 0) + 1
    return {
      byKind,
      command: await describeCommand(args),
      date: new Date().toISOString(),
      end: endFigures,
      jitterMs: options.jitterMs,
      latencyMs: options.latencyMs,
      loadAverage1m,
      maxInFlight: Math.max(...requests.map((entry) => entry.inFlight)),
      namespaces: NAMESPACES,
      passCpuMs: run.cpuMs,
      passExitCode: run.exitCode,
      rejected: requests.filter((entry) => entry.status === 429).length,
      requests: countRequests(requests),
      start: startFigures,
      targets: all.length,
      throttleRate: options.throttleRate,
      windows: all.length,
    }
  } finally {
    await server.close()
  }
}

function kindRef(plural: string): string {
  return {httproutes: 'httproute', ingresses: 'ingress', ingressroutes: 'ingressroute', services: 'service'}[plural]!
}

/** This process's CPU time every 100 ms: the API server lives here. */
function sampleCpu(): {samples: Array<{at: number; cpuMs: number}>; stop: () => void} {
  const samples: Array<{at: number; cpuMs: number}> = []
  const take = () => {
    const usage = process.cpuUsage()
    samples.push({at: Date.now(), cpuMs: (usage.user + usage.system) / 1000})
  }
  take()
  const timer = setInterval(take, 100)
  return {samples, stop: () => clearInterval(timer)}
}

/**
 * The CPU time of this process per request it received, from the last CPU sample before `from` to the first after
 * `to` (samples are 100 ms apart, a burst's writes take a few of them).
 */
function cpuMsPerRequest(samples: Array<{at: number; cpuMs: number}>, requests: RequestLogEntry[], from: number, to: number): number | undefined {
  const before = samples.filter((sample) => sample.at <= from).at(-1)
  const after = samples.find((sample) => sample.at >= to)
  if (!before || !after) return undefined
  const received = requests.filter((entry) => entry.at >= before.at && entry.at < after.at).length
  return received === 0 ? undefined : round((after.cpuMs - before.cpuMs) / received, 3)
}

function cpuShare(samples: Array<{at: number; cpuMs: number}>, from: number, to: number): number | undefined {
  const inside = samples.filter((sample) => sample.at >= from && sample.at <= to)
  if (inside.length < 2) return undefined
  const [first, last] = [inside[0], inside.at(-1)!]
  return round((last.cpuMs - first.cpuMs) / (last.at - first.at), 2)
}

/** Lateness of every target's first successful PATCH at or after `due`, and where the last one's time went. */
function transition(requests: RequestLogEntry[], all: Target[], due: number, cpu: Array<{at: number; cpuMs: number}>): TransitionFigures {
  const firstPatch = new Map<string, number>()
  for (const entry of requests) {
    if (entry.method !== 'PATCH' || entry.at < due || entry.status < 200 || entry.status >= 300 || firstPatch.has(entry.path)) continue
    firstPatch.set(entry.path, entry.at)
  }
  const landedAt = all.map((target) => firstPatch.get(target.path)).filter((at) => at !== undefined)
  const lastPath = [...firstPatch].find(([, at]) => at === Math.max(...landedAt))?.[0]
  const lastRejected = requests.filter((entry) => entry.method === 'PATCH' && entry.path === lastPath && entry.status === 429 && entry.at >= due && entry.at <= Math.max(...landedAt)).length
  const lateness = landedAt.map((at) => at - due)
  const firstWrite = Math.min(...landedAt)
  const lastWrite = Math.max(...landedAt)
  const after = requests.filter((entry) => entry.at >= due)
  const firstRequest = after.length > 0 ? after[0].at : Number.NaN
  const reads = after.filter((entry) => entry.method === 'GET' && entry.at <= firstWrite)
  const lastRead = reads.length > 0 ? reads.at(-1)!.at : firstRequest
  const paths = new Set(all.map((target) => target.path))
  const isRouting = (entry: RequestLogEntry) => entry.method === 'GET' || (entry.method === 'PATCH' && paths.has(entry.path))
  const retryGaps = requests
    .filter((entry) => entry.method === 'PATCH' && entry.status === 429 && paths.has(entry.path) && entry.at >= due && entry.at <= lastWrite && entry.endedAt !== undefined)
    .map((entry) => {
      const next = requests.find((later) => later.method === 'PATCH' && later.path === entry.path && later.at > entry.at)
      return next ? next.at - entry.endedAt! : Number.NaN
    })
    .filter((gap) => Number.isFinite(gap))
  return {
    apiServerCpuMsPerRequest: cpuMsPerRequest(cpu, requests, firstWrite, lastWrite),
    apiServerCpuShare: cpuShare(cpu, firstWrite, lastWrite),
    recordsBeforeLast: after.filter((entry) => entry.at <= lastWrite && !isRouting(entry)).length,
    retryGapMs: retryGaps.length > 0 ? summarize(retryGaps) : undefined,
    breakdownMs: {observe: lastRead - firstRequest, plan: firstWrite - lastRead, wakeup: firstRequest - due, writes: lastWrite - firstWrite},
    landed: landedAt.length,
    lastRejected,
    latenessMs: lateness.length > 0 ? summarize(lateness) : summarize([Number.NaN]),
  }
}

