/**
 * The warning oclif prints when Node is older than the package's `engines.node`, made without loading semver.
 *
 * oclif checks package.json one directory above its own file on every start; in the bundle that is the directory
 * above dist/, which holds our package.json only in a clone or an npm install (bin/run.js). scripts/build-bundle.ts
 * leaves oclif's check out of the bundle and the bundle's entry calls this instead, with the same file and message.
 * Only the `>=X.Y.Z` form is understood (ours); any other range is not checked here.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'

export function olderThanEngine(version: string, range: string): boolean {
  const minimum = /^>=\s*v?(\d+)\.(\d+)\.(\d+)$/.exec(range.trim())
  const running = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version)
  if (!minimum || !running) return false
  for (let part = 1; part <= 3; part++) {
    const difference = Number(running[part]) - Number(minimum[part])
    if (difference !== 0) return difference < 0
  }
  return false
}

export function warnOnOldNode(bundleDirectory: string, version = process.versions.node): void {
  let range: unknown
  try {
    range = (JSON.parse(readFileSync(path.join(bundleDirectory, '..', 'package.json'), 'utf8')) as {engines?: {node?: unknown}}).engines?.node
  } catch {
    return
  }
  if (typeof range === 'string' && olderThanEngine(version, range)) {
    process.emitWarning(`Node version must be ${range} to use this CLI. Current node version: ${version}`)
  }
}
