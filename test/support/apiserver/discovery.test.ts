import {expect} from 'chai'

import {type ApiServer, startApiServer} from '../apiserver.js'
import {dig, get} from './test-client.js'

type Resource = {name: string; namespaced: boolean; kind: string; verbs: string[]; shortNames?: string[]}

async function resources(server: ApiServer, path: string): Promise<Resource[]> {
  return (await get(server, path)).body.resources as Resource[]
}

describe('in-process API server: discovery', () => {
  let server: ApiServer
  beforeEach(async () => {
    server = await startApiServer({crds: ['traefik.io', 'gateway.networking.k8s.io']})
  })
  afterEach(() => server.close())

  it('serves /api, /version and the core APIResourceList with short names, scope and verbs', async () => {
    expect((await get(server, '/api')).body.versions).to.deep.equal(['v1'])
    expect(dig((await get(server, '/version')).body, 'major')).to.equal('1')
    const core = await resources(server, '/api/v1')
    const byName = new Map(core.map((resource) => [resource.name, resource]))
    expect(byName.get('namespaces')).to.deep.include({namespaced: false, kind: 'Namespace', shortNames: ['ns']})
    expect(byName.get('configmaps')).to.deep.include({namespaced: true, kind: 'ConfigMap', shortNames: ['cm']})
    expect(byName.get('services')?.shortNames).to.deep.equal(['svc'])
    expect(byName.get('configmaps')?.verbs).to.include.members(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'])
    expect(byName.has('pods')).to.equal(true)
  })

  it('lists served groups at /apis and their resources at /apis/G/V', async () => {
    const groups = ((await get(server, '/apis')).body.groups as {name: string}[]).map((group) => group.name)
    expect(groups).to.include.members(['apps', 'networking.k8s.io', 'batch', 'rbac.authorization.k8s.io', 'authorization.k8s.io', 'events.k8s.io', 'traefik.io', 'gateway.networking.k8s.io'])
    expect(groups).to.not.include('traefik.containo.us')
    const apps = await resources(server, '/apis/apps/v1')
    expect(apps.map((resource) => resource.name)).to.include.members(['deployments', 'deployments/status'])
    expect(apps.find((resource) => resource.name === 'deployments')?.shortNames).to.deep.equal(['deploy'])
    const networking = await resources(server, '/apis/networking.k8s.io/v1')
    expect(networking.find((resource) => resource.name === 'ingresses')?.shortNames).to.deep.equal(['ing'])
    const batch = await resources(server, '/apis/batch/v1')
    expect(batch.find((resource) => resource.name === 'cronjobs')?.shortNames).to.deep.equal(['cj'])
    const reviews = await resources(server, '/apis/authorization.k8s.io/v1')
    expect(reviews[0]).to.deep.include({name: 'selfsubjectaccessreviews', namespaced: false, verbs: ['create']})
  })

  it('answers 404 text/plain for a CRD group that is switched off, and drops it from /apis', async () => {
    const off = await get(server, '/apis/traefik.containo.us/v1alpha1')
    expect(off.status).to.equal(404)
    expect(off.headers.get('content-type')).to.match(/^text\/plain/)
    expect(off.text).to.equal('404 page not found\n')
    server.setServedGroups(['traefik.containo.us'])
    expect((await get(server, '/apis/traefik.containo.us/v1alpha1')).status).to.equal(200)
    expect((await get(server, '/apis/traefik.io/v1alpha1/namespaces/default/ingressroutes')).status).to.equal(404)
    const groups = ((await get(server, '/apis')).body.groups as {name: string}[]).map((group) => group.name)
    expect(groups).to.include('traefik.containo.us').and.not.include('traefik.io')
  })

  it('answers a NotFound Status for an unknown resource in a served group', async () => {
    const reply = await get(server, '/apis/apps/v1/namespaces/default/statefulsets')
    expect(reply.status).to.equal(404)
    expect(reply.body).to.deep.include({kind: 'Status', reason: 'NotFound', message: 'the server could not find the requested resource'})
  })
})
