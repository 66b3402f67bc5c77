import {Duration} from 'luxon'

import {UserError} from './errors.js'

const SECOND_MS = 1000
const MINUTE_MS = 60 * SECOND_MS
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS

const FORMS = '90s, 45m, 2h30m, 1d, 1d2h, or ISO 8601 such as PT2H, P1D, PT1H30M'
const NOT_POSITIVE = 'duration must be greater than zero, e.g. 30m or 2h'
const COMPACT = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/

export interface ParsedDuration {
  ms: number
  /** The compact form (`2h30m`), which parseDuration reads back to the same length. */
  text: string
}

/** DUR of SPEC §2. A day is 24 hours of elapsed time, whatever daylight saving does to the clocks. */
export function parseDuration(text: string): ParsedDuration {
  const trimmed = text.trim()
  if (/^-/.test(trimmed)) throw new UserError(`"${text}": ${NOT_POSITIVE}`)
  const ms = /^p/i.test(trimmed) ? isoMs(trimmed, text) : compactMs(trimmed, text)
  if (!Number.isSafeInteger(ms)) throw new UserError(`duration "${text}" is too long`)
  if (ms % SECOND_MS !== 0) throw new UserError(`duration "${text}" is not a whole number of seconds; use e.g. 90s`)
  if (ms <= 0) throw new UserError(`"${text}": ${NOT_POSITIVE}`)
  return {ms, text: formatDuration(ms)}
}

function compactMs(trimmed: string, original: string): number {
  if (/^\d+$/.test(trimmed)) {
    throw new UserError(`duration "${original}" has no unit: write ${trimmed}m, ${trimmed}h or ${trimmed}s (forms: ${FORMS})`)
  }
  const match = COMPACT.exec(trimmed.toLowerCase())
  if (!match || trimmed === '') throw new UserError(`cannot read "${original}" as a duration; use ${FORMS}`)
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0))
  return days * DAY_MS + hours * HOUR_MS + minutes * MINUTE_MS + seconds * SECOND_MS
}

function isoMs(trimmed: string, original: string): number {
  const duration = Duration.fromISO(trimmed.toUpperCase())
  if (!duration.isValid || !/\d/.test(trimmed)) throw new UserError(`cannot read "${original}" as a duration; use ${FORMS}`)
  if (duration.years !== 0 || duration.quarters !== 0 || duration.months !== 0) {
    throw new UserError(`duration "${original}": months and years have no fixed length; use days, e.g. P30D`)
  }
  return Math.round(duration.as('milliseconds'))
}

/** Compact form: `2h`, `1h30m`, `45s`, `1d2h`; sub-second remainders are dropped. */
export function formatDuration(ms: number): string {
  if (ms < 0) return `-${formatDuration(-ms)}`
  const parts: Array<[number, string]> = [
    [Math.floor(ms / DAY_MS), 'd'],
    [Math.floor((ms % DAY_MS) / HOUR_MS), 'h'],
    [Math.floor((ms % HOUR_MS) / MINUTE_MS), 'm'],
    [Math.floor((ms % MINUTE_MS) / SECOND_MS), 's'],
  ]
  const text = parts
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value}${unit}`)
    .join('')
  return text || '0s'
}
