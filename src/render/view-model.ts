import {DateTime} from 'luxon'

/** What a window gives a page (SPEC §5). Times are epoch milliseconds. */
export interface PageContext {
  window: string
  namespace: string
  targets: string[]
  /** Absent for a target switched by its enable annotation: it has no window, so no known start. */
  start?: number
  /** Absent: open-ended. */
  end?: number
  timezone: string
  message?: string
  reason?: string
  contact?: string
  title?: string
}

/** The template variables of SPEC §5. Every key is present; optional ones are undefined when not given. */
export interface ViewModel {
  title: string
  message: string | undefined
  reason: string | undefined
  contact: string | undefined
  /** RFC 3339, UTC. */
  start: string | undefined
  end: string | undefined
  startLocal: string | undefined
  endLocal: string | undefined
  timezone: string
  /** IMF-fixdate HTTP-date of the end. */
  retryAfter: string | undefined
  namespace: string
  targets: string[]
  window: string
}

export const DEFAULT_TITLE = 'Down for maintenance'

/** The names templates may use, in SPEC order. */
export const VIEW_VARIABLES: ReadonlyArray<keyof ViewModel> = [
  'title',
  'message',
  'reason',
  'contact',
  'start',
  'end',
  'startLocal',
  'endLocal',
  'timezone',
  'retryAfter',
  'namespace',
  'targets',
  'window',
]

// English regions tried in turn for a zone's abbreviation: en-GB knows CET/BST, en-US knows EST/PDT, and so on.
const ABBREVIATION_LOCALES = ['en-GB', 'en-US', 'en-AU', 'en-IN', 'en-NZ']

/** A zone's name at an offset, once per process: Intl builds a new formatter for every lookup, the slowest step of a page's view. */
const abbreviations = new Map<string, string>()

/** "CET", "EDT", "UTC"; a numeric "GMT+9" where English has no common abbreviation for the zone. */
export function zoneAbbreviation(time: DateTime): string {
  const key = `${time.zoneName}|${time.offset}`
  let name = abbreviations.get(key)
  if (name === undefined) {
    name = lookUpAbbreviation(time)
    abbreviations.set(key, name)
  }
  return name
}

function lookUpAbbreviation(time: DateTime): string {
  let fallback = ''
  for (const locale of ABBREVIATION_LOCALES) {
    const name = time.setLocale(locale).offsetNameShort ?? ''
    if (!fallback) fallback = name
    if (name && !/^GMT[+-]/.test(name)) return name
  }
  return fallback || time.toFormat('ZZ')
}

/** "Thursday 24 Dec, 23:00 CET": English, 24-hour, in `timezone`, the same on every machine. */
export function formatLocal(epochMs: number, timezone: string): string {
  const time = DateTime.fromMillis(epochMs, {zone: timezone}).setLocale('en-GB')
  if (!time.isValid) throw new Error(`invalid timezone "${timezone}": use an IANA name such as Europe/Berlin`)
  return `${time.toFormat('cccc d LLL, HH:mm')} ${zoneAbbreviation(time)}`
}

/** RFC 3339 in UTC without fractions: "2026-11-23T01:00:00Z". */
export function formatRfc3339(epochMs: number): string {
  return DateTime.fromMillis(epochMs, {zone: 'utc'}).toISO({suppressMilliseconds: true}) ?? ''
}

/** IMF-fixdate (RFC 9110): "Thu, 24 Dec 2026 22:00:00 GMT". Retry-After has whole seconds, so round up. */
export function formatHttpDate(epochMs: number): string {
  return DateTime.fromMillis(Math.ceil(epochMs / 1000) * 1000, {zone: 'utc'}).toHTTP() ?? ''
}

function presentText(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text
}

export function buildViewModel(ctx: PageContext): ViewModel {
  const hasEnd = ctx.end !== undefined
  return {
    contact: presentText(ctx.contact),
    end: hasEnd ? formatRfc3339(ctx.end!) : undefined,
    endLocal: hasEnd ? formatLocal(ctx.end!, ctx.timezone) : undefined,
    message: presentText(ctx.message),
    namespace: ctx.namespace,
    reason: presentText(ctx.reason),
    retryAfter: hasEnd ? formatHttpDate(ctx.end!) : undefined,
    start: ctx.start === undefined ? undefined : formatRfc3339(ctx.start),
    startLocal: ctx.start === undefined ? undefined : formatLocal(ctx.start, ctx.timezone),
    targets: [...ctx.targets],
    timezone: ctx.timezone,
    title: presentText(ctx.title) ?? DEFAULT_TITLE,
    window: ctx.window,
  }
}
