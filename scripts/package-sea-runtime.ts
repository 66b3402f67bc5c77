/**
 * Runs inside the single executable, before oclif. `install` ships the ESM bundle to the CronJob by path
 * (src/install/bundle-source.ts, KUBECTL_MAINTENANCE_BUNDLE); in the executable that bundle is a SEA asset, so it is
 * written once to a file named by its hash, and only when a command may need it.
 */
import {existsSync, renameSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {getAsset, isSea} from 'node:sea'

export function bundleCachePath(bundle: Buffer, directory = tmpdir()): string {
  // node:crypto (and the 19 modules it loads) only when `install` runs: an import at the top would load it on every
  // start, since this module runs before oclif (scripts/build-bundle.ts DEFERRED_BUILTINS).
  const digest = process
    .getBuiltinModule('node:crypto')
    .createHash('sha256').update(bundle).digest('hex').slice(0, 16)
  return path.join(directory, `kubectl-maintenance-${digest}.mjs`)
}

export function writeOnce(file: string, content: Buffer): void {
  if (existsSync(file)) return
  const partial = `${file}.${process.pid}.tmp`
  writeFileSync(partial, content, {mode: 0o644})
  renameSync(partial, file)
}

export function prepareBundleForInstall(asset: string, argv: string[], env: NodeJS.ProcessEnv = process.env): void {
  if (env.KUBECTL_MAINTENANCE_BUNDLE || !argv.includes('install') || !isSea()) return
  const bundle = Buffer.from(getAsset(asset))
  const file = bundleCachePath(bundle)
  writeOnce(file, bundle)
  env.KUBECTL_MAINTENANCE_BUNDLE = file
}
