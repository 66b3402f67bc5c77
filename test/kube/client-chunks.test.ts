import {expect} from 'chai'

import {KubeConfig} from '@kubernetes/client-node'
import {KubeClient} from '../../src/kube/client.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {Resources} from '../../src/kube/resources.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'

describe('KubeClient lists in chunks (limit/continue)', function () {
  this.timeout(20_000)
  let server: ApiServer
  let client: KubeClient

  beforeEach(async () => {
    server = await startApiServer({namespaces: ['default', 'shop']})
    for (const name of ['a', 'b', 'c', 'd', 'e']) server.seed({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, namespace: 'shop'}})
    const loaded = readConfig(KubeConfig, {kubeconfig: server.kubeconfigPath, namespace: 'shop'})
    client = new KubeClient(loaded.config, loaded.namespace, loaded.contextName)
  })

  afterEach(() => server.close())

  it('asks for at most `limit` objects a request and follows continue to the end', async () => {
    const chunks: string[][] = []
    server.clearLog()
    for await (const chunk of client.chunks(Resources.configMaps, 'shop', {}, 2)) chunks.push(chunk.items.map((o) => o.metadata.name))
    expect(chunks).to.deep.equal([['a', 'b'], ['c', 'd'], ['e']])
    expect(server.requests.map((r) => r.query.limit)).to.deep.equal(['2', '2', '2'])
  })

  it('starts over, and says so, when the server has compacted the list away (410 Expired)', async () => {
    const seen: Array<{names: string[]; restarted: boolean}> = []
    for await (const chunk of client.chunks(Resources.configMaps, 'shop', {}, 2)) {
      seen.push({names: chunk.items.map((o) => o.metadata.name), restarted: chunk.restarted})
      if (seen.length === 1) {
        server.seed({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'aa', namespace: 'shop'}})
        server.compact()
      }
    }
    expect(seen).to.deep.equal([
      {names: ['a', 'b'], restarted: false},
      {names: ['a', 'aa'], restarted: true},
      {names: ['b', 'c'], restarted: false},
      {names: ['d', 'e'], restarted: false},
    ])
    expect((await client.list(Resources.configMaps, 'shop')).map((o) => o.metadata.name)).to.deep.equal(['a', 'aa', 'b', 'c', 'd', 'e'])
  })
})
