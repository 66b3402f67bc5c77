import {Config} from '@oclif/core'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {PROJECT_ROOT} from '../support/run-command.js'

/**
 * oclif's view of the commands in src/ as they are now. The project root may hold an oclif.manifest.json from the
 * last build, which oclif would trust over the sources; a root of its own without one makes oclif read src/commands.
 */
export async function loadSourceConfig(): Promise<Config> {
  const root = mkdtempSync(path.join(tmpdir(), 'km-cli-'))
  const pjson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {oclif: Record<string, unknown>}
  pjson.oclif.commands = path.relative(root, path.join(PROJECT_ROOT, 'src', 'commands'))
  return Config.load({pjson: pjson as unknown as Config['pjson'], root})
}

/** The command line that runs `kubectl-maintenance` from src/ (see cli-from-src.ts). */
export function sourceCliCommand(): string[] {
  // tsx by URL: the shell that runs this may sit in any directory, from which a bare `tsx` would not resolve.
  const tsx = pathToFileURL(path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href
  return [process.execPath, '--import', tsx, path.join(PROJECT_ROOT, 'test', 'packaging', 'cli-from-src.ts')]
}
