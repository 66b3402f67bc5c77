import {DateTime, IANAZone} from 'luxon'

import {parseDuration} from './duration.js'
import {UserError} from './errors.js'
import {zoneAbbreviation} from './zone.js'
import {type WallFields, formatWall, gapAt, possibleInstants, wallFields, wallFromFields, wallOf} from './zoned.js'

export {formatDuration, parseDuration, type ParsedDuration} from './duration.js'
export {machineZone, parseZone} from './zone.js'

const DAY_MS = 86_400_000

const DATE = String.raw`(\d{4})-(\d{2})-(\d{2})`
const TIME = String.raw`(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?`
const OFFSET = String.raw`([Zz]|[+-]\d{2}:\d{2})`
const DATE_TIME = new RegExp(`^${DATE}[Tt ]${TIME}${OFFSET}?$`)
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/
const TIME_OF_DAY = new RegExp(`^${TIME}$`)
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']

export interface WhenOptions {
  /** The clock, injected: epoch ms. */
  now: number
  /** IANA zone that local times are read in. */
  zone: string
  /** Which of the two instants a local time that clocks show twice (fall back) means; without it such a time is refused. */
  fold?: Fold
  /** The time ends something (`--until`, `--end`): a bare time of day that has passed today is refused, not read as tomorrow's. */
  asEnd?: boolean
  /** With `asEnd`: what the end must follow (a later start); a bare time of day today at or before it is refused too. */
  after?: number
}

export const FOLDS = ['earlier', 'later'] as const
export type Fold = (typeof FOLDS)[number]

/**
 * WHEN of SPEC §2, to epoch ms:
 * - RFC 3339 with offset or Z: `2026-11-23T02:00:00+01:00` (seconds and fractions optional);
 * - a local date-time read in `zone`: `2026-11-23 02:00`, `2026-11-23T02:00:30`;
 * - a time of day, `02:00`: the next instant clocks in `zone` show it (today if still ahead, else tomorrow);
 * - relative, as elapsed time from now: `+30m`, `+2h30m`, `+1d`; or `now`.
 * A local time that clocks skip (spring forward) is refused, naming the first time after the gap. One that clocks
 * show twice (fall back) is refused unless `fold` says which (a time of day of which only the second is still ahead
 * is that one). With `asEnd`, a bare time of day that has passed today (or is not after `after`) is refused rather
 * than read as another day's: the message names the date that was probably meant.
 */
export function parseWhen(text: string, opts: WhenOptions): number {
  const trimmed = text.trim()
  if (trimmed.toLowerCase() === 'now') return opts.now
  if (trimmed.startsWith('+')) return opts.now + relativeMs(trimmed, text, opts.zone)
  const dateTime = DATE_TIME.exec(trimmed)
  if (dateTime) {
    const [, year, month, day, hour, minute, second, fraction, offset] = dateTime
    const fields = checkedFields(text, opts.zone, {day, fraction, hour, minute, month, second, year})
    if (offset !== undefined) return wallFromFields(fields) - offsetFromText(offset, text, opts.zone)
    return localInstant(wallFromFields(fields), text, opts.zone, opts.fold)
  }
  const timeOfDay = TIME_OF_DAY.exec(trimmed)
  if (timeOfDay) {
    const [, hour, minute, second, fraction] = timeOfDay
    return nextTimeOfDay({fraction, hour, minute, second}, text, opts)
  }
  throw new UserError(`cannot read "${text}" as a time; ${whenForms(opts.zone)}`)
}

function whenForms(zone: string): string {
  return (
    `use one of: 2026-11-23T02:00:00+01:00 (RFC 3339 with offset or Z), 2026-11-23 02:00 (local date-time in ${zone}), ` +
    `02:00 (the next 02:00 in ${zone}), +30m, +2h or +1d (from now), now`
  )
}

function relativeMs(trimmed: string, original: string, zone: string): number {
  try {
    return parseDuration(trimmed.slice(1)).ms
  } catch (error) {
    if (!(error instanceof UserError)) throw error
    throw new UserError(`cannot read "${original}" as a relative time (${error.message}); ${whenForms(zone)}`)
  }
}

