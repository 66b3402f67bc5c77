import type {Interval, Window} from '../model/window.js'
import type {BackendManifests} from '../render/backend.js'

import {ACTIVE_LABEL, ANNOTATION_WINDOW, DEFAULT_PAGE, LegacyAnnotation, TargetAnnotation} from '../model/keys.js'
import {formatTarget, formatTargets} from '../model/target.js'
import {formatLocal} from '../model/time.js'
import {currentInterval, isOver, nextInterval, nextTransition} from '../model/window-schedule.js'
import {renderBackend} from '../render/backend.js'
import {compilePage, renderPage} from '../render/page.js'
import {type PageContext, buildViewModel} from '../render/view-model.js'
import {backendRef, backendRefByName} from './backend-ref.js'
import {kindModule} from './kinds/index.js'
import {resolvePage} from './pages.js'
import {checkSwitch} from './switch-check.js'
import {type Action, DEFAULT_PLAN_OPTIONS, type Observed, type ObservedBackend, type ObservedTarget, type Plan, type PlanOptions} from './types.js'

/** Re-check a backend that is being waited on this often. */
const READINESS_POLL_MS = 500

interface Demand {
  /** Window name, or "annotation" for the enable-annotation switch. */
  window: string
  /** When the deciding window started: the one that started last decides the page. */
  startedAt: number
  manifests: BackendManifests
}

/**
 * One pass's decisions, from what was observed and the time: never calls the API (ARCHITECTURE principle 1).
 * Every rule of SPEC §4 is here; observe.ts and apply.ts only read and write.
 */
export function plan(observed: Observed, now: number, options: PlanOptions = DEFAULT_PLAN_OPTIONS): Plan {
  const planner = new Planner(observed, now, options)
  return planner.run()
}

class Planner {
  private readonly actions: Action[] = []
  private readonly problems: string[] = []
  private readonly waitingOn = new Set<string>()
  private readonly wakeups: number[] = []
  /** Backends (namespace/name) some target needs now or within the lead time. */
  private readonly wanted = new Map<string, BackendManifests>()
  /** Windows that fail in this pass, with the reason. */
  private readonly failing = new Map<string, string>()
  /** Per window: still converging (a switch or restore of its targets is planned or waited on). */
  private readonly unsettled = new Set<string>()
  private readonly backends: Map<string, ObservedBackend>
  private readonly rendered = new Map<string, BackendManifests | Error>()
  /** Per window: its targets that are not switched because nothing would change, with why (`kept: redirect`). */
  private readonly skipped = new Map<string, string[]>()

  constructor(
    private readonly observed: Observed,
    private readonly now: number,
    private readonly options: PlanOptions,
  ) {
    this.backends = new Map(observed.backends.map((b) => [key(b.namespace, b.name), b]))
  }

  run(): Plan {
    const everything = this.options.restoreEverything === true
    if (!everything) this.failInvalidWindows()
    const demands = everything ? new Map<string, Demand>() : this.demandsByTarget()
    if (!everything) this.preProvision()
    for (const target of this.observed.targets) this.planTarget(target, demands.get(targetKey(target)))
    this.planBackends()
    if (!everything) {
      this.planPhases()
      this.planWakeups()
    }
    const nextWakeup = this.wakeups.length > 0 ? Math.min(...this.wakeups) : undefined
    return {actions: this.actions, nextWakeup, problems: this.problems, waitingOn: [...this.waitingOn].sort()}
  }

  private live(w: Window): boolean {
    return w.phase !== 'Cancelled' && w.phase !== 'Failed' && !this.failing.has(key(w.namespace, w.name))
  }

  private failInvalidWindows(): void {
    for (const invalid of this.observed.invalidWindows) {
      if (invalid.phase === 'Failed') continue
      this.actions.push({
        eventType: 'Warning',
        message: `invalid window: ${invalid.problems.join('; ')}`,
        phase: 'Failed',
        reason: 'MaintenanceFailed',
        type: 'setPhase',
        window: {name: invalid.name, namespace: invalid.namespace, uid: invalid.uid},
      })
    }
  }

  private fail(w: Window, message: string): void {
    const id = key(w.namespace, w.name)
    if (!this.failing.has(id)) this.failing.set(id, message)
  }

