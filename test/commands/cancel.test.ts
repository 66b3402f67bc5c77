import {expect} from 'chai'

import type {ApiServer} from '../support/apiserver.js'

import {runCommand} from '../support/run-command.js'
import {envFor, ingress, renderHelp, startCluster, windowConfigMap} from './fixtures.js'

type Stored = {metadata: {annotations: Record<string, string>}}

describe('cancel', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(
      windowConfigMap({end: '2026-12-25T11:00:00Z', name: 'later', namespace: 'shop', phase: 'Scheduled', start: '2026-12-25T10:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-25T11:00:00Z', name: 'later-too', namespace: 'shop', start: '2026-12-25T10:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-24T23:00:00Z', name: 'active', namespace: 'shop', phase: 'Active', start: '2026-12-24T19:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-24T12:00:00Z', name: 'done', namespace: 'shop', phase: 'Completed', start: '2026-12-24T10:00:00Z', targets: 'ingress/shop'}),
    )
  })

  after(async () => server.close())

  beforeEach(() => server.clearLog())

  const cancel = (...argv: string[]) => runCommand(['cancel', ...argv, '-n', 'shop'], {env: envFor(server)})
  const annotations = (name: string) => (server.object('v1', 'ConfigMap', 'shop', name) as Stored).metadata.annotations

  it('exits 2 and writes nothing when one of the windows does not exist', async () => {
    const result = await cancel('later', 'nope')
    expect(result.exitCode).to.equal(2)
    expect(result.stderr).to.include('window "nope" not found in namespace "shop"')
    expect(server.writes()).to.deep.equal([])
  })

  it('marks a window that has not started Cancelled, with when', async () => {
    const result = await cancel('later')
    expect(result).to.deep.equal({exitCode: 0, stderr: '', stdout: 'window later cancelled\n'})
    expect(annotations('later')).to.include({
      'kubectl-maintenance.io/end': '2026-12-25T11:00:00Z',
      'kubectl-maintenance.io/phase': 'Cancelled',
      'kubectl-maintenance.io/phase-message': 'cancelled at 2026-12-24 21:00 CET',
    })
  })

  it('ends an active window, as end does', async () => {
    const result = await cancel('active')
    expect(result).to.deep.equal({
      exitCode: 0,
      stderr: '',
      stdout: 'window active ended at 2026-12-24 21:00 CET\n',
    })
    expect(annotations('active')['kubectl-maintenance.io/end']).to.equal('2026-12-24T20:00:00Z')
    expect(annotations('active')['kubectl-maintenance.io/phase']).to.equal('Completed')
  })

  it('notes windows already cancelled or over, exit 0, no write', async () => {
    const result = await cancel('later', 'done')
    expect(result).to.deep.equal({
      exitCode: 0,
      stderr: 'window later was cancelled already; nothing to do\nwindow done was over already; nothing to do\n',
      stdout: '',
    })
    expect(server.writes()).to.deep.equal([])
  })

  it('cancels a window the engine has not seen yet (no phase)', async () => {
    const result = await cancel('later-too')
    expect(result.stdout).to.equal('window later-too cancelled\n')
    expect(annotations('later-too')['kubectl-maintenance.io/phase']).to.equal('Cancelled')
    const events = server.objects('v1', 'Event', 'shop') as Array<{reason: string; involvedObject: {name: string}}>
    expect(events.filter((e) => e.reason === 'MaintenanceCancelled').map((e) => e.involvedObject.name)).to.include('later-too')
  })

  it('exits 2 without a window name', async () => {
    const result = await cancel()
    expect(result.exitCode).to.equal(2)
    expect(server.writes()).to.deep.equal([])
  })

  it('has help with kubectl-style examples', async () => {
    expect(await renderHelp('cancel')).to.include('$ kubectl maintenance cancel ingress-shop-20261224-2200 -n shop')
  })
})

describe('cancel of targets and of a series (issue 14 item 12)', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(
      ingress('shop', 'shop'),
      ingress('other', 'shop'),
      windowConfigMap({end: '2026-12-25T11:00:00Z', name: 'upcoming', namespace: 'shop', phase: 'Scheduled', start: '2026-12-25T10:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({duration: '1h', every: '0 3 * * *', name: 'nightly', namespace: 'shop', phase: 'Scheduled', start: '2026-12-01T00:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({duration: '1h', every: '0 3 * * *', name: 'weekly', namespace: 'shop', phase: 'Scheduled', start: '2026-12-01T00:00:00Z', targets: 'ingress/other'}),
      windowConfigMap({end: '2026-12-25T11:00:00Z', name: 'not-mine', namespace: 'shop', phase: 'Scheduled', start: '2026-12-25T10:00:00Z', targets: 'ingress/other'}),
    )
  })

  after(async () => server.close())

  const run = (...argv: string[]) => runCommand([...argv, '-n', 'shop'], {env: envFor(server)})
  const phase = (name: string) => (server.object('v1', 'ConfigMap', 'shop', name) as Stored).metadata.annotations['kubectl-maintenance.io/phase']

  it('cancel TARGET cancels every window naming it that is to come, and no other', async () => {
    const result = await run('cancel', 'ingress/shop')
    expect(result).to.deep.equal({exitCode: 0, stderr: '', stdout: 'window nightly cancelled\nwindow upcoming cancelled\n'})
    expect(phase('upcoming')).to.equal('Cancelled')
    expect(phase('nightly')).to.equal('Cancelled')
    expect(phase('not-mine')).to.equal('Scheduled')
  })

  it('a series cancelled between occurrences stays Cancelled after the pass, not Completed ("was the CronJob running?")', async () => {
    const result = await run('cancel', 'weekly')
    expect(result.stdout).to.equal('window weekly cancelled\n')
    const pass = await run('reconcile')
    expect(pass.exitCode, pass.stderr).to.equal(0)
    expect(phase('weekly')).to.equal('Cancelled')
    const listed = await run('list', '--all')
    expect(listed.stdout).to.match(/^weekly .*Cancelled/m)
    expect(listed.stdout).to.not.include('was the CronJob running')
  })

  it('a target no window names and not in maintenance is exit 2', async () => {
    const result = await run('cancel', 'ingress/nope')
    expect(result.exitCode).to.equal(2)
    expect(result.stderr).to.include('ingress/nope not found in namespace shop')
  })
})