interface FieldTexts {
  year?: string
  month?: string
  day?: string
  hour: string
  minute: string
  second?: string
  fraction?: string
}

function checkedFields(original: string, zone: string, texts: FieldTexts & {year: string; month: string; day: string}): WallFields {
  const fields = timeFields(original, zone, texts)
  const year = Number(texts.year)
  const month = Number(texts.month)
  const day = Number(texts.day)
  if (month < 1 || month > 12) throw new UserError(`"${original}": month ${texts.month} does not exist (01-12); ${whenForms(zone)}`)
  const days = daysInMonth(year, month)
  if (day < 1 || day > days) {
    throw new UserError(`"${original}": ${MONTHS[month - 1]} ${year} has no day ${texts.day} (it has ${days} days)`)
  }
  return {...fields, day, month, year}
}

function timeFields(original: string, zone: string, texts: FieldTexts): WallFields {
  const hour = Number(texts.hour)
  const minute = Number(texts.minute)
  const second = Number(texts.second ?? 0)
  if (hour > 23) throw new UserError(`"${original}": hour ${texts.hour} does not exist (00-23); ${whenForms(zone)}`)
  if (minute > 59) throw new UserError(`"${original}": minute ${texts.minute} does not exist (00-59); ${whenForms(zone)}`)
  if (second > 59) throw new UserError(`"${original}": second ${texts.second} does not exist (00-59); ${whenForms(zone)}`)
  const millisecond = texts.fraction === undefined ? 0 : Math.floor(Number(`0.${texts.fraction}`) * 1000)
  return {day: 1, hour, millisecond, minute, month: 1, second, year: 1970}
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

function offsetFromText(offset: string, original: string, zone: string): number {
  if (offset.toUpperCase() === 'Z') return 0
  const sign = offset.startsWith('-') ? -1 : 1
  const hours = Number(offset.slice(1, 3))
  const minutes = Number(offset.slice(4, 6))
  if (hours > 23 || minutes > 59) throw new UserError(`"${original}": offset ${offset} does not exist; ${whenForms(zone)}`)
  return sign * (hours * 60 + minutes) * 60_000
}

function localInstant(wall: number, original: string, zone: string, fold?: Fold): number {
  const instants = possibleInstants(wall, zone)
  if (instants.length === 0) throw gapError(wall, original, zone, true)
  return chooseInstant(instants, wall, original, zone, fold)
}

/** One of the instants of a wall time; two (fall back) need `fold`, else the user is asked to choose. */
function chooseInstant(instants: number[], wall: number, original: string, zone: string, fold?: Fold): number {
  if (instants.length < 2) return instants[0]
  if (fold !== undefined) return fold === 'earlier' ? instants[0] : instants[instants.length - 1]
  const [earlier, later] = [instants[0], instants[instants.length - 1]]
  const local = formatWall(wall)
  const rfc = (instant: number): string => `${local.slice(0, 10)}T${local.slice(11, 16)}:${new Date(wall).toISOString().slice(17, 19)}${offsetText(wall - instant)}`
  throw new UserError(
    `"${original}"${original.trim() === local ? '' : ` (${local})`} happens twice in ${zone}: clocks go back that night (daylight saving time ends); ` +
      `add --fold earlier for ${formatLocal(earlier, zone)} or --fold later for ${formatLocal(later, zone)}, or write it in RFC 3339: ${rfc(earlier)} or ${rfc(later)}`,
  )
}

function offsetText(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000)
  return `${offsetMs < 0 ? '-' : '+'}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
}

function gapError(wall: number, original: string, zone: string, withDate: boolean): UserError {
  const gap = gapAt(wall, zone)
  if (!gap) return new UserError(`"${original}" does not exist in ${zone}`)
  const after = formatWall(gap.to)
  const suggestion = withDate ? after : after.slice(11)
  const on = withDate ? '' : ` on ${formatWall(wall).slice(0, 10)}`
  return new UserError(
    `"${original}"${on} does not exist in ${zone}: clocks jump from ${formatWall(gap.from).slice(11)} to ${after.slice(11)} that day ` +
      `(daylight saving time); use "${suggestion}" or later`,
  )
}

/** The next instant after now at which clocks in the zone show this time of day. */
function nextTimeOfDay(texts: FieldTexts, original: string, opts: WhenOptions): number {
  const time = timeFields(original, opts.zone, texts)
  const today = wallFields(wallOf(opts.now, opts.zone))
  for (let days = 0; days <= 2; days++) {
    const wall = wallFromFields({...time, day: today.day + days, month: today.month, year: today.year})
    const instants = possibleInstants(wall, opts.zone)
    if (instants.length === 0) {
      const gap = gapAt(wall, opts.zone)
      if (gap && gap.transition > opts.now) throw gapError(wall, original, opts.zone, false)
      // Clocks skipped it earlier today: as an end it has passed, like any other time of today behind us.
      if (days === 0 && opts.asEnd) throw passedError(time, original, opts)
      continue
    }
    const ahead = instants.filter((instant) => instant > opts.now)
    if (days === 0 && opts.asEnd) {
      if (ahead.length === 0) throw passedError(time, original, opts)
      if (opts.after !== undefined && instants.every((instant) => instant <= (opts.after as number))) throw beforeStartError(time, original, opts, opts.after)
    }
    if (ahead.length > 0) return chooseInstant(ahead, wall, original, opts.zone, opts.fold)
  }
  // Only a zone that skipped whole days gets here (Pacific/Apia, 2011-12-30).
  return localInstant(wallOf(opts.now, opts.zone) + 3 * DAY_MS, original, opts.zone)
}

/** A bare time of day used as an end that clocks showed earlier today: tomorrow's would silently make a day-long outage. */
function passedError(time: WallFields, original: string, opts: WhenOptions): UserError {
  const meant = firstWallAfter(time, Math.max(opts.now, opts.after ?? opts.now), opts.zone)
  return new UserError(
    `"${original}" has already passed today in ${opts.zone} (now ${formatLocal(opts.now, opts.zone)}); ` +
      `for ${meant.slice(0, 10) === formatWall(wallOf(opts.now, opts.zone) + DAY_MS).slice(0, 10) ? 'tomorrow' : 'another day'} write the date: "${meant}", or a relative time such as +30m`,
  )
}

/** A bare time of day used as an end that comes today, but not after the start: never moved to the next day unasked. */
function beforeStartError(time: WallFields, original: string, opts: WhenOptions, after: number): UserError {
  const today = formatWall(wallFromFields({...wallFields(wallOf(opts.now, opts.zone)), hour: time.hour, millisecond: time.millisecond, minute: time.minute, second: time.second}))
  return new UserError(
    `"${original}" (today, ${today}) is not after the start ${formatLocal(after, opts.zone)}; ` +
      `a bare time is not moved to another day: write the date, "${firstWallAfter(time, after, opts.zone)}"`,
  )
}

/** The first wall time of the day with this time of day that clocks in `zone` show after `instant` (for suggestions). */
function firstWallAfter(time: WallFields, instant: number, zone: string): string {
  const from = wallFields(wallOf(instant, zone))
  for (let days = 0; days <= 3; days++) {
    const wall = wallFromFields({...time, day: from.day + days, month: from.month, year: from.year})
    if (possibleInstants(wall, zone).some((candidate) => candidate > instant)) return formatWall(wall)
  }
  return formatWall(wallFromFields({...time, day: from.day + 1, month: from.month, year: from.year}))
}

/** `2026-12-24 22:00 CET`: what kubectl users read in lists, in the window's zone. */
export function formatLocal(ms: number, zone: string): string {
  const wall = zonedWall(ms, zone)
  if (wall === undefined) return `${DateTime.fromMillis(ms, {zone}).toFormat('yyyy-MM-dd HH:mm')} ${zoneAbbreviation(ms, zone)}`
  return `${wall.toISOString().slice(0, 16).replace('T', ' ')} ${zoneAbbreviation(ms, zone)}`
}

/**
 * The local date-time at `ms` in `zone` as a Date read in UTC (getUTCHours() is the local hour), for the formats
 * below: luxon's DateTime answers the same, but a pass formats a few times per window and luxon's formatting
 * dominated a pass's planning. undefined for a zone that is not valid or a year a four-digit format cannot show.
 */
function zonedWall(ms: number, zone: string): Date | undefined {
  const iana = IANAZone.create(zone)
  const offsetMinutes = iana.isValid ? iana.offset(ms) : Number.NaN
  if (!Number.isFinite(offsetMinutes)) return undefined
  const wall = new Date(ms + offsetMinutes * 60_000)
  const year = wall.getUTCFullYear()
  return year >= 1000 && year <= 9999 ? wall : undefined
}

/**
 * The weekday and month names luxon's `cccc` / `LLL` give in en-GB (the standalone forms, from Intl): they depend on
 * the local date only, so they are looked up once per process, by index.
 */
let pageNames: {weekdays: string[]; months: string[]} | undefined

function namesOfPage(): {weekdays: string[]; months: string[]} {
  if (pageNames) return pageNames
  const name = (options: Intl.DateTimeFormatOptions, field: 'weekday' | 'month', date: number) =>
    new Intl.DateTimeFormat('en-GB', {...options, timeZone: 'UTC'}).formatToParts(date).find((part) => part.type === field)?.value ?? ''
  // 2023-01-01 was a Sunday: getUTCDay() 0.
  const weekdays = Array.from({length: 7}, (_, day) => name({weekday: 'long'}, 'weekday', Date.UTC(2023, 0, 1 + day, 12)))
  const months = Array.from({length: 12}, (_, month) => name({month: 'short'}, 'month', Date.UTC(2023, month, 15, 12)))
  pageNames = {months, weekdays}
  return pageNames
}

/** "Thursday 24 Dec, 23:00 CET": what visitors read on the page; English, 24-hour, the same on every machine. */
export function formatPageTime(ms: number, zone: string): string {
  const wall = zonedWall(ms, zone)
  if (wall === undefined) {
    const time = DateTime.fromMillis(ms, {zone}).setLocale('en-GB')
    if (!time.isValid) throw new Error(`invalid timezone "${zone}": use an IANA name such as Europe/Berlin`)
    return `${time.toFormat('cccc d LLL, HH:mm')} ${zoneAbbreviation(ms, zone)}`
  }
  const {months, weekdays} = namesOfPage()
  const clock = wall.toISOString().slice(11, 16)
  return `${weekdays[wall.getUTCDay()]} ${wall.getUTCDate()} ${months[wall.getUTCMonth()]}, ${clock} ${zoneAbbreviation(ms, zone)}`
}

/** IMF-fixdate (RFC 9110) for Retry-After: "Thu, 24 Dec 2026 22:00:00 GMT". Retry-After has whole seconds, so round up. */
export function formatHttpDate(ms: number): string {
  const date = new Date(Math.ceil(ms / 1000) * 1000)
  const year = date.getUTCFullYear()
  // Date's toUTCString is IMF-fixdate for four-digit years; luxon covers the rest as it always did.
  return year >= 1000 && year <= 9999 ? date.toUTCString() : (DateTime.fromMillis(date.getTime(), {zone: 'utc'}).toHTTP() ?? '')
}

/** `2026-11-23T01:00:00Z`, with milliseconds only when there are some. */
export function toRfc3339Utc(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z')
}

/**
 * An RFC 3339 time with offset or Z (seconds optional, as people write by hand) to epoch ms; undefined for
 * anything else, including local times without an offset.
 */
export function parseRfc3339(text: string): number | undefined {
  // The form the engine writes (whole seconds, UTC), read for every window of every pass: an instant that prints back
  // as the same text is that instant; anything else (another form, a field out of range) takes the full path.
  if (CANONICAL_UTC.test(text)) {
    const ms = Date.parse(text)
    if (Number.isFinite(ms) && new Date(ms).toISOString() === `${text.slice(0, -1)}.000Z`) return ms
  }
  const match = DATE_TIME.exec(text.trim())
  if (!match || match[8] === undefined) return undefined
  try {
    return parseWhen(text, {now: 0, zone: 'UTC'})
  } catch {
    return undefined
  }
}
