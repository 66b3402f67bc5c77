import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {gunzipSync} from 'node:zlib'
import {parseAllDocuments} from 'yaml'

import {gzipBundle} from '../../src/install/bundle-source.js'
import {manifestFiles} from '../../src/install/files.js'
import {startApiServer} from '../support/apiserver.js'
import {PROJECT_ROOT, runCommand} from '../support/run-command.js'
import {restrictedViolations} from './restricted-pss.js'
import {run} from '../support/process.js'

type Obj = {apiVersion: string; kind: string; metadata: {name: string; namespace?: string; labels?: Record<string, string>}; [key: string]: unknown}

const FAKE_BUNDLE = 'console.log("the bundle")\n'


function documents(yamlText: string): Obj[] {
  return parseAllDocuments(yamlText).map((document) => document.toJS() as Obj)
}

function podSpecs(objects: Obj[]): Record<string, unknown>[] {
  return objects
    .filter((object) => object.kind === 'CronJob')
    .map((cronJob) => (cronJob as unknown as {spec: {jobTemplate: {spec: {template: {spec: Record<string, unknown>}}}}}).spec.jobTemplate.spec.template.spec)
}

function committed(directory: string): string {
  return ['namespace.yaml', 'rbac.yaml', 'cronjob.yaml'].map((file) => readFileSync(path.join(PROJECT_ROOT, directory, file), 'utf8')).join('---\n')
}

const FAKE_SHA256 = createHash('sha256').update(gzipBundle(Buffer.from(FAKE_BUNDLE))).digest('hex')
const FAKE_BUNDLE_NAME = `kubectl-maintenance-bundle-${FAKE_SHA256.slice(0, 10)}`

/**
 * The YAML documents of `install` output except the bundle ConfigMap, re-joined as printed, with the one thing the
 * committed files cannot know, the bundle's digest (in the ConfigMap's name and the CronJob's variable), put back
 * to the placeholders kustomize replaces.
 */
function withoutBundle(output: string): string {
  return output
    .split(/^---\n/m)
    .filter((document) => !/^kind: ConfigMap$/m.test(document) || !/name: kubectl-maintenance-bundle-[0-9a-f]{10}$/m.test(document))
    .join('---\n')
    .replaceAll(`value: ${FAKE_SHA256}`, 'value: set-by-kustomize-from-cronjob-bundle')
    .replaceAll(`name: ${FAKE_BUNDLE_NAME}`, 'name: kubectl-maintenance-bundle')
}

