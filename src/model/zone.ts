import {DateTime, IANAZone} from 'luxon'

import {UserError} from './errors.js'

/**
 * Abbreviations and fixed offsets that the tz database happens to contain (CET, EST, EST5EDT, Etc/GMT+2...) are
 * refused: they are not where anyone lives, EST never observes daylight saving, and Etc/GMT+2 means UTC-2. Each gets
 * a suggestion of the zone people usually mean.
 */
const SUGGESTIONS: Record<string, string> = {
  BST: 'Europe/London',
  CDT: 'America/Chicago',
  CEST: 'Europe/Berlin',
  CET: 'Europe/Berlin',
  CST: 'America/Chicago',
  CST6CDT: 'America/Chicago',
  EDT: 'America/New_York',
  EEST: 'Europe/Helsinki',
  EET: 'Europe/Helsinki',
  EST: 'America/New_York',
  EST5EDT: 'America/New_York',
  GMT: 'Europe/London',
  HST: 'Pacific/Honolulu',
  IST: 'Asia/Kolkata',
  JST: 'Asia/Tokyo',
  MDT: 'America/Denver',
  MET: 'Europe/Berlin',
  MST: 'America/Denver',
  MST7MDT: 'America/Denver',
  PDT: 'America/Los_Angeles',
  PST: 'America/Los_Angeles',
  PST8PDT: 'America/Los_Angeles',
  WEST: 'Europe/Lisbon',
  WET: 'Europe/Lisbon',
}

const UTC_NAMES = new Set(['utc', 'etc/utc'])

/** Answers by zone name: asking ICU whether a zone exists is slow, and a pass checks every window's zone. */
const problemsByZone = new Map<string, string | undefined>()

/** Why `name` is not accepted as a window's time zone, or undefined when it is. */
export function zoneProblem(name: string): string | undefined {
  if (!problemsByZone.has(name)) problemsByZone.set(name, findZoneProblem(name))
  return problemsByZone.get(name)
}

function findZoneProblem(name: string): string | undefined {
  const trimmed = name.trim()
  const suggestion = SUGGESTIONS[trimmed.toUpperCase()] ?? 'Europe/Berlin'
  const advice = `use an IANA name such as ${suggestion} (see the tz database)`
  if (trimmed === '') return `time zone is empty: ${advice}`
  if (UTC_NAMES.has(trimmed.toLowerCase())) return undefined
  if (/^(utc|gmt|z)?\s*[+-]\d/i.test(trimmed)) return `"${trimmed}" is a fixed offset, not a time zone: ${advice}`
  if (/^etc\//i.test(trimmed)) return `"${trimmed}" is a fixed offset, not a time zone (and Etc/GMT+N means UTC-N): ${advice}`
  if (!trimmed.includes('/')) {
    const what = IANAZone.isValidZone(trimmed) ? 'an abbreviation or legacy name, not a place' : 'unknown'
    return `time zone "${trimmed}" is ${what}: ${advice}`
  }
  if (!IANAZone.isValidZone(trimmed)) return `unknown time zone "${trimmed}": ${advice}`
  return undefined
}

/** Canonical names by what was written: ICU builds a formatter per question, and a pass reads every window's zone. */
const canonicalZones = new Map<string, string>()

/** An IANA zone name as the user wrote it, with its case corrected (europe/berlin -> Europe/Berlin). */
export function parseZone(text: string): string {
  const problem = zoneProblem(text)
  if (problem) throw new UserError(problem)
  let canonical = canonicalZones.get(text)
  if (canonical === undefined) {
    canonical = canonicalZone(text.trim())
    canonicalZones.set(text, canonical)
  }
  return canonical
}

function canonicalZone(trimmed: string): string {
  if (UTC_NAMES.has(trimmed.toLowerCase())) return trimmed.toLowerCase() === 'utc' ? 'UTC' : 'Etc/UTC'
  const canonical = new Intl.DateTimeFormat('en-US', {timeZone: trimmed}).resolvedOptions().timeZone
  return canonical.toLowerCase() === trimmed.toLowerCase() ? canonical : trimmed
}

/** The machine's zone; UTC when it has none or only an abbreviation (TZ=CET) that parseZone would refuse. */
export function machineZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone
  if (!zone || zoneProblem(zone)) return 'UTC'
  return zone
}

/** Locales whose short zone names cover most zones people run clusters in (CET, EST, IST, AEST, SAST...). */
const NAME_LOCALES = ['en-US', 'en-GB', 'en-AU', 'en-IN', 'en-NZ', 'en-CA', 'en-IE', 'en-ZA', 'en-SG']

/** A zone's name at an offset, once per process: Intl builds a new formatter for every lookup (a pass formats thousands). */
const abbreviations = new Map<string, string>()

/** The zone's abbreviation at an instant (CET, CEST, EST), or its offset (+09:00) when it has no common one. */
export function zoneAbbreviation(instant: number, zone: string): string {
  // The offset alone (luxon's zone, without a whole DateTime) is enough to find the name once known.
  const iana = IANAZone.create(zone)
  const offset = iana.isValid ? iana.offset(instant) : Number.NaN
  const known = Number.isFinite(offset) ? abbreviations.get(`${zone}|${offset}`) : undefined
  if (known !== undefined) return known
  const time = DateTime.fromMillis(instant, {zone})
  const name = lookUpAbbreviation(time)
  abbreviations.set(`${zone}|${time.offset}`, name)
  return name
}

function lookUpAbbreviation(time: DateTime): string {
  for (const locale of NAME_LOCALES) {
    const name = time.setLocale(locale).toFormat('ZZZZ')
    if (!/^(GMT|UTC)[+-]/.test(name)) return name
  }
  return time.toFormat('ZZ')
}
