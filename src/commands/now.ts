import {Args} from '@oclif/core'

import {applyNewWindow} from '../cli/apply-now.js'
import {KubeCommand} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {createdWindowText, keepBypassSecret} from '../cli/created-window.js'
import {parseGateFlags} from '../cli/gate-input.js'
import {gitopsNotes} from '../cli/gitops-notes.js'
import {parseLabels} from '../cli/label-selector.js'
import {nowFlags, readNowDraft, waitMs} from '../cli/now-input.js'
import {checkDraftOffline, cronJobWarning} from '../engine/new-window.js'
import {nowAlreadyApplied} from '../engine/repeat.js'
import {decisionNotes} from '../kube/check-targets.js'
import {completeNewWindow, readNewWindowInputs} from '../kube/new-window.js'
import {createWindow} from '../kube/windows.js'

export default class Now extends KubeCommand<typeof Now> {
  static boundedBy = 'timeout'

  static args = {
    target: Args.string({description: 'What to put into maintenance: ingress/NAME, ingressroute/NAME, httproute/NAME or service/NAME.', multiple: true, required: true}),
  }

  static description = `Put targets into maintenance now, from the CLI, without waiting for the CronJob.
Creates a window starting now (open-ended unless --for or --until is given) and applies it at once. End it with kubectl maintenance end.`

  static examples = [
    '<%= config.bin %> <%= command.id %> ingress/shop -n shop --for 30m --message "Back in half an hour"',
    '<%= config.bin %> <%= command.id %> svc/web --until 18:00 --timezone Europe/Berlin',
    '<%= config.bin %> <%= command.id %> ingress/shop --no-wait',
  ]

  static flags = nowFlags

  async run(): Promise<void> {
    // On the second, as annotations are written: the window has begun by the time it is stored.
    const at = Math.floor(now() / 1000) * 1000
    const gate = parseGateFlags(this.flags)
    const draft = {...readNowDraft(this.flags, this.args.target, at), namespace: await this.namespace(), ...(gate ? {gate: gate.settings} : {})}
    checkDraftOffline(draft, at)
    const client = await this.client()
    // Wrong input is exit 2 even for targets already in maintenance: the inputs are checked before twice-is-once.
    const inputs = await readNewWindowInputs(client, draft)
    const already = nowAlreadyApplied(inputs.existing.windows, draft.targets, at, draft.force === true)
    if (already) return this.flags.output === 'table' ? this.log(already) : this.note(already)
    const {checked, install, overlaps, window} = await completeNewWindow(client, draft, at, inputs)
    const stored = await createWindow(client, window, false, parseLabels(this.flags.label)) // this command applies the start; only a timed window needs the CronJob, for its end
    await keepBypassSecret(client, stored, gate, false, (line) => this.note(line))
    const notInstalled = window.end === undefined ? undefined : cronJobWarning(install, window.namespace, `nothing will restore the targets at the window's end (end it by hand with kubectl maintenance end ${window.name})`)
    for (const warning of [notInstalled, ...overlaps, ...checked.warnings]) if (warning) this.warnUser(warning)
    const {output} = this.flags
    this.log(createdWindowText(output, stored, window))
    for (const note of await gitopsNotes(client, window)) this.note(note)
    // With data on stdout (json, yaml, name), the routing before -> after goes to stderr so stdout stays parseable.
    const log = output === 'table' ? (line: string) => this.log(line) : (line: string) => this.note(line)
    const waitingFor = `waiting for the maintenance backend of ${window.name} to become ready`
    const report = await applyNewWindow(client, stored, this.flags.keep, {log, namespace: window.namespace, notes: decisionNotes(checked), targets: window.targets, timeoutMs: waitMs(this.flags), waitingFor})
    if (report.waitingOn.length > 0) log(`backend ${report.waitingOn.join(', ')} is starting; the targets are switched when it is ready (next reconcile)`)
  }
}
