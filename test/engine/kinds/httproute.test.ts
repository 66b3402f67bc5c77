import {expect} from 'chai'

import type {KubeObject} from '../../../src/engine/kinds/types.js'

import {httproute} from '../../../src/engine/kinds/httproute.js'
import {kindModule} from '../../../src/engine/kinds/index.js'
import {BACKEND, NAMESPACE, deepFreeze, withSpec} from './support.js'

const TO_BACKEND = [{group: '', kind: 'Service', name: BACKEND.serviceName, port: 80}]

type Rule = {name?: string; matches?: unknown[]; filters?: unknown[]; backendRefs?: Array<Record<string, unknown>>}

const HEADER_FILTER = {requestHeaderModifier: {set: [{name: 'X-Shop', value: '1'}]}, type: 'RequestHeaderModifier'}

function shop(): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {name: 'shop', namespace: NAMESPACE},
    spec: {
      hostnames: ['shop.example.com'],
      parentRefs: [{name: 'public', namespace: 'gateways', sectionName: 'https'}],
      rules: [
        {
          backendRefs: [
            {group: '', kind: 'Service', name: 'web', port: 80, weight: 90},
            {group: '', kind: 'Service', name: 'web-canary', port: 80, weight: 10},
          ],
          filters: [HEADER_FILTER],
          matches: [{path: {type: 'PathPrefix', value: '/'}}],
        },
        {
          backendRefs: [{name: 'api', port: 8080}],
          matches: [{path: {type: 'PathPrefix', value: '/api'}}, {headers: [{name: 'X-Api', value: 'v1'}]}],
          name: 'api',
        },
        {
          filters: [{requestRedirect: {hostname: 'shop.example.com', statusCode: 301}, type: 'RequestRedirect'}],
          matches: [{path: {type: 'PathPrefix', value: '/old'}}],
        },
        {backendRefs: [{filters: [HEADER_FILTER], name: 'admin', port: 9000}], matches: [{path: {type: 'Exact', value: '/admin'}}]},
      ],
    },
  }
}

function rulesOf(spec: Record<string, unknown> | undefined): Rule[] {
  return (spec?.rules ?? []) as Rule[]
}

function switched(obj: KubeObject): {object: KubeObject; original: unknown} {
  const original = JSON.parse(JSON.stringify(httproute.captureRouting(obj)))
  return {object: withSpec(obj, httproute.switchSpec(obj, BACKEND)), original}
}

