import {expect} from 'chai'

import {UserError} from '../../src/model/errors.js'
import {formatHttpDate, formatLocal, formatPageTime, parseDuration, parseRfc3339, parseWhen, toRfc3339Utc} from '../../src/model/time.js'

const at = (iso: string): number => Date.parse(iso)
const iso = (ms: number): string => new Date(ms).toISOString()
const BERLIN = 'Europe/Berlin'
const NEW_YORK = 'America/New_York'

function whenError(text: string, now: number, zone: string, options: {asEnd?: boolean; after?: number} = {}): string {
  try {
    parseWhen(text, {...options, now, zone})
  } catch (error) {
    expect(error).to.be.instanceOf(UserError)
    return (error as UserError).message
  }
  expect.fail(`parseWhen("${text}") should have failed`)
}

describe('model/time', () => {
  describe('the issue acceptance example', () => {
    it('--start "2026-12-24 22:00" --duration 2h --timezone Europe/Berlin is 21:00Z to 23:00Z', () => {
      const start = parseWhen('2026-12-24 22:00', {now: at('2026-12-01T00:00:00Z'), zone: BERLIN})
      const end = start + parseDuration('2h').ms
      expect(toRfc3339Utc(start)).to.equal('2026-12-24T21:00:00Z')
      expect(toRfc3339Utc(end)).to.equal('2026-12-24T23:00:00Z')
    })
  })

  describe('parseWhen', () => {
    const now = at('2026-06-10T13:00:00Z') // 15:00 in Berlin (CEST), 09:00 in New York (EDT)
    const cases: Array<[string, string, string, string]> = [
      // input, zone, expected, why
      ['2026-11-23T02:00:00+01:00', BERLIN, '2026-11-23T01:00:00.000Z', 'RFC 3339 with offset'],
      ['2026-11-23T02:00:00-05:30', BERLIN, '2026-11-23T07:30:00.000Z', 'negative offset with minutes'],
      ['2026-11-23T01:00:00Z', NEW_YORK, '2026-11-23T01:00:00.000Z', 'Z ignores the zone'],
      ['2026-11-23t01:00:00z', BERLIN, '2026-11-23T01:00:00.000Z', 'lowercase t and z'],
      ['2026-11-23T01:00:00.25Z', BERLIN, '2026-11-23T01:00:00.250Z', 'fractional seconds'],
      ['2026-11-23T01:00+01:00', BERLIN, '2026-11-23T00:00:00.000Z', 'offset without seconds'],
      ['2026-11-23 02:00', BERLIN, '2026-11-23T01:00:00.000Z', 'local date-time, space'],
      ['2026-11-23T02:00', BERLIN, '2026-11-23T01:00:00.000Z', 'local date-time, T'],
      ['2026-11-23 02:00:30', BERLIN, '2026-11-23T01:00:30.000Z', 'local date-time with seconds'],
      ['2026-07-01 02:00', BERLIN, '2026-07-01T00:00:00.000Z', 'local date-time in summer time'],
      ['2026-11-23 02:00', NEW_YORK, '2026-11-23T07:00:00.000Z', 'local date-time in New York'],
      ['2026-12-31 00:00', BERLIN, '2026-12-30T23:00:00.000Z', 'midnight is the previous UTC day'],
      ['2028-02-29 12:00', BERLIN, '2028-02-29T11:00:00.000Z', 'leap day'],
      ['  2026-11-23 02:00  ', BERLIN, '2026-11-23T01:00:00.000Z', 'surrounding spaces'],
      ['16:00', BERLIN, '2026-06-10T14:00:00.000Z', 'HH:MM still ahead today'],
      ['14:00', BERLIN, '2026-06-11T12:00:00.000Z', 'HH:MM already past today -> tomorrow'],
      ['15:00', BERLIN, '2026-06-11T13:00:00.000Z', 'HH:MM equal to now -> tomorrow'],
      ['9:30', NEW_YORK, '2026-06-10T13:30:00.000Z', 'H:MM in New York, later today'],
      ['08:59:59', NEW_YORK, '2026-06-11T12:59:59.000Z', 'HH:MM:SS just past -> tomorrow'],
      ['now', BERLIN, '2026-06-10T13:00:00.000Z', 'now'],
      ['NOW', BERLIN, '2026-06-10T13:00:00.000Z', 'now, any case'],
      ['+30m', BERLIN, '2026-06-10T13:30:00.000Z', 'relative minutes'],
      ['+2h', BERLIN, '2026-06-10T15:00:00.000Z', 'relative hours'],
      ['+2h30m', BERLIN, '2026-06-10T15:30:00.000Z', 'relative compound'],
      ['+90s', BERLIN, '2026-06-10T13:01:30.000Z', 'relative seconds'],
      ['+1d', BERLIN, '2026-06-11T13:00:00.000Z', 'relative day'],
      ['+PT2H', BERLIN, '2026-06-10T15:00:00.000Z', 'relative ISO 8601'],
    ]
    for (const [input, zone, expected, why] of cases) {
      it(`${why}: "${input}" in ${zone}`, () => {
        expect(iso(parseWhen(input, {now, zone}))).to.equal(expected)
      })
    }

    it('HH:MM after 23:00 means tomorrow, across midnight', () => {
      const lateEvening = at('2026-06-10T21:50:00Z') // 23:50 CEST
      expect(iso(parseWhen('00:10', {now: lateEvening, zone: BERLIN}))).to.equal('2026-06-10T22:10:00.000Z')
      expect(iso(parseWhen('23:55', {now: lateEvening, zone: BERLIN}))).to.equal('2026-06-10T21:55:00.000Z')
    })

    it('year end: 2026-12-31 23:30 Berlin + 1h is 2027-01-01 00:30', () => {
      const now = parseWhen('2026-12-31 23:30', {now: 0, zone: BERLIN})
      const later = parseWhen('+1h', {now, zone: BERLIN})
      expect(iso(later)).to.equal('2026-12-31T23:30:00.000Z')
      expect(formatLocal(later, BERLIN)).to.equal('2027-01-01 00:30 CET')
    })

    it('HH:MM on New Year\'s Eve after the time is 1 January of the next year', () => {
      const now = at('2026-12-31T22:30:00Z') // 23:30 CET
      expect(formatLocal(parseWhen('08:00', {now, zone: BERLIN}), BERLIN)).to.equal('2027-01-01 08:00 CET')
    })

    it('HH:MM on 28 February of a leap year goes to the 29th', () => {
      const now = at('2028-02-28T20:00:00Z')
      expect(iso(parseWhen('06:00', {now, zone: 'UTC'}))).to.equal('2028-02-29T06:00:00.000Z')
    })

    describe('daylight saving: spring forward (local times that do not exist are refused)', () => {
      it('Europe/Berlin 2026-03-29 02:30 does not exist: error names the gap and suggests 03:00', () => {
        const message = whenError('2026-03-29 02:30', at('2026-03-01T00:00:00Z'), BERLIN)
        expect(message).to.equal(
          '"2026-03-29 02:30" does not exist in Europe/Berlin: clocks jump from 02:00 to 03:00 that day (daylight saving time); use "2026-03-29 03:00" or later',
        )
      })

      it('America/New_York 2026-03-08 02:15 does not exist', () => {
        const message = whenError('2026-03-08T02:15', at('2026-03-01T00:00:00Z'), NEW_YORK)
        expect(message).to.contain('does not exist in America/New_York').and.to.contain('from 02:00 to 03:00').and.to.contain('"2026-03-08 03:00" or later')
      })

      it('times either side of the gap are fine: 01:59 is CET, 03:00 is CEST', () => {
        const now = at('2026-03-01T00:00:00Z')
        expect(iso(parseWhen('2026-03-29 01:59', {now, zone: BERLIN}))).to.equal('2026-03-29T00:59:00.000Z')
        expect(iso(parseWhen('2026-03-29 03:00', {now, zone: BERLIN}))).to.equal('2026-03-29T01:00:00.000Z')
      })

      it('HH:MM whose next occurrence falls in the gap is refused, suggesting the time after it', () => {
        const message = whenError('02:30', at('2026-03-28T11:00:00Z'), BERLIN)
        expect(message).to.equal(
          '"02:30" on 2026-03-29 does not exist in Europe/Berlin: clocks jump from 02:00 to 03:00 that day (daylight saving time); use "03:00" or later',
        )
      })

      it('HH:MM after the gap has passed is the next day\'s', () => {
        expect(formatLocal(parseWhen('02:30', {now: at('2026-03-29T02:00:00Z'), zone: BERLIN}), BERLIN)).to.equal('2026-03-30 02:30 CEST')
      })

      it('an RFC 3339 time with offset is never affected by the gap', () => {
        expect(iso(parseWhen('2026-03-29T02:30:00+01:00', {now: 0, zone: BERLIN}))).to.equal('2026-03-29T01:30:00.000Z')
      })

      it('relative +1d is 24 hours of elapsed time, even across the change', () => {
        const now = parseWhen('2026-03-28 12:00', {now: 0, zone: BERLIN})
        expect(formatLocal(parseWhen('+1d', {now, zone: BERLIN}), BERLIN)).to.equal('2026-03-29 13:00 CEST')
      })
    })

    describe('daylight saving: fall back (a local time that happens twice needs --fold, issue 14 item 8)', () => {
      it('Europe/Berlin 2026-10-25 02:30 is refused, offering --fold and both RFC 3339 forms', () => {
        expect(whenError('2026-10-25 02:30', 0, BERLIN)).to.equal(
          '"2026-10-25 02:30" happens twice in Europe/Berlin: clocks go back that night (daylight saving time ends); add --fold earlier for ' +
            '2026-10-25 02:30 CEST or --fold later for 2026-10-25 02:30 CET, or write it in RFC 3339: 2026-10-25T02:30:00+02:00 or 2026-10-25T02:30:00+01:00',
        )
      })

      it('fold earlier is the first one, 02:30 CEST; fold later the second, 02:30 CET', () => {
        expect(iso(parseWhen('2026-10-25 02:30', {fold: 'earlier', now: 0, zone: BERLIN}))).to.equal('2026-10-25T00:30:00.000Z')
        expect(iso(parseWhen('2026-10-25 02:30', {fold: 'later', now: 0, zone: BERLIN}))).to.equal('2026-10-25T01:30:00.000Z')
      })

      it('America/New_York 2026-11-01 01:30 is refused; fold earlier is 01:30 EDT', () => {
        expect(whenError('2026-11-01 01:30', 0, NEW_YORK)).to.include('--fold earlier for 2026-11-01 01:30 EDT or --fold later for 2026-11-01 01:30 EST')
        const start = parseWhen('2026-11-01 01:30', {fold: 'earlier', now: 0, zone: NEW_YORK})
        expect(formatLocal(start, NEW_YORK)).to.equal('2026-11-01 01:30 EDT')
      })

      it('the second one can be written with its offset', () => {
        expect(iso(parseWhen('2026-10-25T02:30:00+01:00', {now: 0, zone: BERLIN}))).to.equal('2026-10-25T01:30:00.000Z')
      })

      it('HH:MM is the next time clocks show it: between the two 02:30s, only the second is ahead, so it is that one', () => {
        const now = at('2026-10-25T00:45:00Z') // 02:45 CEST, clocks will show 02:30 again (CET)
        expect(formatLocal(parseWhen('02:30', {now, zone: BERLIN}), BERLIN)).to.equal('2026-10-25 02:30 CET')
      })

      it('HH:MM the day before, both 02:30s ahead, is refused without --fold', () => {
        expect(whenError('02:30', at('2026-10-24T12:00:00Z'), BERLIN)).to.include('"02:30" (2026-10-25 02:30) happens twice in Europe/Berlin')
        expect(iso(parseWhen('02:30', {fold: 'earlier', now: at('2026-10-24T12:00:00Z'), zone: BERLIN}))).to.equal('2026-10-25T00:30:00.000Z')
      })

      it('a time that clocks skip (spring forward) is still refused, naming the time after the gap', () => {
        expect(whenError('2026-03-29 02:30', 0, BERLIN)).to.include('does not exist in Europe/Berlin: clocks jump from 02:00 to 03:00')
      })
    })

    describe('a bare time of day used as an end (issue 14 item 4)', () => {
      const now = at('2026-12-24T13:07:00Z') // 14:07 in Berlin
      it('that has passed today is refused, suggesting the explicit date', () => {
        let message = ''
        try {
          parseWhen('13:00', {asEnd: true, now, zone: BERLIN})
        } catch (error) {
          message = (error as Error).message
        }
        expect(message).to.equal('"13:00" has already passed today in Europe/Berlin (now 2026-12-24 14:07 CET); for tomorrow write the date: "2026-12-25 13:00", or a relative time such as +30m')
      })

      it('that is still ahead today is today', () => {
        expect(formatLocal(parseWhen('15:00', {asEnd: true, now, zone: BERLIN}), BERLIN)).to.equal('2026-12-24 15:00 CET')
      })

      it('that comes today but not after a later start is refused, naming the first such time after the start', () => {
        const start = at('2026-12-24T22:00:00Z') // 23:00 in Berlin
        const message = whenError('01:00', now, BERLIN, {after: start, asEnd: true})
        expect(message).to.equal('"01:00" has already passed today in Europe/Berlin (now 2026-12-24 14:07 CET); for tomorrow write the date: "2026-12-25 01:00", or a relative time such as +30m')
        const later = whenError('16:00', now, BERLIN, {after: start, asEnd: true})
        expect(later).to.equal('"16:00" (today, 2026-12-24 16:00) is not after the start 2026-12-24 23:00 CET; a bare time is not moved to another day: write the date, "2026-12-25 16:00"')
        const inThreeDays = at('2026-12-27T10:00:00Z')
        expect(whenError('13:00', now, BERLIN, {after: inThreeDays, asEnd: true})).to.include('for another day write the date: "2026-12-27 13:00"')
        expect(formatLocal(parseWhen('23:30', {after: start, asEnd: true, now, zone: BERLIN}), BERLIN)).to.equal('2026-12-24 23:30 CET')
      })

      it('that clocks skipped earlier today (spring forward) has passed, not moved to tomorrow', () => {
        expect(whenError('02:30', at('2026-03-29T08:00:00Z'), BERLIN, {asEnd: true})).to.include('"02:30" has already passed today in Europe/Berlin')
      })

      it('as a start it is still the next such time (tomorrow)', () => {
        expect(formatLocal(parseWhen('13:00', {now, zone: BERLIN}), BERLIN)).to.equal('2026-12-25 13:00 CET')
      })
    })

    describe('bad input: every message names the input and what would be right', () => {
      const now = at('2026-06-10T13:00:00Z')
      const forms = ['2026-11-23T02:00:00+01:00', '2026-11-23 02:00', '02:00', '+30m', 'now']
      const unreadable = ['tomorrow', '', '2026/11/23 02:00', '23.11.2026 02:00', '2026-11-23', '2pm', '+', '+abc', '+0m', '+-5m', '2026-11-23T02:00:00+0100']
      for (const input of unreadable) {
        it(`"${input}" lists the valid forms`, () => {
          const message = whenError(input, now, BERLIN)
          expect(message).to.contain(`"${input}"`)
          for (const form of forms) expect(message).to.contain(form)
          expect(message).to.contain('Europe/Berlin')
        })
      }

      const impossible: Array<[string, string]> = [
        ['2026-13-01 00:00', 'month 13 does not exist (01-12)'],
        ['2026-00-10 00:00', 'month 00 does not exist (01-12)'],
        ['2027-02-29 12:00', 'February 2027 has no day 29 (it has 28 days)'],
        ['2026-04-31T10:00:00Z', 'April 2026 has no day 31 (it has 30 days)'],
        ['2026-11-23 24:00', 'hour 24 does not exist (00-23)'],
        ['25:00', 'hour 25 does not exist (00-23)'],
        ['12:60', 'minute 60 does not exist (00-59)'],
        ['2026-11-23 12:00:61', 'second 61 does not exist (00-59)'],
        ['2026-11-23T02:00:00+25:00', 'offset +25:00 does not exist'],
      ]
      for (const [input, expected] of impossible) {
        it(`"${input}": ${expected}`, () => {
          const message = whenError(input, now, BERLIN)
          expect(message).to.contain(`"${input}"`).and.to.contain(expected)
        })
      }
    })
  })

  describe('parseRfc3339 (annotations)', () => {
    it('reads times with Z or an offset', () => {
      expect(parseRfc3339('2026-11-23T01:00:00Z')).to.equal(at('2026-11-23T01:00:00Z'))
      expect(parseRfc3339('2026-11-23T02:00:00+01:00')).to.equal(at('2026-11-23T01:00:00Z'))
      expect(parseRfc3339('2026-11-23 02:00:00+01:00')).to.equal(at('2026-11-23T01:00:00Z'))
    })

    it('refuses local times, relative times and impossible dates', () => {
      for (const text of ['2026-11-23T01:00:00', '+1h', 'now', '02:00', '2026-02-30T00:00:00Z', 'garbage']) {
        expect(parseRfc3339(text), text).to.equal(undefined)
      }
    })
  })

  describe('formatLocal', () => {
    const cases: Array<[string, string, string]> = [
      ['2026-12-24T21:00:00Z', BERLIN, '2026-12-24 22:00 CET'],
      ['2026-07-24T20:00:00Z', BERLIN, '2026-07-24 22:00 CEST'],
      ['2026-12-24T21:00:00Z', NEW_YORK, '2026-12-24 16:00 EST'],
      ['2026-07-24T20:00:00Z', NEW_YORK, '2026-07-24 16:00 EDT'],
      ['2026-12-24T21:00:00Z', 'Europe/London', '2026-12-24 21:00 GMT'],
      ['2026-07-24T20:00:00Z', 'Europe/London', '2026-07-24 21:00 BST'],
      ['2026-12-24T21:00:00Z', 'UTC', '2026-12-24 21:00 UTC'],
      ['2026-12-24T21:00:00Z', 'Asia/Kolkata', '2026-12-25 02:30 IST'],
      ['2026-12-24T21:00:00Z', 'Asia/Tokyo', '2026-12-25 06:00 +09:00'],
      ['2026-12-24T21:00:00Z', 'Australia/Sydney', '2026-12-25 08:00 AEDT'],
      ['2026-12-24T21:00:00Z', 'America/Sao_Paulo', '2026-12-24 18:00 -03:00'],
    ]
    for (const [instant, zone, expected] of cases) {
      it(`${instant} in ${zone} is "${expected}"`, () => {
        expect(formatLocal(at(instant), zone)).to.equal(expected)
      })
    }
  })

  describe('toRfc3339Utc', () => {
    it('writes UTC with Z and no milliseconds unless there are some', () => {
      expect(toRfc3339Utc(at('2026-11-23T01:00:00Z'))).to.equal('2026-11-23T01:00:00Z')
      expect(toRfc3339Utc(at('2026-11-23T01:00:00.250Z'))).to.equal('2026-11-23T01:00:00.250Z')
    })

  })
  describe('formatPageTime: the window end as visitors read it, in the window zone', () => {
    const cases: Array<[string, string, string]> = [
      ['2026-12-24T22:00:00Z', 'Europe/Berlin', 'Thursday 24 Dec, 23:00 CET'],
      ['2026-07-24T22:00:00Z', 'Europe/Berlin', 'Saturday 25 Jul, 00:00 CEST'],
      // the night clocks go forward in Berlin: 01:59:59 CET is followed by 03:00 CEST
      ['2026-03-29T00:59:00Z', 'Europe/Berlin', 'Sunday 29 Mar, 01:59 CET'],
      ['2026-03-29T01:00:00Z', 'Europe/Berlin', 'Sunday 29 Mar, 03:00 CEST'],
      ['2026-11-01T05:30:00Z', 'America/New_York', 'Sunday 1 Nov, 01:30 EDT'],
      ['2026-11-01T06:30:00Z', 'America/New_York', 'Sunday 1 Nov, 01:30 EST'],
      ['2026-01-01T00:00:00Z', 'UTC', 'Thursday 1 Jan, 00:00 UTC'],
      ['2026-06-01T12:00:00Z', 'Europe/London', 'Monday 1 Jun, 13:00 BST'],
      ['2026-06-01T12:00:00Z', 'America/Los_Angeles', 'Monday 1 Jun, 05:00 PDT'],
      ['2026-06-01T12:00:00Z', 'Asia/Tokyo', 'Monday 1 Jun, 21:00 +09:00'],
      ['2026-06-01T12:00:00Z', 'Asia/Kolkata', 'Monday 1 Jun, 17:30 IST'],
    ]
    for (const [instant, zone, expected] of cases) {
      it(`${instant} in ${zone} -> ${expected}`, () => {
        expect(formatPageTime(Date.parse(instant), zone)).to.equal(expected)
      })
    }

    it('refuses a zone that is not an IANA name', () => {
      expect(() => formatPageTime(0, 'Mars/Olympus')).to.throw('invalid timezone "Mars/Olympus"')
    })
  })

  describe('formatHttpDate', () => {
    it('is an IMF-fixdate', () => {
      expect(formatHttpDate(Date.parse('2026-12-24T22:00:00Z'))).to.equal('Thu, 24 Dec 2026 22:00:00 GMT')
    })

    it('rounds a partial second up, so a client never retries before the end', () => {
      expect(formatHttpDate(Date.parse('2026-12-24T21:59:59.001Z'))).to.equal('Thu, 24 Dec 2026 22:00:00 GMT')
    })
  })
})
