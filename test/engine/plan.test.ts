import {expect} from 'chai'

import type {Action, Observed, ObservedBackend, ObservedTarget} from '../../src/engine/types.js'
import type {Window} from '../../src/model/window.js'

import {plan} from '../../src/engine/plan.js'
import {DEFAULT_PLAN_OPTIONS} from '../../src/engine/types.js'

const NOW = Date.parse('2026-12-24T21:00:00Z')
const MIN = 60_000

function ingress(name = 'shop', annotations: Record<string, string> = {}, labels: Record<string, string> = {}): ObservedTarget {
  return {
    namespace: 'shop',
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {annotations, labels, name, namespace: 'shop', resourceVersion: '7', uid: `uid-${name}`},
      spec: {rules: [{host: 'shop.example.com', http: {paths: [{backend: {service: {name: 'web', port: {number: 80}}}, path: '/', pathType: 'Prefix'}]}}]},
    },
    ref: {kind: 'ingress', name},
  }
}

function window(name: string, start: number, end: number | undefined, extra: Partial<Window> = {}): Window {
  return {end, name, namespace: 'shop', page: 'default', start, targets: [{kind: 'ingress', name: 'shop'}], timezone: 'Europe/Berlin', ...extra}
}

function observed(parts: Partial<Observed>): Observed {
  return {backends: [], invalidWindows: [], pages: new Map(), targets: [], windows: [], ...parts}
}

function readyBackend(name: string, createdAt = NOW - MIN): ObservedBackend {
  return {createdAt, hasConfigMap: true, hasDeployment: true, hasService: true, name, namespace: 'shop', ready: true}
}

function types(actions: Action[]): string[] {
  return actions.map((a) => a.type)
}

/** The backend a window's plan asks for, found by planning once with nothing observed. */
function backendNameFor(w: Window): string {
  const first = plan(observed({targets: [ingress()], windows: [w]}), NOW)
  const create = first.actions.find((a) => a.type === 'createBackend')
  if (create?.type !== 'createBackend') throw new Error('no backend planned')
  return create.manifests.name
}

