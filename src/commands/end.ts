import {Args} from '@oclif/core'

import {applyStoredChange} from '../cli/apply-now.js'
import {KubeCommand} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {activeExtensionsOf, activeWindowsOf, enableAnnotationsToRemove, endableWindow} from '../engine/window-changes.js'
import {getTarget, targetType} from '../kube/targets.js'
import {endWindow, getWindow, listWindows} from '../kube/windows.js'
import {type TargetRef, formatTarget, parseTarget, sameTarget} from '../model/target.js'
import {formatLocal} from '../model/time.js'
import {type Window} from '../model/window.js'
import {windowArg} from '../cli/window-input.js'

export default class End extends KubeCommand<typeof End> {
  static args = {
    window: Args.string({description: 'A window name, or a target (kind/NAME): every active window naming it ends, and its enable annotation is removed.', multiple: true, parse: windowArg, required: true}),
  }

  static description = `End maintenance now and restore the targets at once.
Give window names, or targets: for a target every active window naming it ends, and an enable annotation (kubectl-maintenance.io/enabled or maintenance-operator's) is removed. For a recurring window only the occurrence in progress ends; later ones still happen (kubectl maintenance cancel stops them all). A window that has not started yet is cancelled with kubectl maintenance cancel instead.`

  static examples = [
    '<%= config.bin %> <%= command.id %> ingress-shop-20261224-2200 -n shop',
    '<%= config.bin %> <%= command.id %> ingress/shop -n shop',
  ]

  async run(): Promise<void> {
    const at = now()
    const refs = this.args.window.map((text) => (text.includes('/') ? parseTarget(text) : text))
    const client = await this.client()
    const namespace = client.namespace
    const windows = new Map<string, Window>()
    const annotated: Array<{ref: TargetRef; annotations: string[]}> = []
    const all = refs.some((ref) => typeof ref !== 'string') ? (await listWindows(client, namespace)).windows : []
    for (const ref of refs) {
      if (typeof ref === 'string') {
        const {note, window} = endableWindow(await getWindow(client, namespace, ref), at)
        if (note) process.stderr.write(`${note}\n`)
        if (window) windows.set(window.name, window)
        // What `extend` added to the occurrence in progress ends with it, else the targets stay down.
        if (window?.every) for (const extension of activeExtensionsOf((await listWindows(client, namespace)).windows, window, at)) windows.set(extension.name, extension)
        continue
      }
      const active = activeWindowsOf(all, ref, at)
      for (const window of active) windows.set(window.name, window)
      const annotations = enableAnnotationsToRemove(await getTarget(client, namespace, ref), ref, namespace, active.length > 0)
      if (annotations.length > 0) annotated.push({annotations, ref})
    }

    for (const window of windows.values()) {
      const {end, next} = await endWindow(client, window, at)
      const later = next === undefined ? 'no later occurrence' : `the next starts ${formatLocal(next, window.timezone)}`
      this.log(`window ${window.name} ended at ${formatLocal(end, window.timezone)}${window.every ? ` for this occurrence; ${later}` : ''}`)
    }
    for (const {annotations, ref} of annotated) {
      const type = await targetType(client, ref.kind)
      if (type) await client.patch(type, namespace, ref.name, 'merge', {metadata: {annotations: Object.fromEntries(annotations.map((key) => [key, null]))}})
      this.log(`${formatTarget(ref)}: removed annotation ${annotations.join(', ')}`)
    }
    const restored = [...[...windows.values()].flatMap((w) => w.targets), ...annotated.map((t) => t.ref)]
    const targets = restored.filter((ref, index) => restored.findIndex((other) => sameTarget(other, ref)) === index)
    await applyStoredChange(client, namespace, (line) => this.log(line), {targets})
  }
}
