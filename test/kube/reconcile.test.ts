import {expect} from 'chai'

import {KubeClient} from '../../src/kube/client.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {KubeConfig} from '@kubernetes/client-node'
import {Resources, type ResourceType} from '../../src/kube/resources.js'
import {type PassReport, reconcile} from '../../src/kube/reconcile.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'
import {shopTargets} from '../fixtures/targets.js'
import {KINDS, NS, type Obj, PREFIX, rfc3339, windowConfigMap} from '../reliability/support.js'

// The fixtures the reliability suites share: one window builder, one list of the four kinds.
const ALL = KINDS.map((kind) => kind.ref)

describe('reconcile against the in-process API server', function () {
  this.timeout(60_000)
  let server: ApiServer
  let client: KubeClient

  const fastRetry = {attempts: 3, baseDelayMs: 1, sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))}

  function newClient(): KubeClient {
    const loaded = readConfig(KubeConfig, {kubeconfig: server.kubeconfigPath, namespace: NS})
    return new KubeClient(loaded.config, loaded.namespace, loaded.contextName, fastRetry)
  }

  function pass(extra: Partial<Parameters<typeof reconcile>[1]> = {}): Promise<PassReport> {
    return reconcile(client, {horizonMs: 0, namespace: NS, waitForTransitions: true, ...extra})
  }

  function target(kind: (typeof KINDS)[number]): Obj {
    return server.object(kind.apiVersion, kind.kind, NS, kind.name) as Obj
  }

  function windowObject(name: string): Obj {
    return server.object('v1', 'ConfigMap', NS, name) as Obj
  }

  function backends(): Obj[] {
    return (server.objects('apps/v1', 'Deployment', NS) as Obj[]).filter((d) => d.metadata.labels?.[`${PREFIX}role`] === 'backend')
  }

  function backendObjects(): string[] {
    const all = [
      ...server.objects('apps/v1', 'Deployment', NS),
      ...server.objects('v1', 'Service', NS),
      ...server.objects('v1', 'ConfigMap', NS),
      ...server.objects('v1', 'Secret', NS),
    ] as Obj[]
    return all.filter((o) => o.metadata.labels?.[`${PREFIX}role`] === 'backend').map((o) => `${String(o.kind)}/${o.metadata.name}`)
  }

  /** The test plays a user editing an object with kubectl: a merge patch over HTTP. */
  async function edit(resource: ResourceType, name: string, patch: object): Promise<void> {
    await newClient().patch(resource, NS, name, 'merge', patch)
  }

  async function setEnd(name: string, end: number): Promise<void> {
    await edit(Resources.configMaps, name, {metadata: {annotations: {[`${PREFIX}end`]: rfc3339(end)}}})
  }

  function events(reason: string): Obj[] {
    return (server.objects('v1', 'Event', NS) as Array<Obj & {reason?: string}>).filter((e) => e.reason === reason)
  }

  beforeEach(async () => {
    server = await startApiServer({readyDelayMs: 0})
    server.seed(...shopTargets(NS))
    client = newClient()
  })

  afterEach(async () => {
    await server.close()
  })

  it('switches all four kinds at the start and restores them key for key at the end, leaving no backend', async () => {
    const originals = KINDS.map((kind) => target(kind).spec)
    const now = Date.now()
    server.seed(windowConfigMap('db-upgrade', ALL, now - 1000, now + 3_600_000))

    const started = await pass()
    expect(started.errors).to.deep.equal([])
    expect(backends(), 'one shared backend').to.have.length(1)
    const [backend] = backends()
    for (const kind of KINDS) {
      const switched = target(kind)
      expect(switched.metadata.labels?.[`${PREFIX}active`], kind.ref).to.equal('true')
      expect(switched.metadata.annotations?.[`${PREFIX}window`]).to.equal('db-upgrade')
      expect(switched.metadata.annotations?.[`${PREFIX}backend`]).to.equal(backend.metadata.name)
      expect(JSON.stringify(switched.spec)).to.include(backend.metadata.name.replace('maintenance-', ''))
      expect(switched.metadata.annotations?.[`${PREFIX}original`]).to.be.a('string')
    }
    expect(windowObject('db-upgrade').metadata.annotations?.[`${PREFIX}phase`]).to.equal('Active')
    expect(events('MaintenanceStarted').length).to.be.greaterThan(0)

    await setEnd('db-upgrade', Date.now() - 1)
    const ended = await pass()
    expect(ended.errors).to.deep.equal([])
    KINDS.forEach((kind, index) => {
      const restored = target(kind)
      expect(restored.spec, kind.ref).to.deep.equal(originals[index])
      expect(restored.metadata.labels?.[`${PREFIX}active`]).to.equal(undefined)
      expect(Object.keys(restored.metadata.annotations ?? {}).filter((k) => k.startsWith(PREFIX))).to.deep.equal([])
    })
    expect(backendObjects()).to.deep.equal([])
    expect(windowObject('db-upgrade').metadata.annotations?.[`${PREFIX}phase`]).to.equal('Completed')
    expect(events('MaintenanceEnded').length).to.be.greaterThan(0)
  })

  it('takes what a GitOps sync set during maintenance as the new original', async () => {
    const now = Date.now()
    server.seed(windowConfigMap('w', ['ingress/shop'], now - 1000, now + 3_600_000))
    await pass()
    const switched = target(KINDS[0])
    const spec = structuredClone(switched.spec) as {rules: Array<{http: {paths: Array<{backend: unknown}>}}>}
    spec.rules[0].http.paths[0].backend = {service: {name: 'shop-web-v2', port: {name: 'http'}}}
    await edit(Resources.ingresses, 'shop', {spec: {rules: spec.rules}})

    await pass()
    const reswitched = target(KINDS[0])
    expect(JSON.stringify(reswitched.spec)).not.to.include('shop-web-v2')
    expect(reswitched.metadata.annotations?.[`${PREFIX}original`]).to.include('shop-web-v2')

    await setEnd('w', Date.now() - 1)
    await pass()
    const restored = target(KINDS[0]).spec as typeof spec
    expect(restored.rules[0].http.paths[0].backend).to.deep.equal({service: {name: 'shop-web-v2', port: {name: 'http'}}})
    expect((restored.rules[0].http.paths[1].backend as {service: {name: string}}).service.name).to.equal('shop-api')
  })

  it('marks a window Failed with a Warning Event and leaves the target untouched when its backend never becomes ready', async () => {
    server.setReadyDelay(Number.POSITIVE_INFINITY)
    const original = target(KINDS[3])
    const now = Date.now()
    server.seed(windowConfigMap('w', ['service/db'], now - 1000, now + 3_600_000))
    const report = await pass({horizonMs: 3000, plan: {readinessTimeoutMs: 1000}, waitForTransitions: false})
    expect(report.changes.some((c) => c.includes('Failed'))).to.equal(true)
    expect(target(KINDS[3])).to.deep.equal(original)
    expect(windowObject('w').metadata.annotations?.[`${PREFIX}phase`]).to.equal('Failed')
    expect(windowObject('w').metadata.annotations?.[`${PREFIX}phase-message`]).to.match(/not ready/)
    expect(events('MaintenanceFailed').map((e) => e.type)).to.deep.equal(['Warning'])
  })

  it('marks a window with invalid annotations Failed and never touches a target', async () => {
    const now = Date.now()
    server.seed(windowConfigMap('broken', ['ingress/shop'], now - 1000, now - 5000))
    const before = target(KINDS[0])
    await pass()
    expect(target(KINDS[0])).to.deep.equal(before)
    expect(windowObject('broken').metadata.annotations?.[`${PREFIX}phase`]).to.equal('Failed')
    expect(events('MaintenanceFailed')).to.have.length(1)
  })

  it('lets the window that started last decide the page, and keeps the target in maintenance until the last covering window ends', async () => {
    const now = Date.now()
    server.seed(windowConfigMap('long', ['ingress/shop'], now - 60_000, now + 3_600_000))
    server.seed(windowConfigMap('short', ['ingress/shop'], now - 1000, now + 3_600_000))
    await pass()
    expect(target(KINDS[0]).metadata.annotations?.[`${PREFIX}window`]).to.equal('short')
    await setEnd('short', Date.now() - 1)
    await pass()
    const still = target(KINDS[0])
    expect(still.metadata.annotations?.[`${PREFIX}window`]).to.equal('long')
    expect(still.metadata.labels?.[`${PREFIX}active`]).to.equal('true')
    expect(backends()).to.have.length(1)
  })

  it('moves a target to a backend with the new Retry-After when its window is extended, never restoring it in between', async () => {
    const now = Date.now()
    server.seed(windowConfigMap('w', ['ingress/shop'], now - 1000, now + 3_600_000))
    await pass()
    const before = target(KINDS[0])
    const first = before.metadata.annotations?.[`${PREFIX}backend`]
    await edit(Resources.configMaps, 'w', {metadata: {annotations: {[`${PREFIX}end`]: rfc3339(now + 7_200_000)}}})
    server.clearLog()
    expect((await pass({horizonMs: 5000, waitForTransitions: false})).errors).to.deep.equal([])
    const after = target(KINDS[0])
    const second = after.metadata.annotations?.[`${PREFIX}backend`]
    expect(second).to.be.a('string').and.not.equal(first)
    expect(after.metadata.annotations?.[`${PREFIX}original`]).to.equal(before.metadata.annotations?.[`${PREFIX}original`])
    const ingressPatches = server.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/ingresses/shop'))
    expect(ingressPatches, 'one retarget, no restore in between').to.have.length(1)
    expect(backendObjects().sort()).to.deep.equal([`ConfigMap/${second}`, `Deployment/${second}`, `Secret/${second}`, `Service/${second}`])
  })

  it('switches a target recreated during its window again', async () => {
    const now = Date.now()
    server.seed(windowConfigMap('w', ['ingress/shop'], now - 1000, now + 3_600_000))
    await pass()
    await client.delete(Resources.ingresses, NS, 'shop')
    expect((await pass()).errors).to.deep.equal([])
    server.seed(shopTargets(NS)[1])
    await pass()
    expect(target(KINDS[0]).metadata.labels?.[`${PREFIX}active`]).to.equal('true')
  })

  it('honours the enable annotation and maintenance-operator\'s, and restores when it is removed', async () => {
    const original = target(KINDS[0]).spec
    await edit(Resources.ingresses, 'shop', {metadata: {annotations: {'maintenance-operator.mithucste30.io/enabled': 'true'}}})
    await pass()
    expect(target(KINDS[0]).metadata.annotations?.[`${PREFIX}window`]).to.equal('annotation')
    await edit(Resources.ingresses, 'shop', {metadata: {annotations: {'maintenance-operator.mithucste30.io/enabled': null}}})
    await pass()
    expect(target(KINDS[0]).spec).to.deep.equal(original)
    expect(backendObjects()).to.deep.equal([])
  })

  it('applies a transition due within the horizon at its second, not before', async () => {
    const start = Math.ceil((Date.now() + 1500) / 1000) * 1000
    server.seed(windowConfigMap('soon', ['service/db'], start, start + 3_600_000))
    await pass({horizonMs: 5000})
    const switchPatch = server.requests.find((r) => r.method === 'PATCH' && r.path.endsWith('/services/db'))
    expect(switchPatch?.at, 'the switch happened within the pass, at its second').to.be.a('number').and.at.least(start)
  })

  it('costs the same number of requests in a steady-state pass whatever the number of windows and targets', async () => {
    async function steadyRequests(): Promise<number> {
      await pass()
      server.clearLog()
      await pass()
      expect(server.writes()).to.deep.equal([])
      return server.requests.length
    }
    const now = Date.now()
    server.seed(windowConfigMap('w1', ['ingress/shop'], now - 1000, now + 3_600_000))
    const small = await steadyRequests()
    for (let i = 0; i < 30; i++) {
      server.seed({apiVersion: 'v1', kind: 'Service', metadata: {name: `svc-${i}`, namespace: NS}, spec: {ports: [{port: 80}], selector: {app: `a${i}`}}})
      server.seed(windowConfigMap(`w-${i}`, [`service/svc-${i}`], now - 1000, now + 3_600_000))
    }
    const large = await steadyRequests()
    expect(large).to.equal(small)
  })

  it('loses no original and never double-switches when two passes run at once', async () => {
    const originals = KINDS.map((kind) => target(kind).spec)
    const now = Date.now()
    server.seed(windowConfigMap('w', ALL, now - 1000, now + 3_600_000))
    const other = newClient()
    const reports = await Promise.all([pass(), reconcile(other, {horizonMs: 0, namespace: NS, waitForTransitions: true})])
    expect(reports.flatMap((r) => r.errors)).to.deep.equal([])
    expect(backends()).to.have.length(1)
    KINDS.forEach((kind) => {
      const stored = JSON.parse(target(kind).metadata.annotations?.[`${PREFIX}original`] ?? 'null')
      expect(stored, `${kind.ref}: an original is stored`).to.be.an('object')
      expect(JSON.stringify(stored), kind.ref).not.to.include('maintenance-')
    })
    await setEnd('w', Date.now() - 1)
    await Promise.all([pass(), reconcile(other, {horizonMs: 0, namespace: NS, waitForTransitions: true})])
    KINDS.forEach((kind, index) => expect(target(kind).spec, kind.ref).to.deep.equal(originals[index]))
    expect(backendObjects()).to.deep.equal([])
  })

  it('converges after a pass killed at any request, for every k of a full lifecycle', async function () {
    this.timeout(240_000)
    const originals = KINDS.map((kind) => target(kind).spec)
    const baseline = await server.close().then(async () => {
      server = await startApiServer({readyDelayMs: 0})
      server.seed(...shopTargets(NS))
      client = newClient()
      const now = Date.now()
      server.seed(windowConfigMap('w', ALL, now - 1000, now + 3_600_000))
      server.clearLog()
      await pass()
      return server.requests.length
    })
    let tried = 0
    for (let k = 0; k <= baseline; k++) {
      await server.close()
      server = await startApiServer({readyDelayMs: 0})
      server.seed(...shopTargets(NS))
      client = newClient()
      const now = Date.now()
      server.seed(windowConfigMap('w', ALL, now - 1000, now + 3_600_000))
      server.faults.failAfter(k)
      await pass().catch(() => undefined)
      for (const kind of KINDS) {
        const object = target(kind)
        if (object.metadata.labels?.[`${PREFIX}active`] === 'true' || JSON.stringify(object.spec).includes('maintenance-')) {
          expect(object.metadata.annotations?.[`${PREFIX}original`], `k=${k} ${kind.ref} redirected without its original`).to.be.a('string')
        }
      }
      server.faults.clear()
      await pass()
      await setEnd('w', Date.now() - 1)
      await pass()
      KINDS.forEach((kind, index) => expect(target(kind).spec, `k=${k} ${kind.ref}`).to.deep.equal(originals[index]))
      expect(backendObjects(), `k=${k}`).to.deep.equal([])
      tried++
    }
    console.log(`      crash sweep: ${tried} values of k tried (a clean pass makes ${baseline} requests)`)
  })
})
