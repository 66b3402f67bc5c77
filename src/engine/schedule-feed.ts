import {createHash} from 'node:crypto'

import type {Window} from '../model/window.js'

import {parseBoundedJson} from '../model/bounded-json.js'
import {announceMs} from '../model/exceptions.js'
import {formatTarget} from '../model/target.js'
import {currentInterval, occurrencesWithin} from '../model/window-schedule.js'

/**
 * The schedule feed of one namespace (SPEC §7), decided from its windows and the time: the occurrences that are active
 * or start within the next 30 days, cancelled ones included so a subscribed calendar drops them. render/ turns it into
 * `schedule.json` and `schedule.ics`; kube/schedule-feed.ts writes it only when that changes.
 */

export const FEED_HORIZON_MS = 30 * 24 * 3_600_000
/** Occurrences of one window in a feed: a cron firing every few minutes would otherwise list thousands. */
export const MAX_OCCURRENCES_PER_WINDOW = 100
/** Events of one namespace's feed: its state annotation (SEQUENCE, DTSTAMP per event) stays far below 256 KiB. */
export const MAX_FEED_EVENTS = 500

export type FeedPhase = 'Active' | 'Cancelled' | 'Degraded' | 'Failed' | 'Scheduled'

export interface FeedOccurrence {
  /** The iCalendar UID: the window's uid (or namespace/name) and the occurrence's start, stable across passes. */
  uid: string
  namespace: string
  window: string
  targets: string[]
  start: number
  /** Absent: open-ended. */
  end?: number
  /** start minus the window's `--announce` (default 24h). */
  announce: number
  timezone: string
  message?: string
  reason?: string
  contact?: string
  phase: FeedPhase
  /** Why a cancelled occurrence does not happen. */
  cancelled?: 'cancelled' | 'failed' | 'paused' | 'skipped'
}

/** Per event UID: its SEQUENCE, its DTSTAMP (when its content last changed) and a digest of that content. */
export type FeedState = Map<string, {sequence: number; stamp: number; digest: string}>

export interface Feed {
  namespace: string
  occurrences: FeedOccurrence[]
  state: FeedState
}

/** The occurrences of `windows` (one namespace) to show at `now`, ordered by start, then window. */
export function feedOccurrences(windows: Window[], now: number): FeedOccurrence[] {
  const found: FeedOccurrence[] = []
  for (const w of windows) {
    if (w.phase === 'Completed') continue
    found.push(...windowOccurrences(w, now))
  }
  found.sort((a, b) => a.start - b.start || a.namespace.localeCompare(b.namespace) || a.window.localeCompare(b.window))
  return found.slice(0, MAX_FEED_EVENTS)
}

function windowOccurrences(w: Window, now: number): FeedOccurrence[] {
  const horizon = now + FEED_HORIZON_MS
  const stopped = w.phase === 'Cancelled' ? 'cancelled' : w.phase === 'Failed' ? 'failed' : undefined
  const current = stopped ? undefined : currentInterval(w, now)
  const upcoming = occurrencesWithin(w, now + 1, horizon, MAX_OCCURRENCES_PER_WINDOW).filter((o) => o.start !== current?.start)
  const result: FeedOccurrence[] = []
  if (current) result.push(occurrence(w, current.start, current.end, w.phase === 'Degraded' ? 'Degraded' : 'Active'))
  for (const o of upcoming) {
    const cancelled = stopped ?? o.excluded
    const phase: FeedPhase = stopped === 'failed' ? 'Failed' : cancelled ? 'Cancelled' : 'Scheduled'
    result.push(occurrence(w, o.start, o.end, phase, cancelled))
  }
  return result.slice(0, MAX_OCCURRENCES_PER_WINDOW)
}

function occurrence(w: Window, start: number, end: number | undefined, phase: FeedPhase, cancelled?: FeedOccurrence['cancelled']): FeedOccurrence {
  const stamp = new Date(start).toISOString().replaceAll(/[-:]|\.\d{3}/g, '')
  const owner = w.uid ?? `${w.namespace}.${w.name}`
  return {
    announce: start - announceMs(w.announce),
    namespace: w.namespace,
    phase,
    start,
    targets: w.targets.map((t) => formatTarget(t)),
    timezone: w.timezone,
    uid: `${owner}-${stamp}@kubectl-maintenance.io`,
    window: w.name,
    ...(end === undefined ? {} : {end}),
    ...(w.message === undefined ? {} : {message: w.message}),
    ...(w.reason === undefined ? {} : {reason: w.reason}),
    ...(w.contact === undefined ? {} : {contact: w.contact}),
    ...(cancelled ? {cancelled} : {}),
  }
}

/**
 * What an event says in the calendar, for its digest: a change of any of these raises its SEQUENCE. The phase
 * (Scheduled -> Active) is not part of it: the event itself did not change.
 */
export function eventContent(o: FeedOccurrence): unknown[] {
  return [o.uid, o.start, o.end ?? null, o.announce, o.targets, o.message ?? null, o.reason ?? null, o.contact ?? null, o.window, o.namespace, o.cancelled ?? null]
}

function digest(o: FeedOccurrence): string {
  return createHash('sha256').update(JSON.stringify(eventContent(o))).digest('hex').slice(0, 16)
}

