import {expect} from 'chai'

import type {ApiServer} from '../support/apiserver.js'

import {runCommand} from '../support/run-command.js'
import {deleteConfigMap, envFor, ingress, renderHelp, service, startCluster} from './fixtures.js'

type Stored = {metadata: {annotations: Record<string, string>}; data?: Record<string, string>}
const BERLIN = ['--timezone', 'Europe/Berlin']

describe('now', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(ingress('shop', 'shop'), ingress('late', 'shop'), service('web', 'shop'))
  })

  after(async () => server.close())

  beforeEach(() => server.clearLog())

  const now = (...argv: string[]) => runCommand(['now', ...argv, '-n', 'shop'], {env: envFor(server)})

  it('creates an open-ended window starting now and switches the target at once, printing before -> after', async () => {
    const result = await now('service/web', ...BERLIN, '--reason', 'Disk full')
    expect(result.stdout).to.match(
      /^window service-web-20261224-2100 created: service\/web from 2026-12-24 21:00 CET until ended\nservice\/web: app=web -> pods of maintenance-[0-9a-f]{10}\n$/,
    )
    expect(result.stderr).to.equal('')
    expect(result.exitCode).to.equal(0)
    const stored = server.object('v1', 'ConfigMap', 'shop', 'service-web-20261224-2100') as Stored
    expect(stored.metadata.annotations).to.deep.include({
      'kubectl-maintenance.io/page': 'default',
      'kubectl-maintenance.io/start': '2026-12-24T20:00:00Z',
      'kubectl-maintenance.io/targets': 'service/web',
      'kubectl-maintenance.io/timezone': 'Europe/Berlin',
    })
    expect(stored.metadata.annotations['kubectl-maintenance.io/phase']).to.equal('Active')
    const {history, ...data} = stored.data as Record<string, string>
    expect(data).to.deep.equal({reason: 'Disk full'})
    // The pass `now` ran is the CLI user's: the history names the kubeconfig user.
    expect((JSON.parse(history) as Array<{phase: string; by: string}>).map((e) => [e.phase, e.by])).to.deep.equal([['Active', 'in-process']])
    const switched = server.object('v1', 'Service', 'shop', 'web') as {metadata: {labels: Record<string, string>}}
    expect(switched.metadata.labels['kubectl-maintenance.io/active']).to.equal('true')

    const ended = await runCommand(['end', 'service/web', '-n', 'shop'], {env: envFor(server)})
    expect(ended.exitCode).to.equal(0)
    expect(ended.stdout).to.match(/^window service-web-20261224-2100 ended at 2026-12-24 21:00 CET\n/)
    const restored = server.object('v1', 'Service', 'shop', 'web') as {metadata: {labels?: Record<string, string>}; spec: {selector: unknown}}
    expect(restored.spec.selector).to.deep.equal({app: 'web'})
    expect(restored.metadata.labels?.['kubectl-maintenance.io/active']).to.equal(undefined)
    await deleteConfigMap(server, 'shop', 'service-web-20261224-2100')
  })

  it('--for sets the end and warns that without the CronJob nothing restores it then', async () => {
    const result = await now('ingress/shop', ...BERLIN, '--for', '30m', '--name', 'quick', '-o', 'name')
    expect(result.stdout).to.equal('window/quick\n')
    expect(result.stderr).to.include(
      "Warning: no CronJob kubectl-maintenance in namespace kubectl-maintenance: nothing will restore the targets at the window's end (end it by hand with kubectl maintenance end quick); run kubectl maintenance install\n",
    )
    const stored = server.object('v1', 'ConfigMap', 'shop', 'quick') as Stored
    expect(stored.metadata.annotations['kubectl-maintenance.io/end']).to.equal('2026-12-24T20:30:00Z')
    await deleteConfigMap(server, 'shop', 'quick')
  })

  it('--until reads a local time in --timezone', async () => {
    const result = await now('ingress/late', ...BERLIN, '--until', '23:00', '--name', 'until')
    expect(result.stdout).to.match(/^window until created: ingress\/late from 2026-12-24 21:00 CET to 2026-12-24 23:00 CET\ningress\/late: late:80 -> maintenance-[0-9a-f]{10}:80\n$/)
    await deleteConfigMap(server, 'shop', 'until')
  })

  const badInputs: Array<[string, string[], string]> = [
    ['a target that does not exist', ['ingress/nope'], 'ingress/nope not found in namespace shop'],
    ['a malformed target', ['ingress'], 'target "ingress" has no kind'],
    ['a zero --for', ['ingress/shop', '--for', '0s'], '--for'],
    ['both --for and --until', ['ingress/shop', '--for', '1h', '--until', '23:00'], '--'],
    ['an --until in the past', ['ingress/shop', '--until', '2026-12-24 20:00', ...BERLIN], '--until 2026-12-24 20:00 CET is not in the future'],
    ['a bare --until that has passed today (issue 14 item 4)', ['ingress/shop', '--until', '20:30', ...BERLIN], '--until: "20:30" has already passed today in Europe/Berlin (now 2026-12-24 21:00 CET); for tomorrow write the date: "2026-12-25 20:30"'],
    ['a bad --fold', ['ingress/shop', '--until', '23:00', '--fold', 'sideways'], '--fold'],
    ['a bad --timeout', ['ingress/shop', '--timeout', 'soon'], '--timeout: '],
    ['an unknown page', ['ingress/shop', '--page', 'nope'], 'page "nope" not found'],
    ['a --name that is not DNS-1123', ['ingress/shop', '--name', '-x-'], '--name "-x-"'],
    ['a message over 4 KiB', ['ingress/shop', '--message', 'é'.repeat(2049)], '--message is 4098 bytes'],
  ]
  for (const [title, argv, message] of badInputs) {
    it(`exits 2 and writes nothing for ${title}`, async () => {
      const result = await now(...argv)
      expect(result.stderr).to.include(message)
      expect(result.exitCode).to.equal(2)
      expect(server.writes()).to.deep.equal([])
    })
  }

  it('has help with kubectl-style examples', async () => {
    expect(await renderHelp('now')).to.include('$ kubectl maintenance now ingress/shop -n shop --for 30m --message "Back in half an hour"')
  })
})

