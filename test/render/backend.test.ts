import {expect} from 'chai'
import {stringify} from 'yaml'

import type {PageSource} from '../../src/render/page-source.js'

import {backendTlsSecret, renderBackend} from '../../src/render/backend.js'
import {BACKEND_IMAGE, backendPodLabels} from '../../src/render/backend-content.js'
import {defaultPage, renderPage} from '../../src/render/page.js'
import {buildViewModel} from '../../src/render/view-model.js'
import {restrictedViolations} from '../install/restricted-pss.js'
import {golden, WINDOW} from './fixtures.js'

const small: PageSource = {
  assets: {'logo.svg': Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')},
  html: '<!doctype html><title>{{title}}</title><img src="/_maintenance/assets/logo.svg" alt=""><p>{{message}}</p>\n',
  json: '{"down": true, "until": "{{end}}"}\n',
  name: 'small',
  status: 503,
}

function backendFor(context = WINDOW, source: PageSource = defaultPage(), image?: string) {
  return renderBackend({image, namespace: context.namespace, page: renderPage(source, buildViewModel(context))})
}

type Manifest = {metadata: {name: string; namespace: string; labels: Record<string, string>}; [key: string]: unknown}

describe('render/backend', () => {
  it('renders the golden ConfigMap, Deployment and Service', () => {
    const backend = backendFor(WINDOW, small)
    const text = [backend.configMap, backend.deployment, backend.service].map((object) => stringify(object, {blockQuote: 'literal', lineWidth: 0})).join('---\n')
    expect(text).to.equal(golden('backend-small.yaml', text))
  })

  it('names all three maintenance-<hash> with the backend labels, in the window namespace', () => {
    const backend = backendFor()
    expect(backend.name).to.match(/^maintenance-[0-9a-f]{10}$/)
    expect(backend.name).to.equal(`maintenance-${backend.hash}`)
    expect(backend.podLabels).to.deep.equal({
      'app.kubernetes.io/managed-by': 'kubectl-maintenance',
      'app.kubernetes.io/name': 'kubectl-maintenance-backend',
      'kubectl-maintenance.io/hash': backend.hash,
      'kubectl-maintenance.io/role': 'backend',
    })
    expect(backendPodLabels(backend.hash)).to.deep.equal(backend.podLabels)
    for (const object of [backend.configMap, backend.deployment, backend.service] as Manifest[]) {
      expect(object.metadata).to.deep.equal({labels: backend.podLabels, name: backend.name, namespace: 'shop'})
    }
    const deployment = backend.deployment as {spec: {selector: {matchLabels: unknown}; template: {metadata: {labels: unknown}}}}
    expect(deployment.spec.selector.matchLabels).to.deep.equal(backend.podLabels)
    expect(deployment.spec.template.metadata.labels).to.deep.equal(backend.podLabels)
    expect((backend.service as {spec: {selector: unknown}}).spec.selector).to.deep.equal(backend.podLabels)
  })

  it('gives the same content the same name, and a different end, message, image or asset another', () => {
    const names = new Set([backendFor().name, backendFor().name, renderBackend({namespace: 'shop', page: renderPage(defaultPage(), buildViewModel(WINDOW))}).name])
    expect(names.size).to.equal(1)
    const others = [
      backendFor({...WINDOW, end: WINDOW.end! + 60_000}),
      backendFor({...WINDOW, end: undefined}),
      backendFor({...WINDOW, message: 'other'}),
      backendFor(WINDOW, defaultPage(), `${BACKEND_IMAGE}-other`),
      backendFor(WINDOW, {...defaultPage(), assets: {'a.png': Buffer.from('1')}}),
      backendFor(WINDOW, {...defaultPage(), assets: {'a.png': Buffer.from('2')}}),
      backendFor(WINDOW, {...defaultPage(), status: 500}),
    ].map((backend) => backend.name)
    expect(new Set([...names, ...others]).size).to.equal(others.length + 1)
  })

  it('does not depend on the window name, targets or namespace of the window', () => {
    const a = backendFor()
    const b = backendFor({...WINDOW, namespace: 'other', targets: ['service/x'], window: 'other'})
    expect(b.name).to.equal(a.name)
    expect((b.configMap as Manifest).metadata.namespace).to.equal('other')
  })

  it('keeps page bodies, nginx.conf and assets in the ConfigMap and mounts assets under assets/', () => {
    const backend = backendFor(WINDOW, small)
    const configMap = backend.configMap as {data: Record<string, string>; binaryData: Record<string, string>; immutable: boolean}
    expect(Object.keys(configMap.data).sort()).to.deep.equal(['nginx.conf', 'page.html', 'page.json', 'page.xml'])
    expect(configMap.data['page.json']).to.equal('{"down": true, "until": "2026-12-24T22:00:00Z"}\n')
    expect(configMap.data['nginx.conf']).to.include('add_header Retry-After "Thu, 24 Dec 2026 22:00:00 GMT" always;')
    expect(configMap.data['nginx.conf']).to.include('alias "/etc/maintenance/assets/logo.svg";')
    expect(Buffer.from(configMap.binaryData['logo.svg'], 'base64').toString()).to.equal('<svg xmlns="http://www.w3.org/2000/svg"/>')
    expect(configMap.immutable).to.equal(true)
  })

  it('runs nginx unprivileged, read-only, without a token, small, probed on /_maintenance/healthz', () => {
    type Container = Record<string, unknown> & {securityContext: Record<string, unknown>; readinessProbe: {httpGet: unknown}; livenessProbe: {httpGet: unknown}}
    const spec = (backendFor().deployment as {spec: {replicas: number; template: {spec: Record<string, unknown> & {containers: Container[]}}}}).spec
    expect(spec.replicas).to.equal(1)
    const pod = spec.template.spec
    expect(pod.automountServiceAccountToken).to.equal(false)
    expect(pod.enableServiceLinks).to.equal(false)
    expect(pod.securityContext).to.deep.include({runAsNonRoot: true, runAsUser: 101, seccompProfile: {type: 'RuntimeDefault'}})
    const [container] = pod.containers
    expect(container.image).to.equal('nginxinc/nginx-unprivileged:1.30-alpine')
    expect(container.args).to.deep.equal(['-e', 'stderr', '-c', '/etc/maintenance/nginx.conf', '-g', 'daemon off;'])
    expect(container.securityContext).to.deep.equal({
      allowPrivilegeEscalation: false,
      capabilities: {drop: ['ALL']},
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 101,
      seccompProfile: {type: 'RuntimeDefault'},
    })
    expect(container.resources).to.deep.equal({limits: {memory: '32Mi'}, requests: {cpu: '10m', memory: '16Mi'}})
    expect(container.readinessProbe.httpGet).to.deep.equal({path: '/_maintenance/healthz', port: 8080})
    expect(container.livenessProbe.httpGet).to.deep.equal({path: '/_maintenance/healthz', port: 8080})
    expect(container.volumeMounts).to.deep.equal([
      {mountPath: '/etc/maintenance', name: 'page', readOnly: true},
      {mountPath: '/tmp', name: 'tmp'},
      {mountPath: '/etc/maintenance-tls', name: 'tls', readOnly: true},
    ])
    expect(pod.volumes).to.deep.include({name: 'tls', secret: {defaultMode: 0o440, secretName: backendFor().name}})
    expect(pod.securityContext).to.deep.include({fsGroup: 101})
    expect(restrictedViolations(pod), 'restricted Pod Security Standard').to.deep.equal([])
    expect(backendFor().service).to.deep.include({spec: {
      ports: [
        {name: 'http', port: 80, protocol: 'TCP', targetPort: 8080},
        {appProtocol: 'kubernetes.io/h2c', name: 'grpc', port: 81, protocol: 'TCP', targetPort: 8081},
        {appProtocol: 'https', name: 'https', port: 443, protocol: 'TCP', targetPort: 8443},
      ],
      selector: backendFor().podLabels,
      type: 'ClusterIP',
    }})
  })

  it('serves TLS on 8443 from the mounted Secret; the random key pair is not part of the hash', () => {
    const backend = backendFor()
    const conf = (backend.configMap as {data: Record<string, string>}).data['nginx.conf']
    expect(conf).to.include('listen 8443 ssl http2 default_server;')
    expect(conf).to.include('ssl_certificate "/etc/maintenance-tls/tls.crt";')
    expect(conf).to.include('ssl_certificate_key "/etc/maintenance-tls/tls.key";')
    expect(backendFor().name).to.equal(backend.name)
  })

  it('the TLS Secret: named like the backend, its labels, type kubernetes.io/tls, owned by the ConfigMap, immutable', () => {
    const backend = backendFor()
    const secret = backendTlsSecret(backend, 'shop', 'uid-1', {certificate: 'CERT', key: 'KEY'})
    expect(secret).to.deep.equal({
      apiVersion: 'v1',
      data: {'tls.crt': Buffer.from('CERT').toString('base64'), 'tls.key': Buffer.from('KEY').toString('base64')},
      immutable: true,
      kind: 'Secret',
      metadata: {
        labels: backend.podLabels,
        name: backend.name,
        namespace: 'shop',
        ownerReferences: [{apiVersion: 'v1', controller: true, kind: 'ConfigMap', name: backend.name, uid: 'uid-1'}],
      },
      type: 'kubernetes.io/tls',
    })
  })

  it('refuses a page that does not fit in a ConfigMap', () => {
    expect(() => backendFor(WINDOW, {...small, assets: {'big.bin': Buffer.alloc(1024 * 1024)}})).to.throw(/more than the 1048576 a ConfigMap holds/)
  })
})
