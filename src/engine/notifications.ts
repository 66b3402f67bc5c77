/**
 * Which webhook notifications a window is owed (issue 17), decided purely from the window as stored and the ledger of
 * what was sent, which the engine keeps on the window. Derived, not remembered: a pass killed after writing a phase
 * but before notifying leaves the notification due, and the next pass sends it; a ledger entry written after sending
 * means no pass sends it again (only a kill between the two sends it once more, with the same key).
 */
import type {InvalidWindow} from './types.js'
import type {Window} from '../model/window.js'

import {announceMs} from '../model/exceptions.js'
import {DEFAULT_PAGE} from '../model/keys.js'

import {parseBoundedJson} from '../model/bounded-json.js'
import {toRfc3339Utc} from '../model/time.js'
import {currentInterval, nextInterval} from '../model/window-schedule.js'

export const TRANSITIONS = ['Scheduled', 'Announced', 'Active', 'Extended', 'Completed', 'Failed', 'Cancelled', 'Degraded'] as const
export type Transition = (typeof TRANSITIONS)[number]

/** Ledger entries kept on the window: several occurrences' worth (each has at most six). */
export const MAX_LEDGER_ENTRIES = 32
/**
 * How long a claim (an entry written before its POST, so that a concurrent pass does not send it too) holds: longer
 * than a live pass takes from claiming to recording (three attempts of 5 s and the waits between them), shorter than
 * the minute between CronJob passes, so a claim left by a killed pass is sent by the next one.
 */
export const CLAIM_TTL_MS = 30_000
const LEDGER_LIMITS = {maxBytes: 16 * 1024, maxDepth: 4}

const OPENING: readonly Transition[] = ['Active', 'Extended', 'Degraded']
const CLOSING: readonly Transition[] = ['Completed', 'Failed', 'Cancelled']

export interface LedgerEntry {
  key: string
  transition: Transition
  /** Start of the occurrence (epoch ms). */
  occurrence: number
  /** The occurrence's end as announced; absent: open-ended. */
  end?: number
  /** When it was sent (or claimed). */
  at: number
  /** Claimed by a pass that has not yet recorded it sent: counts as sent only within CLAIM_TTL_MS of `at`. */
  claimed?: boolean
}

export interface Notification {
  window: {namespace: string; name: string; uid: string}
  key: string
  transition: Transition
  occurrence: number
  end?: number
}

/** The idempotency key: the window's uid, the occurrence's start, the transition (an extension also its new end). */
export function notificationKey(uid: string, occurrence: number, transition: Transition, end?: number): string {
  const base = `${uid}/${toRfc3339Utc(occurrence)}/${transition}`
  return transition === 'Extended' ? `${base}/${end === undefined ? 'open' : toRfc3339Utc(end)}` : base
}

/** The ledger as stored; anything that is not one (a tenant's edit, a truncated value) counts as empty. */
export function parseLedger(text: string | undefined): LedgerEntry[] {
  if (text === undefined) return []
  const parsed = parseBoundedJson(text, LEDGER_LIMITS)
  if (!parsed.ok || !Array.isArray(parsed.value)) return []
  return parsed.value.flatMap((item): LedgerEntry[] => {
    if (!Array.isArray(item) || (item.length !== 5 && item.length !== 6)) return []
    const [key, transition, occurrence, end, at, claimed] = item as unknown[]
    const valid =
      (claimed === undefined || claimed === 1) &&
      typeof key === 'string' &&
      (TRANSITIONS as readonly unknown[]).includes(transition) &&
      Number.isSafeInteger(occurrence) &&
      (end === null || Number.isSafeInteger(end)) &&
      Number.isSafeInteger(at)
    if (!valid) return []
    return [{at: at as number, key, occurrence: occurrence as number, transition: transition as Transition, ...(end === null ? {} : {end: end as number}), ...(claimed === 1 ? {claimed: true} : {})}]
  })
}

/**
 * The ledger with `sent` added, bounded: an occurrence's older extensions are dropped first (only the latest end
 * decides whether another is due), then the oldest entries.
 */
export function formatLedger(entries: LedgerEntry[], sent: LedgerEntry[]): string {
  const all = [...entries, ...sent.filter((entry) => !entries.some((other) => other.key === entry.key))]
  const latestExtension = new Map<number, LedgerEntry>()
  for (const entry of all) if (entry.transition === 'Extended') latestExtension.set(entry.occurrence, entry)
  const kept = all.filter((entry) => entry.transition !== 'Extended' || latestExtension.get(entry.occurrence) === entry).slice(-MAX_LEDGER_ENTRIES)
  return JSON.stringify(kept.map((entry) => [entry.key, entry.transition, entry.occurrence, entry.end ?? null, entry.at, ...(entry.claimed ? [1] : [])]))
}

