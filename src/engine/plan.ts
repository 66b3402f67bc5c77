import {isIP} from 'node:net'

import type {Interval, Window} from '../model/window.js'
import type {BackendManifests} from '../render/backend.js'

import {ANNOTATION_JSON_LIMITS, parseBoundedJson} from '../model/bounded-json.js'
import {CRONJOB_ACTOR, appendHistory} from '../model/history.js'
import {DEFAULT_MAX_BACKENDS} from '../model/install-config.js'
import {ACTIVE_LABEL, ANNOTATION_WINDOW, DEFAULT_PAGE, LegacyAnnotation, ROLE_LABEL, Role, TargetAnnotation} from '../model/keys.js'
import {formatTarget, formatTargets} from '../model/target.js'
import {formatLocal} from '../model/time.js'
import {currentInterval, isOver, isPaused, nextInterval, nextTransition} from '../model/window-schedule.js'
import {type BackendGate, type Upstream, renderBackend} from '../render/backend.js'
import {BACKEND_IMAGE, backendPodLabels} from '../render/backend-content.js'
import {isGateActive} from '../model/gate.js'
import {finishedAt, isExpired} from './finished.js'
import {type PageContext, buildViewModel} from '../render/view-model.js'
import {backendRef, backendRefByName} from './backend-ref.js'
import {type AnnotationOriginal, DEFAULT_MAX_REVERTS, REVERTS_ANNOTATION, degradedReason, joinOriginal, pauseOnSwitch, restoreAnnotations, revertDecision, splitOriginal} from './gitops.js'
import {kindModule} from './kinds/index.js'
import {type BackendPartKind, PART_KINDS, backendNameHash} from './ownership.js'
import {renderCheckedPage, resolvePage} from './pages.js'
import {renderInputsDigest, trustedForInputs} from './render-inputs.js'
import {type SwitchDecision, checkSwitch} from './switch-check.js'
import {type Action, DEFAULT_PLAN_OPTIONS, type Observed, type ObservedBackend, type ObservedTarget, type Plan, type PlanOptions} from './types.js'

/** Re-check a backend that is being waited on this often. */
const READINESS_POLL_MS = 500

