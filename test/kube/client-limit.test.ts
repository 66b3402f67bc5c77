import {KubeConfig} from '@kubernetes/client-node'
import {expect} from 'chai'

import {ApiError, KubeClient, type RetryPolicy, TransientError, retryDelay} from '../../src/kube/client.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {Limiter} from '../../src/kube/limiter.js'
import {Resources} from '../../src/kube/resources.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'

const POLICY: RetryPolicy = {attempts: 5, baseDelayMs: 100, sleep: async () => {}}

describe('KubeClient: retries and the limit in flight', function () {
  this.timeout(30_000)

  describe('retryDelay', () => {
    const throttled = new TransientError('429', 429, 'TooManyRequests', 1000)
    const cases: Array<[string, unknown, number, number | undefined, number | undefined]> = [
      ['429 waits its Retry-After', throttled, 1, undefined, 1000],
      ['a Retry-After shorter than the backoff waits the backoff', new TransientError('503', 503, 'ServiceUnavailable', 100), 4, undefined, 800],
      ['500 without Retry-After backs off exponentially', new TransientError('500', 500, 'InternalError'), 3, undefined, 400],
      ['within the horizon', throttled, 1, 1000, 1000],
      ['a wait that would end past the horizon gives up', throttled, 1, 999, undefined],
      ['the last attempt gives up', throttled, 5, undefined, undefined],
      ['a refusal is never retried', new ApiError('forbidden', 403, 'Forbidden'), 1, undefined, undefined],
    ]
    for (const [name, error, attempt, msLeft, expected] of cases) {
      it(name, () => expect(retryDelay(error, attempt, POLICY, msLeft)).to.equal(expected))
    }
  })

  describe('against the in-process API server', () => {
    let server: ApiServer
    beforeEach(async () => {
      server = await startApiServer()
    })
    afterEach(() => server.close())

    function client(retry: Partial<RetryPolicy> = {}, limiter?: Limiter): KubeClient {
      const loaded = readConfig(KubeConfig, {kubeconfig: server.kubeconfigPath, namespace: 'default'})
      return new KubeClient(loaded.config, loaded.namespace, loaded.contextName, {...POLICY, ...retry}, limiter)
    }

    it('never has more requests in flight than its limit, as the API server counts them', async () => {
      server.faults.latency(20, {jitterMs: 20, seed: 7})
      const limited = client({}, new Limiter(4))
      await Promise.all(Array.from({length: 40}, () => limited.list(Resources.configMaps, 'default')))
      expect(server.requests).to.have.length(40)
      expect(Math.max(...server.requests.map((entry) => entry.inFlight))).to.equal(4)
    })

    it('has 32 requests in flight at most by default', async () => {
      server.faults.latency(100)
      const unlimited = client()
      await Promise.all(Array.from({length: 40}, () => unlimited.list(Resources.configMaps, 'default')))
      expect(Math.max(...server.requests.map((entry) => entry.inFlight))).to.equal(32)
    })

    it('counts a record view of the client against the same limit', async () => {
      server.faults.latency(20)
      const limited = client({}, new Limiter(4))
      const recorder = limited.recorder()
      await Promise.all(Array.from({length: 20}, (_unused, index) => (index % 2 === 0 ? limited : recorder).list(Resources.configMaps, 'default')))
      expect(Math.max(...server.requests.map((entry) => entry.inFlight))).to.equal(4)
    })

    it('retries an APF 429 after its Retry-After, giving its slot back while it waits', async () => {
      server.faults.throttle({rate: 1, seed: 1})
      const waits: number[] = []
      const retrying = client({
        sleep: async (ms) => {
          waits.push(ms)
          server.faults.clear()
          await new Promise((resolve) => setTimeout(resolve, ms))
        },
      }, new Limiter(1))
      await Promise.all([retrying.list(Resources.configMaps, 'default'), retrying.list(Resources.configMaps, 'kube-system')])
      expect(waits).to.deep.equal([1000])
      const mine = server.requests.filter((entry) => entry.path.endsWith('/default/configmaps'))
      expect(mine.map((entry) => entry.status)).to.deep.equal([429, 200])
      expect(mine[1].at - mine[0].at).to.be.at.least(1000)
      const theirs = server.requests.find((entry) => entry.path.endsWith('/kube-system/configmaps') && entry.status === 200)!
      expect(theirs.at, 'the other request ran while the first waited').to.be.below(mine[1].at)
    })

    it('sends a retry, once its Retry-After is over, ahead of the requests that queued while it waited', async () => {
      server.faults.latency(20)
      server.faults.throttleFor('list', 'configmaps', {namespace: 'default', times: 1})
      const queued = (entry: {path: string}) => entry.path.endsWith('/kube-system/configmaps')
      const retrying = client({
        // The Retry-After ends while 3 of the 12 requests queued behind the rejected one have been answered.
        sleep: async () => {
          while (server.requests.filter((entry) => queued(entry) && entry.endedAt !== undefined).length < 3) await new Promise((resolve) => setTimeout(resolve, 2))
        },
      }, new Limiter(1))
      const rejected = retrying.list(Resources.configMaps, 'default')
      await new Promise((resolve) => setTimeout(resolve, 5))
      await Promise.all([rejected, ...Array.from({length: 12}, () => retrying.list(Resources.configMaps, 'kube-system'))])
      const order = server.requests.map((entry) => (queued(entry) ? 'queued' : entry.status === 429 ? '429' : 'retry'))
      expect(order.slice(0, 1)).to.deep.equal(['429'])
      const retryAt = order.indexOf('retry')
      expect(retryAt, `the retry right after the request in flight when its wait ended: ${order.join(' ')}`).to.be.at.most(5)
      expect(order.slice(retryAt + 1).filter((kind) => kind === 'queued').length, 'requests queued earlier went after it').to.be.at.least(7)
    })

    it('gives up on a 429 whose Retry-After would end past the horizon, with the API answer', async () => {
      server.faults.throttle({rate: 1, seed: 1})
      const waits: number[] = []
      const bounded = client({sleep: async (ms) => void waits.push(ms)})
      bounded.retryWithin(Date.now() + 500)
      const error = await bounded.list(Resources.configMaps, 'default').catch((error_: unknown) => error_)
      expect(error).to.be.instanceOf(ApiError).and.include({code: 429})
      expect((error as Error).message).to.include('Too many requests, please try again later.')
      expect(waits).to.deep.equal([])
      bounded.retryWithin(undefined)
      await bounded.list(Resources.configMaps, 'default').catch(() => undefined)
      expect(waits, 'without a horizon, the ordinary attempts').to.deep.equal([1000, 1000, 1000, 1000])
    })
  })
})
