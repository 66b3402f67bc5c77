import {expect} from 'chai'

import type {KubeObject} from '../../../src/engine/kinds/types.js'

import {kindModule} from '../../../src/engine/kinds/index.js'
import {service} from '../../../src/engine/kinds/service.js'
import {BACKEND, NAMESPACE, deepFreeze, pick, seededRandom, withSpec} from './support.js'

type Port = {name?: string; port: number; protocol?: string; targetPort?: number | string; nodePort?: number; appProtocol?: string}

function web(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {labels: {app: 'web'}, name: 'web', namespace: NAMESPACE},
    spec: {
      clusterIP: '10.96.12.34',
      clusterIPs: ['10.96.12.34'],
      ports: [
        {name: 'http', port: 80, protocol: 'TCP', targetPort: 'http'},
        {name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 9100},
        {name: 'grpc', nodePort: 30_051, port: 50_051, protocol: 'TCP', targetPort: 50_051},
      ],
      selector: {app: 'web', tier: 'frontend'},
      sessionAffinity: 'None',
      type: 'NodePort',
    },
  }
}

function portsOf(spec: Record<string, unknown> | undefined): Port[] {
  return (spec?.ports ?? []) as Port[]
}

function switched(obj: KubeObject): {object: KubeObject; original: unknown} {
  const original = JSON.parse(JSON.stringify(service.captureRouting(obj)))
  return {object: withSpec(obj, service.switchSpec(obj, BACKEND)), original}
}

