import {expect} from 'chai'

import {type ApiServer, startApiServer} from '../apiserver.js'
import {CM, call, configMap, del, deployment, dig, get, post, put} from './test-client.js'

const IR = '/apis/traefik.io/v1alpha1/namespaces/default/ingressroutes'
const DEPLOY = '/apis/apps/v1/namespaces/default/deployments'

function ingressRoute(name: string): Record<string, unknown> {
  return {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'IngressRoute',
    metadata: {name},
    spec: {entryPoints: ['web'], routes: [{match: 'Host(`a.example.com`)', kind: 'Rule', services: [{name: 'web', port: 80}]}]},
  }
}

describe('in-process API server: object metadata and writes', () => {
  let server: ApiServer
  beforeEach(async () => {
    server = await startApiServer()
  })
  afterEach(() => server.close())

  it('keeps one global resourceVersion counter across resources, as strings', async () => {
    const a = await post(server, CM, configMap('a'))
    const b = await post(server, IR, ingressRoute('b'))
    const list = await get(server, CM)
    const rvA = Number(dig(a.body, 'metadata.resourceVersion'))
    expect(dig(a.body, 'metadata.resourceVersion')).to.be.a('string')
    expect(dig(b.body, 'metadata.resourceVersion')).to.equal(String(rvA + 1))
    expect(dig(list.body, 'metadata.resourceVersion')).to.equal(String(rvA + 1))
  })

  it('assigns uid and creationTimestamp, fills the namespace from the URL and omits generation for kinds without it', async () => {
    const reply = await post(server, CM, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'a'}})
    expect(reply.status).to.equal(201)
    expect(dig(reply.body, 'metadata.uid')).to.match(/^[0-9a-f-]{36}$/)
    expect(dig(reply.body, 'metadata.creationTimestamp')).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(dig(reply.body, 'metadata.namespace')).to.equal('default')
    expect(dig(reply.body, 'metadata.generation')).to.equal(undefined)
  })

  it('bumps generation on spec changes only', async () => {
    const created = await post(server, DEPLOY, deployment('web'))
    expect(dig(created.body, 'metadata.generation')).to.equal(1)
    const labelled = await call(server, 'PATCH', `${DEPLOY}/web`, {metadata: {labels: {x: 'y'}}}, 'application/merge-patch+json')
    expect(dig(labelled.body, 'metadata.generation')).to.equal(1)
    const scaled = await call(server, 'PATCH', `${DEPLOY}/web`, {spec: {replicas: 3}}, 'application/merge-patch+json')
    expect(dig(scaled.body, 'metadata.generation')).to.equal(2)
  })

  it('rejects a body whose name or namespace differs from the URL with 400 BadRequest', async () => {
    const created = await post(server, CM, configMap('a'))
    const wrongName = await put(server, `${CM}/a`, {...created.body, metadata: {...(created.body.metadata as object), name: 'b'}})
    expect(wrongName.status).to.equal(400)
    expect(wrongName.body.message).to.equal('the name of the object (b) does not match the name on the URL (a)')
    const wrongNamespace = await post(server, CM, configMap('c', 'kube-system'))
    expect(wrongNamespace.status).to.equal(400)
    expect(wrongNamespace.body.message).to.equal('the namespace of the provided object does not match the namespace sent on the request')
  })

  it('generates a name from generateName', async () => {
    const reply = await post(server, CM, {metadata: {generateName: 'job-'}})
    expect(dig(reply.body, 'metadata.name')).to.match(/^job-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
  })

  it('allows an unconditional PUT (no resourceVersion) for built-in kinds', async () => {
    await post(server, CM, configMap('a'))
    const reply = await put(server, `${CM}/a`, configMap('a', 'default', {k: 'v'}))
    expect(reply.status).to.equal(200)
    expect(dig(reply.body, 'data.k')).to.equal('v')
  })

  it('requires a resourceVersion on PUT for custom resources', async () => {
    await post(server, IR, ingressRoute('r'))
    const reply = await put(server, `${IR}/r`, ingressRoute('r'))
    expect(reply.status).to.equal(422)
    expect(reply.body.message).to.equal('IngressRoute.traefik.io "r" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update')
  })

  it('answers 404 for a PUT of an object that does not exist', async () => {
    const reply = await put(server, `${CM}/nope`, configMap('nope'))
    expect(reply.status).to.equal(404)
  })

  it('ignores .status on writes to the main resource and changes only .status through /status', async () => {
    const created = await post(server, DEPLOY, {...deployment('web'), status: {replicas: 99}})
    expect(dig(created.body, 'status.replicas')).to.equal(1)
    const current = (await get(server, `${DEPLOY}/web`)).body
    const viaMain = await put(server, `${DEPLOY}/web`, {...current, status: {replicas: 42}})
    expect(dig(viaMain.body, 'status.replicas')).to.equal(1)
    const latest = (await get(server, `${DEPLOY}/web`)).body
    const viaStatus = await put(server, `${DEPLOY}/web/status`, {...latest, spec: {...(latest.spec as object), replicas: 5}, status: {replicas: 7}})
    expect(viaStatus.status).to.equal(200)
    expect(dig(viaStatus.body, 'status.replicas')).to.equal(7)
    expect(dig(viaStatus.body, 'spec.replicas')).to.equal(1)
  })

  it('treats an update that changes nothing as a no-op without a new resourceVersion', async () => {
    const created = await post(server, CM, configMap('a', 'default', {k: 'v'}))
    const reply = await put(server, `${CM}/a`, created.body)
    expect(dig(reply.body, 'metadata.resourceVersion')).to.equal(dig(created.body, 'metadata.resourceVersion'))
  })

  it('deletes a ConfigMap answering Status Success, and a custom resource answering the object', async () => {
    const created = await post(server, CM, configMap('a'))
    const reply = await del(server, `${CM}/a`, {kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background'})
    expect(reply.body).to.deep.equal({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: {name: 'a', kind: 'configmaps', uid: dig(created.body, 'metadata.uid')}})
    expect((await get(server, `${CM}/a`)).status).to.equal(404)
    await post(server, IR, ingressRoute('r'))
    const deletedRoute = await del(server, `${IR}/r`)
    expect(deletedRoute.body).to.deep.include({kind: 'IngressRoute'})
  })

  it('enforces delete preconditions with 409 Conflict', async () => {
    await post(server, CM, configMap('a'))
    const reply = await del(server, `${CM}/a`, {preconditions: {resourceVersion: '1'}})
    expect(reply.status).to.equal(409)
    expect(reply.body.message).to.match(/^Operation cannot be fulfilled on configmaps "a": Precondition failed: ResourceVersion in precondition: 1/)
  })

  it('deletes a namespace by going Terminating, then removing it and its content', async () => {
    await post(server, '/api/v1/namespaces', {metadata: {name: 'shop'}})
    await post(server, '/api/v1/namespaces/shop/configmaps', configMap('a', 'shop'))
    const reply = await del(server, '/api/v1/namespaces/shop')
    expect(dig(reply.body, 'status.phase')).to.equal('Terminating')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect((await get(server, '/api/v1/namespaces/shop')).status).to.equal(404)
    expect(server.object('v1', 'ConfigMap', 'shop', 'a')).to.equal(undefined)
  })

  it('creates core v1 Events with their fields', async () => {
    const event = {
      metadata: {name: 'web.1'},
      involvedObject: {kind: 'Ingress', namespace: 'default', name: 'web', apiVersion: 'networking.k8s.io/v1'},
      reason: 'MaintenanceStarted',
      message: 'switched to maintenance',
      type: 'Normal',
      count: 1,
      firstTimestamp: '2025-01-01T00:00:00Z',
      lastTimestamp: '2025-01-01T00:00:00Z',
      source: {component: 'kubectl-maintenance'},
    }
    const reply = await post(server, '/api/v1/namespaces/default/events', event)
    expect(reply.status).to.equal(201)
    expect(reply.body).to.deep.include({reason: 'MaintenanceStarted', count: 1, type: 'Normal'})
  })

  it('does not store anything or bump resourceVersion for dryRun=All writes, but validates fully', async () => {
    const created = await post(server, CM, configMap('a'))
    const before = dig(created.body, 'metadata.resourceVersion')
    const dryCreate = await call(server, 'POST', `${CM}?dryRun=All`, configMap('b'))
    expect(dryCreate.status).to.equal(201)
    expect(dig(dryCreate.body, 'metadata.uid')).to.be.a('string')
    const dryInvalid = await call(server, 'POST', `${CM}?dryRun=All`, configMap('B'))
    expect(dryInvalid.status).to.equal(422)
    const dryUpdate = await call(server, 'PUT', `${CM}/a?dryRun=All`, configMap('a', 'default', {x: '1'}))
    expect(dig(dryUpdate.body, 'data.x')).to.equal('1')
    const dryPatch = await call(server, 'PATCH', `${CM}/a?dryRun=All`, {data: {y: '2'}}, 'application/merge-patch+json')
    expect(dig(dryPatch.body, 'data.y')).to.equal('2')
    const dryDelete = await call(server, 'DELETE', `${CM}/a?dryRun=All`)
    expect(dryDelete.status).to.equal(200)
    const after = await get(server, `${CM}/a`)
    expect(after.body.data).to.deep.equal({})
    expect(dig(after.body, 'metadata.resourceVersion')).to.equal(before)
    expect((await get(server, `${CM}/b`)).status).to.equal(404)
    expect(dig((await get(server, CM)).body, 'metadata.resourceVersion')).to.equal(before)
  })
})
