/**
 * The Node single-executable application (SEA) of the plugin: a copy of a Node binary (the pinned Node 24 of
 * scripts/package-node.ts, for any platform) with the plugin injected.
 *
 * Node 20 and 24 run the injected script as CommonJS, whose require() reaches only built-in modules and where import() of
 * anything else is unavailable (and with the code cache on, import() does not work at all). So the SEA gets a CommonJS
 * build of the same entry as dist/kubectl-maintenance.mjs: the same command loaders, the same src/bundle/run-bundle.ts,
 * the same build-time constants.
 */
import {build} from 'esbuild'
import {execFileSync} from 'node:child_process'
import {chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {unsign as unsignMachO} from 'macho-unsign'
import {signatureSet} from 'portable-executable-signature'

import {BUNDLE_PATH, ROOT, RUN_BUNDLE, bundleDefines, commandFiles, commandLoadersSource, commonBuildOptions, outputBytes, readPackageJson} from './build-bundle.js'
import type {Platform} from './package-manifest.js'

/** The SEA asset holding the ESM bundle, which `install` ships to the CronJob. */
export const BUNDLE_ASSET = 'kubectl-maintenance.mjs'
/** Node's fixed sentinel: postject flips it so the binary knows a blob was injected. */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

// Runs first, before any bundled module: answers "not found" itself for files and packages inside the executable
// (optional dependencies probe some; the SEA's own require() would warn on each), and gives the ESM-minded code an
// import.meta.url: the executable, like __filename.
const BANNER = [
  'var __kmRequire = require;',
  'var __kmInSea = (function () { try { return __kmRequire("node:sea").isSea(); } catch (error) { return false; } })();',
  'var __kmIsBuiltin = __kmRequire("node:module").isBuiltin;',
  'var __kmUnreachable = function (id) { return __kmInSea && !__kmIsBuiltin(id); };',
  'var __kmNotFound = function (id) { return Object.assign(new Error("Cannot find module \'" + id + "\'"), {code: "MODULE_NOT_FOUND"}); };',
  'var require = Object.assign(function (id) {',
  '  if (__kmUnreachable(id)) throw __kmNotFound(id);',
  '  return __kmRequire(id);',
  '}, __kmRequire, {',
  '  resolve: function (id, options) {',
  '    if (__kmUnreachable(id)) throw __kmNotFound(id);',
  '    return __kmRequire.resolve ? __kmRequire.resolve(id, options) : id;',
  '  },',
  '});',
  'var __kmImportMetaUrl = __kmRequire("node:url").pathToFileURL(__filename).href;',
].join('\n')

/** The CommonJS entry: the ESM bundle ready for `install`, then the same runBundle and loaders as the ESM entry. */
export function seaEntrySource(commands: Array<{id: string; file: string}>): string {
  return [
    `import {runBundle} from ${JSON.stringify(RUN_BUNDLE)}`,
    `import {prepareBundleForInstall} from ${JSON.stringify(path.join(ROOT, 'scripts', 'package-sea-runtime.ts'))}`,
    "import {dirname} from 'node:path'",
    `prepareBundleForInstall(${JSON.stringify(BUNDLE_ASSET)}, process.argv.slice(2))`,
    `runBundle(${commandLoadersSource(commands)}, dirname(process.execPath))`,
    '',
  ].join('\n')
}

/** Builds the CommonJS variant of the bundle (same entry, same defines as scripts/build-bundle.ts). */
export async function buildSeaScript(outfile: string, pjson = readPackageJson()): Promise<{outfile: string; bytes: number}> {
  const result = await build({
    ...commonBuildOptions(outfile),
    banner: {js: BANNER},
    define: {
      ...(await bundleDefines(pjson)),
      // The running file is the executable, not the ESM bundle the CronJob needs: bundle-source.ts must not use it.
      __KM_BUNDLE__: 'false',
      'import.meta.url': '__kmImportMetaUrl',
    },
    format: 'cjs',
    logLevel: 'error',
    stdin: {contents: seaEntrySource(commandFiles()), loader: 'ts', resolveDir: ROOT, sourcefile: 'kubectl-maintenance-sea-entry.ts'},
  })
  return {bytes: outputBytes(result), outfile}
}

export interface SeaConfig {
  main: string
  output: string
  disableExperimentalSEAWarning: boolean
  useCodeCache: boolean
  assets: Record<string, string>
  execArgv: string[]
}

/**
 * Node options the executable starts with (Node 24's SEA `execArgv`; Node 20 ignores the field). V8's young
 * generation starts at 1 MB: loading oclif and a command fills it several times, and each scavenge copies the
 * modules that stay alive. Starting it at 4 MB leaves one scavenge or none; 16 MB and more cost more in page faults
 * than they save (measured: --help 10 ms faster at 4 MB, 4 ms at 16, 9 ms slower at 32).
 */
export const SEA_EXEC_ARGV = ['--min-semi-space-size=4']

export function seaConfig(main: string, blob: string, esmBundle: string, useCodeCache: boolean): SeaConfig {
  return {assets: {[BUNDLE_ASSET]: esmBundle}, disableExperimentalSEAWarning: true, execArgv: SEA_EXEC_ARGV, main, output: blob, useCodeCache}
}

/** Runs a build tool quietly (postject's LIEF warns about every ELF note it does not know); its output only on failure. */
function exec(file: string, args: string[], cwd?: string): void {
  try {
    execFileSync(file, args, {cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  } catch (error) {
    const {stderr, stdout} = error as {stderr?: string; stdout?: string}
    throw new Error(`${[file, ...args].join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`)
  }
}

export interface SeaOptions {
  /** The Node binary the executable is a copy of. */
  node: string
  /**
   * The Node that writes the blob, which must be the same Node version as `node` and run here; `node` itself when
   * omitted (then it must run on this machine).
   */
  preparer?: string
  /**
   * V8's code cache in the blob: faster start-up, but machine code of the preparer's platform and not the same bytes
   * twice. Only when the preparer is the target binary itself (Node's SEA guide: off when building for another
   * platform). Default: on when there is no separate preparer.
   */
  codeCache?: boolean
  platform: Platform
  workDir: string
  output: string
  esmBundle?: string
  strip?: boolean
  /** The CommonJS script (buildSeaScript), when one build serves several platforms. */
  script?: string
}

/** GNU strip knows only its own architecture: Debian's binutils-aarch64-linux-gnu strips arm64 binaries. */
export function stripTool(platform: Platform): {tool: string; debianPackage: string} {
  return platform.arch === 'arm64' ? {debianPackage: 'binutils-aarch64-linux-gnu', tool: 'aarch64-linux-gnu-strip'} : {debianPackage: 'binutils', tool: 'strip'}
}

/**
 * Removes the code signature postject cannot write around: the Mach-O one of nodejs.org's macOS build (the result
 * stays unsigned; README: signing on macOS), the Authenticode one of its Windows build. Linux binaries carry none.
 */
export function removeSignature(file: string, platform: Platform): void {
  if (platform.os === 'linux') return
  const data = readFileSync(file)
  const unsigned = platform.os === 'darwin' ? unsignMachO(data) : signatureSet(data, null)
  if (unsigned) writeFileSync(file, Buffer.from(unsigned))
}

const SEA_SCRIPT = 'kubectl-maintenance.cjs'

/** Script -> blob -> copy of node, stripped (Linux) or unsigned (macOS, Windows) -> blob injected. */
export async function buildSea(options: SeaOptions): Promise<string> {
  mkdirSync(options.workDir, {recursive: true})
  // The blob records the path of its main script as written in the config: a name relative to the work directory
  // keeps the blob (and so the executable) the same wherever it is built.
  const script = path.join(options.workDir, SEA_SCRIPT)
  if (options.script) copyFileSync(options.script, script)
  else await buildSeaScript(script)
  const blob = path.join(options.workDir, 'sea-prep.blob')
  const configFile = path.join(options.workDir, 'sea-config.json')
  const codeCache = options.codeCache ?? options.preparer === undefined
  writeFileSync(configFile, JSON.stringify(seaConfig(SEA_SCRIPT, path.basename(blob), options.esmBundle ?? BUNDLE_PATH, codeCache), null, 2) + '\n')
  exec(options.preparer ?? options.node, ['--experimental-sea-config', path.basename(configFile)], options.workDir)

  mkdirSync(path.dirname(options.output), {recursive: true})
  rmSync(options.output, {force: true})
  copyFileSync(options.node, options.output)
  chmodSync(options.output, 0o755)
  removeSignature(options.output, options.platform)
  // Debug symbols are most of nodejs.org's Linux binaries (126 MB to 100 MB); its macOS and Windows ones have none.
  if (options.strip !== false && options.platform.os === 'linux') {
    const {debianPackage, tool} = stripTool(options.platform)
    try {
      execFileSync(tool, ['--version'], {stdio: 'ignore'})
    } catch {
      throw new Error(`${tool} is missing (it strips the ${options.platform.os}/${options.platform.arch} binary): apt-get install ${debianPackage}`)
    }
    exec(tool, ['--strip-all', options.output])
  }
  const postject = path.join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js')
  const macho = options.platform.os === 'darwin' ? ['--macho-segment-name', 'NODE_SEA'] : []
  exec(process.execPath, [postject, options.output, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE, ...macho])
  return options.output
}
