import {Flags} from '@oclif/core'

import {KubeCommand} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {feedsFor, readFeeds, storedState} from '../kube/schedule-feed.js'
import {listWindows} from '../kube/windows.js'
import {renderIcs} from '../render/ics.js'
import {renderScheduleJson} from '../render/schedule-json.js'

export default class Calendar extends KubeCommand<typeof Calendar> {
  static description = `Print the active and upcoming maintenance occurrences of the next 30 days, as the schedule feed has them.
The same content the CronJob keeps in the ConfigMap kubectl-maintenance-schedule of each namespace with windows: -o ics (iCalendar, for a calendar to import or subscribe to) or -o json (what an app reads to show a banner from each occurrence's announce time on). Skipped, paused and cancelled occurrences are included with STATUS:CANCELLED.`

  static examples = [
    '<%= config.bin %> <%= command.id %> -n shop > shop-maintenance.ics',
    '<%= config.bin %> <%= command.id %> -A -o json',
  ]

  static flags = {
    'all-namespaces': Flags.boolean({char: 'A', description: 'Every namespace in one calendar.'}),
    output: Flags.option({char: 'o', default: 'ics' as const, description: 'Output format.', options: ['ics', 'json'] as const})(),
  }

  async run(): Promise<void> {
    const at = now()
    const client = await this.client()
    const namespace = this.flags['all-namespaces'] ? undefined : client.namespace
    const {windows, invalid} = await listWindows(client, namespace)
    for (const bad of invalid) this.warnUser(`window ${bad.name} in namespace ${bad.namespace} is invalid and not shown: ${bad.problems.join('; ')}`)
    // The SEQUENCE and DTSTAMP the feed has for each event, so what is printed matches what the CronJob keeps;
    // where the feed cannot be read (no rights, not written yet), every event starts at 0 and now.
    const stored = await readFeeds(client, [namespace]).catch(() => new Map())
    const namespaces = namespace === undefined ? [...new Set(windows.map((w) => w.namespace))] : [namespace]
    const states = new Map(namespaces.map((ns) => [ns, storedState(stored.get(ns))]))
    const feeds = feedsFor(namespaces, windows, states, at)
    process.stdout.write(this.flags.output === 'json' ? renderScheduleJson(feeds) : renderIcs(feeds))
  }
}
