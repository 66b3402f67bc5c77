import {expect} from 'chai'

import type {KubeObject} from '../../../src/engine/kinds/types.js'

import {ingress} from '../../../src/engine/kinds/ingress.js'
import {kindModule} from '../../../src/engine/kinds/index.js'
import {BACKEND, NAMESPACE, deepFreeze, pick, seededRandom, withSpec} from './support.js'

const TO_BACKEND = {service: {name: BACKEND.serviceName, port: {number: 80}}}

function shop(withDefaultBackend = true): KubeObject {
  const spec: Record<string, unknown> = {
    ingressClassName: 'nginx',
    rules: [
      {
        host: 'shop.example.com',
        http: {
          paths: [
            {backend: {service: {name: 'web', port: {name: 'http'}}}, path: '/', pathType: 'Prefix'},
            {backend: {service: {name: 'api', port: {number: 8080}}}, path: '/api', pathType: 'Prefix'},
            {backend: {resource: {apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static'}}, path: '/static', pathType: 'ImplementationSpecific'},
          ],
        },
      },
      {host: 'api.example.com', http: {paths: [{backend: {service: {name: 'api', port: {number: 8080}}}, path: '/v1', pathType: 'Exact'}]}},
      {http: {paths: [{backend: {service: {name: 'health', port: {number: 80}}}, path: '/healthz', pathType: 'Exact'}]}},
    ],
    tls: [{hosts: ['shop.example.com'], secretName: 'shop-tls'}],
  }
  if (withDefaultBackend) spec.defaultBackend = {service: {name: 'web', port: {name: 'http'}}}
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {annotations: {'nginx.ingress.kubernetes.io/ssl-redirect': 'true'}, name: 'shop', namespace: NAMESPACE, resourceVersion: '41'},
    spec,
  }
}

type Path = {backend: unknown; path: string; pathType: string}
type Rule = {host?: string; http: {paths: Path[]}}

function rulesOf(spec: Record<string, unknown> | undefined): Rule[] {
  return (spec?.rules ?? []) as Rule[]
}

/** Switches as the engine does: capture, then write spec + annotations together. */
function switched(obj: KubeObject): {object: KubeObject; original: unknown} {
  const original = JSON.parse(JSON.stringify(ingress.captureRouting(obj)))
  return {object: withSpec(obj, ingress.switchSpec(obj, BACKEND)), original}
}

describe('engine/kinds/ingress', () => {
  it('is what kindModule returns for ingress', () => {
    expect(kindModule('ingress')).to.equal(ingress)
  })

  for (const withDefault of [true, false]) {
    it(`switch then restore gives the original spec key for key (defaultBackend ${withDefault ? 'present' : 'absent'})`, () => {
      const obj = shop(withDefault)
      const {object, original} = switched(obj)
      expect(ingress.restoreSpec(object, original)).to.deep.equal(obj.spec)
      expect(ingress.restoreSpec(withSpec(obj, object.spec ?? {}, null), original), 'without backend annotation').to.deep.equal(obj.spec)
    })
  }

  it('points every path and the default backend at the backend Service, port 80, and keeps everything else', () => {
    const spec = ingress.switchSpec(shop(), BACKEND)
    expect(spec.defaultBackend).to.deep.equal(TO_BACKEND)
    for (const rule of rulesOf(spec)) for (const path of rule.http.paths) expect(path.backend).to.deep.equal(TO_BACKEND)
    expect(rulesOf(spec).map((r) => r.http.paths.map((p) => `${r.host ?? '*'}${p.path} ${p.pathType}`))).to.deep.equal([
      ['shop.example.com/ Prefix', 'shop.example.com/api Prefix', 'shop.example.com/static ImplementationSpecific'],
      ['api.example.com/v1 Exact'],
      ['*/healthz Exact'],
    ])
    expect(spec.tls).to.deep.equal(shop().spec?.tls)
    expect(spec.ingressClassName).to.equal('nginx')
  })

  it('never adds a default backend where there was none', () => {
    const spec = ingress.switchSpec(shop(false), BACKEND)
    expect(spec).to.not.have.property('defaultBackend')
    expect(ingress.captureRouting(shop(false))).to.not.have.property('defaultBackend')
    expect(ingress.isSwitched(withSpec(shop(false), spec), BACKEND)).to.equal(true)
  })

  it('captures the original keyed by host, path and pathType, names and resource backends as they are', () => {
    const original = ingress.captureRouting(shop()) as {defaultBackend: unknown; paths: Array<Record<string, unknown>>}
    expect(original.defaultBackend).to.deep.equal({service: {name: 'web', port: {name: 'http'}}})
    expect(original.paths[0]).to.deep.equal({backend: {service: {name: 'web', port: {name: 'http'}}}, host: 'shop.example.com', path: '/', pathType: 'Prefix'})
    expect(original.paths[2].backend).to.deep.equal({resource: {apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static'}})
    expect(original.paths[4]).to.deep.equal({backend: {service: {name: 'health', port: {number: 80}}}, path: '/healthz', pathType: 'Exact'})
  })

  it('does not mutate its inputs', () => {
    const obj = deepFreeze(shop())
    const {object, original} = switched(obj)
    deepFreeze(object)
    deepFreeze(original)
    ingress.isSwitched(object, BACKEND)
    ingress.mergeOriginal(object, original, BACKEND)
    ingress.restoreSpec(object, original)
    ingress.validateOriginal(original)
    expect(obj).to.deep.equal(shop())
  })

  it('isSwitched: false before, true after the switch, false after one path is edited back', () => {
    const obj = shop()
    expect(ingress.isSwitched(obj, BACKEND)).to.equal(false)
    const {object} = switched(obj)
    expect(ingress.isSwitched(object, BACKEND)).to.equal(true)
    const drifted = structuredClone(object)
    rulesOf(drifted.spec)[1].http.paths[0].backend = {service: {name: 'api', port: {number: 8080}}}
    expect(ingress.isSwitched(drifted, BACKEND)).to.equal(false)
    const defaultDrift = structuredClone(object)
    defaultDrift.spec!.defaultBackend = {service: {name: BACKEND.serviceName, port: {number: 81}}}
    expect(ingress.isSwitched(defaultDrift, BACKEND), 'our Service on a wrong port').to.equal(false)
  })

  it('mergeOriginal after a GitOps revert of one path takes the new value and keeps the stored original of the others', () => {
    const obj = shop()
    const {object, original} = switched(obj)
    const reverted = structuredClone(object)
    rulesOf(reverted.spec)[0].http.paths[1].backend = {service: {name: 'api-v2', port: {number: 9090}}}
    const merged = ingress.mergeOriginal(reverted, original, BACKEND)
    const expected = structuredClone(original) as {paths: Path[]}
    expected.paths[1].backend = {service: {name: 'api-v2', port: {number: 9090}}}
    expect(merged).to.deep.equal(expected)

    const reswitched = withSpec(reverted, ingress.switchSpec(reverted, BACKEND))
    expect(ingress.isSwitched(reswitched, BACKEND)).to.equal(true)
    const restored = ingress.restoreSpec(reswitched, merged)
    const want = structuredClone(obj.spec) as Record<string, unknown>
    rulesOf(want)[0].http.paths[1].backend = {service: {name: 'api-v2', port: {number: 9090}}}
    expect(restored).to.deep.equal(want)
  })

  it('a path added during maintenance is recorded by mergeOriginal and restored to its own backend', () => {
    const obj = shop(false)
    const {object, original} = switched(obj)
    const added = structuredClone(object)
    rulesOf(added.spec)[1].http.paths.push({backend: {service: {name: 'api-v2', port: {number: 8080}}}, path: '/v2', pathType: 'Prefix'})
    expect(ingress.isSwitched(added, BACKEND)).to.equal(false)
    const merged = ingress.mergeOriginal(added, original, BACKEND)
    const reswitched = withSpec(added, ingress.switchSpec(added, BACKEND))
    const restored = ingress.restoreSpec(reswitched, merged)
    expect(rulesOf(restored)[1].http.paths).to.deep.equal([
      {backend: {service: {name: 'api', port: {number: 8080}}}, path: '/v1', pathType: 'Exact'},
      {backend: {service: {name: 'api-v2', port: {number: 8080}}}, path: '/v2', pathType: 'Prefix'},
    ])
  })

  it('a default backend added during maintenance is recorded and restored; one there never was stays absent', () => {
    const obj = shop(false)
    const {object, original} = switched(obj)
    const added = structuredClone(object)
    added.spec!.defaultBackend = {service: {name: 'fallback', port: {number: 80}}}
    const merged = ingress.mergeOriginal(added, original, BACKEND) as {defaultBackend?: unknown}
    expect(merged.defaultBackend).to.deep.equal({service: {name: 'fallback', port: {number: 80}}})
    const reswitched = withSpec(added, ingress.switchSpec(added, BACKEND))
    expect(ingress.restoreSpec(reswitched, merged).defaultBackend).to.deep.equal({service: {name: 'fallback', port: {number: 80}}})
  })

  it('paths removed during maintenance stay removed; edits to fields the tool does not own are kept', () => {
    const obj = shop()
    const {object, original} = switched(obj)
    const edited = structuredClone(object)
    rulesOf(edited.spec)[0].http.paths.splice(2, 1)
    edited.spec!.tls = [{hosts: ['shop.example.com', 'www.shop.example.com'], secretName: 'shop-tls-2'}]
    const restored = ingress.restoreSpec(edited, original)
    const want = structuredClone(obj.spec) as Record<string, unknown>
    rulesOf(want)[0].http.paths.splice(2, 1)
    want.tls = edited.spec!.tls
    expect(restored).to.deep.equal(want)
  })

  it('a path pointing at the backend without an original is removed (with its rule when it was the last); without the backend annotation it is kept', () => {
    const obj = shop()
    const {object, original} = switched(obj)
    const tampered = structuredClone(original) as {paths: Path[]}
    tampered.paths = tampered.paths.filter((p) => p.path !== '/v1' && p.path !== '/api')
    const restored = ingress.restoreSpec(object, tampered)
    expect(rulesOf(restored).map((r) => r.host ?? '*')).to.deep.equal(['shop.example.com', '*'])
    expect(rulesOf(restored)[0].http.paths.map((p) => p.path)).to.deep.equal(['/', '/static'])
    expect(JSON.stringify(restored)).to.not.include(BACKEND.serviceName)

    const unknownBackend = ingress.restoreSpec(withSpec(obj, object.spec ?? {}, null), tampered)
    expect(rulesOf(unknownBackend)[1].http.paths[0].backend).to.deep.equal(TO_BACKEND)
  })

  it('a path edited after the last pass (no longer on the backend) keeps the edit at restore', () => {
    const {object, original} = switched(shop())
    rulesOf(object.spec)[2].http.paths[0].backend = {service: {name: 'health-v2', port: {number: 80}}}
    expect(rulesOf(ingress.restoreSpec(object, original))[2].http.paths[0].backend).to.deep.equal({service: {name: 'health-v2', port: {number: 80}}})
  })

  it('pairs duplicate host/path/pathType entries by their order', () => {
    const obj = shop(false)
    rulesOf(obj.spec).push({host: 'shop.example.com', http: {paths: [{backend: {service: {name: 'canary', port: {number: 80}}}, path: '/', pathType: 'Prefix'}]}})
    const {object, original} = switched(obj)
    expect(ingress.restoreSpec(object, original)).to.deep.equal(obj.spec)
  })

  describe('validateOriginal', () => {
    it('accepts what captureRouting produces, with and without a default backend', () => {
      expect(ingress.validateOriginal(JSON.parse(JSON.stringify(ingress.captureRouting(shop()))))).to.deep.equal([])
      expect(ingress.validateOriginal(ingress.captureRouting(shop(false)))).to.deep.equal([])
    })

    for (const value of [null, 'paths', 42, [], true]) {
      it(`rejects a non-object: ${JSON.stringify(value)}`, () => {
        expect(ingress.validateOriginal(value)).to.deep.equal(['original must be an object'])
      })
    }

    const invalid: Array<[string, unknown, string]> = [
      ['paths missing', {}, 'original.paths must be an array'],
      ['paths not an array', {paths: {}}, 'original.paths must be an array'],
      ['a path without a backend', {paths: [{path: '/'}]}, 'original.paths[0].backend must be an object'],
      ['a backend with service and resource', {paths: [{backend: {resource: {kind: 'B', name: 'b'}, service: {name: 'a', port: {number: 1}}}}]}, 'exactly one of service or resource'],
      ['a port with number and name', {paths: [{backend: {service: {name: 'a', port: {name: 'http', number: 80}}}}]}, 'original.paths[0].backend.service.port must be either'],
      ['a port number out of range', {defaultBackend: {service: {name: 'a', port: {number: 70_000}}}, paths: []}, 'original.defaultBackend.service.port must be either'],
      ['a service name that is not a string', {paths: [{backend: {service: {name: 7, port: {number: 80}}}}]}, 'original.paths[0].backend.service.name must be a string'],
      ['an unknown top-level field', {paths: [], rules: []}, 'unexpected field "rules"'],
    ]
    for (const [title, value, problem] of invalid) {
      it(`rejects ${title}`, () => {
        expect(ingress.validateOriginal(value).join('\n')).to.include(problem)
      })
    }

    it('rejects a field an Ingress backend does not have, such as a namespace', () => {
      const foreign = {paths: [{backend: {service: {name: 'web', namespace: 'other', port: {number: 80}}}, path: '/'}]}
      expect(ingress.validateOriginal(foreign)).to.deep.equal(['original.paths[0].backend.service has unexpected field "namespace" (allowed: name, port)'])
    })
  })

  it('switch then restore is the identity on seeded random Ingress shapes', () => {
    const seed = Number(process.env.KINDS_SEED ?? 20_261_123)
    console.log(`      seed ${seed} (set KINDS_SEED to replay)`)
    const random = seededRandom(seed)
    const backendOf = (): unknown =>
      random() < 0.15
        ? {resource: {apiGroup: 'k8s.example.com', kind: 'Bucket', name: pick(random, ['a', 'b'])}}
        : {service: {name: pick(random, ['web', 'api', 'admin']), port: random() < 0.5 ? {name: pick(random, ['http', 'grpc'])} : {number: pick(random, [80, 8080, 9000])}}}
    for (let round = 0; round < 200; round++) {
      const rules = Array.from({length: Math.floor(random() * 4)}, () => {
        const rule: Record<string, unknown> = {}
        if (random() < 0.8) rule.host = pick(random, ['a.example.com', 'b.example.com', '*.example.com'])
        if (random() < 0.9) {
          const paths = Array.from({length: 1 + Math.floor(random() * 3)}, () => {
            const path: Record<string, unknown> = {backend: backendOf(), pathType: pick(random, ['Prefix', 'Exact', 'ImplementationSpecific'])}
            if (random() < 0.9) path.path = pick(random, ['/', '/api', '/x'])
            return path
          })
          rule.http = {paths}
        }
        return rule
      })
      const spec: Record<string, unknown> = {}
      if (rules.length > 0 || random() < 0.5) spec.rules = rules
      if (random() < 0.4) spec.defaultBackend = backendOf()
      if (random() < 0.3) spec.ingressClassName = 'traefik'
      const obj: KubeObject = {apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: {name: `r${round}`, namespace: NAMESPACE}, spec}
      const {object, original} = switched(obj)
      expect(ingress.validateOriginal(original), `round ${round}`).to.deep.equal([])
      expect(ingress.isSwitched(object, BACKEND), `round ${round}`).to.equal(true)
      expect(ingress.restoreSpec(object, original), `seed ${seed} round ${round}: ${JSON.stringify(spec)}`).to.deep.equal(spec)
    }
  })
})
