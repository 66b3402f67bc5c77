import {Flags, type Interfaces} from '@oclif/core'

import {type WindowDraft} from '../engine/new-window.js'
import {checkScheduleTimes, checkStart} from '../engine/schedule-times.js'
import {parseSkipList} from '../model/exceptions.js'
import {DEFAULT_PAGE} from '../model/keys.js'
import {parseCron} from '../model/recurrence.js'
import {parseDuration, parseWhen} from '../model/time.js'
import {gateFlags} from './gate-input.js'
import {GITOPS_PAUSE_DESCRIPTION} from './gitops-notes.js'
import {labelFlag} from './label-selector.js'
import {CREATE_OUTPUTS, announceFlag, announceOf, foldFlag, fromFlag, parseTargets, zoneFlag} from './window-input.js'

/** The flags of `schedule`. */
export const scheduleFlags = {
  ...gateFlags,
  announce: announceFlag,
  contact: Flags.string({description: 'Who to contact, shown on the page.'}),
  force: Flags.boolean({description: 'Also switch what is refused by default: webhook and APIService Services, kube-system, Service ports that carry TLS.'}),
  'dry-run': Flags.boolean({description: 'Print the window that would be written; write nothing (the API server still validates it).'}),
  duration: Flags.string({description: 'Length of the window (or of each occurrence with --every): 90s, 45m, 2h30m, 1d, PT2H.', exactlyOne: ['end', 'duration']}),
  end: Flags.string({description: 'When the window ends (same forms as --start; a bare "04:00" is today\'s and must come after the start).', exactlyOne: ['end', 'duration']}),
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

export type ScheduleFlags = Interfaces.InferredFlags<typeof scheduleFlags>

/** Every input of `schedule` checked and turned into a window (but its namespace), before anything talks to the cluster. */
export function readScheduleDraft(flags: ScheduleFlags, targetTexts: string[], at: number): Omit<WindowDraft, 'namespace'> {
  const targets = parseTargets(targetTexts)
  const timezone = zoneFlag(flags.timezone)
  const start = fromFlag('start', () => parseWhen(flags.start, {fold: flags.fold, now: at, zone: timezone}))
  checkStart(start, at, timezone)
  const duration = flags.duration === undefined ? undefined : fromFlag('duration', () => parseDuration(flags.duration as string))
  const every = flags.every === undefined ? undefined : fromFlag('every', () => parseCron(flags.every as string))
  const skip = flags.skip === undefined ? undefined : fromFlag('skip', () => parseSkipList((flags.skip as string[]).join(',')))
  // An end is never moved to another day unasked: a bare time that has passed, or comes before the start, is refused.
  const end = flags.end === undefined || every ? undefined : fromFlag('end', () => parseWhen(flags.end as string, {after: start, asEnd: true, fold: flags.fold, now: at, zone: timezone}))
  const times = checkScheduleTimes({duration, end, every, skip, start}, at, timezone)
  return {
    announce: announceOf(flags.announce),
    contact: flags.contact,
    ...(flags['gitops-pause'] ? {} : {gitopsPause: false as const}),
    duration: every ? duration?.text : undefined,
    end: times.end,
    every,
    force: flags.force || undefined,
    message: flags.message,
    name: flags.name,
    page: flags.page,
    reason: flags.reason,
    ...(skip ? {skip} : {}),
    start,
    targets,
    timezone,
  }
}
