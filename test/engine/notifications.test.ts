import {expect} from 'chai'

import {type LedgerEntry, type Transition, CLAIM_TTL_MS, MAX_LEDGER_ENTRIES, dueNotifications, formatLedger, notificationKey, parseLedger} from '../../src/engine/notifications.js'
import {parseTarget} from '../../src/model/target.js'
import {type Window} from '../../src/model/window.js'

const HOUR = 3_600_000
const NOW = Date.parse('2026-11-23T01:00:00Z')
const UID = '0b6f7c3e-1111-4222-8333-944455556666'

function window(extra: Partial<Window> = {}): Window {
  return {name: 'db', namespace: 'shop', page: 'default', start: NOW + 2 * HOUR, end: NOW + 3 * HOUR, targets: [parseTarget('service/db')], timezone: 'Europe/Berlin', uid: UID, ...extra}
}

function entry(transition: Transition, occurrence: number, end?: number): LedgerEntry {
  return {at: NOW - HOUR, end, key: notificationKey(UID, occurrence, transition, end), occurrence, transition}
}

function withLedger(w: Window, entries: LedgerEntry[]): Window {
  return {...w, outside: {notifications: formatLedger(entries, [])}}
}

const due = (w: Window, now = NOW) => dueNotifications(w, now).map((n) => `${n.transition}@${new Date(n.occurrence).toISOString().slice(11, 16)}`)

