import {expect} from 'chai'

import type {ApiServer} from '../support/apiserver.js'

import {startApiServer} from '../support/apiserver.js'
import {runCommand} from '../support/run-command.js'
import {NOW, customPage, deleteConfigMap, envFor, renderHelp, ingress, installCronJob, service, startCluster, unreachableKubeconfig, windowConfigMap} from './fixtures.js'

const BERLIN = ['--timezone', 'Europe/Berlin']

describe('schedule', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(ingress('shop', 'shop'), service('web', 'shop'), installCronJob(), customPage('fancy', 'kubectl-maintenance'))
    server.seed(windowConfigMap({end: '2026-12-26T12:00:00Z', name: 'taken', namespace: 'shop', start: '2026-12-26T10:00:00Z', targets: 'service/web'}))
  })

  after(async () => server.close())

  beforeEach(() => server.clearLog())

  const schedule = (...argv: string[]) => runCommand(['schedule', ...argv], {env: envFor(server)})

  it('writes the window ConfigMap of SPEC §3 and lists it in the window timezone', async () => {
    const result = await schedule('ingress/shop', '-n', 'shop', '--start', '2026-12-24 22:00', '--duration', '2h', ...BERLIN, '--message', 'Upgrading the database')
    expect(result.stderr).to.equal('')
    expect(result.stdout).to.equal('window ingress-shop-20261224-2200 created: ingress/shop from 2026-12-24 22:00 CET to 2026-12-25 00:00 CET\n')
    expect(result.exitCode).to.equal(0)
    const stored = server.object('v1', 'ConfigMap', 'shop', 'ingress-shop-20261224-2200') as {metadata: {labels: unknown; annotations: unknown}; data: unknown}
    expect(stored.metadata.labels).to.deep.equal({'app.kubernetes.io/managed-by': 'kubectl-maintenance', 'kubectl-maintenance.io/role': 'window'})
    expect(stored.metadata.annotations).to.deep.equal({
      'kubectl-maintenance.io/end': '2026-12-24T23:00:00Z',
      'kubectl-maintenance.io/page': 'default',
      'kubectl-maintenance.io/start': '2026-12-24T21:00:00Z',
      'kubectl-maintenance.io/targets': 'ingress/shop',
      'kubectl-maintenance.io/timezone': 'Europe/Berlin',
    })
    expect(stored.data).to.deep.equal({message: 'Upgrading the database'})

    const list = await runCommand(['list', '-n', 'shop'], {env: envFor(server)})
    expect(list.stdout).to.equal(
      [
        'NAME                         TARGETS        START (CET)        END (CET)     PHASE     PAGE',
        'ingress-shop-20261224-2200   ingress/shop   2026-12-24 22:00   12-25 00:00   Pending   default',
        'taken                        service/web    2026-12-26 11:00   13:00         Pending   default',
        '',
      ].join('\n'),
    )
    await deleteConfigMap(server, 'shop', 'ingress-shop-20261224-2200')
  })

  it('--dry-run prints the ConfigMap the server would store and writes nothing', async () => {
    const result = await schedule('svc/web', '-n', 'shop', '--start', '2026-12-25T08:00:00+01:00', '--end', '2026-12-25T09:30:00+01:00', ...BERLIN, '--dry-run', '-o', 'json')
    expect(result.exitCode).to.equal(0)
    expect(server.writes()).to.have.length(0)
    const printed = JSON.parse(result.stdout) as {kind: string; metadata: {name: string; annotations: Record<string, string>}}
    expect(printed.kind).to.equal('ConfigMap')
    expect(printed.metadata.name).to.equal('service-web-20261225-0800')
    expect(printed.metadata.annotations['kubectl-maintenance.io/start']).to.equal('2026-12-25T07:00:00Z')
    expect(printed.metadata.annotations['kubectl-maintenance.io/end']).to.equal('2026-12-25T08:30:00Z')
  })

  it('a recurring window stores every and duration and no end; -o name prints window/NAME', async () => {
    const result = await schedule('service/web', '-n', 'shop', '--start', '2027-01-01 00:00', '--every', '0 2 * * 0', '--duration', '2h', ...BERLIN, '--name', 'weekly', '-o', 'name')
    expect(result.stdout).to.equal('window/weekly\n')
    const stored = server.object('v1', 'ConfigMap', 'shop', 'weekly') as {metadata: {annotations: Record<string, string>}}
    expect(stored.metadata.annotations['kubectl-maintenance.io/every']).to.equal('0 2 * * 0')
    expect(stored.metadata.annotations['kubectl-maintenance.io/duration']).to.equal('2h')
    expect(stored.metadata.annotations).not.to.have.property('kubectl-maintenance.io/end')
    await deleteConfigMap(server, 'shop', 'weekly')
  })

  it('--fold later takes the second of a local time clocks show twice (issue 14 item 8)', async () => {
    const result = await schedule('service/web', '-n', 'shop', '--start', '2027-10-31 02:30', '--duration', '1h', ...BERLIN, '--fold', 'later', '--name', 'folded', '-o', 'name')
    expect(result.exitCode, result.stderr).to.equal(0)
    const stored = server.object('v1', 'ConfigMap', 'shop', 'folded') as {metadata: {annotations: Record<string, string>}}
    expect(stored.metadata.annotations['kubectl-maintenance.io/start']).to.equal('2027-10-31T01:30:00Z')
    await deleteConfigMap(server, 'shop', 'folded')
  })

  it('a recurring window starts, is shown and named at its first occurrence, not at --start (issue 14 item 7)', async () => {
    // Thursday 2026-12-24 21:00 in Berlin: "02:00" is Friday, the first Sunday at 02:00 is the 27th.
    const result = await schedule('service/web', '-n', 'shop', '--start', '02:00', '--every', '0 2 * * 0', '--duration', '1h', ...BERLIN)
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(result.stdout).to.equal('window service-web-20261227-0200 created: service/web for 1h at "0 2 * * 0" (Europe/Berlin) from 2026-12-27 02:00 CET\n')
    const stored = server.object('v1', 'ConfigMap', 'shop', 'service-web-20261227-0200') as {metadata: {annotations: Record<string, string>}}
    expect(stored.metadata.annotations['kubectl-maintenance.io/start']).to.equal('2026-12-27T01:00:00Z')
    await deleteConfigMap(server, 'shop', 'service-web-20261227-0200')
  })

  it('warns, and still writes, when the window overlaps another one on the same target', async () => {
    const result = await schedule('service/web', '-n', 'shop', '--start', '2026-12-26 12:30', '--duration', '1h', ...BERLIN, '--name', 'overlapping')
    expect(result.exitCode).to.equal(0)
    expect(result.stderr).to.equal('Warning: window "overlapping" overlaps window "taken" on service/web; the one that started last decides the page\n')
    expect(server.writes()).to.have.length(1)
    await deleteConfigMap(server, 'shop', 'overlapping')
  })

  it('reads a bare --end as today when it is after the start', async () => {
    const result = await schedule('ingress/shop', '-n', 'shop', '--start', '22:00', '--end', '23:30', ...BERLIN, '--name', 'bare-end', '--dry-run')
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(result.stdout).to.equal('window bare-end created (dry run): ingress/shop from 2026-12-24 22:00 CET to 2026-12-24 23:30 CET\n')
  })

  it('accepts a custom page from the install namespace', async () => {
    const result = await schedule('ingress/shop', '-n', 'shop', '--start', '+1h', '--duration', '30m', ...BERLIN, '--page', 'fancy', '--name', 'fancy-one')
    expect(result.exitCode).to.equal(0)
    expect(result.stdout).to.equal('window fancy-one created: ingress/shop from 2026-12-24 22:00 CET to 2026-12-24 22:30 CET\n')
    await deleteConfigMap(server, 'shop', 'fancy-one')
  })

  const good = ['ingress/shop', '-n', 'shop', '--start', '2026-12-24 22:00', '--duration', '2h', ...BERLIN]
  const replace = (flag: string, value: string): string[] => {
    const argv = [...good]
    argv[argv.indexOf(flag) + 1] = value
    return argv
  }

  const badInputs: Array<{title: string; argv: string[]; message: string | RegExp}> = [
    {argv: [...good, '--bogus'], message: /unknown flag: --bogus/, title: 'an unknown flag'},
    {argv: ['deployment/x', ...good.slice(1)], message: 'target "deployment/x": kind "deployment" is not supported', title: 'an unknown kind'},
    {argv: ['ingress/', ...good.slice(1)], message: 'target "ingress/" has no name', title: 'a target without name'},
    {argv: ['ingress', ...good.slice(1)], message: 'target "ingress" has no kind', title: 'a target without kind'},
    {argv: ['ingress/UPPER', ...good.slice(1)], message: '"UPPER" is not a valid Kubernetes name', title: 'a target name that is not DNS-1123'},
    {argv: ['ingress/nope', ...good.slice(1)], message: 'ingress/nope not found in namespace shop', title: 'a target that does not exist'},
    {argv: [...replace('--duration', '2h').slice(0, -4), '--end', '2026-12-24 21:30', ...BERLIN], message: 'is not after --start 2026-12-24 22:00 CET', title: 'an end before the start'},
    // A bare end time is today's: never moved to the next day unasked (issue 14 "nothing silent"), the date suggested.
    {argv: [...replace('--duration', '2h').slice(0, -4), '--end', '20:30', ...BERLIN], message: 'error: --end: "20:30" has already passed today in Europe/Berlin (now 2026-12-24 21:00 CET); for tomorrow write the date: "2026-12-25 20:30", or a relative time such as +30m\n', title: 'a bare --end that has passed today'},
    {argv: [...replace('--duration', '2h').slice(0, -4), '--end', '21:30', ...BERLIN], message: 'error: --end: "21:30" (today, 2026-12-24 21:30) is not after the start 2026-12-24 22:00 CET; a bare time is not moved to another day: write the date, "2026-12-25 21:30"\n', title: 'a bare --end before --start (later today)'},
    {argv: ['ingress/shop', '-n', 'shop', '--start', '2026-12-27 10:00', '--end', '12:00', ...BERLIN], message: 'error: --end: "12:00" has already passed today in Europe/Berlin (now 2026-12-24 21:00 CET); for another day write the date: "2026-12-27 12:00"', title: 'a bare --end that has passed, with a start days ahead'},
    {argv: replace('--duration', '0s'), message: '--duration', title: 'a zero duration'},
    {argv: replace('--duration', '-1h'), message: '--duration', title: 'a negative duration'},
    {argv: replace('--start', '2026-12-24 20:00'), message: '--start 2026-12-24 20:00 CET is in the past (now: 2026-12-24 21:00 CET)', title: 'a start in the past'},
    {argv: [...good, '--end', '2026-12-25 01:00'], message: /--end|--duration/, title: 'both --end and --duration'},
    {argv: replace('--start', 'tomorrowish'), message: '--start: ', title: 'an unparseable WHEN'},
    {argv: replace('--start', '2027-10-31 02:30'), message: '--start: "2027-10-31 02:30" happens twice in Europe/Berlin: clocks go back that night (daylight saving time ends); add --fold earlier', title: 'an ambiguous local time on a fall-back night (issue 14 item 8)'},
    {argv: replace('--start', '2027-03-28 02:30'), message: '--start: "2027-03-28 02:30" does not exist in Europe/Berlin', title: 'a local time clocks skip (spring forward)'},
    {argv: [...good.slice(0, -4), '--duration', '1h', '--every', '*/5 * * * *', ...BERLIN], message: '--duration 1h is longer than the time between occurrences of "*/5 * * * *" (5m, from 2026-12-24 22:00 CET to 2026-12-24 22:05 CET): each would overlap the next', title: 'occurrences that overlap the next (issue 14 item 7)'},
    {argv: replace('--timezone', 'CET'), message: '--timezone: ', title: 'a zone abbreviation'},
    {argv: replace('--timezone', 'Mars/Olympus'), message: '--timezone: ', title: 'an unknown zone'},
    {argv: [...good, '--every', '61 * * * *'], message: '--every: ', title: 'an invalid cron'},
    {argv: [...good.slice(0, -4), '--end', '2026-12-25 01:00', '--every', '0 2 * * 0', ...BERLIN], message: '--every needs --duration', title: '--every without --duration'},
    {argv: [...good, '--name', 'Bad_Name'], message: '--name "Bad_Name"', title: 'a --name that is not DNS-1123'},
    {argv: [...good, '--name', 'taken'], message: 'window "taken" already exists in namespace shop', title: 'a window name that exists'},
    {argv: [...good, '--message', 'x'.repeat(4097)], message: '--message is 4097 bytes; at most 4096 bytes (4 KiB) are allowed', title: 'a message over 4 KiB'},
    {argv: [...good, '--page', 'nope'], message: 'page "nope" not found: no ConfigMap maintenance-page-nope in namespace shop nor in kubectl-maintenance; see kubectl maintenance page list', title: 'an unknown page'},
    {argv: [...good, '--context', 'nowhere'], message: /context "nowhere" does not exist in the kubeconfig; known contexts: \S+/, title: 'an unknown context'},
  ]

  for (const {argv, message, title} of badInputs) {
    it(`exits 2 and writes nothing for ${title}`, async () => {
      const result = await schedule(...argv)
      if (typeof message === 'string') expect(result.stderr).to.include(message)
      else expect(result.stderr).to.match(message)
      expect(result.exitCode).to.equal(2)
      expect(result.stdout).to.equal('')
      expect(server.writes()).to.deep.equal([])
    })
  }

  it('exits 1 with the reason when the cluster cannot be reached', async () => {
    const result = await runCommand(['schedule', ...good, '--kubeconfig', unreachableKubeconfig()], {env: {KUBECTL_MAINTENANCE_NOW: NOW}})
    expect(result.exitCode).to.equal(1)
    expect(result.stderr).to.match(/cannot reach the cluster at http:\/\/127\.0\.0\.1:1: ECONNREFUSED/)
  })

  it('has help with kubectl-style examples', async () => {
    const help = await renderHelp('schedule')
    expect(help).to.include('$ kubectl maintenance schedule ingress/shop -n shop --start "2026-12-24 22:00" --duration 2h')
    expect(help).to.match(/--start=<value>\s+\(required\) When the window starts/)
  })
})