  /** The backend serving window `w` during `interval`; a page that cannot be rendered fails the window. */
  private backendFor(w: Window, interval: Partial<Interval>): BackendManifests | undefined {
    const result = this.render(w, interval)
    if (result instanceof Error) {
      this.fail(w, result.message)
      return undefined
    }
    return result
  }

  /**
   * Renders once per pass per distinct content: the cache key is everything the page is rendered from, so two
   * windows (or two groups of annotated targets) asking for different pages never share a backend.
   */
  private render(w: Window, interval: Partial<Interval>): BackendManifests | Error {
    const context: PageContext = {
      contact: w.contact,
      end: interval.end,
      message: w.message,
      namespace: w.namespace,
      reason: w.reason,
      start: interval.start,
      targets: w.targets.map((t) => formatTarget(t)),
      timezone: w.timezone,
      window: w.name,
    }
    const id = JSON.stringify([w.page, context])
    const cached = this.rendered.get(id)
    if (cached) return cached
    const result = this.renderUncached(w.page, context)
    this.rendered.set(id, result)
    return result
  }

  private renderUncached(pageName: string, context: PageContext): BackendManifests | Error {
    const page = resolvePage(this.observed.pages, pageName, context.namespace, this.options.installNamespace)
    if (!page) {
      return new Error(
        `page "${pageName}" not found: no ConfigMap maintenance-page-${pageName} in namespace ${context.namespace} or ${this.options.installNamespace}`,
      )
    }
    try {
      // A page written by hand skipped `page create`'s checks; one that renders invalid JSON/XML is not served.
      const invalid = pageName === DEFAULT_PAGE ? [] : compilePage(page).problems
      if (invalid.length > 0) throw new Error(invalid.join('; '))
      return renderBackend({image: this.options.image, namespace: context.namespace, page: renderPage(page, buildViewModel(context))})
    } catch (error) {
      return new Error(`page "${pageName}" cannot be rendered: ${(error as Error).message}`)
    }
  }

  /** Which targets must be in maintenance now, and with which backend. */
  private demandsByTarget(): Map<string, Demand> {
    const demands = new Map<string, Demand>()
    const offer = (id: string, demand: Demand) => {
      const existing = demands.get(id)
      if (!existing || demand.startedAt > existing.startedAt || (demand.startedAt === existing.startedAt && demand.window > existing.window)) {
        demands.set(id, demand)
      }
    }
    for (const w of this.observed.windows) {
      if (!this.live(w)) continue
      const interval = currentInterval(w, this.now)
      if (!interval) continue
      const admitted = this.admittedTargets(w)
      if (!admitted) continue
      const manifests = this.backendFor(w, interval)
      if (!manifests) continue
      for (const ref of admitted) offer(key(w.namespace, formatTarget(ref)), {manifests, startedAt: interval.start, window: w.name})
    }
    for (const group of annotatedTargets(this.observed.targets, (target) => this.admitsAnnotated(target))) {
      // The enable annotation has no window, so the page shows neither a start nor an end.
      const pseudo: Window = {
        name: ANNOTATION_WINDOW,
        namespace: group.namespace,
        page: group.page,
        start: 0,
        targets: group.targets.map((target) => target.ref),
        timezone: 'UTC',
      }
      const manifests = this.render(pseudo, {start: undefined})
      for (const target of group.targets) {
        if (manifests instanceof Error) this.problems.push(`${formatTarget(target.ref)} in ${target.namespace}: ${manifests.message}`)
        else offer(targetKey(target), {manifests, startedAt: Number.NEGATIVE_INFINITY, window: ANNOTATION_WINDOW})
      }
    }
    return demands
  }

  /**
   * SPEC §7, decided before the switch: a target that must not be switched fails its window with a Warning before
   * anything is touched (undefined); one where nothing would change is left out and named in the phase message.
   * Targets already in maintenance were decided when they were switched.
   */
  private admittedTargets(w: Window): Window['targets'] | undefined {
    const admitted: Window['targets'] = []
    const skipped: string[] = []
    for (const ref of w.targets) {
      const target = this.observed.targets.find((t) => t.namespace === w.namespace && formatTarget(t.ref) === formatTarget(ref))
      if (!target || target.object.metadata.annotations?.[TargetAnnotation.original] !== undefined) {
        admitted.push(ref)
        continue
      }
      const decision = checkSwitch(target, {force: w.force === true, neighbours: this.observed.targets, protectedServices: this.observed.protectedServices})
      if (decision.verdict === 'refuse') {
        this.fail(w, decision.message)
        return undefined
      }
      if (decision.verdict === 'skip') skipped.push(`${formatTarget(ref)} (${decision.note})`)
      else admitted.push(ref)
    }
    if (skipped.length > 0) this.skipped.set(key(w.namespace, w.name), skipped)
    return admitted
  }

