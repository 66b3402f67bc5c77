import {expect} from 'chai'

import {type ApiServer, startApiServer} from '../apiserver.js'
import {CM, configMap, del, dig, get, patch, post, watchEvents} from './test-client.js'

function names(body: Record<string, unknown>): string[] {
  return (body.items as Record<string, unknown>[]).map((item) => String(dig(item, 'metadata.name')))
}

describe('in-process API server: list and watch', () => {
  let server: ApiServer
  beforeEach(async () => {
    server = await startApiServer()
    server.seed(
      {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'shop'}},
      configMap('a', 'default', {}, {tier: 'web', env: 'prod'}),
      configMap('b', 'default', {}, {tier: 'db', env: 'prod'}),
      configMap('c', 'default', {}, {tier: 'web'}),
      configMap('d', 'shop', {}, {tier: 'web'}),
    )
  })
  afterEach(() => server.close())

  it('lists with kind ConfigMapList, a resourceVersion, and items without apiVersion/kind', async () => {
    const reply = await get(server, CM)
    expect(reply.body.kind).to.equal('ConfigMapList')
    expect(reply.body.apiVersion).to.equal('v1')
    expect(dig(reply.body, 'metadata.resourceVersion')).to.match(/^\d+$/)
    expect(names(reply.body)).to.deep.equal(['a', 'b', 'c'])
    expect(dig(reply.body, 'items[0].kind')).to.equal(undefined)
  })

  it('filters by every label selector operator', async () => {
    const select = async (selector: string): Promise<string[]> => names((await get(server, `${CM}?labelSelector=${encodeURIComponent(selector)}`)).body)
    expect(await select('tier=web')).to.deep.equal(['a', 'c'])
    expect(await select('tier==web')).to.deep.equal(['a', 'c'])
    expect(await select('tier!=web')).to.deep.equal(['b'])
    expect(await select('tier in (db, web),env')).to.deep.equal(['a', 'b'])
    expect(await select('tier notin (web)')).to.deep.equal(['b'])
    expect(await select('!env')).to.deep.equal(['c'])
    expect((await get(server, `${CM}?labelSelector=${encodeURIComponent('a b c')}`)).status).to.equal(400)
  })

  it('filters by metadata.name and metadata.namespace field selectors, and rejects unsupported fields with 400', async () => {
    expect(names((await get(server, `/api/v1/configmaps?fieldSelector=metadata.name%3Dd`)).body)).to.deep.equal(['d'])
    expect(names((await get(server, `/api/v1/configmaps?fieldSelector=metadata.namespace!%3Ddefault`)).body)).to.deep.equal(['d'])
    const bad = await get(server, `${CM}?fieldSelector=spec.foo%3Dx`)
    expect(bad.status).to.equal(400)
    expect(bad.body).to.deep.include({reason: 'BadRequest', message: 'field label not supported: spec.foo'})
  })

  it('filters events by involvedObject fields', async () => {
    const event = (name: string, kind: string, object: string): Record<string, unknown> => ({metadata: {name}, involvedObject: {kind, name: object, namespace: 'default'}, reason: 'R', message: 'm', type: 'Normal'})
    await post(server, '/api/v1/namespaces/default/events', event('e1', 'Ingress', 'web'))
    await post(server, '/api/v1/namespaces/default/events', event('e2', 'Service', 'web'))
    const reply = await get(server, `/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent('involvedObject.kind=Ingress,involvedObject.name=web')}`)
    expect(names(reply.body)).to.deep.equal(['e1'])
  })

  it('lists across namespaces at the cluster-wide path', async () => {
    expect(names((await get(server, '/api/v1/configmaps?labelSelector=tier%3Dweb')).body)).to.deep.equal(['a', 'c', 'd'])
  })

  it('pages with limit and continue', async () => {
    const first = await get(server, '/api/v1/configmaps?limit=3')
    expect(names(first.body)).to.deep.equal(['a', 'b', 'c'])
    expect(dig(first.body, 'metadata.remainingItemCount')).to.equal(1)
    const token = String(dig(first.body, 'metadata.continue'))
    const second = await get(server, `/api/v1/configmaps?limit=3&continue=${encodeURIComponent(token)}`)
    expect(names(second.body)).to.deep.equal(['d'])
    expect(dig(second.body, 'metadata.continue')).to.equal(undefined)
  })

  it('serves every chunk of a list from the snapshot of its first, whatever is written in between', async () => {
    const first = await get(server, '/api/v1/configmaps?limit=2')
    expect(names(first.body)).to.deep.equal(['a', 'b'])
    const rv = dig(first.body, 'metadata.resourceVersion')
    await post(server, CM, configMap('bb'))
    await patch(server, `${CM}/c`, {data: {changed: 'yes'}}, 'application/merge-patch+json')
    await del(server, '/api/v1/namespaces/shop/configmaps/d')
    const token = encodeURIComponent(String(dig(first.body, 'metadata.continue')))
    const second = await get(server, `/api/v1/configmaps?limit=2&continue=${token}`)
    expect(names(second.body), 'created, changed and deleted after the first chunk').to.deep.equal(['c', 'd'])
    expect(dig(second.body, 'items[0].data.changed')).to.equal(undefined)
    expect(dig(second.body, 'metadata.resourceVersion')).to.equal(rv)
    expect(dig(second.body, 'metadata.continue')).to.equal(undefined)
    // A new list sees the writes.
    expect(names((await get(server, '/api/v1/configmaps')).body)).to.deep.equal(['a', 'b', 'bb', 'c'].concat(names((await get(server, '/api/v1/namespaces/kube-system/configmaps')).body)))
  })

  it('leaves remainingItemCount out when the list has selectors, as kube-apiserver does', async () => {
    const reply = await get(server, '/api/v1/configmaps?limit=1&labelSelector=tier%3Dweb')
    expect(dig(reply.body, 'metadata.continue')).to.be.a('string')
    expect(dig(reply.body, 'metadata.remainingItemCount')).to.equal(undefined)
  })

  it('answers 410 Expired for a continue token whose snapshot was compacted, with a token to go on inconsistently', async () => {
    const first = await get(server, '/api/v1/configmaps?limit=2')
    await post(server, CM, configMap('e'))
    server.compact()
    const stale = await get(server, `/api/v1/configmaps?limit=2&continue=${encodeURIComponent(String(dig(first.body, 'metadata.continue')))}`)
    expect(stale.status).to.equal(410)
    expect(dig(stale.body, 'reason')).to.equal('Expired')
    expect(String(dig(stale.body, 'message'))).to.match(/^The provided continue parameter is too old to display a consistent list result/)
    const inconsistent = String(dig(stale.body, 'metadata.continue'))
    const rest = await get(server, `/api/v1/configmaps?limit=10&continue=${encodeURIComponent(inconsistent)}`)
    expect(rest.status).to.equal(200)
    expect(names(rest.body)).to.deep.equal(['c', 'e', 'd'])
  })

  it('streams ADDED, MODIFIED and DELETED events as JSON lines from a resourceVersion', async () => {
    const rv = String(dig((await get(server, CM)).body, 'metadata.resourceVersion'))
    const events = await watchEvents(server, `${CM}?watch=1&resourceVersion=${rv}`, 3, async () => {
      await post(server, CM, configMap('e'))
      await patch(server, `${CM}/e`, {data: {x: '1'}}, 'application/merge-patch+json')
      await del(server, `${CM}/e`)
    })
    expect(events.map((event) => [event.type, dig(event, 'object.metadata.name')])).to.deep.equal([
      ['ADDED', 'e'],
      ['MODIFIED', 'e'],
      ['DELETED', 'e'],
    ])
    expect(dig(events[1], 'object.data.x')).to.equal('1')
  })

  it('replays history after an old resourceVersion and starts with ADDED for everything without one', async () => {
    const rv = String(dig((await get(server, CM)).body, 'metadata.resourceVersion'))
    await post(server, CM, configMap('late'))
    const replay = await watchEvents(server, `${CM}?watch=true&resourceVersion=${rv}`, 1)
    expect(replay.map((event) => dig(event, 'object.metadata.name'))).to.deep.equal(['late'])
    const fresh = await watchEvents(server, `${CM}?watch=true&labelSelector=tier%3Dweb`, 2)
    expect(fresh.map((event) => [event.type, dig(event, 'object.metadata.name')])).to.deep.equal([
      ['ADDED', 'a'],
      ['ADDED', 'c'],
    ])
  })

  it('sends DELETED when an object stops matching the watch selector', async () => {
    const rv = String(dig((await get(server, CM)).body, 'metadata.resourceVersion'))
    const events = await watchEvents(server, `${CM}?watch=1&resourceVersion=${rv}&labelSelector=tier%3Dweb`, 1, async () => {
      await patch(server, `${CM}/a`, {metadata: {labels: {tier: 'db'}}}, 'application/merge-patch+json')
    })
    expect(events.map((event) => [event.type, dig(event, 'object.metadata.name')])).to.deep.equal([['DELETED', 'a']])
  })

  it('marks the end of initial events with a BOOKMARK when bookmarks are allowed', async () => {
    const events = await watchEvents(server, `${CM}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`, 4)
    expect(events.map((event) => event.type)).to.deep.equal(['ADDED', 'ADDED', 'ADDED', 'BOOKMARK'])
    expect(dig(events[3], 'object.metadata.annotations')).to.deep.equal({'k8s.io/initial-events-end': 'true'})
  })

  it('ends the stream after timeoutSeconds', async () => {
    const rv = String(dig((await get(server, CM)).body, 'metadata.resourceVersion'))
    const started = Date.now()
    const events = await watchEvents(server, `${CM}?watch=1&resourceVersion=${rv}&timeoutSeconds=1`, 1)
    expect(events).to.deep.equal([])
    expect(Date.now() - started).to.be.greaterThanOrEqual(900)
  })
})
