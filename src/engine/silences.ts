/**
 * Which Alertmanager silences a window should have, decided purely (issue 17): while an occurrence is active, one
 * per matcher set (silence-matchers.ts), from now until the occurrence's end plus the grace period; otherwise none.
 * The silence ids are kept on the window; a silence is updated or expired only when Alertmanager says it is one the
 * engine made for this very window (its comment names the window's uid): a tenant who writes another silence's id
 * onto their window cannot make the privileged pass end it.
 */
import type {Window} from '../model/window.js'

import {parseBoundedJson} from '../model/bounded-json.js'
import {type AlertmanagerSettings} from '../model/notify-config.js'
import {type SilenceMatcher, silenceSpecs} from '../model/silence-matchers.js'
import {currentInterval} from '../model/window-schedule.js'

export const SILENCE_CREATOR = 'kubectl-maintenance'
/** An open-ended window's silence is kept this far ahead, and moved on once less than half of it is left. */
export const OPEN_ENDED_SILENCE_MS = 60 * 60_000
/** An end within this of the wanted one needs no update (Alertmanager stores times to the nanosecond). */
const END_TOLERANCE_MS = 1000
const RECORD_LIMITS = {maxBytes: 4096, maxDepth: 3}

export interface WantedSilence {
  group: string
  matchers: SilenceMatcher[]
  endsAt: number
  comment: string
}

/** A silence as Alertmanager's API v2 returns it (gettableSilence). */
export interface GettableSilence {
  id: string
  status: {state: 'expired' | 'active' | 'pending'}
  matchers: Array<{name: string; value: string; isRegex: boolean; isEqual?: boolean}>
  startsAt: string
  endsAt: string
  createdBy: string
  comment: string
}

/** The silence ids recorded on the window, by group; anything else counts as none. */
export function parseSilenceRecord(text: string | undefined): Record<string, string> {
  if (text === undefined) return {}
  const parsed = parseBoundedJson(text, RECORD_LIMITS)
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) return {}
  return Object.fromEntries(Object.entries(parsed.value).filter(([group, id]) => /^[a-z]{1,20}$/.test(group) && typeof id === 'string' && /^[-0-9a-fA-F]{1,64}$/.test(id)))
}

/** The mark in a silence's comment that says which window it belongs to. */
export function ownerMark(w: Pick<Window, 'namespace' | 'name' | 'uid'>): string {
  return `window ${w.namespace}/${w.name} (uid ${w.uid ?? ''})`
}

/** The silences `w` should have now: none unless an occurrence is active (phase Active or Degraded). */
export function wantedSilences(w: Window, now: number, settings: AlertmanagerSettings): WantedSilence[] {
  if (w.uid === undefined || (w.phase !== 'Active' && w.phase !== 'Degraded')) return []
  const interval = currentInterval(w, now)
  if (!interval) return []
  const endsAt = (interval.end ?? now + OPEN_ENDED_SILENCE_MS) + settings.graceMs
  const comment = `kubectl-maintenance: ${ownerMark(w)} is in maintenance`
  return silenceSpecs(settings.matchers, w.namespace, w.name, w.targets).map((spec) => ({...spec, comment, endsAt}))
}

export type SilenceStep = {type: 'keep'} | {type: 'create'} | {type: 'update'; startsAt: string}

/**
 * What to do about one wanted silence, given what Alertmanager has under the recorded id: nothing, make a new one
 * (none, expired, deleted by hand, or not ours), or move its end (`extend`) by posting it again with its id.
 */
export function silenceStep(w: Window, wanted: WantedSilence, existing: GettableSilence | undefined, now: number, openEnded: boolean): SilenceStep {
  if (!existing || existing.status.state === 'expired' || !ownedBy(existing, w)) return {type: 'create'}
  const end = Date.parse(existing.endsAt)
  const sameMatchers = JSON.stringify(normalized(existing.matchers)) === JSON.stringify(normalized(wanted.matchers))
  const endFits = openEnded ? end - now > OPEN_ENDED_SILENCE_MS / 2 : Math.abs(end - wanted.endsAt) < END_TOLERANCE_MS
  if (sameMatchers && endFits) return {type: 'keep'}
  return sameMatchers ? {startsAt: existing.startsAt, type: 'update'} : {type: 'create'}
}

/** Whether Alertmanager's silence is one the engine made for this window (and so may be moved or expired). */
export function ownedBy(silence: Pick<GettableSilence, 'createdBy' | 'comment'>, w: Pick<Window, 'namespace' | 'name' | 'uid'>): boolean {
  return w.uid !== undefined && silence.createdBy === SILENCE_CREATOR && silence.comment.includes(ownerMark(w))
}

function normalized(matchers: Array<{name: string; value: string; isRegex: boolean; isEqual?: boolean}>): string[] {
  return matchers.map((m) => JSON.stringify([m.name, m.value, m.isRegex, m.isEqual ?? true])).sort()
}