describe('now, twice (issue 14 item 6)', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(ingress('shop', 'shop'), ingress('other', 'shop'))
  })

  after(async () => server.close())

  const now = (...argv: string[]) => runCommand(['now', ...argv, '-n', 'shop', ...BERLIN], {env: envFor(server, '2026-12-24T20:00:30Z')})
  const windows = () => server.objects('v1', 'ConfigMap', 'shop').filter((cm) => (cm.metadata as {labels?: Record<string, string>}).labels?.['kubectl-maintenance.io/role'] === 'window')

  it('a second now on targets in maintenance says so, writes nothing and exits 0; --force makes a second window', async () => {
    const first = await runCommand(['now', 'ingress/shop', '-n', 'shop', ...BERLIN, '--for', '1h'], {env: envFor(server)})
    expect(first.exitCode, first.stderr).to.equal(0)
    server.clearLog()
    const second = await now('ingress/shop', '--for', '1h')
    expect(second).to.deep.equal({
      exitCode: 0,
      stderr: '',
      stdout: 'already in maintenance: ingress/shop by window ingress-shop-20261224-2100 (until 2026-12-24 22:00 CET); nothing changed (extend or end that window, or add --force for a second window)\n',
    })
    expect(server.writes()).to.deep.equal([])
    expect(windows()).to.have.length(1)

    const partly = await now('ingress/shop', 'ingress/other')
    expect(partly.exitCode).to.equal(2)
    expect(partly.stderr).to.include('run now for ingress/other only, or add --force')
    expect(server.writes()).to.deep.equal([])

    const forced = await now('ingress/shop', '--for', '1h', '--force')
    expect(forced.exitCode, forced.stderr).to.equal(0)
    expect(windows()).to.have.length(2)
  })
})

