import {KubeConfig} from '@kubernetes/client-node'
import {expect} from 'chai'

import {KubeClient} from '../../src/kube/client.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {DEFAULT_CONCURRENCY} from '../../src/kube/limiter.js'
import {reconcile} from '../../src/kube/reconcile.js'
import {Resources} from '../../src/kube/resources.js'
import {shopTargets} from '../fixtures/targets.js'
import {FakeClock, ORIGINAL, NS, type Obj, windowConfigMap} from '../reliability/support.js'
import {type ApiServer, type RequestLogEntry, startApiServer} from '../support/apiserver.js'

/** Ten copies of the shop's four kinds (Ingress, IngressRoute, HTTPRoute, Service): 40 targets in one namespace. */
const COPIES = 10
const TARGET_PATH = /\/(ingresses|ingressroutes|httproutes|services)\/[a-z]+-\d+$/

function copies(): {objects: Obj[]; refs: string[]} {
  const [namespace, ...targets] = shopTargets(NS) as Obj[]
  const objects: Obj[] = [namespace]
  const refs: string[] = []
  for (let index = 0; index < COPIES; index++) {
    for (const target of targets) {
      const copy = structuredClone(target)
      copy.metadata.name = `${target.metadata.name}-${index}`
      objects.push(copy)
      refs.push(`${String(target.kind).toLowerCase()}/${copy.metadata.name}`)
    }
  }
  return {objects, refs}
}

const switchesIn = (log: RequestLogEntry[]) => log.filter((entry) => entry.method === 'PATCH' && TARGET_PATH.test(entry.path) && entry.status === 200)
const eventPostsIn = (log: RequestLogEntry[]) => log.filter((entry) => entry.method === 'POST' && entry.path.endsWith('/events'))

