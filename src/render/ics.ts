import type {Feed, FeedOccurrence} from '../engine/schedule-feed.js'

import {toRfc3339Utc} from '../model/time.js'

/**
 * `schedule.ics`: the feed as an RFC 5545 calendar, one VEVENT per occurrence with its UID, SEQUENCE and DTSTAMP from
 * the feed's state, times in UTC, a VALARM at the announce time, and STATUS:CANCELLED for an occurrence that will not
 * happen. Text values are escaped (RFC 5545 §3.3.11) and lines folded at 75 octets (§3.1), never inside a UTF-8
 * character; lines end in CRLF.
 */

const PRODID = '-//kubectl-maintenance//schedule feed//EN'
const MAX_LINE_OCTETS = 75

export function renderIcs(feeds: Feed[]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, 'CALSCALE:GREGORIAN']
  if (feeds.length === 1) lines.push(`X-WR-CALNAME:${escapeText(`Maintenance in ${feeds[0].namespace}`)}`)
  for (const feed of feeds) {
    for (const occurrence of feed.occurrences) {
      const state = feed.state.get(occurrence.uid)
      lines.push(...eventLines(occurrence, state?.sequence ?? 0, state?.stamp ?? 0))
    }
  }
  lines.push('END:VCALENDAR')
  return lines.map((line) => foldLine(line)).join('\r\n') + '\r\n'
}

function eventLines(o: FeedOccurrence, sequence: number, stamp: number): string[] {
  const summary = `Maintenance: ${o.targets.join(', ')}`
  const lines = [
    'BEGIN:VEVENT',
    `UID:${escapeText(o.uid)}`,
    `DTSTAMP:${utc(stamp)}`,
    `DTSTART:${utc(o.start)}`,
    ...(o.end === undefined ? [] : [`DTEND:${utc(o.end)}`]),
    `SUMMARY:${escapeText(summary)}`,
    `DESCRIPTION:${escapeText(description(o))}`,
    ...(o.contact === undefined ? [] : [`CONTACT:${escapeText(o.contact)}`]),
    `SEQUENCE:${sequence}`,
    `STATUS:${o.cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    'TRANSP:OPAQUE',
  ]
  if (!o.cancelled && o.announce < o.start) {
    lines.push('BEGIN:VALARM', 'ACTION:DISPLAY', `DESCRIPTION:${escapeText(summary)}`, `TRIGGER:-PT${Math.round((o.start - o.announce) / 1000)}S`, 'END:VALARM')
  }
  lines.push('END:VEVENT')
  return lines
}

function description(o: FeedOccurrence): string {
  const parts = [o.message ?? 'Scheduled maintenance.']
  if (o.reason !== undefined) parts.push(`Reason: ${o.reason}`)
  if (o.contact !== undefined) parts.push(`Contact: ${o.contact}`)
  if (o.end === undefined) parts.push('Open-ended: it lasts until it is ended.')
  parts.push(`Window: ${o.namespace}/${o.window} (${o.timezone})`, `Targets: ${o.targets.join(', ')}`)
  if (o.cancelled === 'skipped') parts.push('This occurrence is skipped.')
  if (o.cancelled === 'paused') parts.push('The series is paused.')
  if (o.cancelled === 'cancelled') parts.push('Cancelled.')
  if (o.cancelled === 'failed') parts.push('Will not happen: the window failed.')
  return parts.join('\n')
}

/** DATE-TIME in UTC (form #2 of RFC 5545 §3.3.5): 20261224T210000Z. */
export function utc(ms: number): string {
  return toRfc3339Utc(Math.floor(ms / 1000) * 1000).replaceAll(/[-:]/g, '')
}

/**
 * A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, line breaks as \n. Other control
 * characters are not allowed in a content line and become spaces.
 */
export function escapeText(text: string): string {
  return text
    .replaceAll('\\', '\\\\')
    .replaceAll(';', '\\;')
    .replaceAll(',', '\\,')
    .replaceAll(/\r\n|\r|\n/g, '\\n')
    .replaceAll(/\p{Cc}/gu, (char) => (char === '\t' ? char : ' '))
}

/** Folds a content line to at most 75 octets per line (continuations start with one space), whole characters only. */
export function foldLine(line: string): string {
  if (ASCII.test(line)) return foldAscii(line)
  if (Buffer.byteLength(line, 'utf8') <= MAX_LINE_OCTETS) return line
  const parts: string[] = []
  let current = ''
  let octets = 0
  let limit = MAX_LINE_OCTETS
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8')
    if (octets + size > limit) {
      parts.push(current)
      current = ''
      octets = 0
      limit = MAX_LINE_OCTETS - 1
    }
    current += char
    octets += size
  }
  parts.push(current)
  return parts.join('\r\n ')
}

/** Printable ASCII: one octet a character (a line with anything else takes the general path). */
const ASCII = /^[\u0020-\u007E]*$/

/** foldLine where every character is one octet (most lines of a feed): by slicing, not character by character. */
function foldAscii(line: string): string {
  if (line.length <= MAX_LINE_OCTETS) return line
  const parts = [line.slice(0, MAX_LINE_OCTETS)]
  for (let at = MAX_LINE_OCTETS; at < line.length; at += MAX_LINE_OCTETS - 1) parts.push(line.slice(at, at + MAX_LINE_OCTETS - 1))
  return parts.join('\r\n ')
}
