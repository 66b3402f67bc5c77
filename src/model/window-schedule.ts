import type {Interval, Window} from './window.js'

import {parseDuration} from './duration.js'
import {nextOccurrence, previousOccurrence} from './recurrence.js'

/**
 * When a window is active, from its times alone: phases (Cancelled, Completed, Failed) are the engine's business.
 * A one-off window is active on [start, end), or from start on when open-ended. A recurring one (every + duration)
 * is active during each occurrence [s, s + duration) whose start s is at or after `start` and before `end`; an
 * occurrence that has begun runs its full duration even past `end`. Occurrences may overlap; the latest one that has
 * begun is the current one.
 */

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
  const start = previousOccurrence(recurrence.every, w.timezone, latestAllowed)
  if (start === undefined || start < w.start) return undefined
  const end = start + recurrence.durationMs
  return now < end ? {end, start} : undefined
}

/** The next interval that starts strictly after now, if any. */
export function nextInterval(w: Window, now: number): Interval | undefined {
  const recurrence = recurrenceOf(w)
  if (!recurrence) return w.start > now ? oneOff(w) : undefined
  const start = nextOccurrence(recurrence.every, w.timezone, Math.max(now, w.start - 1))
  if (start === undefined || (w.end !== undefined && start >= w.end)) return undefined
  return {end: start + recurrence.durationMs, start}
}

/**
 * The next instant after now at which the window becomes active or inactive, or moves on to a new occurrence (when
 * occurrences overlap, the current interval, and so the end shown on the page, changes while the window stays active).
 */
export function nextTransition(w: Window, now: number): number | undefined {
  const candidates = [currentInterval(w, now)?.end, nextInterval(w, now)?.start].filter((at): at is number => at !== undefined && at > now)
  return candidates.length === 0 ? undefined : Math.min(...candidates)
}

/** Nothing left to do: neither active now nor with an interval to come (a one-off window past its end). */
export function isOver(w: Window, now: number): boolean {
  return currentInterval(w, now) === undefined && nextInterval(w, now) === undefined
}

function oneOff(w: Window): Interval {
  return w.end === undefined ? {start: w.start} : {end: w.end, start: w.start}
}
