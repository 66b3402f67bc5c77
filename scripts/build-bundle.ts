/**
 * Builds dist/kubectl-maintenance.mjs: the whole plugin (every command, its dependencies, the page templates) in one
 * ESM file that runs with nothing but `node` — what krew users run and what the CronJob runs from a ConfigMap.
 *
 *   tsx scripts/build-bundle.ts [--outfile PATH]
 */
import {type Interfaces, Plugin} from '@oclif/core'
import {type PluginBuild, build} from 'esbuild'
import {createHash} from 'node:crypto'
import {mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {builtinModules, createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import type {BundledPackage} from '../src/bundle/in-memory-plugin.js'

import Handlebars from 'handlebars'

import {TEMPLATE_COMPILE_OPTIONS} from '../src/render/templates.js'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const BUNDLE_PATH = path.join(ROOT, 'dist', 'kubectl-maintenance.mjs')
export const RUN_BUNDLE = path.join(ROOT, 'src', 'bundle', 'run-bundle.ts')
export const NODE_ENGINE = path.join(ROOT, 'src', 'bundle', 'node-engine.ts')

/** `page/create.ts` -> `page:create`: oclif's ids for the files of src/commands. */
export function commandFiles(commandsDir = path.join(ROOT, 'src', 'commands')): Array<{id: string; file: string}> {
  const found: Array<{id: string; file: string}> = []
  const walk = (directory: string, prefix: string[]): void => {
    for (const entry of readdirSync(directory, {withFileTypes: true}).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory()) walk(path.join(directory, entry.name), [...prefix, entry.name])
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        found.push({file: path.join(directory, entry.name), id: [...prefix, entry.name.slice(0, -3)].join(':')})
      }
    }
  }
  walk(commandsDir, [])
  return found
}

/** `{"list": () => require(".../list.ts").default, ...}`: esbuild wraps each command file so it runs on first call. */
export function commandLoadersSource(commands: Array<{id: string; file: string}>): string {
  const loaders = commands.map((command) => `  ${JSON.stringify(command.id)}: () => require(${JSON.stringify(command.file)}).default,`)
  return ['{', ...loaders, '}'].join('\n')
}

/** The entry module: the command loaders and src/bundle/run-bundle.ts, which runs oclif with the built-in manifest. */
export function entrySource(commands: Array<{id: string; file: string}>): string {
  return [
    `import {runBundle} from ${JSON.stringify(RUN_BUNDLE)}`,
    `import {warnOnOldNode} from ${JSON.stringify(NODE_ENGINE)}`,
    "import {dirname} from 'node:path'",
    "import {fileURLToPath} from 'node:url'",
    'const root = dirname(fileURLToPath(import.meta.url))',
    'warnOnOldNode(root)',
    `runBundle(${commandLoadersSource(commands)}, root)`,
    '',
  ].join('\n')
}

export function embeddedTemplates(templatesDir = path.join(ROOT, 'templates')): Record<string, string> {
  const files = readdirSync(templatesDir).filter((file) => file.endsWith('.hbs')).sort()
  return Object.fromEntries(files.map((file) => [file, readFileSync(path.join(templatesDir, file), 'utf8')]))
}

/** Each embedded template precompiled by Handlebars with the options src/render compiles it with (templates.ts). */
export function precompiledTemplates(templates = embeddedTemplates()): Record<string, string> {
  return Object.fromEntries(
    Object.entries(templates).map(([file, text]) => {
      const options = TEMPLATE_COMPILE_OPTIONS[file]
      if (!options) throw new Error(`templates/${file} has no compile options in src/render/templates.ts TEMPLATE_COMPILE_OPTIONS`)
      return [file, Handlebars.precompile(text, options) as string]
    }),
  )
}

export interface PackageJson {
  name: string
  version: string
  description?: string
  oclif: Record<string, unknown>
}

export function readPackageJson(root = ROOT): PackageJson {
  return JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson
}

