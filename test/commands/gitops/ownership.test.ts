import {expect} from 'chai'

import type {ApiServer} from '../../support/apiserver.js'

import {runCommand} from '../../support/run-command.js'
import {envFor, ingress, startCluster} from '../fixtures.js'

type Stored = {metadata: {annotations: Record<string, string>}}

const FLUX = {labels: {'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system'}}
const ARGO = {annotations: {'argocd.argoproj.io/tracking-id': 'storefront:networking.k8s.io/Ingress:shop/store'}}

describe('schedule, now and status with GitOps-owned targets', () => {
  let server: ApiServer

  beforeEach(async () => {
    server = await startCluster()
    server.seed(ingress('shop', 'shop', FLUX), ingress('store', 'shop', ARGO), ingress('plain', 'shop'))
  })

  afterEach(async () => server.close())

  const run = (...argv: string[]) => runCommand([...argv, '-n', 'shop'], {env: envFor(server)})

  it('schedule says which tool owns each target and what will happen; --no-gitops-pause is stored on the window', async () => {
    const result = await run('schedule', 'ingress/shop', 'ingress/store', 'ingress/plain', '--start', '+1h', '--duration', '1h', '--name', 'upgrade', '--no-gitops-pause')
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(result.stderr).to.include(
      'ingress/shop is managed by Flux (label kustomize.toolkit.fluxcd.io/name): Flux is not paused (--no-gitops-pause); after 2 reverts the window is Degraded and the target left to Flux\n',
    )
    expect(result.stderr).to.include(
      'ingress/store is managed by Argo CD (annotation argocd.argoproj.io/tracking-id): written as field manager kubectl-maintenance; add the ignore rule (kubectl maintenance gitops argocd) or Argo CD reverts it; after 2 reverts the window is Degraded\n',
    )
    expect(result.stderr).to.not.include('ingress/plain')
    const stored = server.object('v1', 'ConfigMap', 'shop', 'upgrade') as Stored
    expect(stored.metadata.annotations['kubectl-maintenance.io/gitops-pause']).to.equal('false')
  })

  it('now pauses Flux on the switched target, and status shows the GITOPS column', async () => {
    const result = await run('now', 'ingress/shop', 'ingress/store', '--name', 'incident')
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(result.stderr).to.include('ingress/shop is managed by Flux (label kustomize.toolkit.fluxcd.io/name): Flux is paused on it while switched (kustomize.toolkit.fluxcd.io/reconcile: disabled), resumed on restore\n')
    const shop = server.object('networking.k8s.io/v1', 'Ingress', 'shop', 'shop') as Stored
    expect(shop.metadata.annotations['kustomize.toolkit.fluxcd.io/reconcile']).to.equal('disabled')
    const stored = server.object('v1', 'ConfigMap', 'shop', 'incident') as Stored
    expect(stored.metadata.annotations).to.not.have.property('kubectl-maintenance.io/gitops-pause')

    const status = await run('status', 'ingress/shop', 'ingress/store', 'ingress/plain')
    expect(status.exitCode, status.stderr).to.equal(0)
    const lines = status.stdout.split('\n')
    expect(lines[0]).to.match(/^TARGET\s+IN-MAINTENANCE\s+WINDOW\s+BACKEND\s+READY\s+ENDS \(\w+\)\s+GITOPS$/)
    expect(lines.find((line) => line.startsWith('ingress/shop '))).to.match(/Flux: paused while switched$/)
    expect(lines.find((line) => line.startsWith('ingress/store '))).to.match(/Argo CD: needs the ignore rule \(gitops argocd\)$/)
    expect(lines.find((line) => line.startsWith('ingress/plain '))).to.match(/<none>$/)
    const json = await run('status', 'ingress/store', '-o', 'json')
    expect(JSON.parse(json.stdout)).to.have.nested.property('items[0].gitops', 'Argo CD: needs the ignore rule (gitops argocd)')
  })
})