  /** The enable annotation has no window to fail: a refused or pointless switch is a Warning Event on the target. */
  private admitsAnnotated(target: ObservedTarget): boolean {
    if (target.object.metadata.annotations?.[TargetAnnotation.original] !== undefined) return true
    const decision = checkSwitch(target, {force: false, neighbours: this.observed.targets, protectedServices: this.observed.protectedServices})
    if (decision.verdict === 'switch') return true
    if (decision.verdict === 'refuse') this.problems.push(`${target.namespace}/${formatTarget(target.ref)}: ${decision.message}`)
    const reason = decision.verdict === 'refuse' ? 'MaintenanceRefused' : 'MaintenanceSkipped'
    this.actions.push({eventType: 'Warning', message: `${decision.message} (${decision.note})`, reason, target, type: 'targetEvent'})
    return false
  }

  /** Backends of windows that start within the lead time are created ahead, so switching waits on nothing. */
  private preProvision(): void {
    for (const w of this.observed.windows) {
      if (!this.live(w)) continue
      const upcoming = nextInterval(w, this.now)
      if (!upcoming || upcoming.start - this.now > this.options.leadTimeMs) continue
      const manifests = this.backendFor(w, upcoming)
      if (manifests) this.want(manifests, w.namespace)
    }
  }

  private want(manifests: BackendManifests, namespace: string): void {
    this.wanted.set(key(namespace, manifests.name), manifests)
  }

  private planTarget(target: ObservedTarget, demand: Demand | undefined): void {
    const {object} = target
    const annotations = object.metadata.annotations ?? {}
    const inMaintenance = annotations[TargetAnnotation.original] !== undefined
    if (!demand) {
      if (inMaintenance) this.restore(target)
      return
    }
    this.want(demand.manifests, target.namespace)
    const module = kindModule(target.ref.kind)
    const desired = backendRef(demand.manifests)
    const currentBackend = annotations[TargetAnnotation.backend]
    const currentWindow = annotations[TargetAnnotation.window]

    if (inMaintenance && currentBackend === desired.serviceName && module.isSwitched(object, desired)) {
      if (currentWindow !== demand.window) this.switchTo(target, demand, 'retarget', this.storedOriginal(target))
      return
    }
    const backend = this.backends.get(key(target.namespace, desired.serviceName))
    if (!backend?.ready) {
      this.awaitBackend(target, demand, backend, inMaintenance)
      return
    }
    if (!inMaintenance) {
      this.switchTo(target, demand, 'start', module.captureRouting(object))
      return
    }
    const stored = this.storedOriginal(target)
    if (stored === undefined) return
    const previous = backendRefByName(currentBackend ?? desired.serviceName)
    const original = module.isSwitched(object, previous) ? stored : module.mergeOriginal(object, stored, previous)
    this.switchTo(target, demand, currentBackend === desired.serviceName ? 'drift' : 'retarget', original)
  }

  private awaitBackend(target: ObservedTarget, demand: Demand, backend: ObservedBackend | undefined, inMaintenance: boolean): void {
    const name = demand.manifests.name
    const windowId = key(target.namespace, demand.window)
    const timedOut = backend?.createdAt !== undefined && this.now - backend.createdAt > this.options.readinessTimeoutMs
    if (timedOut && !inMaintenance) {
      const w = this.observed.windows.find((candidate) => candidate.namespace === target.namespace && candidate.name === demand.window)
      const seconds = Math.round(this.options.readinessTimeoutMs / 1000)
      if (w) this.fail(w, `backend ${name} not ready after ${seconds}s; ${formatTarget(target.ref)} left untouched`)
      else this.problems.push(`backend ${name} for ${formatTarget(target.ref)} in ${target.namespace} not ready after ${seconds}s`)
      return
    }
    // A target already in maintenance keeps its current backend until the new one is ready.
    this.waitingOn.add(key(target.namespace, name))
    this.unsettled.add(windowId)
  }