/** What src/bundle/run-bundle.ts expects in __KM_PACKAGE__: package.json's name, version, description and oclif section minus its commands dir. */
export function packageInfo(pjson = readPackageJson()): BundledPackage {
  const {commands: _commands, ...oclif} = pjson.oclif
  return {description: pjson.description, name: pjson.name, oclif: oclif as BundledPackage['oclif'], version: pjson.version}
}

/**
 * oclif's manifest of src/commands as they are now (oclif imports each command through tsx, which runs this script),
 * without the file paths it records for its own lazy loading: the bundle loads commands by id, and the paths would
 * make the build depend on where it ran.
 */
export async function commandManifest(pjson = readPackageJson()): Promise<Interfaces.Manifest> {
  // A root of its own: oclif would otherwise trust an oclif.manifest.json left in the project by the last build.
  const root = mkdtempSync(path.join(tmpdir(), 'km-manifest-'))
  try {
    const commands = path.relative(root, path.join(ROOT, 'src', 'commands'))
    const plugin = new Plugin({errorOnManifestCreate: true, ignoreManifest: true, isRoot: true, pjson: {...pjson, oclif: {...pjson.oclif, commands}} as Interfaces.PJSON, root})
    await plugin.load()
    // Sorted: oclif imports the command files concurrently and records them in the order the imports finish.
    const entries = Object.entries(plugin.manifest.commands)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, {isESM: _isESM, relativePath: _relativePath, ...cached}]) => [id, cached])
    return {commands: Object.fromEntries(entries), version: plugin.manifest.version}
  } finally {
    rmSync(root, {force: true, recursive: true})
  }
}

/**
 * The template sandbox's worker (src/render/template-worker.ts) as one CommonJS script with Handlebars inlined:
 * the bundle and the executable have no file to start a worker from, so they start it from this text.
 */
export async function templateWorkerSource(): Promise<string> {
  const result = await build({
    bundle: true,
    entryPoints: [path.join(ROOT, 'src', 'render', 'template-worker.ts')],
    format: 'cjs',
    legalComments: 'none',
    logLevel: 'warning',
    minify: true,
    platform: 'node',
    target: 'node20',
    write: false,
  })
  return result.outputFiles[0].text
}

/**
 * The build-time constants src/ reads in the bundle and the executable alike. The tables are JSON text, parsed where
 * they are used: esbuild turns an object-valued define into a module that every module of the bundle evaluates first,
 * so `--help` built the templates' tables too, and a large object literal costs more to compile than JSON.parse.
 */
export async function bundleDefines(pjson = readPackageJson()): Promise<Record<string, string>> {
  const jsonText = (value: unknown) => JSON.stringify(JSON.stringify(value))
  return {
    __KM_EMBEDDED_TEMPLATES__: jsonText(embeddedTemplates()),
    __KM_PRECOMPILED_TEMPLATES__: jsonText(precompiledTemplates()),
    __KM_TEMPLATE_WORKER__: JSON.stringify(await templateWorkerSource()),
    __KM_OCLIF_MANIFEST__: jsonText(await commandManifest(pjson)),
    __KM_PACKAGE__: jsonText(packageInfo(pjson)),
  }
}

// CommonJS dependencies (oclif) call require() and read __dirname; an ESM file has neither until given them.
export const BANNER = [
  "import {createRequire as __kmCreateRequire} from 'node:module';",
  "import {fileURLToPath as __kmFileURLToPath} from 'node:url';",
  "import {dirname as __kmDirname} from 'node:path';",
  'const require = __kmCreateRequire(import.meta.url);',
  'const __filename = __kmFileURLToPath(import.meta.url);',
  'const __dirname = __kmDirname(__filename);',
].join('\n')

const CLIENT_NODE_CONFIG = /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]config\.js$/

