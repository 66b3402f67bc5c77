import ICAL from 'ical.js'
import {expect} from 'chai'

import type {Window} from '../../src/model/window.js'

import {type FeedState, buildFeed, decodeFeedState, encodeFeedState} from '../../src/engine/schedule-feed.js'
import {escapeText, foldLine, renderIcs} from '../../src/render/ics.js'
import {scheduleJson} from '../../src/render/schedule-json.js'

const at = (iso: string): number => Date.parse(iso)

function window(extra: Partial<Window>): Window {
  return {name: 'w', namespace: 'shop', page: 'default', start: at('2026-10-01T00:00:00Z'), targets: [{kind: 'ingress', name: 'shop'}], timezone: 'Europe/Berlin', uid: 'uid-w', ...extra}
}

/** Every VEVENT of an ics text, as ical.js (a maintained RFC 5545 parser) reads it. */
function parsedEvents(ics: string): ICAL.Event[] {
  const calendar = new ICAL.Component(ICAL.parse(ics))
  return calendar.getAllSubcomponents('vevent').map((vevent) => new ICAL.Event(vevent))
}

function utcIso(time: ICAL.Time): string {
  expect(time.zone?.tzid, 'DTSTART/DTEND are UTC').to.equal('UTC')
  return time.toJSDate().toISOString()
}