describe('schedule on a cluster without the CronJob, with only the legacy Traefik group', () => {
  let server: ApiServer

  before(async () => {
    server = await startApiServer({crds: ['traefik.containo.us'], namespaces: ['default', 'shop']})
    server.seed({
      apiVersion: 'traefik.containo.us/v1alpha1',
      kind: 'IngressRoute',
      metadata: {name: 'shop', namespace: 'shop'},
      spec: {entryPoints: ['web'], routes: [{kind: 'Rule', match: 'Host(`shop.example.com`)', services: [{name: 'shop', port: 80}]}]},
    })
  })

  after(async () => server.close())

  afterEach(() => server.faults.clear())

  const argv = ['ingressroute/shop', '-n', 'shop', '--start', '+1h', '--duration', '1h', ...BERLIN]

  it('finds an IngressRoute in traefik.containo.us and warns that nothing will apply the window', async () => {
    const result = await runCommand(['schedule', ...argv, '--name', 'legacy'], {env: envFor(server)})
    expect(result.stdout).to.equal('window legacy created: ingressroute/shop from 2026-12-24 22:00 CET to 2026-12-24 23:00 CET\n')
    expect(result.stderr).to.equal(
      'Warning: no CronJob kubectl-maintenance in namespace kubectl-maintenance: nothing will apply this window at its start; run kubectl maintenance install\n',
    )
  })

  it('says the CronJob could not be checked when reading it is forbidden', async () => {
    server.faults.deny('list', 'cronjobs')
    const later = ['ingressroute/shop', '-n', 'shop', '--start', '+3h', '--duration', '1h']
    const result = await runCommand(['schedule', ...later, '--name', 'forbidden'], {env: envFor(server)})
    expect(result.exitCode).to.equal(0)
    expect(result.stderr).to.equal(
      'Warning: could not check for the CronJob kubectl-maintenance in namespace kubectl-maintenance (forbidden); without it nothing will apply this window at its start\n',
    )
  })

  it('exits 1 with the API reason when the write is forbidden', async () => {
    server.faults.deny('create', 'configmaps')
    const result = await runCommand(['schedule', ...argv, '--name', 'denied'], {env: envFor(server)})
    expect(result.exitCode).to.equal(1)
    expect(result.stderr).to.match(/error: POST \/api\/v1\/namespaces\/shop\/configmaps: .*\(Forbidden\)/)
  })
})