/**
 * client-node's config.js imports its generated API (every model of every Kubernetes type) for makeApiClient, and
 * node-fetch for applyToFetchOptions; the plugin calls neither (src/kube/client.ts talks raw JSON over node:https with
 * applyToHTTPSOptions), yet evaluating them was a fifth of every command's start-up. In the bundle, those two imports
 * of config.js resolve to stand-ins: makeApiClient says it is not available, Headers is Node's own (looked up when one is made). Everything
 * KubeConfig does for us (kubeconfig files, in-cluster config, every auth provider, proxies) stays client-node's.
 */
export const clientNodeConfigOnly = {
  name: 'client-node-config-only',
  setup(build: PluginBuild) {
    build.onResolve({filter: /^(\.\/gen\/index\.js|node-fetch)$/}, (args) =>
      CLIENT_NODE_CONFIG.test(args.importer) ? {namespace: 'km-client-node-stand-in', path: args.path} : undefined,
    )
    build.onLoad({filter: /.*/, namespace: 'km-client-node-stand-in'}, (args) => ({
      contents:
        args.path === 'node-fetch'
          ? // Node's own Headers, looked up when one is made: reading globalThis.Headers loads undici (fetch), a tenth of `list`.
            'export class Headers { constructor(init) { return new globalThis.Headers(init) } }'
          : [
              "const unavailable = () => { throw new Error('client-node API clients are not part of the kubectl-maintenance bundle') }",
              'export const createConfiguration = unavailable',
              'export class ServerConfiguration { constructor() { unavailable() } }',
            ].join('\n'),
      loader: 'js',
    }))
  },
}

const BUILTIN = new RegExp(`^(node:.+|${builtinModules.map((name) => name.replaceAll(/[/.]/g, String.raw`\$&`)).join('|')})$`)

/**
 * A static `import ... from 'node:https'` in a module that esbuild wraps to run on first use (every command's
 * modules) would still become an import at the top of the bundle, so every start would load every built-in any
 * command uses (https, tls, child_process, worker_threads, zlib...). Here each such import becomes a require() of the
 * built-in made when the importing module first runs: `--help` loads none of them.
 */
export const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build: PluginBuild) {
    build.onResolve({filter: BUILTIN}, (args) => (args.kind === 'import-statement' || args.kind === 'dynamic-import' ? {namespace: 'km-lazy-builtin', path: args.path} : undefined))
    build.onLoad({filter: /.*/, namespace: 'km-lazy-builtin'}, (args) => ({contents: `module.exports = require(${JSON.stringify(args.path)})`, loader: 'js'}))
  },
}

/**
 * Built-ins that CommonJS dependencies require at their top but use only inside functions (oclif: child_process for
 * the shell, readline for stdin, perf_hooks for its debug timings, fs/promises); loading them, and what they load
 * (child_process brings net, dgram and the streams), was a tenth of `--help`. Each is the plain object of a
 * built-in's exports, never a function or class itself (those are left alone: `class X extends require('events')`
 * needs the real one).
 */
export const DEFERRED_BUILTINS = new Set(['child_process', 'crypto', 'dgram', 'dns', 'fs/promises', 'http', 'http2', 'https', 'inspector', 'net', 'perf_hooks', 'readline', 'readline/promises', 'tls', 'v8', 'vm', 'worker_threads', 'zlib'])

/**
 * A `require('node:child_process')` (or another of DEFERRED_BUILTINS) in a dependency's CommonJS module gives an
 * object that loads the built-in on its first use: every property read, `in`, key listing or write is forwarded to
 * the real module, so code that calls `cp.execSync(...)` later sees no difference, and a `--help` that never calls it
 * never loads it.
 */
