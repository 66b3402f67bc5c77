import {expect} from 'chai'

import {type ApiServer, startApiServer} from '../apiserver.js'
import {CM, type Reply, call, configMap, dig, post} from './test-client.js'

const ING = '/apis/networking.k8s.io/v1/namespaces/default/ingresses'
const SVC = '/api/v1/namespaces/default/services'

function causes(reply: Reply): string[] {
  return ((dig(reply.body, 'details.causes') as {field: string; message: string}[]) ?? []).map((cause) => `${cause.field}: ${cause.message}`)
}

function ingress(backend: Record<string, unknown>, path: Record<string, unknown> = {path: '/', pathType: 'Prefix'}): Record<string, unknown> {
  return {metadata: {name: 'web'}, spec: {rules: [{host: 'shop.example.com', http: {paths: [{...path, backend}]}}]}}
}

describe('in-process API server: validation of what is written', () => {
  let server: ApiServer
  beforeEach(async () => {
    server = await startApiServer()
  })
  afterEach(() => server.close())

  it('requires names to be DNS-1123 subdomains, Service names DNS-1035 labels and Namespace names DNS-1123 labels', async () => {
    expect((await post(server, CM, configMap('a.b-c'))).status).to.equal(201)
    expect((await post(server, CM, configMap('-a'))).status).to.equal(422)
    const service = await post(server, SVC, {metadata: {name: '1web'}, spec: {ports: [{port: 80}]}})
    expect(causes(service)[0]).to.match(/^metadata.name: Invalid value: "1web": a DNS-1035 label must consist of/)
    const namespace = await post(server, '/api/v1/namespaces', {metadata: {name: 'a.b'}})
    expect(causes(namespace)[0]).to.match(/^metadata.name: Invalid value: "a.b": a lowercase RFC 1123 label must consist of/)
    const unnamed = await post(server, CM, {metadata: {}})
    expect(causes(unnamed)).to.deep.equal(['metadata.name: Required value: name or generateName is required'])
  })

  it('validates label keys and values', async () => {
    const reply = await post(server, CM, configMap('a', 'default', {}, {'bad key': 'v', ok: 'x'.repeat(64)}))
    expect(reply.status).to.equal(422)
    expect(causes(reply)).to.have.length(2)
    expect(causes(reply)[1]).to.equal('metadata.labels: Invalid value: "' + 'x'.repeat(64) + '": must be no more than 63 characters')
  })

  it('limits the total size of annotations to 256 KiB', async () => {
    const reply = await post(server, CM, {metadata: {name: 'a', annotations: {big: 'x'.repeat(262_145)}}})
    expect(reply.status).to.equal(422)
    expect(causes(reply)).to.deep.equal(['metadata.annotations: Too long: must have at most 262144 bytes'])
  })

  it('limits ConfigMap data to 1 MiB and validates its keys', async () => {
    const big = await post(server, CM, configMap('a', 'default', {page: 'x'.repeat(1024 * 1024 + 1)}))
    expect(big.status).to.equal(422)
    expect(String(big.body.message)).to.contain('Too long: must have at most 1048576 bytes')
    const badKey = await post(server, CM, configMap('b', 'default', {'a/b': 'x'}))
    expect(causes(badKey)[0]).to.match(/^data\[a\/b\]: Invalid value: "a\/b": a valid config key must consist of/)
  })

  it('Secrets: kubernetes.io/tls needs tls.crt and tls.key, data is base64, stringData goes into data, the type cannot change', async () => {
    const SECRETS = '/api/v1/namespaces/default/secrets'
    const missing = await post(server, SECRETS, {data: {'tls.crt': 'Q0VSVA=='}, metadata: {name: 'a'}, type: 'kubernetes.io/tls'})
    expect(missing.status).to.equal(422)
    expect(causes(missing)).to.deep.equal(['data[tls.key]: Required value'])
    const undecodable = await post(server, SECRETS, {data: {key: 'not base64!'}, metadata: {name: 'b'}})
    expect(undecodable.status).to.equal(400)
    const written = await post(server, SECRETS, {data: {'tls.crt': 'Q0VSVA=='}, metadata: {name: 'c'}, stringData: {'tls.key': 'KEY'}, type: 'kubernetes.io/tls'})
    expect(written.status).to.equal(201)
    expect(written.body.data).to.deep.equal({'tls.crt': 'Q0VSVA==', 'tls.key': 'S0VZ'})
    expect(written.body).not.to.have.property('stringData')
    const opaque = await post(server, SECRETS, {metadata: {name: 'd'}})
    expect(opaque.body.type).to.equal('Opaque')
    const retyped = await call(server, 'PATCH', `${SECRETS}/c`, {type: 'Opaque'}, 'application/merge-patch+json')
    expect(retyped.status).to.equal(422)
    expect(causes(retyped)).to.deep.equal(['type: Invalid value: "Opaque": field is immutable'])
  })

  it('requires pathType on Ingress paths', async () => {
    const reply = await post(server, ING, ingress({service: {name: 'web', port: {number: 80}}}, {path: '/'}))
    expect(reply.status).to.equal(422)
    expect(causes(reply)).to.deep.equal(['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified'])
  })

  it('requires exactly one Ingress backend kind and a port name or number, not both', async () => {
    const both = await post(server, ING, ingress({service: {name: 'web', port: {number: 80}}, resource: {kind: 'Bucket', name: 'b'}}))
    expect(causes(both)).to.deep.equal(['spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both resource and service backends'])
    const ports = await post(server, ING, ingress({service: {name: 'web', port: {number: 80, name: 'http'}}}))
    expect(causes(ports)).to.deep.equal(['spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number'])
    const none = await post(server, ING, ingress({service: {name: 'web', port: {}}}))
    expect(causes(none)).to.deep.equal(['spec.rules[0].http.paths[0].backend.service.port: Required value: port name or number is required'])
    expect((await post(server, ING, ingress({service: {name: 'web', port: {name: 'http'}}}))).status).to.equal(201)
  })

  it('requires unique, named Service ports with valid target ports', async () => {
    const reply = await post(server, SVC, {
      metadata: {name: 'web'},
      spec: {ports: [{name: 'http', port: 80}, {name: 'http', port: 81}, {port: 82, targetPort: 70000}]},
    })
    expect(causes(reply)).to.deep.equal([
      'spec.ports[1].name: Duplicate value: "http"',
      'spec.ports[2].name: Required value',
      'spec.ports[2].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ])
  })

  it('validates custom resources against their CRD schema', async () => {
    const reply = await post(server, '/apis/traefik.io/v1alpha1/namespaces/default/ingressroutes', {apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: {name: 'r'}, spec: {}})
    expect(reply.status).to.equal(422)
    expect(reply.body.message).to.equal('IngressRoute.traefik.io "r" is invalid: spec.routes: Required value')
  })

  it('rejects a wrongly typed field of a built-in kind as an undecodable body (400)', async () => {
    const reply = await post(server, SVC, {metadata: {name: 'web'}, spec: {ports: [{port: 'eighty'}]}})
    expect(reply.status).to.equal(400)
    expect(reply.body.message).to.match(/^Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct field/)
  })
})
