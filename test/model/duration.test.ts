import {expect} from 'chai'

import {formatDuration, parseDuration} from '../../src/model/duration.js'
import {UserError} from '../../src/model/errors.js'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

function durationError(text: string): string {
  try {
    parseDuration(text)
  } catch (error) {
    expect(error).to.be.instanceOf(UserError)
    return (error as UserError).message
  }
  expect.fail(`parseDuration("${text}") should have failed`)
}

describe('model/duration', () => {
  describe('parseDuration', () => {
    const good: Array<[string, number, string]> = [
      ['90s', 90 * SECOND, '1m30s'],
      ['45m', 45 * MINUTE, '45m'],
      ['2h', 2 * HOUR, '2h'],
      ['2h30m', 2 * HOUR + 30 * MINUTE, '2h30m'],
      ['1d', DAY, '1d'],
      ['1d2h', DAY + 2 * HOUR, '1d2h'],
      ['1h0m0s', HOUR, '1h'],
      ['2H', 2 * HOUR, '2h'],
      [' 30m ', 30 * MINUTE, '30m'],
      ['PT2H', 2 * HOUR, '2h'],
      ['P1D', DAY, '1d'],
      ['PT1H30M', HOUR + 30 * MINUTE, '1h30m'],
      ['P1DT12H', DAY + 12 * HOUR, '1d12h'],
      ['pt45s', 45 * SECOND, '45s'],
      ['PT1.5H', HOUR + 30 * MINUTE, '1h30m'],
    ]
    for (const [input, ms, text] of good) {
      it(`"${input}" is ${ms} ms, written ${text}`, () => {
        expect(parseDuration(input)).to.deep.equal({ms, text})
        expect(parseDuration(text).ms).to.equal(ms)
      })
    }

    for (const input of ['0s', '0m', 'PT0S', '0h0m', '-5m', '-PT1H']) {
      it(`"${input}" must be greater than zero`, () => {
        expect(durationError(input)).to.equal(`"${input}": duration must be greater than zero, e.g. 30m or 2h`)
      })
    }

    for (const input of ['abc', '2x', '1h1d', '2 h', '', 'h', 'PT', 'P1X', '1.5h']) {
      it(`"${input}" lists the forms`, () => {
        expect(durationError(input)).to.equal(`cannot read "${input}" as a duration; use 90s, 45m, 2h30m, 1d, 1d2h, or ISO 8601 such as PT2H, P1D, PT1H30M`)
      })
    }

    it('a number without unit asks for one', () => {
      expect(durationError('30')).to.contain('"30" has no unit: write 30m, 30h or 30s')
    })

    it('months and years are refused: they have no fixed length', () => {
      expect(durationError('P1M')).to.equal('duration "P1M": months and years have no fixed length; use days, e.g. P30D')
      expect(durationError('P1Y')).to.contain('months and years have no fixed length')
    })

    it('sub-second durations are refused', () => {
      expect(durationError('PT0.5S')).to.contain('not a whole number of seconds')
    })
  })

  describe('formatDuration', () => {
    const cases: Array<[number, string]> = [
      [2 * HOUR, '2h'],
      [HOUR + 30 * MINUTE, '1h30m'],
      [45 * SECOND, '45s'],
      [DAY + 2 * HOUR, '1d2h'],
      [3 * DAY + 5 * SECOND, '3d5s'],
      [0, '0s'],
      [1500, '1s'],
      [-MINUTE, '-1m'],
    ]
    for (const [ms, text] of cases) {
      it(`${ms} ms is "${text}"`, () => expect(formatDuration(ms)).to.equal(text))
    }
  })
})
