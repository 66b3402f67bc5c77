import {expect} from 'chai'

import type {Interval, Window} from '../../src/model/window.js'

import {currentInterval, isOver, nextInterval, nextTransition} from '../../src/model/window-schedule.js'

const at = (iso: string): number => Date.parse(iso)

function window(extra: Partial<Window>): Window {
  return {name: 'w', namespace: 'shop', page: 'default', start: at('2026-12-24T21:00:00Z'), targets: [{kind: 'ingress', name: 'shop'}], timezone: 'Europe/Berlin', ...extra}
}

function interval(start: string, end?: string): Interval {
  return end === undefined ? {start: at(start)} : {end: at(end), start: at(start)}
}

describe('model/window-schedule', () => {
  describe('a one-off window is active on [start, end)', () => {
    const w = window({end: at('2026-12-24T23:00:00Z')})
    const cases: Array<[string, Interval | undefined, Interval | undefined, string | undefined, boolean]> = [
      // now, current, next, next transition, over
      ['2026-12-24T20:59:59Z', undefined, interval('2026-12-24T21:00:00Z', '2026-12-24T23:00:00Z'), '2026-12-24T21:00:00Z', false],
      ['2026-12-24T21:00:00Z', interval('2026-12-24T21:00:00Z', '2026-12-24T23:00:00Z'), undefined, '2026-12-24T23:00:00Z', false],
      ['2026-12-24T22:59:59Z', interval('2026-12-24T21:00:00Z', '2026-12-24T23:00:00Z'), undefined, '2026-12-24T23:00:00Z', false],
      ['2026-12-24T23:00:00Z', undefined, undefined, undefined, true],
    ]
    for (const [now, current, next, transition, over] of cases) {
      it(`at ${now}`, () => {
        expect(currentInterval(w, at(now))).to.deep.equal(current)
        expect(nextInterval(w, at(now))).to.deep.equal(next)
        expect(nextTransition(w, at(now))).to.equal(transition === undefined ? undefined : at(transition))
        expect(isOver(w, at(now))).to.equal(over)
      })
    }
  })

  it('an open-ended window is active from its start for ever and never over', () => {
    const w = window({})
    expect(currentInterval(w, at('2026-12-24T20:00:00Z'))).to.equal(undefined)
    expect(nextTransition(w, at('2026-12-24T20:00:00Z'))).to.equal(at('2026-12-24T21:00:00Z'))
    expect(currentInterval(w, at('2036-01-01T00:00:00Z'))).to.deep.equal({start: at('2026-12-24T21:00:00Z')})
    expect(nextTransition(w, at('2036-01-01T00:00:00Z'))).to.equal(undefined)
    expect(isOver(w, at('2036-01-01T00:00:00Z'))).to.equal(false)
  })

  it('phases do not matter: a Cancelled window is still active by its times', () => {
    const w = window({end: at('2026-12-24T23:00:00Z'), phase: 'Cancelled'})
    expect(currentInterval(w, at('2026-12-24T22:00:00Z'))).to.deep.equal(interval('2026-12-24T21:00:00Z', '2026-12-24T23:00:00Z'))
  })

  describe('a recurring window: Sundays 02:00 Europe/Berlin for 2h', () => {
    // 2026-11-01 is a Sunday: 02:00 CET is 01:00Z.
    const w = window({duration: '2h', every: '0 2 * * 0', start: at('2026-10-30T00:00:00Z')})
    const cases: Array<[string, Interval | undefined, Interval | undefined, string]> = [
      ['2026-11-01T00:59:00Z', undefined, interval('2026-11-01T01:00:00Z', '2026-11-01T03:00:00Z'), '2026-11-01T01:00:00Z'],
      ['2026-11-01T01:00:00Z', interval('2026-11-01T01:00:00Z', '2026-11-01T03:00:00Z'), interval('2026-11-08T01:00:00Z', '2026-11-08T03:00:00Z'), '2026-11-01T03:00:00Z'],
      ['2026-11-01T02:59:59Z', interval('2026-11-01T01:00:00Z', '2026-11-01T03:00:00Z'), interval('2026-11-08T01:00:00Z', '2026-11-08T03:00:00Z'), '2026-11-01T03:00:00Z'],
      ['2026-11-01T03:00:00Z', undefined, interval('2026-11-08T01:00:00Z', '2026-11-08T03:00:00Z'), '2026-11-08T01:00:00Z'],
    ]
    for (const [now, current, next, transition] of cases) {
      it(`at ${now}`, () => {
        expect(currentInterval(w, at(now))).to.deep.equal(current)
        expect(nextInterval(w, at(now))).to.deep.equal(next)
        expect(nextTransition(w, at(now))).to.equal(at(transition))
        expect(isOver(w, at(now))).to.equal(false)
      })
    }

    it('occurrences before start do not count', () => {
      const later = {...w, start: at('2026-11-01T01:30:00Z')}
      expect(currentInterval(later, at('2026-11-01T02:00:00Z'))).to.equal(undefined)
      expect(nextInterval(later, at('2026-11-01T02:00:00Z'))).to.deep.equal(interval('2026-11-08T01:00:00Z', '2026-11-08T03:00:00Z'))
    })

    it('an occurrence at start counts', () => {
      const exact = {...w, start: at('2026-11-01T01:00:00Z')}
      expect(nextInterval(exact, at('2026-10-31T00:00:00Z'))).to.deep.equal(interval('2026-11-01T01:00:00Z', '2026-11-01T03:00:00Z'))
      expect(currentInterval(exact, at('2026-11-01T01:00:00Z'))).to.deep.equal(interval('2026-11-01T01:00:00Z', '2026-11-01T03:00:00Z'))
    })

    it('no occurrence starts at or after end, so the window is over after the last one', () => {
      const ending = {...w, end: at('2026-11-08T01:00:00Z')}
      expect(nextInterval(ending, at('2026-11-01T03:00:00Z'))).to.equal(undefined)
      expect(nextTransition(ending, at('2026-11-01T03:00:00Z'))).to.equal(undefined)
      expect(isOver(ending, at('2026-11-01T02:00:00Z'))).to.equal(false)
      expect(isOver(ending, at('2026-11-01T03:00:00Z'))).to.equal(true)
    })

    it('an occurrence that began before end runs its full duration', () => {
      const ending = {...w, end: at('2026-11-01T02:00:00Z')}
      expect(currentInterval(ending, at('2026-11-01T02:30:00Z'))).to.deep.equal(interval('2026-11-01T01:00:00Z', '2026-11-01T03:00:00Z'))
    })
  })

  describe('overlapping occurrences: hourly for 2h', () => {
    const w = window({duration: '2h', every: '0 * * * *', start: at('2026-06-01T00:00:00Z'), timezone: 'UTC'})

    it('the latest occurrence that began is the current one; the next start is a transition', () => {
      expect(currentInterval(w, at('2026-06-01T10:30:00Z'))).to.deep.equal(interval('2026-06-01T10:00:00Z', '2026-06-01T12:00:00Z'))
      expect(nextTransition(w, at('2026-06-01T10:30:00Z'))).to.equal(at('2026-06-01T11:00:00Z'))
    })

    it('past end, an earlier occurrence still running keeps the window active', () => {
      const ending = {...w, end: at('2026-06-01T10:30:00Z')}
      expect(currentInterval(ending, at('2026-06-01T11:15:00Z'))).to.deep.equal(interval('2026-06-01T10:00:00Z', '2026-06-01T12:00:00Z'))
      expect(nextTransition(ending, at('2026-06-01T11:15:00Z'))).to.equal(at('2026-06-01T12:00:00Z'))
      expect(isOver(ending, at('2026-06-01T12:00:00Z'))).to.equal(true)
    })
  })

  describe('a recurring window across daylight saving: daily 02:30 Europe/Berlin for 1h', () => {
    const w = window({duration: '1h', every: '30 2 * * *', start: at('2026-03-01T00:00:00Z')})

    it('spring forward 2026-03-29: active 03:30-04:30 CEST', () => {
      expect(nextInterval(w, at('2026-03-28T23:00:00Z'))).to.deep.equal(interval('2026-03-29T01:30:00Z', '2026-03-29T02:30:00Z'))
      expect(currentInterval(w, at('2026-03-29T02:00:00Z'))).to.deep.equal(interval('2026-03-29T01:30:00Z', '2026-03-29T02:30:00Z'))
    })

    it('fall back 2026-10-25: active once, 02:30 CEST for 1h; not again at 02:30 CET', () => {
      expect(currentInterval(w, at('2026-10-25T01:00:00Z'))).to.deep.equal(interval('2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z'))
      expect(currentInterval(w, at('2026-10-25T01:45:00Z'))).to.equal(undefined) // 02:45 CET
      expect(nextInterval(w, at('2026-10-25T01:30:00Z'))).to.deep.equal(interval('2026-10-26T01:30:00Z', '2026-10-26T02:30:00Z'))
      expect(nextTransition(w, at('2026-10-25T01:30:00Z'))).to.equal(at('2026-10-26T01:30:00Z'))
    })

    it('America/New_York 2026-11-01: "30 1 * * *" for 1h runs 01:30 EDT to 01:30 EST, once', () => {
      const ny = window({duration: '1h', every: '30 1 * * *', start: at('2026-10-01T00:00:00Z'), timezone: 'America/New_York'})
      expect(currentInterval(ny, at('2026-11-01T06:00:00Z'))).to.deep.equal(interval('2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z'))
      expect(nextInterval(ny, at('2026-11-01T06:00:00Z'))).to.deep.equal(interval('2026-11-02T06:30:00Z', '2026-11-02T07:30:00Z'))
    })
  })
})
