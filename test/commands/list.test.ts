import {expect} from 'chai'

import type {ApiServer} from '../support/apiserver.js'

import {runCommand} from '../support/run-command.js'
import {envFor, renderHelp, startCluster, unreachableKubeconfig, windowConfigMap} from './fixtures.js'

describe('list', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(
      windowConfigMap({
        end: '2026-12-24T23:00:00Z',
        message: 'Upgrading the database and the payment service, back soon',
        name: 'xmas',
        namespace: 'shop',
        phase: 'Scheduled',
        start: '2026-12-24T21:00:00Z',
        targets: 'ingress/shop',
      }),
      windowConfigMap({name: 'open', namespace: 'shop', phase: 'Active', start: '2026-12-24T19:00:00Z', targets: 'service/web', timezone: 'America/New_York'}),
      windowConfigMap({duration: '2h', every: '0 2 * * 0', name: 'weekly', namespace: 'shop', start: '2026-12-20T00:00:00Z', targets: 'service/web'}),
      windowConfigMap({name: 'broken', namespace: 'shop', start: 'yesterday', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-25T11:00:00Z', labels: {team: 'web'}, name: 'front', namespace: 'web', phase: 'Scheduled', start: '2026-12-25T10:00:00Z', targets: 'ingress/front'}),
      {apiVersion: 'v1', data: {}, kind: 'ConfigMap', metadata: {name: 'not-a-window', namespace: 'shop'}},
    )
  })

  after(async () => server.close())

  // Windows in several zones are listed in the machine's zone: pinned, so the expected tables hold anywhere.
  const list = (...argv: string[]) => runCommand(['list', ...argv], {env: {...envFor(server), TZ: 'UTC'}})

  it('prints the windows of a namespace soonest first, every time in one zone (the machine zone when the windows differ), and warns about invalid ones', async () => {
    const result = await list('-n', 'shop')
    expect(result.stdout).to.equal(
      [
        'NAME     TARGETS        START (UTC)        END (UTC)   PHASE       PAGE',
        'open     service/web    2026-12-24 19:00   <none>      Active      default',
        'xmas     ingress/shop   2026-12-24 21:00   23:00       Scheduled   default',
        'weekly   service/web    2026-12-27 01:00   03:00       Pending     default',
        'broken   ingress/shop   yesterday          <none>      Invalid     default',
        '',
      ].join('\n'),
    )
    expect(result.stderr).to.match(/^Warning: window broken in namespace shop is invalid: .+\n$/)
    expect(result.exitCode).to.equal(0)
  })

  it('-A adds the NAMESPACE column first, as kubectl get -A', async () => {
    const result = await list('-A')
    expect(result.stdout).to.equal(
      [
        'NAMESPACE   NAME     TARGETS         START (UTC)        END (UTC)   PHASE       PAGE',
        'shop        open     service/web     2026-12-24 19:00   <none>      Active      default',
        'shop        xmas     ingress/shop    2026-12-24 21:00   23:00       Scheduled   default',
        'web         front    ingress/front   2026-12-25 10:00   11:00       Scheduled   default',
        'shop        weekly   service/web     2026-12-27 01:00   03:00       Pending     default',
        'shop        broken   ingress/shop    yesterday          <none>      Invalid     default',
        '',
      ].join('\n'),
    )
  })

  it('-o wide adds TIMEZONE, EVERY and the message cut at 40 characters', async () => {
    const result = await list('-n', 'shop', '-o', 'wide')
    expect(result.stdout).to.equal(
      [
        'NAME     TARGETS        START (UTC)        END (UTC)   PHASE       PAGE      TIMEZONE           EVERY       MESSAGE',
        'open     service/web    2026-12-24 19:00   <none>      Active      default   America/New_York   <none>      <none>',
        'xmas     ingress/shop   2026-12-24 21:00   23:00       Scheduled   default   Europe/Berlin      <none>      Upgrading the database and the payment…',
        'weekly   service/web    2026-12-27 01:00   03:00       Pending     default   Europe/Berlin      0 2 * * 0   <none>',
        'broken   ingress/shop   yesterday          <none>      Invalid     default   Europe/Berlin      <none>      <none>',
        '',
      ].join('\n'),
    )
  })

  it('-l filters on labels, ANDed with the window role', async () => {
    const result = await list('-A', '-l', 'team=web', '-o', 'name')
    expect(result.stdout).to.equal('window/front\n')
  })

  it('-o name prints window/NAME in list order', async () => {
    const result = await list('-n', 'shop', '-o', 'name')
    expect(result.stdout).to.equal('window/open\nwindow/xmas\nwindow/weekly\nwindow/broken\n')
  })

  it('-o json prints a List of the window ConfigMaps as stored', async () => {
    const result = await list('-n', 'web', '-o', 'json')
    const stored = server.object('v1', 'ConfigMap', 'web', 'front')
    // List items come without their kind from the API; kubectl puts it back, first.
    expect(result.stdout).to.equal(`${JSON.stringify({apiVersion: 'v1', items: [{apiVersion: 'v1', kind: 'ConfigMap', ...stored}], kind: 'List'}, null, 2)}\n`)
  })

  it('-o yaml prints the same List as YAML', async () => {
    const result = await list('-n', 'web', '-o', 'yaml')
    expect(result.stdout).to.match(/^apiVersion: v1\nitems:\n {2}- apiVersion: v1\n {4}kind: ConfigMap\n {4}data: \{\}\n/)
    expect(result.stdout).to.include('kubectl-maintenance.io/targets: ingress/front')
  })

  it('says so on stderr, as kubectl does, when there is nothing', async () => {
    const result = await list('-n', 'default')
    expect(result).to.deep.equal({exitCode: 0, stderr: 'No resources found in default namespace.\n', stdout: ''})
  })

  it('exits 2 on an unknown output format and on an unknown flag', async () => {
    expect((await list('-o', 'xml')).exitCode).to.equal(2)
    const unknown = await list('--bogus')
    expect(unknown.exitCode).to.equal(2)
    expect(unknown.stderr).to.include('unknown flag: --bogus')
  })

  it('has help with kubectl-style examples', async () => {
    expect(await renderHelp('list')).to.include('$ kubectl maintenance list -A -o wide')
  })

  it('exits 1 with the reason when the cluster cannot be reached', async () => {
    const result = await runCommand(['list', '--kubeconfig', unreachableKubeconfig()])
    expect(result.exitCode).to.equal(1)
    expect(result.stderr).to.match(/cannot reach the cluster at http:\/\/127\.0\.0\.1:1: ECONNREFUSED/)
  })
})

