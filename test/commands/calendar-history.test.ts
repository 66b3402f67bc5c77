/**
 * `calendar` without the CronJob (no pass has run, no feed exists) across namespaces, and the history as users see it:
 * who made a change is the kubeconfig's user, the history stays at 50 entries on the window itself.
 */
import ICAL from 'ical.js'
import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {stringify} from 'yaml'

import type {ApiServer} from '../support/apiserver.js'

import {KubeConfig} from '@kubernetes/client-node'
import {KubeClient} from '../../src/kube/client.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {reconcile} from '../../src/kube/reconcile.js'
import {FakeClock} from '../reliability/support.js'

import {DUMMY_TOKEN} from '../support/apiserver/kubeconfig.js'
import {runCommand} from '../support/run-command.js'
import {envFor, ingress, startCluster, windowConfigMap} from './fixtures.js'

type Stored = {metadata: {annotations: Record<string, string>}; data?: Record<string, string>}
type Entry = {time: string; phase: string; message: string; by: string}

/** Saturday 2026-12-19, 13:00 in Berlin. */
const SATURDAY = '2026-12-19T12:00:00Z'
const USER = 'alice@example.com'

/** A kubeconfig for the same cluster whose user is named as people's are (kubectl config set-credentials alice@example.com). */
function kubeconfigOf(server: ApiServer, user: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'alice-kube-')), 'kubeconfig')
  const url = server.url
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      clusters: [{cluster: {'insecure-skip-tls-verify': true, server: url}, name: 'prod'}],
      contexts: [{context: {cluster: 'prod', namespace: 'shop', user}, name: 'prod'}],
      'current-context': 'prod',
      kind: 'Config',
      users: [{name: user, user: {token: DUMMY_TOKEN}}],
    }),
    {mode: 0o600},
  )
  return file
}

