import type {Action} from './types.js'

import {formatTarget} from '../model/target.js'

/** What `uninstall` would do: the restores of a dry-run pass that restores everything, then the backends and objects it deletes. */
export function uninstallPreview(planned: Action[], backends: string[], deleted: string[]): string[] {
  const lines: string[] = []
  for (const action of planned) {
    if (action.type === 'restore') lines.push(`${action.target.namespace}/${formatTarget(action.target.ref)} would be restored (window ${action.window})`)
  }
  // Backends go once nothing uses them, after the restores: all of them, as the pass after the restore would find.
  for (const backend of backends) lines.push(`backend ${backend} would be deleted`)
  for (const name of deleted) lines.push(`${name} would be deleted`)
  return lines
}