  private storedOriginal(target: ObservedTarget): unknown {
    const module = kindModule(target.ref.kind)
    const text = target.object.metadata.annotations?.[TargetAnnotation.original] ?? ''
    let original: unknown
    try {
      original = JSON.parse(text)
    } catch {
      return this.refuse(target, ['the original annotation is not valid JSON'])
    }
    const problems = module.validateOriginal(original)
    return problems.length > 0 ? this.refuse(target, problems) : original
  }

  /** A tampered original is never applied: the target stays on the maintenance page and the pass reports it. */
  private refuse(target: ObservedTarget, problems: string[]): undefined {
    const message = `cannot restore ${formatTarget(target.ref)}: ${problems.join('; ')}; fix or remove the ${TargetAnnotation.original} annotation`
    this.problems.push(`${target.namespace}/${formatTarget(target.ref)}: ${message}`)
    this.actions.push({eventType: 'Warning', message, reason: 'MaintenanceRestoreRefused', target, type: 'targetEvent'})
    return undefined
  }

  private switchTo(target: ObservedTarget, demand: Demand, reason: 'start' | 'drift' | 'retarget', original: unknown): void {
    if (original === undefined) return
    const module = kindModule(target.ref.kind)
    const desired = backendRef(demand.manifests)
    let spec: Record<string, unknown>
    try {
      spec = module.switchSpec(target.object, desired)
    } catch (error) {
      const w = this.observed.windows.find((candidate) => candidate.namespace === target.namespace && candidate.name === demand.window)
      const {message} = error as Error
      if (w) this.fail(w, message)
      else this.problems.push(`${target.namespace}/${message}`)
      return
    }
    const meta = target.object.metadata
    this.actions.push({
      annotations: withChanges(
        {
          ...meta.annotations,
          [TargetAnnotation.backend]: desired.serviceName,
          [TargetAnnotation.original]: JSON.stringify(original),
          [TargetAnnotation.window]: demand.window,
        },
        module.switchAnnotations?.(target.object),
      ),
      backend: desired.serviceName,
      labels: {...meta.labels, [ACTIVE_LABEL]: 'true'},
      reason,
      spec,
      target,
      type: 'switch',
      window: demand.window,
    })
    this.unsettled.add(key(target.namespace, demand.window))
  }

  private restore(target: ObservedTarget): void {
    const original = this.storedOriginal(target)
    if (original === undefined) return
    const module = kindModule(target.ref.kind)
    const {[ACTIVE_LABEL]: _active, ...labels} = target.object.metadata.labels ?? {}
    const {
      [TargetAnnotation.backend]: _backend,
      [TargetAnnotation.original]: _original,
      [TargetAnnotation.window]: window = '',
      ...annotations
    } = target.object.metadata.annotations ?? {}
    this.actions.push({
      annotations: withChanges(annotations, module.restoreAnnotations?.(target.object, original)),
      labels,
      spec: module.restoreSpec(target.object, original),
      target,
      type: 'restore',
      window,
    })
    this.unsettled.add(key(target.namespace, window))
  }

  /** Derived, never counted: a backend lives while a target points at it or a window needs it within the lead time. */
  private planBackends(): void {
    const inUse = new Set<string>()
    for (const target of this.observed.targets) {
      const backend = target.object.metadata.annotations?.[TargetAnnotation.backend]
      if (backend) inUse.add(key(target.namespace, backend))
    }
    for (const [id, manifests] of this.wanted) {
      const namespace = id.slice(0, id.indexOf('/'))
      const observed = this.backends.get(id)
      const missing: Array<'configMap' | 'deployment' | 'service'> = []
      if (!observed?.hasConfigMap) missing.push('configMap')
      if (!observed?.hasDeployment) missing.push('deployment')
      if (!observed?.hasService) missing.push('service')
      if (missing.length > 0) this.actions.push({manifests, missing, namespace, type: 'createBackend'})
    }
    for (const backend of this.observed.backends) {
      const id = key(backend.namespace, backend.name)
      if (!this.wanted.has(id) && !inUse.has(id)) this.actions.push({name: backend.name, namespace: backend.namespace, type: 'deleteBackend'})
    }
  }

