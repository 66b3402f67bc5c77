import {expect} from 'chai'
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {ApiServer} from '../support/apiserver.js'

import {catalogFromConfig} from '../../src/cli/completion/catalog.js'
import {clusterSource} from '../../src/cli/completion/cluster-source.js'
import {planCompletion, resolveCompletion} from '../../src/cli/completion/complete.js'
import {envFor, service, startCluster} from '../commands/fixtures.js'
import {loadSourceConfig} from '../packaging/source-config.js'
import {run} from '../support/process.js'
import {findBinary, requireSystemBinary} from '../support/system-binary.js'
import {PROJECT_ROOT, runCommand} from '../support/run-command.js'

const BACKEND_LABELS = {'app.kubernetes.io/managed-by': 'kubectl-maintenance', 'app.kubernetes.io/name': 'kubectl-maintenance-backend', 'kubectl-maintenance.io/hash': '0123456789', 'kubectl-maintenance.io/role': 'backend'}

describe('where people type (issue 14 item 15)', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(
      service('web', 'shop'),
      // One of the engine's backends, told by its labels...
      service('maintenance-0123456789', 'shop', {labels: BACKEND_LABELS}),
      {apiVersion: 'v1', data: {}, kind: 'ConfigMap', metadata: {name: 'maintenance-abcdef0123', namespace: 'shop'}},
    )
    // ...and one told by its owner, a backend ConfigMap, whatever its own name and labels.
    const owner = server.object('v1', 'ConfigMap', 'shop', 'maintenance-abcdef0123') as {metadata: {uid: string}}
    server.seed(service('renamed-backend', 'shop', {ownerReferences: [{apiVersion: 'v1', kind: 'ConfigMap', name: 'maintenance-abcdef0123', uid: owner.metadata.uid}]}))
  })

  after(async () => server.close())

  it('bin/run.js runs the built bundle: it needs neither node_modules nor the compiled commands', async function () {
    this.timeout(60_000)
    const alone = mkdtempSync(path.join(tmpdir(), 'km-run-'))
    mkdirSync(path.join(alone, 'bin'))
    mkdirSync(path.join(alone, 'dist'))
    copyFileSync(path.join(PROJECT_ROOT, 'bin', 'run.js'), path.join(alone, 'bin', 'run.js'))
    copyFileSync(path.join(PROJECT_ROOT, 'dist', 'kubectl-maintenance.mjs'), path.join(alone, 'dist', 'kubectl-maintenance.mjs'))
    const result = await run(process.execPath, [path.join(alone, 'bin', 'run.js'), 'list', '-n', 'shop', '-o', 'name'], {env: {...process.env, ...envFor(server)}})
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stderr).to.equal('No resources found in shop namespace.\n')
  })

  it('completion bash prints the one line that makes kubectl maintenance <TAB> work, and it does', async function () {
    this.timeout(120_000)
    const kubectl = requireSystemBinary(this, findBinary('kubectl'), 'kubectl not found: .ci/run installs kubectl 1.32 (Debian kubernetes-client is 1.20, too old)')
    const script = (await runCommand(['completion', 'bash'])).stdout
    const line = /^# (command -v kubectl_complete-maintenance .*)$/m.exec(script)?.[1]
    expect(line, script).to.not.equal(undefined)
    const onPath = mkdtempSync(path.join(tmpdir(), 'km-path-'))
    symlinkSync(path.join(PROJECT_ROOT, 'bin', 'run.js'), path.join(onPath, 'kubectl-maintenance'))
    const env = {...process.env, ...envFor(server), PATH: `${onPath}:${path.dirname(process.execPath)}:/usr/bin:/bin`}
    const installed = await run('/bin/sh', ['-c', line as string], {env})
    expect(installed.code, installed.stderr).to.equal(0)
    expect(existsSync(path.join(onPath, 'kubectl_complete-maintenance'))).to.equal(true)
    const completed = await run(kubectl, ['__complete', 'maintenance', 'li'], {env})
    expect(completed.stdout).to.match(/^list\t/m)
  })

  it("completion never offers the engine's own backends as targets", async function () {
    this.timeout(60_000)
    const catalog = catalogFromConfig(await loadSourceConfig())
    const {candidates} = await resolveCompletion(planCompletion(['now', '--kubeconfig', server.kubeconfigPath, '-n', 'shop', 'svc/'], catalog), clusterSource(30_000))
    expect(candidates.map((candidate) => candidate.value)).to.deep.equal(['svc/web'])
  })

  it('now and schedule refuse a backend of ours as a target (exit 2, nothing written), even with --force', async () => {
    for (const target of ['svc/maintenance-0123456789', 'service/renamed-backend']) {
      server.clearLog()
      const result = await runCommand(['now', target, '-n', 'shop', '--for', '10m', '--force'], {env: envFor(server)})
      expect(result.exitCode, result.stderr).to.equal(2)
      expect(result.stderr).to.include('is a maintenance backend of kubectl-maintenance itself')
      expect(server.writes()).to.have.length(0)
    }
    const scheduled = await runCommand(['schedule', 'svc/maintenance-0123456789', '-n', 'shop', '--start', '+1h', '--duration', '1h'], {env: envFor(server)})
    expect(scheduled.exitCode).to.equal(2)
  })
})