describe('render/ics: the schedule feed as iCalendar', () => {
  // Sundays 02:00 Berlin for 2h; clocks fall back on Sunday 2026-10-25 (CEST -> CET).
  const weekly = window({duration: '2h', every: '0 2 * * 0', message: 'DB upgrade; expect 503s, then\nall is well', name: 'weekly', skip: ['2026-11-01'], uid: 'uid-weekly'})
  const cancelled = window({end: at('2026-10-20T12:00:00Z'), name: 'one-off', phase: 'Cancelled', start: at('2026-10-20T10:00:00Z'), uid: 'uid-one-off'})
  const now = at('2026-10-12T00:00:00Z')
  const feed = buildFeed('shop', [weekly, cancelled], new Map(), now)
  const ics = renderIcs([feed])
  const events = parsedEvents(ics)

  it('has one VEVENT per occurrence within 30 days, with DTSTART/DTEND in UTC across the fall-back change', () => {
    const weeklyEvents = events.filter((event) => event.uid.startsWith('uid-weekly-'))
    expect(weeklyEvents.map((event) => [utcIso(event.startDate), utcIso(event.endDate)])).to.deep.equal([
      ['2026-10-18T00:00:00.000Z', '2026-10-18T02:00:00.000Z'], // 02:00 CEST
      ['2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z'], // the day clocks fall back: the first 02:00 (CEST)
      ['2026-11-01T01:00:00.000Z', '2026-11-01T03:00:00.000Z'], // skipped
      ['2026-11-08T01:00:00.000Z', '2026-11-08T03:00:00.000Z'],
    ])
  })

  it('marks a skipped occurrence and a cancelled window STATUS:CANCELLED, the others CONFIRMED', () => {
    const status = Object.fromEntries(events.map((event) => [event.uid, event.component.getFirstPropertyValue('status')]))
    expect(status).to.deep.equal({
      'uid-one-off-20261020T100000Z@kubectl-maintenance.io': 'CANCELLED',
      'uid-weekly-20261018T000000Z@kubectl-maintenance.io': 'CONFIRMED',
      'uid-weekly-20261025T000000Z@kubectl-maintenance.io': 'CONFIRMED',
      'uid-weekly-20261101T010000Z@kubectl-maintenance.io': 'CANCELLED',
      'uid-weekly-20261108T010000Z@kubectl-maintenance.io': 'CONFIRMED',
    })
  })

  it('round-trips escaped text (; , \\ and line breaks) through the parser, and has DTSTAMP, SEQUENCE, SUMMARY', () => {
    const event = events.find((e) => e.uid === 'uid-weekly-20261018T000000Z@kubectl-maintenance.io') as ICAL.Event
    expect(event.description.split('\n').slice(0, 2)).to.deep.equal(['DB upgrade; expect 503s, then', 'all is well'])
    expect(event.summary).to.equal('Maintenance: ingress/shop')
    expect(event.sequence).to.equal(0)
    expect(utcIso(event.component.getFirstPropertyValue('dtstamp') as ICAL.Time)).to.equal('2026-10-12T00:00:00.000Z')
  })

  it('announces 24h ahead by default (VALARM and the json announce), --announce otherwise', () => {
    const alarm = events[0].component.getFirstSubcomponent('valarm')
    expect((alarm?.getFirstPropertyValue('trigger') as ICAL.Duration).toSeconds()).to.equal(-86_400)
    const json = scheduleJson([buildFeed('shop', [{...weekly, announce: '7d'}], new Map(), now)])
    expect(json.occurrences[0]).to.include({announce: '2026-10-11T00:00:00Z', phase: 'Scheduled', start: '2026-10-18T00:00:00Z', window: 'weekly'})
    expect(json.occurrences.find((o) => o.start === '2026-11-01T01:00:00Z')).to.include({cancelled: 'skipped', phase: 'Cancelled'})
  })

  it('folds lines at 75 octets without splitting a UTF-8 character, and the parser unfolds them to the original text', () => {
    const message = `${'Wartungsarbeiten für die Datenbank – bitte später wiederkommen ✓ '.repeat(6)}Ende; Danke, Team\\Ops`
    const text = renderIcs([buildFeed('shop', [window({end: at('2026-10-13T00:00:00Z'), message, name: 'long', start: at('2026-10-12T22:00:00Z')})], new Map(), now)])
    const lines = text.split('\r\n')
    for (const line of lines) expect(Buffer.byteLength(line, 'utf8'), line).to.be.at.most(75)
    expect(lines.some((line) => line.startsWith(' ')), 'something was folded').to.equal(true)
    expect(text.includes('\uFFFD')).to.equal(false)
    expect(Buffer.from(text, 'utf8').toString('utf8')).to.equal(text)
    expect(parsedEvents(text)[0].description.split('\n')[0]).to.equal(message)
  })

  it('escapes TEXT and folds per RFC 5545 in isolation', () => {
    expect(escapeText('a;b,c\\d\r\ne\u0007')).to.equal('a\\;b\\,c\\\\d\\ne ')
    const folded = foldLine(`DESCRIPTION:${'é'.repeat(60)}`)
    // 12 octets of name, then 2 per é: 31 of them fit the first line (74 octets; a 32nd would make 76).
    expect(folded.split('\r\n').map((line) => Buffer.byteLength(line))).to.deep.equal([74, 59])
    // One octet a character: 75 on the first line, then a space and 74 more on each continuation.
    const ascii = `DESCRIPTION:${'a'.repeat(200)}`
    const lines = foldLine(ascii).split('\r\n')
    expect(lines.map((line) => line.length)).to.deep.equal([75, 75, 64])
    expect(lines.map((line, index) => (index === 0 ? line : line.slice(1))).join('')).to.equal(ascii)
    expect(foldLine('x'.repeat(75))).to.equal('x'.repeat(75))
  })

  it('keeps SEQUENCE and DTSTAMP while an event is unchanged, raises SEQUENCE and moves DTSTAMP when it changes', () => {
    const later = at('2026-10-12T00:05:00Z')
    const same = buildFeed('shop', [weekly], decodeFeedState(encodeFeedState(feed.state)), later)
    const uid = 'uid-weekly-20261018T000000Z@kubectl-maintenance.io'
    expect(same.state.get(uid)).to.deep.equal(feed.state.get(uid))
    expect(renderIcs([same])).to.equal(renderIcs([buildFeed('shop', [weekly], same.state, later + 60_000)]))
    const changed = buildFeed('shop', [{...weekly, message: 'new text'}], same.state, later)
    expect(changed.state.get(uid)).to.include({sequence: 1, stamp: later})
    const event = parsedEvents(renderIcs([changed])).find((e) => e.uid === uid) as ICAL.Event
    expect(event.sequence).to.equal(1)
  })

  it('reads a planted state within bounds: entries that are not [sequence, stamp, digest] are dropped', () => {
    const state: FeedState = decodeFeedState(JSON.stringify({a: [1, 2, 'x'], b: [-1, 2, 'x'], c: 'no', d: [1e300, 0, 'x'], e: [1, 2, 3]}))
    expect([...state.keys()]).to.deep.equal(['a'])
    expect(decodeFeedState('['.repeat(100)).size).to.equal(0)
  })
})
