import type {Action, Observed, Plan, PlanOptions} from '../engine/types.js'

import {plan} from '../engine/plan.js'
import {DEFAULT_PLAN_OPTIONS} from '../engine/types.js'
import {ROLE_LABEL, Role} from '../model/keys.js'
import {type ApplyResult, apply} from './apply.js'
import {type KubeClient, TransientError} from './client.js'
import {EventRecorder} from './events.js'
import {readInstallConfig, selectedNamespaces} from './install-config.js'
import {DEFAULT_KEEP_MS} from '../engine/finished.js'
import {type Clock, systemClock} from '../model/clock.js'
import {parseDuration} from '../model/duration.js'
import {type ObserveScope, observe} from './observe.js'
import {readProtectedServices} from './protected-services.js'
import {Resources} from './resources.js'
import {Outside} from '../notify/outside.js'
import {FeedWriter} from './schedule-feed.js'

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
  /** Waits between webhook retries (tests shorten them). */
  outsideSleep?: (ms: number) => Promise<void>
}

/** What runs beside the rounds, waited for once at the end of the pass. */
interface Background {
  current?: Outside
  feeds?: FeedWriter
}

export interface PassReport {
  changes: string[]
  /** Failures still standing at the end of the pass. */
  errors: string[]
  /** Dry run: what would have been done. */
  planned: Action[]
  /** Dry run: what would be done later within the horizon, each at its second (the cluster as it is now, transitions only). */
  later?: Array<{at: number; action: Action}>
  /** Backends still not ready when the pass stopped. */
  waitingOn: string[]
}

/** Immediate re-plans after acting, before the pass waits for time to pass: bounds a pass that keeps failing. */
const MAX_ROUNDS_PER_WAKEUP = 6

/** Reading ahead of a transition starts this many times as early as reading and deciding last took, plus a margin. */
const READ_AHEAD_FACTOR = 2
const READ_AHEAD_MARGIN_MS = 100
const MAX_READ_AHEAD_MS = 15_000
/** The schedule feed is written only when the next transition is at least this far off (or the pass ends). */
const FEED_SYNC_MIN_GAP_MS = 5000
/** A shorter wait (a readiness poll) is not worth reading ahead for. */
const MIN_WAIT_TO_READ_AHEAD_MS = 1000

/**
 * One pass of the engine: observe, plan, act, and again until nothing is left to do now; then, while the next
 * transition is within the horizon, sleep until its second and go on. Kill it anywhere: the next pass converges.
 */
export async function reconcile(client: KubeClient, options: PassOptions): Promise<PassReport> {
  const clock = options.clock ?? systemClock
  const deadline = clock.now() + options.horizonMs
  // A 429 or 503 is retried after its Retry-After only while that still lands within the horizon.
  if (options.horizonMs > 0) client.retryWithin(deadline, () => clock.now())
  const events = new EventRecorder(client)
  const outside: Background = {}
  let report: PassReport | undefined
  try {
    report = await passRounds(client, options, clock, deadline, events, outside)
  } finally {
    // Webhooks and silences run beside the rounds (no switch waits for them); the pass waits for them once, here.
    await outside.current?.settled()
    await outside.feeds?.idle()
    // A pass that stopped on an error still leaves its Events written.
    const failures = await events.settled()
    client.retryWithin(undefined)
    report?.errors.push(...failures)
  }
  return report
}

/** A dry run looks ahead within the horizon: the actions each later transition would take, as the pass would at its second. */
function laterWithin(observed: Observed, first: Plan, deadline: number, decide: (observed: Observed, at: number) => Plan): Array<{at: number; action: Action}> {
  const later: Array<{at: number; action: Action}> = []
  const seen = new Set(first.actions.map((action) => JSON.stringify(action)))
  for (let at = first.nextWakeup, steps = 0; at !== undefined && at <= deadline && steps < 100; steps++) {
    const decided = decide(observed, at)
    for (const action of decided.actions) {
      const key = JSON.stringify(action)
      if (seen.has(key)) continue
      seen.add(key)
      later.push({action, at})
    }
    at = decided.nextWakeup !== undefined && decided.nextWakeup > at ? decided.nextWakeup : undefined
  }
  return later
}

