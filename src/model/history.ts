import {parseBoundedJson} from './bounded-json.js'
import {parseRfc3339, toRfc3339Utc} from './time.js'

/**
 * The transitions kept on a window (SPEC §7: the `history` data key of the window ConfigMap), as JSON: an array of
 * {time, phase, message, by}, oldest first, at most the last 50. Each entry is written in the same request as the
 * phase change it records, so a pass killed anywhere neither loses nor repeats one. The value is tenant-writable:
 * it is read within limits, entries that are not entries are dropped, and texts are cut.
 */
export interface HistoryEntry {
  /** RFC 3339, UTC. */
  time: string
  phase: string
  message: string
  /** `cronjob` for the in-cluster pass, else the kubeconfig user who ran the command (or the pass it started). */
  by: string
}

export const MAX_HISTORY_ENTRIES = 50
/** Per entry message; 50 of them stay far below what a ConfigMap holds. */
const MAX_MESSAGE_CHARS = 1000
const MAX_BY_CHARS = 253
const MAX_HISTORY_BYTES = 256 * 1024
/** Who made a transition when it was the in-cluster CronJob's pass. */
export const CRONJOB_ACTOR = 'cronjob'

/** The entries as stored; a value that is not a history reads as an empty one (with why). */
export function parseHistory(text: string | undefined): {entries: HistoryEntry[]; problem?: string} {
  if (text === undefined || text.trim() === '') return {entries: []}
  const parsed = parseBoundedJson(text, {maxBytes: MAX_HISTORY_BYTES, maxDepth: 4})
  if (!parsed.ok) return {entries: [], problem: `history is not readable: ${parsed.problem}`}
  if (!Array.isArray(parsed.value)) return {entries: [], problem: 'history is not a JSON array of entries'}
  const entries = parsed.value.filter((entry): entry is HistoryEntry => isEntry(entry)).map((entry) => bounded(entry))
  const dropped = parsed.value.length - entries.length
  return dropped > 0 ? {entries: entries.slice(-MAX_HISTORY_ENTRIES), problem: `${dropped} entr${dropped === 1 ? 'y is' : 'ies are'} not history entries and were left out`} : {entries: entries.slice(-MAX_HISTORY_ENTRIES)}
}

/** The stored history with one more entry, keeping the last 50: the value written with the phase change. */
export function appendHistory(text: string | undefined, entry: {at: number; phase: string; message: string; by: string}): string {
  const {entries} = parseHistory(text)
  entries.push(bounded({by: entry.by, message: entry.message, phase: entry.phase, time: toRfc3339Utc(Math.floor(entry.at / 1000) * 1000)}))
  return JSON.stringify(entries.slice(-MAX_HISTORY_ENTRIES))
}

function isEntry(value: unknown): value is HistoryEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const entry = value as Record<string, unknown>
  return (
    typeof entry.time === 'string' &&
    parseRfc3339(entry.time) !== undefined &&
    typeof entry.phase === 'string' &&
    typeof entry.message === 'string' &&
    typeof entry.by === 'string'
  )
}

function bounded(entry: HistoryEntry): HistoryEntry {
  return {
    by: cut(entry.by, MAX_BY_CHARS),
    message: cut(entry.message, MAX_MESSAGE_CHARS),
    phase: cut(entry.phase, 32),
    time: entry.time,
  }
}

function cut(text: string, max: number): string {
  const chars = [...text]
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`
}
