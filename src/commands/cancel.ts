import {Args} from '@oclif/core'

import {applyStoredChange} from '../cli/apply-now.js'
import {KubeCommand} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {cancelWindow, getWindow} from '../kube/windows.js'
import {formatLocal} from '../model/time.js'
import {type Window} from '../model/window.js'
import {windowArg} from '../cli/window-input.js'

export default class Cancel extends KubeCommand<typeof Cancel> {
  static args = {
    window: Args.string({description: 'Names of the windows to cancel.', multiple: true, parse: windowArg, required: true}),
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
      const {decision, end} = await cancelWindow(client, window, at)
      if (decision === 'cancelled already' || decision === 'ended already') {
        process.stderr.write(`window ${window.name} was ${decision === 'cancelled already' ? 'cancelled' : 'over'} already; nothing to do\n`)
      } else if (decision === 'cancel') {
        this.log(`window ${window.name} cancelled`)
      } else {
        this.log(`window ${window.name} ended at ${formatLocal(end as number, window.timezone)}`)
        ended = true
      }
    }
    if (ended) await applyStoredChange(client, namespace, (line) => this.log(line))
  }
}