describe('install manifests', () => {
  let bundleFile: string
  let env: Record<string, string>
  let scratch: string

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'km-manifests-'))
    bundleFile = path.join(scratch, 'kubectl-maintenance.mjs')
    writeFileSync(bundleFile, FAKE_BUNDLE)
    env = {KUBECONFIG: path.join(scratch, 'no-such-kubeconfig'), KUBECTL_MAINTENANCE_BUNDLE: bundleFile}
  })

  after(() => rmSync(scratch, {force: true, recursive: true}))

  const dryRun = (...argv: string[]) => runCommand(['install', '--dry-run', ...argv], {env})

  it('cronjob/ holds exactly what src/install renders (run `npm run manifests` after changing it)', () => {
    for (const [file, text] of Object.entries(manifestFiles())) {
      expect(readFileSync(path.join(PROJECT_ROOT, file), 'utf8'), file).to.equal(text)
    }
  })

  it('install --dry-run -o yaml prints the committed cronjob/ files, plus the bundle ConfigMap, without a cluster', async () => {
    const result = await dryRun('-o', 'yaml')
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(withoutBundle(result.stdout)).to.equal(committed('cronjob'))
    const bundle = documents(result.stdout).find((object) => object.metadata.name === FAKE_BUNDLE_NAME) as Obj & {binaryData: Record<string, string>; immutable?: boolean}
    expect(gunzipSync(Buffer.from(bundle.binaryData['kubectl-maintenance.mjs.gz'], 'base64')).toString()).to.equal(FAKE_BUNDLE)
    expect(bundle.immutable, 'the bundle ConfigMap is immutable').to.equal(true)
    // The CronJob mounts exactly that ConfigMap and checks the sha256 of its content, fixed here at install.
    const [pod] = podSpecs(documents(result.stdout)) as Array<{volumes: Array<{configMap?: {name: string}}>; containers: Array<{env: Array<{name: string; value: string}>}>}>
    expect(pod.volumes.find((volume) => volume.configMap)?.configMap?.name).to.equal(FAKE_BUNDLE_NAME)
    expect(pod.containers[0].env.find((e) => e.name === 'KUBECTL_MAINTENANCE_BUNDLE_SHA256')?.value).to.equal(FAKE_SHA256)
    expect(bundle.metadata.labels).to.deep.equal({'app.kubernetes.io/managed-by': 'kubectl-maintenance', 'app.kubernetes.io/name': 'kubectl-maintenance'})
  })

  it('install --namespaces default --dry-run prints the committed cronjob/namespaced/ files', async () => {
    const result = await dryRun('--namespaces', 'default')
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(withoutBundle(result.stdout)).to.equal(committed('cronjob/namespaced'))
  })

  it('kustomize builds cronjob/ into the same objects as install --dry-run', async function () {
    const copy = path.join(scratch, 'cronjob')
    cpSync(path.join(PROJECT_ROOT, 'cronjob'), copy, {recursive: true})
    writeFileSync(path.join(copy, 'bundle', 'kubectl-maintenance.mjs.gz'), gzipBundle(Buffer.from(FAKE_BUNDLE)))
    writeFileSync(path.join(copy, 'bundle', 'kubectl-maintenance.mjs.gz.sha256'), FAKE_SHA256)
    for (const [variant, argv] of [['', []], ['namespaced', ['--namespaces', 'default']]] as const) {
      // kustomize names the bundle by its own content hash, install by the sha256: the same role, another suffix.
      const kustomizeName = /kubectl-maintenance-bundle-[a-z0-9]{10}/g
      const built = execFileSync('kubectl', ['kustomize', path.join(copy, variant)], {encoding: 'utf8'}).replaceAll(kustomizeName, FAKE_BUNDLE_NAME)
      const rendered = documents((await dryRun(...argv)).stdout)
      const key = (object: Obj) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`
      const sorted = (objects: Obj[]) => [...objects].sort((a, b) => key(a).localeCompare(key(b)))
      expect(sorted(documents(built)), variant || 'cronjob/').to.deep.equal(sorted(rendered))
    }
  })

  it('is valid input for kubectl apply --server-side -f - (client-side apply cannot carry the bundle: its annotation would exceed 256 KiB)', async () => {
    const {stdout} = await dryRun()
    const server = await startApiServer({namespaces: ['default', 'kubectl-maintenance']})
    try {
      const kubectl = await run('kubectl', ['apply', '--server-side', '--dry-run=server', '--kubeconfig', server.kubeconfigPath, '-f', '-'], {input: stdout})
      expect(kubectl.stderr).to.equal('')
      expect(kubectl.stdout.trim().split('\n')).to.deep.equal([
        'namespace/kubectl-maintenance serverside-applied (server dry run)',
        'configmap/kubectl-maintenance-config serverside-applied (server dry run)',
        'serviceaccount/kubectl-maintenance serverside-applied (server dry run)',
        'clusterrole.rbac.authorization.k8s.io/kubectl-maintenance serverside-applied (server dry run)',
        'clusterrolebinding.rbac.authorization.k8s.io/kubectl-maintenance serverside-applied (server dry run)',
        'validatingadmissionpolicy.admissionregistration.k8s.io/kubectl-maintenance-fence serverside-applied (server dry run)',
        'validatingadmissionpolicybinding.admissionregistration.k8s.io/kubectl-maintenance-fence serverside-applied (server dry run)',
        `configmap/${FAKE_BUNDLE_NAME} serverside-applied (server dry run)`,
        'cronjob.batch/kubectl-maintenance serverside-applied (server dry run)',
      ])
      expect(server.writes()).to.deep.equal([])
    } finally {
      await server.close()
    }
  })

  it('-o json prints a List of the same objects', async () => {
    const yaml = documents((await dryRun('-o', 'yaml')).stdout)
    const json = JSON.parse((await dryRun('-o', 'json')).stdout) as {kind: string; items: Obj[]}
    expect(json.kind).to.equal('List')
    expect(json.items).to.deep.equal(yaml)
  })

  for (const [label, argv] of [
    ['the default', []],
    ['the namespaced variant', ['--namespaces', 'shop,web']],
    ['a prebuilt image', ['--image', 'ghcr.io/acme/kubectl-maintenance:0.1.0']],
  ] as const) {
    it(`${label}: the Pod meets the restricted Pod Security Standard, the RBAC has no wildcard, no pods and no read of secrets`, async () => {
      const objects = documents((await dryRun(...argv)).stdout)
      const specs = podSpecs(objects)
      expect(specs).to.not.be.empty
      for (const spec of specs) expect(restrictedViolations(spec)).to.deep.equal([])
      const rules = objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role').flatMap((o) => o.rules as Array<Record<string, string[]>>)
      expect(rules).to.not.be.empty
      for (const rule of rules) {
        for (const field of ['apiGroups', 'resources', 'verbs']) expect(rule[field], JSON.stringify(rule)).to.not.include('*')
        for (const forbidden of ['pods', 'pods/exec']) expect(rule.resources).to.not.include(forbidden)
        // Backend TLS Secrets are made, never read (the garbage collector removes them): no get, list or watch.
        if (rule.resources.includes('secrets')) expect(rule.verbs, JSON.stringify(rule)).to.deep.equal(['create'])
        expect(rule.verbs).to.not.include.members(['escalate', 'bind', 'impersonate'])
        expect(rule).to.not.have.property('nonResourceURLs')
      }
    })
  }

  it('the restricted check rejects what the standard forbids (so passing it means something)', () => {
    const bad = {
      containers: [{name: 'app', securityContext: {capabilities: {add: ['SYS_ADMIN']}, privileged: true}}],
      hostNetwork: true,
      volumes: [{hostPath: {path: '/'}, name: 'root'}],
    }
    expect(restrictedViolations(bad)).to.deep.equal([
      'hostNetwork must be unset or false',
      'volume root: hostPath is forbidden',
      'volume root: type hostPath is not allowed',
      'container app: privileged must be false',
      'container app: capability SYS_ADMIN may not be added',
      'container app: allowPrivilegeEscalation must be false',
      'container app: runAsNonRoot must be true (on the container or the pod)',
      'container app: seccompProfile must be RuntimeDefault or Localhost',
      'container app: capabilities must drop ALL',
      'container app: only NET_BIND_SERVICE may be added',
    ])
  })

  it('runs the bundle on the pinned Node image by default, and the image as it is with --image', async () => {
    const [bundled] = podSpecs(documents((await dryRun()).stdout)) as Array<{containers: Array<Record<string, unknown>>; volumes: unknown[]}>
    expect(bundled.containers[0].image).to.equal('node:24.21.0-alpine')
    expect(bundled.containers[0].args).to.deep.equal(['reconcile', '-A', '--horizon', '55s'])
    const imageObjects = documents((await dryRun('--image', 'ghcr.io/acme/kubectl-maintenance:0.1.0', '--namespace', 'ops', '--schedule', '*/2 * * * *')).stdout)
    expect(imageObjects.map((o) => o.kind)).to.deep.equal(['Namespace', 'ConfigMap', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'CronJob'])
    const cronJob = imageObjects[7] as unknown as {metadata: {namespace: string}; spec: {schedule: string}}
    expect(cronJob.metadata.namespace).to.equal('ops')
    expect(cronJob.spec.schedule).to.equal('*/2 * * * *')
    const [image] = podSpecs(imageObjects) as Array<{containers: Array<Record<string, unknown>>; volumes: unknown[]}>
    expect(image.containers[0]).to.include({image: 'ghcr.io/acme/kubectl-maintenance:0.1.0'})
    expect(image.containers[0]).to.not.have.property('command')
    expect(image.containers[0].env).to.deep.include({name: 'KUBECTL_MAINTENANCE_NAMESPACE', value: 'ops'})
    expect(image.volumes).to.deep.equal([{emptyDir: {sizeLimit: '64Mi'}, name: 'tmp'}])
  })

  it('the namespaced variant: a Role per namespace, a page-reading Role in the install namespace, a CronJob per namespace', async () => {
    const objects = documents((await dryRun('--namespaces', 'shop,web')).stdout)
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`)).to.deep.equal([
      'Namespace /kubectl-maintenance',
      'ConfigMap kubectl-maintenance/kubectl-maintenance-config',
      'ServiceAccount kubectl-maintenance/kubectl-maintenance',
      'Role kubectl-maintenance/kubectl-maintenance',
      'RoleBinding kubectl-maintenance/kubectl-maintenance',
      'Role shop/kubectl-maintenance',
      'RoleBinding shop/kubectl-maintenance',
      'Role web/kubectl-maintenance',
      'RoleBinding web/kubectl-maintenance',
      'ValidatingAdmissionPolicy /kubectl-maintenance-fence',
      'ValidatingAdmissionPolicyBinding /kubectl-maintenance-fence',
      `ConfigMap kubectl-maintenance/${FAKE_BUNDLE_NAME}`,
      'CronJob kubectl-maintenance/kubectl-maintenance-shop',
      'CronJob kubectl-maintenance/kubectl-maintenance-web',
    ])
    const args = podSpecs(objects).map((spec) => (spec.containers as Array<{args: string[]}>)[0].args)
    expect(args).to.deep.equal([
      ['reconcile', '-n', 'shop', '--horizon', '55s'],
      ['reconcile', '-n', 'web', '--horizon', '55s'],
    ])
  })

  it('exits 2 on a bad schedule, namespace or namespace list', async () => {
    const cases: Array<[string[], string]> = [
      [['--schedule', 'every minute'], '--schedule "every minute" is not a 5-field cron expression'],
      [['--schedule', '61 * * * *'], '--schedule "61 * * * *" is not a 5-field cron expression'],
      [['--namespace', 'Ops'], '--namespace: "Ops" is not a namespace name'],
      [['--namespaces', ','], '--namespaces needs at least one namespace'],
      [['--max-backends', '0'], '--max-backends "0" is not a whole number from 1 to 1000'],
      [['--keep', 'forever'], '--keep: '],
      [['--max-backends', 'ten'], '--max-backends "ten" is not a whole number from 1 to 1000'],
      [['--namespace-selector', 'team'], '--namespace-selector "team" is not LABEL=VALUE'],
      [['--namespace-selector', 'a=b', '--namespaces', 'shop'], '--namespace-selector chooses among all namespaces'],
    ]
    for (const [argv, message] of cases) {
      const result = await dryRun(...argv)
      expect(result.exitCode, argv.join(' ')).to.equal(2)
      expect(result.stderr).to.include(message)
      expect(result.stdout).to.equal('')
    }
  })

  it('keeps --max-backends, --namespace-selector and --keep in the kubectl-maintenance-config ConfigMap every pass reads', async () => {
    const objects = documents((await dryRun('--max-backends', '4', '--namespace-selector', 'kubectl-maintenance.io/enabled=true', '--keep', '36h')).stdout)
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'kubectl-maintenance-config') as unknown as {data: Record<string, string>; metadata: {namespace: string}}
    expect(config.metadata.namespace).to.equal('kubectl-maintenance')
    expect(config.data).to.deep.equal({keep: '1d12h', 'max-backends': '4', 'namespace-selector': 'kubectl-maintenance.io/enabled=true'})
    const defaults = documents((await dryRun()).stdout).find((o) => o.metadata.name === 'kubectl-maintenance-config') as unknown as {data: Record<string, string>}
    expect(defaults.data).to.deep.equal({keep: '7d', 'max-backends': '10'})
  })

  it('exits 2 when the bundle is not built, pointing at npm run build and --image', async () => {
    const result = await runCommand(['install', '--dry-run'], {env: {KUBECTL_MAINTENANCE_BUNDLE: path.join(scratch, 'missing.mjs')}})
    expect(result.exitCode).to.equal(2)
    expect(result.stderr).to.include('does not exist: build it with npm run build, or pass --image IMAGE')
  })
})
