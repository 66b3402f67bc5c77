import {expect} from 'chai'

import type {KubeObject} from '../../../src/engine/kinds/types.js'

import {ingressroute} from '../../../src/engine/kinds/ingressroute.js'
import {kindModule} from '../../../src/engine/kinds/index.js'
import {BACKEND, NAMESPACE, deepFreeze, withSpec} from './support.js'

const TO_BACKEND = [{kind: 'Service', name: BACKEND.serviceName, port: 80}]

type Route = {kind?: string; match?: string; middlewares?: unknown[]; priority?: number; services?: unknown[]}

function shop(): KubeObject {
  return {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'IngressRoute',
    metadata: {name: 'shop', namespace: NAMESPACE},
    spec: {
      entryPoints: ['websecure'],
      routes: [
        {
          kind: 'Rule',
          match: 'Host(`shop.example.com`)',
          middlewares: [{name: 'compress'}, {name: 'auth', namespace: NAMESPACE}],
          services: [
            {name: 'web', port: 80, weight: 3},
            {name: 'web-canary', port: 'http', weight: 1, passHostHeader: true},
          ],
        },
        {
          kind: 'Rule',
          match: 'Host(`shop.example.com`) && PathPrefix(`/api`)',
          priority: 20,
          services: [{kind: 'TraefikService', name: 'api-weighted'}],
        },
        {kind: 'Rule', match: 'Host(`old.example.com`)', middlewares: [{name: 'redirect-to-shop'}]},
        {kind: 'Rule', match: 'Host(`admin.example.com`)', services: [{kind: 'Service', name: 'admin', port: 8443, scheme: 'https', serversTransport: 'insecure'}]},
      ],
      tls: {secretName: 'shop-tls'},
    },
  }
}

function routesOf(spec: Record<string, unknown> | undefined): Route[] {
  return (spec?.routes ?? []) as Route[]
}

function switched(obj: KubeObject): {object: KubeObject; original: unknown} {
  const original = JSON.parse(JSON.stringify(ingressroute.captureRouting(obj)))
  return {object: withSpec(obj, ingressroute.switchSpec(obj, BACKEND)), original}
}

