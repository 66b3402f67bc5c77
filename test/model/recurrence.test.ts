import {expect} from 'chai'

import {UserError} from '../../src/model/errors.js'
import {nextOccurrence, occurrencesBetween, parseCron, previousOccurrence} from '../../src/model/recurrence.js'
import {formatLocal} from '../../src/model/time.js'

const at = (iso: string): number => Date.parse(iso)
const BERLIN = 'Europe/Berlin'
const NEW_YORK = 'America/New_York'
const MINUTE = 60_000

function local(zone: string) {
  return (ms: number | undefined): string => (ms === undefined ? 'none' : formatLocal(ms, zone))
}

function cronError(expr: string): string {
  try {
    parseCron(expr)
  } catch (error) {
    expect(error).to.be.instanceOf(UserError)
    return (error as UserError).message
  }
  expect.fail(`parseCron("${expr}") should have failed`)
}

describe('model/recurrence', () => {
  describe('parseCron', () => {
    const good: Array<[string, string]> = [
      ['0 2 * * 0', '0 2 * * 0'],
      ['  0   2 * *  0 ', '0 2 * * 0'],
      ['*/15 9-17 * * mon-fri', '*/15 9-17 * * mon-fri'],
      ['0 0 29 2 *', '0 0 29 2 *'],
      ['0 3 L * *', '0 3 L * *'],
      ['@daily', '@daily'],
      ['@Weekly', '@weekly'],
    ]
    for (const [input, expected] of good) {
      it(`accepts "${input}"`, () => expect(parseCron(input)).to.equal(expected))
    }

    const bad: Array<[string, string]> = [
      ['0 0 2 * * 0', 'has 6 fields (seconds are not supported): write exactly 5'],
      ['* * * *', 'has 4 fields: write exactly 5'],
      ['0 2 * * 0 2026', 'has 6 fields'],
      ['@reboot', 'only @yearly, @annually, @monthly, @weekly, @daily, @hourly, @weekdays, @weekends are supported'],
      ['@secondly', 'are supported aliases'],
      ['61 * * * *', 'is not valid (Constraint error, got value 61 expected range 0-59)'],
      ['0 25 * * *', 'is not valid'],
      ['0 0 30 2 *', 'is not valid'],
      ['0 2 * * funday', 'is not valid'],
      ['H 2 * * *', 'the H (hash) extension is not supported'],
      ['', 'cron expression is empty'],
    ]
    for (const [input, expected] of bad) {
      it(`refuses "${input}" with an example`, () => {
        const message = cronError(input)
        expect(message).to.contain(expected).and.to.contain('"0 2 * * 0" (Sundays at 02:00)')
      })
    }
  })

  describe('occurrences in the window\'s zone', () => {
    it('a weekly cron is evaluated in the zone, not in UTC', () => {
      const from = at('2026-11-01T00:00:00Z') // a Sunday
      expect(nextOccurrence('0 2 * * 0', BERLIN, from)).to.equal(at('2026-11-01T01:00:00Z'))
      expect(nextOccurrence('0 2 * * 0', NEW_YORK, from)).to.equal(at('2026-11-01T07:00:00Z'))
      expect(nextOccurrence('0 2 * * 0', 'UTC', from)).to.equal(at('2026-11-01T02:00:00Z'))
    })

    it('next is strictly after, previous is at or before', () => {
      const occurrence = at('2026-11-01T01:00:00Z')
      expect(nextOccurrence('0 2 * * 0', BERLIN, occurrence)).to.equal(at('2026-11-08T01:00:00Z'))
      expect(previousOccurrence('0 2 * * 0', BERLIN, occurrence)).to.equal(occurrence)
      // 2026-10-25 is the fall-back Sunday: its 02:00 is the first one, 02:00 CEST.
      expect(previousOccurrence('0 2 * * 0', BERLIN, occurrence - 1)).to.equal(at('2026-10-25T00:00:00Z'))
    })

    it('occurrencesBetween is [from, to)', () => {
      const got = occurrencesBetween('0 2 * * 0', BERLIN, at('2026-11-01T01:00:00Z'), at('2026-11-15T01:00:00Z'))
      expect(got).to.deep.equal([at('2026-11-01T01:00:00Z'), at('2026-11-08T01:00:00Z')])
    })

    it('midnight and year end: "0 0 1 1 *" in Berlin is 23:00Z on New Year\'s Eve', () => {
      expect(nextOccurrence('0 0 1 1 *', BERLIN, at('2026-12-31T22:30:00Z'))).to.equal(at('2026-12-31T23:00:00Z'))
    })

    it('leap day: "0 0 29 2 *" next runs on 2028-02-29', () => {
      expect(local('UTC')(nextOccurrence('0 0 29 2 *', 'UTC', at('2026-03-01T00:00:00Z')))).to.equal('2028-02-29 00:00 UTC')
      expect(local('UTC')(previousOccurrence('0 0 29 2 *', 'UTC', at('2027-03-01T00:00:00Z')))).to.equal('2024-02-29 00:00 UTC')
    })
  })

  describe('daylight saving: spring forward runs a skipped time once, shifted by the gap', () => {
    it('Europe/Berlin 2026-03-29: "30 2 * * *" runs at 03:30 CEST, not skipped', () => {
      const got = occurrencesBetween('30 2 * * *', BERLIN, at('2026-03-27T00:00:00Z'), at('2026-03-31T00:00:00Z')).map(local(BERLIN))
      expect(got).to.deep.equal(['2026-03-27 02:30 CET', '2026-03-28 02:30 CET', '2026-03-29 03:30 CEST', '2026-03-30 02:30 CEST'])
    })

    it('America/New_York 2026-03-08: "30 2 * * *" runs at 03:30 EDT', () => {
      const got = occurrencesBetween('30 2 * * *', NEW_YORK, at('2026-03-07T00:00:00Z'), at('2026-03-10T00:00:00Z')).map(local(NEW_YORK))
      expect(got).to.deep.equal(['2026-03-07 02:30 EST', '2026-03-08 03:30 EDT', '2026-03-09 02:30 EDT'])
    })

    it('"0 * * * *": 02:00 shifted to 03:00 coincides with 03:00 and runs once', () => {
      const got = occurrencesBetween('0 * * * *', BERLIN, at('2026-03-29T00:00:00Z'), at('2026-03-29T03:00:00Z')).map(local(BERLIN))
      expect(got).to.deep.equal(['2026-03-29 01:00 CET', '2026-03-29 03:00 CEST', '2026-03-29 04:00 CEST'])
    })

    it('asked from anywhere in the night, the shifted occurrence is found (never skipped)', () => {
      for (let from = at('2026-03-28T23:00:00Z'); from < at('2026-03-29T01:30:00Z'); from += 5 * MINUTE) {
        expect(local(BERLIN)(nextOccurrence('30 2 * * *', BERLIN, from)), new Date(from).toISOString()).to.equal('2026-03-29 03:30 CEST')
      }
    })
  })

  describe('daylight saving: fall back runs a repeated time once, at its first occurrence', () => {
    it('Europe/Berlin 2026-10-25: "30 2 * * *" runs once, at 02:30 CEST', () => {
      const got = occurrencesBetween('30 2 * * *', BERLIN, at('2026-10-24T00:00:00Z'), at('2026-10-27T00:00:00Z')).map(local(BERLIN))
      expect(got).to.deep.equal(['2026-10-24 02:30 CEST', '2026-10-25 02:30 CEST', '2026-10-26 02:30 CET'])
    })

    it('America/New_York 2026-11-01: "30 1 * * *" runs once, at 01:30 EDT', () => {
      const got = occurrencesBetween('30 1 * * *', NEW_YORK, at('2026-10-31T00:00:00Z'), at('2026-11-03T00:00:00Z')).map(local(NEW_YORK))
      expect(got).to.deep.equal(['2026-10-31 01:30 EDT', '2026-11-01 01:30 EDT', '2026-11-02 01:30 EST'])
    })

    it('"0 * * * *": the repeated hour does not run again', () => {
      const got = occurrencesBetween('0 * * * *', BERLIN, at('2026-10-24T23:00:00Z'), at('2026-10-25T03:00:00Z')).map(local(BERLIN))
      expect(got).to.deep.equal(['2026-10-25 01:00 CEST', '2026-10-25 02:00 CEST', '2026-10-25 03:00 CET'])
    })

    it('asked from inside the repeated hour, the second 02:30 is not an occurrence', () => {
      for (let from = at('2026-10-25T00:30:00Z'); from < at('2026-10-25T03:00:00Z'); from += 5 * MINUTE) {
        expect(local(BERLIN)(nextOccurrence('30 2 * * *', BERLIN, from)), new Date(from).toISOString()).to.equal('2026-10-26 02:30 CET')
        expect(local(BERLIN)(previousOccurrence('30 2 * * *', BERLIN, from)), new Date(from).toISOString()).to.equal('2026-10-25 02:30 CEST')
      }
    })
  })

  describe('previous and next agree, every 7 minutes across both transitions', () => {
    const cases: Array<[string, string, string, string]> = [
      ['30 2 * * *', BERLIN, '2026-03-28T20:00:00Z', '2026-03-29T06:00:00Z'],
      ['30 2 * * *', BERLIN, '2026-10-24T20:00:00Z', '2026-10-25T06:00:00Z'],
      ['*/20 * * * *', BERLIN, '2026-10-24T22:00:00Z', '2026-10-25T04:00:00Z'],
      ['*/20 * * * *', NEW_YORK, '2026-03-08T05:00:00Z', '2026-03-08T09:00:00Z'],
      ['15 1,2 * * *', NEW_YORK, '2026-10-31T20:00:00Z', '2026-11-01T10:00:00Z'],
    ]
    for (const [expr, zone, from, to] of cases) {
      it(`"${expr}" in ${zone} from ${from}`, () => {
        const all = occurrencesBetween(expr, zone, at(from) - 86_400_000, at(to) + 86_400_000)
        expect(new Set(all).size).to.equal(all.length)
        for (let now = at(from); now < at(to); now += 7 * MINUTE) {
          const expectedPrevious = all.filter((o) => o <= now).at(-1)
          const expectedNext = all.find((o) => o > now)
          expect(previousOccurrence(expr, zone, now), `previous at ${new Date(now).toISOString()}`).to.equal(expectedPrevious)
          expect(nextOccurrence(expr, zone, now), `next at ${new Date(now).toISOString()}`).to.equal(expectedNext)
        }
      })
    }
  })
})
