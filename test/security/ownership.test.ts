import {expect} from 'chai'

import {reconcile} from '../../src/kube/reconcile.js'
import {runCommand} from '../support/run-command.js'
import {PREFIX} from '../reliability/support.js'
import {ATTACKER, START_AFTER_MS, WINDOW_MS, expectVictimServedOnTime, expectWarning, windowIn, useTenancy} from './support.js'

const MANAGED = {'app.kubernetes.io/managed-by': 'kubectl-maintenance'}

/** The platform team's workload in the attacker's namespace: the tenant may write ConfigMaps, not Deployments. */
function platformWorkload(name: string): object[] {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {labels: {app: name}, name, namespace: ATTACKER},
      spec: {
        replicas: 1,
        selector: {matchLabels: {app: name}},
        template: {metadata: {labels: {app: name}}, spec: {containers: [{image: 'registry.example.com/payments:4.2', name: 'app'}]}},
      },
    },
    {apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: ATTACKER}, spec: {ports: [{port: 80, targetPort: 8080}], selector: {app: name}}},
  ]
}

function configMap(name: string, labels: Record<string, string>, data: Record<string, string>): object {
  return {apiVersion: 'v1', data, kind: 'ConfigMap', metadata: {labels, name, namespace: ATTACKER}}
}

const HOSTILE_CONF = 'events {}\nhttp { server { listen 8080; location / { proxy_pass http://payments.shop.svc.cluster.local; } } }\n'

