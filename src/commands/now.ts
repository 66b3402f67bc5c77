import {Args, Flags} from '@oclif/core'

import {BackendNotReadyError, applyNow} from '../cli/apply-now.js'
import {KubeCommand} from '../cli/base-command.js'
import {type GateInput, gateFlags, parseGateFlags} from '../cli/gate-input.js'
import {GITOPS_PAUSE_DESCRIPTION, gitopsNotes} from '../cli/gitops-notes.js'
import {now} from '../cli/clock.js'
import {renderData} from '../cli/output.js'
import {CREATE_OUTPUTS, announceFlag, announceOf, foldFlag, fromFlag, parseTargets, zoneFlag} from '../cli/window-input.js'
import {describeWindow} from '../cli/windows-table.js'
import {type WindowDraft, checkDraftOffline, cronJobWarning} from '../engine/new-window.js'
import {nowAlreadyApplied} from '../engine/repeat.js'
import {decisionNotes} from '../kube/check-targets.js'
import type {KubeClient, KubeObject} from '../kube/client.js'

import {createBypassSecret} from '../kube/bypass-secret.js'
import {completeNewWindow, readNewWindowInputs} from '../kube/new-window.js'
import {createWindow} from '../kube/windows.js'
import {ClusterError, UserError} from '../model/errors.js'
import {Resources} from '../kube/resources.js'
import {DEFAULT_PAGE} from '../model/keys.js'
import {formatLocal, parseDuration, parseWhen} from '../model/time.js'
import {labelFlag, parseLabels} from '../cli/label-selector.js'

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

  static flags = {
    ...gateFlags,
    ...{announce: announceFlag, contact: Flags.string({description: 'Who to contact, shown on the page.'})},
    force: Flags.boolean({description: 'Make a second window for targets an open window already keeps in maintenance; also switch what is refused by default: webhook and APIService Services, kube-system, Service ports that carry TLS.'}),
    fold: foldFlag,
    for: Flags.string({description: 'How long: 90s, 45m, 2h30m, 1d, PT2H.', exclusive: ['until']}),
    'gitops-pause': Flags.boolean({allowNo: true, default: true, description: GITOPS_PAUSE_DESCRIPTION}),
    label: labelFlag,
    message: Flags.string({description: 'Free text shown on the page.'}),
    name: Flags.string({description: 'Name of the window ConfigMap (default: generated from the first target and the time).'}),
    keep: Flags.boolean({description: 'When the page is not served within --timeout, keep the window (the CronJob keeps trying) instead of removing it.'}),
    'no-wait': Flags.boolean({description: 'Do not wait until the page is served.'}),
    output: Flags.option({char: 'o', default: 'table' as const, description: 'Output format.', options: CREATE_OUTPUTS})(),
    page: Flags.string({default: DEFAULT_PAGE, description: 'The page to show: default, or a custom page (see kubectl maintenance page list).'}),
    reason: Flags.string({description: 'Why, shown on the page.'}),
    timeout: Flags.string({default: '3m', description: 'How long to wait for the page to be served; the whole command ends within it plus 5s.'}),
    timezone: Flags.string({description: "IANA timezone for --until and for display (default: the machine's zone)."}),
    until: Flags.string({description: 'When it ends: RFC 3339, a local "18:00" read in --timezone, or +2h.', exclusive: ['for']}),
  }

  async run(): Promise<void> {
    // On the second, as annotations are written: the window has begun by the time it is stored.
    const at = Math.floor(now() / 1000) * 1000
    const gate = parseGateFlags(this.flags)
    const draft = {...(await this.draft(at)), ...(gate ? {gate: gate.settings} : {})}
    checkDraftOffline(draft, at)
    const client = await this.client()
    // Wrong input is exit 2 even for targets already in maintenance: the inputs are checked before twice-is-once.
    const inputs = await readNewWindowInputs(client, draft)
    const already = nowAlreadyApplied(inputs.existing.windows, draft.targets, at, draft.force === true)
    if (already) return this.flags.output === 'table' ? this.log(already) : this.note(already)
    const {checked, install, overlaps, window} = await completeNewWindow(client, draft, at, inputs)
    const stored = await createWindow(client, window, false, parseLabels(this.flags.label)) // this command applies the start; only a timed window needs the CronJob, for its end
    await this.keepSecret(client, stored, gate)
    const notInstalled = window.end === undefined ? undefined : cronJobWarning(install, window.namespace, `nothing will restore the targets at the window's end (end it by hand with kubectl maintenance end ${window.name})`)
    for (const warning of [notInstalled, ...overlaps, ...checked.warnings]) if (warning) this.warnUser(warning)
    const {output} = this.flags
    this.log(output === 'json' || output === 'yaml' ? renderData(output, stored) : output === 'name' ? `window/${window.name}` : `window ${window.name} created: ${describeWindow(window)}`)
    for (const note of await gitopsNotes(client, window)) this.note(note)
    // With data on stdout (json, yaml, name), the routing before -> after goes to stderr so stdout stays parseable.
    const log = output === 'table' ? (line: string) => this.log(line) : (line: string) => this.note(line)
    const timeoutMs = this.flags['no-wait'] ? 0 : parseDuration(this.flags.timeout).ms
    const waitingFor = `waiting for the maintenance backend of ${window.name} to become ready`
    const report = await applyNow(client, {log, namespace: window.namespace, notes: decisionNotes(checked), targets: window.targets, timeoutMs, waitingFor}).catch(async (error: unknown) => {
      if (!(error instanceof BackendNotReadyError) || this.flags.keep) throw error
      // A window left behind would take the site down whenever its backend becomes ready: remove it, and let a pass restore and collect.
      await client.delete(Resources.configMaps, window.namespace, window.name, false, stored.metadata.uid)
      await applyNow(client, {log: () => {}, namespace: window.namespace, targets: [], timeoutMs: 0, waitingFor})
      throw new ClusterError(`${error.message.replace(/; the window is stored and the CronJob keeps trying.*$/, '')}; window ${window.name} was removed and nothing stays in maintenance (--keep keeps it for the CronJob to retry)`)
    })
    if (report.waitingOn.length > 0) log(`backend ${report.waitingOn.join(', ')} is starting; the targets are switched when it is ready (next reconcile)`)
  }

  /** The bypass secret goes into its Secret, owned by the window; it is never printed here (see kubectl maintenance bypass). */
  private async keepSecret(client: KubeClient, stored: KubeObject, gate: GateInput | undefined): Promise<void> {
    if (gate?.secret === undefined) return
    await createBypassSecret(client, stored, gate.secret, false)
    this.note(`bypass: kubectl maintenance bypass ${stored.metadata.name} -n ${stored.metadata.namespace} prints the link and the header`)
  }

  private async draft(at: number): Promise<WindowDraft> {
    const {flags} = this
    const targets = parseTargets(this.args.target)
    const timezone = zoneFlag(flags.timezone)
    fromFlag('timeout', () => parseDuration(flags.timeout))
    let end: number | undefined
    if (flags.for !== undefined) {
      const duration = fromFlag('for', () => parseDuration(flags.for as string))
      if (duration.ms <= 0) throw new UserError(`--for ${flags.for} is not positive; give a length such as 30m`)
      end = at + duration.ms
    } else if (flags.until !== undefined) {
      const until = fromFlag('until', () => parseWhen(flags.until as string, {asEnd: true, fold: flags.fold, now: at, zone: timezone}))
      if (until <= at) throw new UserError(`--until ${formatLocal(until, timezone)} is not in the future (now: ${formatLocal(at, timezone)})`)
      end = until
    }
    return {
      ...{announce: announceOf(flags.announce), contact: flags.contact},
      ...(flags['gitops-pause'] ? {} : {gitopsPause: false as const}),
      end,
      force: flags.force || undefined,
      message: flags.message,
      name: flags.name,
      namespace: await this.namespace(),
      page: flags.page,
      reason: flags.reason,
      start: at,
      targets,
      timezone,
    }
  }
}
