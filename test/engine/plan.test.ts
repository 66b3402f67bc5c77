import {expect} from 'chai'

import type {Action, Observed, ObservedBackend, ObservedTarget} from '../../src/engine/types.js'
import type {Window} from '../../src/model/window.js'
import type {BackendManifests} from '../../src/render/backend.js'

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

/** A ready backend the engine made: its ConfigMap holds `manifests` exactly (or, by name only, content matching its name). */
function readyBackend(manifests: string | BackendManifests, createdAt = NOW - MIN): ObservedBackend {
  const name = typeof manifests === 'string' ? manifests : manifests.name
  const digest = typeof manifests === 'string' ? 'unknown' : manifests.digest
  return {
    configMap: {digest, matchesName: true, uid: `cm-${name}`},
    createdAt,
    deployment: {ownerUid: `cm-${name}`, uid: `deploy-${name}`},
    hasConfigMap: true,
    hasDeployment: true,
    hasService: true,
    name,
    namespace: 'shop',
    ready: true,
    service: {ownerUid: `cm-${name}`, uid: `svc-${name}`},
  }
}

function types(actions: Action[]): string[] {
  return actions.map((a) => a.type)
}

/** The backend a window's plan asks for, found by planning once with nothing observed. */
function backendNameFor(w: Window): BackendManifests {
  const first = plan(observed({targets: [ingress()], windows: [w]}), NOW)
  const create = first.actions.find((a) => a.type === 'createBackend')
  if (create?.type !== 'createBackend') throw new Error('no backend planned')
  return create.manifests
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
    expect(sw.annotations['kubectl-maintenance.io/backend']).to.equal(name.name)
    expect(JSON.parse(sw.annotations['kubectl-maintenance.io/original'])).to.not.equal(null)
    expect(JSON.stringify(sw.spec)).to.include(name.name)
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
      'kubectl-maintenance.io/backend': 'maintenance-00000abcde',
      'kubectl-maintenance.io/original': JSON.stringify(original),
      'kubectl-maintenance.io/window': 'w',
    }, {'kubectl-maintenance.io/active': 'true'})
    const result = plan(observed({backends: [readyBackend('maintenance-00000abcde')], targets: [target], windows: [w]}), NOW)
    expect(types(result.actions)).to.deep.equal(['restore'])
    const restore = result.actions[0]
    if (restore.type !== 'restore') return
    expect(restore.labels).to.deep.equal({})
    expect(restore.annotations).to.deep.equal({})

    const afterRestore = plan(observed({backends: [readyBackend('maintenance-00000abcde')], targets: [ingress()], windows: [w]}), NOW)
    expect(types(afterRestore.actions)).to.deep.equal(['deleteBackend', 'setPhase'])
  })

  it('never applies a cancelled window', () => {
    const w = window('w', NOW - 1000, NOW + 60 * MIN, {phase: 'Cancelled'})
    expect(plan(observed({targets: [ingress()], windows: [w]}), NOW).actions).to.deep.equal([])
  })

  it('refuses to restore from a tampered original and says why', () => {
    const target = ingress('shop', {
      'kubectl-maintenance.io/backend': 'maintenance-00000abcde',
      'kubectl-maintenance.io/original': '{not json',
      'kubectl-maintenance.io/window': 'gone',
    }, {'kubectl-maintenance.io/active': 'true'})
    const result = plan(observed({backends: [readyBackend('maintenance-00000abcde')], targets: [target]}), NOW)
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
    const switched = plan(observed({backends: [readyBackend(name.manifests)], targets: [ingress()], windows: [w]}), during)
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
})

