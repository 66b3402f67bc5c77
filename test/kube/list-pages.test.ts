import {expect} from 'chai'

import {KubeConfig} from '@kubernetes/client-node'
import {KubeClient} from '../../src/kube/client.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {continueTokenIn} from '../../src/kube/list-pages.js'
import {Resources} from '../../src/kube/resources.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'

describe('continueTokenIn: the next page, read from a list answer before it is parsed', () => {
  const items = '"items":[{"metadata":{"name":"a","annotations":{"continue":"not-this"}}}]'

  it('reads the token of a list in kube-apiserver\'s shape (metadata before items)', () => {
    const text = `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"42","continue":"eyJydiI6NDJ9","remainingItemCount":3},${items}}`
    expect(continueTokenIn(text)).to.equal('eyJydiI6NDJ9')
  })

  it('finds none on the last page, in another shape, or in a token that would need unescaping', () => {
    expect(continueTokenIn(`{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"42"},${items}}`)).to.equal(undefined)
    expect(continueTokenIn(`{"kind":"ConfigMapList",${items},"metadata":{"continue":"eyJydiI6NDJ9"}}`)).to.equal(undefined)
    expect(continueTokenIn(`{"metadata":{"continue":"ab\\u003dcd"},${items}}`)).to.equal(undefined)
    expect(continueTokenIn(`{"metadata":{"continue":""},${items}}`)).to.equal(undefined)
  })
})

describe('KubeClient reads a long list one page ahead', function () {
  this.timeout(30_000)
  let server: ApiServer
  let client: KubeClient
  const listRequests = () => server.requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/namespaces/shop/configmaps')

  async function untilListRequests(count: number): Promise<void> {
    for (let waited = 0; listRequests().length < count; waited += 10) {
      if (waited > 5000) throw new Error(`the server saw ${listRequests().length} list requests, expected ${count}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  beforeEach(async () => {
    server = await startApiServer({namespaces: ['default', 'shop']})
    for (let i = 0; i < 25; i++) server.seed({apiVersion: 'v1', data: {i: String(i)}, kind: 'ConfigMap', metadata: {name: `cm-${String(i).padStart(2, '0')}`, namespace: 'shop'}})
    const loaded = readConfig(KubeConfig, {kubeconfig: server.kubeconfigPath, namespace: 'shop'})
    client = new KubeClient(loaded.config, loaded.namespace, loaded.contextName)
    server.clearLog()
  })

  afterEach(() => server.close())

  it('asks for the next page while the caller holds this one, and never for two pages ahead', async () => {
    const chunks: string[][] = []
    for await (const chunk of client.chunks(Resources.configMaps, 'shop', {}, 10)) {
      chunks.push(chunk.items.map((o) => o.metadata.name))
      if (chunks.length === 1) {
        // The caller is still on the first page: the second is already asked for, the third not yet.
        await untilListRequests(2)
        await new Promise((resolve) => setTimeout(resolve, 300))
        expect(listRequests().map((r) => r.query.continue === undefined)).to.deep.equal([true, false])
      }
    }
    expect(chunks.flat()).to.deep.equal(Array.from({length: 25}, (_, i) => `cm-${String(i).padStart(2, '0')}`))
    expect(chunks.map((c) => c.length)).to.deep.equal([10, 10, 5])
    expect(listRequests()).to.have.length(3)
  })

  it('a caller that stops after one page leaves no page unheard, and a list still reads the whole', async () => {
    for await (const chunk of client.chunks(Resources.configMaps, 'shop', {}, 10)) {
      expect(chunk.items).to.have.length(10)
      break
    }
    await untilListRequests(2)
    expect((await client.list(Resources.configMaps, 'shop')).map((o) => o.metadata.name)).to.have.length(25)
  })
})