interface Demand {
  /** Window name, or "annotation" for the enable-annotation switch. */
  window: string
  /** When the deciding window started: the one that started last decides the page. */
  startedAt: number
  manifests: BackendManifests
  /** Pause Flux on the target while switched (not with `--no-gitops-pause`). */
  gitopsPause: boolean
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
  /** Per namespace, the backends admitted under its cap in this plan. */
  private readonly admitted = new Map<string, Set<string>>()
  /** The annotations part of each target's stored original, read with it. */
  private readonly storedAnnotations = new Map<ObservedTarget, AnnotationOriginal>()
  /** Targets switched again after a GitOps revert, with the count written in the same request. */
  private readonly revertCounts = new Map<ObservedTarget, number>()
  /** Each target's stored original, read (and refused, if it must be) once per pass. */
  private readonly originals = new Map<ObservedTarget, unknown>()
  /** Per window: why it is Degraded (a GitOps manager keeps reverting a target; the engine stopped re-switching). */
  private readonly degraded = new Map<string, string[]>()
  /** Backends by namespace and the render inputs their ConfigMap claims, built when first asked. */
  private byInputs?: Map<string, ObservedBackend[]>
  private needsProtectedServices = false
  private inUseAdmitted = false

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
    for (const target of this.observed.targets) {
      this.isolated(() => this.planTarget(target, demands.get(targetKey(target))), (message) => this.targetFailed(target, message))
    }
    this.planBackends()
    if (!everything) {
      this.planPhases()
      this.planRetention()
      this.planWakeups()
    }
    const nextWakeup = this.wakeups.length > 0 ? Math.min(...this.wakeups) : undefined
    return {
      actions: this.actions,
      nextWakeup,
      problems: this.problems,
      waitingOn: [...this.waitingOn].sort(),
      ...(this.needsProtectedServices ? {needsProtectedServices: true} : {}),
    }
  }

  private live(w: Window): boolean {
    return w.phase !== 'Cancelled' && w.phase !== 'Failed' && !this.failing.has(key(w.namespace, w.name))
  }

  private failInvalidWindows(): void {
    for (const invalid of this.observed.invalidWindows) {
      if (invalid.phase === 'Failed') continue
      const message = `invalid window: ${invalid.problems.join('; ')}`
      this.actions.push({
        eventType: 'Warning',
        history: this.historyWith(invalid.history, 'Failed', message),
        message,
        phase: 'Failed',
        reason: 'MaintenanceFailed',
        resourceVersion: invalid.resourceVersion,
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
    const result = this.servableBackend(w, interval)
    if (result instanceof Error) {
      this.fail(w, result.message)
      return undefined
    }
    return result
  }

  /** The rendered backend, or why it cannot serve: the page does not render, or an object the engine did not make holds its name. */
  private servableBackend(w: Window, interval: Partial<Interval>): BackendManifests | Error {
    const result = this.render(w, interval)
    if (result instanceof Error) return result
    const blocked = this.options.blockedBackends?.get(key(w.namespace, result.name))
    return blocked === undefined ? result : new Error(blocked)
  }

  /**
   * Admits a backend under the namespace's cap; why not when the namespace has all it may. Backends targets already
   * point at are admitted first (they cannot be taken away), then in the order windows are planned: the ones in
   * progress before the ones to come.
   */
  private admit(namespace: string, name: string, window: string): boolean {
    if (!this.inUseAdmitted) this.admitBackendsInUse()
    let admitted = this.admitted.get(namespace)
    if (!admitted) {
      admitted = new Set()
      this.admitted.set(namespace, admitted)
    }
    if (admitted.has(name)) return true
    const cap = this.options.maxBackendsPerNamespace ?? DEFAULT_MAX_BACKENDS
    if (admitted.size < cap) {
      admitted.add(name)
      return true
    }
    const message =
      `namespace ${namespace} already has ${admitted.size} maintenance backends, the most one namespace may have ` +
      `(install --max-backends ${cap}); this window would need another (${name}): windows with the same page and message share one`
    const w = this.observed.windows.find((candidate) => candidate.namespace === namespace && candidate.name === window)
    if (w) this.fail(w, message)
    else this.problems.push(`${namespace}: ${message}`)
    return false
  }

  /** The backends targets already point at, per namespace: one walk over the targets for every namespace. */
  private admitBackendsInUse(): void {
    this.inUseAdmitted = true
    for (const target of this.observed.targets) {
      const backend = target.object.metadata.annotations?.[TargetAnnotation.backend]
      if (backend === undefined || backendNameHash(backend) === undefined) continue
      let admitted = this.admitted.get(target.namespace)
      if (!admitted) {
        admitted = new Set()
        this.admitted.set(target.namespace, admitted)
      }
      admitted.add(backend)
    }
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
      ...(isUnscheduled(w) ? {unscheduled: true} : {}),
      window: w.name,
    }
    const gate = isGateActive(w.gate) ? {settings: w.gate, upstreams: this.upstreams(w)} : undefined
    const id = JSON.stringify([w.page, context, ...(gate ? [gate] : [])])
    const cached = this.rendered.get(id)
    if (cached) return cached
    const result = this.alreadyRendered(w.page, context, id, gate !== undefined) ?? this.renderUncached(w.page, context, gate && {gate, gateUntil: interval.end}, id)
    this.rendered.set(id, result)
    return result
  }

  /** The digest of what a page is rendered from (render-inputs.ts); undefined when the page is not found. */
  private renderInputs(pageName: string, namespace: string, id: string): string | undefined {
    const page = resolvePage(this.observed.pages, pageName, namespace, this.options.installNamespace)
    return page && renderInputsDigest(this.options.image ?? BACKEND_IMAGE, page, id)
  }

  /**
   * The backend a pass made for exactly these inputs, when it is there, complete and ready: served as it is, without
   * rendering the page again (render-inputs.ts says how far it is trusted). Gated backends are always rendered.
   */
  private alreadyRendered(pageName: string, context: PageContext, id: string, gated: boolean): BackendManifests | undefined {
    if (gated) return undefined
    const inputs = this.renderInputs(pageName, context.namespace, id)
    if (inputs === undefined) return undefined
    this.byInputs ??= backendsByInputs(this.observed.backends)
    const claiming = this.byInputs.get(key(context.namespace, inputs)) ?? []
    if (claiming.length !== 1 || !trustedForInputs(claiming[0])) return undefined
    const {name, configMap} = claiming[0]
    const hash = backendNameHash(name)!
    // Only creating a backend needs its objects, and this one is complete: were they ever asked for, they are rendered.
    let full: BackendManifests | undefined
    const rendered = (): BackendManifests => {
      full ??= this.renderOrThrow(pageName, context, id)
      return full
    }
    return {
      get configMap() {
        return rendered().configMap
      },
      get deployment() {
        return rendered().deployment
      },
      digest: configMap!.digest,
      hash,
      name,
      podLabels: backendPodLabels(hash),
      get service() {
        return rendered().service
      },
    }
  }

  private renderOrThrow(pageName: string, context: PageContext, id: string): BackendManifests {
    const result = this.renderUncached(pageName, context, undefined, id)
    if (result instanceof Error) throw result
    return result
  }

  /**
   * The original backends a gated window's targets reach, from what each target would be restored to: its stored
   * original while in maintenance, else its routing now. Targets not found or whose original cannot be read add none.
   */
  private upstreams(w: Window): Upstream[] {
    const found: Upstream[] = []
    for (const ref of w.targets) {
      const target = this.observed.targets.find((t) => t.namespace === w.namespace && formatTarget(t.ref) === formatTarget(ref))
      if (!target) continue
      const module = kindModule(target.ref.kind)
      if (!module.upstreams) continue
      const inMaintenance = target.object.metadata.annotations?.[TargetAnnotation.original] !== undefined
      const original = inMaintenance ? this.storedOriginal(target) : module.captureRouting(target.object)
      if (original !== undefined) found.push(...module.upstreams(original, target.namespace, target.ref.name, (namespace, service, portName) => this.servicePort(namespace, service, portName)))
    }
    return found.map((upstream) => this.byClusterIp(upstream)).sort((a, b) => a.key.localeCompare(b.key))
  }

  /**
   * An original Service the pass observed is proxied to by its ClusterIP, which stays the Service's for its life: nginx
   * keeps connections to an address alive, while a name it resolves per request costs a connection per request
   * (bench (j)). A Service recreated with another ClusterIP renders another backend, so the next pass follows it.
   * Services not observed (another namespace, not there yet), headless ones and shadows (made with the backend) stay
   * names, resolved per request.
   */
  private byClusterIp(upstream: Upstream): Upstream {
    const match = /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\.([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\.svc\.cluster\.local:(\d+)$/.exec(upstream.address)
    if (!match || upstream.shadow) return upstream
    const [, name, namespace, port] = match
    const found = this.observed.targets.find((t) => t.ref.kind === 'service' && t.namespace === namespace && t.ref.name === name)
    const clusterIp = (found?.object.spec as {clusterIP?: unknown} | undefined)?.clusterIP
    if (typeof clusterIp !== 'string' || isIP(clusterIp) === 0) return upstream
    return {...upstream, address: isIP(clusterIp) === 6 ? `[${clusterIp}]:${port}` : `${clusterIp}:${port}`}
  }

  /** A named Service port's number, from the Services observed (every Service of the namespace is listed as a target). */
  private servicePort(namespace: string, service: string, portName: string): number | undefined {
    const found = this.observed.targets.find((t) => t.ref.kind === 'service' && t.namespace === namespace && t.ref.name === service)
    const ports = (found?.object.spec as {ports?: Array<{name?: unknown; port?: unknown}>} | undefined)?.ports
    const port = Array.isArray(ports) ? ports.find((entry) => entry.name === portName)?.port : undefined
    return typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65_536 ? port : undefined
  }

  private renderUncached(pageName: string, context: PageContext, gate: {gate: BackendGate; gateUntil?: number} | undefined, id: string): BackendManifests | Error {
    const page = resolvePage(this.observed.pages, pageName, context.namespace, this.options.installNamespace)
    if (!page) {
      return new Error(
        `page "${pageName}" not found: no ConfigMap maintenance-page-${pageName} in namespace ${context.namespace} or ${this.options.installNamespace}`,
      )
    }
    try {
      // A page written by hand skipped `page create`'s checks; one that renders invalid JSON/XML is not served.
      const rendered = renderCheckedPage(page, buildViewModel(context), pageName === DEFAULT_PAGE)
      const renderInputs = gate ? undefined : renderInputsDigest(this.options.image ?? BACKEND_IMAGE, page, id)
      return renderBackend({image: this.options.image, namespace: context.namespace, page: rendered, ...gate, ...(renderInputs ? {renderInputs} : {})})
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
      this.isolated(
        () => {
          if (!this.live(w)) return
          const interval = currentInterval(w, this.now)
          if (!interval) return
          const admitted = this.admittedTargets(w)
          if (!admitted) return
          const manifests = this.backendFor(w, interval)
          if (!manifests) return
          for (const ref of admitted) offer(key(w.namespace, formatTarget(ref)), {gitopsPause: w.gitopsPause !== false, manifests, startedAt: interval.start, window: w.name})
        },
        (message) => this.fail(w, message),
      )
    }
    const admits = (target: ObservedTarget): boolean => {
      let admitted = false
      this.isolated(
        () => (admitted = this.admitsAnnotated(target)),
        (message) => this.targetFailed(target, message),
      )
      return admitted
    }
    for (const group of annotatedTargets(this.observed.targets, admits)) {
      this.isolated(
        () => {
          // The enable annotation has no window, so the page shows neither a start nor an end.
          const pseudo: Window = {
            name: ANNOTATION_WINDOW,
            namespace: group.namespace,
            page: group.page,
            start: 0,
            targets: group.targets.map((target) => target.ref),
            timezone: 'UTC',
          }
          const manifests = this.servableBackend(pseudo, {start: undefined})
          for (const target of group.targets) {
            if (manifests instanceof Error) this.problems.push(`${formatTarget(target.ref)} in ${target.namespace}: ${manifests.message}`)
            else offer(targetKey(target), {gitopsPause: true, manifests, startedAt: Number.NEGATIVE_INFINITY, window: ANNOTATION_WINDOW})
          }
        },
        (message) => {
          for (const target of group.targets) this.targetFailed(target, message)
        },
      )
    }
    return demands
  }

  /** The enable annotation's demand of one target. */
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
      const decision = this.checkSwitch(target, w.force === true)
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

  private checkSwitch(target: ObservedTarget, force: boolean): SwitchDecision {
    if (target.ref.kind === 'service' && this.observed.protectedServicesUnread) this.needsProtectedServices = true
    return checkSwitch(target, {force, neighbours: this.observed.targets, protectedServices: this.observed.protectedServices})
  }

  /** The enable annotation has no window to fail: a refused or pointless switch is a Warning Event on the target. */
  private admitsAnnotated(target: ObservedTarget): boolean {
    if (target.object.metadata.annotations?.[TargetAnnotation.original] !== undefined) return true
    const decision = this.checkSwitch(target, false)
    if (decision.verdict === 'switch') return true
    if (decision.verdict === 'refuse') this.problems.push(`${target.namespace}/${formatTarget(target.ref)}: ${decision.message}`)
    const reason = decision.verdict === 'refuse' ? 'MaintenanceRefused' : 'MaintenanceSkipped'
    this.actions.push({eventType: 'Warning', message: `${decision.message} (${decision.note})`, reason, target, type: 'targetEvent'})
    return false
  }

  /** Backends of windows that start within the lead time are created ahead, so switching waits on nothing. */
  private preProvision(): void {
    for (const w of this.observed.windows) {
      this.isolated(
        () => {
          if (!this.live(w)) return
          const upcoming = nextInterval(w, this.now)
          if (!upcoming || upcoming.start - this.now > this.options.leadTimeMs) return
          const manifests = this.backendFor(w, upcoming)
          if (manifests) this.want(manifests, w.namespace, w.name)
        },
        (message) => this.fail(w, message),
      )
    }
  }

  /**
   * One failure domain: `work` for one object either completes or leaves no action behind, and its error goes to
   * `failed` instead of ending the pass for every other namespace (ARCHITECTURE principle 5).
   */
  private isolated(work: () => void, failed: (message: string) => void): void {
    const planned = this.actions.length
    try {
      work()
    } catch (error) {
      this.actions.length = planned
      failed(error instanceof RangeError ? `it is too deeply nested to process (${error.message})` : (error as Error).message)
    }
  }

  /** A target that could not be planned: left as it is, a Warning Event on it, and the pass fails at its end. */
  private targetFailed(target: ObservedTarget, message: string): void {
    const text = `cannot plan ${formatTarget(target.ref)}: ${message}`
    this.problems.push(`${target.namespace}/${formatTarget(target.ref)}: ${text}`)
    this.actions.push({eventType: 'Warning', message: text, reason: 'MaintenanceFailed', target, type: 'targetEvent'})
  }

  /** A backend some target needs now or soon; false when the namespace's cap leaves no room for it (its window fails). */
  private want(manifests: BackendManifests, namespace: string, window: string): boolean {
    if (!this.admit(namespace, manifests.name, window)) return false
    this.wanted.set(key(namespace, manifests.name), manifests)
    return true
  }

  private planTarget(target: ObservedTarget, demand: Demand | undefined): void {
    const {object} = target
    const annotations = object.metadata.annotations ?? {}
    const inMaintenance = annotations[TargetAnnotation.original] !== undefined
    if (!demand) {
      if (inMaintenance) this.restore(target)
      return
    }
    if (!this.want(demand.manifests, target.namespace, demand.window)) return
    const module = kindModule(target.ref.kind)
    const desired = backendRef(demand.manifests)
    const currentBackend = annotations[TargetAnnotation.backend]
    const currentWindow = annotations[TargetAnnotation.window]

    // A gated backend routes each entry by its original, so whether the target is switched depends on it.
    const gatedOriginal = inMaintenance && desired.upstreamPorts !== undefined ? this.storedOriginal(target) : undefined
    if (inMaintenance && currentBackend === desired.serviceName && module.isSwitched(object, desired, gatedOriginal)) {
      if (currentWindow !== demand.window) this.switchTo(target, demand, 'retarget', this.storedOriginal(target))
      return
    }
    const backend = this.backends.get(key(target.namespace, desired.serviceName))
    if (!servable(backend, demand.manifests)) {
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
    const drifted = !module.isSwitched(object, previous)
    if (drifted && this.leftToGitOps(target, demand)) return
    const original = drifted ? module.mergeOriginal(object, stored, previous) : stored
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
    if (this.originals.has(target)) return this.originals.get(target)
    const value = this.readOriginal(target)
    this.originals.set(target, value)
    return value
  }

  private readOriginal(target: ObservedTarget): unknown {
    const module = kindModule(target.ref.kind)
    const text = target.object.metadata.annotations?.[TargetAnnotation.original] ?? ''
    const parsed = parseBoundedJson(text, ANNOTATION_JSON_LIMITS)
    if (!parsed.ok) return this.refuse(target, [`the original annotation cannot be used: ${parsed.problem}`])
    const {annotations, problems: annotationProblems, routing} = splitOriginal(parsed.value)
    const problems = [...module.validateOriginal(routing), ...annotationProblems]
    if (problems.length > 0) return this.refuse(target, problems)
    this.storedAnnotations.set(target, annotations)
    return routing
  }

  /**
   * A switch changed back by a GitOps manager is counted (on the target, in the same request as the re-switch); past
   * the limit the target is left to its manager and the window is Degraded. A person's edit is ordinary drift.
   */
  private leftToGitOps(target: ObservedTarget, demand: Demand): boolean {
    const decision = revertDecision(target.object, target.ref.kind, this.options.maxReverts ?? DEFAULT_MAX_REVERTS)
    if (!decision.giveUp) {
      if (decision.manager) this.revertCounts.set(target, decision.count + 1)
      return false
    }
    const id = key(target.namespace, demand.window)
    const reasons = this.degraded.get(id) ?? []
    reasons.push(degradedReason(target.ref, decision))
    this.degraded.set(id, reasons)
    if (demand.window === ANNOTATION_WINDOW) this.problems.push(`${target.namespace}/${reasons.at(-1)}`)
    return true
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
      spec = module.switchSpec(target.object, desired, original)
    } catch (error) {
      const w = this.observed.windows.find((candidate) => candidate.namespace === target.namespace && candidate.name === demand.window)
      const {message} = error as Error
      if (w) this.fail(w, message)
      else this.problems.push(`${target.namespace}/${message}`)
      return
    }
    const meta = target.object.metadata
    const {[REVERTS_ANNOTATION]: counted, ...annotations} = meta.annotations ?? {}
    const pause = pauseOnSwitch(target.object, demand.gitopsPause, reason === 'start' ? {} : (this.storedAnnotations.get(target) ?? {}))
    const sameWindow = reason !== 'start' && annotations[TargetAnnotation.window] === demand.window
    const reverts = this.revertCounts.get(target)?.toString() ?? (sameWindow ? counted : undefined)
    this.actions.push({
      annotations: withChanges(
        {
          ...annotations,
          ...pause.set,
          [TargetAnnotation.backend]: desired.serviceName,
          [TargetAnnotation.original]: JSON.stringify(joinOriginal(original, pause.original)),
          [TargetAnnotation.window]: demand.window,
          ...(reverts === undefined ? {} : {[REVERTS_ANNOTATION]: reverts}),
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
      annotations: withChanges(restoreAnnotations(annotations, this.storedAnnotations.get(target) ?? {}), module.restoreAnnotations?.(target.object, original)),
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
      this.isolated(
        () => this.provide(namespace, manifests, this.backends.get(id)),
        (message) => this.problems.push(`backend ${id}: ${message}`),
      )
    }
    for (const backend of this.observed.backends) {
      const id = key(backend.namespace, backend.name)
      if (this.wanted.has(id) || inUse.has(id)) continue
      this.isolated(
        () => this.collect(backend),
        (message) => this.problems.push(`backend ${id}: ${message}`),
      )
    }
    for (const lookalike of this.observed.lookalikes ?? []) {
      const {apiVersion, kind, name, namespace, uid} = lookalike
      this.actions.push({
        eventType: 'Warning',
        involved: {apiVersion, kind, name, namespace, uid},
        message: `${kind} ${name} is labelled ${ROLE_LABEL}=${Role.backend} but ${lookalike.problem}: kubectl-maintenance never adopts, serves or deletes it`,
        reason: 'BackendIgnored',
        type: 'objectEvent',
      })
    }
  }

  /**
   * Creates what a wanted backend lacks. An object under its name that is not what the engine renders (a planted
   * ConfigMap with its own nginx.conf, a Deployment mounting something else) is replaced, never served; so are the
   * Deployment and Service of a replaced ConfigMap, which belong to the old one.
   */
  private provide(namespace: string, manifests: BackendManifests, observed: ObservedBackend | undefined): void {
    const missing: Array<BackendPartKind> = []
    const replace: Array<{part: BackendPartKind; uid: string}> = []
    const configMap = observed?.configMap
    const configMapWrong = configMap?.foreign ?? (configMap && configMap.digest !== manifests.digest ? 'its data is not what kubectl-maintenance renders for this window' : undefined)
    const problems: Record<BackendPartKind, string | undefined> = {
      configMap: configMapWrong,
      deployment:
        observed?.deployment?.foreign ??
        (configMapWrong === undefined ? ownerProblem(observed?.deployment, configMap?.uid) : 'it belongs to the ConfigMap being replaced'),
      service:
        observed?.service?.foreign ?? (configMapWrong === undefined ? ownerProblem(observed?.service, configMap?.uid) : 'it belongs to the ConfigMap being replaced'),
    }
    for (const part of ['configMap', 'deployment', 'service'] as const) {
      const found = observed?.[part]
      if (!found) {
        missing.push(part)
        continue
      }
      const problem = problems[part]
      if (problem === undefined) continue
      missing.push(part)
      replace.push({part, uid: found.uid})
      this.actions.push({
        eventType: 'Warning',
        involved: partObject(part, namespace, manifests.name, found.uid),
        message: `${PART_KINDS[part]} ${manifests.name} is not the backend kubectl-maintenance renders (${problem}): it is replaced and never served`,
        reason: 'BackendReplaced',
        type: 'objectEvent',
      })
    }
    if (missing.length === 0) return
    const ownerUid = configMap && !replace.some((entry) => entry.part === 'configMap') ? configMap.uid : undefined
    this.actions.push({manifests, missing, namespace, ownerUid, ...(replace.length > 0 ? {replace} : {}), type: 'createBackend'})
  }

  /** Deletes an unused backend's objects the engine made (uid preconditions in apply); anything else stays, reported. */
  private collect(backend: ObservedBackend): void {
    const objects: Array<{part: BackendPartKind; uid: string}> = []
    for (const part of ['configMap', 'deployment', 'service'] as const) {
      const found = backend[part]
      if (!found) continue
      const problem = found.foreign ?? (part === 'configMap' && !backend.configMap?.matchesName ? 'its content does not match the hash in its name' : undefined)
      if (problem === undefined) {
        objects.push({part, uid: found.uid})
        continue
      }
      this.actions.push({
        eventType: 'Warning',
        involved: partObject(part, backend.namespace, backend.name, found.uid),
        message: `${PART_KINDS[part]} ${backend.name} looks like a backend but was not made by kubectl-maintenance (${problem}): it is left alone`,
        reason: 'BackendIgnored',
        type: 'objectEvent',
      })
    }
    if (objects.length > 0) this.actions.push({name: backend.name, namespace: backend.namespace, objects, type: 'deleteBackend'})
  }

  private planPhases(): void {
    for (const w of this.observed.windows) {
      this.isolated(
        () => this.planPhase(w),
        (message) => this.problems.push(`window ${w.namespace}/${w.name}: ${message}`),
      )
    }
  }

  private planPhase(w: Window): void {
    const id = key(w.namespace, w.name)
    const failure = this.failing.get(id)
    if (failure !== undefined) {
      if (w.phase !== 'Failed') this.setPhase(w, 'Failed', failure, 'MaintenanceFailed', 'Warning')
      return
    }
    if (!this.live(w) || this.unsettled.has(id)) return
    const interval = currentInterval(w, this.now)
    if (interval) {
      const degraded = this.degraded.get(id)
      if (degraded) {
        if (w.phase !== 'Degraded') this.setPhase(w, 'Degraded', degraded.join('; '), 'MaintenanceDegraded', 'Warning')
      } else if (w.phase === 'Active') {
        const stale = staleActiveMessage(w, interval)
        if (stale !== undefined) this.setPhase(w, 'Active', stale, 'MaintenanceRescheduled', 'Normal')
      } else {
        const until = interval.end === undefined ? 'until ended' : `until ${formatLocal(interval.end, w.timezone)}`
        const skipped = this.skipped.get(id)
        const switched = skipped ? w.targets.filter((t) => !skipped.some((s) => s.startsWith(`${formatTarget(t)} (`))) : w.targets
        const what = switched.length > 0 ? `${formatTargets(switched)} in maintenance ${until}` : `nothing switched ${until}`
        this.setPhase(w, 'Active', skipped ? `${what}; skipped: ${skipped.join(', ')}` : what, 'MaintenanceStarted', 'Normal')
      }
      return
    }
    if (isOver(w, this.now)) {
      if (w.phase === 'Completed') return
      const applied = w.phase === 'Active' || w.phase === 'Degraded'
      const message = applied ? 'ended; targets restored' : 'ended before it was applied (was the CronJob running?)'
      this.setPhase(w, 'Completed', message, 'MaintenanceEnded', applied ? 'Normal' : 'Warning')
      return
    }
    const next = nextInterval(w, this.now)
    if (w.phase === 'Active' || w.phase === 'Degraded') {
      this.setPhase(w, 'Scheduled', `occurrence ended; next at ${next ? formatLocal(next.start, w.timezone) : 'never'}`, 'MaintenanceEnded', 'Normal')
    } else if (w.phase === undefined) {
      const when = next ? `starts ${formatLocal(next.start, w.timezone)}` : isPaused(w) ? 'paused' : 'starts never'
      this.setPhase(w, 'Scheduled', when, 'MaintenanceScheduled', 'Normal')
    }
  }

  /** Finished windows past the install's retention are deleted (uid precondition in apply), so they do not pile up. */
  private planRetention(): void {
    const keepMs = this.options.keepFinishedMs
    if (keepMs === undefined) return
    for (const w of this.observed.windows) {
      const finished = finishedAt(w)
      if (w.uid !== undefined && finished !== undefined && isExpired(w, this.now, keepMs)) {
        this.actions.push({finishedAt: finished, type: 'deleteWindow', window: {name: w.name, namespace: w.namespace, uid: w.uid}})
      }
    }
  }

  private setPhase(w: Window, phase: Window['phase'] & string, message: string, reason: string, eventType: 'Normal' | 'Warning'): void {
    const history = this.historyWith(w.history, phase, message)
    this.actions.push({eventType, history, message, phase, reason, resourceVersion: w.resourceVersion, type: 'setPhase', window: {name: w.name, namespace: w.namespace, uid: w.uid}})
  }

  private historyWith(stored: string | undefined, phase: string, message: string): string {
    return appendHistory(stored, {at: this.now, by: this.options.actor ?? CRONJOB_ACTOR, message, phase})
  }

  private planWakeups(): void {
    for (const w of this.observed.windows) {
      this.isolated(
        () => {
          if (!this.live(w)) return
          const next = nextTransition(w, this.now)
          if (next !== undefined) this.wakeups.push(next)
          const upcoming = nextInterval(w, this.now)
          if (upcoming && upcoming.start - this.options.leadTimeMs > this.now) this.wakeups.push(upcoming.start - this.options.leadTimeMs)
        },
        (message) => this.problems.push(`window ${w.namespace}/${w.name}: ${message}`),
      )
    }
    if (this.waitingOn.size > 0) this.wakeups.push(this.now + READINESS_POLL_MS)
  }
}

/** Clocks of the client and the API server may differ by this much. */
const CLOCK_SKEW_MS = 5000

/** A window stored when it had already begun (`now`) was not announced ahead; what `extend` adds continues a planned one. */
export function isUnscheduled(w: Window): boolean {
  if (w.creationTimestamp === undefined || w.extends !== undefined) return false
  return w.start <= Date.parse(w.creationTimestamp) + CLOCK_SKEW_MS
}

/**
 * An Active window's message names the end it had when it started ("... in maintenance until 22:00"); after `extend`
 * moved the end, the message with the current end, else undefined.
 */
export function staleActiveMessage(w: Window, interval: Interval): string | undefined {
  const message = w.phaseMessage ?? ''
  const at = message.search(/ in maintenance until (ended|\d{4}-)/)
  if (at < 0) return undefined
  const until = interval.end === undefined ? 'until ended' : `until ${formatLocal(interval.end, w.timezone)}`
  const rest = message.slice(at + ' in maintenance '.length)
  const old = rest.startsWith('until ended') ? 'until ended' : rest.slice(0, rest.search(/;|$/))
  return old === until ? undefined : message.slice(0, at) + ' in maintenance ' + until + rest.slice(old.length)
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

function backendsByInputs(backends: ObservedBackend[]): Map<string, ObservedBackend[]> {
  const found = new Map<string, ObservedBackend[]>()
  for (const backend of backends) {
    const inputs = backend.configMap?.renderInputs
    if (inputs === undefined) continue
    const id = key(backend.namespace, inputs)
    found.set(id, [...(found.get(id) ?? []), backend])
  }
  return found
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`
}

function targetKey(target: ObservedTarget): string {
  return key(target.namespace, formatTarget(target.ref))
}

/** A backend is served only when ready and every object of it is exactly what the engine renders for `manifests`. */
function servable(backend: ObservedBackend | undefined, manifests: BackendManifests): boolean {
  if (!backend?.ready) return false
  const {configMap, deployment, service} = backend
  if (!configMap || configMap.foreign !== undefined || configMap.digest !== manifests.digest) return false
  if (!deployment || deployment.foreign !== undefined || ownerProblem(deployment, configMap.uid) !== undefined) return false
  return service !== undefined && service.foreign === undefined && ownerProblem(service, configMap.uid) === undefined
}

/** A Deployment or Service owned by another ConfigMap than the backend's (the garbage collector will remove it). */
function ownerProblem(part: {ownerUid?: string} | undefined, configMapUid: string | undefined): string | undefined {
  if (part?.ownerUid === undefined || configMapUid === undefined || part.ownerUid === configMapUid) return undefined
  return 'it is owned by another ConfigMap'
}

function partObject(part: BackendPartKind, namespace: string, name: string, uid: string) {
  return {apiVersion: part === 'deployment' ? 'apps/v1' : 'v1', kind: PART_KINDS[part], name, namespace, uid}
}
