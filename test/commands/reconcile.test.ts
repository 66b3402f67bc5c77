import {expect} from 'chai'

import type {ApiServer} from '../support/apiserver.js'

import {runCommand} from '../support/run-command.js'
import {envFor, ingress, startCluster, windowConfigMap} from './fixtures.js'

describe('reconcile --dry-run looks ahead within --horizon (issue 14, small defects)', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(
      ingress('shop', 'shop'),
      windowConfigMap({end: '2026-12-24T20:05:00Z', name: 'ending', namespace: 'shop', start: '2026-12-24T19:00:00Z', targets: 'ingress/shop'}),
    )
  })

  after(async () => server.close())

  const reconcile = (...argv: string[]) => runCommand(['reconcile', '-n', 'shop', ...argv], {env: envFor(server)})

  it('reports an end due in 5 minutes with --horizon 10m, at its second, and writes nothing', async () => {
    const pass = await reconcile()
    expect(pass.exitCode, pass.stderr).to.equal(0)
    expect(pass.stdout).to.match(/shop\/ingress\/shop switched to backend maintenance-[0-9a-f]{10} by window ending/)
    server.clearLog()
    const result = await reconcile('--dry-run', '--horizon', '10m')
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(result.stdout).to.include('at 2026-12-24T20:05:00Z would be restoring shop/ingress/shop')
    expect(result.stdout).to.not.include('nothing to do')
    expect(server.writes()).to.deep.equal([])
  })

  it('without the horizon reaching it, nothing to do', async () => {
    const result = await reconcile('--dry-run', '--horizon', '1m')
    expect(result.stdout).to.equal('nothing to do\n')
  })
})
