import {CronExpressionParser} from 'cron-parser'

import {UserError} from './errors.js'
import {offsetRange, resolveWall, wallOf} from './zoned.js'

/**
 * Recurrence: a 5-field cron expression evaluated on the wall clock of the window's zone.
 *
 * cron-parser is used only to list wall-clock times (it runs in UTC, where no clock jumps); this module turns each
 * into an instant itself, because cron-parser's own zone handling answers differently depending on where iteration
 * starts (on 2026-10-25 in Europe/Berlin, `30 2 * * *` asked from 02:00 CET yields the second 02:30, asked from
 * earlier it does not), and a window must not run twice or vanish depending on when the engine happens to ask.
 *
 * Daylight saving, chosen so that every time the cron names happens exactly once:
 * - spring forward (02:00 -> 03:00): a time in the gap runs shifted by the gap's length, so `30 2 * * *` runs at
 *   03:30 that night (the instant 02:30 would have been under the old offset; what luxon, java.time and Temporal
 *   give for 02:30). A maintenance night is never silently skipped. If the shift lands on a time the cron also
 *   names (02:00 -> 03:00 with `0 * * * *`), it runs once.
 * - fall back (03:00 -> 02:00): a time clocks show twice runs at its first occurrence only (02:30 CEST), also for
 *   `*` hours: the repeated hour does not run again.
 */

const PREDEFINED = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly', '@weekdays', '@weekends'])
const EXAMPLE = '"0 2 * * 0" (Sundays at 02:00)'
const FIELDS = 'minute hour day-of-month month day-of-week'
/** Enough for a cron that fires every minute to cover a full day of wall time either side of a transition. */
const MAX_STEPS = 5000

/** Checks a cron expression: 5 fields, or one of cron-parser's @daily-style aliases. Returns it trimmed. */
export function parseCron(expr: string): string {
  const normalized = expr.trim().replaceAll(/\s+/g, ' ')
  if (normalized === '') throw new UserError(`cron expression is empty: write 5 fields (${FIELDS}), e.g. ${EXAMPLE}`)
  if (normalized.startsWith('@')) {
    if (!PREDEFINED.has(normalized.toLowerCase())) {
      throw new UserError(`cron "${expr}": only ${[...PREDEFINED].join(', ')} are supported aliases; or write 5 fields (${FIELDS}), e.g. ${EXAMPLE}`)
    }
    return normalized.toLowerCase()
  }
  const fields = normalized.split(' ')
  if (fields.length !== 5) {
    const hint = fields.length === 6 ? ' (seconds are not supported)' : ''
    throw new UserError(`cron "${expr}" has ${fields.length} fields${hint}: write exactly 5 (${FIELDS}), e.g. ${EXAMPLE}`)
  }
  if (/\bH\b/i.test(normalized)) throw new UserError(`cron "${expr}": the H (hash) extension is not supported; write the minute and hour, e.g. ${EXAMPLE}`)
  try {
    CronExpressionParser.parse(normalized, {currentDate: 0, tz: 'UTC'})
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new UserError(`cron "${expr}" is not valid (${reason}): write 5 fields (${FIELDS}), e.g. ${EXAMPLE}`)
  }
  return normalized
}

/** Wall-clock times the expression names, ascending from (exclusive) `afterWall`. */
function* wallTimesAfter(expr: string, afterWall: number): Generator<number> {
  const iterator = CronExpressionParser.parse(expr, {currentDate: new Date(afterWall), tz: 'UTC'})
  for (let step = 0; step < MAX_STEPS; step++) {
    try {
      yield iterator.next().getTime()
    } catch {
      return
    }
  }
}

/** Wall-clock times the expression names, descending from (exclusive) `beforeWall`. */
function* wallTimesBefore(expr: string, beforeWall: number): Generator<number> {
  const iterator = CronExpressionParser.parse(expr, {currentDate: new Date(beforeWall), tz: 'UTC'})
  for (let step = 0; step < MAX_STEPS; step++) {
    try {
      yield iterator.prev().getTime()
    } catch {
      return
    }
  }
}

/**
 * The first occurrence strictly after `after`. Wall times map to instants almost in order: only near a transition
 * can a later wall time give an earlier instant, by at most the spread of offsets there, so the search starts that
 * much early and stops once no later wall time can beat the best found.
 */
export function nextOccurrence(expr: string, zone: string, after: number): number | undefined {
  const around = offsetRange(zone, after)
  let best: number | undefined
  let spread = around
  for (const wall of wallTimesAfter(expr, wallOf(after, zone) - (around.max - around.min) - 1)) {
    if (best !== undefined && wall - spread.max >= best) break
    const instant = resolveWall(wall, zone)
    if (instant > after && (best === undefined || instant < best)) {
      best = instant
      spread = offsetRange(zone, best)
    }
  }
  return best
}

/** The last occurrence at or before `atOrBefore`. */
export function previousOccurrence(expr: string, zone: string, atOrBefore: number): number | undefined {
  const around = offsetRange(zone, atOrBefore)
  let best: number | undefined
  let spread = around
  for (const wall of wallTimesBefore(expr, wallOf(atOrBefore, zone) + (around.max - around.min) + 1)) {
    if (best !== undefined && wall - spread.min <= best) break
    const instant = resolveWall(wall, zone)
    if (instant <= atOrBefore && (best === undefined || instant > best)) {
      best = instant
      spread = offsetRange(zone, best)
    }
  }
  return best
}

/** Every occurrence that starts within [from, to), ascending. */
export function occurrencesBetween(expr: string, zone: string, from: number, to: number): number[] {
  const found: number[] = []
  for (let next = nextOccurrence(expr, zone, from - 1); next !== undefined && next < to; next = nextOccurrence(expr, zone, next)) {
    found.push(next)
  }
  return found
}

/**
 * The first two consecutive occurrences after `after` that start less than `ms` apart, looking at the next `count`
 * (one pass over the wall times, so a minute-by-minute cron is checked as quickly as a weekly one).
 */
export function firstPairCloserThan(expr: string, zone: string, after: number, ms: number, count: number): {from: number; to: number} | undefined {
  let previous: number | undefined
  let seen = 0
  const iterator = CronExpressionParser.parse(expr, {currentDate: new Date(wallOf(after, zone)), tz: 'UTC'})
  while (seen < count) {
    let wall: number
    try {
      wall = iterator.next().getTime()
    } catch {
      return undefined
    }
    const instant = resolveWall(wall, zone)
    if (instant <= after || (previous !== undefined && instant <= previous)) continue
    if (previous !== undefined && instant - previous < ms) return {from: previous, to: instant}
    previous = instant
    seen++
  }
  return undefined
}
