import {expect} from 'chai'

import {type ApiServer, startApiServer} from '../apiserver.js'
import {CM, call, configMap, dig, get, post} from './test-client.js'

const SSAR = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'

function review(verb: string, resource: string, namespace?: string): Record<string, unknown> {
  return {apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {resourceAttributes: {verb, resource, namespace, group: ''}}}
}

describe('in-process API server: fault injection and the request log', () => {
  let server: ApiServer
  beforeEach(async () => {
    server = await startApiServer()
  })
  afterEach(() => server.close())

  it('fails every request after the n-th with failAfter', async () => {
    server.faults.failAfter(2, 503)
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await get(server, CM)).status)
    expect(statuses).to.deep.equal([200, 200, 503, 503])
  })

  it('fails exactly the listed request numbers, counting from the call', async () => {
    await get(server, CM)
    server.faults.failRequests([2, 3], 409)
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await get(server, CM)).status)
    expect(statuses).to.deep.equal([200, 409, 409, 200])
  })

  it('fails a seeded random share of requests, the same way for the same seed', async () => {
    const seed = 20250101
    const run = async (): Promise<number[]> => {
      server.faults.clear()
      server.faults.randomly({rate: 0.5, seed, statuses: [500, 429, 409]})
      const statuses = []
      for (let i = 0; i < 30; i++) statuses.push((await get(server, CM)).status)
      return statuses
    }
    const first = await run()
    expect(await run(), `seed ${seed}`).to.deep.equal(first)
    expect(first.filter((status) => status !== 200).length).to.be.within(5, 25)
    expect(new Set(first)).to.include(429)
  })

  it('delays answers with latency', async () => {
    server.faults.latency(100)
    const started = Date.now()
    await get(server, CM)
    expect(Date.now() - started).to.be.greaterThanOrEqual(95)
  })

  it('denies matching requests with 403 and answers SelfSubjectAccessReview accordingly', async () => {
    server.faults.deny('create', 'configmaps', 'default')
    expect((await post(server, CM, configMap('a'))).status).to.equal(403)
    expect((await post(server, '/api/v1/namespaces/kube-system/configmaps', configMap('a', 'kube-system'))).status).to.equal(201)
    const denied = await post(server, SSAR, review('create', 'configmaps', 'default'))
    expect(denied.status).to.equal(201)
    expect(dig(denied.body, 'status.allowed')).to.equal(false)
    const allowed = await post(server, SSAR, review('get', 'configmaps', 'default'))
    expect(dig(allowed.body, 'status.allowed')).to.equal(true)
    server.faults.clear()
    expect((await post(server, CM, configMap('a'))).status).to.equal(201)
  })

  it('logs every request in order; writes() leaves out reads, dry runs and access reviews', async () => {
    server.clearLog()
    await get(server, CM)
    await post(server, CM, configMap('a'))
    await call(server, 'POST', `${CM}?dryRun=All`, configMap('b'))
    await post(server, SSAR, review('get', 'configmaps'))
    await call(server, 'PATCH', `${CM}/a`, {data: {x: '1'}}, 'application/merge-patch+json')
    expect(server.requests.map((entry) => `${entry.method} ${entry.status}`)).to.deep.equal(['GET 200', 'POST 201', 'POST 201', 'POST 201', 'PATCH 200'])
    expect(server.requests[2]).to.deep.include({dryRun: true, query: {dryRun: 'All'}})
    expect(server.writes().map((entry) => entry.method)).to.deep.equal(['POST', 'PATCH'])
    expect(server.writes()[1]).to.deep.include({contentType: 'application/merge-patch+json', body: {data: {x: '1'}}, path: `${CM}/a`})
  })

  it('seeds and reads objects directly without logging requests, and refuses invalid seeds', () => {
    server.clearLog()
    server.seed(configMap('a', 'default', {k: 'v'}))
    expect(server.object('v1', 'ConfigMap', 'default', 'a')).to.deep.include({data: {k: 'v'}})
    expect(server.objects('v1', 'ConfigMap', 'default').map((object) => dig(object, 'metadata.name'))).to.deep.equal(['a'])
    expect(server.requests).to.deep.equal([])
    expect(() => server.seed(configMap('b', 'nowhere'))).to.throw('namespaces "nowhere" not found')
    expect(() => server.seed(configMap('Bad'))).to.throw(/is invalid/)
  })
})
