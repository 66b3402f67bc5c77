import {expect} from 'chai'

import type {Action, Observed, ObservedBackend, ObservedTarget, PlanOptions} from '../../src/engine/types.js'
import type {BackendManifests} from '../../src/render/backend.js'
import type {PageSource} from '../../src/render/page-source.js'
import type {Window} from '../../src/model/window.js'

import {backendRefByName} from '../../src/engine/backend-ref.js'
import {ingress as ingressKind} from '../../src/engine/kinds/ingress.js'
import {plan} from '../../src/engine/plan.js'
import {DEFAULT_PLAN_OPTIONS} from '../../src/engine/types.js'
import {engineMadeBackend} from './backends.js'

/**
 * The planner as a table, in the style of sample-controller's tests: each case is an observed state and a time, and
 * the whole list of actions the pass must take, in order, written out. Backends are named by what they serve
 * (`B(window)`), since their names are hashes of the rendered page.
 */

const NOW = Date.parse('2026-12-24T21:00:00Z')
const MIN = 60_000
const HOUR = 60 * MIN
const NS = 'shop'
const ORIGINAL_BACKEND = {service: {name: 'web', port: {number: 80}}}
const SPEC = {rules: [{host: 'shop.example.com', http: {paths: [{backend: ORIGINAL_BACKEND, path: '/', pathType: 'Prefix'}]}}]}
const ORIGINAL = {paths: [{backend: ORIGINAL_BACKEND, host: 'shop.example.com', path: '/', pathType: 'Prefix'}]}

function target(name = 'shop', annotations: Record<string, string> = {}, labels: Record<string, string> = {}, spec: object = SPEC): ObservedTarget {
  return {
    namespace: NS,
    object: {apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: {annotations, labels, name, namespace: NS, resourceVersion: '7', uid: `uid-${name}`}, spec: structuredClone(spec) as Record<string, unknown>},
    ref: {kind: 'ingress', name},
  }
}

function window(name: string, start: number, end: number | undefined, extra: Partial<Window> = {}): Window {
  return {end, name, namespace: NS, page: 'default', start, targets: [{kind: 'ingress', name: 'shop'}], timezone: 'Europe/Berlin', uid: `uid-${name}`, ...extra}
}

function page(name: string): PageSource {
  return {assets: {}, html: `<p>page ${name}</p>`, name, status: 503}
}

const PAGES = new Map([[NS, new Map([['alpha', page('alpha')], ['beta', page('beta')]])]])

/** Every backend planned so far, by name: a backend observed as the engine made it holds exactly what was rendered. */
const RENDERED = new Map<string, BackendManifests>()

function planned(manifests: BackendManifests): string {
  RENDERED.set(manifests.name, manifests)
  return manifests.name
}

/** The name of the backend that serves `w` now (or at `at`), found by planning it alone. */
function backendOf(w: Window, at = NOW): string {
  const first = plan({backends: [], invalidWindows: [], pages: PAGES, targets: w.targets.map((ref) => target(ref.name)), windows: [{...w, phase: 'Active'}]}, at)
  const create = first.actions.find((action) => action.type === 'createBackend')
  if (create?.type !== 'createBackend') throw new Error(`no backend planned for ${w.name}`)
  return planned(create.manifests)
}

/** The backend of the enable annotation with `page`. */
function annotationBackend(pageName: string, targets = ['shop']): string {
  const annotated = targets.map((name) => target(name, {'kubectl-maintenance.io/enabled': 'true', 'kubectl-maintenance.io/page': pageName}))
  const create = plan({backends: [], invalidWindows: [], pages: PAGES, targets: annotated, windows: []}, NOW).actions.find((action) => action.type === 'createBackend')
  if (create?.type !== 'createBackend') throw new Error('no backend planned')
  return planned(create.manifests)
}

/** A ready backend the engine made, holding what was rendered for `name`. */
function ready(name: string, createdAt = NOW - MIN): ObservedBackend {
  return engineMadeBackend(name, RENDERED.get(name)?.digest ?? 'unknown', createdAt, NS)
}

function starting(name: string, createdAt = NOW - MIN): ObservedBackend {
  return {...ready(name, createdAt), ready: false}
}

/** A target switched to `backend` by `windowName`, with `original` stored, as a previous pass left it. */
function switched(backend: string, windowName: string, original: unknown = ORIGINAL, name = 'shop'): ObservedTarget {
  const before = target(name)
  const spec = ingressKind.switchSpec(before.object, backendRefByName(backend))
  return target(name, {'kubectl-maintenance.io/backend': backend, 'kubectl-maintenance.io/original': typeof original === 'string' ? original : JSON.stringify(original), 'kubectl-maintenance.io/window': windowName}, {'kubectl-maintenance.io/active': 'true'}, spec)
}