describe('engine/kinds/httproute', () => {
  it('is what kindModule returns for httproute', () => {
    expect(kindModule('httproute')).to.equal(httproute)
  })

  it('switch then restore gives the original spec key for key', () => {
    const obj = shop()
    const {object, original} = switched(obj)
    expect(httproute.restoreSpec(object, original)).to.deep.equal(obj.spec)
    expect(httproute.restoreSpec(withSpec(obj, object.spec ?? {}, null), original)).to.deep.equal(obj.spec)
  })

  it('replaces every backendRefs by the backend; filters, matches, parentRefs and the redirect-only rule stay', () => {
    const spec = httproute.switchSpec(shop(), BACKEND)
    const rules = rulesOf(spec)
    expect(rules.map((r) => r.backendRefs)).to.deep.equal([TO_BACKEND, TO_BACKEND, undefined, TO_BACKEND])
    expect(rules[0].filters).to.deep.equal([HEADER_FILTER])
    expect(rules[2]).to.deep.equal(rulesOf(shop().spec)[2])
    expect(rules[1].name).to.equal('api')
    expect(spec.parentRefs).to.deep.equal(shop().spec?.parentRefs)
  })

  it('captures by rule name when set, else by matches', () => {
    const original = httproute.captureRouting(shop()) as {rules: Rule[]}
    expect(original.rules.map((r) => Object.keys(r).sort())).to.deep.equal([
      ['backendRefs', 'matches'],
      ['backendRefs', 'name'],
      ['backendRefs', 'matches'],
    ])
  })

  it('does not mutate its inputs', () => {
    const obj = deepFreeze(shop())
    const {object, original} = switched(obj)
    deepFreeze(object)
    deepFreeze(original)
    httproute.isSwitched(object, BACKEND)
    httproute.mergeOriginal(object, original, BACKEND)
    httproute.restoreSpec(object, original)
    expect(obj).to.deep.equal(shop())
  })

  it('isSwitched accepts the fields the API server defaults, and is false after a drift edit or with weight 0', () => {
    expect(httproute.isSwitched(shop(), BACKEND)).to.equal(false)
    const {object} = switched(shop())
    expect(httproute.isSwitched(object, BACKEND)).to.equal(true)
    const defaulted = structuredClone(object)
    for (const rule of rulesOf(defaulted.spec)) if (rule.backendRefs) rule.backendRefs = [{...TO_BACKEND[0], weight: 1}]
    rulesOf(defaulted.spec)[1].backendRefs = [{name: BACKEND.serviceName, port: 80}]
    expect(httproute.isSwitched(defaulted, BACKEND)).to.equal(true)
    const drifted = structuredClone(object)
    rulesOf(drifted.spec)[1].backendRefs = [{name: 'api', port: 8080}]
    expect(httproute.isSwitched(drifted, BACKEND)).to.equal(false)
    const weightless = structuredClone(object)
    rulesOf(weightless.spec)[0].backendRefs = [{...TO_BACKEND[0], weight: 0}]
    expect(httproute.isSwitched(weightless, BACKEND)).to.equal(false)
  })

  it('mergeOriginal after a GitOps revert of one rule takes the new backendRefs and keeps the others', () => {
    const obj = shop()
    const {object, original} = switched(obj)
    const reverted = structuredClone(object)
    rulesOf(reverted.spec)[1].backendRefs = [{name: 'api', port: 8081}]
    const merged = httproute.mergeOriginal(reverted, original, BACKEND)
    const expected = structuredClone(original) as {rules: Rule[]}
    expected.rules[1].backendRefs = [{name: 'api', port: 8081}]
    expect(merged).to.deep.equal(expected)
    const want = structuredClone(obj.spec) as Record<string, unknown>
    rulesOf(want)[1].backendRefs = [{name: 'api', port: 8081}]
    expect(httproute.restoreSpec(withSpec(reverted, httproute.switchSpec(reverted, BACKEND)), merged)).to.deep.equal(want)
  })

  it('a rule added during maintenance is restored to its own backendRefs', () => {
    const {object, original} = switched(shop())
    const added = structuredClone(object)
    rulesOf(added.spec).splice(1, 0, {backendRefs: [{name: 'search', port: 80}], matches: [{path: {type: 'PathPrefix', value: '/search'}}]})
    const merged = httproute.mergeOriginal(added, original, BACKEND)
    const restored = httproute.restoreSpec(withSpec(added, httproute.switchSpec(added, BACKEND)), merged)
    expect(rulesOf(restored).map((r) => r.backendRefs?.map((ref) => ref.name))).to.deep.equal([['web', 'web-canary'], ['search'], ['api'], undefined, ['admin']])
  })

  it('a rule on the backend without an original is removed', () => {
    const {object, original} = switched(shop())
    const tampered = structuredClone(original) as {rules: Rule[]}
    tampered.rules = tampered.rules.filter((r) => r.name !== 'api')
    const restored = httproute.restoreSpec(object, tampered)
    expect(rulesOf(restored).map((r) => r.name ?? r.matches)).to.deep.equal([rulesOf(shop().spec)[0].matches, rulesOf(shop().spec)[2].matches, rulesOf(shop().spec)[3].matches])
    expect(JSON.stringify(restored)).to.not.include(BACKEND.serviceName)
  })

  it('pairs rules with identical matches by their order', () => {
    const obj = shop()
    rulesOf(obj.spec).push({backendRefs: [{name: 'fallback', port: 80}], matches: [{path: {type: 'PathPrefix', value: '/'}}]})
    const {object, original} = switched(obj)
    expect(httproute.restoreSpec(object, original)).to.deep.equal(obj.spec)
  })

  describe('validateOriginal', () => {
    it('accepts what captureRouting produces', () => {
      expect(httproute.validateOriginal(JSON.parse(JSON.stringify(httproute.captureRouting(shop()))))).to.deep.equal([])
    })

    for (const value of [null, 'rules', 0, []]) {
      it(`rejects a non-object: ${JSON.stringify(value)}`, () => {
        expect(httproute.validateOriginal(value)).to.deep.equal(['original must be an object'])
      })
    }

    const invalid: Array<[string, unknown, string]> = [
      ['rules not an array', {rules: 'all'}, 'original.rules must be an array'],
      ['a rule without backendRefs', {rules: [{name: 'a'}]}, 'original.rules[0].backendRefs must be an array'],
      ['a backendRef without a name', {rules: [{backendRefs: [{port: 80}], name: 'a'}]}, 'original.rules[0].backendRefs[0].name must be a string'],
      ['a port that is not a number', {rules: [{backendRefs: [{name: 'a', port: 'http'}], name: 'a'}]}, 'original.rules[0].backendRefs[0].port must be a port number'],
      ['a negative weight', {rules: [{backendRefs: [{name: 'a', weight: -1}], name: 'a'}]}, 'weight must be a non-negative integer'],
      ['matches that are not an array', {rules: [{backendRefs: [{name: 'a'}], matches: {}}]}, 'original.rules[0].matches must be an array'],
    ]
    for (const [title, value, problem] of invalid) {
      it(`rejects ${title}`, () => {
        expect(httproute.validateOriginal(value).join('\n')).to.include(problem)
      })
    }

    it('accepts a backendRef in another namespace: it is restored as found (a ReferenceGrant still decides)', () => {
      expect(httproute.validateOriginal({rules: [{backendRefs: [{name: 'web', namespace: 'other', port: 80}], name: 'a'}]})).to.deep.equal([])
    })
  })
})
