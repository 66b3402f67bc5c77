import {expect} from 'chai'

import {type GettableSilence, OPEN_ENDED_SILENCE_MS, parseSilenceRecord, silenceStep, wantedSilences} from '../../src/engine/silences.js'
import {parseTarget} from '../../src/model/target.js'
import {type Window} from '../../src/model/window.js'

const HOUR = 3_600_000
const NOW = Date.parse('2026-11-23T01:00:00Z')
const SETTINGS = {graceMs: 5 * 60_000, url: 'http://am:9093'}

function window(extra: Partial<Window> = {}): Window {
  return {
    end: NOW + HOUR,
    name: 'db',
    namespace: 'shop',
    page: 'default',
    phase: 'Active',
    start: NOW - HOUR,
    targets: ['ingress/shop', 'service/db', 'service/api.v2'].map((text) => parseTarget(text)),
    timezone: 'UTC',
    uid: 'u-1',
    ...extra,
  }
}

function existing(extra: Partial<GettableSilence> = {}): GettableSilence {
  const [wanted] = wantedSilences(window(), NOW, SETTINGS)
  return {
    comment: wanted.comment,
    createdBy: 'kubectl-maintenance',
    endsAt: new Date(wanted.endsAt).toISOString(),
    id: 'abc',
    matchers: wanted.matchers,
    startsAt: new Date(NOW - HOUR).toISOString(),
    status: {state: 'active'},
    ...extra,
  }
}

describe('engine/silences', () => {
  it('an active window wants one silence per target kind, names regex-escaped, until its end plus the grace', () => {
    const wanted = wantedSilences(window(), NOW, SETTINGS)
    expect(wanted.map((silence) => silence.group)).to.deep.equal(['ingress', 'service'])
    expect(wanted[1].matchers).to.deep.equal([
      {isEqual: true, isRegex: false, name: 'namespace', value: 'shop'},
      {isEqual: true, isRegex: true, name: 'service', value: String.raw`api\.v2|db`},
    ])
    expect(wanted[0].endsAt).to.equal(NOW + HOUR + 5 * 60_000)
    expect(wanted[0].comment).to.include('window shop/db (uid u-1)')
  })

  it('wants none before the start, after the end, or for a window not in an active phase', () => {
    expect(wantedSilences(window({phase: 'Scheduled', start: NOW + HOUR, end: NOW + 2 * HOUR}), NOW, SETTINGS)).to.deep.equal([])
    expect(wantedSilences(window({phase: 'Completed'}), NOW, SETTINGS)).to.deep.equal([])
    expect(wantedSilences(window({end: NOW - 1}), NOW, SETTINGS)).to.deep.equal([])
  })

  it('an open-ended window is silenced an hour ahead, moved on when less than half is left', () => {
    const open = window({end: undefined})
    const [wanted] = wantedSilences(open, NOW, SETTINGS)
    expect(wanted.endsAt).to.equal(NOW + OPEN_ENDED_SILENCE_MS + 5 * 60_000)
    const fresh = existing({endsAt: new Date(NOW + 50 * 60_000).toISOString(), matchers: wanted.matchers})
    expect(silenceStep(open, wanted, fresh, NOW, true).type).to.equal('keep')
    const stale = existing({endsAt: new Date(NOW + 20 * 60_000).toISOString(), matchers: wanted.matchers})
    expect(silenceStep(open, wanted, stale, NOW, true).type).to.equal('update')
  })

  it('keeps its own silence, moves its end, and makes a new one for a missing, expired or foreign silence', () => {
    const w = window()
    const [wanted] = wantedSilences(w, NOW, SETTINGS)
    expect(silenceStep(w, wanted, existing(), NOW, false)).to.deep.equal({type: 'keep'})
    expect(silenceStep(w, {...wanted, endsAt: wanted.endsAt + HOUR}, existing(), NOW, false)).to.deep.equal({startsAt: new Date(NOW - HOUR).toISOString(), type: 'update'})
    expect(silenceStep(w, wanted, undefined, NOW, false).type).to.equal('create')
    expect(silenceStep(w, wanted, existing({status: {state: 'expired'}}), NOW, false).type).to.equal('create')
    expect(silenceStep(w, wanted, existing({createdBy: 'alice'}), NOW, false).type).to.equal('create')
    expect(silenceStep(w, wanted, existing({comment: 'kubectl-maintenance: window shop/db (uid other)'}), NOW, false).type).to.equal('create')
  })

  it('reads only a bounded map of group to silence id from the window', () => {
    expect(parseSilenceRecord('{"service":"6f1c-aa","ingress":"0b"}')).to.deep.equal({ingress: '0b', service: '6f1c-aa'})
    expect(parseSilenceRecord('{"service":"../../admin","Bad Group":"aa"}')).to.deep.equal({})
    expect(parseSilenceRecord('[1]')).to.deep.equal({})
    expect(parseSilenceRecord('{'.repeat(5000))).to.deep.equal({})
  })
})
