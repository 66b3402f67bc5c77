import {expect} from 'chai'

import type {ApiServer} from '../../support/apiserver.js'

import {runCommand} from '../../support/run-command.js'
import {customPage, envFor, startCluster, windowConfigMap} from '../fixtures.js'

describe('page delete', () => {
  let server: ApiServer

  beforeEach(async () => {
    server = await startCluster()
    server.seed(
      customPage('sale', 'shop'),
      customPage('spare', 'shop'),
      customPage('company', 'shop'),
      customPage('company', 'kubectl-maintenance'),
      customPage('holiday', 'kubectl-maintenance'),
      {apiVersion: 'v1', data: {'page.html.hbs': 'x'}, kind: 'ConfigMap', metadata: {name: 'maintenance-page-unlabelled', namespace: 'shop'}},
      windowConfigMap({end: '2026-12-24T21:00:00Z', name: 'now-on', namespace: 'shop', page: 'sale', start: '2026-12-24T19:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-26T21:00:00Z', name: 'later', namespace: 'shop', page: 'sale', start: '2026-12-26T19:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-24T19:00:00Z', name: 'past', namespace: 'shop', page: 'spare', start: '2026-12-24T18:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-26T21:00:00Z', name: 'own', namespace: 'shop', page: 'company', start: '2026-12-26T19:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-26T21:00:00Z', name: 'front', namespace: 'web', page: 'holiday', start: '2026-12-26T19:00:00Z', targets: 'ingress/front'}),
    )
    server.clearLog()
  })

  afterEach(async () => server.close())

  const remove = (...argv: string[]) => runCommand(['page', 'delete', ...argv], {env: envFor(server)})
  const pageExists = (namespace: string, name: string) => server.object('v1', 'ConfigMap', namespace, `maintenance-page-${name}`) !== undefined

  it('deletes a page no window uses, silently', async () => {
    expect(await remove('spare', '-n', 'shop')).to.deep.equal({
      exitCode: 0,
      stderr: '',
      stdout: 'page spare deleted: ConfigMap maintenance-page-spare of namespace shop\n',
    })
    expect(pageExists('shop', 'spare')).to.equal(false)
    expect(server.writes()).to.have.length(1)
  })

  it('refuses a page that active or scheduled windows use, naming them: exit 2, nothing deleted (issue 14 item 2)', async () => {
    const result = await remove('spare', 'sale', '-n', 'shop')
    expect(result.exitCode).to.equal(2)
    expect(result.stderr).to.include(
      'page sale is still used by windows shop/later (scheduled), shop/now-on (active); they would have no page to show. Point them at another page with kubectl maintenance set-page WINDOW PAGE, or add --force; nothing was deleted',
    )
    expect(server.writes()).to.deep.equal([])
    expect(pageExists('shop', 'sale') && pageExists('shop', 'spare')).to.equal(true)
  })

  it('--force deletes several, warning about the active and scheduled windows that still use one', async () => {
    const result = await remove('sale', 'spare', '-n', 'shop', '--force')
    expect(result).to.deep.equal({
      exitCode: 0,
      stderr: 'Warning: page sale is still used by windows shop/later (scheduled), shop/now-on (active); they would have no page to show\n',
      stdout: 'page sale deleted: ConfigMap maintenance-page-sale of namespace shop\npage spare deleted: ConfigMap maintenance-page-spare of namespace shop\n',
    })
    expect(pageExists('shop', 'sale') || pageExists('shop', 'spare')).to.equal(false)
  })

  it('says when windows will fall back to the shared page of the same name (refused without --force)', async () => {
    expect((await remove('company', '-n', 'shop')).exitCode).to.equal(2)
    const result = await remove('company', '-n', 'shop', '--force')
    expect(result.stderr).to.equal(
      'Warning: page company is still used by window shop/own (scheduled); they will show the shared page company of namespace kubectl-maintenance instead\n',
    )
    expect(pageExists('kubectl-maintenance', 'company')).to.equal(true)
  })

  it('deleting a shared page names windows of every namespace that have no page of that name', async () => {
    const result = await remove('holiday', 'company', '-n', 'kubectl-maintenance', '--force')
    expect(result.stderr).to.equal(
      'Warning: page holiday is still used by window web/front (scheduled); they would have no page to show\n',
    )
    expect(result.stdout).to.equal(
      'page holiday deleted: ConfigMap maintenance-page-holiday of namespace kubectl-maintenance\npage company deleted: ConfigMap maintenance-page-company of namespace kubectl-maintenance\n',
    )
  })

  it('--dry-run deletes nothing', async () => {
    const result = await remove('spare', '-n', 'shop', '--dry-run')
    expect(result.stdout).to.equal('page spare deleted (dry run): ConfigMap maintenance-page-spare of namespace shop\n')
    expect(server.writes()).to.deep.equal([])
    expect(pageExists('shop', 'spare')).to.equal(true)
  })

  const missing: Array<{why: string; argv: string[]; message: string}> = [
    {argv: ['spare', 'gone', '-n', 'shop'], message: 'page "gone" not found in namespace shop (no ConfigMap maintenance-page-gone labelled as a page); see kubectl maintenance page list -n shop; nothing was deleted', why: 'one of the names is missing'},
    {argv: ['holiday', '-n', 'shop'], message: 'page "holiday" not found in namespace shop; it is a shared page: delete it with -n kubectl-maintenance; nothing was deleted', why: 'the page is shared'},
    {argv: ['unlabelled', '-n', 'shop'], message: 'page "unlabelled" not found in namespace shop (no ConfigMap maintenance-page-unlabelled labelled as a page); see kubectl maintenance page list -n shop; nothing was deleted', why: 'the ConfigMap is not a page'},
    {argv: ['default'], message: 'page "default" is the built-in page and cannot be deleted', why: 'the built-in page is named'},
  ]
  for (const {why, argv, message} of missing) {
    it(`exits 2 and deletes nothing when ${why}`, async () => {
      expect(await remove(...argv)).to.deep.equal({exitCode: 2, stderr: `error: ${message}\n`, stdout: ''})
      expect(server.writes()).to.deep.equal([])
    })
  }
})
