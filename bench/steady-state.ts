/**
 * (b) A steady-state pass at scale: 100 namespaces, 2,000 Ingresses, 500 windows of which 100 active. Passes run
 * until one writes nothing (converged); then steady-state passes are measured: API requests, wall time, peak RSS
 * of the pass's own process.
 */
import {loadavg} from 'node:os'

import {DEFAULT_NAMESPACES, startApiServer} from '../test/support/apiserver.js'
import {describeCommand, expectSuccess, runPass} from './cli-pass.js'
import {type Fleet, fleetObjects} from './fixtures.js'
import {type PassPhases, type RequestCounts, countRequests, isWrite, passPhases} from './request-log.js'
import {median, round} from './stats.js'

export interface SteadyStateResult {
  date: string
  namespaces: number
  ingresses: number
  windows: number
  activeWindows: number
  convergedAfterPasses: number
  measuredPasses: number
  requests: RequestCounts
  /** Writes in the measured passes: 0 when steady. */
  writes: number
  /** Process wall time (node start-up included), ms: median and every run. */
  wallMs: {median: number; runs: number[]}
  /** First to last request, ms (no start-up): median. */
  apiSpanMs: number
  /** Medians of where the process time goes. */
  phasesMs: PassPhases
  maxRssMiB: {median: number; max: number}
  /** CPU time of the pass process (user + system), median: the wall time it would take on an idle core, waits aside. */
  cpuMs?: number
  command: string
  /** 1-minute load average when the part started: how busy the shared machine was. */
  loadAverage1m: number
}

const FLEET: Fleet = {activePerNamespace: 1, ingressesPerNamespace: 20, namespaces: 100, windowsPerNamespace: 5}
const READY_DELAY_MS = 1000
const MAX_CONVERGE_PASSES = 6
const MEASURED_PASSES = 3

/** `fleet` and `tag` let (g) measure the same at ten times the size. */
export async function measureSteadyState(log: (line: string) => void, fleet: Fleet = FLEET, tag = 'b'): Promise<SteadyStateResult> {
  const loadAverage1m = round(loadavg()[0], 2)
  const {namespaces, objects} = fleetObjects(fleet, Date.now())
  const server = await startApiServer({namespaces: [...DEFAULT_NAMESPACES, ...namespaces], readyDelayMs: READY_DELAY_MS})
  try {
    server.seed(...objects)
    const args = ['reconcile', '-A', '--horizon', '55s', '--kubeconfig', server.kubeconfigPath]
    let converged = 0
    for (let pass = 1; pass <= MAX_CONVERGE_PASSES && converged === 0; pass++) {
      server.clearLog()
      expectSuccess(await runPass(args), `converging pass ${pass}`)
      const writes = server.requests.filter((entry) => isWrite(entry)).length
      log(`  (${tag}) converging pass ${pass}: ${server.requests.length} requests, ${writes} writes`)
      if (writes === 0) converged = pass
    }
    if (converged === 0) throw new Error(`not converged after ${MAX_CONVERGE_PASSES} passes`)

    const runs = []
    for (let index = 0; index < MEASURED_PASSES; index++) {
      server.clearLog()
      const run = await runPass(args)
      expectSuccess(run, 'steady-state pass')
      runs.push({counts: countRequests(server.requests), phases: passPhases(server.requests, run.startedAt, run.endedAt), run, writes: server.requests.filter((entry) => isWrite(entry)).length})
      log(`  (${tag}) steady pass ${index + 1}: ${Math.round(run.wallMs)} ms (${run.cpuMs} ms CPU), ${server.requests.length} requests, ${(run.maxRssKb / 1024).toFixed(1)} MiB peak RSS`)
    }
    const rssMiB = runs.map(({run}) => run.maxRssKb / 1024)
    return {
      activeWindows: fleet.namespaces * fleet.activePerNamespace,
      apiSpanMs: round(median(runs.map(({counts}) => counts.spanMs)), 0),
      command: await describeCommand(args),
      loadAverage1m,
      convergedAfterPasses: converged,
      date: new Date().toISOString(),
      ingresses: fleet.namespaces * fleet.ingressesPerNamespace,
      cpuMs: median(runs.map(({run}) => run.cpuMs)),
      maxRssMiB: {max: round(Math.max(...rssMiB)), median: round(median(rssMiB))},
      measuredPasses: MEASURED_PASSES,
      namespaces: fleet.namespaces,
      phasesMs: {
        afterLastRequestMs: median(runs.map(({phases}) => phases.afterLastRequestMs)),
        spanMs: median(runs.map(({phases}) => phases.spanMs)),
        startupMs: median(runs.map(({phases}) => phases.startupMs)),
      },
      requests: runs[0].counts,
      wallMs: {median: round(median(runs.map(({run}) => run.wallMs)), 0), runs: runs.map(({run}) => Math.round(run.wallMs))},
      windows: fleet.namespaces * fleet.windowsPerNamespace,
      writes: Math.max(...runs.map(({writes}) => writes)),
    }
  } finally {
    await server.close()
  }
}
