import {expect} from 'chai'

import {KubeClient} from '../../src/kube/client.js'
import {type PassReport, reconcile} from '../../src/kube/reconcile.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'
import {type Desired, gitopsReverter} from '../support/gitops-reverter.js'
import {runCommand} from '../support/run-command.js'
import {NS, type Obj, PREFIX, clientFor, rfc3339, windowConfigMap} from '../reliability/support.js'

// Modelled on what kustomize-controller and Argo CD's application controller leave on an Ingress they apply.
function ingress(name: string, marks: {labels?: Record<string, string>; annotations?: Record<string, string>}): Desired {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {name, namespace: NS, ...marks},
    spec: {
      ingressClassName: 'nginx',
      rules: [{host: `${name}.example.com`, http: {paths: [{backend: {service: {name: `${name}-web`, port: {number: 8080}}}, path: '/', pathType: 'Prefix'}]}}],
    },
  }
}

const FLUX_MARKS = {labels: {'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system'}}
const ARGO_MARKS = {
  annotations: {'argocd.argoproj.io/tracking-id': `storefront:networking.k8s.io/Ingress:${NS}/store`},
  labels: {'app.kubernetes.io/instance': 'storefront'},
}

describe('GitOps coexistence against the in-process API server', function () {
  this.timeout(60_000)
  let server: ApiServer
  let client: KubeClient

  function pass(): Promise<PassReport> {
    return reconcile(client, {horizonMs: 0, namespace: NS, waitForTransitions: true})
  }

  function target(name: string): Obj {
    return server.object('networking.k8s.io/v1', 'Ingress', NS, name) as Obj
  }

  function servedBy(name: string): string {
    const spec = target(name).spec as {rules: Array<{http: {paths: Array<{backend: {service: {name: string}}}>}}>}
    return spec.rules[0].http.paths[0].backend.service.name
  }

  function windowAnnotations(name: string): Record<string, string> {
    return (server.object('v1', 'ConfigMap', NS, name) as Obj).metadata.annotations ?? {}
  }

  function events(reason: string, involvedName?: string): Array<Obj & {message?: string; type?: string}> {
    return (server.objects('v1', 'Event', NS) as Array<Obj & {reason?: string; involvedObject?: {name?: string}}>).filter(
      (event) => event.reason === reason && (involvedName === undefined || event.involvedObject?.name === involvedName),
    )
  }

  /** How often an Event was recorded: repeats of one reason and message on one object are one Event with a count. */
  function occurrences(reason: string, involvedName: string): number {
    return events(reason, involvedName).reduce((sum, event) => sum + ((event as {count?: number}).count ?? 1), 0)
  }

  async function endWindow(name: string, start: number): Promise<void> {
    await client.request('PATCH', `/api/v1/namespaces/${NS}/configmaps/${name}`, {
      body: {metadata: {annotations: {[`${PREFIX}end`]: rfc3339(start + 1000)}}},
      contentType: 'application/merge-patch+json',
    })
  }

  beforeEach(async () => {
    server = await startApiServer({readyDelayMs: 0})
    server.seed({apiVersion: 'v1', kind: 'Namespace', metadata: {name: NS}})
    client = clientFor(server.kubeconfigPath)
  })

  afterEach(async () => {
    await server.close()
  })

  it('pauses Flux on a switched target for the whole window, restores it exactly, and Flux resumes after', async () => {
    const flux = gitopsReverter(server, 'kustomize-controller', ingress('shop', FLUX_MARKS), 'ingresses')
    await flux.sync()
    const before = structuredClone(target('shop'))
    const start = Date.now() - 1000
    server.seed(windowConfigMap('upgrade', ['ingress/shop'], start, start + 3_600_000))

    await pass()
    expect(servedBy('shop')).to.match(/^maintenance-[0-9a-f]{10}$/)
    expect(target('shop').metadata.annotations).to.include({'kustomize.toolkit.fluxcd.io/reconcile': 'disabled'})
    const original = JSON.parse(target('shop').metadata.annotations?.[`${PREFIX}original`] ?? '{}') as {metadata?: unknown}
    expect(original.metadata).to.deep.equal({annotations: {'kustomize.toolkit.fluxcd.io/reconcile': null}})

    const changedBefore = flux.counts.changed
    for (let round = 0; round < 4; round++) {
      expect(await flux.sync()).to.equal('paused')
      await pass()
      expect(servedBy('shop')).to.match(/^maintenance-/)
    }
    expect(flux.counts.changed).to.equal(changedBefore)
    expect(occurrences('MaintenanceStarted', 'shop')).to.equal(1)

    await endWindow('upgrade', start)
    await pass()
    const after = target('shop')
    expect(after.spec).to.deep.equal(before.spec)
    expect(after.metadata.annotations ?? {}).to.deep.equal(before.metadata.annotations ?? {})
    expect(after.metadata.labels).to.deep.equal(before.metadata.labels)
    expect(windowAnnotations('upgrade')[`${PREFIX}phase`]).to.equal('Completed')

    expect(await flux.sync()).to.equal('applied')
    expect(servedBy('shop')).to.equal('shop-web')
  })

  it('keeps a Flux target switched while kustomize-controller runs on its own interval', async () => {
    const flux = gitopsReverter(server, 'kustomize-controller', ingress('shop', FLUX_MARKS), 'ingresses')
    await flux.sync()
    const start = Date.now() - 1000
    server.seed(windowConfigMap('upgrade', ['ingress/shop'], start, start + 3_600_000))
    await pass()
    const changed = flux.counts.changed
    flux.start(20)
    try {
      while (flux.counts.paused < 5) {
        await pass()
        expect(servedBy('shop')).to.match(/^maintenance-/)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    } finally {
      await flux.stop()
    }
    expect(flux.counts.changed).to.equal(changed)
    expect(occurrences('MaintenanceStarted', 'shop')).to.equal(1)
  })

  it('pauses helm-controller drift detection on a HelmRelease target and puts back the value it had', async () => {
    const marks = {annotations: {'helm.toolkit.fluxcd.io/driftDetection': 'enabled'}, labels: {'helm.toolkit.fluxcd.io/name': 'shop', 'helm.toolkit.fluxcd.io/namespace': NS}}
    const helm = gitopsReverter(server, 'helm-controller', ingress('shop', marks), 'ingresses')
    await helm.sync()
    const before = structuredClone(target('shop'))
    const start = Date.now() - 1000
    server.seed(windowConfigMap('upgrade', ['ingress/shop'], start, start + 3_600_000))
    await pass()
    expect(target('shop').metadata.annotations).to.include({'helm.toolkit.fluxcd.io/driftDetection': 'disabled', 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled'})
    expect(await helm.sync()).to.equal('paused')
    await pass()
    expect(servedBy('shop')).to.match(/^maintenance-/)
    await endWindow('upgrade', start)
    await pass()
    expect(target('shop').metadata.annotations).to.deep.equal(before.metadata.annotations)
    expect(target('shop').spec).to.deep.equal(before.spec)
    expect(await helm.sync()).to.equal('applied')
  })

  it('with --no-gitops-pause leaves Flux unpaused', async () => {
    const flux = gitopsReverter(server, 'kustomize-controller', ingress('shop', FLUX_MARKS), 'ingresses')
    await flux.sync()
    const start = Date.now() - 1000
    server.seed(windowConfigMap('upgrade', ['ingress/shop'], start, start + 3_600_000, {[`${PREFIX}gitops-pause`]: 'false'}))
    await pass()
    expect(servedBy('shop')).to.match(/^maintenance-/)
    expect(target('shop').metadata.annotations).to.not.have.property('kustomize.toolkit.fluxcd.io/reconcile')
    expect(await flux.sync()).to.equal('applied')
    expect(servedBy('shop')).to.equal('shop-web')
  })

  it('switches an Argo CD target reverted by selfHeal at most N+1 times, then marks the window Degraded with the remedy', async () => {
    const argo = gitopsReverter(server, 'argocd-controller', ingress('store', ARGO_MARKS), 'ingresses')
    await argo.sync()
    const before = structuredClone(target('store'))
    const start = Date.now() - 1000
    server.seed(windowConfigMap('upgrade', ['ingress/store'], start, start + 3_600_000))

    const reverts: string[] = []
    for (let round = 0; round < 6; round++) {
      await pass()
      reverts.push(target('store').metadata.annotations?.[`${PREFIX}reverts`] ?? '-')
      await argo.sync()
    }
    expect(occurrences('MaintenanceStarted', 'store')).to.equal(3)
    expect(reverts.slice(0, 3)).to.deep.equal(['-', '1', '2'])
    expect(servedBy('store')).to.equal('store-web')

    const phase = windowAnnotations('upgrade')
    expect(phase[`${PREFIX}phase`]).to.equal('Degraded')
    expect(phase[`${PREFIX}phase-message`]).to.include('argocd-controller (Argo CD)').and.include('kubectl maintenance gitops argocd')
    const degraded = events('MaintenanceDegraded', 'upgrade')
    expect(degraded).to.have.length(1)
    expect(degraded[0].type).to.equal('Warning')
    expect(degraded[0].message).to.include('RespectIgnoreDifferences=true')
    const status = await runCommand(['status', 'ingress/store', '-n', NS], {env: {KUBECONFIG: server.kubeconfigPath}})
    expect(status.stdout.split('\n')[1]).to.match(/^ingress\/store\s+yes\s+upgrade\s+.*Argo CD: Degraded, reverted by argocd-controller; no longer switched$/)

    // Nothing the engine created carries Argo CD's tracking marks, so Argo CD never adopts or prunes it.
    const created = [...server.objects('v1', 'ConfigMap', NS), ...server.objects('apps/v1', 'Deployment', NS), ...server.objects('v1', 'Service', NS)] as Obj[]
    expect(created.length).to.be.greaterThan(1)
    for (const object of created) {
      expect(object.metadata.annotations ?? {}, object.metadata.name).to.not.have.property('argocd.argoproj.io/tracking-id')
      expect(object.metadata.labels ?? {}, object.metadata.name).to.not.have.property('app.kubernetes.io/instance')
    }

    await endWindow('upgrade', start)
    await pass()
    const after = target('store')
    expect(after.spec).to.deep.equal(before.spec)
    expect(after.metadata.annotations).to.deep.equal(before.metadata.annotations)
    expect(windowAnnotations('upgrade')[`${PREFIX}phase`]).to.equal('Completed')
  })

  it('counts the reverts of an Argo CD that applies client-side (manager argocd-application-controller) the same way', async () => {
    const argo = gitopsReverter(server, 'argocd-application-controller', ingress('store', ARGO_MARKS), 'ingresses', {clientSide: true})
    await argo.sync()
    const start = Date.now() - 1000
    server.seed(windowConfigMap('upgrade', ['ingress/store'], start, start + 3_600_000))
    for (let round = 0; round < 5; round++) {
      await pass()
      await argo.sync()
    }
    expect(occurrences('MaintenanceStarted', 'store')).to.equal(3)
    expect(windowAnnotations('upgrade')[`${PREFIX}phase-message`]).to.include('argocd-application-controller (Argo CD)')
  })

  it('counts a revert exactly once whatever request a pass is killed at (the count is written with the re-switch)', async () => {
    const argo = gitopsReverter(server, 'argocd-controller', ingress('store', ARGO_MARKS), 'ingresses')
    await argo.sync()
    const start = Date.now() - 1000
    server.seed(windowConfigMap('upgrade', ['ingress/store'], start, start + 3_600_000))
    await pass()
    const forget = async () =>
      client.request('PATCH', `/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses/store`, {
        body: {metadata: {annotations: {[`${PREFIX}reverts`]: null}}},
        contentType: 'application/merge-patch+json',
      })
    await argo.sync()
    server.clearLog()
    await pass()
    const cleanRequests = server.requests.length
    expect(target('store').metadata.annotations?.[`${PREFIX}reverts`]).to.equal('1')
    for (let k = 0; k < cleanRequests; k++) {
      await forget()
      await argo.sync()
      expect(servedBy('store'), `k=${k}`).to.equal('store-web')
      server.faults.failAfter(k, 500)
      await pass().catch(() => undefined)
      server.faults.clear()
      await pass()
      expect(target('store').metadata.annotations?.[`${PREFIX}reverts`], `killed at request ${k}`).to.equal('1')
      expect(servedBy('store'), `k=${k}`).to.match(/^maintenance-/)
    }
    console.log(`      killed at each of the ${cleanRequests} requests of a re-switching pass: the revert counted once every time`)
  })

  it('keeps re-switching after edits by people (the drift rule), without counting them as reverts', async () => {
    const argo = gitopsReverter(server, 'argocd-controller', ingress('store', ARGO_MARKS), 'ingresses')
    await argo.sync()
    const start = Date.now() - 1000
    server.seed(windowConfigMap('upgrade', ['ingress/store'], start, start + 3_600_000))
    await pass()
    for (let round = 0; round < 4; round++) {
      const spec = structuredClone(target('store').spec) as {rules: Array<{http: {paths: Array<{backend: {service: {name: string}}}>}}>}
      spec.rules[0].http.paths[0].backend.service.name = `store-web-${round}`
      const query = new URLSearchParams({fieldManager: 'kubectl-edit'})
      const response = await fetch(`${server.url}/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses/store?${query}`, {
        body: JSON.stringify({spec}),
        headers: {'Content-Type': 'application/merge-patch+json'},
        method: 'PATCH',
      })
      expect(response.status).to.equal(200)
      await pass()
      expect(servedBy('store')).to.match(/^maintenance-/)
    }
    expect(target('store').metadata.annotations).to.not.have.property(`${PREFIX}reverts`)
    expect(windowAnnotations('upgrade')[`${PREFIX}phase`]).to.equal('Active')
  })

  it('writes every change to a target as field manager kubectl-maintenance', async () => {
    const argo = gitopsReverter(server, 'argocd-controller', ingress('store', ARGO_MARKS), 'ingresses')
    await argo.sync()
    server.clearLog()
    const start = Date.now() - 1000
    server.seed(windowConfigMap('upgrade', ['ingress/store'], start, start + 3_600_000))
    await pass()
    const writes = server.writes().filter((entry) => entry.method !== 'DELETE')
    expect(writes.length).to.be.greaterThan(3)
    for (const entry of writes) expect(entry.query.fieldManager, `${entry.method} ${entry.path}`).to.equal('kubectl-maintenance')
    const managers = ((target('store').metadata as Record<string, unknown>).managedFields as Array<{manager: string; fieldsV1: Record<string, unknown>}>).map((entry) => entry.manager)
    expect(managers).to.include.members(['argocd-controller', 'kubectl-maintenance'])
  })
})
