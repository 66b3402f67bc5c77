import {expect} from 'chai'

import type {ApiServer} from '../support/apiserver.js'

import {KubeClient} from '../../src/kube/client.js'
import {
  createPage,
  getPageIn,
  listPages,
  resolveStoredPage,
  windowsUsingPage,
} from '../../src/kube/pages.js'
import {UserError} from '../../src/model/errors.js'
import {startCluster, windowConfigMap} from '../commands/fixtures.js'

const NOW = Date.parse('2026-12-24T20:00:00Z')

function page(name: string, namespace: string, data: Record<string, string> = {'page.html.hbs': `<h1>${name}</h1>`}, extra: object = {}): object {
  return {
    apiVersion: 'v1',
    data,
    kind: 'ConfigMap',
    metadata: {labels: {'kubectl-maintenance.io/role': 'page'}, name: `maintenance-page-${name}`, namespace},
    ...extra,
  }
}

describe('kube/pages', () => {
  describe('against the API server', () => {
    let server: ApiServer
    let client: KubeClient

    before(async () => {
      server = await startCluster()
      client = await KubeClient.fromOptions({kubeconfig: server.kubeconfigPath})
      server.seed(
        page('sale', 'shop'),
        page('company', 'shop', {'page.html.hbs': 'own'}),
        page('company', 'kubectl-maintenance', {'page.html.hbs': 'shared'}),
        page('holiday', 'kubectl-maintenance'),
        page('other', 'web'),
        page('empty', 'shop', {}),
        {apiVersion: 'v1', data: {'page.html.hbs': 'x'}, kind: 'ConfigMap', metadata: {name: 'maintenance-page-unlabelled', namespace: 'shop'}},
        windowConfigMap({end: '2026-12-24T21:00:00Z', name: 'now-on', namespace: 'shop', page: 'holiday', start: '2026-12-24T19:00:00Z', targets: 'ingress/shop'}),
        windowConfigMap({end: '2026-12-26T21:00:00Z', name: 'later', namespace: 'web', page: 'holiday', start: '2026-12-26T19:00:00Z', targets: 'ingress/web'}),
        windowConfigMap({end: '2026-12-24T19:00:00Z', name: 'past', namespace: 'web', page: 'holiday', start: '2026-12-24T18:00:00Z', targets: 'ingress/web'}),
        windowConfigMap({end: '2026-12-26T21:00:00Z', name: 'cancelled', namespace: 'web', page: 'holiday', phase: 'Cancelled', start: '2026-12-26T19:00:00Z', targets: 'ingress/web'}),
        windowConfigMap({end: '2026-12-26T21:00:00Z', name: 'own-company', namespace: 'shop', page: 'company', start: '2026-12-26T19:00:00Z', targets: 'ingress/web'}),
        windowConfigMap({end: '2026-12-26T21:00:00Z', name: 'shared-company', namespace: 'web', page: 'company', start: '2026-12-26T19:00:00Z', targets: 'ingress/web'}),
      )
    })

    after(async () => server.close())

    it('lists the pages of a namespace and the shared ones, namespace first for equal names; labelled ConfigMaps without HTML are skipped', async () => {
      const pages = await listPages(client, 'shop')
      expect(pages.map((p) => `${p.name} ${p.namespace} ${p.scope}`)).to.deep.equal([
        'company shop namespace',
        'company kubectl-maintenance shared',
        'holiday kubectl-maintenance shared',
        'sale shop namespace',
      ])
      expect((await listPages(client, undefined)).map((p) => `${p.namespace}/${p.name}`)).to.have.members([
        'shop/company',
        'kubectl-maintenance/company',
        'kubectl-maintenance/holiday',
        'shop/sale',
        'web/other',
      ])
    })

    it('resolves a name like the engine: the namespace page, else the shared one, else nothing', async () => {
      expect((await resolveStoredPage(client, 'shop', 'company'))?.source.html).to.equal('own')
      expect((await resolveStoredPage(client, 'web', 'company'))?.source.html).to.equal('shared')
      expect(await resolveStoredPage(client, 'web', 'sale')).to.equal(undefined)
      expect(await getPageIn(client, 'shop', 'unlabelled')).to.equal(undefined)
    })

    it('refuses to create a page that exists, or over a ConfigMap that is not a page, writing nothing', async () => {
      server.clearLog()
      const exists = await createPage(client, {assets: {}, html: 'x', name: 'sale', namespace: 'shop'}).catch((error: unknown) => error)
      expect(exists).to.be.instanceOf(UserError)
      expect((exists as Error).message).to.equal(
        'page "sale" already exists in namespace shop (ConfigMap maintenance-page-sale); delete it first with kubectl maintenance page delete sale -n shop',
      )
      const clash = await createPage(client, {assets: {}, html: 'x', name: 'unlabelled', namespace: 'shop'}).catch((error: unknown) => error)
      expect((clash as Error).message).to.equal('a ConfigMap named maintenance-page-unlabelled already exists in namespace shop and is not a page; choose another page name')
      expect(server.writes()).to.deep.equal([])
    })

    it('finds the windows still using a page: active or to come, not past or cancelled; a shared page not where a namespace has its own', async () => {
      const holiday = (await getPageIn(client, 'kubectl-maintenance', 'holiday'))!
      const users = await windowsUsingPage(client, holiday, NOW)
      expect(users.map((u) => `${u.window.namespace}/${u.window.name} ${u.state}`)).to.deep.equal(['shop/now-on active', 'web/later scheduled'])
      const sharedCompany = (await getPageIn(client, 'kubectl-maintenance', 'company'))!
      expect((await windowsUsingPage(client, sharedCompany, NOW)).map((u) => u.window.name)).to.deep.equal(['shared-company'])
      const ownCompany = (await getPageIn(client, 'shop', 'company'))!
      expect((await windowsUsingPage(client, ownCompany, NOW)).map((u) => u.window.name)).to.deep.equal(['own-company'])
    })
  })
})
