import {IANAZone} from 'luxon'

/**
 * Wall-clock arithmetic in an IANA zone. A "wall" time is a local date-time encoded as if it were UTC epoch ms
 * (Date.UTC(y, m - 1, d, h, mi, s)), so it can be compared and stepped without any zone.
 */

const MINUTE_MS = 60_000
const DAY_MS = 86_400_000

/** The zone's offset from UTC at an instant, in ms. */
export function offsetMs(zone: string, instant: number): number {
  return IANAZone.create(zone).offset(instant) * MINUTE_MS
}

/** The local date-time shown by clocks in `zone` at `instant`, as a wall time. */
export function wallOf(instant: number, zone: string): number {
  return instant + offsetMs(zone, instant)
}

/**
 * Every instant at which clocks in `zone` show `wall`: none in a spring-forward gap, two in a fall-back overlap
 * (earlier first), else one. Offsets a day either side bound the candidates, which holds wherever transitions are
 * more than two days apart (every zone today).
 */
export function possibleInstants(wall: number, zone: string): number[] {
  const offsets = new Set([offsetMs(zone, wall - DAY_MS), offsetMs(zone, wall + DAY_MS)])
  const instants = [...offsets].map((offset) => wall - offset).filter((instant) => offsetMs(zone, instant) === wall - instant)
  return instants.sort((a, b) => a - b)
}

/** A stretch of wall time that clocks skip (spring forward): [from, to) in wall time, at `transition` (an instant). */
export interface Gap {
  from: number
  to: number
  transition: number
}

/** The gap that `wall` falls into, or undefined when clocks do show it. */
export function gapAt(wall: number, zone: string): Gap | undefined {
  if (possibleInstants(wall, zone).length > 0) return undefined
  const before = offsetMs(zone, wall - DAY_MS)
  const after = offsetMs(zone, wall + DAY_MS)
  // The transition instant lies where the offset switches from `before` to `after`.
  let low = wall - after
  let high = wall - before
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2)
    if (offsetMs(zone, middle) === before) low = middle
    else high = middle
  }
  return {from: high + before, to: high + after, transition: high}
}

/**
 * The one instant a wall time stands for: in a fall-back overlap the first occurrence; in a spring-forward gap the
 * wall time moved forward by the length of the gap (02:30 in a 02:00->03:00 gap is 03:30), which is the instant the
 * old offset would have given it, as luxon, java.time and Temporal ("compatible") do.
 */
export function resolveWall(wall: number, zone: string): number {
  const instants = possibleInstants(wall, zone)
  if (instants.length > 0) return instants[0]
  return wall - offsetMs(zone, wall - DAY_MS)
}

/** The smallest and largest offset of `zone` within two days of `instant`, in ms. */
export function offsetRange(zone: string, instant: number): {min: number; max: number} {
  const offsets = [-2, -1, 0, 1, 2].map((days) => offsetMs(zone, instant + days * DAY_MS))
  return {max: Math.max(...offsets), min: Math.min(...offsets)}
}

export interface WallFields {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  millisecond: number
}

export function wallFields(wall: number): WallFields {
  const date = new Date(wall)
  return {
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    millisecond: date.getUTCMilliseconds(),
    minute: date.getUTCMinutes(),
    month: date.getUTCMonth() + 1,
    second: date.getUTCSeconds(),
    year: date.getUTCFullYear(),
  }
}

export function wallFromFields(fields: WallFields): number {
  const date = new Date(0)
  date.setUTCFullYear(fields.year, fields.month - 1, fields.day)
  date.setUTCHours(fields.hour, fields.minute, fields.second, fields.millisecond)
  return date.getTime()
}

/** `2026-03-29 02:30` (seconds only when non-zero). */
export function formatWall(wall: number): string {
  const iso = new Date(wall).toISOString()
  const seconds = iso.slice(17, 19)
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${seconds === '00' ? '' : `:${seconds}`}`
}
