import {Args} from '@oclif/core'

import {applyStoredChange} from '../cli/apply-now.js'
import {KubeCommand} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {cancellableWindowsOf, enableAnnotationsToRemove} from '../engine/window-changes.js'
import {getTarget, targetType} from '../kube/targets.js'
import {cancelWindow, getWindow, listWindows} from '../kube/windows.js'
import {type TargetRef, formatTarget, parseTarget} from '../model/target.js'
import {formatLocal} from '../model/time.js'
import {type Window} from '../model/window.js'
import {windowArg} from '../cli/window-input.js'

export default class Cancel extends KubeCommand<typeof Cancel> {
  static args = {
    window: Args.string({description: 'Window names, or targets (kind/NAME): every window naming the target that is in progress or to come is cancelled, and its enable annotation is removed.', multiple: true, parse: windowArg, required: true}),
  }

  static description = `Cancel maintenance windows.
A window that has not started (or a recurring one between occurrences) is marked Cancelled and never applied; an active one ends now and its targets are restored, as with kubectl maintenance end. Give window names, or targets as with end.`

  static examples = ['<%= config.bin %> <%= command.id %> ingress-shop-20261224-2200 -n shop', '<%= config.bin %> <%= command.id %> ingress/shop -n shop']

  async run(): Promise<void> {
    const at = now()
    const client = await this.client()
    const namespace = client.namespace
    const refs = [...new Set(this.args.window)].map((text) => (text.includes('/') ? parseTarget(text) : text))
    const all = refs.some((ref) => typeof ref !== 'string') ? (await listWindows(client, namespace)).windows : []
    const windows = new Map<string, Window>()
    const annotated: Array<{ref: TargetRef; annotations: string[]}> = []
    for (const ref of refs) {
      if (typeof ref === 'string') {
        windows.set(ref, await getWindow(client, namespace, ref))
        continue
      }
      const named = cancellableWindowsOf(all, ref, at)
      for (const window of named) windows.set(window.name, window)
      const annotations = enableAnnotationsToRemove(await getTarget(client, namespace, ref), ref, namespace, named.length > 0)
      if (annotations.length > 0) annotated.push({annotations, ref})
    }
    let changed = false
    for (const window of windows.values()) {
      const {decision, end} = await cancelWindow(client, window, at)
      if (decision === 'cancelled already' || decision === 'ended already') {
        process.stderr.write(`window ${window.name} was ${decision === 'cancelled already' ? 'cancelled' : 'over'} already; nothing to do\n`)
      } else if (decision === 'cancel') {
        this.log(`window ${window.name} cancelled`)
      } else {
        this.log(`window ${window.name} ended at ${formatLocal(end as number, window.timezone)}`)
        changed = true
      }
    }
    for (const {annotations, ref} of annotated) {
      const type = await targetType(client, ref.kind)
      if (type) await client.patch(type, namespace, ref.name, 'merge', {metadata: {annotations: Object.fromEntries(annotations.map((key) => [key, null]))}})
      this.log(`${formatTarget(ref)}: removed annotation ${annotations.join(', ')}`)
      changed = true
    }
    if (changed) await applyStoredChange(client, namespace, (line) => this.log(line))
  }
}