async function passRounds(client: KubeClient, options: PassOptions, clock: Clock, deadline: number, events: EventRecorder, outside: Background): Promise<PassReport> {
  const planOptions: PlanOptions = {...DEFAULT_PLAN_OPTIONS, ...options.plan}
  planOptions.actor ??= client.actor()
  const report: PassReport = {changes: [], errors: [], planned: [], waitingOn: []}
  const scope = {installNamespace: planOptions.installNamespace, namespace: options.namespace}
  let rounds = 0
  const announced = new Set<string>()
  const blockedBackends = new Map<string, string>()
  const installConfig = await readInstallConfig(client, planOptions.installNamespace)
  planOptions.maxBackendsPerNamespace ??= installConfig.config.maxBackends
  if (!options.dryRun) outside.current = Outside.for(client, installConfig.config, events, {now: () => clock.now(), sleep: options.outsideSleep})
  planOptions.keepFinishedMs ??= installConfig.config.keep === undefined ? DEFAULT_KEEP_MS : parseDuration(installConfig.config.keep).ms
  // The namespace selector chooses what the CronJob (-A) serves; a pass for one namespace is a user's own.
  const observeScope = async (): Promise<ObserveScope> => ({
    ...scope,
    image: planOptions.image,
    namespaces: options.namespace === undefined ? await selectedNamespaces(client, installConfig.config) : undefined,
  })
  const planFor = (observed: Observed, at: number): Plan => plan(observed, at, blockedBackends.size > 0 ? {...planOptions, blockedBackends} : planOptions)
  const decide = async (observed: Observed, at: number): Promise<Plan> => {
    const decided = planFor(observed, at)
    if (!decided.needsProtectedServices) return decided
    return planFor({...observed, protectedServices: await readProtectedServices(client), protectedServicesUnread: false}, at)
  }
  let prepareMs = 0
  let ahead: Ahead | undefined
  const feeds = planOptions.restoreEverything ? undefined : new FeedWriter(client, events)
  outside.feeds = feeds
  for (;;) {
    let decided: Plan
    let now: number
    /** What this round decided on: read now, or ahead of the transition. */
    let read: Read
    if (ahead && (await unchangedSinceReadAhead(ahead))) {
      decided = ahead.decided
      now = ahead.at
      read = ahead.read
    } else {
      const started = clock.now()
      const scope = await observeScope()
      const observed = await observe(client, scope)
      read = {observed, scope}
      now = clock.now()
      decided = await decide(observed, now)
      prepareMs = clock.now() - started
    }
    ahead = undefined
    report.waitingOn = decided.waitingOn
    if (options.dryRun) {
      report.planned = decided.actions
      report.later = laterWithin(read.observed, decided, deadline, planFor)
      report.errors = [...installConfig.problems, ...decided.problems]
      return report
    }

    let result: ApplyResult = {changes: [], errors: [], stale: false}
    const actions = unannounced(decided.actions, announced)
    if (actions.length > 0) {
      result = await apply(client, actions, () => clock.now(), events)
      for (const line of result.changes) options.onChange?.(line)
      for (const [backend, why] of result.blocked ?? []) blockedBackends.set(backend, why)
      report.changes.push(...result.changes)
    }
    events.release()
    report.errors = [...installConfig.problems, ...decided.problems, ...result.errors]

    const acted = result.changes.length > 0 || result.stale
    if (acted && rounds < MAX_ROUNDS_PER_WAKEUP) {
      rounds++
      continue
    }
    rounds = 0
    // Settled: the windows as last read say what happened (phases are written only after the switches), told outside.
    outside.current?.start(read.observed.windows, read.observed.invalidWindows)
    const wakeup = nextWakeup(decided, options.waitForTransitions, now)
    // The feed is brought up to date when the pass has time: never between a transition and the next one due soon.
    const lastRound = wakeup === undefined || wakeup > deadline
    if (feeds && (lastRound || wakeup - clock.now() > FEED_SYNC_MIN_GAP_MS)) {
      const feedRead = read
      const synced = feeds.queue(() => syncFeeds(feeds, feedRead, clock.now()))
      const tell = (changes: string[]) => {
        for (const line of changes) options.onChange?.(line)
        report.changes.push(...changes)
      }
      if (lastRound) {
        const {changes, errors} = await synced
        tell(changes)
        report.errors.push(...errors)
      } else {
        // Written beside the wait: no transition waits for the feed, whose writes (a 429's Retry-After) may outlast it.
        // What fails here is written again by the pass's last sync, whose errors are the ones reported.
        void synced.then(({changes}) => tell(changes), () => undefined)
      }
    }
    if (wakeup === undefined || wakeup > deadline) return report
    const readAheadMs = Math.min(MAX_READ_AHEAD_MS, READ_AHEAD_FACTOR * prepareMs + READ_AHEAD_MARGIN_MS)
    if (options.waitForTransitions && wakeup - clock.now() >= MIN_WAIT_TO_READ_AHEAD_MS) {
      await clock.sleep(Math.max(0, wakeup - readAheadMs - clock.now()))
      // Events wait until the transition's routing is written: they would queue at the API server ahead of it.
      events.hold()
      ahead = await readAhead(client, await observeScope(), wakeup, decide, clock)
      await clock.sleep(Math.max(0, wakeup - checkLeadMs(ahead) - clock.now()))
      ahead.check = windowVersions(client.once(), options.namespace)
      // Answered while the pass sleeps until the second: handled there (a rejection must not end the process meanwhile).
      ahead.check.catch(() => undefined)
    }
    await clock.sleep(Math.max(0, wakeup - clock.now()))
  }
}

