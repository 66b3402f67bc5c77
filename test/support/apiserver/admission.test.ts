import {expect} from 'chai'

import {type ApiServer, startApiServer} from '../apiserver.js'
import {CM, call, configMap, dig, post} from './test-client.js'

const VAP = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies'
const BINDING = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings'

function policy(name: string, validation: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: {name},
    spec: {
      matchConstraints: {resourceRules: [{apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps']}]},
      validations: [validation],
      ...extra,
    },
  }
}

function binding(name: string, policyName: string, actions = ['Deny']): Record<string, unknown> {
  return {apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: {name}, spec: {policyName, validationActions: actions}}
}

describe('in-process API server: ValidatingAdmissionPolicy', () => {
  let server: ApiServer
  beforeEach(async () => {
    server = await startApiServer()
  })
  afterEach(() => server.close())

  it('is served in discovery, and not when switched off (a cluster before 1.30)', async () => {
    const resources = await call(server, 'GET', '/apis/admissionregistration.k8s.io/v1')
    expect((dig(resources.body, 'resources') as Array<{name: string}>).map((r) => r.name)).to.include.members(['validatingadmissionpolicies', 'validatingadmissionpolicybindings'])
    server.setAdmissionPolicies(false)
    const without = await call(server, 'GET', '/apis/admissionregistration.k8s.io/v1')
    expect((dig(without.body, 'resources') as Array<{name: string}>).map((r) => r.name)).to.not.include('validatingadmissionpolicies')
    expect((await call(server, 'GET', VAP)).status).to.equal(404)
  })

  it('denies with 422 Invalid and "failed expression" when the validation has no message or reason', async () => {
    await post(server, VAP, policy('small', {expression: 'size(object.data) <= 1'}))
    await post(server, BINDING, binding('small-binding', 'small'))
    const denied = await post(server, CM, configMap('big', 'default', {a: '1', b: '2'}))
    expect(denied.status).to.equal(422)
    expect(dig(denied.body, 'reason')).to.equal('Invalid')
    expect(dig(denied.body, 'message')).to.equal("ValidatingAdmissionPolicy 'small' with binding 'small-binding' denied request: failed expression: size(object.data) <= 1")
    expect((await post(server, CM, configMap('ok', 'default', {a: '1'}))).status).to.equal(201)
  })

  it('applies only with a Deny binding of an existing policy, and only where matchConditions hold', async () => {
    await post(server, VAP, policy('never', {expression: 'false', message: 'no', reason: 'Forbidden'}, {matchConditions: [{expression: "object.metadata.name != 'free'", name: 'not-free'}]}))
    await post(server, BINDING, binding('warn-only', 'never', ['Warn']))
    await post(server, BINDING, binding('dangling', 'no-such-policy'))
    expect((await post(server, CM, configMap('a'))).status).to.equal(201)
    await post(server, BINDING, binding('deny', 'never'))
    const denied = await post(server, CM, configMap('b'))
    expect(denied.status).to.equal(403)
    expect(dig(denied.body, 'message')).to.equal("ValidatingAdmissionPolicy 'never' with binding 'deny' denied request: no")
    expect((await post(server, CM, configMap('free'))).status).to.equal(201)
  })

  it('an expression that fails to evaluate denies under failurePolicy Fail and admits under Ignore', async () => {
    await post(server, VAP, policy('broken', {expression: 'object.nosuchfield == 1'}))
    await post(server, BINDING, binding('broken', 'broken'))
    const denied = await post(server, CM, configMap('a'))
    expect(denied.status).to.equal(422)
    expect(String(dig(denied.body, 'message'))).to.match(/^ValidatingAdmissionPolicy 'broken' with binding 'broken' denied request: expression 'object.nosuchfield == 1' resulted in error/)
    await call(server, 'PATCH', `${VAP}/broken`, {spec: {failurePolicy: 'Ignore'}}, 'application/merge-patch+json')
    expect((await post(server, CM, configMap('b'))).status).to.equal(201)
  })
})