describe('plan', () => {
  it('creates the backend first and switches only once it is ready', () => {
    const w = window('w', NOW - 1000, NOW + 60 * MIN)
    const first = plan(observed({targets: [ingress()], windows: [w]}), NOW)
    expect(types(first.actions)).to.deep.equal(['createBackend'])
    expect(first.waitingOn).to.have.length(1)
    expect(first.nextWakeup).to.equal(NOW + 500)

    const name = backendNameFor(w)
    const second = plan(observed({backends: [readyBackend(name)], targets: [ingress()], windows: [w]}), NOW)
    const sw = second.actions.find((a) => a.type === 'switch')
    expect(sw?.type).to.equal('switch')
    if (sw?.type !== 'switch') return
    expect(sw.labels['kubectl-maintenance.io/active']).to.equal('true')
    expect(sw.annotations['kubectl-maintenance.io/window']).to.equal('w')
    expect(sw.annotations['kubectl-maintenance.io/backend']).to.equal(name)
    expect(JSON.parse(sw.annotations['kubectl-maintenance.io/original'])).to.not.equal(null)
    expect(JSON.stringify(sw.spec)).to.include(name)
  })

  it('pre-provisions the backend of a window starting within the lead time, and not earlier', () => {
    const soon = window('soon', NOW + MIN, NOW + 60 * MIN)
    expect(types(plan(observed({targets: [ingress()], windows: [soon]}), NOW).actions)).to.include('createBackend')
    const later = window('later', NOW + 10 * MIN, NOW + 60 * MIN)
    const result = plan(observed({targets: [ingress()], windows: [later]}), NOW)
    expect(types(result.actions)).to.not.include('createBackend')
    expect(result.nextWakeup).to.equal(NOW + 10 * MIN - DEFAULT_PLAN_OPTIONS.leadTimeMs)
  })

  it('wakes up at the second a window starts', () => {
    const w = window('w', NOW + 30_000, NOW + 60 * MIN, {phase: 'Scheduled'})
    const name = backendNameFor(w)
    const result = plan(observed({backends: [readyBackend(name)], targets: [ingress()], windows: [w]}), NOW)
    expect(result.nextWakeup).to.equal(NOW + 30_000)
    expect(types(result.actions)).to.deep.equal([])
  })

  it('restores a target past its window end and deletes the backend no one uses', () => {
    const w = window('w', NOW - 60 * MIN, NOW - 1, {phase: 'Active'})
    const original = {paths: [{backend: {service: {name: 'web', port: {number: 80}}}, host: 'shop.example.com', path: '/', pathType: 'Prefix'}]}
    const target = ingress('shop', {
      'kubectl-maintenance.io/backend': 'maintenance-abc',
      'kubectl-maintenance.io/original': JSON.stringify(original),
      'kubectl-maintenance.io/window': 'w',
    }, {'kubectl-maintenance.io/active': 'true'})
    const result = plan(observed({backends: [readyBackend('maintenance-abc')], targets: [target], windows: [w]}), NOW)
    expect(types(result.actions)).to.deep.equal(['restore'])
    const restore = result.actions[0]
    if (restore.type !== 'restore') return
    expect(restore.labels).to.deep.equal({})
    expect(restore.annotations).to.deep.equal({})

    const afterRestore = plan(observed({backends: [readyBackend('maintenance-abc')], targets: [ingress()], windows: [w]}), NOW)
    expect(types(afterRestore.actions)).to.deep.equal(['deleteBackend', 'setPhase'])
  })

  it('never applies a cancelled window', () => {
    const w = window('w', NOW - 1000, NOW + 60 * MIN, {phase: 'Cancelled'})
    expect(plan(observed({targets: [ingress()], windows: [w]}), NOW).actions).to.deep.equal([])
  })

  it('refuses to restore from a tampered original and says why', () => {
    const target = ingress('shop', {
      'kubectl-maintenance.io/backend': 'maintenance-abc',
      'kubectl-maintenance.io/original': '{not json',
      'kubectl-maintenance.io/window': 'gone',
    }, {'kubectl-maintenance.io/active': 'true'})
    const result = plan(observed({backends: [readyBackend('maintenance-abc')], targets: [target]}), NOW)
    expect(types(result.actions)).to.deep.equal(['targetEvent'])
    expect(result.problems[0]).to.match(/not valid JSON/)
  })

  it('marks a window whose page does not exist Failed instead of switching to a broken page', () => {
    const w = window('w', NOW - 1000, NOW + 60 * MIN, {page: 'missing'})
    const result = plan(observed({targets: [ingress()], windows: [w]}), NOW)
    expect(types(result.actions)).to.deep.equal(['setPhase'])
    const phase = result.actions[0]
    if (phase.type !== 'setPhase') return
    expect(phase.phase).to.equal('Failed')
    expect(phase.message).to.match(/page "missing" not found/)
  })

  it('switches a recurring window at each occurrence and restores between them, in its own zone', () => {
    // Every day at 03:30 Berlin time (02:30 UTC in winter) for one hour.
    const w = window('nightly', Date.parse('2026-12-01T00:00:00Z'), undefined, {duration: '1h', every: '30 3 * * *', phase: 'Scheduled'})
    const during = Date.parse('2026-12-25T02:45:00Z')
    const name = plan(observed({targets: [ingress()], windows: [w]}), during).actions.find((a) => a.type === 'createBackend')
    expect(name?.type).to.equal('createBackend')
    if (name?.type !== 'createBackend') return
    const switched = plan(observed({backends: [readyBackend(name.manifests.name)], targets: [ingress()], windows: [w]}), during)
    expect(types(switched.actions)).to.deep.equal(['switch'])
    expect(switched.nextWakeup).to.equal(Date.parse('2026-12-25T03:30:00Z'))

    const between = plan(observed({targets: [ingress()], windows: [w]}), Date.parse('2026-12-25T12:00:00Z'))
    expect(types(between.actions)).to.deep.equal([])
    expect(between.nextWakeup).to.equal(Date.parse('2026-12-26T02:30:00Z') - DEFAULT_PLAN_OPTIONS.leadTimeMs)
  })

  it('marks a window Scheduled when first seen and Active once its targets are switched', () => {
    const future = window('w', NOW + 60 * MIN, NOW + 120 * MIN)
    const scheduled = plan(observed({targets: [ingress()], windows: [future]}), NOW)
    expect(scheduled.actions.map((a) => a.type === 'setPhase' && a.phase)).to.deep.equal(['Scheduled'])
  })

  it('serves two targets switched by the enable annotation in one namespace each with the page it asks for, whatever the list order', () => {
    const page = (name: string) => ({assets: {}, html: `<p>page ${name}</p>`, name, status: 503})
    const pages = new Map([['shop', new Map([['alpha', page('alpha')], ['beta', page('beta')]])]])
    const a = ingress('a', {'kubectl-maintenance.io/enabled': 'true', 'kubectl-maintenance.io/page': 'alpha'})
    const b = ingress('b', {'maintenance-operator.mithucste30.io/custom-page': 'beta', 'maintenance-operator.mithucste30.io/enabled': 'true'})
    const created = plan(observed({pages, targets: [a, b]}), NOW).actions.flatMap((action) => (action.type === 'createBackend' ? [action.manifests] : []))
    expect(created.map((manifests) => JSON.stringify(manifests.configMap).includes('page alpha'))).to.deep.equal([true, false])
    expect(created.map((manifests) => JSON.stringify(manifests.configMap).includes('page beta'))).to.deep.equal([false, true])
    const backends = created.map((manifests) => readyBackend(manifests.name))
    for (const targets of [[a, b], [b, a]]) {
      const switches = plan(observed({backends, pages, targets}), NOW).actions.flatMap((action) => (action.type === 'switch' ? [[action.target.ref.name, action.backend]] : []))
      expect(Object.fromEntries(switches)).to.deep.equal({a: created[0].name, b: created[1].name})
    }
  })
})
