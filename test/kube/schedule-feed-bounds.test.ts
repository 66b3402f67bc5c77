/**
 * The schedule feed carries tenant text (message, reason, contact, targets) out of a privileged pass into files apps
 * and calendars read: whatever a tenant writes within a window's own limits must neither break the calendar nor the
 * ConfigMap (1 MiB, which the in-process API server enforces as kube-apiserver does).
 */
import ICAL from 'ical.js'
import {KubeConfig} from '@kubernetes/client-node'
import {expect} from 'chai'

import {KubeClient} from '../../src/kube/client.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {type PassReport, reconcile} from '../../src/kube/reconcile.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'
import {runCommand} from '../support/run-command.js'
import {shopTargets} from '../fixtures/targets.js'
import {FakeClock, NS, type Obj, PREFIX, rfc3339, windowConfigMap} from '../reliability/support.js'

type ConfigMap = Obj & {data?: Record<string, string>}
const FEED = 'kubectl-maintenance-schedule'
const CONFIGMAP_LIMIT = 1024 * 1024
/** The most a window's message, reason or contact may hold (model/window-codec.ts: 4 KiB each). */
const MAX_TEXT = 4096

describe('the schedule feed bounds what tenants write (against the in-process API server)', function () {
  this.timeout(60_000)
  let server: ApiServer
  let client: KubeClient
  let clock: FakeClock

  const pass = (): Promise<PassReport> => reconcile(client, {clock, horizonMs: 0, namespace: NS, waitForTransitions: true})
  const feed = (): ConfigMap | undefined => server.object('v1', 'ConfigMap', NS, FEED) as ConfigMap | undefined
  const vevents = (ics: string) => new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v))
  const feedBytes = (configMap: ConfigMap) => Object.values(configMap.data ?? {}).reduce((sum, value) => sum + Buffer.byteLength(value), 0)

  beforeEach(async () => {
    server = await startApiServer({readyDelayMs: 0})
    server.seed(...shopTargets(NS))
    const loaded = readConfig(KubeConfig, {kubeconfig: server.kubeconfigPath, namespace: NS})
    client = new KubeClient(loaded.config, loaded.namespace, loaded.contextName, {attempts: 3, baseDelayMs: 1, sleep: async () => {}})
    clock = new FakeClock(Date.parse('2026-12-20T10:00:00Z'))
  })

  afterEach(async () => server.close())

  it('an hourly window with every text at its 4 KiB limit: the feed is still written, within 1 MiB, and parses', async () => {
    // Semicolons and commas each take two octets once escaped in the calendar: the worst a text can weigh there.
    const text = (c: string) => `${c};,`.repeat(MAX_TEXT / 4)
    const hourly = windowConfigMap('hourly', ['ingress/shop'], Date.parse('2026-12-20T11:00:00Z'), undefined, {[`${PREFIX}every`]: '0 * * * *', [`${PREFIX}duration`]: '30m'})
    ;(hourly as ConfigMap).data = {contact: text('c'), message: text('m'), reason: text('r')}
    server.seed(hourly, windowConfigMap('xmas', ['service/db'], Date.parse('2026-12-24T21:00:00Z'), Date.parse('2026-12-24T23:00:00Z')))
    const report = await pass()
    expect(report.errors).to.deep.equal([])
    const stored = feed()
    expect(stored, 'the feed was written').to.not.equal(undefined)
    expect(feedBytes(stored!)).to.be.at.most(CONFIGMAP_LIMIT)
    const json = JSON.parse(stored!.data!['schedule.json']) as {occurrences: Array<{window: string; start: string; message?: string}>}
    const events = vevents(stored!.data!['schedule.ics'])
    expect(events.length).to.equal(json.occurrences.length)
    // The soonest occurrences come first and are whole: an app showing the next banner has its text.
    expect(json.occurrences[0]).to.include({message: text('m'), start: '2026-12-20T11:00:00Z', window: 'hourly'})
    expect(events[0].description.startsWith(text('m'))).to.equal(true)
    // Another window's occurrence within the month is not crowded out by the hourly one.
    expect(json.occurrences.some((o) => o.window === 'xmas'), 'xmas is listed').to.equal(true)
    expect(events.some((e) => e.summary === 'Maintenance: service/db')).to.equal(true)
    // A second pass with nothing new writes nothing.
    server.clearLog()
    clock.advance(60_000)
    expect((await pass()).errors).to.deep.equal([])
    expect(server.writes().filter((entry) => entry.path.endsWith(`/configmaps/${FEED}`))).to.deep.equal([])
  })

  it('text that tries to end the event or add properties stays inside DESCRIPTION, and the JSON round-trips it', async () => {
    const hostile = 'ok\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\r\nSUMMARY:pwned\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\nX-INJECT:1\u0000\u001b[31m'
    const window = windowConfigMap('xmas', ['ingress/shop'], Date.parse('2026-12-24T21:00:00Z'), Date.parse('2026-12-24T23:00:00Z'))
    ;(window as ConfigMap).data = {contact: 'ops@example.com\r\nATTENDEE:mailto:all@example.com', message: hostile, reason: 'a;b,c\\d'}
    server.seed(window)
    expect((await pass()).errors).to.deep.equal([])
    const ics = feed()!.data!['schedule.ics']
    const events = vevents(ics)
    expect(events.map((e) => e.summary)).to.deep.equal(['Maintenance: ingress/shop'])
    expect(events[0].component.getAllProperties().map((p) => p.name)).to.not.include.members(['x-inject', 'attendee'])
    expect(events[0].component.getFirstPropertyValue('status')).to.equal('CONFIRMED')
    expect(events[0].description.split('\n').slice(0, 9)).to.deep.equal([
      'ok', 'END:VEVENT', 'BEGIN:VEVENT', 'UID:evil', 'SUMMARY:pwned', 'STATUS:CONFIRMED', 'END:VEVENT', 'X-INJECT:1  [31m', 'Reason: a;b,c\\d',
    ])
    expect(events[0].component.getFirstPropertyValue('contact')).to.equal('ops@example.com\nATTENDEE:mailto:all@example.com')
    const controls = (line: string) => [...line].filter((char) => char !== '\t' && /\p{Cc}/u.test(char))
    for (const line of ics.split('\r\n')) expect(controls(line), 'no control characters in a content line').to.deep.equal([])
    const json = JSON.parse(feed()!.data!['schedule.json']) as {occurrences: Array<{message: string; reason: string}>}
    expect(json.occurrences[0]).to.include({message: hostile, reason: 'a;b,c\\d'})
    const calendar = await runCommand(['calendar', '-n', NS], {env: {KUBECONFIG: server.kubeconfigPath, KUBECTL_MAINTENANCE_NOW: rfc3339(clock.now())}})
    expect(vevents(calendar.stdout).map((e) => e.uid)).to.deep.equal(events.map((e) => e.uid))
  })
})
