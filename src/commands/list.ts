import {Flags} from '@oclif/core'

import {KubeCommand, formatResults, listFlags} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {currentVersion, watchFlag, watchWindows} from '../cli/watch.js'
import {byStartThenName, invalidWindowRow, tableZone, windowHeaders, windowRow, zoneLabel} from '../cli/windows-table.js'
import {isFinished} from '../engine/finished.js'
import {cronJobHealth, overdue} from '../engine/overdue.js'
import {type KubeObject} from '../kube/client.js'
import {readCronJobRuns} from '../kube/cronjob-runs.js'
import {installNamespace} from '../kube/install-context.js'
import {listWindows} from '../kube/windows.js'
import type {Phase, Window} from '../model/window.js'
import {configMapToWindow, windowToConfigMap} from '../model/window-codec.js'

export default class List extends KubeCommand<typeof List> {
  static hiddenAliases = ['ls']

  static description = `List maintenance windows, soonest first, every time in one zone named in the header.
PHASE is what the engine last recorded (Pending: not seen by the engine yet; Invalid: the ConfigMap is not a valid window). Finished windows (Completed, Cancelled) are listed with --all.`

  static examples = [
    '<%= config.bin %> <%= command.id %> -n shop',
    '<%= config.bin %> <%= command.id %> -A -o wide --all',
    '<%= config.bin %> <%= command.id %> -l team=payments -o yaml',
    "<%= config.bin %> <%= command.id %> -o custom-columns=NAME:.metadata.name,START:.metadata.annotations.kubectl-maintenance\\.io/start",
    '<%= config.bin %> <%= command.id %> -n shop -w',
  ]

  static flags = {...listFlags, all: Flags.boolean({description: 'Also list finished windows (Completed, Cancelled), which are hidden by default.'}), watch: watchFlag}

  async run(): Promise<void> {
    const allNamespaces = this.flags['all-namespaces']
    const client = await this.client()
    const namespace = allNamespaces ? undefined : client.namespace
    const at = now()
    // Read before the list, so the watch misses nothing: a change in between shows twice, as with kubectl get -w.
    const since = this.flags.watch ? await currentVersion(client, namespace, this.flags.selector) : undefined
    const listing = await listWindows(client, namespace, this.flags.selector)
    const {invalid} = listing
    const shown = (name: string, ns: string | undefined) => this.flags.all || !listing.windows.some((w) => w.name === name && w.namespace === ns && isFinished(w))
    const windows = listing.windows.filter((w) => shown(w.name, w.namespace))
    const configMaps = listing.configMaps.filter((cm) => shown(cm.metadata.name, cm.metadata.namespace))
    for (const bad of invalid) this.warnUser(`window ${bad.name} in namespace ${bad.namespace} is invalid: ${bad.problems.join('; ')}`)
    const {output} = this.flags
    const print = {noHeaders: this.flags['no-headers'], sortBy: this.flags['sort-by']}
    if (windows.length === 0 && invalid.length === 0 && !isData(output)) {
      process.stderr.write(allNamespaces ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`)
    } else {
      const late = new Map(windows.map((w) => [w, overdue(w, at)] as const).filter((entry): entry is readonly [Window, string] => entry[1] !== undefined))
      for (const [w, why] of late) this.warnUser(`window ${w.name}${allNamespaces ? ` in namespace ${w.namespace}` : ''} is overdue: it ${why}`)
      if (late.size > 0) this.warnUser(cronJobHealth(await readCronJobRuns(client, installNamespace()), installNamespace(), at))
      const marked = (w: Window): Window => (late.has(w) ? {...w, phase: `${w.phase ?? 'Pending'} (overdue)` as Phase} : w)
      // One zone for every time in the table, named in the header.
      const zone = tableZone(windows)
      const stored = new Map(configMaps.map((configMap) => [`${configMap.metadata.namespace}/${configMap.metadata.name}`, asObject(configMap)]))
      const rows = [
        ...windows.map((window) => windowRow(marked(window), stored.get(`${window.namespace}/${window.name}`) ?? windowToConfigMap(window), at, allNamespaces, zone)),
        ...invalid.map((bad) => invalidWindowRow(bad, allNamespaces)),
      ].sort(byStartThenName)
      const label = zoneLabel(zone, rows.flatMap((row) => [row.sortStart, row.sortEnd ?? row.sortStart]).filter((ms) => Number.isFinite(ms)))
      const {headers, wideHeaders} = windowHeaders(allNamespaces, label)
      this.log(formatResults(output, headers, wideHeaders, rows, print))
    }
    if (this.flags.watch) await this.watch(namespace, since, at, print)
  }

  /** kubectl get -w: after the list, one line per change as it happens, without headers, until interrupted. */
  private async watch(namespace: string | undefined, since: string | undefined, at: number, print: {sortBy?: string}): Promise<void> {
    const client = await this.client()
    for await (const event of watchWindows(client, namespace, this.flags.selector, since)) {
      const {window} = configMapToWindow(event.object)
      const row = window
        ? windowRow(window, asObject(event.object), at, this.flags['all-namespaces'], tableZone([window]))
        : invalidWindowRow({configMap: event.object, name: event.object.metadata.name, namespace: event.object.metadata.namespace ?? '', problems: []}, this.flags['all-namespaces'])
      const cells = event.type === 'DELETED' ? {...row, cells: row.cells.map((cell, index) => (index === row.cells.length - 2 ? 'Deleted' : cell))} : row
      const {headers, wideHeaders} = windowHeaders(this.flags['all-namespaces'])
      this.log(formatResults(this.flags.output, headers, wideHeaders, [cells], {...print, noHeaders: true}))
    }
  }
}

function isData(output: string): boolean {
  return output === 'json' || output === 'yaml' || output.startsWith('jsonpath=')
}

/** The object as stored, like kubectl get -o json: list items may come without their kind, kubectl adds it back. */
function asObject(configMap: KubeObject): KubeObject {
  return configMap.kind ? configMap : {apiVersion: 'v1', kind: 'ConfigMap', ...configMap}
}
