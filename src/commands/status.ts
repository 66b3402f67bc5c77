import {Args} from '@oclif/core'

import {KubeCommand, formatResults, listFlags} from '../cli/base-command.js'
import {matchesSelector, parseSelector} from '../cli/label-selector.js'
import {now} from '../cli/clock.js'
import {parseTargets} from '../cli/window-input.js'
import {statusHeaders, statusRow, tableZone, zoneLabel} from '../cli/windows-table.js'
import {cronJobHealth, overdueStatuses} from '../engine/overdue.js'
import {targetStatuses} from '../engine/status.js'
import {readCronJobRuns} from '../kube/cronjob-runs.js'
import {installNamespace} from '../kube/install-context.js'
import {observe} from '../kube/observe.js'
import {UserError} from '../model/errors.js'
import {type TargetRef, sameTarget} from '../model/target.js'

export default class Status extends KubeCommand<typeof Status> {
  static args = {
    target: Args.string({description: 'Targets to show (default: every target in maintenance or named by a window that is not over).', multiple: true}),
  }

  static description = `Show whether targets are in maintenance, which window put them there, the backend serving the page, whether it is ready, and when maintenance ends.
Without TARGET: every target of the namespace that is in maintenance or named by a window that is not over or cancelled.`

  static examples = ['<%= config.bin %> <%= command.id %> -n shop', '<%= config.bin %> <%= command.id %> ingress/shop -n shop', '<%= config.bin %> <%= command.id %> -A', '<%= config.bin %> <%= command.id %> -n shop -l app=shop']

  static flags = {...listFlags}

  async run(): Promise<void> {
    const at = now()
    const allNamespaces = this.flags['all-namespaces']
    const refs = parseTargets(this.args.target ?? [])
    if (allNamespaces && refs.length > 0) throw new UserError('targets are looked up in one namespace: drop -A and pass -n NAMESPACE')
    const client = await this.client()
    const namespace = allNamespaces ? undefined : client.namespace
    const observed = await observe(client, {installNamespace: installNamespace(), namespace})
    const found = targetStatuses(observed, at, refs.length > 0 ? {namespace: client.namespace, refs} : undefined)
    for (const problem of found.notFound) this.warnUser(problem)
    // -l selects targets by their own labels, as kubectl get ingress -l does.
    const selector = parseSelector(this.flags.selector ?? '')
    const labelsOf = (namespace: string, ref: TargetRef) => observed.targets.find((t) => t.namespace === namespace && sameTarget(t.ref, ref))?.object.metadata.labels
    const statuses = found.statuses.filter((status) => matchesSelector(selector, labelsOf(status.namespace, status.target)))
    const late = overdueStatuses(statuses, observed.windows, at)
    for (const why of late) this.warnUser(why)
    if (late.length > 0) this.warnUser(cronJobHealth(await readCronJobRuns(client, installNamespace()), installNamespace(), at))
    if (statuses.length === 0 && (this.flags.output === 'table' || this.flags.output === 'wide')) {
      process.stderr.write(allNamespaces ? 'No targets in maintenance or scheduled for it\n' : `No targets in maintenance or scheduled for it in ${namespace} namespace.\n`)
      return
    }
    // A GITOPS column only where a GitOps tool owns a target, so other clusters see the table they always did.
    const gitops = statuses.some((status) => status.gitops !== undefined)
    const zone = tableZone(statuses.flatMap((status) => (status.timezone === undefined ? [] : [{timezone: status.timezone}])))
    const label = zoneLabel(zone, statuses.flatMap((status) => (status.ends === undefined ? [] : [status.ends])))
    const rows = statuses.map((status) => {
      const row = statusRow(status, allNamespaces, zone)
      return gitops ? {...row, cells: [...row.cells, status.gitops ?? '<none>'], data: {...(row.data as object), gitops: status.gitops}} : row
    })
    const headers = [...statusHeaders(allNamespaces, label), ...(gitops ? ['GITOPS'] : [])]
    this.log(formatResults(this.flags.output, headers, [], rows, {noHeaders: this.flags['no-headers'], sortBy: this.flags['sort-by']}))
  }
}
