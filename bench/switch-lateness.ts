/**
 * (a) Switch lateness: 50 windows, one Ingress each, starting one per second over 50 s; backends provisioned ahead
 * by an earlier pass (as the CronJob's previous run does within the lead time); then one `reconcile -A --horizon 55s`
 * started before the first start. Lateness of a switch = the API server's arrival time of the Ingress PATCH minus the
 * window's start.
 */
import {loadavg} from 'node:os'

import {DEFAULT_NAMESPACES, type ApiServer, startApiServer} from '../test/support/apiserver.js'
import {describeCommand, expectSuccess, runPass} from './cli-pass.js'
import {ingress, pad, windowConfigMap} from './fixtures.js'
import {type Summary, median, round, summarize} from './stats.js'

export interface SwitchLatenessResult {
  date: string
  windows: number
  namespaces: number
  readyDelayMs: number
  /** How long before the first start the measured pass was started. */
  passStartedBeforeFirstMs: number
  switched: number
  latenessMs: Summary
  /** Medians of where the lateness goes: start to the pass's first request after it (wake-up), reading (first to last GET before the PATCH), deciding (last GET to the PATCH). */
  breakdownMs: {wakeup: number; observe: number; plan: number}
  passExitCode: number | null
  command: string
  /** 1-minute load average when the part started: how busy the shared machine was. */
  loadAverage1m: number
}

const WINDOWS = 50
const NAMESPACES = 5
const READY_DELAY_MS = 1000
const HORIZON = '55s'
/** Seconds from seeding to the first start: room for the provisioning pass and the backends to become ready. */
const FIRST_START_AFTER_S = 15
const PASS_LEAD_MS = 3000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Planned {
  namespace: string
  ingress: string
  start: number
}

function plannedWindows(firstStart: number): Planned[] {
  return Array.from({length: WINDOWS}, (_unused, index) => ({
    ingress: `app-${pad(index)}`,
    namespace: `team-${(index % NAMESPACES) + 1}`,
    start: firstStart + index * 1000,
  }))
}

async function waitForReadyBackends(server: ApiServer, expected: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const deployments = server.objects('apps/v1', 'Deployment') as Array<{status?: {readyReplicas?: number}}>
    const ready = deployments.filter((deployment) => (deployment.status?.readyReplicas ?? 0) >= 1).length
    if (ready >= expected) return
    if (Date.now() > deadline) throw new Error(`only ${ready} of ${expected} backends became ready within ${timeoutMs} ms`)
    await sleep(100)
  }
}

export async function measureSwitchLateness(log: (line: string) => void): Promise<SwitchLatenessResult> {
  const loadAverage1m = round(loadavg()[0], 2)
  const namespaces = Array.from({length: NAMESPACES}, (_unused, index) => `team-${index + 1}`)
  const server = await startApiServer({namespaces: [...DEFAULT_NAMESPACES, ...namespaces], readyDelayMs: READY_DELAY_MS})
  try {
    const firstStart = Math.ceil(Date.now() / 1000) * 1000 + FIRST_START_AFTER_S * 1000
    const planned = plannedWindows(firstStart)
    server.seed(...planned.map((window) => ingress(window.namespace, window.ingress)))
    server.seed(
      ...planned.map((window) =>
        windowConfigMap({end: window.start + 30 * 60_000, name: `upgrade-${window.ingress}`, namespace: window.namespace, start: window.start, targets: [`ingress/${window.ingress}`]}),
      ),
    )

    log(`  (a) provisioning backends for ${WINDOWS} windows (readiness delay ${READY_DELAY_MS} ms)`)
    expectSuccess(await runPass(['reconcile', '-A', '--kubeconfig', server.kubeconfigPath]), 'provisioning pass')
    await waitForReadyBackends(server, WINDOWS, 10_000)
    const passAt = firstStart - PASS_LEAD_MS
    if (Date.now() > passAt) throw new Error(`provisioning took until ${Date.now() - firstStart} ms after the first start; raise FIRST_START_AFTER_S`)
    await sleep(passAt - Date.now())

    server.clearLog()
    const args = ['reconcile', '-A', '--horizon', HORIZON, '--kubeconfig', server.kubeconfigPath]
    log(`  (a) measured pass: ${args.slice(0, 4).join(' ')}, starts over the next ${WINDOWS + PASS_LEAD_MS / 1000} s`)
    const passStartedAt = Date.now()
    const run = await runPass(args)
    const lateness = planned.map((window) => switchTime(server, window) - window.start)
    const breakdowns = planned.map((window) => breakdown(server, window)).filter((value) => value !== undefined)
    const switched = lateness.filter((value) => Number.isFinite(value))
    if (switched.length < WINDOWS) log(`  (a) WARNING: only ${switched.length} of ${WINDOWS} Ingresses were switched\n${run.stderr}`)
    return {
      breakdownMs: {
        observe: median(breakdowns.map((value) => value.observe)),
        plan: median(breakdowns.map((value) => value.plan)),
        wakeup: median(breakdowns.map((value) => value.wakeup)),
      },
      command: await describeCommand(args),
      loadAverage1m,
      date: new Date().toISOString(),
      latenessMs: summarize(switched),
      namespaces: NAMESPACES,
      passExitCode: run.exitCode,
      passStartedBeforeFirstMs: firstStart - passStartedAt,
      readyDelayMs: READY_DELAY_MS,
      switched: switched.length,
      windows: WINDOWS,
    }
  } finally {
    await server.close()
  }
}

/** The requests between the window's start and its switch: when the pass woke, read, and decided. */
function breakdown(server: ApiServer, window: Planned): {wakeup: number; observe: number; plan: number} | undefined {
  const patchAt = switchTime(server, window)
  const reads = server.requests.filter((entry) => entry.method === 'GET' && entry.at >= window.start && entry.at <= patchAt)
  if (!Number.isFinite(patchAt) || reads.length === 0) return undefined
  const first = reads[0].at
  const last = reads.at(-1)!.at
  return {observe: last - first, plan: patchAt - last, wakeup: first - window.start}
}

/** When the API server received the successful PATCH that switched the window's Ingress; NaN when none did. */
function switchTime(server: ApiServer, window: Planned): number {
  const path = `/apis/networking.k8s.io/v1/namespaces/${window.namespace}/ingresses/${window.ingress}`
  const patch = server.requests.find((entry) => entry.method === 'PATCH' && entry.path === path && entry.status >= 200 && entry.status < 300)
  return patch ? patch.at : Number.NaN
}
