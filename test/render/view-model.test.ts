import {expect} from 'chai'

import {buildViewModel, DEFAULT_TITLE, formatHttpDate, formatLocal, VIEW_VARIABLES} from '../../src/render/view-model.js'

const base = {namespace: 'shop', targets: ['ingress/shop', 'service/web'], window: 'upgrade'}

describe('render/view-model', () => {
  describe('formatLocal: the window end as visitors read it, in the window zone', () => {
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
      ['2026-06-01T12:00:00Z', 'Asia/Tokyo', 'Monday 1 Jun, 21:00 GMT+9'],
      ['2026-06-01T12:00:00Z', 'Asia/Kolkata', 'Monday 1 Jun, 17:30 IST'],
    ]
    for (const [instant, zone, expected] of cases) {
      it(`${instant} in ${zone} -> ${expected}`, () => {
        expect(formatLocal(Date.parse(instant), zone)).to.equal(expected)
      })
    }

    it('refuses a zone that is not an IANA name', () => {
      expect(() => formatLocal(0, 'Mars/Olympus')).to.throw('invalid timezone "Mars/Olympus"')
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

  it('builds every SPEC §5 variable for a window with an end', () => {
    const view = buildViewModel({
      ...base,
      contact: 'ops@example.com',
      end: Date.parse('2026-12-24T22:00:00Z'),
      message: 'Upgrading the database',
      reason: 'Planned',
      start: Date.parse('2026-12-24T20:00:00Z'),
      timezone: 'Europe/Berlin',
    })
    expect(view).to.deep.equal({
      contact: 'ops@example.com',
      end: '2026-12-24T22:00:00Z',
      endLocal: 'Thursday 24 Dec, 23:00 CET',
      message: 'Upgrading the database',
      namespace: 'shop',
      reason: 'Planned',
      retryAfter: 'Thu, 24 Dec 2026 22:00:00 GMT',
      start: '2026-12-24T20:00:00Z',
      startLocal: 'Thursday 24 Dec, 21:00 CET',
      targets: ['ingress/shop', 'service/web'],
      timezone: 'Europe/Berlin',
      title: DEFAULT_TITLE,
      window: 'upgrade',
    })
    expect(Object.keys(view).sort()).to.deep.equal([...VIEW_VARIABLES].sort())
  })

  it('leaves end, endLocal and retryAfter undefined for an open-ended window, and blank texts absent', () => {
    const view = buildViewModel({...base, message: '   ', start: Date.parse('2026-12-24T20:00:00Z'), timezone: 'UTC', title: 'Back soon'})
    expect(view.end).to.equal(undefined)
    expect(view.endLocal).to.equal(undefined)
    expect(view.retryAfter).to.equal(undefined)
    expect(view.message).to.equal(undefined)
    expect(view.title).to.equal('Back soon')
    expect(Object.keys(view)).to.include.members(['end', 'endLocal', 'retryAfter', 'message', 'reason', 'contact'])
  })
})
