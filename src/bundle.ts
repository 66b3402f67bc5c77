/**
 * The runtime of the single-file bundle (dist/kubectl-maintenance.mjs), called by the entry scripts/build-bundle.ts
 * generates. oclif finds the commands through the bundle's own COMMANDS export ("explicit" discovery), so the file
 * needs no package.json, no commands directory and no node_modules next to it.
 */
import {Config, flush, handle, run, settings} from '@oclif/core'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

interface PackageInfo {
  name: string
  version: string
  description?: string
  oclif: Record<string, unknown>
}

/** package.json's name, version and oclif section (minus its commands directory), defined at build time. */
declare const __KM_PACKAGE__: PackageInfo

export function bundlePjson(info: PackageInfo, bundleFile: string) {
  return {
    description: info.description,
    name: info.name,
    oclif: {...info.oclif, commands: {identifier: 'COMMANDS', strategy: 'explicit' as const, target: `./${bundleFile}`}},
    type: 'module',
    version: info.version,
  }
}

/** Runs argv through oclif with the commands exported by the bundle at bundleUrl. */
export async function runBundle(bundleUrl: string, argv: string[] = process.argv.slice(2)): Promise<void> {
  // Never look for TypeScript sources to transpile: there are none, and typescript is not in the bundle.
  settings.enableAutoTranspile = false
  const bundlePath = fileURLToPath(bundleUrl)
  try {
    // A single file has no plugins: do not look for user- or dev-installed ones on every start.
    const config = await Config.load({devPlugins: false, pjson: bundlePjson(__KM_PACKAGE__, path.basename(bundlePath)), root: path.dirname(bundlePath), userPlugins: false})
    await run(argv, config)
    await flush()
  } catch (error) {
    await handle(error as Error)
  }
}
