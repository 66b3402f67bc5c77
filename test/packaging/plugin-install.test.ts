import {expect} from 'chai'
import {copyFileSync, existsSync, mkdtempSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {gunzipSync} from 'node:zlib'
import {parseAllDocuments} from 'yaml'

import {platformOf} from '../../scripts/package-manifest.js'
import {startCluster, windowConfigMap} from '../commands/fixtures.js'
import type {ApiServer} from '../support/apiserver.js'
import {PROJECT_ROOT} from '../support/run-command.js'
import {BUILD_TIMEOUT_MS, builtPackage} from './built-packages.js'
import {pathWith, run} from './plugin-path.js'

interface PluginForm {
  title: string
  file: () => Promise<string>
  /** Whether `install` can find an ESM bundle to ship (the executable carries its own). */
  hasBundle: boolean
}

/**
 * Every way the plugin exists on this machine: the single executable of this platform (built as npm run package
 * builds it), bin/run.js over dist/ (npm run build).
 */
function pluginForms(): PluginForm[] {
  const forms: PluginForm[] = []
  const platform = platformOf(process.platform, process.arch)
  forms.push({file: async () => (await builtPackage(platform)).binary, hasBundle: true, title: `the single executable for ${platform.os}/${platform.arch}`})
  if (existsSync(path.join(PROJECT_ROOT, 'dist', 'commands'))) {
    const runJs = path.join(PROJECT_ROOT, 'bin', 'run.js')
    forms.push({file: async () => runJs, hasBundle: existsSync(path.join(PROJECT_ROOT, 'dist', 'kubectl-maintenance.mjs')), title: 'bin/run.js over dist/'})
  }
  return forms
}

const forms = pluginForms()

describe('installed as a kubectl plugin', function () {
  this.timeout(60_000)

  for (const form of forms) {
    describe(form.title, () => {
      let server: ApiServer
      let env: NodeJS.ProcessEnv
      let pluginDir: string

      before(async function () {
        this.timeout(BUILD_TIMEOUT_MS)
        const file = await form.file()
        server = await startCluster()
        server.seed(windowConfigMap({end: '2030-01-01T03:00:00Z', name: 'db-upgrade', namespace: 'shop', phase: 'Scheduled', start: '2030-01-01T01:00:00Z', targets: 'ingress/shop'}))
        // As krew does it: a symlink named kubectl-maintenance in a directory on PATH.
        pluginDir = mkdtempSync(path.join(tmpdir(), 'km-plugin-'))
        symlinkSync(file, path.join(pluginDir, 'kubectl-maintenance'))
        const home = mkdtempSync(path.join(tmpdir(), 'km-home-'))
        env = {HOME: home, KUBECONFIG: path.join(home, 'no-kubeconfig'), PATH: pathWith(pluginDir)}
      })

      after(async () => server?.close())

      const kubectl = (...args: string[]) => run('kubectl', args, {env})

      it('is found by kubectl plugin list', async () => {
        const result = await kubectl('plugin', 'list')
        expect(result.stdout).to.include(`${path.join(pluginDir, 'kubectl-maintenance')}\n`)
        expect(result.stderr).not.to.include('kubectl-maintenance')
      })

      it('prints its help as kubectl maintenance', async () => {
        const result = await kubectl('maintenance', '--help')
        expect(result.code, result.stderr).to.equal(0)
        expect(result.stdout).to.include('USAGE\n  $ kubectl maintenance [COMMAND]\n')
        expect(result.stdout).to.match(/^ {2}schedule +Schedule a maintenance window/m)
        expect(result.stdout).to.match(/^ {2}list +List maintenance windows/m)
      })

      it('lists windows from the cluster of --kubeconfig', async () => {
        const result = await kubectl('maintenance', 'list', '--kubeconfig', server.kubeconfigPath, '-n', 'shop')
        expect(result.code, result.stderr).to.equal(0)
        const [header, row, ...rest] = result.stdout.trimEnd().split('\n')
        expect(header).to.match(/^NAME\s+TARGETS\s+START \(\w+\)\s+END \(\w+\)\s+PHASE\s+PAGE$/)
        expect(row).to.match(/^db-upgrade\s+ingress\/shop\s+.*\s+Scheduled\s+default$/)
        expect(rest).to.deep.equal([])
      })

      it('prints the help of the command asked for, not the root help', async () => {
        const result = await kubectl('maintenance', 'list', '--help')
        expect(result.code, result.stderr).to.equal(0)
        expect(result.stdout).to.match(/^List maintenance windows/)
        expect(result.stdout).to.include('USAGE\n  $ kubectl maintenance list ')
        expect(result.stdout).not.to.include('COMMANDS\n')
      })

      it('reads KUBECONFIG, the current directory and its arguments when it runs, not when it was built', async () => {
        // Set only for this run: the executable was built before this server (and its kubeconfig) existed.
        const cwd = mkdtempSync(path.join(tmpdir(), 'km-cwd-'))
        const result = await run('kubectl', ['maintenance', 'list', '-n', 'shop', '-o', 'name'], {cwd, env: {...env, KUBECONFIG: server.kubeconfigPath}})
        expect(result.code, result.stderr).to.equal(0)
        expect(result.stdout).to.equal('window/db-upgrade\n')
        const relative = await run('kubectl', ['maintenance', 'list', '--kubeconfig', 'kubeconfig', '-n', 'shop', '-o', 'name'], {cwd: path.dirname(server.kubeconfigPath), env})
        expect(relative.code, relative.stderr).to.equal(0)
        expect(relative.stdout).to.equal('window/db-upgrade\n')
      })

      it('completes kubectl maintenance <TAB> through kubectl_complete-maintenance, from the cluster of KUBECONFIG', async () => {
        copyFileSync(path.join(PROJECT_ROOT, 'bin', 'kubectl_complete-maintenance'), path.join(pluginDir, 'kubectl_complete-maintenance'))
        const completeEnv = {...env, KUBECONFIG: server.kubeconfigPath}
        const commands = await run('kubectl', ['__complete', 'maintenance', 'li'], {env: completeEnv})
        expect(commands.stdout).to.match(/^list\t/m)
        const windows = await run('kubectl', ['__complete', 'maintenance', 'cancel', '-n', 'shop', 'db'], {env: completeEnv})
        expect(windows.stdout).to.match(/^db-upgrade(\t|$)/m)
      })

      it('passes its exit code through kubectl: 2 for wrong input', async () => {
        const result = await kubectl('maintenance', 'list', '--kubeconfig', server.kubeconfigPath, '-o', 'bogus')
        expect(result.code).to.equal(2)
        expect(result.stderr).to.include('bogus')
      })

      it('ships a runnable ESM bundle with install --dry-run', async () => {
        expect(form.hasBundle, 'npm run build writes dist/kubectl-maintenance.mjs, which install ships').to.equal(true)
        const result = await kubectl('maintenance', 'install', '--dry-run', '-o', 'yaml')
        expect(result.code, result.stderr).to.equal(0)
        const objects = parseAllDocuments(result.stdout).map((document) => document.toJS() as {kind: string; binaryData?: Record<string, string>})
        const bundleConfigMap = objects.find((object) => object.kind === 'ConfigMap' && object.binaryData)
        const [gzipped] = Object.values(bundleConfigMap?.binaryData ?? {})
        const bundle = gunzipSync(Buffer.from(gzipped, 'base64'))
        expect(bundle.length, 'an ESM bundle, not the executable').to.be.below(20 * 2 ** 20)
        const file = path.join(mkdtempSync(path.join(tmpdir(), 'km-bundle-')), 'kubectl-maintenance.mjs')
        writeFileSync(file, bundle)
        const version = await run(process.execPath, [file, '--version'], {env})
        expect(version.code, version.stderr).to.equal(0)
        expect(version.stdout).to.match(/^kubectl-maintenance\/\d+\.\d+\.\d+ /)
      })
    })
  }
})

describe('the linux/arm64 executable as a kubectl plugin', function () {
  this.timeout(BUILD_TIMEOUT_MS)

  it('is found by kubectl plugin list (it runs under qemu-user: platforms.test.ts)', async () => {
    const pluginDir = mkdtempSync(path.join(tmpdir(), 'km-plugin-'))
    symlinkSync((await builtPackage({arch: 'arm64', os: 'linux'})).binary, path.join(pluginDir, 'kubectl-maintenance'))
    const result = await run('kubectl', ['plugin', 'list'], {env: {HOME: mkdtempSync(path.join(tmpdir(), 'km-home-')), PATH: pathWith(pluginDir)}})
    expect(result.stdout).to.include(`${path.join(pluginDir, 'kubectl-maintenance')}\n`)
    expect(result.stderr).not.to.include('kubectl-maintenance')
  })
})
