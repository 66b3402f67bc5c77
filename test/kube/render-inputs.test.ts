import {KubeConfig} from '@kubernetes/client-node'
import {expect} from 'chai'

import {KubeClient} from '../../src/kube/client.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {type PassReport, reconcile} from '../../src/kube/reconcile.js'
import {Resources} from '../../src/kube/resources.js'
import {formatHttpDate} from '../../src/model/time.js'
import {renderBackend} from '../../src/render/backend.js'
import {defaultPage, renderPage} from '../../src/render/page.js'
import {buildViewModel} from '../../src/render/view-model.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'
import {shopTargets} from '../fixtures/targets.js'
import {NS, type Obj, PREFIX, rfc3339, windowConfigMap} from '../reliability/support.js'

type ConfigMap = Obj & {data?: Record<string, string>}
const INPUTS = `${PREFIX}render-inputs`

describe('a steady pass serves the backend made for the same render inputs (against the in-process API server)', function () {
  this.timeout(60_000)
  let server: ApiServer
  let client: KubeClient
  const now = Date.now()

  function newClient(): KubeClient {
    const loaded = readConfig(KubeConfig, {kubeconfig: server.kubeconfigPath, namespace: NS})
    return new KubeClient(loaded.config, loaded.namespace, loaded.contextName, {attempts: 3, baseDelayMs: 1, sleep: async () => {}})
  }

  const pass = (): Promise<PassReport> => reconcile(client, {horizonMs: 0, namespace: NS, waitForTransitions: true})

  /** Passes until one writes nothing. */
  async function settle(): Promise<void> {
    for (let round = 0; round < 5; round++) {
      server.clearLog()
      expect((await pass()).errors).to.deep.equal([])
      if (server.writes().length === 0) return
    }
    throw new Error('no steady state after 5 passes')
  }

  /** The page a visitor of ingress/shop gets: what the backend it points at holds. */
  function served(): {backend: string; html: string; nginxConf: string; inputs?: string} {
    const ingress = server.object('networking.k8s.io/v1', 'Ingress', NS, 'shop') as Obj
    const backend = ingress.metadata.annotations?.[`${PREFIX}backend`] ?? ''
    const configMap = server.object('v1', 'ConfigMap', NS, backend) as ConfigMap
    return {backend, html: configMap.data?.['page.html'] ?? '', inputs: configMap.metadata.annotations?.[INPUTS], nginxConf: configMap.data?.['nginx.conf'] ?? ''}
  }

  async function editWindow(patch: object): Promise<void> {
    await newClient().patch(Resources.configMaps, NS, 'upgrade', 'merge', patch)
  }

  beforeEach(async () => {
    server = await startApiServer({readyDelayMs: 0})
    server.seed(...shopTargets(NS), windowConfigMap('upgrade', ['ingress/shop'], now - 60_000, now + 3_600_000))
    client = newClient()
    await settle()
  })

  afterEach(async () => server.close())

  it('serves the right page after a change of message, end and page, and writes nothing in between', async () => {
    const first = served()
    expect(first.html).to.contain('Upgrading the database')
    expect(first.inputs).to.match(/^[0-9a-f]{64}$/)

    await editWindow({data: {message: 'Moving to the new cluster'}})
    await settle()
    expect(served().html).to.contain('Moving to the new cluster').and.not.contain('Upgrading the database')
    expect(served().backend).to.not.equal(first.backend)

    const end = now + 7_200_000
    await editWindow({metadata: {annotations: {[`${PREFIX}end`]: rfc3339(end)}}})
    await settle()
    expect(served().nginxConf).to.contain(`Retry-After "${formatHttpDate(Math.floor(end / 1000) * 1000)}"`)

    await newClient().create(Resources.configMaps, NS, {
      apiVersion: 'v1',
      data: {'page.html.hbs': '<!doctype html><title>Sale</title><p>Our own page: {{message}}</p>'},
      kind: 'ConfigMap',
      metadata: {labels: {[`${PREFIX}role`]: 'page'}, name: 'maintenance-page-sale', namespace: NS},
    })
    await editWindow({metadata: {annotations: {[`${PREFIX}page`]: 'sale'}}})
    await settle()
    expect(served().html).to.contain('<p>Our own page: Moving to the new cluster</p>')

    // The custom page is edited: its new version is served (its stored version is part of the inputs).
    await newClient().patch(Resources.configMaps, NS, 'maintenance-page-sale', 'merge', {data: {'page.html.hbs': '<!doctype html><title>Sale</title><p>Edited: {{message}}</p>'}})
    await settle()
    expect(served().html).to.contain('<p>Edited: Moving to the new cluster</p>')
  })

  it('is not fooled by a planted ConfigMap claiming the window\'s inputs: the page it serves is the one it renders', async () => {
    const genuine = served()
    // The tenant takes the claim off the genuine backend and plants a ConfigMap of its own, correctly named for its
    // content, claiming the window's inputs.
    await newClient().patch(Resources.configMaps, NS, genuine.backend, 'merge', {metadata: {annotations: {[INPUTS]: null}}})
    const forged = renderBackend({namespace: NS, page: renderPage(defaultPage(), buildViewModel({message: 'Pay here: http://evil.example', namespace: NS, targets: ['ingress/shop'], timezone: 'UTC', window: 'upgrade'}))})
    const configMap = forged.configMap as ConfigMap
    await newClient().create(Resources.configMaps, NS, {...configMap, metadata: {...configMap.metadata, annotations: {[INPUTS]: genuine.inputs}}})

    await settle()
    expect(served().backend).to.equal(genuine.backend)
    expect(served().html).to.contain('Upgrading the database').and.not.contain('evil.example')

    // A change still reaches the visitors.
    await editWindow({data: {message: 'Back at 23:00'}})
    await settle()
    expect(served().html).to.contain('Back at 23:00')
  })
})