describe('engine/kinds/service', () => {
  it('is what kindModule returns for service', () => {
    expect(kindModule('service')).to.equal(service)
  })

  it('switch then restore gives the original spec key for key', () => {
    const obj = web()
    const {object, original} = switched(obj)
    expect(service.restoreSpec(object, original)).to.deep.equal(obj.spec)
  })

  it('replaces the selector (not merged) and every targetPort (a gRPC port to the h2c one); name, clusterIP, ports and nodePorts stay', () => {
    const spec = service.switchSpec(web(), BACKEND)
    expect(spec.selector).to.deep.equal(BACKEND.podLabels)
    expect(portsOf(spec).map((p) => [p.name, p.port, p.targetPort, p.nodePort])).to.deep.equal([
      ['http', 80, 8080, undefined],
      ['metrics', 9090, 8080, undefined],
      ['grpc', 50_051, 8081, 30_051],
    ])
    expect(spec.clusterIP).to.equal('10.96.12.34')
    expect(spec.type).to.equal('NodePort')
  })

  it('a port that carries TLS goes to the backend TLS port, and comes back exactly', () => {
    const obj = web()
    portsOf(obj.spec).push(
      {name: 'https', port: 443, protocol: 'TCP', targetPort: 'https'},
      {appProtocol: 'kubernetes.io/wss', name: 'ws', port: 8081, protocol: 'TCP', targetPort: 9001},
      {name: 'grpcs', port: 50_052, protocol: 'TCP', targetPort: 50_052},
    )
    const {object, original} = switched(obj)
    expect(portsOf(object.spec).map((p) => [p.name, p.targetPort])).to.deep.equal([
      ['http', 8080],
      ['metrics', 8080],
      ['grpc', 8081],
      ['https', 8443],
      ['ws', 8443],
      ['grpcs', 8443],
    ])
    expect(service.isSwitched(object, BACKEND)).to.equal(true)
    expect(service.restoreSpec(object, original)).to.deep.equal(obj.spec)
    const drifted = structuredClone(object)
    portsOf(drifted.spec)[3].targetPort = 'https'
    const merged = service.mergeOriginal(drifted, original, BACKEND)
    expect(merged).to.deep.equal(original)
  })

  it('captures the selector and each targetPort keyed by port name, else number', () => {
    const unnamed = web()
    unnamed.spec!.ports = [{port: 80, protocol: 'TCP', targetPort: 3000}]
    expect(service.captureRouting(unnamed)).to.deep.equal({selector: {app: 'web', tier: 'frontend'}, targetPorts: [{port: 80, targetPort: 3000}]})
    const {object, original} = switched(unnamed)
    expect(service.restoreSpec(object, original)).to.deep.equal(unnamed.spec)
  })

  it('refuses a Service without a selector, whose Endpoints someone else manages', () => {
    for (const selector of [undefined, {}]) {
      const manual = web()
      if (selector) manual.spec!.selector = selector
      else delete manual.spec!.selector
      expect(() => service.switchSpec(manual, BACKEND)).to.throw(Error, /^service\/web has no selector .*Ingress, IngressRoute or HTTPRoute/)
    }
  })

  it('a port without targetPort keeps it absent after restore', () => {
    const bare = web()
    delete portsOf(bare.spec)[1].targetPort
    const {object, original} = switched(bare)
    expect(portsOf(object.spec)[1].targetPort).to.equal(8080)
    expect(service.restoreSpec(object, original)).to.deep.equal(bare.spec)
  })

  it('refuses an ExternalName Service with a reason the window can carry', () => {
    const alias = web()
    alias.spec = {externalName: 'db.example.com', type: 'ExternalName'}
    expect(() => service.switchSpec(alias, BACKEND)).to.throw(Error, /^service\/web is ExternalName \(an alias of db\.example\.com\); .*Ingress, IngressRoute or HTTPRoute/)
    expect(service.isSwitched(alias, BACKEND)).to.equal(false)
  })

  it('does not mutate its inputs', () => {
    const obj = deepFreeze(web())
    const {object, original} = switched(obj)
    deepFreeze(object)
    deepFreeze(original)
    service.isSwitched(object, BACKEND)
    service.mergeOriginal(object, original, BACKEND)
    service.restoreSpec(object, original)
    expect(obj).to.deep.equal(web())
  })

  it('isSwitched: false before, true after, false after the selector or a targetPort is changed back', () => {
    expect(service.isSwitched(web(), BACKEND)).to.equal(false)
    const {object} = switched(web())
    expect(service.isSwitched(object, BACKEND)).to.equal(true)
    const merged = structuredClone(object)
    merged.spec!.selector = {...BACKEND.podLabels, app: 'web'}
    expect(service.isSwitched(merged, BACKEND), 'a merged selector selects nothing').to.equal(false)
    const port = structuredClone(object)
    portsOf(port.spec)[2].targetPort = 50_051
    expect(service.isSwitched(port, BACKEND)).to.equal(false)
  })

  it('mergeOriginal after a GitOps revert of the selector takes it and keeps the stored targetPorts', () => {
    const obj = web()
    const {object, original} = switched(obj)
    const reverted = structuredClone(object)
    reverted.spec!.selector = {app: 'web', tier: 'frontend', track: 'stable'}
    const merged = service.mergeOriginal(reverted, original, BACKEND)
    expect(merged).to.deep.equal({...(original as object), selector: {app: 'web', tier: 'frontend', track: 'stable'}})
    const restored = service.restoreSpec(withSpec(reverted, service.switchSpec(reverted, BACKEND)), merged)
    expect(restored).to.deep.equal({...obj.spec, selector: {app: 'web', tier: 'frontend', track: 'stable'}})
  })

  it('mergeOriginal after one targetPort is reverted takes the new one and keeps the rest', () => {
    const obj = web()
    const {object, original} = switched(obj)
    const reverted = structuredClone(object)
    portsOf(reverted.spec)[1].targetPort = 'metrics'
    const merged = service.mergeOriginal(reverted, original, BACKEND) as {targetPorts: Port[]}
    expect(merged.targetPorts).to.deep.equal([
      {name: 'http', port: 80, targetPort: 'http'},
      {name: 'metrics', port: 9090, targetPort: 'metrics'},
      {name: 'grpc', port: 50_051, targetPort: 50_051},
    ])
    expect(merged).to.have.property('selector').that.deep.equals({app: 'web', tier: 'frontend'})
  })

  it('a port added during maintenance is restored to its own targetPort; ports removed meanwhile stay removed', () => {
    const obj = web()
    const {object, original} = switched(obj)
    const edited = structuredClone(object)
    portsOf(edited.spec).splice(1, 1)
    portsOf(edited.spec).push({name: 'admin', port: 8443, protocol: 'TCP', targetPort: 'admin'})
    const merged = service.mergeOriginal(edited, original, BACKEND)
    const restored = service.restoreSpec(withSpec(edited, service.switchSpec(edited, BACKEND)), merged)
    expect(portsOf(restored).map((p) => [p.name, p.targetPort])).to.deep.equal([
      ['http', 'http'],
      ['grpc', 50_051],
      ['admin', 'admin'],
    ])
  })

  describe('validateOriginal', () => {
    it('accepts what captureRouting produces, with and without a selector', () => {
      expect(service.validateOriginal(service.captureRouting(web()))).to.deep.equal([])
      expect(service.validateOriginal({targetPorts: [{port: 80}]})).to.deep.equal([])
    })

    for (const value of [null, 'selector', 80, [{port: 80}]]) {
      it(`rejects a non-object: ${JSON.stringify(value)}`, () => {
        expect(service.validateOriginal(value)).to.deep.equal(['original must be an object'])
      })
    }

    const invalid: Array<[string, unknown, string]> = [
      ['targetPorts missing', {selector: {app: 'web'}}, 'original.targetPorts must be an array'],
      ['a selector that is not an object', {selector: 'app=web', targetPorts: []}, 'original.selector must be an object'],
      ['a selector value that is not a string', {selector: {app: 1}, targetPorts: []}, 'original.selector["app"] must be a string'],
      ['a port out of range', {targetPorts: [{port: 0}]}, 'original.targetPorts[0].port must be a port number'],
      ['an empty targetPort name', {targetPorts: [{port: 80, targetPort: ''}]}, 'original.targetPorts[0].targetPort must be a port number or a port name'],
      ['an unknown field', {targetPorts: [{port: 80, protocol: 'TCP'}]}, 'unexpected field "protocol"'],
    ]
    for (const [title, value, problem] of invalid) {
      it(`rejects ${title}`, () => {
        expect(service.validateOriginal(value).join('\n')).to.include(problem)
      })
    }

    it('rejects a field a Service original does not have, such as a namespace', () => {
      expect(service.validateOriginal({namespace: 'other', targetPorts: []}).join('\n')).to.include('original has unexpected field "namespace"')
    })
  })

  it('switch then restore is the identity on seeded random Service shapes', () => {
    const seed = Number(process.env.KINDS_SEED ?? 20_261_124)
    console.log(`      seed ${seed} (set KINDS_SEED to replay)`)
    const random = seededRandom(seed)
    for (let round = 0; round < 200; round++) {
      const names = ['http', 'https', 'metrics', 'grpc']
      const ports = Array.from({length: Math.floor(random() * 4)}, (_, index) => {
        const port: Record<string, unknown> = {port: 80 + index, protocol: pick(random, ['TCP', 'UDP'])}
        if (random() < 0.7) port.name = names[index]
        const targetPort = random()
        if (targetPort < 0.4) port.targetPort = pick(random, [80, 8080, 3000])
        else if (targetPort < 0.8) port.targetPort = pick(random, names)
        return port
      })
      const spec: Record<string, unknown> = {type: pick(random, ['ClusterIP', 'NodePort', 'LoadBalancer'])}
      if (ports.length > 0 || random() < 0.5) spec.ports = ports
      spec.selector = Object.fromEntries(Array.from({length: 1 + Math.floor(random() * 3)}, () => [pick(random, ['app', 'tier', 'track']), pick(random, ['a', 'b'])]))
      if (random() < 0.5) spec.clusterIP = random() < 0.5 ? 'None' : '10.0.0.1'
      const obj: KubeObject = {apiVersion: 'v1', kind: 'Service', metadata: {name: `s${round}`, namespace: NAMESPACE}, spec}
      const {object, original} = switched(obj)
      expect(service.validateOriginal(original), `round ${round}`).to.deep.equal([])
      expect(service.isSwitched(object, BACKEND), `round ${round}`).to.equal(true)
      expect(service.restoreSpec(object, original), `seed ${seed} round ${round}: ${JSON.stringify(spec)}`).to.deep.equal(spec)
    }
  })
})
