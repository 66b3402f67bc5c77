import {expect} from 'chai'

import type {ObservedTarget} from '../../src/engine/types.js'

import {type ProtectedService, checkSwitch, summarizeDecisions} from '../../src/engine/switch-check.js'

function svc(name: string, namespace: string, spec: Record<string, unknown>): ObservedTarget {
  return {namespace, object: {apiVersion: 'v1', kind: 'Service', metadata: {name, namespace}, spec}, ref: {kind: 'service', name}}
}

const WEB = {ports: [{name: 'http', port: 80, targetPort: 8080}], selector: {app: 'web'}}
const WEBHOOK: ProtectedService = {by: 'validatingwebhookconfiguration/policy', name: 'policy', namespace: 'shop', reason: 'webhook'}

describe('engine/switch-check: decided before the switch', () => {
  const context = {force: false, neighbours: [], protectedServices: [WEBHOOK]}
  const cases: Array<[string, ObservedTarget, string]> = [
    ['a plain Service switches', svc('web', 'shop', WEB), 'switch'],
    ['a Service an admission webhook calls is refused', svc('policy', 'shop', WEB), 'refused: webhook'],
    ['the same name in another namespace is not', svc('policy', 'other', WEB), 'switch'],
    ['anything in kube-system is refused', svc('coredns', 'kube-system', WEB), 'refused: kube-system'],
    ['ExternalName is kept, even in kube-system (nothing would change there either)', svc('db', 'kube-system', {externalName: 'db.example.com', type: 'ExternalName'}), 'kept: externalname'],
    ['a selector-less Service is kept', svc('manual', 'shop', {ports: [{port: 80}]}), 'kept: no selector'],
    ['an empty selector is no selector', svc('manual', 'shop', {ports: [{port: 80}], selector: {}}), 'kept: no selector'],
    ['a port carrying TLS switches (to the backend TLS port)', svc('secure', 'shop', {ports: [{name: 'web', port: 8443, appProtocol: 'https'}], selector: {app: 'x'}}), 'switch'],
    ['a TLS Service in kube-system is still refused', svc('metrics', 'kube-system', {ports: [{name: 'https', port: 443}], selector: {app: 'x'}}), 'refused: kube-system'],
  ]
  for (const [title, target, expected] of cases) {
    it(title, () => {
      const decision = checkSwitch(target, context)
      expect(decision.verdict === 'switch' ? 'switch' : decision.note).to.equal(expected)
    })
  }

  it('TLS ports are served, not refused: the routing summary says (tls)', () => {
    for (const ports of [[{appProtocol: 'https', name: 'web', port: 8443}], [{name: 'https-admin', port: 9443}], [{port: 443}], [{appProtocol: 'kubernetes.io/wss', port: 8080}]]) {
      expect(checkSwitch(svc('secure', 'shop', {ports, selector: {app: 'x'}}), context), JSON.stringify(ports)).to.deep.equal({notes: ['tls'], verdict: 'switch'})
    }
    const both = checkSwitch(svc('api', 'shop', {ports: [{name: 'https', port: 443}, {name: 'grpc', port: 9090}], selector: {app: 'x'}}), context)
    expect(both).to.deep.equal({notes: ['tls', 'grpc'], verdict: 'switch'})
  })

  it('--force switches what is refused, and says so', () => {
    expect(checkSwitch(svc('policy', 'shop', WEB), {...context, force: true})).to.deep.equal({notes: ['forced: webhook'], verdict: 'switch'})
  })

  it('without the webhook list (a namespaced pass) only what the object itself shows is checked', () => {
    expect(checkSwitch(svc('policy', 'shop', WEB), {force: false, neighbours: []}).verdict).to.equal('switch')
  })

  it('a window: refusals fail it, skips fail it only when nothing else switches', () => {
    const skip = {decision: checkSwitch(svc('manual', 'shop', {ports: [{port: 80}]}), context), target: {kind: 'service' as const, name: 'manual'}}
    const sw = {decision: checkSwitch(svc('web', 'shop', WEB), context), target: {kind: 'service' as const, name: 'web'}}
    const refuse = {decision: checkSwitch(svc('policy', 'shop', WEB), context), target: {kind: 'service' as const, name: 'policy'}}
    expect(summarizeDecisions([skip]).errors).to.have.length(1)
    expect(summarizeDecisions([skip, sw])).to.deep.include({errors: []})
    expect(summarizeDecisions([skip, sw]).warnings[0]).to.match(/^service\/manual has no selector .* \(kept: no selector\)$/)
    expect(summarizeDecisions([sw, refuse]).errors[0]).to.match(/\(refused: webhook\)$/)
  })
})
