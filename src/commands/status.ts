import {Args, Flags} from '@oclif/core'

import {KubeCommand, formatResults, listFlags} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {type StatusQuery, changedRows, readStatus} from '../cli/status-view.js'
import {currentVersion, watchWindows} from '../cli/watch.js'
import {parseTargets} from '../cli/window-input.js'
import {UserError} from '../model/errors.js'

export default class Status extends KubeCommand<typeof Status> {
  static args = {
    target: Args.string({description: 'Targets to show (default: every target in maintenance or named by a window that is not over).', multiple: true}),
  }

  static description = `Show whether targets are in maintenance, which window put them there, the backend serving the page, whether it is ready, and when maintenance ends.
Without TARGET: every target of the namespace that is in maintenance or named by a window that is not over or cancelled. With -w, after the table, a line for each target whose row changes, as windows start, end or change, until interrupted.`

  static examples = [
    '<%= config.bin %> <%= command.id %> -n shop',
    '<%= config.bin %> <%= command.id %> ingress/shop -n shop',
    '<%= config.bin %> <%= command.id %> -A',
    '<%= config.bin %> <%= command.id %> -n shop -l app=shop',
    '<%= config.bin %> <%= command.id %> -n shop -w',
  ]

  static flags = {
    ...listFlags,
    watch: Flags.boolean({char: 'w', description: 'After the table, watch for changes and print each target whose row changes, until interrupted (kubectl get -w).'}),
  }

  async run(): Promise<void> {
    const allNamespaces = this.flags['all-namespaces']
    const refs = parseTargets(this.args.target ?? [])
    if (allNamespaces && refs.length > 0) throw new UserError('targets are looked up in one namespace: drop -A and pass -n NAMESPACE')
    const client = await this.client()
    const query: StatusQuery = {namespace: allNamespaces ? undefined : client.namespace, refs, selector: this.flags.selector}
    // Read before the status, so the watch misses nothing: a change in between shows twice, as with kubectl get -w.
    const since = this.flags.watch ? await currentVersion(client, query.namespace) : undefined
    const view = await readStatus(client, query, now())
    for (const warning of view.warnings) this.warnUser(warning)
    const print = {noHeaders: this.flags['no-headers'], sortBy: this.flags['sort-by']}
    const table = this.flags.output === 'table' || this.flags.output === 'wide'
    if (view.rows.length === 0 && table) {
      this.note(allNamespaces ? 'No targets in maintenance or scheduled for it' : `No targets in maintenance or scheduled for it in ${query.namespace} namespace.`)
    } else {
      this.log(formatResults(this.flags.output, view.headers, [], view.rows, print))
    }
    if (!this.flags.watch) return
    // A target's row changes with its windows: every transition the engine makes is written on the window first.
    const printed = new Map<string, string>()
    changedRows(printed, view.rows)
    for await (const _event of watchWindows(client, query.namespace, undefined, since)) {
      const next = await readStatus(client, query, now())
      const changed = changedRows(printed, next.rows)
      if (changed.length > 0) this.log(formatResults(this.flags.output, next.headers, [], changed, {...print, noHeaders: true}))
    }
  }
}
