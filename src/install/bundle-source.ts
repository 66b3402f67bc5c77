import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {gzipSync} from 'node:zlib'

import {UserError} from '../model/errors.js'

/** Defined (true) by scripts/build-bundle.ts: this code is running from the single-file bundle. */
declare const __KM_BUNDLE__: boolean | undefined

export const BUNDLE_FILE_NAME = 'kubectl-maintenance.mjs'

/**
 * The bundle this plugin ships to the CronJob: the running file itself when the plugin runs from the bundle (so the
 * cluster runs exactly the code the user runs), else dist/kubectl-maintenance.mjs of the package (src/install and
 * dist/install are both two levels below the package root); KUBECTL_MAINTENANCE_BUNDLE overrides both.
 */
export function bundlePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KUBECTL_MAINTENANCE_BUNDLE) return env.KUBECTL_MAINTENANCE_BUNDLE
  const here = fileURLToPath(import.meta.url)
  if (typeof __KM_BUNDLE__ !== 'undefined' && __KM_BUNDLE__) return here
  return path.resolve(path.dirname(here), '..', '..', 'dist', BUNDLE_FILE_NAME)
}

/** Gzip without a name or timestamp in the header, so the same bundle always gives the same ConfigMap. */
export function gzipBundle(bundle: Buffer): Buffer {
  return gzipSync(bundle, {level: 9})
}

export function readGzippedBundle(env: NodeJS.ProcessEnv = process.env): Buffer {
  const file = bundlePath(env)
  if (!existsSync(file)) {
    throw new UserError(`the plugin bundle ${file} does not exist: build it with npm run build, or pass --image IMAGE to run a prebuilt image instead`)
  }
  return gzipBundle(readFileSync(file))
}