describe('plan: what the engine owns, and caps', () => {
  const w = window('w', NOW - 1000, NOW + 60 * MIN)

  it('replaces a backend whose ConfigMap holds something else than it renders, and never switches to it', () => {
    const manifests = backendNameFor(w)
    const planted = {...readyBackend(manifests), configMap: {digest: 'planted', matchesName: false, uid: 'cm-planted'}}
    const result = plan(observed({backends: [planted], targets: [ingress()], windows: [w]}), NOW)
    expect(types(result.actions)).to.not.include('switch')
    const create = result.actions.find((a) => a.type === 'createBackend')
    if (create?.type !== 'createBackend') throw new Error('no createBackend')
    expect(create.replace).to.deep.equal([
      {part: 'configMap', uid: 'cm-planted'},
      {part: 'deployment', uid: `deploy-${manifests.name}`},
      {part: 'service', uid: `svc-${manifests.name}`},
    ])
    expect(create.ownerUid).to.equal(undefined)
    const warning = result.actions.find((a) => a.type === 'objectEvent')
    expect(warning?.type === 'objectEvent' && warning.message).to.match(/ConfigMap maintenance-\w+ is not the backend kubectl-maintenance renders .*replaced and never served/)
  })

  it('does not switch to a backend whose Deployment belongs to another ConfigMap', () => {
    const manifests = backendNameFor(w)
    const stray = {...readyBackend(manifests), deployment: {ownerUid: 'cm-older', uid: 'deploy-stray'}}
    const result = plan(observed({backends: [stray], targets: [ingress()], windows: [w]}), NOW)
    expect(types(result.actions)).to.not.include('switch')
    const create = result.actions.find((a) => a.type === 'createBackend')
    expect(create?.type === 'createBackend' && create.replace).to.deep.equal([{part: 'deployment', uid: 'deploy-stray'}])
  })

  it('deletes of an unused backend only the objects it made, with their uids, and reports the rest', () => {
    const backend = {...readyBackend('maintenance-00000abcde'), service: {foreign: 'its selector is not the one of backend pods', uid: 'svc-x'}}
    const result = plan(observed({backends: [backend], targets: [ingress()]}), NOW)
    const remove = result.actions.find((a) => a.type === 'deleteBackend')
    expect(remove?.type === 'deleteBackend' && remove.objects).to.deep.equal([
      {part: 'configMap', uid: 'cm-maintenance-00000abcde'},
      {part: 'deployment', uid: 'deploy-maintenance-00000abcde'},
    ])
    const warning = result.actions.find((a) => a.type === 'objectEvent')
    expect(warning?.type === 'objectEvent' && warning.message).to.equal(
      'Service maintenance-00000abcde looks like a backend but was not made by kubectl-maintenance (its selector is not the one of backend pods): it is left alone',
    )
  })

  it('never deletes a ConfigMap whose content does not match the hash in its name', () => {
    const backend = {...readyBackend('maintenance-00000abcde'), configMap: {digest: 'x', matchesName: false, uid: 'cm-x'}}
    const result = plan(observed({backends: [backend], targets: [ingress()]}), NOW)
    const remove = result.actions.find((a) => a.type === 'deleteBackend')
    expect(remove?.type === 'deleteBackend' && remove.objects.map((o) => o.part)).to.deep.equal(['deployment', 'service'])
  })

  it('warns about an object labelled as a backend whose name is not a backend name, and touches it never', () => {
    const lookalikes = [{apiVersion: 'v1', kind: 'ConfigMap', name: 'payments', namespace: 'shop', problem: 'its name is not maintenance-<10 lowercase hex>', uid: 'u'}]
    const result = plan(observed({lookalikes, targets: [ingress()]}), NOW)
    expect(types(result.actions)).to.deep.equal(['objectEvent'])
  })

  it('admits at most maxBackendsPerNamespace backends in a namespace and fails the windows beyond, saying why', () => {
    const windows = ['a', 'b', 'c'].map((name) => window(name, NOW - 1000, NOW + 60 * MIN, {message: `message ${name}`, targets: [{kind: 'ingress', name}]}))
    const result = plan(observed({targets: ['a', 'b', 'c'].map((name) => ingress(name)), windows}), NOW, {...DEFAULT_PLAN_OPTIONS, maxBackendsPerNamespace: 2})
    expect(result.actions.filter((a) => a.type === 'createBackend')).to.have.length(2)
    const failed = result.actions.filter((a) => a.type === 'setPhase' && a.phase === 'Failed')
    expect(failed).to.have.length(1)
    expect(failed[0].type === 'setPhase' && failed[0].message).to.match(/namespace shop already has 2 maintenance backends, the most one namespace may have \(install --max-backends 2\)/)
  })

  it('keeps planning every other object when one throws', () => {
    // A kind no module knows makes planning that one target throw.
    const inMaintenance = {'kubectl-maintenance.io/backend': 'maintenance-00000abcde', 'kubectl-maintenance.io/original': '{}'}
    const poisoned = {...ingress('poisoned', inMaintenance), ref: {kind: 'bogus', name: 'poisoned'}} as unknown as ObservedTarget
    const target = ingress('shop', {'kubectl-maintenance.io/enabled': 'true'})
    const result = plan(observed({targets: [poisoned, target]}), NOW)
    expect(types(result.actions)).to.include('createBackend')
    expect(result.problems.join('\n')).to.match(/bogus\/poisoned/)
    const warning = result.actions.find((a) => a.type === 'targetEvent')
    expect(warning?.type === 'targetEvent' && warning.eventType).to.equal('Warning')
  })
})
