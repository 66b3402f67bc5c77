import {expect} from 'chai'

import type {KubeObject} from '../../../src/engine/kinds/types.js'

import {httproute} from '../../../src/engine/kinds/httproute.js'
import {ingress} from '../../../src/engine/kinds/ingress.js'
import {BACKEND, NAMESPACE, withSpec} from './support.js'

function grpcs(annotations: Record<string, string>): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {annotations, name: 'fortune', namespace: NAMESPACE},
    spec: {rules: [{host: 'grpc.example.com', http: {paths: [{backend: {service: {name: 'fortune', port: {number: 50051}}}, path: '/', pathType: 'Prefix'}]}}]},
  }
}

/** The object as the planner writes it at the switch: spec, annotation changes and the tool's own annotations. */
function switched(obj: KubeObject): {object: KubeObject; original: unknown} {
  const original = JSON.parse(JSON.stringify(ingress.captureRouting(obj))) as unknown
  const object = withSpec(obj, ingress.switchSpec(obj, BACKEND))
  for (const [key, value] of Object.entries(ingress.switchAnnotations!(obj))) {
    if (value === null) delete object.metadata.annotations![key]
    else object.metadata.annotations![key] = value
  }
  return {object, original}
}

describe('engine/kinds: the upstream protocol an Ingress asks of its controller', () => {
  it('GRPCS becomes GRPC to the backend h2c port, and comes back', () => {
    const obj = grpcs({'nginx.ingress.kubernetes.io/backend-protocol': 'GRPCS', 'nginx.ingress.kubernetes.io/ssl-redirect': 'true'})
    const {object, original} = switched(obj)
    expect(original).to.deep.include({annotations: {'nginx.ingress.kubernetes.io/backend-protocol': 'GRPCS'}})
    expect(object.metadata.annotations).to.include({'nginx.ingress.kubernetes.io/backend-protocol': 'GRPC', 'nginx.ingress.kubernetes.io/ssl-redirect': 'true'})
    expect(object.spec?.rules).to.deep.equal([{host: 'grpc.example.com', http: {paths: [{backend: {service: {name: BACKEND.serviceName, port: {number: 81}}}, path: '/', pathType: 'Prefix'}]}}])
    expect(ingress.isSwitched(object, BACKEND)).to.equal(true)
    expect(ingress.restoreAnnotations!(object, original)).to.deep.equal({'nginx.ingress.kubernetes.io/backend-protocol': 'GRPCS'})
    expect(ingress.restoreSpec(object, original)).to.deep.equal(obj.spec)
  })

  it('ssl-passthrough is removed and HTTPS becomes HTTP; both come back', () => {
    const obj = grpcs({'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS', 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true'})
    const {object, original} = switched(obj)
    expect(object.metadata.annotations).to.not.have.property('nginx.ingress.kubernetes.io/ssl-passthrough')
    expect(object.metadata.annotations).to.include({'nginx.ingress.kubernetes.io/backend-protocol': 'HTTP'})
    expect(ingress.isSwitched(object, BACKEND)).to.equal(true)
    expect(ingress.restoreAnnotations!(object, original)).to.deep.equal({
      'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
      'nginx.ingress.kubernetes.io/ssl-passthrough': 'true',
    })
  })

  it('drift: an annotation set back to HTTPS by GitOps is not switched, and becomes the new original', () => {
    const obj = grpcs({'alb.ingress.kubernetes.io/backend-protocol': 'HTTPS'})
    const {object, original} = switched(obj)
    object.metadata.annotations!['alb.ingress.kubernetes.io/backend-protocol'] = 'HTTPS'
    expect(ingress.isSwitched(object, BACKEND)).to.equal(false)
    expect(ingress.mergeOriginal(object, original, BACKEND)).to.deep.include({annotations: {'alb.ingress.kubernetes.io/backend-protocol': 'HTTPS'}})
  })

  it('a tampered original can bring back only the protocol annotations, nothing else', () => {
    const problems = ingress.validateOriginal({annotations: {'nginx.ingress.kubernetes.io/configuration-snippet': 'return 200;'}, paths: []})
    expect(problems).to.deep.equal([
      'original.annotations has unexpected annotation "nginx.ingress.kubernetes.io/configuration-snippet" (allowed: nginx.ingress.kubernetes.io/backend-protocol, nginx.ingress.kubernetes.io/ssl-passthrough, alb.ingress.kubernetes.io/backend-protocol, alb.ingress.kubernetes.io/backend-protocol-version)',
    ])
  })
})

describe('engine/kinds: HTTPRoute mirrors stop for the window', () => {
  const route: KubeObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {name: 'mirror', namespace: NAMESPACE},
    spec: {
      rules: [
        {
          backendRefs: [{name: 'v1', port: 8080}],
          filters: [
            {requestHeaderModifier: {set: [{name: 'X-A', value: 'a'}]}, type: 'RequestHeaderModifier'},
            {requestMirror: {backendRef: {name: 'v2', namespace: 'other', port: 8080}}, type: 'RequestMirror'},
          ],
          matches: [{path: {type: 'PathPrefix', value: '/mirror'}}],
        },
        {filters: [{requestRedirect: {scheme: 'https'}, type: 'RequestRedirect'}], matches: [{path: {type: 'PathPrefix', value: '/old'}}]},
      ],
    },
  }

  it('removes RequestMirror (keeping the other filters), keeps redirect-only rules, and restores the filters exactly', () => {
    const original = JSON.parse(JSON.stringify(httproute.captureRouting(route))) as unknown
    const object = withSpec(route, httproute.switchSpec(route, BACKEND))
    const rules = object.spec?.rules as Array<Record<string, unknown>>
    expect(rules[0].filters).to.deep.equal([{requestHeaderModifier: {set: [{name: 'X-A', value: 'a'}]}, type: 'RequestHeaderModifier'}])
    expect(rules[1]).to.deep.equal((route.spec?.rules as unknown[])[1])
    expect(httproute.isSwitched(object, BACKEND)).to.equal(true)
    expect(httproute.validateOriginal(original)).to.deep.equal([])
    expect(httproute.restoreSpec(object, original)).to.deep.equal(route.spec)
  })

  it('drift: a mirror put back by someone else makes the route unswitched again, and the merge keeps the stored filters', () => {
    const original = JSON.parse(JSON.stringify(httproute.captureRouting(route))) as unknown
    const object = withSpec(route, httproute.switchSpec(route, BACKEND))
    ;(object.spec!.rules as Array<Record<string, unknown>>)[0].filters = structuredClone((route.spec!.rules as Array<Record<string, unknown>>)[0].filters)
    expect(httproute.isSwitched(object, BACKEND)).to.equal(false)
    expect(httproute.mergeOriginal(object, original, BACKEND)).to.deep.equal(original)
  })
})