/** The schedule feed of every namespace the pass serves, from what it last read (SPEC §7). */
async function syncFeeds(feeds: FeedWriter, {observed, scope}: Read, now: number): Promise<{changes: string[]; errors: string[]}> {
  const withWindows = new Set([...observed.windows, ...observed.invalidWindows].map((w) => w.namespace))
  const namespaces = scope.namespace === undefined ? (scope.namespaces ?? [undefined]) : [scope.namespace]
  feeds.prime(observed.feedConfigMaps)
  return feeds.sync(namespaces, withWindows, observed.windows, now)
}

/**
 * A transition decided before its second: observed and planned for `at`, so at the second only the writes are left
 * (on a large cluster, reading takes longer than the second has). It is used only if no window changed meanwhile;
 * a target that changed fails its write's resourceVersion test and the pass reads again.
 */
interface Ahead {
  at: number
  decided: Plan
  read: Read
  windowVersions: string
  /** How long listing the windows took when reading ahead. */
  versionsMs: number
  /** The windows listed again just before the second (see checkLeadMs). */
  check?: Promise<string>
}

/** What one observation read, and the scope it read. */
interface Read {
  observed: Observed
  scope: ObserveScope
}

async function readAhead(client: KubeClient, scope: ObserveScope, at: number, decide: (observed: Observed, at: number) => Promise<Plan>, clock: Clock): Promise<Ahead> {
  const started = clock.now()
  const versions = await windowVersions(client, scope.namespace)
  const versionsMs = clock.now() - started
  const observed = await observe(client, scope)
  return {at, decided: await decide(observed, at), read: {observed, scope}, versionsMs, windowVersions: versions}
}

/**
 * The check that no window changed since reading ahead is sent this long before the second, so that its answer is in
 * when the second comes and the writes go out at once (checking at the second cost every switch a round trip and the
 * parse of every window). A window changed in the last round trip before the second goes unseen here, as one changed
 * while the writes are on their way always did: the round after the writes reads everything again and corrects it.
 */
const MIN_CHECK_LEAD_MS = 50
const MAX_CHECK_LEAD_MS = 1000

function checkLeadMs(ahead: Ahead): number {
  return Math.min(MAX_CHECK_LEAD_MS, Math.max(MIN_CHECK_LEAD_MS, 2 * ahead.versionsMs))
}

/**
 * Whether the plan made ahead still holds at the second. The check is sent once, without retries: when the API server
 * answers it "try again later" (APF's 429), waiting its Retry-After would make every switch that late, so the plan
 * read ahead is used, and the round after the writes reads again. Any other failure reads everything again now.
 */
async function unchangedSinceReadAhead(ahead: Ahead): Promise<boolean> {
  try {
    return (await ahead.check) === ahead.windowVersions
  } catch (error) {
    return error instanceof TransientError
  }
}

/** Every window's name and resourceVersion: one list request, to tell whether any window changed. */
async function windowVersions(client: KubeClient, namespace: string | undefined): Promise<string> {
  const windows = await client.list(Resources.configMaps, namespace, {labelSelector: `${ROLE_LABEL}=${Role.window}`})
  return windows.map((window) => `${window.metadata.namespace}/${window.metadata.name}@${window.metadata.resourceVersion}`).sort().join(',')
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