export const deferredBuiltinRequires = {
  name: 'deferred-builtin-requires',
  setup(build: PluginBuild) {
    build.onResolve({filter: BUILTIN}, (args) =>
      // Not the stand-in's own require of the real module.
      args.kind === 'require-call' && args.namespace !== 'km-deferred-builtin' && DEFERRED_BUILTINS.has(args.path.replace(/^node:/, ''))
        ? {namespace: 'km-deferred-builtin', path: args.path}
        : undefined,
    )
    build.onLoad({filter: /.*/, namespace: 'km-deferred-builtin'}, (args) => ({
      contents: [
        'let loaded',
        `const real = () => (loaded ??= require(${JSON.stringify(args.path)}))`,
        'module.exports = new Proxy({}, {',
        '  get: (_target, key) => real()[key],',
        '  set: (_target, key, value) => { real()[key] = value; return true },',
        '  has: (_target, key) => key in real(),',
        '  ownKeys: () => Reflect.ownKeys(real()),',
        // A proxy may not report a property as non-configurable when its (empty) target lacks it.
        '  getOwnPropertyDescriptor: (_target, key) => { const found = Reflect.getOwnPropertyDescriptor(real(), key); return found && {...found, configurable: true} },',
        '  getPrototypeOf: () => Reflect.getPrototypeOf(real()),',
        '})',
      ].join('\n'),
      loader: 'js',
    }))
  },
}

const OCLIF_INDEX = /[\\/]@oclif[\\/]core[\\/]lib[\\/]index\.js$/
const OCLIF_MODULE = /[\\/]@oclif[\\/]core[\\/]lib[\\/]/
const SUPPORTS_COLOR = /[\\/]supports-color[\\/]index\.js$/
const OCLIF_FS = /[\\/]@oclif[\\/]core[\\/]lib[\\/]util[\\/]fs\.js$/

const CLI_OUTPUT = /[\\/]src[\\/]cli[\\/]output\.ts$/

/**
 * Packages that modules require or import at their top and use only inside functions, with the modules that do so:
 * oclif's tinyglobby (with fdir and picomatch) finds command files by pattern and its minimatch (with brace-expansion)
 * matches plugin names, neither of which the bundle's in-memory plugin asks for; its lilconfig reads `fs.promises` at
 * its top (which loads Node's promise fs, readline and fs watchers); its spinner's ansi-escapes and cli-spinners (a
 * 30 KB JSON) serve a spinner that runs. client-node's config.js loads socks-proxy-agent (socks, ip-address, debug and
 * with it tty and net) for a cluster reached through a SOCKS proxy; our printers load yaml for `-o yaml`.
 */
export const DEFERRED_PACKAGES: Record<string, RegExp> = {
  'ansi-escapes': OCLIF_MODULE,
  'cli-spinners': OCLIF_MODULE,
  lilconfig: OCLIF_MODULE,
  minimatch: OCLIF_MODULE,
  'socks-proxy-agent': CLIENT_NODE_CONFIG,
  tinyglobby: OCLIF_MODULE,
  yaml: CLI_OUTPUT,
}

/**
 * The stand-in of a deferred package: an object that loads the package on the first read of one of its exports and
 * then forwards to it. Its export names (and `__esModule`) are the package's own, read here at build time, because
 * the importers' interop helpers list them at the import (esbuild's __toESM copies every name; TypeScript's
 * __importDefault reads `__esModule`), long before anything is used.
 */
export function deferredPackageSource(id: string, importerDir: string): string {
  const real = createRequire(path.join(importerDir, 'importer.js'))(id) as Record<string, unknown>
  if (real === null || typeof real !== 'object') throw new Error(`${id} exports a ${typeof real}, not an object: it cannot be deferred by DEFERRED_PACKAGES`)
  const keys = Reflect.ownKeys(real).filter((key): key is string => typeof key === 'string')
  const enumerable = keys.filter((key) => Object.getOwnPropertyDescriptor(real, key)?.enumerable)
  return [
    'let loaded',
    `const real = () => (loaded ??= require(${JSON.stringify(id)}))`,
    `const keys = ${JSON.stringify(keys)}`,
    `const enumerable = new Set(${JSON.stringify(enumerable)})`,
    `const esModule = ${JSON.stringify(Boolean(real.__esModule))}`,
    'module.exports = new Proxy({}, {',
    "  get: (_target, key) => (key === '__esModule' ? esModule : real()[key]),",
    '  has: (_target, key) => keys.includes(key) || key in real(),',
    '  ownKeys: () => [...keys],',
    // A proxy may report a property its (empty) target lacks only as configurable.
    '  getOwnPropertyDescriptor: (_target, key) => (keys.includes(key) ? {configurable: true, enumerable: enumerable.has(key), get: () => real()[key]} : undefined),',
    '})',
  ].join('\n')
}

