import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {bundleRef} from '../../src/install/manifests.js'
import {gzipBundle} from '../../src/install/bundle-source.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'
import {PROJECT_ROOT, runCommand} from '../support/run-command.js'
import {type Obj, ingress, windowConfigMap} from '../install/cluster-fixtures.js'

const BUNDLE = path.join(PROJECT_ROOT, 'dist', 'kubectl-maintenance.mjs')

/**
 * Runs the built CLI on a pseudo-terminal (util-linux script: stdin, stdout and stderr are the terminal) and types
 * `answer` and Enter once it asks. Returns what the terminal showed and the exit code (script -e passes it on).
 */
async function onTerminal(argv: string[], env: Record<string, string>, answer: string): Promise<{code: number | null; output: string}> {
  const command = [process.execPath, BUNDLE, ...argv].map((word) => `'${word.replaceAll("'", String.raw`'\''`)}'`).join(' ')
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {env: {...process.env, ...env, NO_COLOR: '1', TERM: 'dumb'}})
  let output = ''
  let answered = false
  const read = (chunk: Buffer) => {
    output += chunk.toString()
    if (!answered && output.includes('[y/N]')) {
      answered = true
      child.stdin.write(`${answer}\r`)
    }
  }
  child.stdout.on('data', read)
  child.stderr.on('data', read)
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', resolve)
  })
  return {code, output: output.replaceAll('\r\n', '\n')}
}

const NS = 'kubectl-maintenance'
const HOUR = 3_600_000

type Stored = Obj & {metadata: {annotations?: Record<string, string>; labels?: Record<string, string>}; spec?: Record<string, unknown>}

