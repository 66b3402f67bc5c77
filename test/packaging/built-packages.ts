import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {type Platform, platformKey} from '../../scripts/package-manifest.js'
import {type BuiltPackage, buildPackages} from '../../scripts/package.js'

/**
 * Each platform's package built the way `npm run package` builds it, into one temporary directory per test run (the
 * committed plugin.yaml and build/ stay untouched): a platform is built the first time a suite asks for it, then
 * shared by every suite. The Node binaries come from packaging/node-runtimes/node_modules, installed once.
 */
export const TEST_BUILD_DIR = mkdtempSync(path.join(tmpdir(), 'km-package-'))

const builds = new Map<string, Promise<BuiltPackage>>()
let queue: Promise<unknown> = Promise.resolve()

export function builtPackage(platform: Platform): Promise<BuiltPackage> {
  const key = platformKey(platform)
  let build = builds.get(key)
  if (!build) {
    // One build at a time: they share the directory and the two cores.
    build = queue.then(async () => (await buildPackages([platform], TEST_BUILD_DIR))[0])
    queue = build.catch(() => undefined)
    builds.set(key, build)
  }
  return build
}

/** A build takes 30 to 90 seconds per platform on a busy machine. */
export const BUILD_TIMEOUT_MS = 600_000
