import {expect} from 'chai'
import {KubeConfig} from '@kubernetes/client-node'

import {KubeClient} from '../../src/kube/client.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {type PassReport, reconcile} from '../../src/kube/reconcile.js'
import {Resources} from '../../src/kube/resources.js'
import {bypassDigest, encodeGate} from '../../src/render/gate.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'
import {shopTargets} from '../fixtures/targets.js'
import {KINDS, NS, type Obj, PREFIX, rfc3339, windowConfigMap} from '../reliability/support.js'

const SECRET = 'a-bypass-secret-nobody-guesses-42'
const SALT = 'salt-for-tests'
const GATE = encodeGate({
  allowCidrs: [],
  bypass: {digest: bypassDigest(SALT, SECRET), salt: SALT, secureCookie: true, ttlSeconds: 12 * 3600},
  except: ['/healthz'],
  readOnly: false,
  trustForwardedFor: 0,
})

describe('kube/gate: a gated window against the in-process API server', function () {
  this.timeout(60_000)
  let server: ApiServer
  let client: KubeClient

  beforeEach(async () => {
    server = await startApiServer({readyDelayMs: 0})
    server.seed(...shopTargets(NS))
    // The Service the Ingress's "/" names by port name (port: {name: http}).
    server.seed({apiVersion: 'v1', kind: 'Service', metadata: {name: 'shop-web', namespace: NS}, spec: {ports: [{name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 9090}, {name: 'http', port: 80, protocol: 'TCP', targetPort: 'http'}], selector: {app: 'shop-web'}}})
    const loaded = readConfig(KubeConfig, {kubeconfig: server.kubeconfigPath, namespace: NS})
    client = new KubeClient(loaded.config, loaded.namespace, loaded.contextName, {attempts: 3, baseDelayMs: 1, sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))})
  })

  afterEach(async () => {
    await server.close()
  })

  const pass = (): Promise<PassReport> => reconcile(client, {horizonMs: 0, namespace: NS, waitForTransitions: true})
  const objects = (apiVersion: string, kind: string): Obj[] => server.objects(apiVersion, kind, NS) as Obj[]
  const ours = (): string[] =>
    [...objects('apps/v1', 'Deployment'), ...objects('v1', 'Service'), ...objects('v1', 'ConfigMap'), ...objects('v1', 'Secret')]
      .filter((o) => o.metadata.labels?.[`${PREFIX}role`] === 'backend')
      .map((o) => `${String(o.kind)}/${o.metadata.name}`)

  async function endWindow(name: string): Promise<void> {
    await client.patch(Resources.configMaps, NS, name, 'merge', {metadata: {annotations: {[`${PREFIX}end`]: rfc3339(Date.now() - 1000)}}})
    // The garbage collector of the in-process API server removes what the backend ConfigMap owned.
    for (let tries = 0; tries < 3; tries++) await pass()
  }

  const routed = {
    httproute: (spec: Obj['spec']) => (spec as {rules: Array<{backendRefs: Array<{name: string; port: number; weight?: number}>}>}).rules.map((rule) => rule.backendRefs.map((ref) => weighted(ref)).join('+')),
    ingress: (spec: Obj['spec']) =>
      (spec as {rules: Array<{http: {paths: Array<{path: string; backend: {service: {name: string; port: {number?: number; name?: string}}}}>}}>}).rules.flatMap((rule) =>
        rule.http.paths.map((path) => `${path.path} -> ${path.backend.service.name}:${path.backend.service.port.number ?? path.backend.service.port.name}`),
      ),
    ingressroute: (spec: Obj['spec']) => (spec as {routes: Array<{services: Array<{name: string; port: number | string; weight?: number}>}>}).routes.map((route) => route.services.map((ref) => weighted(ref)).join('+')),
  }
  /** Where each gate port proxies: a pool with kept-alive connections to an address, or a name resolved per request. */
  function proxiedTo(conf: string): string[] {
    const pools = new Map([...conf.matchAll(/upstream (maintenance_gate_\d+) \{\n\s+server ([^;]+);\n\s+keepalive \d+;/g)].map((match) => [match[1], match[2]]))
    return conf.split('\n').flatMap((line) => {
      const match = /^ {4}(81\d\d) "([^"]+)";$/.exec(line)
      if (!match) return []
      const [, port, target] = match
      return [pools.has(target) ? `${port} -> ${pools.get(target)} (kept alive)` : `${port} -> ${target} (per request)`]
    })
  }
  const clusterIp = (name: string): string => (server.object('v1', 'Service', NS, name) as {spec: {clusterIP: string}}).spec.clusterIP
  function weighted(ref: {name: string; port: number | string; weight?: number}): string {
    return `${ref.name}:${ref.port}${ref.weight === undefined ? '' : `*${ref.weight}`}`
  }

  for (const kind of KINDS.filter((entry) => entry.kind !== 'Service')) {
    it(`${kind.ref}: each original backend gets a port of the backend, the end restores exactly and leaves nothing`, async () => {
      const original = structuredClone((server.object(kind.apiVersion, kind.kind, NS, kind.name) as Obj).spec)
      server.seed(windowConfigMap('gated', [kind.ref], Date.now() - 1000, Date.now() + 3_600_000, {[`${PREFIX}gate`]: GATE}))
      const report = await pass()
      expect(report.errors).to.deep.equal([])
      const switched = server.object(kind.apiVersion, kind.kind, NS, kind.name) as Obj
      const backend = switched.metadata.annotations![`${PREFIX}backend`]
      const service = server.object('v1', 'Service', NS, backend) as {spec: {ports: Array<{name: string; port: number; targetPort: number}>}}
      const gatePorts = service.spec.ports.filter((port) => port.name.startsWith('gate-')).map((port) => `${port.name}:${port.port}->${port.targetPort}`)
      const configMap = server.object('v1', 'ConfigMap', NS, backend) as {data: Record<string, string>}
      const upstreamLines = proxiedTo(configMap.data['nginx.conf'])

      const views = {
        httproute: {
          ports: ['gate-0:8100->8100'],
          // The API server defaults a backendRef's weight to 1.
          routed: [`${backend}:8100*1`],
          upstreams: [`8100 -> web.${NS}.svc.cluster.local:8080 (per request)`],
        },
        ingress: {
          // "/" names its port by name: the number is read from the Service shop-web (http: 80). shop-web is there, so it
          // is reached by its ClusterIP with kept-alive connections; shop-api is not (yet): by name, resolved per request.
          ports: ['gate-0:8100->8100', 'gate-1:8101->8101'],
          routed: [`/ -> ${backend}:8100`, `/api -> ${backend}:8101`],
          upstreams: [`8100 -> ${clusterIp('shop-web')}:80 (kept alive)`, `8101 -> shop-api.${NS}.svc.cluster.local:8080 (per request)`],
        },
        ingressroute: {
          // Weighted services: each gets its own port, the route keeps the weights.
          ports: ['gate-0:8100->8100', 'gate-1:8101->8101'],
          routed: [`${backend}:8100*3+${backend}:8101*1`],
          upstreams: [`8100 -> api-v1.${NS}.svc.cluster.local:80 (per request)`, `8101 -> api-v2.${NS}.svc.cluster.local:80 (per request)`],
        },
      }[kind.name === 'shop' ? 'ingress' : kind.name === 'api' ? 'ingressroute' : 'httproute']
      const routes = routed[kind.name === 'shop' ? 'ingress' : kind.name === 'api' ? 'ingressroute' : 'httproute'](switched.spec)
      expect({ports: gatePorts, routed: routes, upstreams: upstreamLines}).to.deep.equal(views)

      // The secret is nowhere in clear: not in the window, the backend ConfigMap, the backend Secret or an Event.
      const everything = JSON.stringify([objects('v1', 'ConfigMap'), objects('v1', 'Secret'), objects('v1', 'Event')])
      expect(everything).not.to.include(SECRET)
      expect(everything).not.to.include(Buffer.from(SECRET).toString('base64'))
      const secret = server.object('v1', 'Secret', NS, backend) as {data: Record<string, string>}
      expect(Object.keys(secret.data).sort()).to.deep.equal(['gate.conf', 'tls.crt', 'tls.key'])
      expect(Buffer.from(secret.data['gate.conf'], 'base64').toString()).to.match(/^map "" \$maintenance_gate_key \{\n {2}default "[0-9a-f]{32}";/)

      // A second pass changes nothing: the gate ports count as switched.
      const again = await pass()
      expect(again.errors).to.deep.equal([])
      expect((server.object(kind.apiVersion, kind.kind, NS, kind.name) as Obj).metadata.resourceVersion).to.equal(switched.metadata.resourceVersion)

      await endWindow('gated')
      const restored = server.object(kind.apiVersion, kind.kind, NS, kind.name) as Obj
      expect(restored.spec).to.deep.equal(original)
      expect(ours()).to.deep.equal([])
    })
  }

  const canaries = [
    {
      apiVersion: 'traefik.io/v1alpha1',
      expected: (backend: string) => ({
        ports: ['gate-0:8100->8100', 'gate-1:8101->8101'],
        // Two references to the same Service port become one, with their weights summed; the named port is proxied to its number.
        routed: [`${backend}:8101*8+${backend}:8100*2`, `${backend}:80`],
        upstreams: [`8100 -> ${clusterIp('shop-web')}:80 (kept alive)`, `8101 -> shop-stable.${NS}.svc.cluster.local:8080 (per request)`],
      }),
      kind: 'IngressRoute',
      name: 'canary',
      ref: 'ingressroute/canary',
      // Modelled on Traefik's weighted services (ingressroute-reference-all-options) with a named port, as a canary split.
      spec: {
        entryPoints: ['web'],
        routes: [
          {kind: 'Rule', match: 'Host(`shop.example.com`)', services: [{name: 'shop-stable', port: 8080, weight: 5}, {name: 'shop-web', port: 'http', weight: 2}, {name: 'shop-stable', port: 8080, weight: 3}]},
          {kind: 'Rule', match: 'Host(`old.example.com`)', services: [{name: 'shop-gone', port: 'http', weight: 1}, {kind: 'TraefikService', name: 'mirror', weight: 1}]},
        ],
      },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      expected: (backend: string) => ({
        ports: ['gate-0:8100->8100', 'gate-1:8101->8101'],
        // Weight 0 sends nothing: it is not routed, as in the original.
        routed: [`${backend}:8101*90+${backend}:8100*10`],
        upstreams: [`8100 -> ${clusterIp('shop-web')}:80 (kept alive)`, `8101 -> shop-stable.${NS}.svc.cluster.local:8080 (per request)`],
      }),
      kind: 'HTTPRoute',
      name: 'canary',
      ref: 'httproute/canary',
      // Modelled on the Gateway API conformance test httproute-weight (backendRefs with weights).
      spec: {
        parentRefs: [{name: 'gateway'}],
        rules: [{backendRefs: [{name: 'shop-stable', port: 8080, weight: 90}, {name: 'shop-web', port: 80, weight: 10}, {name: 'shop-old', port: 80, weight: 0}]}],
      },
    },
  ]
  for (const canary of canaries) {
    it(`${canary.ref}: every weighted original backend (named ports too) gets its port with its weight; the end restores exactly`, async () => {
      server.seed({apiVersion: canary.apiVersion, kind: canary.kind, metadata: {name: canary.name, namespace: NS}, spec: canary.spec})
      const original = structuredClone((server.object(canary.apiVersion, canary.kind, NS, canary.name) as Obj).spec)
      server.seed(windowConfigMap('canary', [canary.ref], Date.now() - 1000, Date.now() + 3_600_000, {[`${PREFIX}gate`]: GATE}))
      expect((await pass()).errors).to.deep.equal([])
      const switched = server.object(canary.apiVersion, canary.kind, NS, canary.name) as Obj
      const backend = switched.metadata.annotations![`${PREFIX}backend`]
      const service = server.object('v1', 'Service', NS, backend) as {spec: {ports: Array<{name: string; port: number; targetPort: number}>}}
      const configMap = server.object('v1', 'ConfigMap', NS, backend) as {data: Record<string, string>}
      expect({
        ports: service.spec.ports.filter((port) => port.name.startsWith('gate-')).map((port) => `${port.name}:${port.port}->${port.targetPort}`),
        routed: routed[canary.kind === 'HTTPRoute' ? 'httproute' : 'ingressroute'](switched.spec),
        upstreams: proxiedTo(configMap.data['nginx.conf']),
      }).to.deep.equal(canary.expected(backend))
      expect((await pass()).errors).to.deep.equal([])
      expect((server.object(canary.apiVersion, canary.kind, NS, canary.name) as Obj).metadata.resourceVersion).to.equal(switched.metadata.resourceVersion)
      await endWindow('canary')
      expect((server.object(canary.apiVersion, canary.kind, NS, canary.name) as Obj).spec).to.deep.equal(original)
      expect(ours()).to.deep.equal([])
    })
  }

  it('follows an original Service recreated with another ClusterIP to a new backend, kept alive to the new address', async () => {
    server.seed(windowConfigMap('gated', ['ingress/shop'], Date.now() - 1000, Date.now() + 3_600_000, {[`${PREFIX}gate`]: GATE}))
    expect((await pass()).errors).to.deep.equal([])
    const backendOf = () => (server.object('networking.k8s.io/v1', 'Ingress', NS, 'shop') as Obj).metadata.annotations![`${PREFIX}backend`]
    const first = backendOf()
    const before = clusterIp('shop-web')
    await client.delete(Resources.services, NS, 'shop-web')
    // Recreated asking for another address (kube-apiserver would pick a random free one).
    await client.create(Resources.services, NS, {apiVersion: 'v1', kind: 'Service', metadata: {name: 'shop-web', namespace: NS}, spec: {clusterIP: '10.96.1.7', ports: [{name: 'http', port: 80, protocol: 'TCP', targetPort: 'http'}], selector: {app: 'shop-web'}}})
    expect(clusterIp('shop-web')).not.to.equal(before)
    for (let tries = 0; tries < 3; tries++) expect((await pass()).errors).to.deep.equal([])
    expect(backendOf()).not.to.equal(first)
    const configMap = server.object('v1', 'ConfigMap', NS, backendOf()) as {data: Record<string, string>}
    expect(proxiedTo(configMap.data['nginx.conf'])[0]).to.equal(`8100 -> ${clusterIp('shop-web')}:80 (kept alive)`)
  })

  it('service/db: a shadow Service owned by the backend selects the original pods; the end restores exactly and removes it', async () => {
    const original = structuredClone((server.object('v1', 'Service', NS, 'db') as Obj).spec)
    server.seed(windowConfigMap('gated', ['service/db'], Date.now() - 1000, Date.now() + 3_600_000, {[`${PREFIX}gate`]: GATE}))
    const report = await pass()
    expect(report.errors).to.deep.equal([])
    const switched = server.object('v1', 'Service', NS, 'db') as Obj & {spec: {ports: Array<{targetPort: unknown}>; selector: Record<string, string>}}
    const backend = switched.metadata.annotations![`${PREFIX}backend`]
    expect(switched.spec.ports.map((port) => port.targetPort)).to.deep.equal([8100])
    expect(switched.spec.selector[`${PREFIX}hash`]).to.equal(backend.slice('maintenance-'.length))
    const shadows = objects('v1', 'Service').filter((service) => service.metadata.labels?.[`${PREFIX}role`] === 'shadow') as Array<Obj & {spec: {ports: unknown; selector: unknown}; metadata: {ownerReferences?: Array<{name: string}>}}>
    expect(shadows.map((shadow) => [shadow.spec.ports, shadow.spec.selector, shadow.metadata.ownerReferences?.map((ref) => ref.name)])).to.deep.equal([
      [[{name: 'pg', port: 5432, protocol: 'TCP', targetPort: 'postgres'}], {app: 'postgres', tier: 'db'}, [backend]],
    ])
    const configMap = server.object('v1', 'ConfigMap', NS, backend) as {data: Record<string, string>}
    expect(configMap.data['nginx.conf']).to.include(`8100 "${shadows[0].metadata.name}.${NS}.svc.cluster.local:5432";`)
    expect((await pass()).errors).to.deep.equal([])
    expect((server.object('v1', 'Service', NS, 'db') as Obj).metadata.resourceVersion).to.equal(switched.metadata.resourceVersion)

    await endWindow('gated')
    expect((server.object('v1', 'Service', NS, 'db') as Obj).spec).to.deep.equal(original)
    expect(ours()).to.deep.equal([])
    expect(objects('v1', 'Service').filter((service) => service.metadata.labels?.[`${PREFIX}role`] === 'shadow')).to.deep.equal([])
  })

  it('gives windows that differ only in their gate different backends', async () => {
    const now = Date.now()
    server.seed(
      windowConfigMap('plain', ['ingress/shop'], now - 1000, now + 3_600_000),
      windowConfigMap('gated', ['httproute/web'], now - 1000, now + 3_600_000, {[`${PREFIX}gate`]: GATE}),
      windowConfigMap('read-only', ['ingressroute/api'], now - 1000, now + 3_600_000, {[`${PREFIX}gate`]: '{"readOnly":true}'}),
    )
    await pass()
    const names = KINDS.filter((kind) => kind.kind !== 'Service').map((kind) => (server.object(kind.apiVersion, kind.kind, NS, kind.name) as Obj).metadata.annotations![`${PREFIX}backend`])
    expect(new Set(names).size).to.equal(3)
  })

  it('marks a window whose gate annotation is not valid Failed, touching nothing', async () => {
    const before = structuredClone(server.object('networking.k8s.io/v1', 'Ingress', NS, 'shop'))
    server.seed(windowConfigMap('bad', ['ingress/shop'], Date.now() - 1000, Date.now() + 3_600_000, {[`${PREFIX}gate`]: '{"except":["no-slash"]}'}))
    await pass()
    const window = server.object('v1', 'ConfigMap', NS, 'bad') as Obj
    expect(window.metadata.annotations![`${PREFIX}phase`]).to.equal('Failed')
    expect(window.metadata.annotations![`${PREFIX}phase-message`]).to.include('--except "no-slash" is not a path')
    expect(server.object('networking.k8s.io/v1', 'Ingress', NS, 'shop')).to.deep.equal(before)
  })
})
