import {HTTPRoute} from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute'
import {IngressRoute as LegacyIngressRoute} from '@kubernetes-models/traefik/traefik.containo.us/v1alpha1/IngressRoute'
import {IngressRoute} from '@kubernetes-models/traefik/traefik.io/v1alpha1/IngressRoute'
import {expect} from 'chai'
import {Ingress} from 'kubernetes-models/networking.k8s.io/v1/Ingress'
import {Service} from 'kubernetes-models/v1/Service'
import {readFileSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {parse} from 'yaml'

import {KubeClient} from '../../src/kube/client.js'
import {Resources} from '../../src/kube/resources.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'
import {PROJECT_ROOT, runCommand} from '../support/run-command.js'
import {type Obj, deleteConfigMap, envFor, service, windowConfigMap} from './fixtures.js'

/**
 * Issue 13: every real-world-shaped target of test/fixtures/real-world/ through `now` and `end` against the
 * in-process API server. What is switched validates against the official schemas and comes back exactly, with no
 * backend left; what must not be switched is refused with exit 2 (and switched with --force); what would change
 * nothing is reported with exit 2 alone, and as a warning beside a target that does switch.
 */

const DIR = path.join(PROJECT_ROOT, 'test/fixtures/real-world')

interface Fixture {
  object: Obj
  source: string
  context: boolean
  file: string
}

/** One document per `---`; its leading comment lines say what it is modelled on (and whether it is context). */
function loadFixtures(): Fixture[] {
  return readdirSync(DIR)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .flatMap((file) =>
      readFileSync(path.join(DIR, file), 'utf8')
        .split(/^---$/m)
        .map((text) => {
          const source = /^# modelled on: (\S+ \S+)/m.exec(text)?.[1]
          if (!source) throw new Error(`${file}: a document without "# modelled on: owner/repo path"`)
          return {context: /^# role: context$/m.test(text), file, object: parse(text) as Obj, source}
        }),
    )
}

type Expectation =
  | {verdict: 'switch'; note?: string; check?: (switched: Obj) => void}
  | {verdict: 'refuse'; note: string}
  | {verdict: 'skip'; note: string; names?: string}

const annotationsOf = (o: Obj) => ((o.metadata.annotations ?? {}) as Record<string, string>)
/** The value at a path of keys and indexes, or undefined. */
function at(value: unknown, ...path: Array<string | number>): unknown {
  return path.reduce<unknown>((current, step) => (current !== null && typeof current === 'object' ? (current as Record<string | number, unknown>)[step] : undefined), value)
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])
const targetPorts = (o: Obj) => list(at(o, 'spec', 'ports')).map((port) => [at(port, 'name'), at(port, 'targetPort')])
const ingressPorts = (o: Obj) => list(at(o, 'spec', 'rules')).flatMap((rule) => list(at(rule, 'http', 'paths')).map((p) => at(p, 'backend', 'service', 'port', 'number')))

/** Keyed by file, then kind/name@namespace. */
const EXPECTED: Record<string, Record<string, Expectation>> = {
  'cross-namespace-httproute.yaml': {
    'httproute/foo@foo': {verdict: 'switch'},
    'httproute/reference-grant-weighted@gateway-conformance-infra': {verdict: 'switch'},
    'httproute/reference-grant@gateway-conformance-infra': {verdict: 'switch'},
  },
  'cross-namespace-ingressroute.yaml': {
    'ingressroute/ingressroutebar@default': {verdict: 'switch'},
    'ingressroute/ingressroutebar@legacy': {verdict: 'switch'},
    'ingressroute/test6.route@other-ns': {verdict: 'switch'},
  },
  'externalname-service.yaml': {
    'service/external-svc@default': {note: 'kept: externalname', verdict: 'skip'},
    'service/httpbin@e2e': {note: 'kept: externalname', verdict: 'skip'},
    'service/my-service@prod': {note: 'kept: externalname', verdict: 'skip'},
  },
  'grpc-upstream.yaml': {
    'ingress/argocd-server-grpc-ingress@argocd': {
      check: (o) => expect(ingressPorts(o)).to.deep.equal([81]),
      note: 'grpc',
      verdict: 'switch',
    },
    'ingress/fortune-ingress@grpc-demo': {
      check(o) {
        expect(annotationsOf(o)['nginx.ingress.kubernetes.io/backend-protocol']).to.equal('GRPC')
        expect(ingressPorts(o)).to.deep.equal([81])
      },
      note: 'tls, grpc',
      verdict: 'switch',
    },
    'ingressroute/argocd-server@argocd': {
      check(o) {
        const backend = at(o, 'spec', 'routes', 0, 'services', 0, 'name')
        expect(at(o, 'spec', 'routes', 0, 'services')).to.deep.equal([{kind: 'Service', name: backend, port: 80}])
        expect(at(o, 'spec', 'routes', 1, 'services')).to.deep.equal([{kind: 'Service', name: backend, port: 81, scheme: 'h2c'}])
      },
      note: 'grpc',
      verdict: 'switch',
    },
    'service/fortune-teller-service@grpc-demo': {check: (o) => expect(at(o, 'spec', 'ports', 0, 'targetPort')).to.equal(8081), note: 'grpc', verdict: 'switch'},
    'service/greeter@grpc-demo': {check: (o) => expect(at(o, 'spec', 'ports', 0, 'targetPort')).to.equal(8081), note: 'grpc', verdict: 'switch'},
  },
  'mirror.yaml': {
    'httproute/http-mirror@default': {check: (o) => expect(JSON.stringify(o.spec)).not.to.include('RequestMirror'), note: 'mirror stopped', verdict: 'switch'},
    'httproute/request-mirror@gateway-conformance-infra': {
      check(o) {
        expect(JSON.stringify(o.spec)).not.to.include('RequestMirror')
        expect(at(o, 'spec', 'rules', 1, 'filters')).to.have.length(1)
      },
      note: 'mirror stopped',
      verdict: 'switch',
    },
    'httproute/request-multiple-mirrors@gateway-conformance-infra': {check: (o) => expect(at(o, 'spec', 'rules', 0, 'filters')).to.equal(undefined), note: 'mirror stopped', verdict: 'switch'},
    'ingressroute/ingressroutebar@mirrors': {check: (o) => expect(JSON.stringify(o.spec)).not.to.include('TraefikService'), verdict: 'switch'},
  },
  'redirect-only.yaml': {
    'httproute/http-route-for-listener-on-port-80@gateway-conformance-infra': {note: 'kept: redirect', verdict: 'skip'},
    'httproute/redirect@redirects': {note: 'kept: redirect', verdict: 'skip'},
    'httproute/tls-redirect@default': {names: 'httproute/foo', note: 'kept: redirect', verdict: 'skip'},
    'ingressroute/http-redirect@redirects': {note: 'kept: redirect', verdict: 'skip'},
  },
  'selectorless-service.yaml': {
    'service/example@shop': {note: 'kept: no selector', verdict: 'skip'},
    'service/kube-prometheus-stack-kube-etcd@monitoring': {note: 'kept: no selector', verdict: 'skip'},
    'service/my-service@default': {note: 'kept: no selector', verdict: 'skip'},
  },
  'tls-upstream.yaml': {
    'ingress/argocd-server-ingress@argocd': {
      check(o) {
        expect(annotationsOf(o)).not.to.have.property('nginx.ingress.kubernetes.io/ssl-passthrough')
        expect(annotationsOf(o)['nginx.ingress.kubernetes.io/backend-protocol']).to.equal('HTTP')
        expect(ingressPorts(o)).to.deep.equal([80])
      },
      note: 'tls',
      verdict: 'switch',
    },
    'ingress/argocd@argocd': {check: (o) => expect(annotationsOf(o)['alb.ingress.kubernetes.io/backend-protocol']).to.equal('HTTP'), note: 'tls', verdict: 'switch'},
    'ingress/kubernetes-dashboard@kubernetes-dashboard': {check: (o) => expect(annotationsOf(o)['nginx.ingress.kubernetes.io/backend-protocol']).to.equal('HTTP'), note: 'tls', verdict: 'switch'},
    'ingressroute/test-name@apps': {check: (o) => expect(JSON.stringify(o.spec)).not.to.match(/scheme|serversTransport/), note: 'tls', verdict: 'switch'},
    'service/argocd-server@argocd': {check: (o) => expect(targetPorts(o)).to.deep.equal([['http', 8080], ['https', 8443]]), note: 'tls', verdict: 'switch'},
    'service/ingress-nginx-controller@ingress-nginx': {check: (o) => expect(targetPorts(o)).to.deep.equal([['http', 8080], ['https', 8443]]), note: 'tls', verdict: 'switch'},
    'service/secure-nginx@default': {check: (o) => expect(targetPorts(o)).to.deep.equal([['http', 8080], ['https', 8443]]), note: 'tls', verdict: 'switch'},
  },
  'webhook-service.yaml': {
    'service/cert-manager-webhook@cert-manager': {note: 'refused: webhook', verdict: 'refuse'},
    'service/gatekeeper-webhook-service@gatekeeper-system': {note: 'refused: webhook', verdict: 'refuse'},
    'service/ingress-nginx-controller-admission@ingress-nginx': {note: 'refused: webhook', verdict: 'refuse'},
    'service/metrics-server@kube-system': {note: 'refused: kube-system', verdict: 'refuse'},
    'service/prometheus-adapter@monitoring': {note: 'refused: apiservice', verdict: 'refuse'},
  },
}

const KINDS: Record<string, string> = {HTTPRoute: 'httproute', Ingress: 'ingress', IngressRoute: 'ingressroute', Service: 'service'}

function refOf(object: Obj): string {
  return `${KINDS[object.kind]}/${object.metadata.name}`
}

function validateSchema(object: Obj): void {
  const models: Record<string, new (data: never) => {validate(): void}> = {
    'gateway.networking.k8s.io/v1/HTTPRoute': HTTPRoute,
    'networking.k8s.io/v1/Ingress': Ingress,
    'traefik.containo.us/v1alpha1/IngressRoute': LegacyIngressRoute,
    'traefik.io/v1alpha1/IngressRoute': IngressRoute,
    'v1/Service': Service,
  }
  const Model = models[`${object.apiVersion}/${object.kind}`]
  new Model(object as never).validate()
}

/** What restore must give back exactly: spec, labels and annotations (server-set metadata aside). */
function routingState(object: Record<string, unknown> | undefined): unknown {
  const o = object as Obj
  return {annotations: o.metadata.annotations ?? {}, labels: o.metadata.labels ?? {}, spec: o.spec}
}

const fixtures = loadFixtures()
const LEGACY = 'traefik.containo.us'

describe('real-world routing shapes (issue 13): now and end', function () {
  this.timeout(60_000)
  let server: ApiServer
  let seq = 0

  before(async () => {
    const namespaces = [...new Set(['default', 'kube-system', 'kubectl-maintenance', ...fixtures.map((f) => f.object.metadata.namespace).filter((ns): ns is string => ns !== undefined)])]
    server = await startApiServer({crds: ['traefik.io', 'gateway.networking.k8s.io', LEGACY], namespaces})
    server.setServedGroups(['traefik.io', 'gateway.networking.k8s.io'])
    server.seed(...fixtures.map((f) => f.object))
  })

  after(async () => server.close())

  const run = (argv: string[]) => runCommand(argv, {env: envFor(server)})
  /** `end` a few seconds into the window, as a user would. */
  const end = (window: string, namespace: string) => runCommand(['end', window, '-n', namespace], {env: envFor(server, '2026-12-24T20:00:05Z')})
  const read = (object: Obj) => server.object(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name) as Obj
  const backendsIn = (namespace: string) => [
    ...server.objects('apps/v1', 'Deployment', namespace),
    ...server.objects('v1', 'Service', namespace).filter((svc) => (svc as Obj).metadata.name.startsWith('maintenance-')),
    ...server.objects('v1', 'ConfigMap', namespace).filter((cm) => (cm as Obj).metadata.name.startsWith('maintenance-')),
    ...server.objects('v1', 'Secret', namespace),
  ]

  /** now, the switched object checked, end, everything back as it was and no backend left. */
  async function switchAndEnd(object: Obj, extraArgs: string[], expectNote: string | undefined, check?: (switched: Obj) => void): Promise<void> {
    const namespace = object.metadata.namespace!
    const ref = refOf(object)
    const before = routingState(read(object))
    const window = `rw-${++seq}`
    const started = await run(['now', ref, '-n', namespace, '--name', window, ...extraArgs])
    expect(started.stderr, 'now stderr').to.equal('')
    expect(started.exitCode, started.stderr).to.equal(0)
    const line = started.stdout.split('\n').find((l) => l.startsWith(`${ref}: `))
    expect(line, started.stdout).to.match(/ -> (pods of )?maintenance-[0-9a-f]{10}/)
    if (expectNote) expect(line).to.match(new RegExp(`\\(${expectNote}\\)$`))
    const switched = read(object)
    expect((switched.metadata.labels as Record<string, string> | undefined)?.['kubectl-maintenance.io/active']).to.equal('true')
    validateSchema(switched)
    check?.(switched)
    // The backend serves TLS with its own certificate, in a Secret named like it and owned by its ConfigMap.
    const backend = annotationsOf(switched)['kubectl-maintenance.io/backend']
    const secret = server.object('v1', 'Secret', namespace, backend) as Obj & {type: string; data: Record<string, string>}
    const configMap = server.object('v1', 'ConfigMap', namespace, backend) as Obj
    expect(secret.type).to.equal('kubernetes.io/tls')
    expect(Buffer.from(secret.data['tls.crt'], 'base64').toString()).to.match(/^-----BEGIN CERTIFICATE-----/)
    expect(secret.metadata.ownerReferences).to.deep.equal([{apiVersion: 'v1', controller: true, kind: 'ConfigMap', name: backend, uid: configMap.metadata.uid}])

    const ended = await end(window, namespace)
    expect(ended.exitCode, `${ended.stderr}${JSON.stringify(server.object('v1', 'ConfigMap', namespace, window))}`).to.equal(0)
    expect(routingState(read(object))).to.deep.equal(before)
    expect(backendsIn(namespace), 'backends left behind').to.deep.equal([])
    await deleteConfigMap(server, namespace, window)
  }

  for (const [file, targets] of Object.entries(EXPECTED)) {
    describe(file, () => {
      const inFile = fixtures.filter((f) => f.file === file && !f.context)
      it('has at least 3 targets, each with an expectation', () => {
        expect(inFile.length).to.be.at.least(3)
        expect(inFile.map((f) => `${refOf(f.object)}@${f.object.metadata.namespace}`).sort()).to.deep.equal(Object.keys(targets).sort())
      })

      for (const fixture of inFile) {
        const {object} = fixture
        const id = `${refOf(object)}@${object.metadata.namespace}`
        const expected = targets[id]
        const legacy = object.apiVersion.startsWith(LEGACY)
        const serve = () => server.setServedGroups(legacy ? [LEGACY, 'gateway.networking.k8s.io'] : ['traefik.io', 'gateway.networking.k8s.io'])

        it(`${id} (${fixture.source}): ${expected.verdict}${'note' in expected && expected.note ? ` (${expected.note})` : ''}`, async () => {
          serve()
          try {
            const namespace = object.metadata.namespace!
            if (expected.verdict === 'switch') {
              await switchAndEnd(object, [], expected.note, expected.check)
              return
            }
            server.clearLog()
            const refused = await run(['now', refOf(object), '-n', namespace])
            expect(refused.exitCode, refused.stderr).to.equal(2)
            expect(refused.stderr).to.include(`(${expected.note})`)
            expect(server.writes(), 'nothing written').to.deep.equal([])
            if (expected.verdict === 'refuse') {
              expect(refused.stderr).to.include('--force')
              await switchAndEnd(object, ['--force'], expected.note.replace('refused:', 'forced:'))
              return
            }
            if (expected.names) expect(refused.stderr).to.include(expected.names)
            await skippedBesideASwitch(object, expected.note)
          } finally {
            server.setServedGroups(['traefik.io', 'gateway.networking.k8s.io'])
          }
        })
      }
    })
  }

  /** A target where nothing would change, in a window with one that does switch: a warning, and the pass names it. */
  async function skippedBesideASwitch(object: Obj, note: string): Promise<void> {
    const namespace = object.metadata.namespace!
    const ref = refOf(object)
    const companion = service(`web-${++seq}`, namespace)
    server.seed(companion)
    const before = routingState(read(object))
    const window = `rw-${seq}`
    const started = await run(['now', ref, `service/${companion.metadata.name}`, '-n', namespace, '--name', window])
    expect(started.exitCode, started.stderr).to.equal(0)
    expect(started.stderr).to.match(/^Warning: /)
    expect(started.stderr).to.include(`(${note})`)
    expect(started.stdout).to.include(`${ref}: `)
    expect(started.stdout.split('\n').find((l) => l.startsWith(`${ref}: `))).to.match(new RegExp(`\\(${note}\\)$`))
    expect(routingState(read(object)), 'the skipped target is untouched').to.deep.equal(before)
    const stored = server.object('v1', 'ConfigMap', namespace, window) as Obj
    expect(annotationsOf(stored)['kubectl-maintenance.io/phase-message'], 'phase message').to.match(new RegExp(`; skipped: ${ref.replace('.', '\\.')} \\(${note}\\)$`))
    const ended = await end(window, namespace)
    expect(ended.exitCode, ended.stderr).to.equal(0)
    expect(backendsIn(namespace)).to.deep.equal([])
    await deleteConfigMap(server, namespace, window)
  }

  describe('the pass (reconcile -A, as the CronJob runs it) decides the same before touching a target', () => {
    const webhook = fixtures.find((f) => f.object.metadata.name === 'ingress-nginx-controller-admission')!.object
    const redirect = fixtures.find((f) => f.object.metadata.name === 'tls-redirect')!.object

    it('a window naming a webhook Service fails with a Warning and the Service is never written', async () => {
      const before = routingState(read(webhook))
      // reconcile runs on the real clock, as the CronJob does.
      const hourAgo = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z')
      server.seed(windowConfigMap({name: 'gitops-webhook', namespace: 'ingress-nginx', start: hourAgo, targets: 'service/ingress-nginx-controller-admission'}))
      server.clearLog()
      const pass = await runCommand(['reconcile', '-A'], {env: envFor(server)})
      expect(pass.exitCode, pass.stderr).to.equal(0)
      const stored = server.object('v1', 'ConfigMap', 'ingress-nginx', 'gitops-webhook') as Obj
      expect(annotationsOf(stored)['kubectl-maintenance.io/phase']).to.equal('Failed')
      expect(annotationsOf(stored)['kubectl-maintenance.io/phase-message']).to.include('admission webhook (validatingwebhookconfiguration/ingress-nginx-admission)')
      const events = server.objects('v1', 'Event', 'ingress-nginx') as Array<Record<string, unknown>>
      expect(events.some((event) => event.type === 'Warning' && event.reason === 'MaintenanceFailed')).to.equal(true)
      expect(server.writes().filter((entry) => entry.path.includes('/services'))).to.deep.equal([])
      expect(routingState(read(webhook))).to.deep.equal(before)
      expect(backendsIn('ingress-nginx')).to.deep.equal([])
      await deleteConfigMap(server, 'ingress-nginx', 'gitops-webhook')
    })

    it('the enable annotation on a kube-system Service: a Warning Event on it, the pass fails, nothing is switched', async () => {
      const metrics = fixtures.find((f) => f.object.metadata.name === 'metrics-server')!.object
      const client = await KubeClient.fromOptions({kubeconfig: server.kubeconfigPath})
      await client.patch(Resources.services, 'kube-system', 'metrics-server', 'merge', {metadata: {annotations: {'kubectl-maintenance.io/enabled': 'true'}}})
      const before = routingState(read(metrics))
      const pass = await runCommand(['reconcile', '-A'], {env: envFor(server)})
      expect(pass.exitCode).to.equal(1)
      expect(pass.stderr).to.include('service/metrics-server is in kube-system')
      const events = server.objects('v1', 'Event', 'kube-system') as Array<Record<string, unknown>>
      expect(events.some((event) => event.type === 'Warning' && event.reason === 'MaintenanceRefused')).to.equal(true)
      expect(routingState(read(metrics))).to.deep.equal(before)
      await client.patch(Resources.services, 'kube-system', 'metrics-server', 'json', [{op: 'remove', path: '/metadata/annotations/kubectl-maintenance.io~1enabled'}])
    })

    it('a window naming a redirect-only route and a Service: the Service switches, the route is skipped and named in the phase message', async () => {
      const companion = service('pass-web', 'default')
      const hourAgo = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z')
      server.seed(companion, windowConfigMap({name: 'gitops-redirect', namespace: 'default', start: hourAgo, targets: 'httproute/tls-redirect,service/pass-web'}))
      const before = routingState(read(redirect))
      const pass = await runCommand(['reconcile', '-A'], {env: envFor(server)})
      expect(pass.exitCode, pass.stderr).to.equal(0)
      const stored = server.object('v1', 'ConfigMap', 'default', 'gitops-redirect') as Obj
      expect(annotationsOf(stored)['kubectl-maintenance.io/phase']).to.equal('Active')
      expect(annotationsOf(stored)['kubectl-maintenance.io/phase-message']).to.equal('service/pass-web in maintenance until ended; skipped: httproute/tls-redirect (kept: redirect)')
      expect(routingState(read(redirect))).to.deep.equal(before)
      const ended = await runCommand(['end', 'gitops-redirect', '-n', 'default'], {env: envFor(server, new Date().toISOString())})
      expect(ended.exitCode, ended.stderr).to.equal(0)
      expect(backendsIn('default')).to.deep.equal([])
      expect((read(companion).spec as Record<string, unknown>).selector).to.deep.equal({app: 'pass-web'})
      await deleteConfigMap(server, 'default', 'gitops-redirect')
    })
  })

  describe('schedule decides the same when the window is planned', () => {
    it('exits 2 and writes nothing for a webhook Service; with --force the window records it', async () => {
      server.clearLog()
      const refused = await run(['schedule', 'service/cert-manager-webhook', '-n', 'cert-manager', '--start', '+1h', '--duration', '1h'])
      expect(refused.exitCode).to.equal(2)
      expect(refused.stderr).to.include('admission webhook (mutatingwebhookconfiguration/cert-manager-webhook)')
      expect(refused.stderr).to.include('(refused: webhook)')
      expect(server.writes()).to.deep.equal([])
      const forced = await run(['schedule', 'service/cert-manager-webhook', '-n', 'cert-manager', '--start', '+1h', '--duration', '1h', '--force', '--name', 'forced'])
      expect(forced.exitCode, forced.stderr).to.equal(0)
      expect(annotationsOf(server.object('v1', 'ConfigMap', 'cert-manager', 'forced') as Obj)['kubectl-maintenance.io/force']).to.equal('true')
      await deleteConfigMap(server, 'cert-manager', 'forced')
    })

    it('exits 2 for a window where nothing would change, saying what to do instead', async () => {
      const result = await run(['schedule', 'service/my-service', '-n', 'prod', '--start', '+1h', '--duration', '1h'])
      expect(result.exitCode).to.equal(2)
      expect(result.stderr).to.include('service/my-service is ExternalName (an alias of my.database.example.com)')
      expect(result.stderr).to.include('put the Ingress, IngressRoute or HTTPRoute in front of it into maintenance instead (kept: externalname)')
    })
  })
})
