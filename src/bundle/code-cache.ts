/**
 * Runs the CommonJS variant of the bundle (dist/kubectl-maintenance.cjs) with V8's code cache, for bin/run.js.
 *
 * Node 20 compiles an ES module from source on every start, and for the 1.8 MB bundle that was the largest part of
 * `--help`. A vm.Script takes V8's cached data instead: the first run compiles and, as it exits, saves the code of
 * every function it ran (what v8-compile-cache and Node 22's module.enableCompileCache do); later runs deserialize it.
 * The functions a run compiles depend on the command (`--help` never reaches the Kubernetes client), so the cache
 * records which commands (first words of argv) went into it, and the first run of another command saves it again with
 * that command's code added (up to MAX_COMMANDS words, so typed-in garbage cannot make every run write).
 * The cache lives in the user's cache directory, where oclif keeps this CLI's (`~/.cache/kubectl-maintenance`), named
 * by the script's sha256 (its first line, written by scripts/build-bundle.ts: nothing is hashed at start), Node's
 * version and the architecture. V8 refuses data made by another V8 or with other flags; then the script compiles as
 * without a cache and the file is written again. A cache that cannot be read or written is no error: it is skipped.
 */
import {readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {homedir} from 'node:os'
import path from 'node:path'
import vm from 'node:vm'

import {makeDirectories} from '../cli/make-directories.js'

/** Cache files not written for this long are removed when another is written (one per build of the CLI and Node). */
const STALE_MS = 30 * 24 * 60 * 60 * 1000
/** At most this many first words of argv are recorded; past it, the cache is no longer extended. */
export const MAX_COMMANDS = 64

const SOURCE_HASH = /^\/\/ sha256:([\da-f]{64})\n/

export type CodeCacheStatus = 'used' | 'rejected' | 'absent' | 'off'

export interface LoadedScript {
  /** used: V8 took the cached data; rejected: it did not (other Node, flags); absent: none yet; off: no hash line or no directory. */
  status: CodeCacheStatus
  cacheFile?: string
  /** The commands whose code the cache holds, as read. */
  commands: string[]
  script: vm.Script
  /** Runs the script as CommonJS (exports, require, module, __filename, __dirname), as Node would. */
  run(): void
}

/** A cache file: 4 bytes (big-endian length of the JSON list of commands), that list, V8's data. */
export function encodeCacheFile(commands: string[], data: Buffer): Buffer {
  const list = Buffer.from(JSON.stringify(commands))
  const length = Buffer.alloc(4)
  length.writeUInt32BE(list.length)
  return Buffer.concat([length, list, data])
}

export function decodeCacheFile(file: Buffer): {commands: string[]; data: Buffer} | undefined {
  if (file.length < 4 || file.length < 4 + file.readUInt32BE(0)) return undefined
  const end = 4 + file.readUInt32BE(0)
  try {
    const commands: unknown = JSON.parse(file.subarray(4, end).toString())
    if (!Array.isArray(commands) || !commands.every((command) => typeof command === 'string')) return undefined
    return {commands, data: file.subarray(end)}
  } catch {
    return undefined
  }
}

/** What a run is recorded as: the first word of argv (`list`, `page`, `--help`), or nothing for a bare call. */
export function commandOf(argv: string[]): string {
  return argv[0] ?? ''
}

/** Where oclif puts this CLI's cache (config.cacheDir, without its env override), plus code-cache/. */
export function codeCacheDirectory(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  const cli = 'kubectl-maintenance'
  const base =
    platform === 'darwin'
      ? path.join(home, 'Library', 'Caches', cli)
      : path.join(env.XDG_CACHE_HOME || (platform === 'win32' && env.LOCALAPPDATA) || path.join(home, '.cache'), cli)
  return path.join(base, 'code-cache')
}

/** No home directory to be found (os.homedir throws without HOME and a passwd entry): no cache, never an error. */
function defaultDirectory(): string | undefined {
  try {
    return codeCacheDirectory()
  } catch {
    return undefined
  }
}

export function cacheFileName(sourceHash: string, nodeVersion = process.version, arch = process.arch): string {
  return `${sourceHash.slice(0, 32)}-${nodeVersion}-${arch}.v8`
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return readFileSync(file)
  } catch {
    return undefined
  }
}

export function loadScript(file: string, cacheDirectory: string | undefined): LoadedScript {
  const source = readFileSync(file, 'utf8')
  const hash = SOURCE_HASH.exec(source)?.[1]
  const cacheFile = hash && cacheDirectory ? path.join(cacheDirectory, cacheFileName(hash)) : undefined
  const cached = cacheFile ? decodeCacheFile(readOrUndefined(cacheFile) ?? Buffer.alloc(0)) : undefined
  // Module.wrap's wrapper; `import()` inside resolves as it would in a file Node loaded itself.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
    cachedData: cached?.data,
    filename: file,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  })
  const status: CodeCacheStatus = !cacheFile ? 'off' : cached === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used'
  return {
    cacheFile,
    commands: status === 'used' ? (cached?.commands ?? []) : [],
    run() {
      const wrapper = script.runInThisContext() as (...args: unknown[]) => void
      const module = {exports: {}}
      wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file))
    },
    script,
    status,
  }
}

/** Writes the script's code cache (every function compiled so far) atomically; false when it cannot. */
export function saveCodeCache(script: vm.Script, cacheFile: string, commands: string[], now = Date.now()): boolean {
  try {
    makeDirectories(path.dirname(cacheFile))
    const partial = `${cacheFile}.${process.pid}.tmp`
    writeFileSync(partial, encodeCacheFile(commands, script.createCachedData()))
    renameSync(partial, cacheFile)
  } catch {
    return false
  }
  removeStale(path.dirname(cacheFile), cacheFile, now)
  return true
}

function removeStale(directory: string, keep: string, now: number): void {
  for (const name of readdirSync(directory)) {
    const other = path.join(directory, name)
    try {
      if (other !== keep && now - statSync(other).mtimeMs > STALE_MS) rmSync(other, {force: true})
    } catch {
      // Another run removed or replaced it meanwhile.
    }
  }
}

/**
 * bin/run.js: runs the script; when V8 had no usable cache for it, or the cache has not seen this command yet, saves
 * one (with this run's code) as the process exits.
 */
export function runWithCodeCache(file: string, argv = process.argv.slice(2), cacheDirectory: string | undefined = defaultDirectory()): CodeCacheStatus {
  const loaded = loadScript(file, cacheDirectory)
  const {cacheFile, commands} = loaded
  const command = commandOf(argv)
  if (cacheFile && !commands.includes(command) && commands.length < MAX_COMMANDS) {
    process.once('exit', () => saveCodeCache(loaded.script, cacheFile, [...commands, command]))
  }
  loaded.run()
  return loaded.status
}
