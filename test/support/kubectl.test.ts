import {expect} from 'chai'
import {execFile, execFileSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {type ApiServer, startApiServer} from './apiserver.js'

interface KubectlResult {
  code: number
  stdout: string
  stderr: string
}

function kubectlPath(): string {
  try {
    return execFileSync('which', ['kubectl'], {encoding: 'utf8'}).trim()
  } catch {
    throw new Error('kubectl not found: .ci/run installs kubectl 1.32 (Debian kubernetes-client is 1.20, too old)')
  }
}

describe('in-process API server driven by the real kubectl', function () {
  this.timeout(30_000)
  let server: ApiServer
  let home: string
  let binary: string

  const kubectl = (...args: string[]): Promise<KubectlResult> =>
    new Promise((resolve) => {
      execFile(binary, ['--kubeconfig', server.kubeconfigPath, ...args], {env: {...process.env, HOME: home, KUBECONFIG: ''}}, (error, stdout, stderr) => {
        resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr})
      })
    })

  const file = (name: string, content: string): string => {
    const target = path.join(home, name)
    writeFileSync(target, content)
    return target
  }

  beforeEach(async () => {
    binary = kubectlPath()
    home = mkdtempSync(path.join(tmpdir(), 'kubectl-home-'))
    server = await startApiServer({readyDelayMs: 1500})
    server.seed(
      {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'shop'}},
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {name: 'web', namespace: 'shop'},
        spec: {rules: [{host: 'shop.example.com', http: {paths: [{path: '/', pathType: 'Prefix', backend: {service: {name: 'web', port: {number: 80}}}}]}}]},
      },
      {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'cm', namespace: 'default', labels: {a: 'b'}}, data: {k: 'v'}},
      {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'other', namespace: 'default'}},
      {
        apiVersion: 'traefik.io/v1alpha1',
        kind: 'IngressRoute',
        metadata: {name: 'route', namespace: 'default'},
        spec: {routes: [{match: 'Host(`a.example.com`)', kind: 'Rule', services: [{name: 'web', port: 80}]}]},
      },
    )
  })
  afterEach(() => server.close())

  it('lists ingresses in all namespaces with server-side columns', async () => {
    const result = await kubectl('get', 'ingress', '-A')
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.match(/^NAMESPACE\s+NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\n/)
    expect(result.stdout).to.match(/\nshop\s+web\s+<none>\s+shop\.example\.com\s+80\s+\d+s\n$/)
  })

  it('applies a YAML file, then reports it unchanged', async () => {
    const manifest = file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "1"\n')
    const first = await kubectl('apply', '-f', manifest)
    expect(first.code, first.stderr).to.equal(0)
    expect(first.stdout).to.equal('configmap/applied created\n')
    const second = await kubectl('apply', '-f', manifest)
    expect(second.stdout).to.equal('configmap/applied unchanged\n')
    expect(server.object('v1', 'ConfigMap', 'default', 'applied')).to.have.nested.property('data.a', '1')
  })

  it('annotates an object', async () => {
    const result = await kubectl('annotate', 'configmap', 'cm', 'example.com/x=y')
    expect(result.stdout).to.equal('configmap/cm annotated\n')
    expect(server.object('v1', 'ConfigMap', 'default', 'cm')).to.have.nested.property('metadata.annotations.example\\.com/x', 'y')
  })

  it('fails a JSON patch whose test operation does not hold, saying so', async () => {
    const result = await kubectl('patch', 'configmap', 'cm', '--type', 'json', '-p', '[{"op":"test","path":"/data/k","value":"other"},{"op":"replace","path":"/data/k","value":"x"}]')
    expect(result.code).to.not.equal(0)
    expect(result.stderr).to.match(/testing value \/data\/k failed/)
    expect(server.object('v1', 'ConfigMap', 'default', 'cm')).to.have.nested.property('data.k', 'v')
  })

  it('applies a merge patch', async () => {
    const result = await kubectl('patch', 'configmap', 'cm', '--type', 'merge', '-p', '{"data":{"k":null,"n":"1"}}')
    expect(result.stdout).to.equal('configmap/cm patched\n')
    expect(server.object('v1', 'ConfigMap', 'default', 'cm')?.data).to.deep.equal({n: '1'})
  })

  it('refuses a strategic merge patch of an IngressRoute with the 415 message', async () => {
    const result = await kubectl('patch', 'ingressroute', 'route', '-p', '{"spec":{"entryPoints":["web"]}}')
    expect(result.code).to.not.equal(0)
    expect(result.stderr).to.contain('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml')
  })

  it('reports a missing namespace on create', async () => {
    const result = await kubectl('create', 'configmap', 'x', '-n', 'missing')
    expect(result.code).to.not.equal(0)
    expect(result.stderr).to.contain('namespaces "missing" not found')
  })

  it('reports a Conflict when replacing with a stale resourceVersion', async () => {
    const stale = (await kubectl('get', 'configmap', 'cm', '-o', 'yaml')).stdout
    await kubectl('annotate', 'configmap', 'cm', 'touched=yes')
    const result = await kubectl('replace', '-f', file('stale.yaml', stale))
    expect(result.code).to.not.equal(0)
    expect(result.stderr).to.contain('Error from server (Conflict)')
    expect(result.stderr).to.contain('the object has been modified; please apply your changes to the latest version and try again')
  })

  it('waits in rollout status until the Deployment is ready', async () => {
    const manifest = file(
      'deploy.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers: [{name: web, image: "nginx:1.27"}]\n',
    )
    expect((await kubectl('apply', '-f', manifest)).code).to.equal(0)
    const started = Date.now()
    const result = await kubectl('rollout', 'status', 'deployment/web', '--timeout', '10s')
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.contain('deployment "web" successfully rolled out')
    expect(Date.now() - started).to.be.greaterThanOrEqual(1000)
  })

  it('selects configmaps by label', async () => {
    const result = await kubectl('get', 'configmaps', '-l', 'a=b', '-o', 'name')
    expect(result.stdout).to.equal('configmap/cm\n')
  })
})
