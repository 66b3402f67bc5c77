import {Args} from '@oclif/core'

import {applyNow} from '../cli/apply-now.js'
import {KubeCommand} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {recordEvent} from '../kube/events.js'
import {type KubeClient, isConflict} from '../kube/client.js'
import {endWindow, getWindow, patchWindowAnnotations} from '../kube/windows.js'
import {WindowAnnotation} from '../model/keys.js'
import {formatLocal} from '../model/time.js'
import {type Window} from '../model/window.js'
import {isOver} from '../model/window-schedule.js'

type Decision = 'cancel' | 'end' | 'cancelled already' | 'ended already'

/** What cancelling means for a window as it stands at `now`. */
function cancelDecision(window: Window, now: number): Decision {
  if (window.phase === 'Cancelled') return 'cancelled already'
  if (window.phase === 'Completed' || isOver(window, now)) return 'ended already'
  return window.start > now ? 'cancel' : 'end'
}

export default class Cancel extends KubeCommand<typeof Cancel> {
  static args = {
    window: Args.string({description: 'Names of the windows to cancel.', multiple: true, required: true}),
  }

  static description = `Cancel maintenance windows.
A window that has not started is marked Cancelled and never applied; an active one ends now and its targets are restored, as with kubectl maintenance end.`

  static examples = ['<%= config.bin %> <%= command.id %> ingress-shop-20261224-2200 -n shop']

  async run(): Promise<void> {
    const at = now()
    const client = await this.client()
    const namespace = client.namespace
    const windows: Window[] = []
    for (const name of new Set(this.args.window)) {
      windows.push(await getWindow(client, namespace, name))
    }
    let ended = false
    for (const window of windows) {
      ended = (await this.cancel(client, window, at)) || ended
    }
    if (ended) await this.applyNow(namespace)
  }

  /** Restores what was ended in `namespace` at once; the window changes are already stored. */
  protected async applyNow(namespace: string): Promise<void> {
    await applyNow(await this.client(), {
      log: (line) => this.log(line),
      namespace,
      targets: [],
      // An end lands on the next whole second: wait for it rather than leave the restore to the CronJob.
      settleMs: 1500,
      timeoutMs: 0,
      waitingFor: 'waiting for the maintenance backend with the new end to become ready',
    })
  }

  /** Cancels or ends one window; true when it was active and its targets need restoring. */
  private async cancel(client: KubeClient, read: Window, at: number): Promise<boolean> {
    let window = read
    for (let attempt = 1; ; attempt++) {
      const decision = cancelDecision(window, at)
      if (decision === 'cancelled already' || decision === 'ended already') {
        process.stderr.write(`window ${window.name} was ${decision === 'cancelled already' ? 'cancelled' : 'over'} already; nothing to do\n`)
        return false
      }
      if (decision === 'end') {
        const end = await endWindow(client, window, at)
        this.log(`window ${window.name} ended at ${formatLocal(end, window.timezone)}`)
        return true
      }
      try {
        // Only on the version read: if the engine started the window meanwhile, decide again on what it wrote.
        await patchWindowAnnotations(
          client,
          window.namespace,
          window.name,
          {[WindowAnnotation.phase]: 'Cancelled', [WindowAnnotation.phaseMessage]: `cancelled at ${formatLocal(at, window.timezone)}`},
          {resourceVersion: window.resourceVersion},
        )
        const involved = {apiVersion: 'v1', kind: 'ConfigMap', name: window.name, namespace: window.namespace, uid: window.uid}
        await recordEvent(client, involved, 'MaintenanceCancelled', `cancelled before its start; it will not be applied`, 'Normal', at)
        this.log(`window ${window.name} cancelled`)
        return false
      } catch (error) {
        if (!isConflict(error) || attempt >= 3) throw error
        window = await getWindow(client, window.namespace, window.name)
      }
    }
  }
}
