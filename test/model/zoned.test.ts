import {expect} from 'chai'

import {gapAt, possibleInstants, resolveWall} from '../../src/model/zoned.js'

const wall = (text: string): number => Date.parse(`${text}Z`)
const iso = (ms: number): string => new Date(ms).toISOString()

describe('model/zoned', () => {
  it('an ordinary local time has one instant', () => {
    expect(possibleInstants(wall('2026-12-24T22:00:00'), 'Europe/Berlin').map(iso)).to.deep.equal(['2026-12-24T21:00:00.000Z'])
  })

  it('a local time in the spring-forward gap has none, and the gap is 02:00-03:00', () => {
    const at = wall('2026-03-29T02:30:00')
    expect(possibleInstants(at, 'Europe/Berlin')).to.deep.equal([])
    const gap = gapAt(at, 'Europe/Berlin')
    expect(gap && {from: iso(gap.from), to: iso(gap.to), transition: iso(gap.transition)}).to.deep.equal({
      from: '2026-03-29T02:00:00.000Z',
      to: '2026-03-29T03:00:00.000Z',
      transition: '2026-03-29T01:00:00.000Z',
    })
  })

  it('a repeated local time has two instants, earlier first; resolveWall takes the earlier', () => {
    const at = wall('2026-11-01T01:30:00')
    expect(possibleInstants(at, 'America/New_York').map(iso)).to.deep.equal(['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z'])
    expect(iso(resolveWall(at, 'America/New_York'))).to.equal('2026-11-01T05:30:00.000Z')
  })

  it('resolveWall moves a time in the gap forward by the gap (02:30 -> 03:30 CEST)', () => {
    expect(iso(resolveWall(wall('2026-03-29T02:30:00'), 'Europe/Berlin'))).to.equal('2026-03-29T01:30:00.000Z')
  })

  it('handles half-hour shifts (Australia/Lord_Howe) and skipped days (Pacific/Apia 2011-12-30)', () => {
    expect(possibleInstants(wall('2026-04-05T01:45:00'), 'Australia/Lord_Howe')).to.have.length(2)
    const gap = gapAt(wall('2011-12-30T12:00:00'), 'Pacific/Apia')
    expect(gap && gap.to - gap.from).to.equal(24 * 3_600_000)
  })
})
