import {expect} from 'chai'

import type {Window} from '../../src/model/window.js'

import {cancelDecision, endChange, extendedEnd, occurrenceExtension} from '../../src/engine/window-changes.js'

const NOW = Date.parse('2026-12-24T21:00:00.400Z')
const HOUR = 3_600_000

function window(extra: Partial<Window> = {}): Window {
  return {end: NOW + HOUR, name: 'w', namespace: 'shop', page: 'default', start: NOW - HOUR, targets: [{kind: 'ingress', name: 'shop'}], timezone: 'Europe/Berlin', ...extra}
}

describe('engine/window-changes', () => {
  it('cancel: a window that has not started is cancelled, a started one ended, a finished one left alone', () => {
    expect(cancelDecision(window({start: NOW + HOUR, end: NOW + 2 * HOUR}), NOW)).to.equal('cancel')
    expect(cancelDecision(window(), NOW)).to.equal('end')
    expect(cancelDecision(window({phase: 'Cancelled'}), NOW)).to.equal('cancelled already')
    expect(cancelDecision(window({end: NOW - 1}), NOW)).to.equal('ended already')
  })

  it('end: a one-off window gets an end on the next whole second', () => {
    expect(endChange(window(), NOW)).to.deep.equal({annotations: {'kubectl-maintenance.io/end': '2026-12-24T21:00:01Z'}, end: NOW + 600})
  })

  it('end: a recurring window ends the occurrence in progress by moving its start; ended whole it is also Cancelled', () => {
    const nightly = window({duration: '2h', end: undefined, every: '0 21 * * *', start: Date.parse('2026-12-01T20:00:00Z')})
    expect(endChange(nightly, NOW)).to.deep.equal({annotations: {'kubectl-maintenance.io/start': '2026-12-24T21:00:01Z'}, end: NOW + 600, next: Date.parse('2026-12-25T20:00:00Z')})
    expect(endChange(nightly, NOW, true).annotations).to.deep.equal({
      'kubectl-maintenance.io/end': '2026-12-24T21:00:01Z',
      'kubectl-maintenance.io/phase': 'Cancelled',
      'kubectl-maintenance.io/phase-message': 'ended during an occurrence at 2026-12-24 22:00 CET; no later occurrence',
    })
  })

  it('extend: --by moves the end later; an end in the past or an open-ended window with --by is refused', () => {
    expect(extendedEnd(window(), NOW, {byMs: HOUR})).to.equal(NOW + 2 * HOUR)
    expect(() => extendedEnd(window(), NOW, {until: () => NOW - 1000})).to.throw('is not in the future')
    expect(() => extendedEnd(window({end: undefined}), NOW, {byMs: HOUR})).to.throw('has no end; use --until')
  })

  it('extend: a recurring window gets a one-off window from now (on the second) past the occurrence in progress', () => {
    const nightly = window({duration: '2h', end: undefined, every: '0 21 * * *', start: Date.parse('2026-12-01T20:00:00Z')})
    const draft = occurrenceExtension(nightly, NOW, {byMs: HOUR})
    expect([draft.start, draft.end, draft.every]).to.deep.equal([NOW - 400, Date.parse('2026-12-24T23:00:00Z'), undefined])
    expect(() => occurrenceExtension(nightly, NOW + 3 * HOUR, {byMs: HOUR})).to.throw('no occurrence is in progress')
  })
})