describe('a burst of transitions due at one second', function () {
  this.timeout(60_000)
  let server: ApiServer
  const {objects, refs} = copies()

  function client(): KubeClient {
    const loaded = readConfig(KubeConfig, {kubeconfig: server.kubeconfigPath, namespace: NS})
    const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
    return new KubeClient(loaded.config, loaded.namespace, loaded.contextName, {attempts: 5, baseDelayMs: 100, sleep})
  }

  function switched(): string[] {
    return refs.filter((ref) => {
      const [kind, name] = ref.split('/')
      const apiVersion = {httproute: 'gateway.networking.k8s.io/v1', ingress: 'networking.k8s.io/v1', ingressroute: 'traefik.io/v1alpha1', service: 'v1'}[kind]!
      const target = server.object(apiVersion, objects.find((o) => o.metadata.name === name)!.kind!, NS, name) as Obj
      return target.metadata.annotations?.[ORIGINAL] !== undefined
    })
  }

  beforeEach(async () => {
    server = await startApiServer({readyDelayMs: 0})
    server.seed(...objects)
  })
  afterEach(() => server.close())

  it('writes the switches in parallel, never more than the limit in flight, and only then phases and Events', async () => {
    server.faults.latency(20, {jitterMs: 10, seed: 19})
    const now = Date.now()
    server.seed(windowConfigMap('db-upgrade', refs, now - 1000, now + 3_600_000))
    const report = await reconcile(client(), {horizonMs: 0, namespace: NS, waitForTransitions: true})

    expect(report.errors).to.deep.equal([])
    expect(switched()).to.have.length(refs.length)
    const switches = switchesIn(server.requests)
    expect(switches).to.have.length(refs.length)
    // The API server shares this process's event loop, so it may see fewer than the client sends (client.test.ts shows the limit reached).
    const peak = Math.max(...server.requests.map((entry) => entry.inFlight))
    expect(peak, 'never more than the limit in flight').to.be.at.most(DEFAULT_CONCURRENCY)
    expect(Math.max(...switches.map((entry) => entry.inFlight)), 'switches in parallel').to.be.greaterThan(1)
    const lastSwitchAnswered = Math.max(...switches.map((entry) => entry.endedAt!))
    const events = eventPostsIn(server.requests)
    expect(events).to.have.length(refs.length + 1)
    expect(Math.min(...events.map((entry) => entry.at)), 'no Event before every switch is answered').to.be.above(lastSwitchAnswered)
    const phase = server.requests.find((entry) => entry.method === 'PATCH' && entry.path.endsWith('/configmaps/db-upgrade'))!
    expect(phase.at, 'the phase after the switches').to.be.above(lastSwitchAnswered)
  })

  it('lands every switch when API Priority and Fairness rejects a share of requests, each retried after its Retry-After', async () => {
    const seed = 1910
    server.faults.latency(20, {jitterMs: 10, seed})
    server.faults.throttle({rate: 0.1, seed})
    const now = Date.now()
    server.seed(windowConfigMap('db-upgrade', refs, now - 1000, now + 3_600_000))
    const report = await reconcile(client(), {horizonMs: 30_000, namespace: NS, waitForTransitions: true})

    expect(report.errors, `seed ${seed}`).to.deep.equal([])
    expect(switched(), `seed ${seed}`).to.have.length(refs.length)
    const rejected = server.requests.filter((entry) => entry.status === 429)
    expect(rejected.length, `seed ${seed}: some requests were rejected`).to.be.greaterThan(3)
    for (const entry of rejected) {
      const retry = server.requests.find((later) => later.at > entry.at && later.method === entry.method && later.path === entry.path && JSON.stringify(later.body) === JSON.stringify(entry.body))
      expect(retry, `seed ${seed}: ${entry.method} ${entry.path} retried`).to.not.equal(undefined)
      expect(retry!.at - entry.endedAt!, `seed ${seed}: ${entry.method} ${entry.path} retried after its Retry-After`).to.be.at.least(1000)
    }
  })

  it('is neither delayed nor undone by Events that fail slowly (503, retried in the background)', async () => {
    server.faults.failFor(503, 'create', 'events')
    // Room for the setup pass below (it makes two backends, each with an RSA key) to end before the first second on a busy machine.
    const first = Math.ceil(Date.now() / 1000) * 1000 + 5000
    const half = refs.length / 2
    server.seed(windowConfigMap('first', refs.slice(0, half), first, first + 3_600_000), windowConfigMap('second', refs.slice(half), first + 1000, first + 3_600_000))
    await reconcile(client(), {horizonMs: 0, namespace: NS, waitForTransitions: true})
    server.clearLog()

    const report = await reconcile(client(), {horizonMs: 10_000, namespace: NS, waitForTransitions: true})

    expect(switched(), 'every target switched, and still switched').to.have.length(refs.length)
    const switches = switchesIn(server.requests)
    expect(switches, 'each target patched once: nothing undone').to.have.length(refs.length)
    const secondSwitches = switches.filter((entry) => refs.slice(half).some((ref) => entry.path.endsWith(`/${ref.split('/')[1]}`)))
    const firstEvents = eventPostsIn(server.requests).filter((entry) => refs.slice(0, half).some((ref) => JSON.stringify(entry.body).includes(`"name":"${ref.split('/')[1]}"`)))
    expect(firstEvents.length, 'the first window\'s Events were retried').to.be.greaterThan(half)
    expect(Math.max(...secondSwitches.map((entry) => entry.at)), 'the second window switched while the first one\'s Events were still failing').to.be.below(Math.max(...firstEvents.map((entry) => entry.at)))
    expect(secondSwitches.every((entry) => entry.at >= first + 1000), 'at its second, not before').to.equal(true)
    for (const name of ['first', 'second']) expect((server.object('v1', 'ConfigMap', NS, name) as Obj).metadata.annotations?.['kubectl-maintenance.io/phase']).to.equal('Active')
    expect(report.errors).to.have.length(2)
    for (const error of report.errors) expect(error).to.match(/^recording event MaintenanceStarted on ConfigMap shop\/(first|second): .*ServiceUnavailable/)
  })

  describe('the schedule feed under API Priority and Fairness', () => {
    const FEED = 'kubectl-maintenance-schedule'
    const feedCreates = (log: RequestLogEntry[]) => log.filter((entry) => entry.method === 'POST' && entry.path === `/api/v1/namespaces/${NS}/configmaps` && (entry.body as Obj | undefined)?.metadata?.name === FEED)
    const feedPatches = (log: RequestLogEntry[]) => log.filter((entry) => entry.method === 'PATCH' && entry.path === `/api/v1/namespaces/${NS}/configmaps/${FEED}`)

    function expectRetriedAfter(attempts: RequestLogEntry[], retryAfterMs: number): void {
      for (const [index, attempt] of attempts.slice(1).entries()) {
        expect(attempt.at - attempts[index].endedAt!, `attempt ${index + 2} after the Retry-After of attempt ${index + 1}`).to.be.at.least(retryAfterMs)
      }
    }

    it('retries the feed\'s create and its update after their Retry-After, and the pass reports no error', async () => {
      const start = Date.now() + 86_400_000
      server.seed(windowConfigMap('db-upgrade', refs, start, start + 3_600_000))
      server.faults.throttleFor('create', 'configmaps', {namespace: NS, times: 2})
      const created = await reconcile(client(), {horizonMs: 20_000, namespace: NS, waitForTransitions: true})

      expect(created.errors).to.deep.equal([])
      expect(feedCreates(server.requests).map((entry) => entry.status)).to.deep.equal([429, 429, 201])
      expectRetriedAfter(feedCreates(server.requests), 1000)
      expect(server.object('v1', 'ConfigMap', NS, FEED)).to.not.equal(undefined)

      await client().patch(Resources.configMaps, NS, 'db-upgrade', 'merge', {data: {message: 'Upgrading the database, later'}})
      server.clearLog()
      server.faults.throttleFor('patch', 'configmaps', {namespace: NS, times: 2})
      const updated = await reconcile(client(), {horizonMs: 20_000, namespace: NS, waitForTransitions: true})

      expect(updated.errors).to.deep.equal([])
      const patches = feedPatches(server.requests)
      expect(patches.map((entry) => entry.status)).to.deep.equal([429, 429, 200])
      expectRetriedAfter(patches, 1000)
      const feed = server.object('v1', 'ConfigMap', NS, FEED) as Obj & {data: Record<string, string>}
      expect(feed.data['schedule.json']).to.include('Upgrading the database, later')
    })

    it('never delays a switch: the feed written before a transition waits its Retry-After while the switches go out at their second', async () => {
      const start = Math.ceil(Date.now() / 1000) * 1000 + 7000
      server.seed(windowConfigMap('db-upgrade', refs, start, start + 3_600_000))
      // The backend is made ahead (lead time); the feed is made again in the measured pass, its create rejected twice.
      await reconcile(client(), {horizonMs: 0, namespace: NS, waitForTransitions: true})
      await client().delete(Resources.configMaps, NS, FEED)
      server.clearLog()
      server.faults.throttleFor('create', 'configmaps', {namespace: NS, retryAfterSeconds: 5, times: 2})
      const report = await reconcile(client(), {horizonMs: 20_000, namespace: NS, waitForTransitions: true})

      expect(report.errors).to.deep.equal([])
      expect(switched()).to.have.length(refs.length)
      const creates = feedCreates(server.requests)
      expect(creates.map((entry) => entry.status)).to.deep.equal([429, 429, 201])
      expectRetriedAfter(creates, 5000)
      const switches = switchesIn(server.requests)
      expect(switches.every((entry) => entry.at >= start), 'at the second, not before').to.equal(true)
      expect(Math.max(...switches.map((entry) => entry.at)), 'every switch landed while the feed waited for its Retry-After').to.be.below(creates[2].at)
    })
  })

  describe('reading ahead of the second', () => {
    /** A fake clock that notes how many requests the API server had seen at each sleep, and may act during one. */
    class MarkingClock extends FakeClock {
      readonly marks: number[] = []
      /** When each sleep ended (on this clock) and how many requests the API server had seen by then. */
      readonly woke: Array<{at: number; requests: number}> = []
      during?: {sleep: number; act: () => Promise<void>}
      /** Real time each sleep also takes, so that requests sent before it reach the API server before it ends. */
      settleMs = 0

      override async sleep(ms: number): Promise<void> {
        this.marks.push(server.requests.length)
        if (this.during?.sleep === this.marks.length) await this.during.act()
        await super.sleep(ms)
        if (this.settleMs > 0) await new Promise((resolve) => setTimeout(resolve, this.settleMs))
        this.woke.push({at: this.now(), requests: server.requests.length})
      }
    }

    it('reads and decides before the second and checks the windows just before it, so at the second only the switches are written', async () => {
      const clock = new MarkingClock(Math.ceil(Date.now() / 1000) * 1000)
      clock.settleMs = 300
      const start = clock.now() + 10_000
      server.seed(windowConfigMap('db-upgrade', refs, start, start + 3_600_000))
      server.clearLog()
      await reconcile(client(), {clock, horizonMs: 20_000, namespace: NS, waitForTransitions: true})

      expect(switched()).to.have.length(refs.length)
      const firstSwitch = server.requests.findIndex((entry) => entry.method === 'PATCH' && TARGET_PATH.test(entry.path))
      const before = clock.woke.filter((woke) => woke.requests <= firstSwitch)
      const [checking, atTheSecond] = before.slice(-2)
      expect(atTheSecond.at, 'the last wait ends at the second').to.equal(start)
      expect(server.requests.slice(atTheSecond.requests, firstSwitch), 'at the second, nothing before the switches').to.deep.equal([])
      expect(checking.at, 'the check is sent before the second').to.be.below(start)
      expect(server.requests.slice(checking.requests, atTheSecond.requests).map((entry) => `${entry.method} ${entry.path} ${entry.query.labelSelector}`)).to.deep.equal([
        `GET /api/v1/namespaces/${NS}/configmaps kubectl-maintenance.io/role=window`,
      ])
    })

    /** A window starting 10 s from now whose backend an earlier pass prepared; the log and the clock's marks start empty. */
    async function windowDueIn10s(): Promise<{clock: MarkingClock}> {
      const clock = new MarkingClock(Math.ceil(Date.now() / 1000) * 1000)
      const start = clock.now() + 10_000
      server.seed(windowConfigMap('db-upgrade', refs, start, start + 3_600_000))
      await reconcile(client(), {clock, horizonMs: 0, namespace: NS, waitForTransitions: true})
      clock.marks.length = 0
      server.clearLog()
      return {clock}
    }

    it('switches at the second on the plan read ahead when the check just before it is answered 429, and reads again after the writes', async () => {
      const {clock} = await windowDueIn10s()
      // Sleeps: until reading ahead, until the check, until the second. APF rejects the check (its only list of windows then).
      clock.during = {act: async () => server.faults.throttleFor('list', 'configmaps', {namespace: NS, times: 1}), sleep: 2}
      const report = await reconcile(client(), {clock, horizonMs: 20_000, namespace: NS, waitForTransitions: true})

      expect(report.errors).to.deep.equal([])
      expect(switched()).to.have.length(refs.length)
      const firstSwitch = server.requests.findIndex((entry) => entry.method === 'PATCH' && TARGET_PATH.test(entry.path))
      const lists = server.requests.filter((entry) => entry.method === 'GET' && entry.query.labelSelector === 'kubectl-maintenance.io/role=window')
      const check = lists.find((entry) => entry.status === 429)!
      expect(server.requests.indexOf(check), 'the check was rejected before the switches').to.be.below(firstSwitch)
      expect(lists.filter((entry) => server.requests.indexOf(entry) > server.requests.indexOf(check) && server.requests.indexOf(entry) < firstSwitch), 'not retried before the switches').to.deep.equal([])
      expect(server.requests.slice(firstSwitch).some((entry) => entry.method === 'GET' && entry.status === 200), 'read again after the writes').to.equal(true)
    })

    it('reads again at the second when a window changed after it read ahead, and applies what the window now says', async () => {
      const {clock} = await windowDueIn10s()
      // The first sleep waits until reading ahead; during the second (until the start) the window is cancelled.
      clock.during = {
        act: () => client().patch(Resources.configMaps, NS, 'db-upgrade', 'merge', {metadata: {annotations: {'kubectl-maintenance.io/phase': 'Cancelled'}}}).then(() => undefined),
        sleep: 2,
      }
      await reconcile(client(), {clock, horizonMs: 20_000, namespace: NS, waitForTransitions: true})

      expect(clock.marks.length, 'it read ahead, then waited for the second').to.be.at.least(2)
      expect(switched(), 'nothing switched for a cancelled window').to.deep.equal([])
      expect(switchesIn(server.requests)).to.deep.equal([])
    })
  })
})