describe('now whose backend never becomes ready (issue 14 item 14)', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(ingress('shop', 'shop'), ingress('kept', 'shop'))
    server.setReadyDelay(3_600_000)
  })

  after(async () => server.close())

  // The wait is measured against the backend's creationTimestamp, which the in-process server stamps with the real clock.
  const realClock = () => envFor(server, new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z'))
  const objectsOf = (kind: string, apiVersion: string, role: string) =>
    server.objects(apiVersion, kind, 'shop').filter((o) => (o.metadata as {labels?: Record<string, string>}).labels?.['kubectl-maintenance.io/role'] === role)

  it('exits 1 with the reason, removes its window and lets the pass remove its backend', async () => {
    const result = await runCommand(['now', 'ingress/shop', '-n', 'shop', '--timeout', '2s', '--name', 'doomed'], {env: realClock()})
    expect(result.exitCode, JSON.stringify(result)).to.equal(1)
    expect(result.stderr).to.match(/backend shop\/maintenance-[0-9a-f]{10} did not become ready within 2s; window doomed was removed and nothing stays in maintenance \(--keep keeps it/)
    expect(server.object('v1', 'ConfigMap', 'shop', 'doomed')).to.equal(undefined)
    expect(objectsOf('Deployment', 'apps/v1', 'backend')).to.deep.equal([])
    const shop = server.object('networking.k8s.io/v1', 'Ingress', 'shop', 'shop') as {metadata: {labels?: Record<string, string>}}
    expect(shop.metadata.labels?.['kubectl-maintenance.io/active']).to.equal(undefined)
  })

  it('--keep keeps the window for the CronJob to retry', async () => {
    const result = await runCommand(['now', 'ingress/kept', '-n', 'shop', '--timeout', '2s', '--name', 'kept', '--keep'], {env: realClock()})
    expect(result.exitCode).to.equal(1)
    expect(result.stderr).to.include('the window is stored and the CronJob keeps trying')
    expect(server.object('v1', 'ConfigMap', 'shop', 'kept')).to.not.equal(undefined)
  })
})

describe('the page of a now window (issue 14, small defects)', function () {
  this.timeout(60_000)
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(ingress('shop', 'shop'), ingress('planned', 'shop'))
  })

  after(async () => server.close())

  const realNow = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z')
  const servedHtml = (name: string) => {
    const target = server.object('networking.k8s.io/v1', 'Ingress', 'shop', name) as {metadata: {annotations?: Record<string, string>}}
    const backend = target.metadata.annotations?.['kubectl-maintenance.io/backend'] as string
    return Object.values((server.object('v1', 'ConfigMap', 'shop', backend) as {data: Record<string, string>}).data).join('\n')
  }

  it('says "Maintenance in progress", not "Scheduled maintenance", for an emergency now; a scheduled window keeps its label', async () => {
    const result = await runCommand(['now', 'ingress/shop', '-n', 'shop'], {env: envFor(server, realNow())})
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(servedHtml('shop')).to.include('Maintenance in progress').and.not.include('Scheduled maintenance')

    const start = new Date(Date.now() + 7000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    const scheduled = await runCommand(['schedule', 'ingress/planned', '-n', 'shop', '--start', start, '--duration', '1h'], {env: envFor(server, realNow())})
    expect(scheduled.exitCode, scheduled.stderr).to.equal(0)
    const pass = await runCommand(['reconcile', '-n', 'shop', '--horizon', '10s'], {env: envFor(server, realNow())})
    expect(pass.exitCode, pass.stderr).to.equal(0)
    expect(servedHtml('planned')).to.include('Scheduled maintenance')
  })
})
