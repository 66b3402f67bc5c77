import type {Window} from '../model/window.js'

import {UserError} from '../model/errors.js'
import {formatSkipList, localDate} from '../model/exceptions.js'
import {appendHistory} from '../model/history.js'
import {WindowAnnotation, WindowData} from '../model/keys.js'
import {formatLocal, toRfc3339Utc} from '../model/time.js'
import {currentInterval, occurrencesWithin} from '../model/window-schedule.js'
import {resolveWall} from '../model/zoned.js'

/**
 * What `skip`, `pause` and `resume` decide for a recurring window, from the window as read and the time; kube/
 * writes the annotations (with a history entry) on the version read, commands print the outcome.
 */

export interface SeriesChange {
  /** Annotations to set (string) or remove (null); empty: nothing to do. */
  annotations: Record<string, string | null>
  /** What happened, or why nothing had to. */
  lines: string[]
}

const DAY_MS = 86_400_000
/** Occurrences looked at on one day: a cron firing every minute has 1440. */
const MAX_OCCURRENCES_PER_DAY = 1500

function assertSeries(window: Window, verb: string): void {
  if (window.every === undefined) {
    throw new UserError(`window ${window.name} does not recur; ${verb} applies to a recurring window (--every). Cancel a one-off window with kubectl maintenance cancel ${window.name}`)
  }
  if (window.phase === 'Cancelled' || window.phase === 'Completed' || window.phase === 'Failed') {
    throw new UserError(`window ${window.name} is ${window.phase}: it has no occurrences left to ${verb}; schedule a new window with kubectl maintenance schedule`)
  }
}

/** The starts of the occurrences of `window` (skips ignored) on a local day. */
function occurrencesOn(window: Window, date: string): number[] {
  const [year, month, day] = date.split('-').map(Number)
  const midnight = Date.UTC(year, month - 1, day)
  const from = resolveWall(midnight, window.timezone)
  const to = resolveWall(midnight + DAY_MS, window.timezone)
  const {skip: _skip, ...unskipped} = window
  return occurrencesWithin(unskipped, from, to, MAX_OCCURRENCES_PER_DAY)
    .map((o) => o.start)
    .filter((start) => localDate(start, window.timezone) === date)
}

/** Skipping days of a series: each must have an occurrence still to come (one in progress is ended with `end`). */
export function skipChange(window: Window, dates: string[], now: number): SeriesChange {
  assertSeries(window, 'skip')
  const already = new Set(window.skip ?? [])
  const lines: string[] = []
  const added: string[] = []
  const running = currentInterval(window, now)
  for (const date of [...new Set(dates)].sort()) {
    if (already.has(date)) {
      lines.push(`${date} is skipped already; nothing to do`)
      continue
    }
    const starts = occurrencesOn(window, date)
    if (starts.length === 0) {
      throw new UserError(`window ${window.name} has no occurrence on ${date} (${window.timezone}): "${window.every}" for ${window.duration}; list the coming ones with kubectl maintenance calendar -n ${window.namespace}`)
    }
    if (running && starts.includes(running.start)) {
      throw new UserError(`the occurrence of ${date} is in progress (since ${formatLocal(running.start, window.timezone)}); end it with kubectl maintenance end ${window.name}`)
    }
    if (starts.every((start) => start <= now)) {
      throw new UserError(`the occurrence of ${date} is over (${formatLocal(starts.at(-1) as number, window.timezone)}); give a day still to come`)
    }
    added.push(date)
    lines.push(`window ${window.name}: ${date} skipped (${starts.map((start) => formatLocal(start, window.timezone)).join(', ')} will not start)`)
  }
  if (added.length === 0) return {annotations: {}, lines}
  const keep = (window.skip ?? []).filter((date) => date >= localDate(now, window.timezone))
  return {annotations: {[WindowAnnotation.skip]: formatSkipList([...keep, ...added])}, lines}
}

/**
 * Pausing a series: no occurrence starts from now on until `resume`. One in progress runs to its end, as a user pausing
 * "the weekly maintenance" expects of the work already under way; `end` stops it now.
 */
export function pauseChange(window: Window, now: number): SeriesChange {
  assertSeries(window, 'pause')
  if (window.paused !== undefined) {
    return {annotations: {}, lines: [`window ${window.name} is paused already (since ${formatLocal(window.paused, window.timezone)}); nothing to do`]}
  }
  const at = Math.ceil(now / 1000) * 1000
  const lines = [`window ${window.name} paused: no occurrence starts until kubectl maintenance resume ${window.name}`]
  const running = currentInterval(window, now)
  if (running?.end !== undefined) {
    lines.push(`the occurrence in progress runs until ${formatLocal(running.end, window.timezone)}; end it now with kubectl maintenance end ${window.name}`)
  }
  return {annotations: {[WindowAnnotation.paused]: toRfc3339Utc(at)}, lines}
}

/** Resuming a paused series: occurrences start again from the next one on (those missed while paused do not run late). */
export function resumeChange(window: Window, now: number): SeriesChange {
  assertSeries(window, 'resume')
  if (window.paused === undefined) return {annotations: {}, lines: [`window ${window.name} is not paused; nothing to do`]}
  const {paused: _paused, ...resumed} = window
  const next = occurrencesWithin(resumed, now + 1, now + 400 * DAY_MS, 50).find((o) => !o.excluded)
  const annotations: Record<string, string | null> = {[WindowAnnotation.paused]: null}
  // An occurrence that began while paused must not start late: the series begins again after now, unless one
  // begun before the pause is still running (moving the start would end it).
  if (currentInterval(window, now) === undefined && window.start <= now) annotations[WindowAnnotation.start] = toRfc3339Utc(Math.ceil((now + 1) / 1000) * 1000)
  return {
    annotations,
    lines: [`window ${window.name} resumed: ${next ? `the next occurrence starts ${formatLocal(next.start, window.timezone)}` : 'no occurrence is left to come'}`],
  }
}

/** The history data written with a change to a series (pause, resume, skip): the phase stays, the entry says what changed. */
export function seriesHistory(window: Window, change: SeriesChange, now: number, actor: string): Record<string, string> {
  const message = change.lines[0] ?? ''
  return {[WindowData.history]: appendHistory(window.history, {at: now, by: actor, message, phase: window.phase ?? 'Pending'})}
}
