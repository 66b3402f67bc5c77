import {Args} from '@oclif/core'

import {KubeCommand} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {pauseChange} from '../engine/series-changes.js'
import {changeSeries} from '../kube/series.js'

export default class Pause extends KubeCommand<typeof Pause> {
  static args = {
    window: Args.string({description: 'Name of the recurring window.', required: true}),
  }

  static description = `Pause a recurring window: no occurrence starts until kubectl maintenance resume.
An occurrence in progress runs to its end (end it now with kubectl maintenance end). Paused occurrences show as cancelled in the schedule feed and kubectl maintenance calendar.`

  static examples = ['<%= config.bin %> <%= command.id %> svc-db-20261101-0200 -n shop']

  async run(): Promise<void> {
    const at = now()
    const client = await this.client()
    const change = await changeSeries(client, client.namespace, this.args.window, (window) => pauseChange(window, at), at)
    for (const line of change.lines) this.log(line)
  }
}
