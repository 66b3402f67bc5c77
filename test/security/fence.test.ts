import {KubeConfig} from '@kubernetes/client-node'
import {expect} from 'chai'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {KubeClient} from '../../src/kube/client.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {type PassReport, reconcile} from '../../src/kube/reconcile.js'
import {Resources} from '../../src/kube/resources.js'
import {renderBackend} from '../../src/render/backend.js'
import {defaultPage, renderPage} from '../../src/render/page.js'
import {buildViewModel} from '../../src/render/view-model.js'
import {runCommand} from '../support/run-command.js'
import {ATTACKER, type PassOutcome, VICTIM, cpuMsSince, expectVictimServedOnTime, useTenancy} from './support.js'

const INSTALL_NS = 'kubectl-maintenance'
const SERVICE_ACCOUNT = `system:serviceaccount:${INSTALL_NS}:kubectl-maintenance`
const POLICY = "ValidatingAdmissionPolicy 'kubectl-maintenance-fence' with binding 'kubectl-maintenance-fence' denied request: "

type Manifest = Record<string, unknown> & {metadata: {name: string; namespace: string}; spec: {template?: {spec: Record<string, unknown> & {containers: Array<Record<string, unknown>>}}} & Record<string, unknown>}

/** A backend exactly as the engine renders it, for `namespace`; the attacks below change one thing each. */
function backend(namespace: string): {deployment: Manifest; service: Manifest} {
  const view = buildViewModel({namespace, start: Date.UTC(2026, 0, 1), targets: ['ingress/shop'], timezone: 'UTC', window: 'w'})
  const manifests = renderBackend({namespace, page: renderPage(defaultPage(), view)})
  return {deployment: structuredClone(manifests.deployment) as Manifest, service: structuredClone(manifests.service) as Manifest}
}

function clientFor(kubeconfig: string): KubeClient {
  const loaded = readConfig(KubeConfig, {kubeconfig, namespace: VICTIM})
  return new KubeClient(loaded.config, loaded.namespace, loaded.contextName, {attempts: 1, baseDelayMs: 1, sleep: async () => {}})
}

async function refusal(write: Promise<unknown>): Promise<{status?: number; message: string}> {
  try {
    await write
  } catch (error) {
    return {message: (error as Error).message, status: (error as {status?: number}).status}
  }
  return {message: 'the write was admitted'}
}

