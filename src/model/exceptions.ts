import {UserError} from './errors.js'
import {parseDuration} from './duration.js'
import {wallOf} from './zoned.js'

/** Exceptions to a recurring window (`--skip`, `skip`, `pause`) and how far ahead it is announced (`--announce`). */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
/** Skip dates kept on one window; the annotation stays small and every check stays cheap. */
export const MAX_SKIP_DATES = 100
export const DEFAULT_ANNOUNCE = '24h'
const MAX_ANNOUNCE_MS = 365 * 24 * 3_600_000

/** A calendar date YYYY-MM-DD that exists (2026-02-30 does not). Returns it as written. */
export function parseSkipDate(text: string): string {
  const trimmed = text.trim()
  const match = DATE.exec(trimmed)
  if (!match) throw new UserError(`date "${text}" is not a date: write YYYY-MM-DD, e.g. 2026-12-27 (the day, in the window's timezone, of the occurrence to skip)`)
  const [year, month, day] = match.slice(1).map(Number)
  const date = new Date(Date.UTC(year, month - 1, day))
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new UserError(`date "${text}" does not exist: write a real day as YYYY-MM-DD, e.g. 2026-12-27`)
  }
  return trimmed
}

/** The skip annotation's value read: dates sorted, duplicates dropped; every bad entry is reported. */
export function parseSkipList(text: string): string[] {
  const dates = new Set<string>()
  for (const entry of text.split(',').map((part) => part.trim()).filter((part) => part !== '')) dates.add(parseSkipDate(entry))
  if (dates.size > MAX_SKIP_DATES) throw new UserError(`${dates.size} skip dates; at most ${MAX_SKIP_DATES} per window: cancel the window and schedule one that recurs less often`)
  return [...dates].sort()
}

export function formatSkipList(dates: string[]): string {
  return [...new Set(dates)].sort().join(',')
}

/** The local date (YYYY-MM-DD) of an instant in a zone: what a skip date names. */
export function localDate(instant: number, zone: string): string {
  return new Date(wallOf(instant, zone)).toISOString().slice(0, 10)
}

/** `--announce DUR`: how long before each start the feed announces it; positive, at most 365 days. */
export function parseAnnounce(text: string): {ms: number; text: string} {
  const parsed = parseDuration(text)
  if (parsed.ms > MAX_ANNOUNCE_MS) throw new UserError(`announce "${text}" is longer than 365 days; give e.g. 24h or 7d`)
  return parsed
}

export function announceMs(announce: string | undefined): number {
  return parseAnnounce(announce ?? DEFAULT_ANNOUNCE).ms
}
