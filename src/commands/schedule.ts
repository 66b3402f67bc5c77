import {Args} from '@oclif/core'

import {KubeCommand} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {createdWindowText, keepBypassSecret} from '../cli/created-window.js'
import {parseGateFlags} from '../cli/gate-input.js'
import {gitopsNotes} from '../cli/gitops-notes.js'
import {parseLabels} from '../cli/label-selector.js'
import {readScheduleDraft, scheduleFlags} from '../cli/schedule-input.js'
import {checkDraftOffline, cronJobWarning, firstOccurrenceDraft} from '../engine/new-window.js'
import {prepareNewWindow} from '../kube/new-window.js'
import {createWindow} from '../kube/windows.js'

export default class Schedule extends KubeCommand<typeof Schedule> {
  static args = {
    target: Args.string({description: 'What to put into maintenance: ingress/NAME, ingressroute/NAME, httproute/NAME or service/NAME.', multiple: true, required: true}),
  }

  static description = `Schedule a maintenance window for one or more targets of a namespace.
The window is stored as a ConfigMap; the in-cluster CronJob switches the targets to the maintenance page at the start and restores them at the end. With --every the window recurs: CRON (5 fields, in --timezone) gives each start, --duration each length, from --start on.`

  static examples = [
    '<%= config.bin %> <%= command.id %> ingress/shop -n shop --start "2026-12-24 22:00" --duration 2h --timezone Europe/Berlin --message "Upgrading the database"',
    '<%= config.bin %> <%= command.id %> ingress/shop service/api --start +30m --end +2h',
    '<%= config.bin %> <%= command.id %> svc/web --start "2026-11-01 02:00" --every "0 2 * * 0" --duration 2h --timezone Europe/Berlin',
  ]

  static flags = scheduleFlags

  async run(): Promise<void> {
    const at = now()
    const gate = parseGateFlags(this.flags)
    const read = readScheduleDraft(this.flags, this.args.target, at)
    const draft = firstOccurrenceDraft({...read, namespace: await this.namespace(), ...(gate ? {gate: gate.settings} : {})})
    checkDraftOffline(draft, at)
    const client = await this.client()
    const dryRun = this.flags['dry-run']
    const {checked, install, overlaps, window} = await prepareNewWindow(client, draft, at)
    const stored = await createWindow(client, window, dryRun, parseLabels(this.flags.label))
    await keepBypassSecret(client, stored, gate, dryRun, (line) => this.note(line))
    const notInstalled = cronJobWarning(install, window.namespace, 'nothing will apply this window at its start')
    for (const warning of [...(notInstalled ? [notInstalled] : []), ...overlaps, ...checked.warnings]) this.warnUser(warning)
    this.log(createdWindowText(this.flags.output, stored, window, dryRun))
    for (const note of await gitopsNotes(client, window)) this.note(note)
  }
}
