import {expect} from 'chai'

import {UserError} from '../../src/model/errors.js'
import {machineZone, parseZone, zoneAbbreviation} from '../../src/model/zone.js'

function zoneError(text: string): string {
  try {
    parseZone(text)
  } catch (error) {
    expect(error).to.be.instanceOf(UserError)
    return (error as UserError).message
  }
  expect.fail(`parseZone("${text}") should have failed`)
}

describe('model/zone', () => {
  describe('parseZone', () => {
    const accepted: Array<[string, string]> = [
      ['Europe/Berlin', 'Europe/Berlin'],
      ['europe/berlin', 'Europe/Berlin'],
      ['America/New_York', 'America/New_York'],
      ['America/Argentina/Buenos_Aires', 'America/Argentina/Buenos_Aires'],
      ['US/Eastern', 'US/Eastern'],
      ['UTC', 'UTC'],
      ['utc', 'UTC'],
      ['Etc/UTC', 'Etc/UTC'],
      [' Europe/Berlin ', 'Europe/Berlin'],
    ]
    for (const [input, expected] of accepted) {
      it(`accepts "${input}" as ${expected}`, () => expect(parseZone(input)).to.equal(expected))
    }

    it('refuses CET, naming the problem and a valid example', () => {
      expect(zoneError('CET')).to.equal(
        'time zone "CET" is an abbreviation or legacy name, not a place: use an IANA name such as Europe/Berlin (see the tz database)',
      )
    })

    const refused: Array<[string, string]> = [
      ['EST', 'America/New_York'],
      ['EST5EDT', 'America/New_York'],
      ['PST', 'America/Los_Angeles'],
      ['MET', 'Europe/Berlin'],
      ['GMT', 'Europe/London'],
      ['UTC+1', 'is a fixed offset'],
      ['GMT+2', 'is a fixed offset'],
      ['+01:00', 'is a fixed offset'],
      ['Etc/GMT+2', 'Etc/GMT+N means UTC-N'],
      ['Mars/Olympus_Mons', 'unknown time zone "Mars/Olympus_Mons"'],
      ['Berlin', 'time zone "Berlin" is unknown'],
      ['', 'time zone is empty'],
    ]
    for (const [input, expected] of refused) {
      it(`refuses "${input}" (${expected})`, () => {
        const message = zoneError(input)
        expect(message).to.contain(expected).and.to.contain('IANA name')
      })
    }
  })

  describe('machineZone', () => {
    const original = process.env.TZ
    afterEach(() => {
      if (original === undefined) delete process.env.TZ
      else process.env.TZ = original
    })

    it('is the zone of the machine', () => {
      process.env.TZ = 'America/New_York'
      expect(machineZone()).to.equal('America/New_York')
    })

    for (const tz of ['Etc/GMT+2', 'Foo/Bar', '']) {
      it(`falls back to UTC when the machine's zone is "${tz}" (a fixed offset, unknown or none)`, () => {
        process.env.TZ = tz
        expect(machineZone()).to.equal('UTC')
      })
    }
  })

  describe('zoneAbbreviation', () => {
    it('gives common abbreviations, else the offset', () => {
      const winter = Date.parse('2026-01-15T12:00:00Z')
      expect(zoneAbbreviation(winter, 'Europe/Berlin')).to.equal('CET')
      expect(zoneAbbreviation(winter, 'America/Chicago')).to.equal('CST')
      expect(zoneAbbreviation(winter, 'Africa/Johannesburg')).to.equal('SAST')
      expect(zoneAbbreviation(winter, 'Asia/Kathmandu')).to.equal('+05:45')
    })
  })
})