describe('security: the fence around the CronJob ServiceAccount (ValidatingAdmissionPolicy)', function () {
  this.timeout(60_000)
  const tenancy = useTenancy()
  let scratch: string
  let engine: KubeClient

  beforeEach(async () => {
    tenancy().server.seed({apiVersion: 'v1', kind: 'Namespace', metadata: {name: INSTALL_NS}})
    scratch = mkdtempSync(path.join(tmpdir(), 'km-fence-'))
    writeFileSync(path.join(scratch, 'kubectl-maintenance.mjs'), 'console.log("bundle")\n')
    const installed = await runCommand(['install'], {env: {KUBECONFIG: tenancy().server.kubeconfigPath, KUBECTL_MAINTENANCE_BUNDLE: path.join(scratch, 'kubectl-maintenance.mjs')}})
    expect(installed.exitCode, installed.stderr).to.equal(0)
    expect(installed.stdout).to.include('validatingadmissionpolicybinding.admissionregistration.k8s.io/kubectl-maintenance-fence created')
    // Requests authenticated as the CronJob's ServiceAccount, as the Job's pod makes them.
    engine = clientFor(tenancy().server.kubeconfigFor(SERVICE_ACCOUNT))
  })

  afterEach(async () => {
    rmSync(scratch, {force: true, recursive: true})
  })

  it("leaves the engine's own work alone: a pass as the ServiceAccount creates backends, switches an Ingress and a Service, and restores them on time", async () => {
    const changes: PassOutcome['changes'] = []
    const started = process.cpuUsage()
    let report: PassReport = {changes: [], errors: [], planned: [], waitingOn: []}
    let threw: Error | undefined
    try {
      report = await reconcile(engine, {clock: tenancy().clock, horizonMs: 25_000, onChange: (line) => changes.push({at: tenancy().clock.now(), line}), waitForTransitions: true})
    } catch (error) {
      threw = error as Error
    }
    expect(report.errors).to.deep.equal([])
    expect(changes.map((change) => change.line).join('\n')).to.include(`${VICTIM}/service/db switched`)
    expectVictimServedOnTime(tenancy(), {changes, cpuMs: cpuMsSince(started), report, threw})
  })

  const attacks: Array<{what: string; write: (client: KubeClient) => Promise<unknown>; why: string}> = [
    {
      what: 'a Deployment named like the platform team\'s (payments)',
      why: 'kubectl-maintenance may only create Deployments, Services and ConfigMaps named maintenance-* (and the ConfigMap kubectl-maintenance-schedule)',
      write: (client) => {
        const {deployment} = backend(ATTACKER)
        deployment.metadata.name = 'payments'
        return client.create(Resources.deployments, ATTACKER, deployment)
      },
    },
    {
      what: 'a Service not named maintenance-* (a second name)',
      why: 'kubectl-maintenance may only create Deployments, Services and ConfigMaps named maintenance-* (and the ConfigMap kubectl-maintenance-schedule)',
      write: (client) => {
        const {service} = backend(ATTACKER)
        service.metadata.name = 'payments-proxy'
        return client.create(Resources.services, ATTACKER, service)
      },
    },
    {
      what: 'a backend running another image',
      why: "kubectl-maintenance's Deployments may only run the backend image nginxinc/nginx-unprivileged:1.30-alpine",
      write: (client) => {
        const {deployment} = backend(ATTACKER)
        deployment.spec.template!.spec.containers[0].image = 'ghcr.io/mallory/socks-proxy:1'
        return client.create(Resources.deployments, ATTACKER, deployment)
      },
    },
    {
      what: 'a backend with an init container of another image',
      why: "kubectl-maintenance's Deployments may only run the backend image",
      write: (client) => {
        const {deployment} = backend(ATTACKER)
        deployment.spec.template!.spec.initContainers = [{image: 'busybox:1.36', name: 'steal', command: ['sh', '-c', 'true']}]
        return client.create(Resources.deployments, ATTACKER, deployment)
      },
    },
    {
      what: 'a backend that mounts a ServiceAccount token',
      why: "kubectl-maintenance's Deployments may not mount a ServiceAccount token",
      write: (client) => {
        const {deployment} = backend(ATTACKER)
        deployment.spec.template!.spec.automountServiceAccountToken = true
        return client.create(Resources.deployments, ATTACKER, deployment)
      },
    },
    {
      what: 'a backend that leaves automountServiceAccountToken unset (the default mounts it)',
      why: "kubectl-maintenance's Deployments may not mount a ServiceAccount token",
      write: (client) => {
        const {deployment} = backend(ATTACKER)
        delete deployment.spec.template!.spec.automountServiceAccountToken
        return client.create(Resources.deployments, ATTACKER, deployment)
      },
    },
    {
      what: 'a backend in kube-system',
      why: 'kubectl-maintenance may not write Deployments or Services, nor create ConfigMaps, in kube-system or its install namespace kubectl-maintenance',
      write: (client) => client.create(Resources.deployments, 'kube-system', backend('kube-system').deployment),
    },
    {
      what: 'a backend Service in the install namespace',
      why: 'kubectl-maintenance may not write Deployments or Services, nor create ConfigMaps, in kube-system or its install namespace kubectl-maintenance',
      write: (client) => client.create(Resources.services, INSTALL_NS, backend(INSTALL_NS).service),
    },
    {
      what: 'a ConfigMap named like a tenant\'s (a window it could forge)',
      why: 'kubectl-maintenance may only create Deployments, Services and ConfigMaps named maintenance-* (and the ConfigMap kubectl-maintenance-schedule)',
      write: (client) => client.create(Resources.configMaps, ATTACKER, {apiVersion: 'v1', data: {message: 'x'}, kind: 'ConfigMap', metadata: {name: 'app-settings', namespace: ATTACKER}}),
    },
    {
      what: 'a Service target turned into an ExternalName (a proxy to anywhere)',
      why: 'kubectl-maintenance may switch a Service only by its selector and ports, never its type or externalName',
      write: (client) => client.patch(Resources.services, ATTACKER, 'db', 'merge', {spec: {clusterIP: null, clusterIPs: null, externalName: 'evil.example', ports: null, selector: null, type: 'ExternalName'}}),
    },
  ]

  for (const attack of attacks) {
    it(`denies a subverted pass ${attack.what}, with the policy's message (403), and writes nothing`, async () => {
      tenancy().server.clearLog()
      const denied = await refusal(attack.write(engine))
      expect(denied.status, denied.message).to.equal(403)
      expect(denied.message).to.include(POLICY + attack.why)
      expect(tenancy().server.writes().filter((write) => write.status < 300)).to.deep.equal([])
    })
  }

  it('fences only the ServiceAccount: the same write by a cluster admin is admitted', async () => {
    const admin = clientFor(tenancy().server.kubeconfigPath)
    const {deployment} = backend(ATTACKER)
    deployment.metadata.name = 'payments'
    await admin.create(Resources.deployments, ATTACKER, deployment)
    expect(tenancy().object('apps/v1', 'Deployment', ATTACKER, 'payments')).to.not.equal(undefined)
  })

  it('uninstall removes the policy and its binding', async () => {
    const result = await runCommand(['uninstall', '--yes'], {env: {KUBECONFIG: tenancy().server.kubeconfigPath}})
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(tenancy().server.objects('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy')).to.deep.equal([])
    expect(tenancy().server.objects('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicyBinding')).to.deep.equal([])
  })
})

describe('security: install on a cluster without ValidatingAdmissionPolicy', () => {
  const tenancy = useTenancy()

  it('says so and installs the rest', async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'km-fence-'))
    try {
      tenancy().server.setAdmissionPolicies(false)
      writeFileSync(path.join(scratch, 'kubectl-maintenance.mjs'), 'console.log("bundle")\n')
      const result = await runCommand(['install'], {env: {KUBECONFIG: tenancy().server.kubeconfigPath, KUBECTL_MAINTENANCE_BUNDLE: path.join(scratch, 'kubectl-maintenance.mjs')}})
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.stderr).to.include('this cluster does not serve ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, Kubernetes 1.30+)')
      expect(result.stdout).to.include('cronjob.batch/kubectl-maintenance created')
      expect(result.stdout).to.not.include('validatingadmissionpolicy')
      const uninstalled = await runCommand(['uninstall', '--yes'], {env: {KUBECONFIG: tenancy().server.kubeconfigPath}})
      expect(uninstalled.exitCode, uninstalled.stderr).to.equal(0)
    } finally {
      rmSync(scratch, {force: true, recursive: true})
    }
  })
})
