import {expect} from 'chai'

import {type ApiServer, startApiServer} from '../apiserver.js'
import {Faults} from './faults.js'
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

  it('adds a seeded jitter to the fixed latency: the same delays for the same seed, each within [fixed, fixed + jitter)', () => {
    const seed = 20261130
    const delays = (): number[] => {
      const faults = new Faults()
      faults.latency(20, {jitterMs: 10, seed})
      return Array.from({length: 50}, () => faults.next().delayMs)
    }
    const first = delays()
    expect(delays(), `seed ${seed}`).to.deep.equal(first)
    expect(Math.min(...first)).to.be.at.least(20)
    expect(Math.max(...first)).to.be.below(30)
    expect(new Set(first).size, 'jittered, not fixed').to.be.greaterThan(5)
  })

  it('rejects a seeded share of requests as API Priority and Fairness does: 429, Retry-After, plain text, not a Status', async () => {
    const seed = 4290
    server.faults.throttle({rate: 0.3, seed})
    const replies = []
    for (let i = 0; i < 40; i++) replies.push(await get(server, CM))
    const rejected = replies.filter((reply) => reply.status === 429)
    expect(rejected.length, `seed ${seed}`).to.be.within(4, 20)
    expect(replies.filter((reply) => reply.status !== 429).every((reply) => reply.status === 200)).to.equal(true)
    const [first] = rejected
    expect(first.text).to.equal('Too many requests, please try again later.\n')
    expect(first.headers.get('retry-after')).to.equal('1')
    expect(first.headers.get('content-type')).to.equal('text/plain; charset=utf-8')
    expect(first.headers.get('x-content-type-options')).to.equal('nosniff')
    for (const reply of [first, replies.find((candidate) => candidate.status === 200)!]) {
      expect(reply.headers.get('x-kubernetes-pf-flowschema-uid')).to.match(/^[\da-f-]{36}$/)
      expect(reply.headers.get('x-kubernetes-pf-prioritylevel-uid')).to.match(/^[\da-f-]{36}$/)
    }
    server.faults.clear()
    const again = []
    server.faults.throttle({rate: 0.3, seed})
    for (let i = 0; i < 40; i++) again.push((await get(server, CM)).status)
    expect(again, `seed ${seed}: the same requests are rejected`).to.deep.equal(replies.map((reply) => reply.status))
  })

  it('rejects chosen requests as APF does for a saturated priority level: the first n of a verb and resource, before authorization', async () => {
    server.faults.throttleFor('create', 'configmaps', {namespace: 'default', retryAfterSeconds: 3, times: 2})
    server.faults.deny('create', 'configmaps', 'default')
    const first = await post(server, CM, configMap('a'))
    expect(first.status).to.equal(429)
    expect(first.headers.get('retry-after')).to.equal('3')
    expect(first.text).to.equal('Too many requests, please try again later.\n')
    expect((await get(server, CM)).status, 'a list is not a create').to.equal(200)
    expect((await post(server, '/api/v1/namespaces/kube-system/configmaps', configMap('a', 'kube-system'))).status, 'another namespace').to.equal(201)
    expect((await post(server, CM, configMap('a'))).status).to.equal(429)
    expect((await post(server, CM, configMap('a'))).status, 'after two, authorization answers').to.equal(403)
  })

  it('logs how many requests were in flight when each arrived, and when each was answered', async () => {
    server.clearLog()
    await get(server, CM)
    await get(server, CM)
    expect(server.requests.map((entry) => entry.inFlight)).to.deep.equal([1, 1])
    expect(server.requests.every((entry) => entry.endedAt !== undefined && entry.endedAt >= entry.at)).to.equal(true)
    server.clearLog()
    server.faults.latency(200)
    await Promise.all(Array.from({length: 6}, () => get(server, CM)))
    expect(Math.max(...server.requests.map((entry) => entry.inFlight))).to.equal(6)
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