/**
 * Each event's SEQUENCE and DTSTAMP: kept while its content is unchanged, SEQUENCE raised and DTSTAMP set to `now`
 * when it changed, 0 and `now` for an event seen for the first time. Events no longer shown are forgotten.
 */
export function nextFeedState(occurrences: FeedOccurrence[], previous: FeedState, now: number): FeedState {
  const state: FeedState = new Map()
  for (const o of occurrences) {
    const content = digest(o)
    const before = previous.get(o.uid)
    if (before && before.digest === content) state.set(o.uid, before)
    else state.set(o.uid, {digest: content, sequence: before ? before.sequence + 1 : 0, stamp: Math.floor(now / 1000) * 1000})
  }
  return state
}

/** SEQUENCE is an integer in iCalendar; a planted state cannot push it past this. */
const MAX_SEQUENCE = 2_147_483_647

/** The state annotation as written: {uid: [sequence, dtstamp ms, digest]}. */
export function encodeFeedState(state: FeedState): string {
  return JSON.stringify(Object.fromEntries([...state].map(([uid, entry]) => [uid, [entry.sequence, entry.stamp, entry.digest]])))
}

/** The state annotation read; it is on a tenant-writable ConfigMap, so anything that is not a state entry is dropped. */
export function decodeFeedState(text: string | undefined): FeedState {
  const state: FeedState = new Map()
  if (text === undefined) return state
  const parsed = parseBoundedJson(text, {maxBytes: 256 * 1024, maxDepth: 3})
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) return state
  for (const [uid, entry] of Object.entries(parsed.value as Record<string, unknown>)) {
    if (!Array.isArray(entry) || entry.length !== 3) continue
    const [sequence, stamp, content] = entry as unknown[]
    if (!Number.isSafeInteger(sequence) || (sequence as number) < 0 || (sequence as number) >= MAX_SEQUENCE) continue
    if (!Number.isSafeInteger(stamp) || (stamp as number) < 0 || typeof content !== 'string') continue
    state.set(uid, {digest: content, sequence: sequence as number, stamp: stamp as number})
  }
  return state
}

/** The feed of one namespace at `now`, continuing from the state stored with its last version. */
export function buildFeed(namespace: string, windows: Window[], previous: FeedState, now: number): Feed {
  const occurrences = feedOccurrences(windows.filter((w) => w.namespace === namespace), now)
  return {namespace, occurrences, state: nextFeedState(occurrences, previous, now)}
}

/**
 * A feed rebuilt at `now` stays exactly what a rebuild would write until the first instant any occurrence of its
 * windows starts or ends (an upcoming one becomes current, a current one leaves) or enters the 30-day horizon; and
 * until any window changes, which the inputs digest tells. It depends on the windows alone, not on when it was
 * computed, so a rebuild that finds the same content also finds the same validity and writes nothing.
 */
/** The first instant after `now` at which the feed of `windows` (one namespace) can differ from the one built at `now`. */
export function feedValidUntil(windows: Window[], now: number): number {
  let until = Number.MAX_SAFE_INTEGER
  for (const w of windows) {
    if (w.phase === 'Completed') continue
    const stopped = w.phase === 'Cancelled' || w.phase === 'Failed'
    const current = stopped ? undefined : currentInterval(w, now)
    if (current?.end !== undefined) until = Math.min(until, current.end)
    const [next] = occurrencesWithin(w, now + 1, Number.POSITIVE_INFINITY, 1)
    if (next) until = Math.min(until, next.start)
    const [entering] = occurrencesWithin(w, now + FEED_HORIZON_MS, Number.POSITIVE_INFINITY, 1)
    // The horizon excludes its end: an occurrence starting exactly at it enters a millisecond later.
    if (entering) until = Math.min(until, entering.start - FEED_HORIZON_MS + 1)
  }
  return until
}

/** Raised when what the feed shows for the same windows changes (the ICS or JSON layout, the horizon, the limits). */
const FEED_FORMAT = '1'

const FEED_PHASES = new Set(['Cancelled', 'Completed', 'Degraded', 'Failed'])

/** Everything of a namespace's windows the feed is built from (what passes write on them for themselves aside). */
export function feedInputsDigest(namespace: string, windows: Window[]): string {
  const hash = createHash('sha256').update(`${FEED_FORMAT}:${namespace.length}:${namespace}:`)
  const own = windows.filter((w) => w.namespace === namespace).sort((a, b) => a.name.localeCompare(b.name))
  for (const w of own) {
    const {history: _history, outside: _outside, phase, phaseMessage: _phaseMessage, resourceVersion: _resourceVersion, ...shown} = w
    // Of the phase, the feed shows only whether the window is finished, stopped or Degraded (Active comes from the time).
    const text = JSON.stringify([shown, phase !== undefined && FEED_PHASES.has(phase) ? phase : null])
    hash.update(`${text.length}:`).update(text)
  }
  return hash.digest('hex')
}

/** Binds a feed's validity to its inputs and to the content stored with it: an edit of either breaks it. */
export function feedValidityMark(inputs: string, validUntil: number, content: {json: string; ics: string; state: string}): string {
  const hash = createHash('sha256').update(`${inputs}:${validUntil}:`)
  for (const part of [content.json, content.ics, content.state]) hash.update(`${part.length}:`).update(part)
  return `${validUntil}.${hash.digest('hex')}`
}
