import {expect} from 'chai'
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {gunzipSync} from 'node:zlib'
import {parseAllDocuments} from 'yaml'

import {type Plugin, build} from 'esbuild'

import {DEFERRED_BUILTINS, DEFERRED_PACKAGES, buildBundle, commandFiles, deferredBuiltinRequires, deferredPackageSource, deferredPackagesPlugin} from '../scripts/build-bundle.js'
import {DEFAULT_INSTALL, bundleRef, renderInstall} from '../src/install/manifests.js'
import {CONFIGMAP_LIMIT_BYTES} from '../src/model/limits.js'
import {gzipBundle} from '../src/install/bundle-source.js'
import {type ApiServer, startApiServer} from './support/apiserver.js'
import {type ProcessResult, run} from './support/process.js'
import {PROJECT_ROOT} from './support/run-command.js'
import {type Obj, ingress, windowConfigMap} from './install/cluster-fixtures.js'

describe('the single-file bundle', function () {
  this.timeout(120_000)
  let scratch: string
  let bundle: string

  /** Asynchronous, so the in-process API server keeps answering the child. No KUBECONFIG, no project paths. */
  function node(...argv: string[]): Promise<ProcessResult> {
    return run(process.execPath, [bundle, ...argv], {cwd: path.dirname(bundle), env: {HOME: scratch, PATH: process.env.PATH ?? ''}})
  }


  before(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'km-bundle-'))
    const built = await buildBundle(path.join(scratch, 'build', 'kubectl-maintenance.mjs'))
    // Alone in an empty directory: no node_modules, no package.json, no templates/ to fall back on.
    const alone = mkdtempSync(path.join(scratch, 'alone-'))
    bundle = path.join(alone, 'kubectl-maintenance.mjs')
    copyFileSync(built.outfile, bundle)
  })

  after(() => rmSync(scratch, {force: true, recursive: true}))

  it('fits a ConfigMap once gzipped', () => {
    const size = gzipBundle(readFileSync(bundle)).length
    process.stdout.write(`      bundle: ${readFileSync(bundle).length} bytes, gzipped ${size}\n`)
    expect(size).to.be.lessThan(CONFIGMAP_LIMIT_BYTES)
  })

  it("imports at its top only what its banner needs: a command's built-ins load when that command runs", () => {
    const source = readFileSync(bundle, 'utf8')
    const staticImports = source.match(/\bimport\s*[\w*{][^;]*?from\s*["'][^"']+["']/g)
    expect(staticImports).to.deep.equal([
      "import {createRequire as __kmCreateRequire} from 'node:module'",
      "import {fileURLToPath as __kmFileURLToPath} from 'node:url'",
      "import {dirname as __kmDirname} from 'node:path'",
    ])
  })

  /** The built-in modules a run loaded (Node's process.moduleLoadList, as `NativeModule <id>`), printed as it exits. */
  async function builtinsLoadedBy(...argv: string[]): Promise<{result: ProcessResult; loaded: string[]}> {
    const hook = path.join(scratch, 'module-load-list.cjs')
    writeFileSync(hook, "process.on('exit', () => require('node:fs').writeFileSync(process.env.KM_LOAD_LIST, JSON.stringify(process.moduleLoadList)))\n")
    const list = path.join(mkdtempSync(path.join(scratch, 'loaded-')), 'list.json')
    const result = await run(process.execPath, ['--require', hook, bundle, ...argv], {cwd: path.dirname(bundle), env: {HOME: scratch, KM_LOAD_LIST: list, PATH: process.env.PATH ?? ''}})
    const loaded = (JSON.parse(readFileSync(list, 'utf8')) as string[]).filter((entry) => entry.startsWith('NativeModule ')).map((entry) => entry.slice('NativeModule '.length))
    return {loaded, result}
  }

  it('--help loads none of the built-ins that only commands use (each costs start-up: child_process alone brings dgram and the streams)', async () => {
    const {loaded, result} = await builtinsLoadedBy('--help')
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.include('$ kubectl maintenance [COMMAND]')
    // Not net: Node loads it for a stdout that is a pipe, as here.
    // Nor tty (debug and supports-color asked it whether stderr is a terminal) or the promise fs (the theme file).
    const commandOnly = ['child_process', 'crypto', 'dgram', 'fs/promises', 'http', 'https', 'perf_hooks', 'readline', 'tls', 'tty', 'worker_threads', 'zlib', 'internal/deps/undici/undici']
    expect(loaded.filter((id) => commandOnly.includes(id))).to.deep.equal([])
  })

  it("--help follows the user's oclif theme file, read without the promise fs", async () => {
    const config = mkdtempSync(path.join(scratch, 'config-'))
    mkdirSync(path.join(config, 'kubectl-maintenance'))
    writeFileSync(path.join(config, 'kubectl-maintenance', 'theme.json'), JSON.stringify({sectionHeader: 'red'}))
    const themed = await run(process.execPath, [bundle, '--help'], {env: {FORCE_COLOR: '1', HOME: scratch, PATH: process.env.PATH ?? '', XDG_CONFIG_HOME: config}})
    expect(themed.code, themed.stderr).to.equal(0)
    expect(themed.stdout).to.include('\u001B[31m\u001B[1mUSAGE')
    const plain = await run(process.execPath, [bundle, '--help'], {env: {FORCE_COLOR: '1', HOME: scratch, PATH: process.env.PATH ?? ''}})
    expect(plain.stdout).to.include('\u001B[1mUSAGE').and.not.include('\u001B[31m')
  })

  it('colours its help on a terminal, and not into a pipe (supports-color asks process.stdout, not tty)', async () => {
    // A pseudo-terminal from util-linux script (Debian's essential bsdutils): stdout and stderr are the terminal.
    const command = `${process.execPath} ${bundle} --help`
    const onTerminal = await run('script', ['--quiet', '--return', '--command', command, '/dev/null'], {env: {HOME: scratch, PATH: process.env.PATH ?? '', TERM: 'xterm-256color'}})
    expect(onTerminal.code, onTerminal.stderr).to.equal(0)
    expect(onTerminal.stdout).to.include('\u001B[1mUSAGE')
    const piped = await run(process.execPath, [bundle, '--help'], {env: {HOME: scratch, PATH: process.env.PATH ?? '', TERM: 'xterm-256color'}})
    expect(piped.stdout).to.include('USAGE').and.not.include('\u001B[')
  })

  it("prints oclif's debug lines when DEBUG names them, and none otherwise", async () => {
    const debugged = await run(process.execPath, [bundle, '--help'], {env: {DEBUG: 'oclif:*', HOME: scratch, PATH: process.env.PATH ?? ''}})
    expect(debugged.code, debugged.stderr).to.equal(0)
    expect(debugged.stderr).to.match(/oclif:config config done/)
    const quiet = await node('--help')
    expect(quiet.stderr).to.equal('')
  })

  it('--help lists the commands', async () => {
    const result = await node('--help')
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.include('$ kubectl maintenance [COMMAND]')
    for (const id of ['install', 'reconcile', 'schedule', 'uninstall']) expect(result.stdout).to.match(new RegExp(`^  ${id} `, 'm'))
    expect(result.stdout).to.match(/^ {2}page /m)
  })

  it('every file of src/commands is a command of the bundle', async () => {
    const results = await Promise.all(commandFiles().map(async ({id}) => ({id, result: await node(...id.split(':'), '--help')})))
    for (const {id, result} of results) {
      expect(result.code, `${id}: ${result.stderr}`).to.equal(0)
      expect(result.stdout, id).to.include(`$ kubectl maintenance ${id.replaceAll(':', ' ')}`)
    }
  })

  it('list --help prints the command help', async () => {
    const result = await node('list', '--help')
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.include('$ kubectl maintenance list')
    expect(result.stdout).to.include('--all-namespaces')
  })

  describe('against the in-process API server', () => {
    let server: ApiServer

    before(async () => {
      server = await startApiServer({namespaces: ['default', 'demo'], readyDelayMs: 0})
    })

    after(async () => server.close())

    it('reconcile -n demo switches a target whose window is due, with the embedded page templates', async () => {
      const now = Date.now()
      server.seed(ingress('demo', 'shop'), windowConfigMap('demo', 'upgrade', 'ingress/shop', now - 60_000, now + 3_600_000))
      const result = await node('reconcile', '-n', 'demo', '--kubeconfig', server.kubeconfigPath)
      expect(result.stderr).to.equal('')
      expect(result.code).to.equal(0)
      expect(result.stdout).to.match(/demo\/ingress\/shop switched to backend maintenance-/)
      const target = server.object('networking.k8s.io/v1', 'Ingress', 'demo', 'shop') as Obj & {metadata: {annotations: Record<string, string>}; spec: {rules: Array<{http: {paths: Array<{backend: {service: {name: string}}}>}}>}}
      const backend = target.metadata.annotations['kubectl-maintenance.io/backend']
      expect(target.spec.rules[0].http.paths[0].backend.service.name).to.equal(backend)
      const page = server.object('v1', 'ConfigMap', 'demo', backend) as {data: Record<string, string>}
      expect(Object.values(page.data).join('\n')).to.include('Back soon')
    })

    /** The CronJob's container script for this bundle, run here with the paths of a temporary mount and /tmp. */
    async function runAsContainer(mountedGz: Buffer, installedGz: Buffer) {
      const [cronJob] = renderInstall({...DEFAULT_INSTALL, bundle: bundleRef(installedGz)}).cronJobs as unknown as Array<{spec: {jobTemplate: {spec: {template: {spec: {containers: Array<{command: string[]; args: string[]; env: Array<{name: string; value: string}>}>}}}}}}>
      const {command, args, env} = cronJob.spec.jobTemplate.spec.template.spec.containers[0]
      const mounted = mkdtempSync(path.join(scratch, 'configmap-'))
      const unpacked = mkdtempSync(path.join(scratch, 'tmp-'))
      writeFileSync(path.join(mounted, 'kubectl-maintenance.mjs.gz'), mountedGz)
      const script = command[2].replaceAll('/tmp/kubectl-maintenance.mjs', `${unpacked}/kubectl-maintenance.mjs`).replaceAll('/opt/kubectl-maintenance', mounted)
      const result = await run(command[0], [command[1], script, command[3], ...args, '--kubeconfig', server.kubeconfigPath], {
        env: {...Object.fromEntries(env.map((e) => [e.name, e.value])), HOME: scratch, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`},
      })
      return {args, result, unpacked}
    }

    it("runs as the CronJob's container runs it: checked against the sha256 fixed at install, unpacked from the gzipped ConfigMap key, with the CronJob's args", async () => {
      const gz = gzipBundle(readFileSync(bundle))
      const {args, result, unpacked} = await runAsContainer(gz, gz)
      expect(args).to.deep.equal(['reconcile', '-A', '--horizon', '55s'])
      expect(result.stderr).to.equal('')
      expect(result.code).to.equal(0)
      expect(readFileSync(path.join(unpacked, 'kubectl-maintenance.mjs')).equals(readFileSync(bundle))).to.equal(true)
    })

    it('refuses to run a bundle whose sha256 is not the one fixed at install, saying so', async () => {
      const installed = gzipBundle(readFileSync(bundle))
      for (const tampered of [gzipBundle(Buffer.from('console.log("not the installed bundle")\n')), Buffer.concat([installed, Buffer.from([0])])]) {
        const {result, unpacked} = await runAsContainer(tampered, installed)
        expect(result.code).to.equal(1)
        expect(result.stderr).to.match(/^kubectl-maintenance: refusing to run \S+kubectl-maintenance\.mjs\.gz: its sha256 is [0-9a-f]{64}, install fixed [0-9a-f]{64}; the bundle ConfigMap was changed or replaced/)
        expect(existsSync(path.join(unpacked, 'kubectl-maintenance.mjs')), 'nothing unpacked').to.equal(false)
      }
    })

    it('renders custom pages in the template sandbox: a good page is accepted, a runaway one stopped', async () => {
      const good = path.join(scratch, 'good.html.hbs')
      const runaway = path.join(scratch, 'runaway.html.hbs')
      writeFileSync(good, '<p>{{message}} <a href="{{contactHref contact}}">{{contact}}</a></p>')
      writeFileSync(runaway, `${'{{#each @root}}'.repeat(9)}x${'{{/each}}'.repeat(9)}`)
      const accepted = await node('page', 'create', 'good', '-n', 'demo', '--html', good, '--dry-run', '--kubeconfig', server.kubeconfigPath)
      expect(accepted.code, accepted.stderr).to.equal(0)
      const refused = await node('page', 'create', 'runaway', '-n', 'demo', '--html', runaway, '--dry-run', '--kubeconfig', server.kubeconfigPath)
      expect(refused.code).to.equal(2)
      expect(refused.stderr).to.include('page.html.hbs: rendering took longer than 250 ms and was stopped')
    })

    it('list loads what its one request needs, and not fetch (undici), readline or perf_hooks', async () => {
      // default: the namespace no other test of this suite puts a window in.
      const {loaded, result} = await builtinsLoadedBy('list', '-n', 'default', '--kubeconfig', server.kubeconfigPath)
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stderr).to.equal('No resources found in default namespace.\n')
      expect(loaded).to.include('http')
      // Nor the engine's worker_threads (the template sandbox) or tty (crypto comes with https, as tls needs it).
      expect(loaded.filter((id) => ['internal/deps/undici/undici', 'perf_hooks', 'readline', 'tty', 'worker_threads'].includes(id))).to.deep.equal([])
    })

    it('install --dry-run ships the running bundle itself', async () => {
      const result = await node('install', '--dry-run', '-o', 'yaml')
      expect(result.code, result.stderr).to.equal(0)
      const objects = parseAllDocuments(result.stdout).map((document) => document.toJS() as Obj & {binaryData?: Record<string, string>})
      const configMap = objects.find((object) => object.metadata.name.startsWith('kubectl-maintenance-bundle-'))
      expect(gunzipSync(Buffer.from(configMap?.binaryData?.['kubectl-maintenance.mjs.gz'] ?? '', 'base64')).equals(readFileSync(bundle))).to.equal(true)
    })
  })
})

describe('built-ins deferred to their first use (deferredBuiltinRequires)', function () {
  this.timeout(60_000)

  it('are not loaded by the require, and then behave as the module itself: calls, `in`, keys, writes, instanceof', async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'km-deferred-'))
    try {
      // A CommonJS dependency's pattern: the require at its top, the use inside a function.
      const entry = [
        "const loaded = () => process.moduleLoadList.includes('NativeModule child_process')",
        "const cp = require('node:child_process')",
        "const zlib = require('zlib')",
        'const report = {beforeUse: loaded()}',
        "report.output = cp.execFileSync(process.execPath, ['-e', 'process.stdout.write(\"ran\")'], {encoding: 'utf8'})",
        'report.afterUse = loaded()',
        "report.has = 'spawn' in cp && !('nothing' in cp)",
        "report.sameKeys = JSON.stringify(Object.keys(cp)) === JSON.stringify(Object.keys(process.getBuiltinModule('node:child_process')))",
        "report.instance = cp.spawn(process.execPath, ['-e', '0']) instanceof process.getBuiltinModule('node:child_process').ChildProcess",
        "report.gunzip = zlib.gunzipSync(zlib.gzipSync('same')).toString()",
        "cp.km = 'written'",
        "report.written = process.getBuiltinModule('node:child_process').km",
        'process.stdout.write(JSON.stringify(report))',
      ].join('\n')
      const outfile = path.join(scratch, 'deferred.cjs')
      await build({bundle: true, format: 'cjs', logLevel: 'error', outfile, platform: 'node', plugins: [deferredBuiltinRequires], stdin: {contents: entry, loader: 'js', resolveDir: scratch}})
      expect(readFileSync(outfile, 'utf8')).to.include('new Proxy(')
      const result = await run(process.execPath, [outfile], {env: {PATH: process.env.PATH ?? ''}})
      expect(result.code, result.stderr).to.equal(0)
      expect(JSON.parse(result.stdout)).to.deep.equal({afterUse: true, beforeUse: false, gunzip: 'same', has: true, instance: true, output: 'ran', sameKeys: true, written: 'written'})
    } finally {
      rmSync(scratch, {force: true, recursive: true})
    }
  })

  it('are only built-ins whose exports are a plain object (one that is a function or class, like events, cannot be stood in for by an object)', () => {
    for (const id of DEFERRED_BUILTINS) {
      expect(typeof process.getBuiltinModule(`node:${id}`), id).to.equal('object')
      expect(Object.getPrototypeOf(process.getBuiltinModule(`node:${id}`)), id).to.equal(Object.prototype)
    }
  })
})

describe('packages deferred to their first use (deferredPackages)', function () {
  this.timeout(60_000)

  it('are not evaluated by the import or require, and then behave as the package: names, __esModule, calls, default', async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'km-deferred-package-'))
    try {
      // A CommonJS package compiled from TypeScript (exports marked __esModule) that says when it is evaluated.
      const pkg = path.join(scratch, 'node_modules', 'marked-pkg')
      mkdirSync(pkg, {recursive: true})
      writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({main: 'index.js', name: 'marked-pkg'}))
      writeFileSync(
        path.join(pkg, 'index.js'),
        ["'use strict'", "Object.defineProperty(exports, '__esModule', {value: true})", 'globalThis.markedPkgEvaluated = true', 'exports.greet = (name) => `hello ${name}`', 'exports.answer = 42'].join('\n'),
      )
      // Importers as the bundle has them: ES module named and namespace imports (esbuild's __toESM), and TypeScript's
      // CommonJS output with its __importDefault.
      writeFileSync(path.join(scratch, 'esm-importer.mjs'), "import * as all from 'marked-pkg'\nimport {greet} from 'marked-pkg'\nexport const useEsm = () => ({esmGreeting: greet('esm'), names: Object.keys(all).sort()})\n")
      writeFileSync(
        path.join(scratch, 'cjs-importer.js'),
        [
          'const __importDefault = (mod) => (mod && mod.__esModule ? mod : {default: mod})',
          // __esModule: the package itself, so its own answer must come before anything is used.
          "const marked = __importDefault(require('marked-pkg'))",
          "exports.useCjs = () => ({answer: marked.answer, cjsGreeting: marked.greet('cjs'), has: 'greet' in marked && !('nothing' in marked)})",
        ].join('\n'),
      )
      const entry = [
        "import {useEsm} from './esm-importer.mjs'",
        "import {useCjs} from './cjs-importer.js'",
        'const beforeUse = globalThis.markedPkgEvaluated === true',
        'process.stdout.write(JSON.stringify({beforeUse, ...useEsm(), ...useCjs(), afterUse: globalThis.markedPkgEvaluated === true}))',
      ].join('\n')
      const outputOf = async (plugins: Plugin[]) => {
        const outfile = path.join(scratch, `bundle-${plugins.length}.cjs`)
        await build({bundle: true, format: 'cjs', logLevel: 'error', outfile, platform: 'node', plugins, stdin: {contents: entry, loader: 'js', resolveDir: scratch}})
        const result = await run(process.execPath, [outfile], {env: {PATH: process.env.PATH ?? ''}})
        expect(result.code, result.stderr).to.equal(0)
        return JSON.parse(result.stdout) as Record<string, unknown>
      }
      const deferred = await outputOf([deferredPackagesPlugin({'marked-pkg': /importer\.m?js$/})])
      expect(deferred).to.deep.include({afterUse: true, answer: 42, beforeUse: false, cjsGreeting: 'hello cjs', esmGreeting: 'hello esm', has: true})
      // Everything but the moment of evaluation as without the stand-in (the namespace's names included).
      expect({...deferred, beforeUse: true}).to.deep.equal(await outputOf([]))
    } finally {
      rmSync(scratch, {force: true, recursive: true})
    }
  })

  it('are packages whose exports are an object; one that exports a function is refused at build time', () => {
    for (const name of Object.keys(DEFERRED_PACKAGES)) expect(deferredPackageSource(name, PROJECT_ROOT), name).to.include('new Proxy(')
    expect(() => deferredPackageSource('debug', PROJECT_ROOT)).to.throw('debug exports a function, not an object: it cannot be deferred by DEFERRED_PACKAGES')
  })
})