/** Each package of `table`, when its importer matches, resolves to deferredPackageSource's stand-in. */
export function deferredPackagesPlugin(table: Record<string, RegExp>) {
  return {
    name: 'deferred-packages',
    setup(build: PluginBuild) {
      const names = new RegExp(`^(${Object.keys(table).map((name) => name.replaceAll(/[.-]/g, String.raw`\$&`)).join('|')})$`)
      build.onResolve({filter: names}, (args) =>
        args.namespace !== 'km-deferred-package' && table[args.path].test(args.importer)
          ? {namespace: 'km-deferred-package', path: args.path, pluginData: path.dirname(args.importer)}
          : undefined,
      )
      build.onLoad({filter: /.*/, namespace: 'km-deferred-package'}, (args) => ({contents: deferredPackageSource(args.path, args.pluginData as string), loader: 'js', resolveDir: args.pluginData as string}))
    },
  }
}

export const deferredPackages = deferredPackagesPlugin(DEFERRED_PACKAGES)

/**
 * luxon ships an ES module build (what our imports resolve to) and a CommonJS one (what cron-parser's require gets):
 * two copies of the same library in the bundle, both evaluated by every command that reads a window, and two
 * DateTime classes. Every import of luxon gets the CommonJS one.
 */
export const oneLuxon = {
  name: 'one-luxon',
  setup(build: PluginBuild) {
    const commonJs = createRequire(import.meta.url).resolve('luxon')
    build.onResolve({filter: /^luxon$/}, () => ({path: commonJs}))
  },
}

/**
 * Things oclif does on every start that cost a bundle much and do nothing for it:
 * - its index checks the Node version against the engines of the package.json one directory above itself (the
 *   bundle's directory; loading semver for it was a tenth of `--help`); bin/run.js, the one route where that
 *   package.json is ours, makes the same check and prints the same warning (src/bundle/node-engine.ts);
 * - it passes every summary and description through ejs.render, which compiles each into a function even when it
 *   holds no template tag (none of ours does). In the bundle oclif's `ejs` is a stand-in that returns a text without
 *   `%` as it is (ejs would give it back unchanged: every tag and delimiter has a `%`) and hands any other text to the
 *   real ejs, loaded then;
 * - its Config.load imports wsl-utils for one boolean (below);
 * - its logger asks debug for an instance per namespace, and debug loads tty, and with it net, to decide on colours
 *   even when DEBUG enables nothing: oclif's debug hands out debug's own instances while DEBUG names anything (debug
 *   reads DEBUG once, when loaded, as here) and silent ones otherwise;
 * - it reads the user's theme.json on every start with fs/promises, whose loading brings Node's promise-based fs,
 *   readline and the fs watchers; its util/fs gets readFile and stat from the callback fs, loaded already, instead;
 * - supports-color (its theme's colours) loads tty, and with it net, for `tty.isatty(1)` and `isatty(2)`: it is
 *   answered from process.stdout and process.stderr, which know it already (a terminal's have loaded tty themselves).
 */
