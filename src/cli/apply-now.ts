import type {KubeClient, KubeObject} from '../kube/client.js'
import type {TargetRef} from '../model/target.js'

import {type PassReport, reconcile} from '../kube/reconcile.js'
import {installNamespace} from '../kube/install-context.js'
import {Resources} from '../kube/resources.js'
import {getTarget} from '../kube/targets.js'
import {ClusterError, eachOnItsLine} from '../model/errors.js'
import {formatTarget} from '../model/target.js'
import {commandClock} from './clock.js'
import {routingSummary} from '../engine/kinds/routing-summary.js'

/** The wait for a backend ran out: `now` removes its window unless told to keep it. */
export class BackendNotReadyError extends ClusterError {}

export interface ApplyNowOptions {
  namespace: string
  /** Targets whose routing before -> after is printed. */
  targets: TargetRef[]
  /** Wait this long for backends to become ready; 0 applies what can be applied now and returns. */
  timeoutMs: number
  /** Also apply window transitions due within this (an end set to the next whole second). */
  settleMs?: number
  /** Per target (kind/name): the pre-switch decision to show after its routing, e.g. `kept: redirect`, `tls`. */
  notes?: Map<string, string>
  /** What the spinner says while waiting. */
  waitingFor: string
  log: (line: string) => void
}

/**
 * Runs the engine's pass for one namespace from the CLI, the same plan/apply pair as the CronJob, so the
 * command and the CronJob cannot disagree; prints each target's routing before -> after.
 */
export async function applyNow(client: KubeClient, options: ApplyNowOptions): Promise<PassReport> {
  const before = await readTargets(client, options.namespace, options.targets)
  // ora is loaded only when a spinner is shown: importing it costs more start-up than most commands take.
  const spinner = process.stderr.isTTY && !process.env.NO_COLOR ? (await import('ora')).default({stream: process.stderr, text: options.waitingFor}).start() : undefined
  let report: PassReport
  try {
    report = await reconcile(client, {
      clock: commandClock(),
      horizonMs: Math.max(options.timeoutMs, options.settleMs ?? 0),
      namespace: options.namespace,
      plan: {installNamespace: installNamespace()},
      waitForTransitions: (options.settleMs ?? 0) > 0,
    })
  } finally {
    spinner?.stop()
  }
  const after = await readTargets(client, options.namespace, options.targets)
  for (const [index, ref] of options.targets.entries()) {
    const was = routingSummary(ref, before[index])
    const now = routingSummary(ref, after[index])
    const note = options.notes?.get(formatTarget(ref))
    const change = was === now ? `${now} (${note?.startsWith('kept:') ? note : 'unchanged'})` : `${was} -> ${now}${note ? ` (${note})` : ''}`
    options.log(`${formatTarget(ref)}: ${change}`)
  }
  if (report.errors.length > 0) {
    throw new ClusterError(eachOnItsLine(`applying failed (${report.errors.length} ${report.errors.length === 1 ? 'failure' : 'failures'})`, report.errors))
  }
  if (report.waitingOn.length > 0 && options.timeoutMs > 0) {
    throw new BackendNotReadyError(
      `backend ${report.waitingOn.join(', ')} did not become ready within ${Math.round(options.timeoutMs / 1000)}s; the window is stored and the CronJob keeps trying (see kubectl get events -n ${options.namespace})`,
    )
  }
  return report
}

/**
 * `now`'s apply of the window it stored. A window left behind when its page is not served in time would take the site
 * down whenever its backend becomes ready: unless `keep`, it is removed and a pass restores and collects.
 */
export async function applyNewWindow(client: KubeClient, stored: KubeObject, keep: boolean, options: ApplyNowOptions): Promise<PassReport> {
  return applyNow(client, options).catch(async (error: unknown) => {
    if (!(error instanceof BackendNotReadyError) || keep) throw error
    await client.delete(Resources.configMaps, options.namespace, stored.metadata.name, false, stored.metadata.uid)
    await applyNow(client, {...options, log: () => {}, notes: undefined, targets: [], timeoutMs: 0})
    const why = error.message.replace(/; the window is stored and the CronJob keeps trying.*$/, '')
    throw new ClusterError(`${why}; window ${stored.metadata.name} was removed and nothing stays in maintenance (--keep keeps it for the CronJob to retry)`)
  })
}

async function readTargets(client: KubeClient, namespace: string, targets: TargetRef[]): Promise<Array<KubeObject | undefined>> {
  return Promise.all(targets.map((ref) => getTarget(client, namespace, ref)))
}

/**
 * After `end`, `cancel` or `extend` stored a change to windows or targets of `namespace`: the same pass, at once. An end
 * lands on the next whole second, so the pass waits for it rather than leave the restore to the CronJob; with
 * `waitForReady` (a new end needs a backend with the new Retry-After) it waits for the backend instead.
 */
export async function applyStoredChange(client: KubeClient, namespace: string, log: (line: string) => void, options: {targets?: TargetRef[]; waitForReady?: boolean} = {}): Promise<PassReport> {
  return applyNow(client, {
    log,
    namespace,
    targets: options.targets ?? [],
    ...(options.waitForReady ? {timeoutMs: 120_000} : {settleMs: 1500, timeoutMs: 0}),
    waitingFor: 'waiting for the maintenance backend with the new end to become ready',
  })
}
