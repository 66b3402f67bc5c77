import {expect} from 'chai'
import {parse as parseYaml} from 'yaml'

import {type ApiServer, startApiServer} from '../../support/apiserver.js'
import {runCommand} from '../../support/run-command.js'
import {envFor, ingress, service} from '../fixtures.js'

const TRACKED = {annotations: {'argocd.argoproj.io/tracking-id': 'storefront:networking.k8s.io/Ingress:shop/shop'}}

// Shaped like the Applications of Argo CD's getting-started guide: one Git source, one destination, automated selfHeal.
function application(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {name: 'storefront', namespace: 'argocd'},
    spec: {
      destination: {namespace: 'shop', server: 'https://kubernetes.default.svc'},
      project: 'default',
      source: {path: 'shop', repoURL: 'https://git.example.com/platform/apps.git', targetRevision: 'HEAD'},
      syncPolicy: {automated: {prune: true, selfHeal: true}, syncOptions: ['CreateNamespace=true']},
      ...spec,
    },
  }
}

async function mergePatch(server: ApiServer, patch: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.url}/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/storefront`, {
    body: JSON.stringify(patch),
    headers: {Accept: 'application/json', 'Content-Type': 'application/merge-patch+json'},
    method: 'PATCH',
  })
  expect(response.status, await response.clone().text()).to.equal(200)
  return (await response.json()) as Record<string, unknown>
}

describe('gitops argocd', () => {
  let server: ApiServer

  beforeEach(async () => {
    server = await startApiServer({crds: ['traefik.io', 'gateway.networking.k8s.io', 'argoproj.io'], namespaces: ['default', 'shop', 'argocd']})
  })

  afterEach(async () => {
    await server.close()
  })

  it('prints a patch that parses as YAML and, merged into the Application, holds the rule and keeps what was there', async () => {
    server.seed(ingress('shop', 'shop', TRACKED), application({ignoreDifferences: [{group: 'apps', jsonPointers: ['/spec/replicas'], kind: 'Deployment'}]}))
    const first = await runCommand(['gitops', 'argocd', 'ingress/shop', '-n', 'shop'], {env: envFor(server)})
    expect(first.exitCode, first.stderr).to.equal(0)
    expect(first.stderr).to.equal('Application argocd/storefront: rule missing for ingress/shop\n')
    expect(first.stdout).to.equal(
      [
        '# Application: argocd/storefront',
        'spec:',
        '  ignoreDifferences:',
        '    - group: apps',
        '      jsonPointers:',
        '        - /spec/replicas',
        '      kind: Deployment',
        '    - group: networking.k8s.io',
        '      kind: Ingress',
        '      name: shop',
        '      namespace: shop',
        '      managedFieldsManagers:',
        '        - kubectl-maintenance',
        '      jqPathExpressions:',
        '        - .spec.defaultBackend',
        '        - .spec.rules[].http.paths[].backend',
        '        - .metadata.annotations["nginx.ingress.kubernetes.io/backend-protocol"]',
        '        - .metadata.annotations["nginx.ingress.kubernetes.io/ssl-passthrough"]',
        '        - .metadata.annotations["alb.ingress.kubernetes.io/backend-protocol"]',
        '        - .metadata.annotations["alb.ingress.kubernetes.io/backend-protocol-version"]',
        '  syncPolicy:',
        '    syncOptions:',
        '      - CreateNamespace=true',
        '      - RespectIgnoreDifferences=true',
        '',
      ].join('\n'),
    )

    const patched = (await mergePatch(server, parseYaml(first.stdout))) as {spec: {ignoreDifferences: unknown[]; syncPolicy: {automated: unknown; syncOptions: string[]}}}
    expect(patched.spec.ignoreDifferences).to.deep.include({
      group: 'networking.k8s.io',
      jqPathExpressions: [
        '.spec.defaultBackend',
        '.spec.rules[].http.paths[].backend',
        '.metadata.annotations["nginx.ingress.kubernetes.io/backend-protocol"]',
        '.metadata.annotations["nginx.ingress.kubernetes.io/ssl-passthrough"]',
        '.metadata.annotations["alb.ingress.kubernetes.io/backend-protocol"]',
        '.metadata.annotations["alb.ingress.kubernetes.io/backend-protocol-version"]',
      ],
      kind: 'Ingress',
      managedFieldsManagers: ['kubectl-maintenance'],
      name: 'shop',
      namespace: 'shop',
    })
    expect(patched.spec.ignoreDifferences).to.have.length(2)
    expect(patched.spec.syncPolicy.syncOptions).to.deep.equal(['CreateNamespace=true', 'RespectIgnoreDifferences=true'])
    expect(patched.spec.syncPolicy.automated).to.deep.equal({prune: true, selfHeal: true})

    const again = await runCommand(['gitops', 'argocd', 'ingress/shop', '-n', 'shop'], {env: envFor(server)})
    expect(again.stderr).to.equal('Application argocd/storefront: the rule is already there; nothing to change\n')
  })

  it('names only the switched fields per kind with --rule jq, as JSON for kubectl patch', async () => {
    server.seed(service('db', 'shop', {labels: {'app.kubernetes.io/instance': 'storefront'}}), application())
    const result = await runCommand(['gitops', 'argocd', 'svc/db', '-n', 'shop', '--rule', 'jq', '-o', 'json'], {env: envFor(server)})
    expect(result.exitCode, result.stderr).to.equal(0)
    const patch = JSON.parse(result.stdout) as {spec: {ignoreDifferences: unknown[]}}
    expect(patch.spec.ignoreDifferences).to.deep.equal([{group: '', jqPathExpressions: ['.spec.selector', '.spec.ports[].targetPort'], kind: 'Service', name: 'db', namespace: 'shop'}])
    const patched = (await mergePatch(server, patch)) as {spec: {ignoreDifferences: unknown[]; syncPolicy: {syncOptions: string[]}}}
    expect(patched.spec.ignoreDifferences).to.deep.equal(patch.spec.ignoreDifferences)
    expect(patched.spec.syncPolicy.syncOptions).to.include('RespectIgnoreDifferences=true')
  })

  it('still prints the rule where Argo CD is not readable, and says the lists must be merged by hand', async () => {
    await server.close()
    server = await startApiServer({namespaces: ['default', 'shop']})
    server.seed(ingress('shop', 'shop', TRACKED))
    const result = await runCommand(['gitops', 'argocd', '-n', 'shop', '--rule', 'managers'], {env: envFor(server)})
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(result.stderr).to.include('Application storefront not read (this cluster does not serve argoproj.io/v1alpha1 Applications)')
    expect(parseYaml(result.stdout)).to.deep.equal({
      spec: {
        ignoreDifferences: [{group: 'networking.k8s.io', kind: 'Ingress', managedFieldsManagers: ['kubectl-maintenance'], name: 'shop', namespace: 'shop'}],
        syncPolicy: {syncOptions: ['RespectIgnoreDifferences=true']},
      },
    })
  })

  it('counts an entry that already names the manager and the paths as the rule, and exits 2 on a bad --rule', async () => {
    const existing = {group: 'networking.k8s.io', jqPathExpressions: [
        '.spec.defaultBackend',
        '.spec.rules[].http.paths[].backend',
        '.metadata.annotations["nginx.ingress.kubernetes.io/backend-protocol"]',
        '.metadata.annotations["nginx.ingress.kubernetes.io/ssl-passthrough"]',
        '.metadata.annotations["alb.ingress.kubernetes.io/backend-protocol"]',
        '.metadata.annotations["alb.ingress.kubernetes.io/backend-protocol-version"]',
      ], kind: 'Ingress', managedFieldsManagers: ['kubectl-maintenance']}
    server.seed(ingress('shop', 'shop', TRACKED), application({ignoreDifferences: [existing], syncPolicy: {syncOptions: ['RespectIgnoreDifferences=true']}}))
    const result = await runCommand(['gitops', 'argocd', 'ingress/shop', '-n', 'shop'], {env: envFor(server)})
    expect(result.stderr).to.equal('Application argocd/storefront: the rule is already there; nothing to change\n')
    expect(parseYaml(result.stdout)).to.deep.equal({spec: {ignoreDifferences: [existing], syncPolicy: {syncOptions: ['RespectIgnoreDifferences=true']}}})
    const bad = await runCommand(['gitops', 'argocd', 'ingress/shop', '-n', 'shop', '--rule', 'paths'], {env: envFor(server)})
    expect(bad.exitCode).to.equal(2)
    expect(bad.stderr).to.include('error: invalid argument "paths" for "--rule" flag: use one of both, managers or jq\n')
  })

  it('refuses, writing nothing, when no target carries Argo CD marks and none is named', async () => {
    server.seed(ingress('plain', 'shop'))
    server.clearLog()
    const result = await runCommand(['gitops', 'argocd', '-n', 'shop'], {env: envFor(server)})
    expect(result.exitCode).to.equal(2)
    expect(result.stderr).to.include('no target in namespace shop carries Argo CD')
    expect(server.writes()).to.deep.equal([])
  })
})
