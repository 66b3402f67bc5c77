import {expect} from 'chai'

import type {ApiServer} from '../support/apiserver.js'

import {runCommand} from '../support/run-command.js'
import {envFor, ingress, renderHelp, service, startCluster, windowConfigMap} from './fixtures.js'


type Stored = {metadata: {annotations?: Record<string, string>}}

describe('end', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(
      ingress('shop', 'shop'),
      ingress('idle', 'shop'),
      ingress('legacy', 'shop', {annotations: {'maintenance-operator.mithucste30.io/enabled': 'true', team: 'a'}}),
      service('web', 'shop'),
      windowConfigMap({end: '2026-12-24T23:00:00Z', name: 'active', namespace: 'shop', phase: 'Active', start: '2026-12-24T19:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({name: 'open', namespace: 'shop', phase: 'Active', start: '2026-12-24T19:00:00Z', targets: 'service/web'}),
      windowConfigMap({end: '2026-12-25T11:00:00Z', name: 'later', namespace: 'shop', phase: 'Scheduled', start: '2026-12-25T10:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({duration: '2h', every: '0 20 * * *', name: 'daily', namespace: 'shop', phase: 'Active', start: '2026-12-01T00:00:00Z', targets: 'service/batch'}),
      windowConfigMap({end: '2026-12-24T12:00:00Z', name: 'done', namespace: 'shop', phase: 'Completed', start: '2026-12-24T10:00:00Z', targets: 'ingress/shop'}),
    )
  })

  after(async () => server.close())

  beforeEach(() => server.clearLog())

  const end = (...argv: string[]) => runCommand(['end', ...argv, '-n', 'shop'], {env: envFor(server)})
  const annotations = (kind: string, apiVersion: string, name: string) => (server.object(apiVersion, kind, 'shop', name) as Stored).metadata.annotations ?? {}

  it('exits 2 and writes nothing when any named window has not started, even if others could end', async () => {
    const result = await end('open', 'later')
    expect(result.exitCode).to.equal(2)
    expect(result.stderr).to.include('window later has not started (it starts 2026-12-25 11:00 CET); use kubectl maintenance cancel later')
    expect(server.writes()).to.deep.equal([])
  })

  it('ends an active window now', async () => {
    const result = await end('active')
    expect(result).to.deep.equal({exitCode: 0, stderr: '', stdout: 'window active ended at 2026-12-24 21:00 CET\ningress/shop: shop:80 (unchanged)\n'})
    expect(annotations('ConfigMap', 'v1', 'active')['kubectl-maintenance.io/end']).to.equal('2026-12-24T20:00:00Z')
    // The end first; then the engine's pass for the namespace, which marks the window Completed.
    expect(`${server.writes()[0].method} ${server.writes()[0].path}`).to.equal('PATCH /api/v1/namespaces/shop/configmaps/active')
    expect(annotations('ConfigMap', 'v1', 'active')['kubectl-maintenance.io/phase']).to.equal('Completed')
  })

  it('for a target, ends every active window naming it', async () => {
    const result = await end('svc/web')
    expect(result.stdout).to.match(/^window open ended at 2026-12-24 21:00 CET\nservice\/web: pods of maintenance-[0-9a-f]{10} -> app=web\n$/)
    expect(result.exitCode).to.equal(0)
    expect(annotations('ConfigMap', 'v1', 'open')['kubectl-maintenance.io/end']).to.equal('2026-12-24T20:00:00Z')
  })

  it("for a target, removes maintenance-operator's enable annotation and keeps the others", async () => {
    const result = await end('ingress/legacy')
    expect(result.stdout).to.match(/^ingress\/legacy: removed annotation maintenance-operator\.mithucste30\.io\/enabled\ningress\/legacy: maintenance-[0-9a-f]{10}:80 -> legacy:80\n$/)
    expect(annotations('Ingress', 'networking.k8s.io/v1', 'legacy')).to.deep.equal({team: 'a'})
  })

  it('ends the occurrence of a recurring window in progress and keeps the later ones', async () => {
    const result = await end('daily')
    expect(result).to.deep.equal({
      exitCode: 0,
      stderr: '',
      stdout: 'window daily ended at 2026-12-24 21:00 CET for this occurrence; the next starts 2026-12-25 20:00 CET\nservice/batch: <not found> (unchanged)\n',
    })
    const stored = annotations('ConfigMap', 'v1', 'daily')
    expect(stored).to.include({'kubectl-maintenance.io/every': '0 20 * * *', 'kubectl-maintenance.io/start': '2026-12-24T20:00:00Z'})
    expect(stored).to.not.have.property('kubectl-maintenance.io/end')
    expect(stored['kubectl-maintenance.io/phase']).to.equal('Scheduled')
    const listed = await runCommand(['list', '-n', 'shop', '-o', 'wide'], {env: envFor(server)})
    expect(listed.stdout).to.match(/^daily +service\/batch +2026-12-25 20:00 +22:00 +Scheduled /m)
  })

  it('says when the occurrence it ends was the last one before the window\'s end', async () => {
    server.seed(windowConfigMap({duration: '2h', end: '2026-12-24T23:00:00Z', every: '0 20 * * *', name: 'last-night', namespace: 'shop', phase: 'Active', start: '2026-12-01T00:00:00Z', targets: 'service/batch'}))
    const result = await end('last-night')
    expect(result.stdout).to.match(/^window last-night ended at 2026-12-24 21:00 CET for this occurrence; no later occurrence\n/)
    expect(annotations('ConfigMap', 'v1', 'last-night')['kubectl-maintenance.io/phase']).to.equal('Completed')
  })

  it('ends a recurring window whole when its occurrence runs past the window\'s end', async () => {
    server.seed(windowConfigMap({duration: '2h', end: '2026-12-24T19:30:00Z', every: '0 20 * * *', name: 'overrun', namespace: 'shop', phase: 'Active', start: '2026-12-01T00:00:00Z', targets: 'service/batch'}))
    const result = await end('overrun')
    expect(result.stdout).to.match(/^window overrun ended at 2026-12-24 21:00 CET for this occurrence; no later occurrence\n/)
    expect(annotations('ConfigMap', 'v1', 'overrun')).to.include({'kubectl-maintenance.io/end': '2026-12-24T20:00:00Z', 'kubectl-maintenance.io/phase': 'Cancelled'})
  })

  it('says a window that is over needs nothing, exit 0, no write', async () => {
    const result = await end('done')
    expect(result.exitCode).to.equal(0)
    expect(result.stderr).to.include('window done has already ended; nothing to do\n')
    expect(server.writes()).to.deep.equal([])
  })

  const badInputs: Array<[string, string[], string]> = [
    ['a window that does not exist', ['nope'], 'window "nope" not found in namespace "shop"; list them with kubectl maintenance list -n shop'],
    ['a target that does not exist', ['ingress/nope'], 'ingress/nope not found in namespace shop'],
    ['a target not in maintenance', ['ingress/idle'], 'ingress/idle is not in maintenance in namespace shop'],
    ['an unknown kind', ['deployment/x'], 'kind "deployment" is not supported'],
    ['a malformed target', ['ingress/UPPER'], 'is not a valid Kubernetes name'],
    ['an unknown flag', ['active', '--bogus'], 'unknown flag: --bogus'],
  ]
  for (const [title, argv, message] of badInputs) {
    it(`exits 2 and writes nothing for ${title}`, async () => {
      const result = await end(...argv)
      expect(result.stderr).to.include(message)
      expect(result.exitCode).to.equal(2)
      expect(server.writes()).to.deep.equal([])
    })
  }

  it('has help with kubectl-style examples', async () => {
    expect(await renderHelp('end')).to.include('$ kubectl maintenance end ingress/shop -n shop')
  })
})

describe('end of a window that now made in the same second (twice.test.ts flake)', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(ingress('shop', 'shop'))
  })

  after(async () => server.close())

  it('counts it as started from its start on, as the engine does (start <= now)', async () => {
    // now stores its start on the second; an end within that second found start == now and said "has not started".
    const made = await runCommand(['now', 'ingress/shop', '-n', 'shop', '--name', 'same-second', '--no-wait', '--timezone', 'Europe/Berlin'], {env: envFor(server)})
    expect(made.exitCode, made.stderr).to.equal(0)
    const start = (server.object('v1', 'ConfigMap', 'shop', 'same-second') as Stored).metadata.annotations?.['kubectl-maintenance.io/start']
    expect(start).to.equal('2026-12-24T20:00:00Z')
    const ended = await runCommand(['end', 'same-second', '-n', 'shop'], {env: envFor(server)})
    expect(ended.exitCode, ended.stderr).to.equal(0)
    expect(ended.stdout.split('\n')[0]).to.equal('window same-second ended at 2026-12-24 21:00 CET')
    expect((server.object('v1', 'ConfigMap', 'shop', 'same-second') as Stored).metadata.annotations?.['kubectl-maintenance.io/end']).to.equal('2026-12-24T20:00:01Z')
  })
})

