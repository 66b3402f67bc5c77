import {expect} from 'chai'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {bundleRef} from '../../src/install/manifests.js'
import {gzipBundle} from '../../src/install/bundle-source.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'
import {runCommand} from '../support/run-command.js'

type Stored = {metadata: {resourceVersion: string; labels?: Record<string, string>}; spec?: Record<string, unknown>}

const NS = 'kubectl-maintenance'
const BUNDLE_TEXT = 'console.log("bundle")\n'
/** The bundle ConfigMap is named by the sha256 of its gzipped content. */
const BUNDLE = bundleRef(gzipBundle(Buffer.from(BUNDLE_TEXT)))
const CREATED = [
  'namespace/kubectl-maintenance created',
  'configmap/kubectl-maintenance-config created',
  'serviceaccount/kubectl-maintenance created',
  'clusterrole.rbac.authorization.k8s.io/kubectl-maintenance created',
  'clusterrolebinding.rbac.authorization.k8s.io/kubectl-maintenance created',
  'validatingadmissionpolicy.admissionregistration.k8s.io/kubectl-maintenance-fence created',
  'validatingadmissionpolicybinding.admissionregistration.k8s.io/kubectl-maintenance-fence created',
  `configmap/${BUNDLE.configMapName} created`,
  'cronjob.batch/kubectl-maintenance created',
]
const OBJECTS: Array<[string, string, string | undefined, string]> = [
  ['v1', 'Namespace', undefined, NS],
  ['v1', 'ConfigMap', NS, 'kubectl-maintenance-config'],
  ['v1', 'ServiceAccount', NS, 'kubectl-maintenance'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole', undefined, 'kubectl-maintenance'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', undefined, 'kubectl-maintenance'],
  ['admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', undefined, 'kubectl-maintenance-fence'],
  ['admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicyBinding', undefined, 'kubectl-maintenance-fence'],
  ['v1', 'ConfigMap', NS, BUNDLE.configMapName],
  ['batch/v1', 'CronJob', NS, 'kubectl-maintenance'],
]