/** Each action as a short line: what, to what, and what it writes (the switch's spec is checked in engine/kinds). */
function describeAction(action: Action): string {
  switch (action.type) {
    case 'createBackend': {
      return `create ${action.manifests.name} (${action.missing.join(', ')})`
    }

    case 'deleteBackend': {
      return `delete ${action.name}`
    }

    case 'switch': {
      const {annotations, labels} = action
      const original = annotations['kubectl-maintenance.io/original']
      const switchedTo = JSON.stringify(action.spec).includes(action.backend) ? '' : ' (spec not switched!)'
      return `switch ${action.target.ref.name} to ${action.backend} for ${action.window} (${action.reason})${switchedTo}, original ${original}, active ${labels['kubectl-maintenance.io/active']}`
    }

    case 'restore': {
      const left = [...Object.keys(action.labels), ...Object.keys(action.annotations)].filter((key) => key.startsWith('kubectl-maintenance.io/'))
      return `restore ${action.target.ref.name} after ${action.window} to ${JSON.stringify(action.spec)}${left.length > 0 ? `, leaving ${left.join(', ')}` : ''}`
    }

    case 'setPhase': {
      return `${action.window.name} ${action.phase}: ${action.reason} ${action.eventType} "${action.message}"`
    }

    case 'objectEvent': {
      return `event on ${action.involved.kind} ${action.involved.name}: ${action.reason} ${action.eventType} "${action.message}"`
    }

    case 'targetEvent': {
      return `event on ${action.target.ref.name}: ${action.reason} ${action.eventType} "${action.message}"`
    }

    case 'deleteWindow': {
      return `delete window ${action.window.name}`
    }
  }
}

interface Case {
  name: string
  /** The SPEC §4 rule (or other promise) the case proves. */
  rule: string
  observed: () => Partial<Observed>
  at?: number
  options?: Partial<PlanOptions>
  actions: string[]
  wakeup?: number | undefined
  waitingOn?: string[]
  problems?: RegExp[]
}

const w = window('w', NOW - 1000, NOW + HOUR)
const B = (x: Window, at?: number) => backendOf(x, at)
const ORIGINAL_TEXT = JSON.stringify(ORIGINAL)
const nightly = window('nightly', Date.parse('2026-12-01T00:00:00Z'), undefined, {duration: '1h', every: '30 3 * * *', phase: 'Scheduled'})
const DURING_NIGHTLY = Date.parse('2026-12-25T02:45:00Z')

