import type {Interval, Window} from './window.js'

import {parseDuration} from './duration.js'
import {localDate} from './exceptions.js'
import {nextOccurrence, previousOccurrence} from './recurrence.js'

/**
 * When a window is active, from its times alone: phases (Cancelled, Completed, Failed) are the engine's business.
 * A one-off window is active on [start, end), or from start on when open-ended. A recurring one (every + duration)
 * is active during each occurrence [s, s + duration) whose start s is at or after `start` and before `end`; an
 * occurrence that has begun runs its full duration even past `end`. Occurrences may overlap; the latest one that has
 * begun is the current one.
 *
 * Exceptions (recurring windows only): an occurrence whose start falls on a skip date (in the window's zone) does not
 * happen, nor does one starting at or after `paused`; an occurrence already in progress when the series was paused
 * runs to its end (pausing is about what is to come; `end` stops the one in progress).
 */

/** Occurrences looked at past excluded ones before giving up: a cron firing every minute across a skipped day. */
const MAX_EXCLUDED_STEPS = 5000

interface Recurrence {
  every: string
  durationMs: number
}

function recurrenceOf(w: Window): Recurrence | undefined {
  if (w.every === undefined || w.duration === undefined) return undefined
  return {durationMs: parseDuration(w.duration).ms, every: w.every}
}

/** The interval containing now (start <= now < end), if any. */
export function currentInterval(w: Window, now: number): Interval | undefined {
  const recurrence = recurrenceOf(w)
  if (!recurrence) {
    const active = w.start <= now && (w.end === undefined || now < w.end)
    return active ? oneOff(w) : undefined
  }
  const latestAllowed = w.end === undefined ? now : Math.min(now, w.end - 1)
  // Earlier occurrences end earlier: once one has ended, none before it is still running.
  let start = previousOccurrence(recurrence.every, w.timezone, latestAllowed)
  for (let step = 0; start !== undefined && start >= w.start && now < start + recurrence.durationMs && step < MAX_EXCLUDED_STEPS; step++) {
    if (!isExcluded(w, start)) return {end: start + recurrence.durationMs, start}
    start = previousOccurrence(recurrence.every, w.timezone, start - 1)
  }
  return undefined
}

/** Whether the occurrence starting at `start` was skipped or falls into a pause. */
export function isExcluded(w: Window, start: number): boolean {
  return exclusionOf(w, start) !== undefined
}

/** Why the occurrence starting at `start` does not happen: `skipped` (its date is skipped) or `paused`. */
export function exclusionOf(w: Window, start: number): 'paused' | 'skipped' | undefined {
  if (w.every === undefined) return undefined
  if (w.paused !== undefined && start >= w.paused) return 'paused'
  if (w.skip !== undefined && w.skip.length > 0 && w.skip.includes(localDate(start, w.timezone))) return 'skipped'
  return undefined
}

/**
 * Every occurrence starting within [from, to), excluded ones included (with why), ascending: what the schedule feed
 * shows. At most `limit` of them.
 */
export function occurrencesWithin(w: Window, from: number, to: number, limit: number): Array<Interval & {excluded?: 'paused' | 'skipped'}> {
  const recurrence = recurrenceOf(w)
  if (!recurrence) {
    return w.start >= from && w.start < to ? [oneOff(w)] : []
  }
  const found: Array<Interval & {excluded?: 'paused' | 'skipped'}> = []
  let next = nextOccurrence(recurrence.every, w.timezone, Math.max(from, w.start) - 1)
  while (next !== undefined && next < to && (w.end === undefined || next < w.end) && found.length < limit) {
    const excluded = exclusionOf(w, next)
    found.push({end: next + recurrence.durationMs, start: next, ...(excluded ? {excluded} : {})})
    next = nextOccurrence(recurrence.every, w.timezone, next)
  }
  return found
}

/** The next interval that starts strictly after now, if any. */
export function nextInterval(w: Window, now: number): Interval | undefined {
  const recurrence = recurrenceOf(w)
  if (!recurrence) return w.start > now ? oneOff(w) : undefined
  let start = nextOccurrence(recurrence.every, w.timezone, Math.max(now, w.start - 1))
  for (let step = 0; start !== undefined && step < MAX_EXCLUDED_STEPS; step++) {
    if (w.end !== undefined && start >= w.end) return undefined
    if (w.paused !== undefined && start >= w.paused) return undefined
    if (!isExcluded(w, start)) return {end: start + recurrence.durationMs, start}
    start = nextOccurrence(recurrence.every, w.timezone, start)
  }
  return undefined
}

/**
 * The next instant after now at which the window becomes active or inactive, or moves on to a new occurrence (when
 * occurrences overlap, the current interval, and so the end shown on the page, changes while the window stays active).
 */
export function nextTransition(w: Window, now: number): number | undefined {
  const candidates = [currentInterval(w, now)?.end, nextInterval(w, now)?.start].filter((at): at is number => at !== undefined && at > now)
  return candidates.length === 0 ? undefined : Math.min(...candidates)
}

/**
 * Nothing left to do: neither active now nor with an interval to come (a one-off window past its end). A paused series
 * is not over while it has occurrences to come once resumed.
 */
export function isOver(w: Window, now: number): boolean {
  if (currentInterval(w, now) !== undefined) return false
  const {paused: _paused, ...resumed} = w
  return nextInterval(resumed, now) === undefined
}

/** A recurring window that is paused (whether or not an occurrence begun before the pause is still running). */
export function isPaused(w: Window): boolean {
  return w.every !== undefined && w.paused !== undefined
}

function oneOff(w: Window): Interval {
  return w.end === undefined ? {start: w.start} : {end: w.end, start: w.start}
}
