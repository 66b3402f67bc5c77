import ICAL from 'ical.js'
import {KubeConfig} from '@kubernetes/client-node'
import {expect} from 'chai'

import {KubeClient} from '../../src/kube/client.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {type PassReport, reconcile} from '../../src/kube/reconcile.js'
import {Resources} from '../../src/kube/resources.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'
import {runCommand} from '../support/run-command.js'
import {shopTargets} from '../fixtures/targets.js'
import {FakeClock, NS, type Obj, PREFIX, rfc3339, windowConfigMap} from '../reliability/support.js'

type ConfigMap = Obj & {data?: Record<string, string>}
const FEED = 'kubectl-maintenance-schedule'
const FEED_PATH = `/api/v1/namespaces/${NS}/configmaps/${FEED}`

describe('the schedule feed ConfigMap, kept by every pass (against the in-process API server)', function () {
  this.timeout(60_000)
  let server: ApiServer
  let client: KubeClient
  let clock: FakeClock

  function newClient(): KubeClient {
    const loaded = readConfig(KubeConfig, {kubeconfig: server.kubeconfigPath, namespace: NS})
    return new KubeClient(loaded.config, loaded.namespace, loaded.contextName, {attempts: 3, baseDelayMs: 1, sleep: async () => {}})
  }

  const pass = (): Promise<PassReport> => reconcile(client, {clock, horizonMs: 0, namespace: NS, waitForTransitions: true})
  const feed = (): ConfigMap | undefined => server.object('v1', 'ConfigMap', NS, FEED) as ConfigMap | undefined
  const feedWrites = () => server.writes().filter((entry) => entry.path === FEED_PATH || (entry.method === 'POST' && entry.path === `/api/v1/namespaces/${NS}/configmaps` && (entry.body as Obj | undefined)?.metadata?.name === FEED))
  const vevents = (ics: string) => new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v))

  beforeEach(async () => {
    server = await startApiServer({readyDelayMs: 0})
    server.seed(...shopTargets(NS))
    client = newClient()
    clock = new FakeClock(Date.parse('2026-12-20T10:00:00Z'))
  })

  afterEach(async () => server.close())

  it('is created with the managed-by and role labels, holding schedule.json and a parseable schedule.ics', async () => {
    const start = Date.parse('2026-12-24T21:00:00Z')
    server.seed(windowConfigMap('xmas', ['ingress/shop'], start, start + 7_200_000, {[`${PREFIX}announce`]: '3d'}))
    const report = await pass()
    expect(report.errors).to.deep.equal([])
    const stored = feed() as ConfigMap
    expect(stored.metadata.labels).to.deep.equal({'app.kubernetes.io/managed-by': 'kubectl-maintenance', [`${PREFIX}role`]: 'schedule'})
    const json = JSON.parse(stored.data?.['schedule.json'] ?? '') as {occurrences: Array<Record<string, unknown>>}
    expect(json.occurrences).to.have.length(1)
    expect(json.occurrences[0]).to.include({announce: '2026-12-21T21:00:00Z', end: '2026-12-24T23:00:00Z', message: 'Upgrading the database', phase: 'Scheduled', start: '2026-12-24T21:00:00Z', window: 'xmas'})
    expect(json.occurrences[0].targets).to.deep.equal(['ingress/shop'])
    const [event] = vevents(stored.data?.['schedule.ics'] ?? '')
    expect(event.startDate.toJSDate().toISOString()).to.equal('2026-12-24T21:00:00.000Z')
    expect(event.sequence).to.equal(0)
  })

  it('is not written by a steady pass, keeps SEQUENCE and DTSTAMP, and raises SEQUENCE when the window changes', async () => {
    const start = Date.parse('2026-12-24T21:00:00Z')
    server.seed(windowConfigMap('xmas', ['ingress/shop'], start, start + 7_200_000))
    await pass()
    const first = feed()?.data?.['schedule.ics']
    server.clearLog()
    clock.advance(60_000)
    expect((await pass()).errors).to.deep.equal([])
    clock.advance(60_000)
    await pass()
    expect(feedWrites(), 'no write to the feed in a steady pass').to.deep.equal([])
    expect(feed()?.data?.['schedule.ics']).to.equal(first)

    await newClient().patch(Resources.configMaps, NS, 'xmas', 'merge', {data: {message: 'Upgrading the database, again'}})
    clock.advance(60_000)
    await pass()
    expect(feedWrites().map((entry) => `${entry.method} ${entry.status}`)).to.deep.equal(['PATCH 200'])
    const [event] = vevents(feed()?.data?.['schedule.ics'] ?? '')
    expect(event.sequence).to.equal(1)
    expect((event.component.getFirstPropertyValue('dtstamp') as ICAL.Time).toJSDate().getTime()).to.equal(clock.now())
    expect(event.description).to.match(/^Upgrading the database, again\n/)
  })

  it('is read in the same list as the windows: a steady pass lists the namespace\'s ConfigMaps by role once', async () => {
    const start = Date.parse('2026-12-24T21:00:00Z')
    server.seed(windowConfigMap('xmas', ['ingress/shop'], start, start + 7_200_000))
    await pass()
    server.clearLog()
    clock.advance(60_000)
    expect((await pass()).errors).to.deep.equal([])
    const roleLists = server.requests.filter((entry) => entry.method === 'GET' && entry.path === `/api/v1/namespaces/${NS}/configmaps` && entry.query.labelSelector !== `${PREFIX}role=backend`)
    expect(roleLists.map((entry) => entry.query.labelSelector)).to.deep.equal([`${PREFIX}role in (schedule,window)`])
    expect(server.writes()).to.deep.equal([])
  })

  it('takes a feed another writer made after the pass read the windows as ours: updated, not reported as planted', async () => {
    const start = Date.parse('2026-12-24T21:00:00Z')
    server.seed(windowConfigMap('xmas', ['ingress/shop'], start, start + 7_200_000))
    // The other writer's feed appears between the pass's read and its write (the window list is its first configmaps list).
    let planted = false
    const made = {apiVersion: 'v1', data: {'schedule.json': '{}'}, kind: 'ConfigMap', metadata: {labels: {'app.kubernetes.io/managed-by': 'kubectl-maintenance', [`${PREFIX}role`]: 'schedule'}, name: FEED, namespace: NS}}
    const original = client.list.bind(client)
    client.list = async (...args: Parameters<KubeClient['list']>) => {
      const listed = await original(...args)
      if (!planted && args[2]?.labelSelector?.includes('window')) {
        planted = true
        await newClient().create(Resources.configMaps, NS, made)
      }
      return listed as never
    }
    const report = await pass()
    expect(report.errors).to.deep.equal([])
    expect(planted).to.equal(true)
    expect(JSON.parse(feed()?.data?.['schedule.json'] ?? '{}').occurrences).to.have.length(1)
    expect((server.objects('v1', 'Event', NS) as Array<Obj & {reason?: string}>).filter((e) => e.reason === 'ScheduleFeedBlocked')).to.deep.equal([])
  })

  it('shows a cancelled window STATUS:CANCELLED, and is deleted (uid precondition) once the namespace has no window', async () => {
    const start = Date.parse('2026-12-24T21:00:00Z')
    server.seed(windowConfigMap('xmas', ['ingress/shop'], start, start + 7_200_000))
    await pass()
    const code = await runCommand(['cancel', 'xmas', '-n', NS], {env: {KUBECONFIG: server.kubeconfigPath, KUBECTL_MAINTENANCE_NOW: rfc3339(clock.now())}})
    expect(code.exitCode, code.stderr).to.equal(0)
    await pass()
    const [event] = vevents(feed()?.data?.['schedule.ics'] ?? '')
    expect(event.component.getFirstPropertyValue('status')).to.equal('CANCELLED')
    expect(event.sequence).to.equal(1)

    await newClient().delete(Resources.configMaps, NS, 'xmas')
    server.clearLog()
    await pass()
    expect(feed()).to.equal(undefined)
    const deletion = server.writes().find((entry) => entry.method === 'DELETE' && entry.path === FEED_PATH)
    expect((deletion?.body as {preconditions?: {uid?: string}}).preconditions?.uid).to.be.a('string')
  })

  it('never overwrites a ConfigMap of that name it did not make: leaves it, says so in a Warning Event, and the pass does not fail', async () => {
    const start = Date.parse('2026-12-24T21:00:00Z')
    server.seed(windowConfigMap('xmas', ['ingress/shop'], start, start + 7_200_000), {
      apiVersion: 'v1',
      data: {'schedule.json': '{"occurrences": []}', 'note': 'the team put this here'},
      kind: 'ConfigMap',
      metadata: {name: FEED, namespace: NS},
    })
    const report = await pass()
    expect(report.errors).to.deep.equal([])
    expect(feed()?.data).to.deep.equal({'note': 'the team put this here', 'schedule.json': '{"occurrences": []}'})
    const warnings = (server.objects('v1', 'Event', NS) as Array<Obj & {reason?: string; type?: string}>).filter((e) => e.reason === 'ScheduleFeedBlocked')
    expect(warnings).to.have.length(1)
    expect(warnings[0].type).to.equal('Warning')
    await pass()
    expect(feed()?.data?.note).to.equal('the team put this here')
  })

  describe('rebuilt only when its windows changed or an occurrence entered or left it', () => {
    const DAY = 86_400_000
    const T0 = Date.parse('2026-12-20T10:00:00Z')
    const VALID = `${PREFIX}feed-valid`

    /** What a rebuild writes now: the feed made to rebuild (its validity removed), then a pass; the validity put back after. */
    async function rebuilt(): Promise<Record<string, string> | undefined> {
      const valid = feed()?.metadata.annotations?.[VALID]
      await newClient().patch(Resources.configMaps, NS, FEED, 'merge', {metadata: {annotations: {[VALID]: null}}})
      server.clearLog()
      await pass()
      const after = feed()?.data
      if (feedWrites().length === 0) await newClient().patch(Resources.configMaps, NS, FEED, 'merge', {metadata: {annotations: {[VALID]: valid}}})
      return after
    }

    async function passAt(at: number): Promise<string[]> {
      clock.current = at
      server.clearLog()
      expect((await pass()).errors).to.deep.equal([])
      return feedWrites().map((entry) => `${entry.method} ${entry.status}`)
    }

    const windowsIn = (data: Record<string, string> | undefined) =>
      (JSON.parse(data?.['schedule.json'] ?? '{"occurrences":[]}') as {occurrences: Array<{window: string; phase: string}>}).occurrences.map((o) => `${o.window} ${o.phase}`)

    beforeEach(() => {
      clock.current = T0
      server.seed(
        windowConfigMap('later', ['ingress/shop'], T0 + 40 * DAY, T0 + 40 * DAY + 3_600_000),
        windowConfigMap('called-off', ['service/db'], T0 + 2 * DAY, T0 + 2 * DAY + 3_600_000, {[`${PREFIX}phase`]: 'Cancelled'}),
      )
    })

    it('writes nothing while nothing changes, and exactly what a rebuild writes when an occurrence leaves or enters the horizon', async () => {
      await passAt(T0)
      expect(windowsIn(feed()?.data)).to.deep.equal(['called-off Cancelled'])
      expect(await passAt(T0 + DAY), 'a day later, nothing has changed').to.deep.equal([])
      expect(await rebuilt()).to.deep.equal(feed()?.data)

      // The cancelled occurrence's start passes: it leaves the feed.
      expect(await passAt(T0 + 2 * DAY + 60_000)).to.deep.equal(['PATCH 200'])
      expect(windowsIn(feed()?.data)).to.deep.equal([])
      expect(await rebuilt()).to.deep.equal(feed()?.data)

      // Kept 7 days after it finished, the cancelled window is deleted: the feed's content stays, so nothing is written.
      const shown = feed()?.data
      expect(await passAt(T0 + 9 * DAY + 7_200_000)).to.deep.equal([])
      expect(server.object('v1', 'ConfigMap', NS, 'called-off')).to.equal(undefined)
      expect(feed()?.data).to.deep.equal(shown)
      expect(await passAt(T0 + 9 * DAY + 7_260_000)).to.deep.equal([])

      // `later` (40 days ahead) enters the 30-day horizon on day 10: not a minute before, and at once after.
      expect(await passAt(T0 + 10 * DAY - 60_000)).to.deep.equal([])
      expect(windowsIn(feed()?.data)).to.deep.equal([])
      expect(await passAt(T0 + 10 * DAY + 60_000)).to.deep.equal(['PATCH 200'])
      expect(windowsIn(feed()?.data)).to.deep.equal(['later Scheduled'])
      expect(await rebuilt()).to.deep.equal(feed()?.data)
    })

    it('rewrites a feed a tenant edited, whatever its validity annotation claims', async () => {
      await passAt(T0)
      const written = feed()?.data
      const valid = feed()?.metadata.annotations?.[VALID] as string
      expect(valid).to.match(/^\d+\.[0-9a-f]{64}$/)

      await newClient().patch(Resources.configMaps, NS, FEED, 'merge', {data: {'schedule.json': '{"occurrences": []}'}})
      expect(await passAt(T0 + 60_000)).to.deep.equal(['PATCH 200'])
      expect(feed()?.data).to.deep.equal(written)

      // A validity stretched to the end of time with a made-up mark: not believed. The rebuild finds the same content
      // and writes nothing; the window's change below is still seen.
      await newClient().patch(Resources.configMaps, NS, FEED, 'merge', {metadata: {annotations: {[VALID]: `${Number.MAX_SAFE_INTEGER}.${'0'.repeat(64)}`}}})
      expect(await passAt(T0 + 120_000)).to.deep.equal([])
      expect(feed()?.data).to.deep.equal(written)

      // The window changes: the mark does not match its windows, the feed is rebuilt.
      await newClient().patch(Resources.configMaps, NS, 'called-off', 'merge', {data: {message: 'Moved to January'}})
      expect(await passAt(T0 + 180_000)).to.deep.equal(['PATCH 200'])
      expect(feed()?.data?.['schedule.json']).to.contain('Moved to January')
      expect(await rebuilt()).to.deep.equal(feed()?.data)
    })
  })

  it('`calendar` prints what the feed holds (-o ics and -o json), without the CronJob', async () => {
    const start = Date.parse('2026-12-24T21:00:00Z')
    server.seed(windowConfigMap('xmas', ['ingress/shop'], start, start + 7_200_000))
    await pass()
    const env = {KUBECONFIG: server.kubeconfigPath, KUBECTL_MAINTENANCE_NOW: rfc3339(clock.now() + 60_000)}
    const ics = await runCommand(['calendar', '-n', NS], {env})
    expect(ics.exitCode, ics.stderr).to.equal(0)
    expect(ics.stdout).to.equal(feed()?.data?.['schedule.ics'])
    const json = await runCommand(['calendar', '-n', NS, '-o', 'json'], {env})
    expect(json.stdout).to.equal(feed()?.data?.['schedule.json'])
    const bad = await runCommand(['calendar', '-n', NS, '-o', 'yaml'], {env})
    expect(bad.exitCode).to.equal(2)
  })
})
