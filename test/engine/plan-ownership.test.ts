import {expect} from 'chai'

import type {Action, Observed, ObservedBackend, ObservedTarget} from '../../src/engine/types.js'
import type {Window} from '../../src/model/window.js'
import type {BackendManifests} from '../../src/render/backend.js'

import {plan} from '../../src/engine/plan.js'
import {engineMadeBackend} from './backends.js'
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
  return typeof manifests === 'string' ? engineMadeBackend(manifests, 'unknown', createdAt) : engineMadeBackend(manifests.name, manifests.digest, createdAt)
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
