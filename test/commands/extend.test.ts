import {expect} from 'chai'

import type {ApiServer} from '../support/apiserver.js'

import {runCommand} from '../support/run-command.js'
import {envFor, ingress, renderHelp, startCluster, windowConfigMap} from './fixtures.js'

type Stored = {metadata: {annotations: Record<string, string>}}
const NOTE = ''

describe('extend', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(
      windowConfigMap({end: '2026-12-24T23:00:00Z', name: 'xmas', namespace: 'shop', phase: 'Active', start: '2026-12-24T19:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-25T11:00:00Z', name: 'later', namespace: 'shop', start: '2026-12-25T10:00:00Z', targets: 'ingress/shop', timezone: 'America/New_York'}),
      windowConfigMap({name: 'open', namespace: 'shop', phase: 'Active', start: '2026-12-24T19:00:00Z', targets: 'service/web'}),
      windowConfigMap({duration: '2h', every: '0 2 * * 0', name: 'weekly', namespace: 'shop', start: '2026-12-20T00:00:00Z', targets: 'service/web'}),
      windowConfigMap({end: '2026-12-26T11:00:00Z', name: 'called-off', namespace: 'shop', phase: 'Cancelled', start: '2026-12-26T10:00:00Z', targets: 'service/web'}),
      windowConfigMap({duration: '2h', every: '0 20 * * *', message: 'Nightly vacuum', name: 'nightly', namespace: 'shop', phase: 'Active', start: '2026-12-01T00:00:00Z', targets: 'ingress/db'}),
      ingress('db', 'shop'),
    )
  })

  after(async () => server.close())

  beforeEach(() => server.clearLog())

  const extend = (...argv: string[]) => runCommand(['extend', ...argv, '-n', 'shop'], {env: envFor(server)})
  const end = (name: string) => (server.object('v1', 'ConfigMap', 'shop', name) as Stored).metadata.annotations['kubectl-maintenance.io/end']

  it('--by moves the end later', async () => {
    const result = await extend('xmas', '--by', '30m')
    expect(result).to.deep.equal({exitCode: 0, stderr: NOTE, stdout: 'window xmas now ends at 2026-12-25 00:30 CET\n'})
    expect(end('xmas')).to.equal('2026-12-24T23:30:00Z')
  })

  it("--until reads a local time in the window's timezone", async () => {
    const result = await extend('later', '--until', '2026-12-25 07:00')
    expect(result.stdout).to.equal('window later now ends at 2026-12-25 07:00 EST\n')
    expect(end('later')).to.equal('2026-12-25T12:00:00Z')
  })

  it('--until gives an open-ended window an end; --timezone overrides the zone', async () => {
    const result = await extend('open', '--until', '2026-12-25 00:00', '--timezone', 'UTC')
    expect(result.stdout).to.equal('window open now ends at 2026-12-25 01:00 CET\n')
    expect(end('open')).to.equal('2026-12-25T00:00:00Z')
  })

  it('extends the occurrence of a recurring window in progress with a one-off window over the same targets', async () => {
    const result = await extend('nightly', '--by', '30m')
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(result.stdout.split('\n')[0]).to.equal('window nightly recurs: window ingress-db-20261224-2100 keeps ingress/db in maintenance until 2026-12-24 22:30 CET')
    const extension = (server.object('v1', 'ConfigMap', 'shop', 'ingress-db-20261224-2100') as Stored & {data?: Record<string, string>})
    expect(extension.metadata.annotations).to.include({
      'kubectl-maintenance.io/end': '2026-12-24T21:30:00Z',
      'kubectl-maintenance.io/start': '2026-12-24T20:00:00Z',
      'kubectl-maintenance.io/targets': 'ingress/db',
    })
    expect(extension.metadata.annotations).to.not.have.property('kubectl-maintenance.io/every')
    expect(extension.data?.message).to.equal('Nightly vacuum')
    const nightly = (server.object('v1', 'ConfigMap', 'shop', 'nightly') as Stored).metadata.annotations
    expect(nightly).to.not.have.property('kubectl-maintenance.io/end')
    expect(nightly['kubectl-maintenance.io/duration']).to.equal('2h')

    // Applied at once: the extension started last, so it decides the page (the engine keeps the target in maintenance
    // until the last covering window ends: test/kube/reconcile.test.ts).
    const db = server.object('networking.k8s.io/v1', 'Ingress', 'shop', 'db') as Stored
    expect(db.metadata.annotations?.['kubectl-maintenance.io/window']).to.equal('ingress-db-20261224-2100')
  })

  it('rewrites the phase message with the new end (it named the old one)', async () => {
    const stale = windowConfigMap({end: '2026-12-24T23:00:00Z', name: 'stale', namespace: 'shop', phase: 'Active', start: '2026-12-24T19:00:00Z', targets: 'ingress/db'})
    Object.assign((stale.metadata as unknown as {annotations: Record<string, string>}).annotations, {'kubectl-maintenance.io/phase-message': 'ingress/db in maintenance until 2026-12-25 00:00 CET'})
    server.seed(stale)
    const result = await extend('stale', '--by', '30m')
    expect(result.exitCode, result.stderr).to.equal(0)
    const annotations = (server.object('v1', 'ConfigMap', 'shop', 'stale') as Stored).metadata.annotations
    expect(annotations['kubectl-maintenance.io/phase-message']).to.equal('ingress/db in maintenance until 2026-12-25 00:30 CET')
    expect(annotations['kubectl-maintenance.io/phase']).to.equal('Active')
  })

  const badInputs: Array<[string, string[], string]> = [
    ['a window that does not exist', ['nope', '--by', '1h'], 'window "nope" not found in namespace "shop"'],
    ['a recurring window between occurrences', ['weekly', '--until', '2027-01-01 00:00'], 'window weekly recurs ("0 2 * * 0" for 2h) and no occurrence is in progress'],
    ['an occurrence shortened', ['nightly', '--until', '21:30'], 'is not after the end of the occurrence in progress (2026-12-24 22:00 CET); to end it now use kubectl maintenance end nightly'],
    ['a bare --until that has passed today (issue 14 item 4)', ['xmas', '--until', '20:59'], '--until: "20:59" has already passed today in Europe/Berlin (now 2026-12-24 21:00 CET); for tomorrow write the date: "2026-12-25 20:59"'],
    ['a cancelled window', ['called-off', '--by', '1h'], 'window called-off is Cancelled'],
    ['a new end in the past', ['xmas', '--until', '2026-12-24 20:30'], 'is not in the future (now: 2026-12-24 21:00 CET)'],
    ['a new end before the start', ['later', '--until', '2026-12-24T09:00:00Z'], "is not after the window's start 2026-12-25 05:00 EST"],
    ['a zero --by', ['xmas', '--by', '0s'], '--by'],
    ['both --by and --until', ['xmas', '--by', '1h', '--until', '2026-12-25 02:00'], '--'],
    ['neither --by nor --until', ['xmas'], 'give exactly one of --by or --until'],
    ['an unparseable --until', ['xmas', '--until', 'whenever'], '--until: '],
    ['an unknown zone', ['xmas', '--until', '02:00', '--timezone', 'Mars/Olympus'], '--timezone: '],
  ]
  for (const [title, argv, message] of badInputs) {
    it(`exits 2 and writes nothing for ${title}`, async () => {
      const result = await extend(...argv)
      expect(result.stderr).to.include(message)
      expect(result.exitCode).to.equal(2)
      expect(server.writes()).to.deep.equal([])
    })
  }

  it('exits 2 for --by on an open-ended window, saying to use --until', async () => {
    server.seed(windowConfigMap({name: 'open-too', namespace: 'shop', start: '2026-12-24T19:00:00Z', targets: 'ingress/shop'}))
    server.clearLog()
    const result = await extend('open-too', '--by', '1h')
    expect(result.stderr).to.include('window open-too has no end; use --until')
    expect(result.exitCode).to.equal(2)
    expect(server.writes()).to.deep.equal([])
  })

  it('has help with kubectl-style examples', async () => {
    expect(await renderHelp('extend')).to.include('$ kubectl maintenance extend ingress-shop-20261224-2200 -n shop --by 30m')
  })
})