describe('security: the engine owns only what it made', function () {
  this.timeout(60_000)
  const tenancy = useTenancy()

  describe('a ConfigMap labelled role=backend under the name of the platform team\'s workload (confused deputy)', () => {
    const inputs: Array<[string, string, Record<string, string>, RegExp]> = [
      ['named like the Deployment "payments"', 'payments', {[`${PREFIX}role`]: 'backend'}, /ConfigMap payments is labelled .*role=backend but its name is not maintenance-<10 lowercase hex>/],
      [
        'named maintenance-<10 hex> with every label, but content that does not match its hash',
        'maintenance-0123456789',
        {...MANAGED, [`${PREFIX}hash`]: '0123456789', [`${PREFIX}role`]: 'backend'},
        /ConfigMap maintenance-0123456789 looks like a backend but was not made by kubectl-maintenance \(its content does not match the hash in its name\)/,
      ],
    ]
    for (const [what, name, labels, why] of inputs) {
      it(`deletes nothing it did not make (${what})`, async () => {
        tenancy().server.seed(...platformWorkload(name), configMap(name, labels, {'nginx.conf': HOSTILE_CONF}))
        const before = tenancy().inventory(ATTACKER)
        const outcome = await tenancy().pass()
        expectVictimServedOnTime(tenancy(), outcome)
        expect(tenancy().inventory(ATTACKER), 'every object of the attacker namespace, with its uid').to.deep.equal(before)
        expect(tenancy().server.writes().filter((w) => w.method === 'DELETE' && w.path.includes(`/namespaces/${ATTACKER}/`))).to.deep.equal([])
        expectWarning(tenancy(), why)
      })
    }
  })

  it('uninstall follows the same rules: it deletes no lookalike and nothing of the platform team', async () => {
    tenancy().server.seed(
      ...platformWorkload('payments'),
      configMap('payments', {[`${PREFIX}role`]: 'backend'}, {'nginx.conf': HOSTILE_CONF}),
      ...platformWorkload('maintenance-0123456789'),
      configMap('maintenance-0123456789', {...MANAGED, [`${PREFIX}hash`]: '0123456789', [`${PREFIX}role`]: 'backend'}, {'nginx.conf': HOSTILE_CONF}),
    )
    const before = tenancy().inventory(ATTACKER)
    const result = await runCommand(['uninstall', '--keep-windows', '--yes'], {env: {KUBECONFIG: tenancy().server.kubeconfigPath}})
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(tenancy().inventory(ATTACKER)).to.deep.equal(before)
    expectWarning(tenancy(), /ConfigMap payments is labelled .*role=backend but its name is not maintenance-<10 lowercase hex>/)
  })

  describe('a ConfigMap planted under the name the engine will use (maintenance-<hash>, from reconcile --dry-run)', () => {
    /** The attacker's own window over the same time as the victim's, and the backend name a dry run shows for it. */
    async function attackerWindowBackend(): Promise<string> {
      const start = tenancy().t0 + START_AFTER_MS
      tenancy().server.seed(windowIn(ATTACKER, 'sale', ['ingress/shop'], start, start + WINDOW_MS, 'Back soon'))
      tenancy().clock.current = start
      const dry = await reconcile(tenancy().client(), {clock: tenancy().clock, dryRun: true, horizonMs: 0, namespace: ATTACKER, waitForTransitions: true})
      tenancy().clock.current = tenancy().t0
      const create = dry.planned.find((action) => action.type === 'createBackend')
      if (create?.type !== 'createBackend') throw new Error('the dry run planned no backend')
      return create.manifests.name
    }

    const switchesOfAttacker = () => tenancy().server.writes().filter((w) => w.method === 'PATCH' && w.path.endsWith(`/namespaces/${ATTACKER}/ingresses/shop`))

    it('replaces a planted ConfigMap carrying every label, and serves only its own', async () => {
      const name = await attackerWindowBackend()
      const hash = name.slice('maintenance-'.length)
      tenancy().server.seed(
        configMap(name, {...MANAGED, [`${PREFIX}hash`]: hash, [`${PREFIX}role`]: 'backend'}, {
          'nginx.conf': HOSTILE_CONF,
          'page.html': '<p>hi</p>',
          'page.json': '{}',
          'page.xml': '<p/>',
        }),
      )
      const planted = tenancy().object('v1', 'ConfigMap', ATTACKER, name)!
      tenancy().server.clearLog()
      const outcome = await tenancy().pass()
      expectVictimServedOnTime(tenancy(), outcome)
      const writes = tenancy().server.writes()
      const removed = writes.findIndex((w) => w.method === 'DELETE' && w.path.endsWith(`/namespaces/${ATTACKER}/configmaps/${name}`) && w.status === 200)
      const created = writes.findIndex((w) => w.method === 'POST' && w.path.endsWith(`/namespaces/${ATTACKER}/configmaps`) && (w.body as {metadata?: {name?: string}}).metadata?.name === name)
      const firstSwitch = writes.findIndex((w) => w.method === 'PATCH' && w.path.endsWith(`/namespaces/${ATTACKER}/ingresses/shop`))
      expect(removed, 'the planted ConfigMap is deleted').to.be.at.least(0)
      expect((writes[removed].body as {preconditions?: {uid?: string}}).preconditions?.uid, 'with a uid precondition').to.equal((planted.metadata as {uid?: string}).uid)
      expect(created, 'and made anew').to.be.above(removed)
      expect(firstSwitch, 'the attacker\'s target is switched only after').to.be.above(created)
      const served = writes[created].body as {data?: Record<string, string>}
      expect(served.data?.['nginx.conf']).to.not.include('proxy_pass')
      expectWarning(tenancy(), new RegExp(`ConfigMap ${name} is not the backend kubectl-maintenance renders .*: it is replaced and never served`))
    })

    it('never serves nor mounts a planted ConfigMap without the labels, and leaves it alone', async () => {
      const name = await attackerWindowBackend()
      tenancy().server.seed(configMap(name, {}, {'nginx.conf': HOSTILE_CONF}))
      const planted = tenancy().object('v1', 'ConfigMap', ATTACKER, name)!
      tenancy().server.clearLog()
      const outcome = await tenancy().pass()
      expectVictimServedOnTime(tenancy(), outcome)
      expect(switchesOfAttacker(), 'the attacker\'s target is never switched to it').to.deep.equal([])
      expect(tenancy().object('apps/v1', 'Deployment', ATTACKER, name), 'no pod mounts it').to.equal(undefined)
      expect((tenancy().object('v1', 'ConfigMap', ATTACKER, name)!.metadata as {uid?: string}).uid).to.equal((planted.metadata as {uid?: string}).uid)
      expect(tenancy().phase(ATTACKER, 'sale'), 'the window that needed it fails').to.equal('Failed')
      expect(tenancy().object('v1', 'ConfigMap', ATTACKER, 'sale')!.metadata.annotations?.[`${PREFIX}phase-message`]).to.include(name)
      expectWarning(tenancy(), new RegExp(`ConfigMap ${name} exists but is not the backend kubectl-maintenance renders \\(it lacks the label app.kubernetes.io/managed-by`))
    })
  })
})