describe('engine/kinds/ingressroute', () => {
  it('is what kindModule returns', () => {
    expect(kindModule('ingressroute')).to.equal(ingressroute)
  })

  it('switch then restore gives the original spec key for key', () => {
    const obj = shop()
    const {object, original} = switched(obj)
    expect(ingressroute.restoreSpec(object, original)).to.deep.equal(obj.spec)
    expect(ingressroute.restoreSpec(withSpec(obj, object.spec ?? {}, null), original)).to.deep.equal(obj.spec)
  })

  it('replaces every services list (weighted, TraefikService) by the backend alone; middlewares, priority and routes without services stay', () => {
    const spec = ingressroute.switchSpec(shop(), BACKEND)
    const routes = routesOf(spec)
    expect(routes.map((r) => r.services)).to.deep.equal([TO_BACKEND, TO_BACKEND, undefined, TO_BACKEND])
    expect(routes[0].middlewares).to.deep.equal([{name: 'compress'}, {name: 'auth', namespace: NAMESPACE}])
    expect(routes[1].priority).to.equal(20)
    expect(routes[2]).to.deep.equal(routesOf(shop().spec)[2])
    expect(spec.entryPoints).to.deep.equal(['websecure'])
    expect(spec.tls).to.deep.equal({secretName: 'shop-tls'})
  })

  it('captures whole services arrays keyed by match, skipping routes without services', () => {
    const original = ingressroute.captureRouting(shop()) as {routes: Route[]}
    expect(original.routes.map((r) => r.match)).to.deep.equal(['Host(`shop.example.com`)', 'Host(`shop.example.com`) && PathPrefix(`/api`)', 'Host(`admin.example.com`)'])
    expect(original.routes[0].services).to.deep.equal(routesOf(shop().spec)[0].services)
    expect(Object.keys(original.routes[0]).sort()).to.deep.equal(['match', 'services'])
  })

  it('does not mutate its inputs', () => {
    const obj = deepFreeze(shop())
    const {object, original} = switched(obj)
    deepFreeze(object)
    deepFreeze(original)
    ingressroute.isSwitched(object, BACKEND)
    ingressroute.mergeOriginal(object, original, BACKEND)
    ingressroute.restoreSpec(object, original)
    expect(obj).to.deep.equal(shop())
  })

  it('isSwitched: false before, true after, false after a drift edit or a second service', () => {
    expect(ingressroute.isSwitched(shop(), BACKEND)).to.equal(false)
    const {object} = switched(shop())
    expect(ingressroute.isSwitched(object, BACKEND)).to.equal(true)
    const drifted = structuredClone(object)
    routesOf(drifted.spec)[3].services = [{name: 'admin', port: 8443}]
    expect(ingressroute.isSwitched(drifted, BACKEND)).to.equal(false)
    const extra = structuredClone(object)
    routesOf(extra.spec)[0].services!.push({name: 'web', port: 80})
    expect(ingressroute.isSwitched(extra, BACKEND)).to.equal(false)
    const sameNamespace = structuredClone(object)
    routesOf(sameNamespace.spec)[1].services = [{kind: 'Service', name: BACKEND.serviceName, namespace: NAMESPACE, port: 80}]
    expect(ingressroute.isSwitched(sameNamespace, BACKEND), 'own namespace spelled out').to.equal(true)
  })

  it('mergeOriginal after a GitOps revert of one route takes the new services and keeps the others', () => {
    const obj = shop()
    const {object, original} = switched(obj)
    const reverted = structuredClone(object)
    routesOf(reverted.spec)[0].services = [{name: 'web', port: 80}]
    const merged = ingressroute.mergeOriginal(reverted, original, BACKEND)
    const expected = structuredClone(original) as {routes: Route[]}
    expected.routes[0].services = [{name: 'web', port: 80}]
    expect(merged).to.deep.equal(expected)

    const reswitched = withSpec(reverted, ingressroute.switchSpec(reverted, BACKEND))
    const want = structuredClone(obj.spec) as Record<string, unknown>
    routesOf(want)[0].services = [{name: 'web', port: 80}]
    expect(ingressroute.restoreSpec(reswitched, merged)).to.deep.equal(want)
  })

  it('a route added during maintenance is restored to its own services; a route that gains the backend next to another service is not recorded', () => {
    const {object, original} = switched(shop())
    const added = structuredClone(object)
    routesOf(added.spec).push({kind: 'Rule', match: 'Host(`new.example.com`)', services: [{name: 'new', port: 80}]})
    routesOf(added.spec)[1].services!.push({name: 'sneaky', port: 80})
    const merged = ingressroute.mergeOriginal(added, original, BACKEND) as {routes: Route[]}
    expect(merged.routes[1]).to.deep.equal((original as {routes: Route[]}).routes[1])
    expect(JSON.stringify(merged)).to.not.include(BACKEND.serviceName)
    const restored = ingressroute.restoreSpec(withSpec(added, ingressroute.switchSpec(added, BACKEND)), merged)
    expect(routesOf(restored)[4].services).to.deep.equal([{name: 'new', port: 80}])
    expect(routesOf(restored)[1].services).to.deep.equal([{kind: 'TraefikService', name: 'api-weighted'}])
  })

  it('a route on the backend without an original is removed; routes removed meanwhile stay removed', () => {
    const obj = shop()
    const {object, original} = switched(obj)
    const edited = structuredClone(object)
    routesOf(edited.spec).splice(1, 1)
    const tampered = structuredClone(original) as {routes: Route[]}
    tampered.routes.splice(2, 1)
    const restored = ingressroute.restoreSpec(edited, tampered)
    expect(routesOf(restored).map((r) => r.match)).to.deep.equal(['Host(`shop.example.com`)', 'Host(`old.example.com`)'])
  })

  it('pairs routes with the same match by their order', () => {
    const obj = shop()
    routesOf(obj.spec).push({kind: 'Rule', match: 'Host(`shop.example.com`)', services: [{name: 'second', port: 81}]})
    const {object, original} = switched(obj)
    expect(ingressroute.restoreSpec(object, original)).to.deep.equal(obj.spec)
  })

  describe('validateOriginal', () => {
    it('accepts what captureRouting produces', () => {
      expect(ingressroute.validateOriginal(JSON.parse(JSON.stringify(ingressroute.captureRouting(shop()))))).to.deep.equal([])
    })

    for (const value of [null, 'routes', 7, [{routes: []}]]) {
      it(`rejects a non-object: ${JSON.stringify(value)}`, () => {
        expect(ingressroute.validateOriginal(value)).to.deep.equal(['original must be an object'])
      })
    }

    const invalid: Array<[string, unknown, string]> = [
      ['routes missing', {}, 'original.routes must be an array'],
      ['a route that is not an object', {routes: ['Host(`x`)']}, 'original.routes[0] must be an object'],
      ['empty services', {routes: [{match: 'Host(`x`)', services: []}]}, 'original.routes[0].services must be a non-empty array'],
      ['a service without a name', {routes: [{match: 'Host(`x`)', services: [{port: 80}]}]}, 'original.routes[0].services[0].name must be a string'],
      ['an unknown kind', {routes: [{match: 'Host(`x`)', services: [{kind: 'ExternalName', name: 'x'}]}]}, 'Service or TraefikService'],
      ['a non-string match', {routes: [{match: 1, services: [{name: 'x'}]}]}, 'original.routes[0].match must be a string'],
      ['an unexpected route field', {routes: [{match: 'Host(`x`)', middlewares: [], services: [{name: 'x'}]}]}, 'unexpected field "middlewares"'],
    ]
    for (const [title, value, problem] of invalid) {
      it(`rejects ${title}`, () => {
        expect(ingressroute.validateOriginal(value).join('\n')).to.include(problem)
      })
    }

    it('accepts a service in another namespace: it is restored as found (allowCrossNamespace still decides)', () => {
      expect(ingressroute.validateOriginal({routes: [{match: 'Host(`x`)', services: [{name: 'web', namespace: 'other', port: 80}]}]})).to.deep.equal([])
    })
  })
})