  private planPhases(): void {
    for (const w of this.observed.windows) {
      const id = key(w.namespace, w.name)
      const failure = this.failing.get(id)
      if (failure !== undefined) {
        if (w.phase !== 'Failed') this.setPhase(w, 'Failed', failure, 'MaintenanceFailed', 'Warning')
        continue
      }
      if (!this.live(w) || this.unsettled.has(id)) continue
      const interval = currentInterval(w, this.now)
      if (interval) {
        if (w.phase !== 'Active') {
          const until = interval.end === undefined ? 'until ended' : `until ${formatLocal(interval.end, w.timezone)}`
          const skipped = this.skipped.get(id)
          const switched = skipped ? w.targets.filter((t) => !skipped.some((s) => s.startsWith(`${formatTarget(t)} (`))) : w.targets
          const what = switched.length > 0 ? `${formatTargets(switched)} in maintenance ${until}` : `nothing switched ${until}`
          this.setPhase(w, 'Active', skipped ? `${what}; skipped: ${skipped.join(', ')}` : what, 'MaintenanceStarted', 'Normal')
        }
        continue
      }
      if (isOver(w, this.now)) {
        if (w.phase === 'Completed') continue
        const message = w.phase === 'Active' ? 'ended; targets restored' : 'ended before it was applied (was the CronJob running?)'
        this.setPhase(w, 'Completed', message, 'MaintenanceEnded', w.phase === 'Active' ? 'Normal' : 'Warning')
        continue
      }
      const next = nextInterval(w, this.now)
      if (w.phase === 'Active') {
        this.setPhase(w, 'Scheduled', `occurrence ended; next at ${next ? formatLocal(next.start, w.timezone) : 'never'}`, 'MaintenanceEnded', 'Normal')
      } else if (w.phase === undefined) {
        this.setPhase(w, 'Scheduled', `starts ${next ? formatLocal(next.start, w.timezone) : 'never'}`, 'MaintenanceScheduled', 'Normal')
      }
    }
  }

  private setPhase(w: Window, phase: Window['phase'] & string, message: string, reason: string, eventType: 'Normal' | 'Warning'): void {
    this.actions.push({eventType, message, phase, reason, type: 'setPhase', window: {name: w.name, namespace: w.namespace, uid: w.uid}})
  }

  private planWakeups(): void {
    for (const w of this.observed.windows) {
      if (!this.live(w)) continue
      const next = nextTransition(w, this.now)
      if (next !== undefined) this.wakeups.push(next)
      const upcoming = nextInterval(w, this.now)
      if (upcoming && upcoming.start - this.options.leadTimeMs > this.now) this.wakeups.push(upcoming.start - this.options.leadTimeMs)
    }
    if (this.waitingOn.size > 0) this.wakeups.push(this.now + READINESS_POLL_MS)
  }
}

/** Annotations with a kind's changes applied: a value sets, null removes. */
function withChanges(annotations: Record<string, string>, changes: Record<string, string | null> | undefined): Record<string, string> {
  const result = {...annotations}
  for (const [name, value] of Object.entries(changes ?? {})) {
    if (value === null) delete result[name]
    else result[name] = value
  }
  return result
}

/**
 * Targets switched by the enable annotation, grouped by namespace and page: each group is served like one window
 * naming all its targets (in a stable order, so what is rendered does not depend on the order of the list).
 */
function annotatedTargets(targets: ObservedTarget[], admits: (target: ObservedTarget) => boolean): Array<{namespace: string; page: string; targets: ObservedTarget[]}> {
  const groups = new Map<string, {namespace: string; page: string; targets: ObservedTarget[]}>()
  for (const target of targets) {
    const annotations = target.object.metadata.annotations ?? {}
    if (annotations[TargetAnnotation.enabled] !== 'true' && annotations[LegacyAnnotation.enabled] !== 'true') continue
    if (!admits(target)) continue
    const page = annotations[TargetAnnotation.page] || annotations[LegacyAnnotation.customPage] || DEFAULT_PAGE
    const id = JSON.stringify([target.namespace, page])
    let group = groups.get(id)
    if (!group) groups.set(id, (group = {namespace: target.namespace, page, targets: []}))
    group.targets.push(target)
  }
  for (const group of groups.values()) group.targets.sort((a, b) => formatTarget(a.ref).localeCompare(formatTarget(b.ref)))
  return [...groups.values()]
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`
}

function targetKey(target: ObservedTarget): string {
  return key(target.namespace, formatTarget(target.ref))
}
