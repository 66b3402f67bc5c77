import {type KubeClient, type KubeObject} from '../kube/client.js'
import {createBypassSecret} from '../kube/bypass-secret.js'
import type {Window} from '../model/window.js'
import {type GateInput} from './gate-input.js'
import {renderData} from './output.js'
import {describeWindow} from './windows-table.js'

/** What `schedule` and `now` print on stdout for the window they stored, in the -o format asked for. */
export function createdWindowText(output: 'table' | 'json' | 'yaml' | 'name', stored: KubeObject, window: Window, dryRun = false): string {
  if (output === 'json' || output === 'yaml') return renderData(output, stored)
  if (output === 'name') return `window/${window.name}`
  return `window ${window.name} created${dryRun ? ' (dry run)' : ''}: ${describeWindow(window)}`
}

/** The bypass secret goes into its Secret, owned by the window; it is never printed (kubectl maintenance bypass shows it). */
export async function keepBypassSecret(client: KubeClient, stored: KubeObject, gate: GateInput | undefined, dryRun: boolean, note: (line: string) => void): Promise<void> {
  if (gate?.secret === undefined) return
  await createBypassSecret(client, stored, gate.secret, dryRun)
  note(`bypass: kubectl maintenance bypass ${stored.metadata.name} -n ${stored.metadata.namespace} prints the link and the header`)
}
