/**
 * (c) Full apply: from nothing (no backend, no phase written) to 100 active windows switched, in one
 * `reconcile -A --horizon 55s` pass: it creates the backends, waits for them to become ready, switches every target.
 */
import {loadavg} from 'node:os'

import {ACTIVE_LABEL} from '../src/model/keys.js'
import {DEFAULT_NAMESPACES, startApiServer} from '../test/support/apiserver.js'
import {describeCommand, expectSuccess, runPass} from './cli-pass.js'
import {type Fleet, fleetObjects} from './fixtures.js'
import {type PassPhases, type RequestCounts, countRequests, passPhases} from './request-log.js'
import {round} from './stats.js'

export interface FullApplyResult {
  date: string
  namespaces: number
  ingresses: number
  windows: number
  switched: number
  readyDelayMs: number
  requests: RequestCounts
  wallMs: number
  apiSpanMs: number
  phasesMs: PassPhases
  maxRssMiB: number
  command: string
  /** 1-minute load average when the part started: how busy the shared machine was. */
  loadAverage1m: number
}

const FLEET: Fleet = {activePerNamespace: 10, ingressesPerNamespace: 20, namespaces: 10, windowsPerNamespace: 10}
const READY_DELAY_MS = 1000

export async function measureFullApply(log: (line: string) => void): Promise<FullApplyResult> {
  const loadAverage1m = round(loadavg()[0], 2)
  const {namespaces, objects} = fleetObjects(FLEET, Date.now())
  const server = await startApiServer({namespaces: [...DEFAULT_NAMESPACES, ...namespaces], readyDelayMs: READY_DELAY_MS})
  try {
    server.seed(...objects)
    server.clearLog()
    const args = ['reconcile', '-A', '--horizon', '55s', '--kubeconfig', server.kubeconfigPath]
    const run = await runPass(args)
    expectSuccess(run, 'full apply')
    const counts = countRequests(server.requests)
    const ingresses = server.objects('networking.k8s.io/v1', 'Ingress') as Array<{metadata: {labels?: Record<string, string>}}>
    const switched = ingresses.filter((object) => object.metadata.labels?.[ACTIVE_LABEL] === 'true').length
    const windows = FLEET.namespaces * FLEET.windowsPerNamespace
    if (switched !== windows) log(`  (c) WARNING: ${switched} of ${windows} targets switched after one pass`)
    log(`  (c) full apply: ${Math.round(run.wallMs)} ms, ${counts.total} requests, ${switched} targets switched`)
    return {
      apiSpanMs: counts.spanMs,
      command: await describeCommand(args),
      loadAverage1m,
      date: new Date().toISOString(),
      ingresses: FLEET.namespaces * FLEET.ingressesPerNamespace,
      maxRssMiB: round(run.maxRssKb / 1024),
      namespaces: FLEET.namespaces,
      phasesMs: passPhases(server.requests, run.startedAt, run.endedAt),
      readyDelayMs: READY_DELAY_MS,
      requests: counts,
      switched,
      wallMs: Math.round(run.wallMs),
      windows,
    }
  } finally {
    await server.close()
  }
}
