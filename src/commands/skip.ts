import {Args, Flags} from '@oclif/core'

import {KubeCommand} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {fromFlag} from '../cli/window-input.js'
import {skipChange} from '../engine/series-changes.js'
import {changeSeries} from '../kube/series.js'
import {UserError} from '../model/errors.js'
import {parseSkipDate} from '../model/exceptions.js'

export default class Skip extends KubeCommand<typeof Skip> {
  static args = {
    window: Args.string({description: 'Name of the recurring window.', required: true}),
    date: Args.string({description: "The day to skip, YYYY-MM-DD in the window's timezone (more with --date).", required: false}),
  }

  static description = `Skip the occurrences of a recurring window on given days.
A day is read in the window's timezone; every occurrence starting that day is skipped: it does not switch anything and shows as cancelled in the schedule feed. An occurrence in progress is ended with kubectl maintenance end instead.`

  static examples = [
    '<%= config.bin %> <%= command.id %> svc-db-20261101-0200 2026-12-27 -n shop',
    '<%= config.bin %> <%= command.id %> svc-db-20261101-0200 --date 2026-12-27 --date 2027-01-03 -n shop',
  ]

  static flags = {
    date: Flags.string({description: "A day to skip, YYYY-MM-DD in the window's timezone. Repeatable.", multiple: true}),
  }

  async run(): Promise<void> {
    const at = now()
    const given = [...new Set([this.args.date, ...(this.flags.date ?? [])].filter((text): text is string => text !== undefined))]
    if (given.length === 0) throw new UserError('give the day to skip: kubectl maintenance skip WINDOW YYYY-MM-DD (or --date YYYY-MM-DD)')
    const dates = given.map((text) => fromFlag('date', () => parseSkipDate(text)))
    const client = await this.client()
    const change = await changeSeries(client, client.namespace, this.args.window, (window) => skipChange(window, dates, at), at)
    for (const line of change.lines) this.log(line)
  }
}