/** A re-run happens later than the first run; waiting for the next second makes sure no timestamp is the same by luck. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5))

describe('install', () => {
  let server: ApiServer
  let scratch: string
  let env: Record<string, string>

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'km-install-'))
    writeFileSync(path.join(scratch, 'kubectl-maintenance.mjs'), BUNDLE_TEXT)
  })

  after(() => rmSync(scratch, {force: true, recursive: true}))

  beforeEach(async () => {
    server = await startApiServer({namespaces: ['default', 'shop', 'web']})
    env = {KUBECONFIG: server.kubeconfigPath, KUBECTL_MAINTENANCE_BUNDLE: path.join(scratch, 'kubectl-maintenance.mjs')}
  })

  afterEach(async () => server.close())

  const install = (...argv: string[]) => runCommand(['install', ...argv], {env})
  const versions = () => OBJECTS.map(([apiVersion, kind, namespace, name]) => (server.object(apiVersion, kind, namespace, name) as Stored | undefined)?.metadata.resourceVersion)

  it('creates everything with server-side apply, and a re-run changes nothing', async () => {
    const first = await install()
    expect(first).to.deep.equal({exitCode: 0, stderr: '', stdout: CREATED.join('\n') + '\n'})
    const applies = server.writes()
    expect(applies.map((write) => `${write.method} ${write.contentType} ${write.query.fieldManager} ${write.query.force}`)).to.deep.equal(
      Array.from({length: 9}, () => 'PATCH application/apply-patch+yaml kubectl-maintenance true'),
    )
    const before = versions()
    expect(before).to.not.include(undefined)

    await nextSecond()
    server.clearLog()
    const second = await install()
    expect(second.stdout).to.equal(CREATED.map((line) => line.replace(/created$/, 'unchanged')).join('\n') + '\n')
    expect(second.exitCode).to.equal(0)
    expect(versions()).to.deep.equal(before)
  })

  it('upgrades in place: a new schedule configures the CronJob and leaves the rest unchanged', async () => {
    await install()
    await nextSecond()
    const result = await install('--schedule', '*/5 * * * *')
    expect(result.stdout.trim().split('\n')).to.deep.equal([...CREATED.slice(0, -1).map((line) => line.replace(/created$/, 'unchanged')), 'cronjob.batch/kubectl-maintenance configured'])
    expect((server.object('batch/v1', 'CronJob', NS, 'kubectl-maintenance') as Stored).spec?.schedule).to.equal('*/5 * * * *')
  })

  it('checks permissions first: with one missing it lists it, exits 1 and writes nothing', async () => {
    server.faults.deny('create', 'clusterroles')
    server.faults.deny('patch', 'cronjobs', NS)
    const result = await install()
    expect(result.exitCode).to.equal(1)
    expect(result.stdout).to.equal('')
    expect(result.stderr).to.match(/^error: you lack permissions install needs; nothing was written\n(error: missing permission: .*\n)+$/)
    expect(result.stderr).to.include('create clusterroles.rbac.authorization.k8s.io/kubectl-maintenance: clusterrole.rbac.authorization.k8s.io/kubectl-maintenance')
    expect(result.stderr).to.include('patch cronjobs.batch/kubectl-maintenance in namespace kubectl-maintenance: cronjob.batch/kubectl-maintenance')
    expect(server.writes()).to.deep.equal([])
  })

  it('lists the permissions it would grant the CronJob but the caller lacks, unless the caller may escalate', async () => {
    server.faults.deny('delete', 'deployments')
    server.faults.deny('escalate', 'clusterroles')
    const result = await install()
    expect(result.exitCode).to.equal(1)
    expect(result.stderr).to.include('delete deployments.apps (cluster-wide): to grant it to the CronJob through clusterrole.rbac.authorization.k8s.io/kubectl-maintenance')
    expect(server.writes()).to.deep.equal([])

    server.faults.clear()
    server.faults.deny('delete', 'deployments')
    expect((await install()).exitCode).to.equal(0)
  })

  it('the namespaced variant writes a Role and a RoleBinding per namespace and a CronJob each', async () => {
    const result = await install('--namespaces', 'shop,web')
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(result.stdout).to.include('role.rbac.authorization.k8s.io/kubectl-maintenance created')
    expect(server.objects('rbac.authorization.k8s.io/v1', 'Role').map((role) => (role as {metadata: {namespace: string}}).metadata.namespace).sort()).to.deep.equal([NS, 'shop', 'web'])
    expect(server.objects('rbac.authorization.k8s.io/v1', 'ClusterRole')).to.deep.equal([])
    expect(server.objects('batch/v1', 'CronJob', NS).map((cronJob) => (cronJob as {metadata: {name: string}}).metadata.name)).to.deep.equal([
      'kubectl-maintenance-shop',
      'kubectl-maintenance-web',
    ])
  })

  describe('switching variants prunes what the earlier install made and this one no longer has', () => {
    const RBAC = 'rbac.authorization.k8s.io/v1'
    const names = (apiVersion: string, kind: string, namespace?: string) =>
      server.objects(apiVersion, kind, namespace).map((object) => {
        const {name, namespace: where} = (object as {metadata: {name: string; namespace?: string}}).metadata
        return where ? `${where}/${name}` : name
      }).sort()

    it('cluster-wide -> --namespaces: the ClusterRole, its binding and the -A CronJob go', async () => {
      await install()
      const result = await install('--namespaces', 'shop,web')
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.stdout.trim().split('\n').slice(-3)).to.deep.equal([
        'cronjob.batch/kubectl-maintenance pruned',
        'clusterrolebinding.rbac.authorization.k8s.io/kubectl-maintenance pruned',
        'clusterrole.rbac.authorization.k8s.io/kubectl-maintenance pruned',
      ])
      expect(names(RBAC, 'ClusterRole')).to.deep.equal([])
      expect(names(RBAC, 'ClusterRoleBinding')).to.deep.equal([])
      expect(names('batch/v1', 'CronJob')).to.deep.equal([`${NS}/kubectl-maintenance-shop`, `${NS}/kubectl-maintenance-web`])
    })

    it('a namespace dropped from --namespaces loses its CronJob, Role and RoleBinding; the others are unchanged', async () => {
      await install('--namespaces', 'shop,web')
      await nextSecond()
      const result = await install('--namespaces', 'shop')
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.stdout).to.not.match(/ (created|configured)$/m)
      expect(result.stdout.trim().split('\n').filter((line) => line.endsWith(' pruned'))).to.deep.equal([
        'cronjob.batch/kubectl-maintenance-web pruned',
        'rolebinding.rbac.authorization.k8s.io/kubectl-maintenance pruned',
        'role.rbac.authorization.k8s.io/kubectl-maintenance pruned',
      ])
      expect(names(RBAC, 'Role')).to.deep.equal([`${NS}/kubectl-maintenance`, 'shop/kubectl-maintenance'])
      expect(names(RBAC, 'RoleBinding')).to.deep.equal([`${NS}/kubectl-maintenance`, 'shop/kubectl-maintenance'])
    })

    it('--namespaces -> cluster-wide: every Role, RoleBinding and per-namespace CronJob goes, the page reader included', async () => {
      await install('--namespaces', 'shop')
      const result = await install()
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(names(RBAC, 'Role')).to.deep.equal([])
      expect(names(RBAC, 'RoleBinding')).to.deep.equal([])
      expect(names('batch/v1', 'CronJob')).to.deep.equal([`${NS}/kubectl-maintenance`])
      expect(names(RBAC, 'ClusterRole')).to.deep.equal(['kubectl-maintenance'])
    })

    it('--image drops the bundle ConfigMap the CronJob no longer mounts', async () => {
      await install()
      const result = await install('--image', 'ghcr.io/acme/kubectl-maintenance:0.1.0')
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.stdout.trim().split('\n').at(-1)).to.equal(`configmap/${BUNDLE.configMapName} pruned`)
      expect(server.object('v1', 'ConfigMap', NS, BUNDLE.configMapName)).to.equal(undefined)
    })

    it('a new bundle is a new immutable ConfigMap: the CronJob switches to it with its sha256, the old one is pruned', async () => {
      await install()
      const newer = path.join(scratch, 'newer.mjs')
      writeFileSync(newer, 'console.log("bundle 2")\n')
      const next = bundleRef(gzipBundle(Buffer.from('console.log("bundle 2")\n')))
      const result = await runCommand(['install'], {env: {...env, KUBECTL_MAINTENANCE_BUNDLE: newer}})
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.stdout).to.include(`configmap/${next.configMapName} created`)
      expect(result.stdout.trim().split('\n').at(-1)).to.equal(`configmap/${BUNDLE.configMapName} pruned`)
      const stored = server.object('v1', 'ConfigMap', NS, next.configMapName) as {immutable?: boolean}
      expect(stored.immutable).to.equal(true)
      const cronJob = server.object('batch/v1', 'CronJob', NS, 'kubectl-maintenance') as {spec: {jobTemplate: {spec: {template: {spec: {volumes: Array<{configMap?: {name: string}}>; containers: Array<{env: Array<{name: string; value: string}>}>}}}}}}
      const pod = cronJob.spec.jobTemplate.spec.template.spec
      expect(pod.volumes.find((volume) => volume.configMap)?.configMap?.name).to.equal(next.configMapName)
      expect(pod.containers[0].env.find((e) => e.name === 'KUBECTL_MAINTENANCE_BUNDLE_SHA256')?.value).to.equal(next.sha256)
      // Immutable: the API server refuses to change what the CronJob runs in place.
      const client = (await import('../reliability/support.js')).clientFor(server.kubeconfigPath, {attempts: 1})
      const {Resources} = await import('../../src/kube/resources.js')
      const tampered = await client.patch(Resources.configMaps, NS, next.configMapName, 'merge', {binaryData: {'kubectl-maintenance.mjs.gz': Buffer.from('evil').toString('base64')}}).then(() => 'written', (error: Error) => error.message)
      expect(tampered).to.match(/immutable|Invalid/i)
    })

    it('leaves the cluster-wide grant alone once it binds another install', async () => {
      await install()
      await install('--namespace', 'other-install')
      const result = await install('--namespaces', 'shop')
      expect(result.exitCode, result.stderr).to.equal(0)
      expect(result.stdout.trim().split('\n').filter((line) => line.endsWith(' pruned'))).to.deep.equal(['cronjob.batch/kubectl-maintenance pruned'])
      expect(names(RBAC, 'ClusterRole')).to.deep.equal(['kubectl-maintenance'])
      const binding = server.object(RBAC, 'ClusterRoleBinding', undefined, 'kubectl-maintenance') as {subjects: Array<{namespace: string}>}
      expect(binding.subjects.map((subject) => subject.namespace)).to.deep.equal(['other-install'])
    })

    it('checks the permission to delete what it would prune, and prunes nothing without it', async () => {
      await install()
      server.faults.deny('delete', 'clusterroles')
      server.clearLog()
      const result = await install('--namespaces', 'shop')
      expect(result.exitCode).to.equal(1)
      expect(result.stderr).to.include('delete clusterroles.rbac.authorization.k8s.io/kubectl-maintenance: to prune clusterrole.rbac.authorization.k8s.io/kubectl-maintenance, which this install no longer has')
      expect(server.writes()).to.deep.equal([])
    })
  })

  it('installs into an existing namespace it did not create without taking it over', async () => {
    const result = await install('--namespace', 'shop')
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(result.stdout.split('\n')[0]).to.equal('namespace/shop skipped (exists and is not managed by kubectl-maintenance; left as it is)')
    expect((server.object('v1', 'Namespace', undefined, 'shop') as Stored).metadata.labels ?? {}).to.not.have.property('app.kubernetes.io/managed-by')
    const cronJob = server.object('batch/v1', 'CronJob', 'shop', 'kubectl-maintenance') as {spec: {jobTemplate: {spec: {template: {spec: {containers: Array<{env: unknown[]}>}}}}}}
    expect(cronJob.spec.jobTemplate.spec.template.spec.containers[0].env).to.deep.include({name: 'KUBECTL_MAINTENANCE_NAMESPACE', value: 'shop'})
  })

  it('--dry-run talks to no cluster', async () => {
    const result = await runCommand(['install', '--dry-run'], {env: {...env, KUBECONFIG: path.join(scratch, 'none')}})
    expect(result.exitCode).to.equal(0)
    expect(server.requests).to.deep.equal([])
  })
})
