import {Args} from '@oclif/core'

import {KubeCommand} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {resumeChange} from '../engine/series-changes.js'
import {changeSeries} from '../kube/series.js'

export default class Resume extends KubeCommand<typeof Resume> {
  static args = {
    window: Args.string({description: 'Name of the recurring window.', required: true}),
  }

  static description = `Resume a paused recurring window: occurrences start again from the next one on.
Occurrences that would have started while it was paused do not run late.`

  static examples = ['<%= config.bin %> <%= command.id %> svc-db-20261101-0200 -n shop']

  async run(): Promise<void> {
    const at = now()
    const client = await this.client()
    const change = await changeSeries(client, client.namespace, this.args.window, (window) => resumeChange(window, at), at)
    for (const line of change.lines) this.log(line)
  }
}