describe('end of a recurring window that extend lengthened (issue 14 item 1)', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(
      ingress('db', 'shop'),
      windowConfigMap({duration: '2h', every: '0 20 * * *', name: 'nightly', namespace: 'shop', phase: 'Active', start: '2026-12-01T00:00:00Z', targets: 'ingress/db'}),
    )
  })

  after(async () => server.close())

  const run = (argv: string[], now = '2026-12-24T20:00:00Z') => runCommand([...argv, '-n', 'shop'], {env: envFor(server, now)})
  const db = () => server.object('networking.k8s.io/v1', 'Ingress', 'shop', 'db') as {metadata: {labels?: Record<string, string>; annotations?: Record<string, string>}}
  const windowNames = () => server.objects('v1', 'ConfigMap', 'shop').filter((cm) => (cm.metadata as {labels?: Record<string, string>; name: string}).labels?.['kubectl-maintenance.io/role'] === 'window').map((cm) => (cm.metadata as {name: string}).name)

  it('extend twice moves one extension; end of the series ends it too and restores the target', async () => {
    const first = await run(['extend', 'nightly', '--by', '30m'])
    expect(first.exitCode, first.stderr).to.equal(0)
    expect(db().metadata.annotations?.['kubectl-maintenance.io/window']).to.equal('ingress-db-20261224-2100')
    const second = await run(['extend', 'nightly', '--by', '30m'])
    expect(second.exitCode, second.stderr).to.equal(0)
    expect(second.stdout.split('\n')[0]).to.equal('window nightly recurs: window ingress-db-20261224-2100 keeps ingress/db in maintenance until 2026-12-24 23:00 CET')
    expect(windowNames().sort()).to.deep.equal(['ingress-db-20261224-2100', 'nightly'])
    // After the occurrence's own end (21:00Z), only the extension keeps the target down; ending the series ends it.
    const ended = await run(['end', 'nightly'], '2026-12-24T21:10:00Z')
    expect(ended.exitCode, ended.stderr).to.equal(0)
    expect(ended.stdout).to.include('window ingress-db-20261224-2100 ended at 2026-12-24 22:10 CET')
    expect(ended.stdout).to.match(/ingress\/db: maintenance-[0-9a-f]{10}:80 -> db:80\n/)
    expect(ended.stdout).to.not.include('(unchanged)')
    expect(db().metadata.labels?.['kubectl-maintenance.io/active']).to.equal(undefined)
    expect(db().metadata.annotations ?? {}).to.not.have.property('kubectl-maintenance.io/original')
  })
})
