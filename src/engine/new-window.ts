import type {Interval, Window} from '../model/window.js'

import {UserError} from '../model/errors.js'
import {DEFAULT_PAGE} from '../model/keys.js'
import {isCustomPageName} from '../model/page-name.js'
import {MAX_TEXT_BYTES, validateWindow} from '../model/window-codec.js'
import {validateWindowName} from '../model/window-name.js'
import {formatDuration, formatLocal, parseDuration} from '../model/time.js'
import {firstPairCloserThan, nextOccurrence} from '../model/recurrence.js'
import {currentInterval, nextInterval} from '../model/window-schedule.js'

/** What `schedule` and `now` ask for, checked and completed (name, warnings) by prepareNewWindow. */
export type WindowDraft = Omit<Window, 'name'> & {name?: string}

/** Checks the parts of a draft that need no cluster, so bad input fails before any request. */
export function checkDraftOffline(draft: WindowDraft, now: number): void {
  if (draft.name !== undefined) {
    const problem = validateWindowName(draft.name)
    if (problem) throw new UserError(`--name "${draft.name}": ${problem}`)
  }
  if (draft.page !== DEFAULT_PAGE && !isCustomPageName(draft.page)) {
    throw new UserError(`--page "${draft.page}" is not a valid page name (lowercase letters, digits and '-'); see kubectl maintenance page list`)
  }
  for (const field of ['message', 'reason', 'contact'] as const) {
    const bytes = Buffer.byteLength(draft[field] ?? '', 'utf8')
    if (bytes > MAX_TEXT_BYTES) {
      throw new UserError(`--${field} is ${bytes} bytes; at most ${MAX_TEXT_BYTES} bytes (${MAX_TEXT_BYTES / 1024} KiB) are allowed`)
    }
  }
  const problems = validateWindow({...draft, name: draft.name ?? 'draft'}, now)
  if (problems.length > 0) throw new UserError(problems.join('; '))
  if (draft.every !== undefined && draft.duration !== undefined) {
    const overlap = overlappingOccurrences(draft.every, draft.timezone, draft.start, parseDuration(draft.duration).ms)
    if (overlap) throw new UserError(overlap)
  }
}

/**
 * A recurring draft starts at its first occurrence: `--start 02:00 --every "0 2 * * 0"` on a Tuesday is shown and named
 * after Sunday, the first time it runs, not after the --start bound (occurrences before it never run either way).
 */
export function firstOccurrenceDraft(draft: WindowDraft): WindowDraft {
  if (draft.every === undefined) return draft
  const first = nextOccurrence(draft.every, draft.timezone, draft.start - 1)
  return first === undefined ? draft : {...draft, start: first}
}

const RECURRENCE_SCAN = 1000

/**
 * Occurrences of a recurrence that would overlap the next (`--every "*\/5 * * * *" --duration 1h`) are refused: the
 * outage would never end between them, which is an open-ended window in disguise. Checked over the next 1000
 * occurrences, which covers years of daily ones with their daylight saving nights.
 */
export function overlappingOccurrences(every: string, zone: string, start: number, durationMs: number): string | undefined {
  const pair = firstPairCloserThan(every, zone, start - 1, durationMs, RECURRENCE_SCAN)
  if (!pair) return undefined
  const gap = formatDuration(pair.to - pair.from)
  return (
    `--duration ${formatDuration(durationMs)} is longer than the time between occurrences of "${every}" (${gap}, from ${formatLocal(pair.from, zone)} to ${formatLocal(pair.to, zone)}): ` +
    `each would overlap the next and the targets would never come back; use a --duration of at most ${gap}, or a sparser --every`
  )
}

const OVERLAP_SCAN_LIMIT = 1000
const OVERLAP_SCAN_MS = 366 * 24 * 3_600_000

/** Whether `b` is active at some moment of `interval`. */
function activeDuring(b: Window, interval: Interval): boolean {
  if (currentInterval(b, interval.start)) return true
  const next = nextInterval(b, interval.start)
  return next !== undefined && next.start < (interval.end ?? Number.POSITIVE_INFINITY)
}

/**
 * Whether two windows are active at the same moment from `now` on. The one-off window's single interval is checked
 * against the other; two recurring windows are compared over their next year (at most 1000 occurrences).
 */
export function windowsOverlap(a: Window, b: Window, now: number): boolean {
  if (a.every && !b.every) return windowsOverlap(b, a, now)
  let interval = currentInterval(a, now) ?? nextInterval(a, now)
  for (let count = 0; interval && count < OVERLAP_SCAN_LIMIT && interval.start < now + OVERLAP_SCAN_MS; count++) {
    if (activeDuring(b, interval)) return true
    if (!a.every) return false
    interval = nextInterval(a, interval.start)
  }
  return false
}

/** A CronJob of the install and the namespaces its `reconcile` covers. */
export interface InstalledCronJob {
  name: string
  namespaces: 'all' | string[]
}

/** Where the tool is installed and what runs there; cronJobs undefined: they could not be read (forbidden). */
export interface InstallContext {
  namespace: string
  cronJobs?: InstalledCronJob[]
}

/**
 * Without a CronJob reconciling the window's namespace nothing applies it at its start or end; commands warn about
 * it but do not fail. `what` says what would not happen.
 */
export function cronJobWarning(install: InstallContext, namespace: string, what: string): string | undefined {
  const where = `CronJob kubectl-maintenance in namespace ${install.namespace}`
  if (install.cronJobs === undefined) return `could not check for the ${where} (forbidden); without it ${what}`
  if (install.cronJobs.some((cronJob) => cronJob.namespaces === 'all' || cronJob.namespaces.includes(namespace))) return undefined
  if (install.cronJobs.length === 0) return `no ${where}: ${what}; run kubectl maintenance install`
  const names = install.cronJobs.map((cronJob) => cronJob.name).join(', ')
  return `no CronJob of namespace ${install.namespace} (${names}) reconciles namespace ${namespace}: ${what}; add it with kubectl maintenance install --namespaces`
}