export const oclifStartLight = {
  name: 'oclif-start-light',
  setup(build: PluginBuild) {
    build.onLoad({filter: OCLIF_INDEX}, (args) => {
      const source = readFileSync(args.path, 'utf8')
      const call = '\ncheckNodeVersion();\n'
      if (source.split(call).length !== 2) throw new Error(`${args.path}: expected one call of checkNodeVersion() to leave out (has @oclif/core changed?)`)
      return {contents: source.replace(call, '\n'), loader: 'js'}
    })
    // oclif's Config.load asks `(await import('wsl-utils')).isWsl` for config.platform; wsl-utils, at its top, loads
    // node:child_process and promisifies execFile. isWsl is is-wsl's (wsl-utils re-exports it); the stand-in imports
    // wsl-utils itself only for powerShellPath, which oclif asks for when finding the shell on Windows or WSL.
    build.onResolve({filter: /^wsl-utils$/}, (args) =>
      OCLIF_MODULE.test(args.importer) && args.namespace !== 'km-wsl-utils-stand-in' ? {namespace: 'km-wsl-utils-stand-in', path: 'wsl-utils', pluginData: path.dirname(args.importer)} : undefined,
    )
    build.onLoad({filter: /.*/, namespace: 'km-wsl-utils-stand-in'}, (args) => ({
      contents: ["export {default as isWsl} from 'is-wsl'", "export const powerShellPath = async (...args) => (await import('wsl-utils')).powerShellPath(...args)"].join('\n'),
      loader: 'js',
      resolveDir: args.pluginData as string,
    }))
    build.onResolve({filter: /^debug$/}, (args) => (OCLIF_MODULE.test(args.importer) ? {namespace: 'km-oclif-debug', path: args.path, pluginData: path.dirname(args.importer)} : undefined))
    build.onLoad({filter: /.*/, namespace: 'km-oclif-debug'}, (args) => ({
      contents: [
        'const silent = () => Object.assign(() => {}, {enabled: false})',
        "module.exports = (namespace) => (process.env.DEBUG ? require('debug')(namespace) : silent())",
      ].join('\n'),
      loader: 'js',
      resolveDir: args.pluginData as string,
    }))
    build.onResolve({filter: /^node:fs\/promises$/}, (args) => (OCLIF_FS.test(args.importer) ? {namespace: 'km-oclif-fs-promises', path: args.path} : undefined))
    build.onLoad({filter: /.*/, namespace: 'km-oclif-fs-promises'}, () => ({
      contents: [
        "const fs = require('node:fs')",
        "const {promisify} = require('node:util')",
        'const callbackBased = {readFile: promisify(fs.readFile), stat: promisify(fs.stat)}',
        "module.exports = new Proxy({}, {get: (_target, key) => callbackBased[key] ?? require('node:fs/promises')[key]})",
      ].join('\n'),
      loader: 'js',
    }))
    build.onResolve({filter: /^tty$/}, (args) => (SUPPORTS_COLOR.test(args.importer) ? {namespace: 'km-supports-color-tty', path: args.path} : undefined))
    build.onLoad({filter: /.*/, namespace: 'km-supports-color-tty'}, () => ({
      contents: [
        // Both ask libuv whether the descriptor is a terminal; process.stdout and process.stderr exist by then (screen.js).
        'const standard = {1: () => process.stdout, 2: () => process.stderr}',
        "exports.isatty = (fd) => (standard[fd] ? Boolean(standard[fd]().isTTY) : require('node:tty').isatty(fd))",
      ].join('\n'),
      loader: 'js',
    }))
    build.onResolve({filter: /^ejs$/}, (args) =>
      OCLIF_MODULE.test(args.importer) ? {namespace: 'km-ejs-stand-in', path: 'ejs', pluginData: path.dirname(args.importer)} : undefined,
    )
    build.onLoad({filter: /.*/, namespace: 'km-ejs-stand-in'}, (args) => ({
      contents: [
        'let ejs',
        'exports.render = (text, data, options) => typeof text === "string" && !text.includes("%") ? text : (ejs ??= require("ejs")).render(text, data, options)',
      ].join('\n'),
      loader: 'js',
      resolveDir: args.pluginData as string,
    }))
  },
}