const cases: Case[] = [
  {
    actions: ['create B(w) (configMap, deployment, service)'],
    name: 'an active window whose backend does not exist yet: create it and wait, touching nothing',
    observed: () => ({targets: [target()], windows: [w]}),
    rule: 'A target is switched only when its backend has a ready replica',
    waitingOn: ['shop/B(w)'],
    wakeup: NOW + 500,
  },
  {
    actions: [`switch shop to B(w) for w (start), original ${ORIGINAL_TEXT}, active true`],
    name: 'an active window with a ready backend: switch, storing the original in the same write (Active once the switch is seen)',
    observed: () => ({backends: [ready(B(w))], targets: [target()], windows: [w]}),
    rule: 'A target is in maintenance while any window that names it is active',
    wakeup: NOW + HOUR,
  },
  {
    actions: ['w Active: MaintenanceStarted Normal "ingress/shop in maintenance until 2026-12-24 23:00 CET"'],
    name: 'the next pass sees its targets switched: the window is marked Active',
    observed: () => ({backends: [ready(B(w))], targets: [switched(B(w), 'w')], windows: [w]}),
    rule: 'Every transition writes the window\'s phase annotations and an Event',
    wakeup: NOW + HOUR,
  },
  {
    actions: [],
    name: 'a target already switched by its Active window: nothing to do',
    observed: () => ({backends: [ready(B(w))], targets: [switched(B(w), 'w')], windows: [{...w, phase: 'Active'}]}),
    rule: 'A pass is idempotent: the next pass converges and then does nothing',
    wakeup: NOW + HOUR,
  },
  {
    actions: ['create B(soon) (configMap, deployment, service)', 'soon Scheduled: MaintenanceScheduled Normal "starts 2026-12-24 22:01 CET"'],
    name: 'a window starting within the lead time: its backend is created ahead',
    observed: () => ({targets: [target()], windows: [window('soon', NOW + MIN, NOW + HOUR)]}),
    rule: 'Backends for windows starting within the lead time are created ahead',
    wakeup: NOW + MIN,
  },
  {
    actions: ['later Scheduled: MaintenanceScheduled Normal "starts 2026-12-24 22:10 CET"'],
    name: 'a window starting after the lead time: nothing is created yet; wake up when the lead time begins',
    observed: () => ({targets: [target()], windows: [window('later', NOW + 10 * MIN, NOW + HOUR)]}),
    rule: 'Backends for windows starting within the lead time are created ahead (and not earlier)',
    wakeup: NOW + 10 * MIN - DEFAULT_PLAN_OPTIONS.leadTimeMs,
  },
  {
    actions: [],
    name: 'a scheduled window 30 s ahead with its backend ready: wake up at its second',
    observed: () => ({backends: [ready(B(window('soon', NOW + 30_000, NOW + HOUR), NOW + 30_000))], targets: [target()], windows: [window('soon', NOW + 30_000, NOW + HOUR, {phase: 'Scheduled'})]}),
    rule: 'Transitions due within --horizon are applied at their second',
    wakeup: NOW + 30_000,
  },
  {
    actions: [`restore shop after w to ${JSON.stringify(SPEC)}`],
    name: 'a window past its end: restore the target key for key, leaving none of the tool\'s labels or annotations',
    observed: () => ({backends: [ready('maintenance-0123456789')], targets: [switched('maintenance-0123456789', 'w')], windows: [window('w', NOW - HOUR, NOW - 1, {phase: 'Active'})]}),
    rule: 'End is absolute: a window past its end is restored',
  },
  {
    actions: [`restore shop after w to ${JSON.stringify(SPEC)}`, 'create B(broken) (configMap, deployment, service)'],
    name: 'a window past its end is restored even when another window of the pass cannot go ahead',
    observed: () => ({
      backends: [ready('maintenance-0123456789')],
      targets: [switched('maintenance-0123456789', 'w'), target('other')],
      windows: [window('w', NOW - HOUR, NOW - 1, {phase: 'Active'}), window('broken', NOW - 1000, NOW + HOUR, {phase: 'Active', targets: [{kind: 'ingress', name: 'other'}]})],
    }),
    rule: 'End is absolute (forced rollback)',
    waitingOn: ['shop/B(broken)'],
    wakeup: NOW + 500,
  },
  {
    actions: ['delete maintenance-0123456789', 'w Completed: MaintenanceEnded Normal "ended; targets restored"'],
    name: 'after the restore: the backend no one uses is deleted and the window Completed',
    observed: () => ({backends: [ready('maintenance-0123456789')], targets: [target()], windows: [window('w', NOW - HOUR, NOW - 1, {phase: 'Active'})]}),
    rule: 'A backend no target uses and no window will need within the lead time is deleted; every transition writes the phase and an Event',
  },
  {
    actions: ['w Failed: MaintenanceFailed Warning "backend B(w) not ready after 180s; ingress/shop left untouched"'],
    name: 'a backend that never becomes ready: the target is left untouched and the window Failed with a Warning',
    observed: () => ({backends: [starting(B(w), NOW - 4 * MIN)], targets: [target()], windows: [w]}),
    rule: 'A backend that never becomes ready leaves the target untouched, marks the window Failed, and emits a Warning Event',
  },
  {
    actions: [`switch shop to B(w) for w (drift), original ${JSON.stringify({paths: [{...ORIGINAL.paths[0], backend: {service: {name: 'web-v2', port: {number: 80}}}}]})}, active true`],
    name: 'a target in maintenance whose routing was changed back: switched again, what they set is the new original',
    observed: () => {
      const drifted = switched(B(w), 'w')
      drifted.object.spec = {rules: [{host: 'shop.example.com', http: {paths: [{backend: {service: {name: 'web-v2', port: {number: 80}}}, path: '/', pathType: 'Prefix'}]}}]}
      return {backends: [ready(B(w))], targets: [drifted], windows: [{...w, phase: 'Active'}]}
    },
    rule: 'Drift: a target in maintenance whose routing was changed back is switched again, and what they set is the new original',
    wakeup: NOW + HOUR,
  },
  {
    actions: ['delete B(w)'],
    name: 'the target was deleted during its window: nothing to switch, the backend no target uses goes, the window stays Active',
    observed: () => ({backends: [ready(B(w))], targets: [], windows: [{...w, phase: 'Active'}]}),
    rule: 'Target deleted during a window: nothing to do',
    wakeup: NOW + HOUR,
  },
  {
    actions: [`switch shop to B(w) for w (start), original ${ORIGINAL_TEXT}, active true`],
    name: 'the target was recreated during its window: switched again',
    observed: () => ({backends: [ready(B(w))], targets: [target()], windows: [{...w, phase: 'Active'}]}),
    rule: 'Target recreated: switched again',
    wakeup: NOW + HOUR,
  },
  {
    actions: [`switch shop to B(late) for late (retarget), original ${ORIGINAL_TEXT}, active true`],
    name: 'two windows overlap on a target: the one that started last decides the page',
    observed: () => {
      const early = window('early', NOW - HOUR, NOW + 2 * HOUR, {phase: 'Active'})
      const late = window('late', NOW - MIN, NOW + 30 * MIN, {page: 'alpha'})
      return {backends: [ready(B(early)), ready(B(late))], pages: PAGES, targets: [switched(B(early), 'early')], windows: [early, late]}
    },
    rule: 'Overlapping windows: the one that started last decides the page',
    wakeup: NOW + 30 * MIN,
  },
  {
    actions: [`switch b to A(beta) for annotation (start), original ${ORIGINAL_TEXT}, active true`, `switch a to A(alpha) for annotation (start), original ${ORIGINAL_TEXT}, active true`],
    name: 'two targets switched by the enable annotation in one namespace, each with its page (maintenance-operator\'s annotations too)',
    observed: () => ({
      backends: [ready(annotationBackend('alpha', ['a'])), ready(annotationBackend('beta', ['b']))],
      pages: PAGES,
      targets: [
        target('b', {'maintenance-operator.mithucste30.io/custom-page': 'beta', 'maintenance-operator.mithucste30.io/enabled': 'true'}),
        target('a', {'kubectl-maintenance.io/enabled': 'true', 'kubectl-maintenance.io/page': 'alpha'}),
      ],
    }),
    rule: 'A target is in maintenance while it carries the enable annotation',
  },
  {
    actions: [`switch a to A(alpha) for annotation (start), original ${ORIGINAL_TEXT}, active true`, `switch b to A(beta) for annotation (start), original ${ORIGINAL_TEXT}, active true`],
    name: 'two targets switched by the enable annotation in one namespace, listed the other way round: the same backends',
    observed: () => ({
      backends: [ready(annotationBackend('alpha', ['a'])), ready(annotationBackend('beta', ['b']))],
      pages: PAGES,
      targets: [
        target('a', {'kubectl-maintenance.io/enabled': 'true', 'kubectl-maintenance.io/page': 'alpha'}),
        target('b', {'maintenance-operator.mithucste30.io/custom-page': 'beta', 'maintenance-operator.mithucste30.io/enabled': 'true'}),
      ],
    }),
    rule: 'A target is in maintenance while it carries the enable annotation',
  },
  {
    actions: [`restore shop after annotation to ${JSON.stringify(SPEC)}`],
    name: 'the enable annotation removed: the target is restored',
    observed: () => ({backends: [ready(annotationBackend('default'))], targets: [switched(annotationBackend('default'), 'annotation')]}),
    rule: 'Removing the annotation restores it',
  },
  {
    actions: [],
    name: 'a cancelled window is never applied',
    observed: () => ({targets: [target()], windows: [window('w', NOW - 1000, NOW + HOUR, {phase: 'Cancelled'})]}),
    rule: 'cancel: a window marked Cancelled is never applied (SPEC §2)',
  },
  {
    actions: ['broken Failed: MaintenanceFailed Warning "invalid window: no targets"'],
    name: 'a window with invalid annotations: Failed with the reason, no target touched',
    observed: () => ({invalidWindows: [{name: 'broken', namespace: NS, problems: ['no targets'], uid: 'uid-broken'}], targets: [target()]}),
    rule: 'A window whose annotations are invalid is marked Failed with the reason and an Event, and never touches a target (SPEC §3)',
  },
  {
    actions: ['w Failed: MaintenanceFailed Warning "page "missing" not found: no ConfigMap maintenance-page-missing in namespace shop or kubectl-maintenance"'],
    name: 'a window whose page does not exist: Failed instead of switching to a broken page',
    observed: () => ({targets: [target()], windows: [window('w', NOW - 1000, NOW + HOUR, {page: 'missing'})]}),
    rule: 'Every window is its own failure domain (SPEC §7)',
  },
  {
    actions: ['event on shop: MaintenanceRestoreRefused Warning "cannot restore ingress/shop: the original annotation cannot be used: it is not valid JSON (Expected property name or \'}\' in JSON at position 1); fix or remove the kubectl-maintenance.io/original annotation"'],
    name: 'a tampered original is never applied: the target stays on the page and the pass says why',
    observed: () => ({backends: [ready('maintenance-0123456789')], targets: [switched('maintenance-0123456789', 'gone', '{not json')]}),
    problems: [/not valid JSON/],
    rule: 'What tenants write is hostile until bounded (SPEC §7)',
  },
  {
    actions: [`switch shop to B(nightly) for nightly (start), original ${ORIGINAL_TEXT}, active true`],
    at: DURING_NIGHTLY,
    name: 'a recurring window during an occurrence, in its own zone: switched until the occurrence ends',
    observed: () => ({backends: [ready(B(nightly, DURING_NIGHTLY))], targets: [target()], windows: [nightly]}),
    rule: 'Recurring windows: CRON in TZ gives each start (SPEC §2)',
    wakeup: Date.parse('2026-12-25T03:30:00Z'),
  },
  {
    actions: [`restore shop after nightly to ${JSON.stringify(SPEC)}`],
    at: Date.parse('2026-12-25T12:00:00Z'),
    name: 'a recurring window between occurrences: restored, and awake again at the next lead time',
    observed: () => ({backends: [ready('maintenance-0123456789')], targets: [switched('maintenance-0123456789', 'nightly')], windows: [{...nightly, phase: 'Active'}]}),
    rule: 'End is absolute, for each occurrence',
    wakeup: Date.parse('2026-12-26T02:30:00Z') - DEFAULT_PLAN_OPTIONS.leadTimeMs,
  },
  {
    actions: ['w Scheduled: MaintenanceScheduled Normal "starts 2026-12-24 23:00 CET"'],
    name: 'a window seen for the first time, starting later: marked Scheduled',
    observed: () => ({targets: [target()], windows: [window('w', NOW + HOUR, NOW + 2 * HOUR)]}),
    rule: 'Every transition writes the window\'s phase annotations and an Event',
    wakeup: NOW + HOUR - DEFAULT_PLAN_OPTIONS.leadTimeMs,
  },
  {
    actions: [`restore shop after w to ${JSON.stringify(SPEC)}`],
    name: 'uninstall: every target restored whatever the windows say (its backend goes in the next pass, once no target points at it)',
    observed: () => ({backends: [ready(B(w))], targets: [switched(B(w), 'w')], windows: [{...w, phase: 'Active'}]}),
    options: {restoreEverything: true},
    rule: 'uninstall first restores every target (SPEC §2)',
  },
]

