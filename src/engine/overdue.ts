import type {Window} from '../model/window.js'

import {formatDuration, formatLocal, toRfc3339Utc} from '../model/time.js'
import {currentInterval, isOver, nextInterval} from '../model/window-schedule.js'

/** The CronJob runs every minute; a transition later than this by its spec means it did not run. */
export const OVERDUE_AFTER_MS = 60_000

/**
 * A window whose phase disagrees with its spec for more than a minute: it should have started (still Scheduled) or
 * ended (still Active). The reason, or undefined when the window is on time.
 */
export function overdue(w: Window, now: number): string | undefined {
  if (w.phase === 'Cancelled' || w.phase === 'Completed' || w.phase === 'Failed') return undefined
  const late = (at: number): string => `${formatDuration(Math.floor((now - at) / 1000) * 1000)} ago, at ${formatLocal(at, w.timezone)}`
  const current = currentInterval(w, now)
  const running = w.phase === 'Active' || w.phase === 'Degraded'
  if (current && !running && now - current.start > OVERDUE_AFTER_MS) return `should have started ${late(current.start)}`
  if (current || !running) return undefined
  const ended = isOver(w, now) ? lastEnd(w, now) : previousEnd(w, now)
  return ended !== undefined && now - ended > OVERDUE_AFTER_MS ? `should have ended ${late(ended)}` : undefined
}

function lastEnd(w: Window, now: number): number | undefined {
  return w.every ? previousEnd(w, now) : w.end
}

/** For a recurring window between occurrences: the end of the one before now. */
function previousEnd(w: Window, now: number): number | undefined {
  let last: number | undefined
  for (let interval = nextInterval(w, w.start - 1), steps = 0; interval && interval.start < now && steps < 10_000; interval = nextInterval(w, interval.start), steps++) {
    if (interval.end !== undefined && interval.end <= now) last = interval.end
  }
  return last
}

/**
 * Marks the statuses of targets whose window is overdue (`overdue` set, so the table does not say "yes" for a window
 * that ended long ago) and returns one warning per such window.
 */
export function overdueStatuses(statuses: Array<{namespace: string; window?: string; overdue?: string}>, windows: Window[], now: number): string[] {
  const warnings = new Set<string>()
  for (const status of statuses) {
    const w = windows.find((candidate) => candidate.namespace === status.namespace && candidate.name === status.window)
    const why = w === undefined ? undefined : overdue(w, now)
    if (w === undefined || why === undefined) continue
    status.overdue = why
    warnings.add(`window ${w.name} in namespace ${w.namespace} is overdue: it ${why}`)
  }
  return [...warnings]
}

/** What the API says about an installed CronJob and its Jobs (batch/v1). */
export interface CronJobRuns {
  name: string
  namespace: string
  suspended: boolean
  lastScheduleTime?: string
  lastSuccessfulTime?: string
  /** The CronJob's Jobs, newest first: name, and whether it failed. */
  jobs: Array<{name: string; started?: string; failed: boolean; succeeded: boolean}>
}

/** One line on the CronJob's health: when it last ran and last succeeded, from its status and its Jobs. */
export function cronJobHealth(runs: CronJobRuns | undefined, installNamespace: string, now: number): string {
  if (!runs) return `no CronJob kubectl-maintenance in namespace ${installNamespace}: nothing applies windows (run kubectl maintenance install)`
  const ago = (at: string | undefined): string => {
    const ms = at === undefined ? Number.NaN : Date.parse(at)
    return Number.isNaN(ms) ? 'never' : `${formatDuration(Math.max(0, Math.floor((now - ms) / 1000) * 1000))} ago (${toRfc3339Utc(ms)})`
  }
  const failed = runs.jobs.find((job) => job.failed)
  const latest = runs.jobs[0]
  const parts = [
    `CronJob ${runs.namespace}/${runs.name}${runs.suspended ? ' is suspended;' : ''} last ran ${ago(runs.lastScheduleTime)}, last succeeded ${ago(runs.lastSuccessfulTime)}`,
    ...(latest?.failed ? [`its latest Job ${latest.name} failed (kubectl logs -n ${runs.namespace} job/${latest.name})`] : failed ? [`Job ${failed.name} failed`] : []),
  ]
  return parts.join('; ')
}
