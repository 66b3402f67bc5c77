import {Args} from '@oclif/core'

import {applyNow} from '../cli/apply-now.js'
import {KubeCommand} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {type KubeClient, type KubeObject} from '../kube/client.js'
import {type ResourceType} from '../kube/resources.js'
import {targetType} from '../kube/targets.js'
import {endOccurrence, endWindow, getWindow, listWindows} from '../kube/windows.js'
import {UserError} from '../model/errors.js'
import {ACTIVE_LABEL, LegacyAnnotation, TargetAnnotation} from '../model/keys.js'
import {type TargetRef, formatTarget, parseTarget, sameTarget} from '../model/target.js'
import {formatLocal} from '../model/time.js'
import {type Window} from '../model/window.js'
import {currentInterval, isOver} from '../model/window-schedule.js'

const ENABLE_ANNOTATIONS = [TargetAnnotation.enabled, LegacyAnnotation.enabled]

interface AnnotatedTarget {
  ref: TargetRef
  type: ResourceType
  annotations: string[]
}

export default class End extends KubeCommand<typeof End> {
  static args = {
    window: Args.string({description: 'A window name, or a target (kind/NAME): every active window naming it ends, and its enable annotation is removed.', multiple: true, required: true}),
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
    const targets: AnnotatedTarget[] = []
    const all = refs.some((ref) => typeof ref !== 'string') ? (await listWindows(client, namespace)).windows : []
    for (const ref of refs) {
      if (typeof ref === 'string') {
        const window = await getWindow(client, namespace, ref)
        if (window.phase === 'Cancelled') this.note(`window ${ref} was cancelled; nothing to do`)
        else if (window.start >= at) throw new UserError(`window ${ref} has not started (it starts ${formatLocal(window.start, window.timezone)}); use kubectl maintenance cancel ${ref}`)
        else if (window.phase === 'Completed' || isOver(window, at)) this.note(`window ${ref} has already ended; nothing to do`)
        else windows.set(window.name, window)
        continue
      }
      const active = all.filter((w) => w.phase !== 'Cancelled' && w.targets.some((t) => sameTarget(t, ref)) && currentInterval(w, at))
      for (const window of active) windows.set(window.name, window)
      const annotated = await this.annotatedTarget(client, namespace, ref, active.length > 0)
      if (annotated) targets.push(annotated)
    }

    for (const window of windows.values()) {
      if (window.every) {
        const {end, next} = await endOccurrence(client, window, at)
        const later = next === undefined ? 'no later occurrence' : `the next starts ${formatLocal(next, window.timezone)}`
        this.log(`window ${window.name} ended at ${formatLocal(end, window.timezone)} for this occurrence; ${later}`)
        continue
      }
      const end = await endWindow(client, window, at)
      this.log(`window ${window.name} ended at ${formatLocal(end, window.timezone)}`)
    }
    for (const target of targets) {
      const annotations = Object.fromEntries(target.annotations.map((key) => [key, null]))
      await client.patch(target.type, namespace, target.ref.name, 'merge', {metadata: {annotations}})
      this.log(`${formatTarget(target.ref)}: removed annotation ${target.annotations.join(', ')}`)
    }
    const restored = [...[...windows.values()].flatMap((w) => w.targets), ...targets.map((t) => t.ref)]
    await this.applyNow(namespace, restored.filter((ref, index) => restored.findIndex((other) => sameTarget(other, ref)) === index))
  }

  /** Restores what was ended in `namespace` at once; the window and annotation changes are already stored. */
  protected async applyNow(namespace: string, targets: TargetRef[]): Promise<void> {
    await applyNow(await this.client(), {
      log: (line) => this.log(line),
      namespace,
      targets,
      // An end lands on the next whole second: wait for it rather than leave the restore to the CronJob.
      settleMs: 1500,
      timeoutMs: 0,
      waitingFor: 'waiting for the maintenance backend with the new end to become ready',
    })
  }

  /** The target's enable annotations to remove; a target neither annotated, in maintenance, nor in an active window is a user error. */
  private async annotatedTarget(client: KubeClient, namespace: string, ref: TargetRef, hasActiveWindow: boolean): Promise<AnnotatedTarget | undefined> {
    const type = await targetType(client, ref.kind)
    const object: KubeObject | undefined = type ? await client.getIfExists(type, namespace, ref.name) : undefined
    if (!type || !object) {
      if (hasActiveWindow) return undefined
      throw new UserError(`${formatTarget(ref)} not found in namespace ${namespace}`)
    }
    const annotations = ENABLE_ANNOTATIONS.filter((key) => object.metadata.annotations?.[key] !== undefined)
    if (annotations.length > 0) return {annotations, ref, type}
    if (!hasActiveWindow && object.metadata.labels?.[ACTIVE_LABEL] !== 'true') {
      throw new UserError(`${formatTarget(ref)} is not in maintenance in namespace ${namespace}: no active window names it and it has no enable annotation`)
    }
    return undefined
  }
}
