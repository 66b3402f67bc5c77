import {expect} from 'chai'

import type {Action, Observed, ObservedBackend, ObservedTarget} from '../../src/engine/types.js'
import type {Window} from '../../src/model/window.js'
import type {BackendManifests} from '../../src/render/backend.js'

import {plan} from '../../src/engine/plan.js'
import {engineMadeBackend} from './backends.js'

const NOW = Date.parse('2026-12-24T21:00:00Z')
const MIN = 60_000
const INPUTS = 'kubectl-maintenance.io/render-inputs'

function ingress(): ObservedTarget {
  return {
    namespace: 'shop',
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {annotations: {}, labels: {}, name: 'shop', namespace: 'shop', resourceVersion: '7', uid: 'uid-shop'},
      spec: {rules: [{host: 'shop.example.com', http: {paths: [{backend: {service: {name: 'web', port: {number: 80}}}, path: '/', pathType: 'Prefix'}]}}]},
    },
    ref: {kind: 'ingress', name: 'shop'},
  }
}

function window(extra: Partial<Window> = {}): Window {
  return {end: NOW + 60 * MIN, message: 'Upgrading the database', name: 'w', namespace: 'shop', page: 'default', start: NOW - 1000, targets: [{kind: 'ingress', name: 'shop'}], timezone: 'Europe/Berlin', ...extra}
}

function observed(parts: Partial<Observed>): Observed {
  return {backends: [], invalidWindows: [], pages: new Map(), targets: [ingress()], windows: [window()], ...parts}
}

/** What the engine renders for `w`, planned with nothing observed. */
function rendered(w: Window): BackendManifests {
  const create = plan(observed({windows: [w]}), NOW).actions.find((a) => a.type === 'createBackend')
  if (create?.type !== 'createBackend') throw new Error('no backend planned')
  return create.manifests
}

function inputsOf(manifests: BackendManifests): string {
  return (manifests.configMap as {metadata: {annotations: Record<string, string>}}).metadata.annotations[INPUTS]
}

/**
 * A ready backend claiming `inputs`, whose ConfigMap holds content the plan cannot tell from the real rendering:
 * served only if the plan took it for those inputs without rendering (rendering would find the content differs).
 */
function claiming(name: string, inputs: string, changes: Partial<ObservedBackend> = {}, namespace = 'shop'): ObservedBackend {
  const backend = engineMadeBackend(name, 'content-not-compared', NOW - MIN, namespace)
  return {...backend, configMap: {...backend.configMap!, renderInputs: inputs}, ...changes}
}

function switchedTo(actions: Action[]): string[] {
  return actions.flatMap((a) => (a.type === 'switch' ? [a.backend] : []))
}

function created(actions: Action[]): string[] {
  return actions.flatMap((a) => (a.type === 'createBackend' ? [a.manifests.name] : []))
}

describe('plan: a backend made for the same render inputs is served without rendering again', () => {
  const genuine = rendered(window())
  const inputs = inputsOf(genuine)

  it('keeps on the backend the digest of everything its page is rendered from, and a change of message, end or page changes it', () => {
    expect(inputs).to.match(/^[0-9a-f]{64}$/)
    expect(inputsOf(rendered(window()))).to.equal(inputs)
    expect(inputsOf(rendered(window({message: 'Moved to 23:00'})))).to.not.equal(inputs)
    expect(inputsOf(rendered(window({end: NOW + 90 * MIN})))).to.not.equal(inputs)
    expect(inputsOf(rendered(window({contact: 'ops@example.com'})))).to.not.equal(inputs)
  })

  it('serves the complete, ready backend claiming the window\'s inputs as it is: no rendering, nothing created', () => {
    const result = plan(observed({backends: [claiming(genuine.name, inputs)]}), NOW)
    expect(created(result.actions)).to.deep.equal([])
    expect(switchedTo(result.actions)).to.deep.equal([genuine.name])
  })

  it('renders again when the window changed: the new page gets its own backend', () => {
    const moved = window({message: 'Moved to 23:00'})
    const result = plan(observed({backends: [claiming(genuine.name, inputs)], windows: [moved]}), NOW)
    expect(created(result.actions)).to.deep.equal([rendered(moved).name])
    expect(rendered(moved).name).to.not.equal(genuine.name)
  })

  describe('a claim it does not trust is rendered over, as before', () => {
    const cases: Array<[string, ObservedBackend[]]> = [
      ['a backend of another namespace claims the inputs', [claiming(genuine.name, inputs, {}, 'attacker')]],
      ['two backends claim the same inputs', [claiming(genuine.name, inputs), claiming('maintenance-00000abcde', inputs)]],
      ['its ConfigMap\'s content does not match the hash in its name', [claiming(genuine.name, inputs, {configMap: {digest: 'x', matchesName: false, renderInputs: inputs, uid: `cm-${genuine.name}`}})]],
      ['its ConfigMap is not marked as the engine\'s', [claiming(genuine.name, inputs, {configMap: {digest: 'x', foreign: 'it lacks the managed-by label', matchesName: true, renderInputs: inputs, uid: `cm-${genuine.name}`}})]],
      ['its Deployment is owned by another ConfigMap', [claiming(genuine.name, inputs, {deployment: {ownerUid: 'cm-other', uid: 'deploy'}})]],
      ['its Deployment is missing', [claiming(genuine.name, inputs, {deployment: undefined, hasDeployment: false})]],
      ['it is not ready', [claiming(genuine.name, inputs, {ready: false})]],
    ]
    for (const [what, backends] of cases) {
      it(`${what}: the pass renders, and never switches to content it did not render`, () => {
        const result = plan(observed({backends}), NOW)
        const planned = result.actions.filter((a) => a.type === 'createBackend' && a.namespace === 'shop')
        expect(planned, 'the rendered backend is made (or its wrong ConfigMap replaced)').to.have.length(1)
        expect(switchedTo(result.actions)).to.deep.equal([])
      })
    }
  })
})
