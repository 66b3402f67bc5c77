import {expect} from 'chai'
import {stringify} from 'yaml'

import {type ApiServer, startApiServer} from '../apiserver.js'
import {CM, call, configMap, deployment, dig, get, patch, post} from './test-client.js'

const JSON_PATCH = 'application/json-patch+json'
const MERGE = 'application/merge-patch+json'
const STRATEGIC = 'application/strategic-merge-patch+json'
const APPLY = 'application/apply-patch+yaml'
const DEPLOY = '/apis/apps/v1/namespaces/default/deployments'
const SVC = '/api/v1/namespaces/default/services'

describe('in-process API server: PATCH', () => {
  let server: ApiServer
  beforeEach(async () => {
    server = await startApiServer()
    await post(server, CM, {...configMap('a', 'default', {k: 'v'}), metadata: {name: 'a', annotations: {'example.com/owner': 'me'}}})
  })
  afterEach(() => server.close())

  it('applies RFC 6902 JSON Patch including test and ~1-escaped paths', async () => {
    const reply = await patch(
      server,
      `${CM}/a`,
      [
        {op: 'test', path: '/metadata/annotations/example.com~1owner', value: 'me'},
        {op: 'replace', path: '/metadata/annotations/example.com~1owner', value: 'you'},
        {op: 'add', path: '/data/n', value: '1'},
        {op: 'remove', path: '/data/k'},
      ],
      JSON_PATCH,
    )
    expect(reply.status).to.equal(200)
    expect(dig(reply.body, 'metadata.annotations')).to.deep.equal({'example.com/owner': 'you'})
    expect(reply.body.data).to.deep.equal({n: '1'})
  })

  it('answers a failing test operation with 422 as kube-apiserver does, and changes nothing', async () => {
    const before = await get(server, `${CM}/a`)
    const reply = await patch(server, `${CM}/a`, [{op: 'test', path: '/data/k', value: 'other'}, {op: 'replace', path: '/data/k', value: 'x'}], JSON_PATCH)
    expect(reply.status).to.equal(422)
    expect(reply.body).to.deep.equal({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      details: {causes: [{reason: 'UnexpectedServerResponse', message: 'testing value /data/k failed: test failed'}]},
      code: 422,
    })
    expect((await get(server, `${CM}/a`)).body).to.deep.equal(before.body)
  })

  it('answers 422 for an operation on a missing path and 400 for a patch that is not a list', async () => {
    const missing = await patch(server, `${CM}/a`, [{op: 'replace', path: '/data/nope', value: 'x'}], JSON_PATCH)
    expect(missing.status).to.equal(422)
    expect(dig(missing.body, 'details.causes[0].message')).to.equal('replace operation does not apply: doc is missing key: /data/nope: missing value')
    const notList = await patch(server, `${CM}/a`, {op: 'add'}, JSON_PATCH)
    expect(notList.status).to.equal(400)
  })

  it('applies RFC 7386 merge patch where null deletes and lists replace', async () => {
    const reply = await patch(server, `${CM}/a`, {data: {k: null, m: 'n'}, metadata: {labels: {a: 'b'}}}, MERGE)
    expect(reply.body.data).to.deep.equal({m: 'n'})
    expect(dig(reply.body, 'metadata.labels.a')).to.equal('b')
  })

  it('answers 409 Conflict for a patch carrying a stale resourceVersion', async () => {
    const reply = await patch(server, `${CM}/a`, {metadata: {resourceVersion: '1'}, data: {k: 'x'}}, MERGE)
    expect(reply.status).to.equal(409)
    expect(reply.body.reason).to.equal('Conflict')
  })

  it('merges Deployment containers by name and Service ports by port in a strategic merge patch', async () => {
    const web = deployment('web')
    ;(dig(web, 'spec.template.spec') as Record<string, unknown>).containers = [
      {name: 'web', image: 'nginx:1.27', ports: [{containerPort: 80}]},
      {name: 'sidecar', image: 'busybox:1'},
    ]
    await post(server, DEPLOY, web)
    const reply = await patch(server, `${DEPLOY}/web`, {spec: {template: {spec: {containers: [{name: 'web', image: 'nginx:1.28'}, {name: 'sidecar', $patch: 'delete'}]}}}}, STRATEGIC)
    expect(reply.status).to.equal(200)
    const containers = dig(reply.body, 'spec.template.spec.containers') as Record<string, unknown>[]
    expect(containers.map((container) => [container.name, container.image])).to.deep.equal([['web', 'nginx:1.28']])
    expect(containers[0].ports).to.deep.equal([{containerPort: 80, protocol: 'TCP'}])

    await post(server, SVC, {metadata: {name: 'web'}, spec: {selector: {app: 'web'}, ports: [{name: 'http', port: 80}, {name: 'https', port: 443}]}})
    const ports = await patch(server, `${SVC}/web`, {spec: {ports: [{port: 80, targetPort: 8080}]}}, STRATEGIC)
    expect((dig(ports.body, 'spec.ports') as unknown[]).map((port) => dig(port, 'targetPort'))).to.deep.equal([8080, 443])
  })

  it('replaces a map with the $patch: replace directive', async () => {
    const reply = await patch(server, `${CM}/a`, {data: {$patch: 'replace', only: 'this'}}, STRATEGIC)
    expect(reply.body.data).to.deep.equal({only: 'this'})
  })

  it('requires a fieldManager for server-side apply (422 on PatchOptions)', async () => {
    const reply = await patch(server, `${CM}/a`, stringify(configMap('a')), APPLY)
    expect(reply.status).to.equal(422)
    expect(reply.body.message).to.equal('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch')
  })

  it('creates with server-side apply when absent, records the manager, and removes fields the manager stopped applying', async () => {
    const first = await call(server, 'PATCH', `${CM}/b?fieldManager=tool`, stringify(configMap('b', 'default', {one: '1', two: '2'})), APPLY)
    expect(first.status).to.equal(201)
    expect((dig(first.body, 'metadata.managedFields') as Record<string, unknown>[]).map((entry) => [entry.manager, entry.operation])).to.deep.equal([['tool', 'Apply']])
    await patch(server, `${CM}/b`, {data: {other: 'x'}}, MERGE)
    const second = await call(server, 'PATCH', `${CM}/b?fieldManager=tool`, stringify(configMap('b', 'default', {one: '1'})), APPLY)
    expect(second.status).to.equal(200)
    expect(second.body.data).to.deep.equal({one: '1', other: 'x'})
  })
})
