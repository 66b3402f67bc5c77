import {expect} from 'chai'

import type {Window} from '../../src/model/window.js'

import {pauseChange, resumeChange, skipChange} from '../../src/engine/series-changes.js'
import {UserError} from '../../src/model/errors.js'
import {currentInterval, isOver, nextInterval} from '../../src/model/window-schedule.js'

const at = (iso: string): number => Date.parse(iso)

/** Sundays 02:00 in Berlin for 2h, from November 2026. */
function weekly(extra: Partial<Window> = {}): Window {
  return {
    duration: '2h',
    every: '0 2 * * 0',
    name: 'weekly',
    namespace: 'shop',
    page: 'default',
    start: at('2026-11-01T00:00:00Z'),
    targets: [{kind: 'service', name: 'db'}],
    timezone: 'Europe/Berlin',
    ...extra,
  }
}

function userError(work: () => unknown): string {
  try {
    work()
  } catch (error) {
    expect(error).to.be.instanceOf(UserError)
    return (error as Error).message
  }
  throw new Error('no user error')
}

describe('engine/series-changes and the exceptions of model/window-schedule', () => {
  const saturday = at('2026-12-19T12:00:00Z')

  it('a skipped day has no occurrence: the next one is a week later, and while it would run nothing is active', () => {
    const w = weekly({skip: ['2026-12-20']})
    expect(nextInterval(w, saturday)?.start).to.equal(at('2026-12-27T01:00:00Z'))
    expect(currentInterval(w, at('2026-12-20T01:30:00Z'))).to.equal(undefined)
    expect(currentInterval(weekly(), at('2026-12-20T01:30:00Z'))?.start).to.equal(at('2026-12-20T01:00:00Z'))
  })

  it('a paused series starts nothing from the pause on, lets the occurrence in progress run, and is not over', () => {
    const w = weekly({paused: at('2026-12-20T01:30:00Z')})
    expect(currentInterval(w, at('2026-12-20T02:00:00Z'))?.end).to.equal(at('2026-12-20T03:00:00Z'))
    expect(nextInterval(w, at('2026-12-20T02:00:00Z'))).to.equal(undefined)
    expect(currentInterval(w, at('2026-12-27T01:30:00Z'))).to.equal(undefined)
    expect(isOver(w, at('2026-12-27T01:30:00Z'))).to.equal(false)
  })

  it('skip: adds the day, says which start it drops, and refuses days without occurrence, in progress, over, or one-off windows', () => {
    const change = skipChange(weekly(), ['2026-12-27'], saturday)
    expect(change).to.deep.equal({annotations: {'kubectl-maintenance.io/skip': '2026-12-27'}, lines: ['window weekly: 2026-12-27 skipped (2026-12-27 02:00 CET will not start)']})
    expect(skipChange(weekly({skip: ['2026-12-27']}), ['2026-12-27'], saturday)).to.deep.equal({annotations: {}, lines: ['2026-12-27 is skipped already; nothing to do']})
    expect(userError(() => skipChange(weekly(), ['2026-12-26'], saturday))).to.match(/has no occurrence on 2026-12-26/)
    expect(userError(() => skipChange(weekly(), ['2026-12-20'], at('2026-12-20T01:30:00Z')))).to.match(/in progress .* kubectl maintenance end weekly/)
    expect(userError(() => skipChange(weekly(), ['2026-12-13'], saturday))).to.match(/is over/)
    expect(userError(() => skipChange({...weekly(), duration: undefined, end: at('2026-12-30T00:00:00Z'), every: undefined}, ['2026-12-27'], saturday))).to.match(/does not recur/)
  })

  it('pause and resume: twice is once; resuming does not start late an occurrence that began while paused', () => {
    const paused = pauseChange(weekly(), saturday)
    expect(paused.annotations).to.deep.equal({'kubectl-maintenance.io/paused': '2026-12-19T12:00:00Z'})
    expect(pauseChange(weekly({paused: saturday}), saturday).annotations).to.deep.equal({})
    expect(resumeChange(weekly(), saturday).annotations).to.deep.equal({})
    const resumed = resumeChange(weekly({paused: saturday}), at('2026-12-20T01:30:00Z'))
    expect(resumed.annotations).to.deep.equal({'kubectl-maintenance.io/paused': null, 'kubectl-maintenance.io/start': '2026-12-20T01:30:01Z'})
    expect(resumed.lines).to.deep.equal(['window weekly resumed: the next occurrence starts 2026-12-27 02:00 CET'])
    const during = pauseChange(weekly(), at('2026-12-20T01:30:00Z'))
    expect(during.lines[1]).to.equal('the occurrence in progress runs until 2026-12-20 04:00 CET; end it now with kubectl maintenance end weekly')
  })
})
