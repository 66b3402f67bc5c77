import {UserError} from '../model/errors.js'
import {localDate} from '../model/exceptions.js'
import {formatLocal} from '../model/time.js'

/** The times `schedule` was given, read but not yet checked against each other. */
export interface ScheduleTimes {
  start: number
  /** --end, read as an end after the start (a bare time of day that has passed or comes before the start is refused when read). */
  end?: number
  duration?: {ms: number; text: string}
  every?: string
  skip?: string[]
}

/**
 * The start, end and occurrences of a new window, or a UserError naming the flag that is wrong and what would be right:
 * no start in the past, a positive length, --every with --duration (not --end), an end after the start, and --skip
 * days only for a recurring window and none before its first day.
 */
export function checkScheduleTimes(times: ScheduleTimes, now: number, zone: string): {start: number; end?: number} {
  const {duration, every, start} = times
  checkStart(start, now, zone)
  if (duration && duration.ms <= 0) throw new UserError(`--duration ${duration.text} is not positive; give a length such as 2h`)
  if (every && !duration) throw new UserError('--every needs --duration (the length of each occurrence), not --end')
  if (times.skip !== undefined) checkSkipDates(times.skip, every, start, zone)
  const end = every ? undefined : duration ? start + duration.ms : times.end
  if (end !== undefined && end <= start) {
    throw new UserError(`--end ${formatLocal(end, zone)} is not after --start ${formatLocal(start, zone)}; give a later --end or a --duration`)
  }
  return {end, start}
}

/** A window is scheduled ahead: one that starts in the past is what `now` is for. */
export function checkStart(start: number, now: number, zone: string): void {
  if (start < now) throw new UserError(`--start ${formatLocal(start, zone)} is in the past (now: ${formatLocal(now, zone)}); use a later time, or kubectl maintenance now`)
}

/** --skip: days of a recurring window, none before the first occurrence's day. */
function checkSkipDates(dates: string[], every: string | undefined, start: number, zone: string): void {
  if (every === undefined) throw new UserError('--skip needs --every: only a recurring window has occurrences to skip (a one-off window is simply not scheduled)')
  const first = localDate(start, zone)
  const past = dates.filter((date) => date < first)
  if (past.length > 0) throw new UserError(`--skip ${past.join(', ')}: before the window's first day ${first}; give days on or after --start`)
}
