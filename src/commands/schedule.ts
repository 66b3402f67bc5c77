import {Args, Flags} from '@oclif/core'

import {KubeCommand} from '../cli/base-command.js'
import {type GateInput, gateFlags, parseGateFlags} from '../cli/gate-input.js'
import {GITOPS_PAUSE_DESCRIPTION, gitopsNotes} from '../cli/gitops-notes.js'
import {now} from '../cli/clock.js'
import {renderData} from '../cli/output.js'
import {CREATE_OUTPUTS, announceFlag, announceOf, foldFlag, fromFlag, parseTargets, zoneFlag} from '../cli/window-input.js'
import {describeWindow} from '../cli/windows-table.js'
import {type WindowDraft, checkDraftOffline, cronJobWarning, firstOccurrenceDraft} from '../engine/new-window.js'
import type {KubeClient, KubeObject} from '../kube/client.js'

import {createBypassSecret} from '../kube/bypass-secret.js'
import {prepareNewWindow} from '../kube/new-window.js'
import {createWindow} from '../kube/windows.js'
import {UserError} from '../model/errors.js'
import {localDate, parseSkipList} from '../model/exceptions.js'
import {DEFAULT_PAGE} from '../model/keys.js'
import {parseCron} from '../model/recurrence.js'
import {formatLocal, parseDuration, parseWhen} from '../model/time.js'
import {labelFlag, parseLabels} from '../cli/label-selector.js'

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

  static flags = {
    ...gateFlags,
    announce: announceFlag,
    contact: Flags.string({description: 'Who to contact, shown on the page.'}),
    force: Flags.boolean({description: 'Also switch what is refused by default: webhook and APIService Services, kube-system, Service ports that carry TLS.'}),
    'dry-run': Flags.boolean({description: 'Print the window that would be written; write nothing (the API server still validates it).'}),
    duration: Flags.string({description: 'Length of the window (or of each occurrence with --every): 90s, 45m, 2h30m, 1d, PT2H.', exactlyOne: ['end', 'duration']}),
    end: Flags.string({description: 'When the window ends (same forms as --start).', exactlyOne: ['end', 'duration']}),
    every: Flags.string({description: 'Recur: a 5-field cron expression evaluated in --timezone, e.g. "0 2 * * 0". Needs --duration.'}),
    fold: foldFlag,
    'gitops-pause': Flags.boolean({allowNo: true, default: true, description: GITOPS_PAUSE_DESCRIPTION}),
    label: labelFlag,
    message: Flags.string({description: 'Free text shown on the page.'}),
    name: Flags.string({description: 'Name of the window ConfigMap (default: generated from the first target and the start).'}),
    output: Flags.option({char: 'o', default: 'table' as const, description: 'Output format.', options: CREATE_OUTPUTS})(),
    page: Flags.string({default: DEFAULT_PAGE, description: 'The page to show: default, or a custom page (see kubectl maintenance page list).'}),
    reason: Flags.string({description: 'Why, shown on the page.'}),
    skip: Flags.string({description: 'With --every: a day (YYYY-MM-DD, in --timezone) on which no occurrence starts. Repeatable.', multiple: true}),
    start: Flags.string({description: 'When the window starts: RFC 3339, a local "2026-11-23 02:00" or "02:00" read in --timezone, or +30m / now.', required: true}),
    timezone: Flags.string({description: "IANA timezone for local times, display and recurrence (default: the machine's zone)."}),
  }

  async run(): Promise<void> {
    const at = now()
    const gate = parseGateFlags(this.flags)
    const draft = firstOccurrenceDraft({...(await this.draft(at)), ...(gate ? {gate: gate.settings} : {})})
    checkDraftOffline(draft, at)
    const client = await this.client()
    const {checked, install, overlaps, window} = await prepareNewWindow(client, draft, at)
    const stored = await createWindow(client, window, this.flags['dry-run'], parseLabels(this.flags.label))
    await this.keepSecret(client, stored, gate)
    const notInstalled = cronJobWarning(install, window.namespace, 'nothing will apply this window at its start')
    for (const warning of [...(notInstalled ? [notInstalled] : []), ...overlaps, ...checked.warnings]) this.warnUser(warning)
    const {output} = this.flags
    if (output === 'json' || output === 'yaml') this.log(renderData(output, stored))
    else if (output === 'name') this.log(`window/${window.name}`)
    else this.log(`window ${window.name} created${this.flags['dry-run'] ? ' (dry run)' : ''}: ${describeWindow(window)}`)
    for (const note of await gitopsNotes(client, window)) process.stderr.write(`${note}\n`)
  }

  /** The bypass secret goes into its Secret, owned by the window; it is never printed here (see kubectl maintenance bypass). */
  private async keepSecret(client: KubeClient, stored: KubeObject, gate: GateInput | undefined): Promise<void> {
    if (gate?.secret === undefined) return
    await createBypassSecret(client, stored, gate.secret, this.flags['dry-run'])
    this.note(`bypass: kubectl maintenance bypass ${stored.metadata.name} -n ${stored.metadata.namespace} prints the link and the header`)
  }

  /** Every input checked and turned into a window, before anything talks to the cluster. */
  private async draft(at: number): Promise<WindowDraft> {
    const {flags} = this
    const targets = parseTargets(this.args.target)
    const timezone = zoneFlag(flags.timezone)
    const start = fromFlag('start', () => parseWhen(flags.start, {fold: flags.fold, now: at, zone: timezone}))
    if (start < at) {
      throw new UserError(`--start ${formatLocal(start, timezone)} is in the past (now: ${formatLocal(at, timezone)}); use a later time, or kubectl maintenance now`)
    }
    const duration = flags.duration === undefined ? undefined : fromFlag('duration', () => parseDuration(flags.duration as string))
    if (duration && duration.ms <= 0) throw new UserError(`--duration ${flags.duration} is not positive; give a length such as 2h`)
    const every = flags.every === undefined ? undefined : fromFlag('every', () => parseCron(flags.every as string))
    if (every && !duration) throw new UserError('--every needs --duration (the length of each occurrence), not --end')
    const skip = flags.skip === undefined ? undefined : skipDates(flags.skip, every, start, timezone)
    const end = every ? undefined : duration ? start + duration.ms : fromFlag('end', () => parseWhen(flags.end as string, {fold: flags.fold, now: at, zone: timezone}))
    if (end !== undefined && end <= start) {
      throw new UserError(`--end ${formatLocal(end, timezone)} is not after --start ${formatLocal(start, timezone)}; give a later --end or a --duration`)
    }
    return {
      announce: announceOf(flags.announce),
      contact: flags.contact,
      ...(flags['gitops-pause'] ? {} : {gitopsPause: false as const}),
      duration: every ? duration?.text : undefined,
      end,
      every,
      force: flags.force || undefined,
      message: flags.message,
      name: flags.name,
      namespace: await this.namespace(),
      page: flags.page,
      reason: flags.reason,
      ...(skip ? {skip} : {}),
      start,
      targets,
      timezone,
    }
  }
}

/** --skip: days of a recurring window, none before the first occurrence's day. */
function skipDates(texts: string[], every: string | undefined, start: number, timezone: string): string[] {
  if (every === undefined) throw new UserError('--skip needs --every: only a recurring window has occurrences to skip (a one-off window is simply not scheduled)')
  const dates = fromFlag('skip', () => parseSkipList(texts.join(',')))
  const first = localDate(start, timezone)
  const past = dates.filter((date) => date < first)
  if (past.length > 0) throw new UserError(`--skip ${past.join(', ')}: before the window's first day ${first}; give days on or after --start`)
  return dates
}