describe('uninstall', function () {
  this.timeout(30_000)
  let server: ApiServer
  let scratch: string
  let env: Record<string, string>

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'km-uninstall-'))
    writeFileSync(path.join(scratch, 'kubectl-maintenance.mjs'), 'console.log("bundle")\n')
  })

  after(() => rmSync(scratch, {force: true, recursive: true}))

  beforeEach(async () => {
    server = await startApiServer({namespaces: ['default', 'shop'], readyDelayMs: 0})
    env = {KUBECONFIG: server.kubeconfigPath, KUBECTL_MAINTENANCE_BUNDLE: path.join(scratch, 'kubectl-maintenance.mjs'), KUBECTL_MAINTENANCE_NAMESPACE: NS}
    const now = Date.now()
    const handWritten = windowConfigMap('shop', 'gitops', 'ingress/other', now + HOUR, now + 2 * HOUR)
    delete (handWritten.metadata.labels as Record<string, string>)['app.kubernetes.io/managed-by']
    server.seed(ingress('shop', 'shop'), ingress('shop', 'other'), windowConfigMap('shop', 'upgrade', 'ingress/shop', now - 60_000, now + HOUR), handWritten)
    expect((await runCommand(['install'], {env})).exitCode).to.equal(0)
    const pass = await runCommand(['reconcile', '-A'], {env})
    expect(pass.stdout, pass.stderr).to.include('shop/ingress/shop switched to backend')
  })

  afterEach(async () => server.close())

  const uninstall = (...argv: string[]) => runCommand(['uninstall', ...argv, '--yes'], {env})
  const target = () => server.object('networking.k8s.io/v1', 'Ingress', 'shop', 'shop') as Stored
  const names = (apiVersion: string, kind: string, namespace?: string) => server.objects(apiVersion, kind, namespace).map((o) => (o as Obj).metadata.name).sort()
  const settle = () => new Promise((resolve) => setImmediate(resolve))

  it('restores the target, deletes backends, windows, and everything install created', async () => {
    expect(server.objects('v1', 'Secret', 'shop').map((o) => [(o as Obj).metadata.name, (o as Obj & {type: string}).type])).to.deep.equal([
      [target().metadata.annotations?.['kubectl-maintenance.io/backend'], 'kubernetes.io/tls'],
    ])
    const result = await uninstall()
    expect(result.exitCode, result.stderr).to.equal(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines.filter((line) => line.startsWith('shop/ingress/shop'))).to.deep.equal(['shop/ingress/shop restored after window upgrade'])
    expect(lines.filter((line) => line.endsWith(' deleted') && !line.startsWith('backend'))).to.deep.equal([
      'configmap/upgrade deleted',
      'configmap/kubectl-maintenance-schedule deleted',
      'cronjob.batch/kubectl-maintenance deleted',
      `configmap/${bundleRef(gzipBundle(Buffer.from('console.log("bundle")\n'))).configMapName} deleted`,
      'configmap/kubectl-maintenance-config deleted',
      'validatingadmissionpolicybinding.admissionregistration.k8s.io/kubectl-maintenance-fence deleted',
      'validatingadmissionpolicy.admissionregistration.k8s.io/kubectl-maintenance-fence deleted',
      'clusterrolebinding.rbac.authorization.k8s.io/kubectl-maintenance deleted',
      'clusterrole.rbac.authorization.k8s.io/kubectl-maintenance deleted',
      'serviceaccount/kubectl-maintenance deleted',
      'namespace/kubectl-maintenance deleted',
    ])
    expect(target().spec).to.deep.equal(ingress('shop', 'shop').spec)
    expect(target().metadata.annotations ?? {}).to.deep.equal({})
    expect(names('apps/v1', 'Deployment')).to.deep.equal([])
    expect(names('v1', 'Service', 'shop')).to.deep.equal([])
    expect(names('v1', 'Secret', 'shop'), 'the backend TLS Secret').to.deep.equal([])
    expect(names('v1', 'ConfigMap', 'shop')).to.deep.equal(['gitops'])
    expect(names('rbac.authorization.k8s.io/v1', 'ClusterRole')).to.deep.equal([])
    await settle()
    expect(names('v1', 'Namespace')).to.deep.equal(['default', 'shop'])
  })

  it('--dry-run lists what it would restore and delete, and changes nothing (issue 14 item 13)', async () => {
    server.clearLog()
    const result = await runCommand(['uninstall', '--dry-run'], {env})
    expect(result.exitCode, result.stderr).to.equal(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines[0]).to.equal('shop/ingress/shop would be restored (window upgrade)')
    expect(lines).to.include('configmap/upgrade would be deleted')
    expect(lines).to.include('cronjob.batch/kubectl-maintenance would be deleted')
    expect(lines).to.include('namespace/kubectl-maintenance would be deleted')
    expect(lines.some((line) => /^backend shop\/maintenance-[0-9a-f]{10} would be deleted$/.test(line))).to.equal(true)
    expect(server.writes()).to.deep.equal([])
    expect(target().metadata.annotations?.['kubectl-maintenance.io/window']).to.equal('upgrade')
  })

  it('without --yes and without a terminal refuses, exit 2, naming --yes, and changes nothing', async () => {
    server.clearLog()
    const result = await runCommand(['uninstall'], {env})
    expect(result.exitCode).to.equal(2)
    expect(result.stderr).to.match(/uninstall restores every target in maintenance and deletes \d+ objects: add --yes to confirm \(stdin is not a terminal to ask on\); nothing was changed/)
    expect(server.writes()).to.deep.equal([])
  })

  describe('without --yes on a terminal (a pseudo-terminal from util-linux script, in Debian\'s essential bsdutils)', () => {
    it('asks, and on no changes nothing: exit 2', async function () {
      this.timeout(60_000)
      server.clearLog()
      const {code, output} = await onTerminal(['uninstall'], env, 'n')
      expect(output).to.include('shop/ingress/shop would be restored (window upgrade)')
      expect(output).to.include('Restore and delete all of this? [y/N] ')
      expect(output).to.match(/error: uninstall restores every target in maintenance and deletes \d+ objects: add --yes to confirm; nothing was changed/)
      expect(output).to.not.include('stdin is not a terminal')
      expect(code).to.equal(2)
      expect(server.writes()).to.deep.equal([])
      expect(target().metadata.annotations?.['kubectl-maintenance.io/window']).to.equal('upgrade')
    })

    it('asks, and on yes restores and deletes: exit 0', async function () {
      this.timeout(60_000)
      const {code, output} = await onTerminal(['uninstall'], env, 'y')
      expect(code, output).to.equal(0)
      expect(output).to.include('Restore and delete all of this? [y/N] ')
      expect(output).to.include('shop/ingress/shop restored after window upgrade')
      expect(output).to.include('namespace/kubectl-maintenance deleted')
      expect(target().metadata.annotations?.['kubectl-maintenance.io/window']).to.equal(undefined)
      expect(names('batch/v1', 'CronJob')).to.deep.equal([])
    })
  })

  it('--keep-windows keeps the window ConfigMaps', async () => {
    const result = await uninstall('--keep-windows')
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(names('v1', 'ConfigMap', 'shop')).to.deep.equal(['gitops', 'upgrade'])
    expect(names('batch/v1', 'CronJob')).to.deep.equal([])
  })

  it('refuses with the list when a restore fails, deletes nothing and lets the CronJob run again', async () => {
    server.faults.deny('patch', 'ingresses')
    server.clearLog()
    const result = await uninstall()
    expect(result.exitCode).to.equal(1)
    expect(result.stderr).to.match(/^error: could not restore everything, so nothing was deleted \(the CronJob runs again\)\n(error: .*\n)+$/)
    expect(result.stderr).to.include('restoring shop/ingress/shop: ')
    expect(server.writes().filter((write) => write.method === 'DELETE')).to.deep.equal([])
    expect(target().metadata.annotations?.['kubectl-maintenance.io/backend']).to.match(/^maintenance-/)
    const cronJob = server.object('batch/v1', 'CronJob', NS, 'kubectl-maintenance') as Stored
    expect(cronJob.spec?.suspend).to.equal(false)
    expect(names('v1', 'ConfigMap', 'shop')).to.include('upgrade')
    expect(names('rbac.authorization.k8s.io/v1', 'ClusterRole')).to.deep.equal(['kubectl-maintenance'])
  })

  it('pauses the CronJob before restoring, so no pass switches a target back meanwhile', async () => {
    server.clearLog()
    await uninstall()
    const writes = server.writes().map((write) => `${write.method} ${write.path}`)
    const suspend = writes.indexOf(`PATCH /apis/batch/v1/namespaces/${NS}/cronjobs/kubectl-maintenance`)
    const restore = writes.indexOf('PATCH /apis/networking.k8s.io/v1/namespaces/shop/ingresses/shop')
    expect(suspend).to.be.greaterThan(-1)
    expect(suspend).to.be.lessThan(restore)
  })

  it('never deletes a namespace it did not create', async () => {
    await runCommand(['uninstall', '--yes'], {env})
    expect((await runCommand(['install', '--namespace', 'shop'], {env})).exitCode).to.equal(0)
    const result = await runCommand(['uninstall', '--namespace', 'shop', '--yes'], {env})
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(result.stdout).to.include('cronjob.batch/kubectl-maintenance deleted')
    expect(result.stdout).to.not.include('namespace/shop deleted')
    await settle()
    expect(names('v1', 'Namespace')).to.include('shop')
    expect(names('networking.k8s.io/v1', 'Ingress', 'shop')).to.deep.equal(['other', 'shop'])
  })
})
