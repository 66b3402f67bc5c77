import {KubeConfig} from '@kubernetes/client-node'
import {expect} from 'chai'

import type {ApiServer} from '../support/apiserver.js'

import {KubeClient} from '../../src/kube/client.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {reconcile} from '../../src/kube/reconcile.js'
import {FakeClock} from '../reliability/support.js'
import {runCommand} from '../support/run-command.js'
import {envFor, ingress, startCluster, windowConfigMap} from './fixtures.js'

type Stored = {metadata: {annotations: Record<string, string>}; data?: Record<string, string>; spec?: unknown}

/** Saturday 2026-12-19, 13:00 in Berlin. */
const SATURDAY = '2026-12-19T12:00:00Z'

describe('skip, pause, resume and schedule --skip/--announce', function () {
  this.timeout(60_000)
  let server: ApiServer

  beforeEach(async () => {
    server = await startCluster()
    server.seed(
      ingress('shop', 'shop'),
      windowConfigMap({duration: '2h', every: '0 2 * * 0', name: 'weekly', namespace: 'shop', phase: 'Scheduled', start: '2026-11-01T00:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-24T12:00:00Z', name: 'once', namespace: 'shop', phase: 'Scheduled', start: '2026-12-24T10:00:00Z', targets: 'ingress/shop'}),
    )
    server.clearLog()
  })

  afterEach(async () => server.close())

  const run = (argv: string[], now = SATURDAY) => runCommand([...argv, '-n', 'shop'], {env: envFor(server, now)})
  const annotations = (name: string) => (server.object('v1', 'ConfigMap', 'shop', name) as Stored).metadata.annotations

  it('skip WINDOW DATE stores the day and records it in the history; the pass does not switch on that day', async () => {
    const result = await run(['skip', 'weekly', '2026-12-20'])
    expect(result).to.deep.equal({exitCode: 0, stderr: '', stdout: 'window weekly: 2026-12-20 skipped (2026-12-20 02:00 CET will not start)\n'})
    expect(annotations('weekly')['kubectl-maintenance.io/skip']).to.equal('2026-12-20')
    const history = JSON.parse((server.object('v1', 'ConfigMap', 'shop', 'weekly') as Stored).data?.history ?? '[]') as Array<{message: string; by: string}>
    expect(history.map((e) => e.by)).to.deep.equal(['in-process'])

    const loaded = readConfig(KubeConfig, {kubeconfig: server.kubeconfigPath, namespace: 'shop'})
    const client = new KubeClient(loaded.config, 'shop', loaded.contextName, {attempts: 3, baseDelayMs: 1, sleep: async () => {}})
    const clock = new FakeClock(Date.parse('2026-12-20T00:59:00Z'))
    expect((await reconcile(client, {clock, horizonMs: 0, namespace: 'shop', waitForTransitions: false})).errors).to.deep.equal([])
    const feed = server.object('v1', 'ConfigMap', 'shop', 'kubectl-maintenance-schedule') as Stored
    expect(feed.data?.['schedule.ics']).to.include('STATUS:CANCELLED')
    clock.current = Date.parse('2026-12-20T01:00:30Z')
    expect((await reconcile(client, {clock, horizonMs: 0, namespace: 'shop', waitForTransitions: false})).errors).to.deep.equal([])
    expect((server.object('networking.k8s.io/v1', 'Ingress', 'shop', 'shop') as Stored).metadata.annotations?.['kubectl-maintenance.io/original']).to.equal(undefined)
    expect(annotations('weekly')['kubectl-maintenance.io/phase']).to.equal('Scheduled')
    const list = await run(['list', '-o', 'wide'], '2026-12-20T01:00:00Z')
    expect(list.stdout).to.include('0 2 * * 0 (skip 2026-12-20)')
  })

  for (const [what, argv, message] of [
    ['a date that is not a date', ['skip', 'weekly', '2026-13-01'], 'date "2026-13-01" does not exist'],
    ['a day without occurrence', ['skip', 'weekly', '2026-12-22'], 'window weekly has no occurrence on 2026-12-22'],
    ['no day at all', ['skip', 'weekly'], 'give the day to skip'],
    ['a one-off window', ['skip', 'once', '2026-12-24'], 'window once does not recur'],
    ['pause of a one-off window', ['pause', 'once'], 'window once does not recur'],
    ['a window that does not exist', ['resume', 'nope'], 'window "nope" not found'],
    ['schedule --skip without --every', ['schedule', 'ingress/shop', '--start', '2026-12-24T10:00:00Z', '--duration', '1h', '--skip', '2026-12-24'], '--skip needs --every'],
    ['schedule --skip with a bad date', ['schedule', 'ingress/shop', '--start', '2026-12-24T10:00:00Z', '--duration', '1h', '--every', '0 2 * * 0', '--skip', 'sunday'], '--skip: date "sunday" is not a date'],
    ['schedule --announce that is not a duration', ['schedule', 'ingress/shop', '--start', '2026-12-24T10:00:00Z', '--duration', '1h', '--announce', 'soon'], '--announce: cannot read "soon" as a duration'],
    ['now --announce of zero', ['now', 'ingress/shop', '--for', '1h', '--announce', '0s'], '--announce'],
  ] as const) {
    it(`exits 2 on ${what} and writes nothing`, async () => {
      const result = await run([...argv])
      expect(result.exitCode, result.stderr).to.equal(2)
      expect(result.stderr).to.include(message)
      expect(server.writes()).to.deep.equal([])
    })
  }

  it('pause keeps the occurrence in progress and says so; resume says when the next one starts; both twice is once', async () => {
    const paused = await run(['pause', 'weekly'], '2026-12-20T01:30:00Z')
    expect(paused.stdout).to.equal(
      'window weekly paused: no occurrence starts until kubectl maintenance resume weekly\nthe occurrence in progress runs until 2026-12-20 04:00 CET; end it now with kubectl maintenance end weekly\n',
    )
    expect(annotations('weekly')['kubectl-maintenance.io/paused']).to.equal('2026-12-20T01:30:00Z')
    const again = await run(['pause', 'weekly'], '2026-12-20T01:31:00Z')
    expect(again.stdout).to.equal('window weekly is paused already (since 2026-12-20 02:30 CET); nothing to do\n')
    const list = await run(['list'], '2026-12-21T00:00:00Z')
    expect(list.stdout).to.include('Scheduled (paused)')
    const resumed = await run(['resume', 'weekly'], '2026-12-21T00:00:00Z')
    expect(resumed.stdout).to.equal('window weekly resumed: the next occurrence starts 2026-12-27 02:00 CET\n')
    expect(annotations('weekly')['kubectl-maintenance.io/paused']).to.equal(undefined)
    expect((await run(['resume', 'weekly'], '2026-12-21T00:00:00Z')).stdout).to.equal('window weekly is not paused; nothing to do\n')
  })

  it('schedule stores --skip and --announce on the window', async () => {
    const result = await run(['schedule', 'ingress/shop', '--start', '2026-12-20 02:00', '--timezone', 'Europe/Berlin', '--duration', '1h', '--every', '0 2 * * 0', '--skip', '2026-12-27', '--announce', '3d', '--name', 'sundays'])
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(annotations('sundays')).to.include({'kubectl-maintenance.io/announce': '3d', 'kubectl-maintenance.io/skip': '2026-12-27'})
  })
})
