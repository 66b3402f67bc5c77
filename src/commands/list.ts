import {Flags} from '@oclif/core'

import {KubeCommand, formatResults, listFlags} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {byStartThenName, invalidWindowRow, windowHeaders, windowRow} from '../cli/windows-table.js'
import {isFinished} from '../engine/finished.js'
import {cronJobHealth, overdue} from '../engine/overdue.js'
import {readCronJobRuns} from '../kube/cronjob-runs.js'
import {installNamespace} from '../kube/install-context.js'
import type {Phase, Window} from '../model/window.js'
import {listWindows} from '../kube/windows.js'
import {windowToConfigMap} from '../model/window-codec.js'

export default class List extends KubeCommand<typeof List> {
  static hiddenAliases = ['ls']

  static description = `List maintenance windows, soonest first, with times in each window's timezone.
PHASE is what the engine last recorded (Pending: not seen by the engine yet; Invalid: the ConfigMap is not a valid window). Finished windows (Completed, Cancelled) are listed with --all.`

  static examples = [
    '<%= config.bin %> <%= command.id %> -n shop',
    '<%= config.bin %> <%= command.id %> -A -o wide',
    '<%= config.bin %> <%= command.id %> -l team=payments -o yaml',
  ]

  static flags = {...listFlags, all: Flags.boolean({description: 'Also list finished windows (Completed, Cancelled), which are hidden by default.'})}

  async run(): Promise<void> {
    const allNamespaces = this.flags['all-namespaces']
    const client = await this.client()
    const namespace = allNamespaces ? undefined : client.namespace
    const at = now()
    const listing = await listWindows(client, namespace, this.flags.selector)
    const {invalid} = listing
    const shown = (name: string, ns: string | undefined) => this.flags.all || !listing.windows.some((w) => w.name === name && w.namespace === ns && isFinished(w))
    const windows = listing.windows.filter((w) => shown(w.name, w.namespace))
    const configMaps = listing.configMaps.filter((cm) => shown(cm.metadata.name, cm.metadata.namespace))
    for (const bad of invalid) this.warnUser(`window ${bad.name} in namespace ${bad.namespace} is invalid: ${bad.problems.join('; ')}`)
    const {output} = this.flags
    if (output === 'json' || output === 'yaml') {
      // The objects as stored, like kubectl get -o json; list items may come without their kind, kubectl adds it back.
      const items = configMaps.map((configMap) => (configMap.kind ? configMap : {apiVersion: 'v1', kind: 'ConfigMap', ...configMap}))
      this.log(formatResults(output, [], [], items.map((data) => ({cells: [], data, name: ''}))))
      return
    }
    if (windows.length === 0 && invalid.length === 0) {
      process.stderr.write(allNamespaces ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`)
      return
    }
    const late = new Map(windows.map((w) => [w, overdue(w, at)] as const).filter((entry): entry is readonly [Window, string] => entry[1] !== undefined))
    for (const [w, why] of late) this.warnUser(`window ${w.name}${allNamespaces ? ` in namespace ${w.namespace}` : ''} is overdue: it ${why}`)
    if (late.size > 0) this.warnUser(cronJobHealth(await readCronJobRuns(client, installNamespace()), installNamespace(), at))
    const stored = new Map(configMaps.map((configMap) => [`${configMap.metadata.namespace}/${configMap.metadata.name}`, configMap]))
    const rows = [
      ...windows.map((window) => windowRow(late.has(window) ? {...window, phase: `${window.phase ?? 'Pending'} (overdue)` as Phase} : window, stored.get(`${window.namespace}/${window.name}`) ?? windowToConfigMap(window), at, allNamespaces)),
      ...invalid.map((bad) => invalidWindowRow(bad, allNamespaces)),
    ].sort(byStartThenName)
    const {headers, wideHeaders} = windowHeaders(allNamespaces)
    this.log(formatResults(output, headers, wideHeaders, rows))
  }
}
