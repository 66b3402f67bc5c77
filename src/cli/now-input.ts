import {Flags, type Interfaces} from '@oclif/core'

import {type WindowDraft} from '../engine/new-window.js'
import {UserError} from '../model/errors.js'
import {DEFAULT_PAGE} from '../model/keys.js'
import {formatLocal, parseDuration, parseWhen} from '../model/time.js'
import {gateFlags} from './gate-input.js'
import {GITOPS_PAUSE_DESCRIPTION} from './gitops-notes.js'
import {labelFlag} from './label-selector.js'
import {CREATE_OUTPUTS, announceFlag, announceOf, foldFlag, fromFlag, parseTargets, zoneFlag} from './window-input.js'

/** The flags of `now`. */
export const nowFlags = {
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
  until: Flags.string({description: 'When it ends: RFC 3339, a local "18:00" read in --timezone (today\'s, refused once it has passed), or +2h.', exclusive: ['for']}),
}

export type NowFlags = Interfaces.InferredFlags<typeof nowFlags>

/** Every input of `now` checked and turned into a window starting `at` (but its namespace), before any request. */
export function readNowDraft(flags: NowFlags, targetTexts: string[], at: number): Omit<WindowDraft, 'namespace'> {
  const targets = parseTargets(targetTexts)
  const timezone = zoneFlag(flags.timezone)
  fromFlag('timeout', () => parseDuration(flags.timeout))
  let end: number | undefined
  if (flags.for !== undefined) {
    const duration = fromFlag('for', () => parseDuration(flags.for as string))
    if (duration.ms <= 0) throw new UserError(`--for ${flags.for} is not positive; give a length such as 30m`)
    end = at + duration.ms
  } else if (flags.until !== undefined) {
    // A bare time of day that has passed is refused when read (asEnd): never tomorrow's unasked.
    end = fromFlag('until', () => parseWhen(flags.until as string, {asEnd: true, fold: flags.fold, now: at, zone: timezone}))
    if (end <= at) throw new UserError(`--until ${formatLocal(end, timezone)} is not in the future (now: ${formatLocal(at, timezone)})`)
  }
  return {
    ...{announce: announceOf(flags.announce), contact: flags.contact},
    ...(flags['gitops-pause'] ? {} : {gitopsPause: false as const}),
    end,
    force: flags.force || undefined,
    message: flags.message,
    name: flags.name,
    page: flags.page,
    reason: flags.reason,
    start: at,
    targets,
    timezone,
  }
}

/** How long `now` waits for the page to be served: 0 with --no-wait. */
export function waitMs(flags: NowFlags): number {
  return flags['no-wait'] ? 0 : parseDuration(flags.timeout).ms
}
