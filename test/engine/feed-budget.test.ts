import {expect} from 'chai'

import type {Window} from '../../src/model/window.js'

import {REPEATED_TEXT_CHARS, renderFeedWithin} from '../../src/engine/feed-budget.js'
import {buildFeed} from '../../src/engine/schedule-feed.js'
import {renderIcs} from '../../src/render/ics.js'
import {renderScheduleJson} from '../../src/render/schedule-json.js'

const at = (iso: string): number => Date.parse(iso)
const now = at('2026-12-20T10:00:00Z')
const bytes = (rendered: {json: string; ics: string}) => Buffer.byteLength(rendered.json) + Buffer.byteLength(rendered.ics)

function window(extra: Partial<Window>): Window {
  return {name: 'w', namespace: 'shop', page: 'default', start: at('2026-12-20T11:00:00Z'), targets: [{kind: 'ingress', name: 'shop'}], timezone: 'Europe/Berlin', uid: 'uid-w', ...extra}
}

describe('engine/feed-budget: a namespace feed within what its ConfigMap holds', () => {
  const long = 'x'.repeat(4000)
  const hourly = window({duration: '30m', every: '0 * * * *', message: long, name: 'hourly', reason: long, uid: 'uid-hourly'})
  const xmas = window({end: at('2026-12-24T23:00:00Z'), message: 'Christmas upgrade', name: 'xmas', start: at('2026-12-24T21:00:00Z'), uid: 'uid-xmas'})
  const windows = [hourly, xmas]

  it('a feed that fits is the whole feed, as buildFeed has it', () => {
    const rendered = renderFeedWithin('shop', [xmas], new Map(), now)
    const feed = buildFeed('shop', [xmas], new Map(), now)
    expect(rendered.json).to.equal(renderScheduleJson([feed]))
    expect(rendered.ics).to.equal(renderIcs([feed]))
  })

  it('too big: later occurrences of a window carry its texts cut short, its first keeps them whole', () => {
    const whole = buildFeed('shop', windows, new Map(), now)
    const wholeBytes = Buffer.byteLength(renderScheduleJson([whole])) + Buffer.byteLength(renderIcs([whole]))
    const rendered = renderFeedWithin('shop', windows, new Map(), now, wholeBytes - 1)
    expect(bytes(rendered)).to.be.at.most(wholeBytes - 1)
    expect(rendered.feed.occurrences.length, 'nothing left out').to.equal(whole.occurrences.length)
    const ofHourly = rendered.feed.occurrences.filter((o) => o.window === 'hourly')
    expect(ofHourly[0].message).to.equal(long)
    for (const o of ofHourly.slice(1)) expect([...(o.message ?? '')].length).to.equal(REPEATED_TEXT_CHARS)
    expect(rendered.feed.occurrences.find((o) => o.window === 'xmas')?.message).to.equal('Christmas upgrade')
  })

  it('still too big: the furthest repeats are left out before any first occurrence, as few as it takes', () => {
    const budget = 60 * 1024
    const rendered = renderFeedWithin('shop', windows, new Map(), now, budget)
    expect(bytes(rendered)).to.be.at.most(budget)
    const kept = rendered.feed.occurrences
    expect(kept[0].start, 'the soonest occurrence stays').to.equal(at('2026-12-20T11:00:00Z'))
    expect(kept.some((o) => o.window === 'xmas'), "another window's first stays").to.equal(true)
    const hourlyStarts = kept.filter((o) => o.window === 'hourly').map((o) => o.start)
    const all = buildFeed('shop', windows, new Map(), now).occurrences.filter((o) => o.window === 'hourly').map((o) => o.start)
    expect(hourlyStarts, 'the soonest ones, in order').to.deep.equal(all.slice(0, hourlyStarts.length))
    expect(hourlyStarts.length).to.be.lessThan(all.length)
    // A smaller budget leaves out more.
    const oneMore = renderFeedWithin('shop', windows, new Map(), now, bytes(rendered) - 1)
    expect(oneMore.feed.occurrences.length).to.be.lessThan(kept.length)
    // The json and the ics list the same events, each once.
    const uids = [...rendered.ics.matchAll(/^UID:(.+)$/gm)].map((match) => match[1])
    expect(uids).to.deep.equal((JSON.parse(rendered.json) as {occurrences: Array<{uid: string}>}).occurrences.map((o) => o.uid))
  })
})