describe('calendar without the CronJob, and history as users see it (against the in-process API server)', function () {
  this.timeout(60_000)
  let server: ApiServer

  beforeEach(async () => {
    server = await startCluster()
    server.seed(
      ingress('shop', 'shop'),
      ingress('web', 'web'),
      windowConfigMap({duration: '2h', every: '0 2 * * 0', message: 'Weekly; patching, then back', name: 'weekly', namespace: 'shop', phase: 'Scheduled', start: '2026-11-01T00:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-24T12:00:00Z', name: 'once', namespace: 'web', start: '2026-12-24T10:00:00Z', targets: 'ingress/web'}),
    )
    server.clearLog()
  })

  afterEach(async () => server.close())

  it('calendar -A -o ics|json prints every namespace with no pass run and no feed, and writes nothing', async () => {
    expect(server.object('v1', 'ConfigMap', 'shop', 'kubectl-maintenance-schedule')).to.equal(undefined)
    const env = envFor(server, SATURDAY)
    const json = await runCommand(['calendar', '-A', '-o', 'json'], {env})
    expect(json.exitCode, json.stderr).to.equal(0)
    const occurrences = (JSON.parse(json.stdout) as {occurrences: Array<{namespace: string; window: string; start: string; phase: string; announce: string; message: string | null}>}).occurrences
    expect(occurrences.map((o) => `${o.namespace}/${o.window} ${o.start}`)).to.deep.equal([
      // By namespace, then by start, as the feeds of each namespace are.
      'shop/weekly 2026-12-20T01:00:00Z',
      'shop/weekly 2026-12-27T01:00:00Z',
      'shop/weekly 2027-01-03T01:00:00Z',
      'shop/weekly 2027-01-10T01:00:00Z',
      'shop/weekly 2027-01-17T01:00:00Z',
      'web/once 2026-12-24T10:00:00Z',
    ])
    expect(occurrences[0]).to.include({announce: '2026-12-19T01:00:00Z', message: 'Weekly; patching, then back', phase: 'Scheduled'})

    const ics = await runCommand(['calendar', '-A'], {env})
    expect(ics.exitCode, ics.stderr).to.equal(0)
    const events = new ICAL.Component(ICAL.parse(ics.stdout)).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v))
    expect(events.map((e) => [e.summary, e.startDate.toJSDate().toISOString()])).to.deep.equal([
      ['Maintenance: ingress/shop', '2026-12-20T01:00:00.000Z'],
      ['Maintenance: ingress/shop', '2026-12-27T01:00:00.000Z'],
      ['Maintenance: ingress/shop', '2027-01-03T01:00:00.000Z'],
      ['Maintenance: ingress/shop', '2027-01-10T01:00:00.000Z'],
      ['Maintenance: ingress/shop', '2027-01-17T01:00:00.000Z'],
      ['Maintenance: ingress/web', '2026-12-24T10:00:00.000Z'],
    ])
    expect(events[0].description.split('\n')[0]).to.equal('Weekly; patching, then back')
    // -n prints one namespace.
    const web = await runCommand(['calendar', '-n', 'web', '-o', 'json'], {env})
    expect((JSON.parse(web.stdout) as {occurrences: unknown[]}).occurrences).to.have.length(1)
    expect(server.writes()).to.deep.equal([])
  })

  it("records the kubeconfig's user for skip, pause, resume and cancel; history prints it", async () => {
    const env = {KUBECONFIG: kubeconfigOf(server, USER), KUBECTL_MAINTENANCE_NOW: SATURDAY}
    for (const argv of [['skip', 'weekly', '2026-12-27'], ['pause', 'weekly'], ['resume', 'weekly'], ['cancel', 'weekly']]) {
      const result = await runCommand(argv, {env})
      expect(result.exitCode, `${argv.join(' ')}: ${result.stderr}`).to.equal(0)
    }
    const history = await runCommand(['history', 'weekly', '-o', 'json'], {env})
    expect(history.exitCode, history.stderr).to.equal(0)
    const entries = (JSON.parse(history.stdout) as {items: Entry[]}).items
    expect(entries.map((e) => e.by)).to.deep.equal([USER, USER, USER, USER])
    expect(entries.at(-1)?.phase).to.equal('Cancelled')
    const table = await runCommand(['history', 'weekly'], {env})
    expect(table.stdout.split('\n').slice(1, -1).every((line) => line.includes(USER))).to.equal(true)
  })

  it('keeps the last 50 entries on the window: the oldest goes when a command adds one', async () => {
    const seeded: Entry[] = Array.from({length: 50}, (_v, i) => ({by: 'cronjob', message: `entry ${i}`, phase: 'Scheduled', time: `2026-12-0${1 + Math.floor(i / 10)}T00:0${i % 10}:00Z`}))
    const long = windowConfigMap({duration: '1h', every: '0 3 * * 0', name: 'long', namespace: 'shop', phase: 'Scheduled', start: '2026-11-01T02:00:00Z', targets: 'ingress/shop'})
    server.seed({...long, data: {history: JSON.stringify(seeded)}})
    const env = {KUBECONFIG: kubeconfigOf(server, USER), KUBECTL_MAINTENANCE_NOW: SATURDAY}
    expect((await runCommand(['pause', 'long'], {env})).exitCode).to.equal(0)
    const stored = JSON.parse((server.object('v1', 'ConfigMap', 'shop', 'long') as Stored).data?.history ?? '[]') as Entry[]
    expect(stored).to.have.length(50)
    expect(stored[0].message).to.equal('entry 1')
    expect(stored.at(-1)).to.include({by: USER})
    expect(stored.at(-1)?.message).to.match(/paused/)
  })

  it('pause: the CronJob switches nothing at the next occurrence, the feed shows it cancelled (paused); resume: the one after switches', async () => {
    const env = envFor(server, SATURDAY)
    expect((await runCommand(['pause', 'weekly', '-n', 'shop'], {env})).exitCode).to.equal(0)
    const loaded = readConfig(KubeConfig, {kubeconfig: server.kubeconfigPath, namespace: 'shop'})
    const client = new KubeClient(loaded.config, 'shop', loaded.contextName, {attempts: 3, baseDelayMs: 1, sleep: async () => {}})
    const clock = new FakeClock(Date.parse('2026-12-20T00:59:00Z'))
    const enginePass = async () => expect((await reconcile(client, {clock, horizonMs: 0, namespace: 'shop', waitForTransitions: false})).errors).to.deep.equal([])
    const switched = () => (server.object('networking.k8s.io/v1', 'Ingress', 'shop', 'shop') as Stored).metadata.annotations?.['kubectl-maintenance.io/original'] !== undefined
    await enginePass()
    const events = new ICAL.Component(ICAL.parse((server.object('v1', 'ConfigMap', 'shop', 'kubectl-maintenance-schedule') as Stored).data?.['schedule.ics'] ?? '')).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v))
    expect(events[0].startDate.toJSDate().toISOString()).to.equal('2026-12-20T01:00:00.000Z')
    expect(events[0].component.getFirstPropertyValue('status')).to.equal('CANCELLED')
    expect(events[0].description).to.include('The series is paused.')
    clock.current = Date.parse('2026-12-20T01:00:30Z')
    await enginePass()
    expect(switched(), 'paused: not switched').to.equal(false)
    const resumed = await runCommand(['resume', 'weekly', '-n', 'shop'], {env: envFor(server, '2026-12-21T00:00:00Z')})
    expect(resumed.stdout).to.equal('window weekly resumed: the next occurrence starts 2026-12-27 02:00 CET\n')
    clock.current = Date.parse('2026-12-27T01:00:30Z')
    await enginePass()
    expect(switched(), 'resumed: the next occurrence is switched').to.equal(true)
  })
})
