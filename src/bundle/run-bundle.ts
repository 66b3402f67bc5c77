/**
 * The runtime of the single-file bundle (dist/kubectl-maintenance.mjs) and of the executable, called by the entry that
 * scripts/build-bundle.ts generates with the command loaders. The file needs no package.json, no commands directory,
 * no oclif.manifest.json and no node_modules next to it: all of that is built in.
 */
import {Config, flush, run, settings, type Interfaces} from '@oclif/core'

import {handleTopLevel} from '../cli/top-level.js'

import {type BundledPackage, type CommandLoader, InMemoryPlugin} from './in-memory-plugin.js'

/** package.json's name, version, description and oclif section, defined at build time (JSON). */
declare const __KM_PACKAGE__: string
/** oclif's manifest of src/commands, made at build time (JSON). */
declare const __KM_OCLIF_MANIFEST__: string

/** Runs argv through oclif with the built-in manifest; a command's module is loaded only when that command runs. */
export async function runBundle(loaders: Record<string, CommandLoader>, root: string, argv: string[] = process.argv.slice(2)): Promise<void> {
  // Never look for TypeScript sources to transpile: there are none, and typescript is not in the bundle.
  settings.enableAutoTranspile = false
  let config: Config | undefined
  try {
    const plugin = new InMemoryPlugin(JSON.parse(__KM_PACKAGE__) as BundledPackage, root, JSON.parse(__KM_OCLIF_MANIFEST__) as Interfaces.Manifest, loaders)
    // Plugins given up front are the whole set: oclif looks for no user-, dev- or core-installed ones on each start.
    config = await Config.load({pjson: plugin.pjson, plugins: new Map([[plugin.name, plugin]]), root})
    await run(argv, config)
    await flush()
  } catch (error) {
    await handleTopLevel(error, config)
  }
}