describe('engine/notifications', () => {
  it('a window scheduled more than a day ahead is Scheduled only; within the announce lead also Announced', () => {
    const far = window({phase: 'Scheduled', start: NOW + 48 * HOUR, end: NOW + 49 * HOUR})
    expect(due(far)).to.deep.equal(['Scheduled@01:00'])
    expect(due(window({phase: 'Scheduled'}))).to.deep.equal(['Scheduled@03:00', 'Announced@03:00'])
  })

  it("the window's --announce sets the lead of Announced", () => {
    expect(due(window({announce: '1h', phase: 'Scheduled'}))).to.deep.equal(['Scheduled@03:00'])
    expect(due(window({announce: '3d', phase: 'Scheduled', start: NOW + 48 * HOUR, end: NOW + 49 * HOUR}))).to.deep.equal(['Scheduled@01:00', 'Announced@01:00'])
  })

  it('what the ledger holds is never due again', () => {
    const w = withLedger(window({phase: 'Scheduled'}), [entry('Scheduled', NOW + 2 * HOUR, NOW + 3 * HOUR), entry('Announced', NOW + 2 * HOUR, NOW + 3 * HOUR)])
    expect(due(w)).to.deep.equal([])
  })

  it('Active once the phase says so; Extended only for a later end; Completed closes the occurrence', () => {
    const start = NOW - HOUR
    const active = window({phase: 'Active', start, end: NOW + HOUR})
    expect(due(active)).to.deep.equal(['Active@00:00'])
    const told = withLedger(active, [entry('Active', start, NOW + HOUR)])
    expect(due(told)).to.deep.equal([])
    expect(due({...told, end: NOW + 2 * HOUR})).to.deep.equal(['Extended@00:00'])
    expect(dueNotifications({...told, end: NOW + 2 * HOUR}, NOW)[0].key).to.equal(`${UID}/2026-11-23T00:00:00Z/Extended/2026-11-23T03:00:00Z`)
    expect(due({...told, end: NOW + 30 * 60_000}), 'an earlier end is an end on its way').to.deep.equal([])
    expect(due({...told, end: NOW - 1, phase: 'Completed'})).to.deep.equal(['Completed@00:00'])
  })

  it('a phase the clock has left behind (Active, but the end passed) waits for the engine to write the end', () => {
    expect(due(window({phase: 'Active', start: NOW - 2 * HOUR, end: NOW - 1}))).to.deep.equal([])
  })

  it('Degraded says so after Active', () => {
    expect(due(window({phase: 'Degraded', start: NOW - HOUR, end: NOW + HOUR}))).to.deep.equal(['Active@00:00', 'Degraded@00:00'])
  })

  it('cancelled before it started: Cancelled for the scheduled occurrence; ended while active: Cancelled closes it', () => {
    const scheduled = entry('Scheduled', NOW + 2 * HOUR, NOW + 3 * HOUR)
    expect(due(withLedger(window({phase: 'Cancelled'}), [scheduled]))).to.deep.equal(['Cancelled@03:00'])
    expect(due(withLedger(window({phase: 'Cancelled', start: NOW - HOUR}), [entry('Active', NOW - HOUR, NOW + HOUR)]))).to.deep.equal(['Cancelled@00:00'])
  })

  it('a window that failed before anything was sent: Failed for its start', () => {
    expect(due(window({phase: 'Failed'}))).to.deep.equal(['Failed@03:00'])
  })

  it('a recurring window: an occurrence that ended is Completed, the next one Scheduled (and, within a day, Announced)', () => {
    const recurring = window({duration: '1h', end: undefined, every: '0 0 * * *', phase: 'Scheduled', start: NOW - 2 * HOUR, timezone: 'UTC'})
    const lastNight = Date.parse('2026-11-23T00:00:00Z')
    expect(due(withLedger(recurring, [entry('Active', lastNight, lastNight + HOUR)]), lastNight + HOUR + 1000)).to.deep.equal(['Completed@00:00', 'Scheduled@00:00', 'Announced@00:00'])
  })

  it('a claim counts as sent while it holds: not once CLAIM_TTL_MS passed, nor when it is dated far ahead', () => {
    const w = window({phase: 'Scheduled', start: NOW + 48 * HOUR, end: NOW + 49 * HOUR})
    const claim = (at: number): LedgerEntry => ({...entry('Scheduled', NOW + 48 * HOUR, NOW + 49 * HOUR), at, claimed: true})
    expect(parseLedger(formatLedger([claim(NOW)], []))[0].claimed).to.equal(true)
    expect(due(withLedger(w, [claim(NOW - 1000)]))).to.deep.equal([])
    expect(due(withLedger(w, [claim(NOW + 1000)])), "a clock a little ahead").to.deep.equal([])
    expect(due(withLedger(w, [claim(NOW - CLAIM_TTL_MS)]))).to.deep.equal(['Scheduled@01:00'])
    expect(due(withLedger(w, [claim(NOW + 365 * 24 * HOUR)])), 'planted far ahead').to.deep.equal(['Scheduled@01:00'])
    expect(parseLedger('[["k","Active",1,null,1,2]]'), 'a sixth element that is not the claim mark').to.deep.equal([])
  })

  it('nothing for a window without uid or phase, and a tampered ledger counts as empty', () => {
    expect(due(window({phase: 'Scheduled', uid: undefined}))).to.deep.equal([])
    expect(due(window({phase: undefined}))).to.deep.equal([])
    expect(parseLedger('[[[[[[[[[[1]]]]]]]]]]')).to.deep.equal([])
    expect(parseLedger('{"a":1}')).to.deep.equal([])
    expect(parseLedger('x'.repeat(20_000))).to.deep.equal([])
    expect(parseLedger('[["k","Bogus",1,null,1],["k2","Active",1,null,1]]').map((e) => e.key)).to.deep.equal(['k2'])
  })

  it('the ledger stays bounded: older extensions of an occurrence go first, then the oldest entries', () => {
    const extensions = Array.from({length: 10}, (_, i) => entry('Extended', NOW, NOW + (i + 2) * HOUR))
    const collapsed = parseLedger(formatLedger([entry('Active', NOW, NOW + HOUR), ...extensions], []))
    expect(collapsed.map((e) => e.transition)).to.deep.equal(['Active', 'Extended'])
    expect(collapsed[1].end).to.equal(NOW + 11 * HOUR)
    const many = Array.from({length: 40}, (_, i) => entry('Completed', NOW + i * HOUR))
    const kept = parseLedger(formatLedger(many, []))
    expect(kept.length).to.equal(MAX_LEDGER_ENTRIES)
    expect(kept[0].occurrence).to.equal(NOW + 8 * HOUR)
  })
})