describe('list hides finished windows unless --all (issue 14 item 13)', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(
      windowConfigMap({end: '2026-12-25T11:00:00Z', name: 'upcoming', namespace: 'shop', phase: 'Scheduled', start: '2026-12-25T10:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-20T11:00:00Z', name: 'done', namespace: 'shop', phase: 'Completed', start: '2026-12-20T10:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-26T11:00:00Z', name: 'called-off', namespace: 'shop', phase: 'Cancelled', start: '2026-12-26T10:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-20T11:00:00Z', name: 'broke', namespace: 'shop', phase: 'Failed', start: '2026-12-20T10:00:00Z', targets: 'ingress/shop'}),
    )
  })

  after(async () => server.close())

  const names = (stdout: string) => stdout.trim().split('\n').slice(1).map((line) => line.split(/\s+/)[0]).sort()

  it('without --all: no Completed or Cancelled windows; Failed ones stay', async () => {
    const result = await runCommand(['list', '-n', 'shop'], {env: envFor(server)})
    expect(names(result.stdout)).to.deep.equal(['broke', 'upcoming'])
  })

  it('with --all: every window', async () => {
    const result = await runCommand(['list', '-n', 'shop', '--all'], {env: envFor(server)})
    expect(names(result.stdout)).to.deep.equal(['broke', 'called-off', 'done', 'upcoming'])
  })

  it('the pass deletes finished windows once install --keep has passed since they finished, and keeps the rest', async () => {
    server.seed(
      {apiVersion: 'v1', data: {keep: '3d', 'max-backends': '10'}, kind: 'ConfigMap', metadata: {name: 'kubectl-maintenance-config', namespace: 'kubectl-maintenance'}},
      windowConfigMap({end: '2026-12-21T19:00:00Z', name: 'old-done', namespace: 'shop', phase: 'Completed', start: '2026-12-21T18:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-26T19:00:00Z', name: 'old-cancelled', namespace: 'shop', phase: 'Cancelled', start: '2026-12-01T18:00:00Z', targets: 'ingress/shop'}),
    )
    const pass = await runCommand(['reconcile', '-n', 'shop'], {env: envFor(server)})
    expect(pass.exitCode, pass.stderr).to.equal(0)
    expect(pass.stdout, JSON.stringify(pass)).to.include('window shop/old-done deleted: finished 2026-12-21T19:00:00.000Z, past the retention of install --keep')
    expect(server.object('v1', 'ConfigMap', 'shop', 'old-done')).to.equal(undefined)
    // Finished within the last 3 days (done: 2026-12-20 11:00 is 4 days ago: deleted too), or cancelled for a start still to come: kept.
    expect(server.object('v1', 'ConfigMap', 'shop', 'done')).to.equal(undefined)
    expect(server.object('v1', 'ConfigMap', 'shop', 'old-cancelled')).to.not.equal(undefined)
    expect(server.object('v1', 'ConfigMap', 'shop', 'called-off')).to.not.equal(undefined)
    expect(server.object('v1', 'ConfigMap', 'shop', 'broke')).to.not.equal(undefined)
  })
})