describe('schedule with the CronJobs of install --namespaces', () => {
  let server: ApiServer

  before(async () => {
    server = await startApiServer({namespaces: ['default', 'shop', 'other', 'kubectl-maintenance']})
    server.seed(ingress('shop', 'shop'), ingress('other', 'other'), installCronJob('shop'), installCronJob('web'))
  })

  after(async () => server.close())

  it('finds them by label: no warning for a namespace one reconciles, a warning naming them for another', async () => {
    const window = ['--start', '+1h', '--duration', '1h', ...BERLIN]
    const covered = await runCommand(['schedule', 'ingress/shop', '-n', 'shop', ...window], {env: envFor(server)})
    expect(covered.exitCode).to.equal(0)
    expect(covered.stderr).to.equal('')
    const other = await runCommand(['schedule', 'ingress/other', '-n', 'other', ...window], {env: envFor(server)})
    expect(other.stderr).to.equal(
      'Warning: no CronJob of namespace kubectl-maintenance (kubectl-maintenance-shop, kubectl-maintenance-web) reconciles namespace other: nothing will apply this window at its start; add it with kubectl maintenance install --namespaces\n',
    )
  })
})

describe('schedule, twice (issue 14 item 6)', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(ingress('shop', 'shop'))
  })

  after(async () => server.close())

  it('an identical schedule is AlreadyExists, exit 2, nothing written (no ...-2 copy)', async () => {
    const argv = ['schedule', 'ingress/shop', '-n', 'shop', '--start', '2026-12-24 22:00', '--duration', '2h', '--timezone', 'Europe/Berlin']
    const first = await runCommand(argv, {env: envFor(server)})
    expect(first.exitCode, first.stderr).to.equal(0)
    server.clearLog()
    const second = await runCommand(argv, {env: envFor(server)})
    expect(second.exitCode).to.equal(2)
    expect(second.stderr).to.include('window "ingress-shop-20261224-2200" already exists in namespace shop for ingress/shop with the same times and page (AlreadyExists)')
    expect(server.writes()).to.deep.equal([])
    expect(server.object('v1', 'ConfigMap', 'shop', 'ingress-shop-20261224-2200-2')).to.equal(undefined)
  })
})