describe('plan: one case per rule, the whole action list', () => {
  for (const c of cases) {
    it(`${c.name} [${c.rule}]`, () => {
      const at = c.at ?? NOW
      const observed: Observed = {backends: [], invalidWindows: [], pages: new Map(), targets: [], windows: [], ...c.observed()}
      const result = plan(observed, at, {...DEFAULT_PLAN_OPTIONS, ...c.options})
      const names = backendNames(observed, at)
      const symbolic = (line: string) => line.replaceAll(/maintenance-[0-9a-f]{10}\b/g, (name) => names.get(name) ?? name)
      expect(result.actions.map((action) => symbolic(describeAction(action)))).to.deep.equal(c.actions)
      expect(result.nextWakeup, 'next wakeup').to.equal(c.wakeup)
      expect(result.waitingOn.map((id) => symbolic(id)), 'waiting on').to.deep.equal(c.waitingOn ?? [])
      expect(result.problems.length, 'problems').to.equal(c.problems?.length ?? 0)
      c.problems?.forEach((problem, index) => expect(result.problems[index]).to.match(problem))
    })
  }
})

/** Symbolic names of the backends a case can meet: B(window) for each window, A(page) for annotated targets. */
function backendNames(observed: Observed, at: number): Map<string, string> {
  const names = new Map<string, string>()
  for (const x of observed.windows) {
    for (const when of [at, x.start]) {
      try {
        names.set(backendOf(x, Math.max(when, x.start)), `B(${x.name})`)
      } catch {
        // a window that renders no backend (a missing page) has no name
      }
    }
  }
  for (const t of observed.targets) {
    const annotations = t.object.metadata.annotations ?? {}
    const pageName = annotations['kubectl-maintenance.io/page'] ?? annotations['maintenance-operator.mithucste30.io/custom-page'] ?? 'default'
    names.set(annotationBackend(pageName, [t.ref.name]), `A(${pageName})`)
  }
  return names
}
