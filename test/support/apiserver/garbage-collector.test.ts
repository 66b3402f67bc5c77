import {expect} from 'chai'

import {type ApiServer, startApiServer} from '../apiserver.js'
import {CM, configMap, del, dig, get, post} from './test-client.js'

const SVC = '/api/v1/namespaces/default/services'

function ownedService(name: string, owners: Array<{name: string; uid: string}>): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name, ownerReferences: owners.map((owner) => ({apiVersion: 'v1', controller: false, kind: 'ConfigMap', name: owner.name, uid: owner.uid}))},
    spec: {ports: [{port: 80}], selector: {app: name}},
  }
}

/** The collector runs after the request that removed the owner: poll as a client would. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error('the garbage collector did not act within a second')
}

describe('in-process API server: garbage collection of ownerReferences (kube-controller-manager)', () => {
  let server: ApiServer
  beforeEach(async () => {
    server = await startApiServer()
  })
  afterEach(() => server.close())

  async function owner(name: string): Promise<{name: string; uid: string}> {
    const reply = await post(server, CM, configMap(name))
    return {name, uid: String(dig(reply.body, 'metadata.uid'))}
  }

  it('deletes a dependent in the background once its only owner is deleted', async () => {
    const cm = await owner('page')
    expect((await post(server, SVC, ownedService('web', [cm]))).status).to.equal(201)
    expect((await del(server, `${CM}/page`)).status).to.equal(200)
    await eventually(async () => (await get(server, `${SVC}/web`)).status === 404)
  })

  it('keeps a dependent that still has an owner, dropping only the reference to the one that went', async () => {
    const a = await owner('a')
    const b = await owner('b')
    await post(server, SVC, ownedService('web', [a, b]))
    await del(server, `${CM}/a`)
    await eventually(async () => ((dig((await get(server, `${SVC}/web`)).body, 'metadata.ownerReferences') as unknown[]) ?? []).length === 1)
    expect(dig((await get(server, `${SVC}/web`)).body, 'metadata.ownerReferences[0].name')).to.equal('b')
  })

  it('deletes a dependent whose owner has the same name but another uid (the owner was recreated)', async () => {
    const first = await owner('page')
    await del(server, `${CM}/page`)
    await owner('page')
    await post(server, SVC, ownedService('web', [first]))
    await eventually(async () => (await get(server, `${SVC}/web`)).status === 404)
  })

  it('orphans dependents when the owner is deleted with propagationPolicy Orphan', async () => {
    const cm = await owner('page')
    await post(server, SVC, ownedService('web', [cm]))
    await del(server, `${CM}/page`, {apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Orphan'})
    await eventually(async () => dig((await get(server, `${SVC}/web`)).body, 'metadata.ownerReferences') === undefined)
    expect((await get(server, `${SVC}/web`)).status).to.equal(200)
  })

  it('never resolves an owner in another namespace', async () => {
    await post(server, '/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'other'}})
    const reply = await post(server, '/api/v1/namespaces/other/configmaps', configMap('page', 'other'))
    const foreign = {name: 'page', uid: String(dig(reply.body, 'metadata.uid'))}
    await post(server, SVC, ownedService('web', [foreign]))
    await eventually(async () => (await get(server, `${SVC}/web`)).status === 404)
  })

  it('refuses a delete whose uid precondition does not match with 409 Conflict, as kube-apiserver', async () => {
    await owner('page')
    const reply = await del(server, `${CM}/page`, {apiVersion: 'v1', kind: 'DeleteOptions', preconditions: {uid: '00000000-0000-0000-0000-000000000000'}})
    expect(reply.status).to.equal(409)
    expect(dig(reply.body, 'reason')).to.equal('Conflict')
    expect(String(dig(reply.body, 'message'))).to.match(/Precondition failed: UID in precondition/)
    expect((await get(server, `${CM}/page`)).status).to.equal(200)
  })
})