/** What the ESM bundle and the executable's CommonJS variant share: one file for Node 20, minified. */
export function commonBuildOptions(outfile: string) {
  return {
    bundle: true,
    plugins: [clientNodeConfigOnly, lazyBuiltins, oclifStartLight, deferredPackages, oneLuxon, deferredBuiltinRequires],
    // oclif requires typescript only to run .ts commands in development, which src/bundle/run-bundle.ts switches off.
    external: ['typescript'],
    legalComments: 'none' as const,
    metafile: true as const,
    minify: true,
    outfile,
    platform: 'node' as const,
    target: 'node20',
  }
}

export function outputBytes(result: {metafile: {outputs: Record<string, {bytes: number}>}}): number {
  return Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0)
}

export async function buildBundle(outfile = BUNDLE_PATH, defines?: Record<string, string>): Promise<{outfile: string; bytes: number}> {
  const result = await build({
    ...commonBuildOptions(outfile),
    banner: {js: BANNER},
    define: {...(defines ?? (await bundleDefines())), __KM_BUNDLE__: 'true'},
    format: 'esm',
    logLevel: 'warning',
    stdin: {contents: entrySource(commandFiles()), loader: 'ts', resolveDir: ROOT, sourcefile: 'kubectl-maintenance-entry.ts'},
  })
  return {bytes: outputBytes(result), outfile}
}

/** The CommonJS variant of the bundle that bin/run.js runs with V8's code cache (bin/code-cache.js), next to the ESM one. */
export const BIN_SCRIPT_PATH = path.join(ROOT, 'dist', 'kubectl-maintenance.cjs')

/** The first line of the CommonJS variant: the sha256 of the rest, which bin/code-cache.js names its cache after. */
export function withSourceHash(code: string): string {
  return `// sha256:${createHash('sha256').update(code).digest('hex')}\n${code}`
}

/**
 * The same entry, defines and modules as the ESM bundle, as one CommonJS script: Node 20 has no code cache for ES
 * modules, but vm.Script takes one, and compiling the bundle's 1.8 MB was most of every start. import.meta.url is the
 * ESM bundle beside it, so `install` ships dist/kubectl-maintenance.mjs exactly as when bin/run.js imported it.
 */
export async function buildBinScript(outfile = BIN_SCRIPT_PATH, defines?: Record<string, string>): Promise<{outfile: string; bytes: number}> {
  const result = await build({
    ...commonBuildOptions(outfile),
    banner: {js: `var __kmImportMetaUrl = require("node:url").pathToFileURL(require("node:path").join(__dirname, ${JSON.stringify(path.basename(BUNDLE_PATH))})).href;`},
    define: {...(defines ?? (await bundleDefines())), __KM_BUNDLE__: 'true', 'import.meta.url': '__kmImportMetaUrl'},
    format: 'cjs',
    logLevel: 'warning',
    stdin: {contents: entrySource(commandFiles()), loader: 'ts', resolveDir: ROOT, sourcefile: 'kubectl-maintenance-entry.ts'},
    write: false,
  })
  const code = withSourceHash(result.outputFiles[0].text)
  mkdirSync(path.dirname(outfile), {recursive: true})
  writeFileSync(outfile, code)
  return {bytes: Buffer.byteLength(code), outfile}
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outIndex = process.argv.indexOf('--outfile')
  const defines = await bundleDefines()
  const built = [await buildBundle(outIndex > 0 ? path.resolve(process.argv[outIndex + 1]) : BUNDLE_PATH, defines)]
  if (outIndex < 0) built.push(await buildBinScript(BIN_SCRIPT_PATH, defines))
  for (const {bytes, outfile} of built) process.stdout.write(`${path.relative(process.cwd(), outfile)}: ${(bytes / 1024).toFixed(0)} KiB\n`)
}
