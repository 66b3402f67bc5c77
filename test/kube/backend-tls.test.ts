import {expect} from 'chai'

import {KubeClient} from '../../src/kube/client.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {KubeConfig} from '@kubernetes/client-node'
import {reconcile} from '../../src/kube/reconcile.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'
import {shopTargets} from '../fixtures/targets.js'
import {NS, type Obj, PREFIX, windowConfigMap} from '../reliability/support.js'

describe("the backend's TLS Secret", function () {
  this.timeout(60_000)
  let server: ApiServer

  beforeEach(async () => {
    server = await startApiServer({readyDelayMs: 0})
    server.seed(...shopTargets(NS))
  })

  afterEach(async () => {
    await server.close()
  })

  it('is made in the same pass when its create is answered "try again" once (a dropped connection is the same)', async () => {
    const retried: number[] = []
    // The API server refuses the Secret's create with a 503 once, and is well again by the time the client retries.
    server.faults.failFor(503, 'create', 'secrets', NS)
    const sleep = async (ms: number): Promise<void> => {
      retried.push(ms)
      server.faults.clear()
    }
    const loaded = readConfig(KubeConfig, {kubeconfig: server.kubeconfigPath, namespace: NS})
    const client = new KubeClient(loaded.config, loaded.namespace, loaded.contextName, {attempts: 3, baseDelayMs: 1, sleep})
    const now = Date.now()
    server.seed(windowConfigMap('w', ['ingress/shop'], now - 1000, now + 3_600_000))

    const report = await reconcile(client, {horizonMs: 0, namespace: NS, waitForTransitions: true})

    expect(report.errors).to.deep.equal([])
    expect(retried, 'the refused create was retried').to.have.length(1)
    const secrets = (server.objects('v1', 'Secret', NS) as Obj[]).filter((secret) => secret.metadata.labels?.[`${PREFIX}role`] === 'backend')
    expect(secrets, 'backend Secrets').to.have.length(1)
    expect(server.object('networking.k8s.io/v1', 'Ingress', NS, 'shop')?.metadata).to.have.nested.property(`labels.${PREFIX.replaceAll('.', '\\.')}active`, 'true')
  })
})
