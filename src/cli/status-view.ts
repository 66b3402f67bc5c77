import {cronJobHealth, overdueStatuses} from '../engine/overdue.js'
import {type TargetStatus, targetStatuses} from '../engine/status.js'
import {type KubeClient} from '../kube/client.js'
import {readCronJobRuns} from '../kube/cronjob-runs.js'
import {installNamespace} from '../kube/install-context.js'
import {observe} from '../kube/observe.js'
import {type TargetRef, sameTarget} from '../model/target.js'
import {matchesSelector, parseSelector} from './label-selector.js'
import {type Printable} from './printers.js'
import {statusHeaders, statusRow, tableZone, zoneLabel} from './windows-table.js'

export interface StatusQuery {
  /** Undefined: every namespace (-A). */
  namespace?: string
  /** Targets named on the command line (looked up in `namespace`); none: every target in maintenance or scheduled. */
  refs: TargetRef[]
  /** -l: targets by their own labels, as kubectl get ingress -l selects. */
  selector?: string
}

export interface StatusView {
  headers: string[]
  rows: Printable[]
  /** For stderr: targets not found, overdue windows and, then, the CronJob's health. */
  warnings: string[]
}

/** `status` at `at`: one observation of the cluster (the same list calls as a pass), decided by the engine, as rows. */
export async function readStatus(client: KubeClient, query: StatusQuery, at: number): Promise<StatusView> {
  const allNamespaces = query.namespace === undefined
  const observed = await observe(client, {installNamespace: installNamespace(), namespace: query.namespace})
  const found = targetStatuses(observed, at, query.refs.length > 0 ? {namespace: client.namespace, refs: query.refs} : undefined)
  const selector = parseSelector(query.selector ?? '')
  const labelsOf = (namespace: string, ref: TargetRef) => observed.targets.find((t) => t.namespace === namespace && sameTarget(t.ref, ref))?.object.metadata.labels
  const statuses = found.statuses.filter((status) => matchesSelector(selector, labelsOf(status.namespace, status.target)))
  const late = overdueStatuses(statuses, observed.windows, at)
  const warnings = [...found.notFound, ...late]
  if (late.length > 0) warnings.push(cronJobHealth(await readCronJobRuns(client, installNamespace()), installNamespace(), at))
  // A GITOPS column only where a GitOps tool owns a target, so other clusters see the table they always did.
  const gitops = statuses.some((status) => status.gitops !== undefined)
  const zone = tableZone(statuses.flatMap((status) => (status.timezone === undefined ? [] : [{timezone: status.timezone}])))
  const label = zoneLabel(zone, statuses.flatMap((status) => (status.ends === undefined ? [] : [status.ends])))
  const rows = statuses.map((status) => withGitops(statusRow(status, allNamespaces, zone), status, gitops))
  return {headers: [...statusHeaders(allNamespaces, label), ...(gitops ? ['GITOPS'] : [])], rows, warnings}
}

function withGitops(row: Printable, status: TargetStatus, gitops: boolean): Printable {
  return gitops ? {...row, cells: [...row.cells, status.gitops ?? '<none>'], data: {...(row.data as object), gitops: status.gitops}} : row
}

/** For `status -w`: the rows that are new or differ from what was printed last (kubectl get -w prints what changed). */
export function changedRows(printed: Map<string, string>, rows: Printable[]): Printable[] {
  const changed = rows.filter((row) => printed.get(rowKey(row)) !== JSON.stringify(row.cells))
  for (const row of changed) printed.set(rowKey(row), JSON.stringify(row.cells))
  return changed
}

function rowKey(row: Printable): string {
  const data = row.data as {namespace?: string}
  return `${data.namespace ?? ''}/${row.name}`
}
