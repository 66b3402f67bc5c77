import {expect} from 'chai'

import {type ApiServer, startApiServer} from '../apiserver.js'
import {CM, call} from './test-client.js'

interface Entry {
  manager: string
  operation: string
  apiVersion: string
  time: string
  fieldsType: string
  fieldsV1: Record<string, unknown>
}

const APPLY = 'application/apply-patch+yaml'
const MERGE = 'application/merge-patch+json'

function managers(body: Record<string, unknown>): Record<string, Entry> {
  const entries = ((body.metadata as {managedFields?: Entry[]}).managedFields ?? [])
  return Object.fromEntries(entries.map((entry) => [`${entry.manager}/${entry.operation}`, entry]))
}

function cm(data: Record<string, string>, labels?: Record<string, string>): Record<string, unknown> {
  return {apiVersion: 'v1', data, kind: 'ConfigMap', metadata: {name: 'app', ...(labels ? {labels} : {})}}
}

describe('in-process API server: managedFields', () => {
  let server: ApiServer
  beforeEach(async () => {
    server = await startApiServer()
  })
  afterEach(() => server.close())

  it('records the creator as an Update manager owning every field it set, named by fieldManager or else the User-Agent', async () => {
    const named = await call(server, 'POST', `${CM}?fieldManager=alice`, cm({a: '1'}, {team: 'shop'}))
    expect(managers(named.body)).to.have.all.keys('alice/Update')
    const entry = managers(named.body)['alice/Update']
    expect(entry).to.include({apiVersion: 'v1', fieldsType: 'FieldsV1'})
    expect(entry.time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(entry.fieldsV1).to.deep.equal({'f:data': {'f:a': {}}, 'f:metadata': {'f:labels': {'f:team': {}}}})

    const anonymous = await call(server, 'POST', CM, {...cm({b: '2'}), metadata: {name: 'other'}}, 'application/json', {'User-Agent': 'curl/8.5.0'})
    expect(managers(anonymous.body)).to.have.all.keys('curl/Update')
  })

  it('moves a field to the manager that changes its value, and forgets fields that are gone', async () => {
    await call(server, 'POST', `${CM}?fieldManager=alice`, cm({a: '1', b: '2'}))
    const edited = await call(server, 'PATCH', `${CM}/app?fieldManager=bob`, {data: {a: '10', b: null}}, MERGE)
    const byManager = managers(edited.body)
    expect(byManager['bob/Update'].fieldsV1).to.deep.equal({'f:data': {'f:a': {}}})
    expect(byManager).to.not.have.property('alice/Update')
  })

  it('answers 409 when an apply would change a field another manager owns, and transfers it with force', async () => {
    await call(server, 'POST', `${CM}?fieldManager=alice`, cm({a: '1', b: '2'}))
    const refused = await call(server, 'PATCH', `${CM}/app?fieldManager=argocd-controller`, cm({a: '9'}), APPLY)
    expect(refused.status).to.equal(409)
    expect(refused.body).to.include({reason: 'Conflict'})
    expect(String(refused.body.message)).to.include('Apply failed with 1 conflict: conflict with "alice" using v1: .data.a')

    const forced = await call(server, 'PATCH', `${CM}/app?fieldManager=argocd-controller&force=true`, cm({a: '9'}), APPLY)
    expect(forced.status).to.equal(200)
    const byManager = managers(forced.body)
    expect(byManager['argocd-controller/Apply'].fieldsV1).to.deep.equal({'f:data': {'f:a': {}}})
    expect(byManager['alice/Update'].fieldsV1).to.deep.equal({'f:data': {'f:b': {}}})
  })

  it('shares a field applied with the same value, and leaves object and time alone for an apply that changes nothing', async () => {
    await call(server, 'POST', `${CM}?fieldManager=alice`, cm({a: '1'}))
    const shared = await call(server, 'PATCH', `${CM}/app?fieldManager=flux`, cm({a: '1'}), APPLY)
    expect(shared.status).to.equal(200)
    expect(managers(shared.body)['alice/Update'].fieldsV1).to.deep.equal({'f:data': {'f:a': {}}})
    expect(managers(shared.body)['flux/Apply'].fieldsV1).to.deep.equal({'f:data': {'f:a': {}}})
    const again = await call(server, 'PATCH', `${CM}/app?fieldManager=flux`, cm({a: '1'}), APPLY)
    expect((again.body.metadata as {resourceVersion: string}).resourceVersion).to.equal((shared.body.metadata as {resourceVersion: string}).resourceVersion)
    expect(managers(again.body)['flux/Apply'].time).to.equal(managers(shared.body)['flux/Apply'].time)
  })

  it('keys list items by their merge key and marks the item itself', async () => {
    const service = {apiVersion: 'v1', kind: 'Service', metadata: {name: 'db'}, spec: {ports: [{name: 'pg', port: 5432, targetPort: 5432}], selector: {app: 'db'}}}
    const created = await call(server, 'POST', '/api/v1/namespaces/default/services?fieldManager=alice', service)
    const fields = managers(created.body)['alice/Update'].fieldsV1 as {'f:spec': Record<string, Record<string, unknown>>}
    expect(fields['f:spec']['f:ports']).to.have.property('k:{"port":5432,"protocol":"TCP"}')
    expect(fields['f:spec']['f:ports']['k:{"port":5432,"protocol":"TCP"}']).to.include.keys('.', 'f:name', 'f:targetPort', 'f:protocol')
    expect(fields['f:spec']['f:selector']).to.deep.equal({'f:app': {}})
  })
})
