import type {Action, PlanOptions} from '../engine/types.js'

import {plan} from '../engine/plan.js'
import {DEFAULT_PLAN_OPTIONS} from '../engine/types.js'
import {type ApplyResult, apply} from './apply.js'
import {type KubeClient} from './client.js'
import {readInstallConfig, selectedNamespaces} from './install-config.js'
import {observe} from './observe.js'

export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}

export interface PassOptions {
  /** undefined: every namespace. */
  namespace?: string
  /** Transitions due within this are applied at their second; the pass waits for them. 0: act on what is due now. */
  horizonMs: number
  /** Whether to wait for future window transitions within the horizon (the CronJob) or only for backends to become ready (`now`). */
  waitForTransitions: boolean
  dryRun?: boolean
  plan?: Partial<PlanOptions>
  clock?: Clock
  /** Called with each change as it happens. */
  onChange?: (line: string) => void
}

export interface PassReport {
  changes: string[]
  /** Failures still standing at the end of the pass. */
  errors: string[]
  /** Dry run: what would have been done. */
  planned: Action[]
  /** Backends still not ready when the pass stopped. */
  waitingOn: string[]
}

/** Immediate re-plans after acting, before the pass waits for time to pass: bounds a pass that keeps failing. */
const MAX_ROUNDS_PER_WAKEUP = 6

/**
 * One pass of the engine: observe, plan, act, and again until nothing is left to do now; then, while the next
 * transition is within the horizon, sleep until its second and go on. Kill it anywhere: the next pass converges.
 */
export async function reconcile(client: KubeClient, options: PassOptions): Promise<PassReport> {
  const clock = options.clock ?? systemClock
  const planOptions: PlanOptions = {...DEFAULT_PLAN_OPTIONS, ...options.plan}
  const deadline = clock.now() + options.horizonMs
  const report: PassReport = {changes: [], errors: [], planned: [], waitingOn: []}
  let rounds = 0
  const announced = new Set<string>()
  const blockedBackends = new Map<string, string>()
  const installConfig = await readInstallConfig(client, planOptions.installNamespace)
  planOptions.maxBackendsPerNamespace ??= installConfig.config.maxBackends
  for (;;) {
    // The namespace selector chooses what the CronJob (-A) serves; a pass for one namespace is a user's own.
    const namespaces = options.namespace === undefined ? await selectedNamespaces(client, installConfig.config) : undefined
    const observed = await observe(client, {image: planOptions.image, installNamespace: planOptions.installNamespace, namespace: options.namespace, namespaces})
    const now = clock.now()
    const decided = plan(observed, now, blockedBackends.size > 0 ? {...planOptions, blockedBackends} : planOptions)
    report.waitingOn = decided.waitingOn
    if (options.dryRun) {
      report.planned = decided.actions
      report.errors = [...installConfig.problems, ...decided.problems]
      return report
    }

    let result: ApplyResult = {changes: [], errors: [], stale: false}
    const actions = unannounced(decided.actions, announced)
    if (actions.length > 0) {
      result = await apply(client, actions, () => clock.now())
      for (const line of result.changes) options.onChange?.(line)
      for (const [backend, why] of result.blocked ?? []) blockedBackends.set(backend, why)
      report.changes.push(...result.changes)
    }
    report.errors = [...installConfig.problems, ...decided.problems, ...result.errors]

    const acted = result.changes.length > 0 || result.stale
    if (acted && rounds < MAX_ROUNDS_PER_WAKEUP) {
      rounds++
      continue
    }
    rounds = 0
    const wakeup = nextWakeup(decided, options.waitForTransitions, now)
    if (wakeup === undefined || wakeup > deadline) return report
    await clock.sleep(Math.max(0, wakeup - clock.now()))
  }
}

function nextWakeup(decided: {nextWakeup?: number; waitingOn: string[]}, waitForTransitions: boolean, now: number): number | undefined {
  if (waitForTransitions) return decided.nextWakeup
  return decided.waitingOn.length > 0 ? now + 500 : undefined
}

/**
 * A target's Warning is said once per pass, however often the pass re-plans while it waits (every 500 ms for a
 * backend): the Event's count then grows once per pass, not per poll.
 */
function unannounced(actions: Action[], announced: Set<string>): Action[] {
  return actions.filter((action) => {
    if (action.type !== 'targetEvent' && action.type !== 'objectEvent') return true
    const about = action.type === 'targetEvent' ? [action.target.namespace, action.target.ref.kind, action.target.ref.name] : [action.involved.namespace, action.involved.kind, action.involved.name]
    const id = JSON.stringify([...about, action.reason, action.message])
    if (announced.has(id)) return false
    announced.add(id)
    return true
  })
}