/**
 * The entries that count at `now`: every one recorded as sent, and the claims still held (a claim from a clock a little
 * ahead holds too; one planted far ahead does not, so no claim silences a window for good).
 */
export function effectiveLedger(entries: LedgerEntry[], now: number): LedgerEntry[] {
  return entries.filter((entry) => !entry.claimed || Math.abs(now - entry.at) < CLAIM_TTL_MS)
}

/**
 * The notifications `w` is owed at `now` and not yet sent, oldest first. What the phase annotation says is what
 * happened (the engine writes it only once the switch or restore is done), so a notification never runs ahead of
 * the cluster. An occurrence that opened (Active) and is no longer current is closed with Completed (or the phase
 * that ended it: Cancelled, Failed).
 */
export function dueNotifications(w: Window, now: number, announceLeadMs = announceMs(w.announce), alsoSent: ReadonlySet<string> = new Set()): Notification[] {
  const {phase, uid} = w
  if (uid === undefined || phase === undefined) return []
  const ledger = effectiveLedger(parseLedger(w.outside?.notifications), now)
  const sent = new Set([...ledger.map((entry) => entry.key), ...alsoSent])
  const due: Notification[] = []
  const add = (transition: Transition, occurrence: number, end?: number) => {
    const key = notificationKey(uid, occurrence, transition, end)
    if (sent.has(key) || due.some((other) => other.key === key)) return
    due.push({end, key, occurrence, transition, window: {name: w.name, namespace: w.namespace, uid}})
  }
  const current = phase === 'Active' || phase === 'Degraded' ? currentInterval(w, now) : undefined
  const closed = new Set(ledger.filter((entry) => CLOSING.includes(entry.transition)).map((entry) => entry.occurrence))
  const open = [...new Set(ledger.filter((entry) => OPENING.includes(entry.transition)).map((entry) => entry.occurrence))].filter(
    (occurrence) => !closed.has(occurrence) && occurrence !== current?.start,
  )
  const closing: Transition = phase === 'Cancelled' || phase === 'Failed' ? phase : 'Completed'
  for (const occurrence of open) add(closing, occurrence, ledger.find((entry) => entry.occurrence === occurrence)?.end)

  switch (phase) {
    case 'Scheduled': {
      const next = nextInterval(w, now)
      if (!next) break
      add('Scheduled', next.start, next.end)
      if (now >= next.start - announceLeadMs) add('Announced', next.start, next.end)
      break
    }

    case 'Active':
    case 'Degraded': {
      // Phase and clock disagree for the moment before the engine writes the end: nothing until it has.
      if (!current) break
      const announced = ledger.filter((entry) => entry.occurrence === current.start && (entry.transition === 'Active' || entry.transition === 'Extended')).at(-1)
      add('Active', current.start, current.end)
      if (phase === 'Degraded') add('Degraded', current.start, current.end)
      // Only a later end is an extension; an earlier one is an end on its way, told by Completed.
      if (announced && isLater(current.end, announced.end)) add('Extended', current.start, current.end)
      break
    }

    default: {
      if (open.length > 0 || ledger.some((entry) => entry.transition === phase)) break
      const last = ledger.at(-1)
      add(phase, last?.occurrence ?? w.start, last ? last.end : w.end)
    }
  }
  return due
}

function isLater(end: number | undefined, than: number | undefined): boolean {
  if (than === undefined) return false
  return end === undefined || end > than
}

export function ledgerEntry(notification: Notification, at: number, claimed = false): LedgerEntry {
  const {end, key, occurrence, transition} = notification
  return {at, key, occurrence, transition, ...(end === undefined ? {} : {end}), ...(claimed ? {claimed} : {})}
}

/**
 * What the world outside is owed for a window that failed for being invalid (a tenant's edit, a typo at creation): it
 * decodes to no Window, but it is a transition like any other. A stand-in carrying what is known (names, uid, the
 * problems, the records of what was sent) lets the same code send Failed (closing an occurrence announced as Active)
 * and expire its silences. Only once it is marked Failed: until then it is not the engine's to speak of.
 */
export function failedWindowStandIn(invalid: InvalidWindow): Window | undefined {
  if (invalid.phase !== 'Failed' || invalid.uid === undefined) return undefined
  return {
    name: invalid.name,
    namespace: invalid.namespace,
    outside: invalid.outside,
    page: DEFAULT_PAGE,
    phase: 'Failed',
    phaseMessage: `invalid window: ${invalid.problems.join('; ')}`,
    start: invalid.start ?? 0,
    targets: [],
    timezone: 'UTC',
    uid: invalid.uid,
  }
}
