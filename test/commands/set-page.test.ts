import {expect} from 'chai'

import type {ApiServer} from '../support/apiserver.js'

import {runCommand} from '../support/run-command.js'
import {customPage, envFor, ingress, renderHelp, startCluster, windowConfigMap} from './fixtures.js'

type Stored = {metadata: {annotations?: Record<string, string>}; data?: Record<string, string>}

describe('set-page (issue 14 item 2)', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    const outage = customPage('outage', 'shop')
    outage.data = {'page.html.hbs': '<h1>Outage page: {{message}}</h1>'}
    server.seed(
      ingress('shop', 'shop'),
      outage,
      windowConfigMap({end: '2026-12-26T21:00:00Z', name: 'later', namespace: 'shop', start: '2026-12-26T19:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-20T21:00:00Z', name: 'done', namespace: 'shop', phase: 'Completed', start: '2026-12-20T19:00:00Z', targets: 'ingress/shop'}),
    )
  })

  after(async () => server.close())

  beforeEach(() => server.clearLog())

  const run = (...argv: string[]) => runCommand([...argv, '-n', 'shop'], {env: envFor(server)})
  const shop = () => server.object('networking.k8s.io/v1', 'Ingress', 'shop', 'shop') as Stored

  it('switches an active window to the new page through a new backend that serves it; twice changes nothing', async () => {
    const started = await run('now', 'ingress/shop', '--name', 'outage-now', '--message', 'Disk full')
    expect(started.exitCode, started.stderr).to.equal(0)
    const before = shop().metadata.annotations?.['kubectl-maintenance.io/backend']
    expect(before).to.match(/^maintenance-[0-9a-f]{10}$/)

    const result = await run('set-page', 'outage-now', 'outage')
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(result.stdout.split('\n')[0]).to.equal('window outage-now now shows page outage (was default)')
    const after = shop().metadata.annotations?.['kubectl-maintenance.io/backend']
    expect(after).to.match(/^maintenance-[0-9a-f]{10}$/)
    expect(after).to.not.equal(before)
    const served = server.object('v1', 'ConfigMap', 'shop', after as string) as Stored
    expect(JSON.stringify(served.data)).to.include('Outage page: Disk full')

    server.clearLog()
    const again = await run('set-page', 'outage-now', 'outage')
    expect(again).to.deep.equal({exitCode: 0, stderr: '', stdout: 'window outage-now already shows page outage; nothing changed\n'})
    expect(server.writes()).to.deep.equal([])
  })

  it('a scheduled window gets the page annotation only', async () => {
    const result = await run('set-page', 'later', 'outage')
    expect(result).to.deep.equal({exitCode: 0, stderr: '', stdout: 'window later now shows page outage (was default)\n'})
    expect((server.object('v1', 'ConfigMap', 'shop', 'later') as Stored).metadata.annotations?.['kubectl-maintenance.io/page']).to.equal('outage')
    expect(server.writes()).to.have.length(1)
  })

  const badInputs: Array<[string, string[], string]> = [
    ['a page that does not exist', ['later', 'nope'], 'page "nope" not found'],
    ['a page name that is not valid', ['later', 'Bad_Page'], 'page "Bad_Page" is not a valid page name'],
    ['a window that does not exist', ['nope', 'outage'], 'window "nope" not found in namespace "shop"'],
    ['a finished window', ['done', 'outage'], 'window done is over'],
  ]
  for (const [title, argv, message] of badInputs) {
    it(`exits 2 and writes nothing for ${title}`, async () => {
      const result = await run('set-page', ...argv)
      expect(result.stderr).to.include(message)
      expect(result.exitCode).to.equal(2)
      expect(server.writes()).to.deep.equal([])
    })
  }

  it('has help with kubectl-style examples', async () => {
    expect(await renderHelp('set-page')).to.include('$ kubectl maintenance set-page ingress-shop-20261224-2200 black-friday -n shop')
  })
})
