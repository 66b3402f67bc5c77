import type {KubeObject} from '../model/kube-object.js'
import type {Window} from '../model/window.js'

import {UserError} from '../model/errors.js'
import {appendHistory} from '../model/history.js'
import {ACTIVE_LABEL, DEFAULT_PAGE, LegacyAnnotation, TargetAnnotation, WindowAnnotation, WindowData} from '../model/keys.js'
import {isCustomPageName} from '../model/page-name.js'
import {type TargetRef, formatTarget, sameTarget} from '../model/target.js'
import {formatLocal, toRfc3339Utc} from '../model/time.js'
import {currentInterval, isOver, nextInterval} from '../model/window-schedule.js'

/** What `end` and `cancel` decide, from the windows and targets as read and the time; kube/ writes it, commands print it. */

export type CancelDecision = 'cancel' | 'end' | 'cancelled already' | 'ended already'

/** What cancelling means for a window as it stands at `now`. */
export function cancelDecision(window: Window, now: number): CancelDecision {
  if (window.phase === 'Cancelled') return 'cancelled already'
  if (window.phase === 'Completed' || isOver(window, now)) return 'ended already'
  // A series between occurrences has nothing to restore: it is Cancelled (an end would read as Completed, never applied).
  return window.start > now || (window.every !== undefined && currentInterval(window, now) === undefined) ? 'cancel' : 'end'
}

/** The windows `cancel TARGET` stops: every one naming the target that is in progress or still to come. */
export function cancellableWindowsOf(windows: Window[], ref: TargetRef, now: number): Window[] {
  return windows.filter((w) => w.targets.some((t) => sameTarget(t, ref)) && (cancelDecision(w, now) === 'cancel' || cancelDecision(w, now) === 'end'))
}

/** The data to write with annotations that change a window's phase: its history with the transition, by `actor`. */
export function historyData(window: Window, annotations: Record<string, string | null>, now: number, actor: string): Record<string, string> | undefined {
  const phase = annotations[WindowAnnotation.phase]
  if (typeof phase !== 'string') return undefined
  const message = annotations[WindowAnnotation.phaseMessage] ?? ''
  return {[WindowData.history]: appendHistory(window.history, {at: now, by: actor, message, phase})}
}

/** The annotations that mark a window that has not started Cancelled. */
export function cancelAnnotations(window: Window, now: number): Record<string, string> {
  const annotations: Record<string, string> = {[WindowAnnotation.phase]: 'Cancelled', [WindowAnnotation.phaseMessage]: `cancelled at ${formatLocal(now, window.timezone)}`}
  // A series that has begun gets an end, so no occurrence follows and its retention (install --keep) counts from now.
  if (window.every && window.start < now && (window.end === undefined || window.end > now)) annotations[WindowAnnotation.end] = toRfc3339Utc(endInstant(window, now))
  return annotations
}

/**
 * The end to write when a started window is ended at `now`: on a whole second (annotations are RFC 3339 without
 * fractions) and never at or before the start, which would make the window invalid.
 */
export function endInstant(window: Window, now: number): number {
  return Math.max(Math.ceil(now / 1000) * 1000, window.start + 1000)
}

export interface EndChange {
  annotations: Record<string, string>
  /** When it ends. */
  end: number
  /** A recurring window that goes on: the start of its next occurrence (undefined: none). */
  next?: number
}

/**
 * Ending a started window at `now`. A one-off window gets its end. A recurring one ends only the occurrence in
 * progress: the recurrence now begins after `now` (its start moves to the next whole second), so the occurrence that
 * began before no longer counts. When its own end has passed, or it is ended whole, it gets an end; and since an
 * occurrence in progress would still run its full duration past that end (window-schedule.ts), it is also marked
 * Cancelled, which the engine never applies: the targets are restored now, as the user asked.
 */
export function endChange(window: Window, now: number, whole = false): EndChange {
  const end = endInstant(window, now)
  if (window.every && !whole && (window.end === undefined || end < window.end)) {
    return {annotations: {[WindowAnnotation.start]: toRfc3339Utc(end)}, end, next: nextInterval({...window, start: end}, now)?.start}
  }
  const annotations: Record<string, string> = {[WindowAnnotation.end]: toRfc3339Utc(end)}
  if (window.every && currentInterval(window, now)) {
    annotations[WindowAnnotation.phase] = 'Cancelled'
    annotations[WindowAnnotation.phaseMessage] = `ended during an occurrence at ${formatLocal(end, window.timezone)}; no later occurrence`
  }
  return {annotations, end}
}

/** A window named to `end`: the one to end, or a note on why there is nothing to do; one that has not started is a user error. */
export function endableWindow(window: Window, now: number): {window?: Window; note?: string} {
  if (window.phase === 'Cancelled') return {note: `window ${window.name} was cancelled; nothing to do`}
  if (window.start > now) {
    throw new UserError(`window ${window.name} has not started (it starts ${formatLocal(window.start, window.timezone)}); use kubectl maintenance cancel ${window.name}`)
  }
  if (window.phase === 'Completed' || isOver(window, now)) return {note: `window ${window.name} has already ended; nothing to do`}
  return {window}
}

/** The active windows that name a target. */
export function activeWindowsOf(windows: Window[], ref: TargetRef, now: number): Window[] {
  return windows.filter((w) => w.phase !== 'Cancelled' && w.targets.some((t) => sameTarget(t, ref)) && currentInterval(w, now))
}

const ENABLE_ANNOTATIONS = [TargetAnnotation.enabled, LegacyAnnotation.enabled]

/**
 * The enable annotations to remove from a target named to `end`. A target neither annotated, in maintenance, nor in
 * an active window is a user error.
 */
export function enableAnnotationsToRemove(object: KubeObject | undefined, ref: TargetRef, namespace: string, hasActiveWindow: boolean): string[] {
  if (!object) {
    if (hasActiveWindow) return []
    throw new UserError(`${formatTarget(ref)} not found in namespace ${namespace}`)
  }
  const annotations = ENABLE_ANNOTATIONS.filter((key) => object.metadata.annotations?.[key] !== undefined)
  if (annotations.length === 0 && !hasActiveWindow && object.metadata.labels?.[ACTIVE_LABEL] !== 'true') {
    throw new UserError(`${formatTarget(ref)} is not in maintenance in namespace ${namespace}: no active window names it and it has no enable annotation`)
  }
  return annotations
}

/** What `extend` asks for: a length to add to the current end, or the new end itself (read lazily, in a zone, after the start). */
export type EndRequest = {byMs: number} | {until: (zone: string, after: number) => number}

/** The new end of a one-off window that `extend` moves; one that is over, open-ended (with --by) or would end in the past is a user error. */
export function extendedEnd(window: Window, now: number, request: EndRequest): number {
  const {name} = window
  if (window.phase === 'Cancelled' || window.phase === 'Completed') {
    throw new UserError(`window ${name} is ${window.phase}; schedule a new window with kubectl maintenance schedule`)
  }
  if ('byMs' in request && window.end === undefined) throw new UserError(`window ${name} has no end; use --until`)
  const end = 'byMs' in request ? (window.end as number) + request.byMs : request.until(window.timezone, window.start)
  const local = (ms: number): string => formatLocal(ms, window.timezone)
  if (end <= window.start) throw new UserError(`the new end ${local(end)} is not after the window's start ${local(window.start)}`)
  if (end <= now) throw new UserError(`the new end ${local(end)} is not in the future (now: ${local(now)}); to end the window now use kubectl maintenance end ${name}`)
  return end
}

/**
 * An occurrence's length comes from the recurrence, shared by every occurrence; so `extend` lengthens the one in
 * progress with a one-off window over the same targets from now (on the second) to the new end: overlapping windows keep
 * a target in maintenance, and the one that started last (this one) decides the page, whose Retry-After becomes the new end.
 */
export function occurrenceExtension(window: Window, now: number, request: EndRequest): Omit<Window, 'name'> {
  const {name} = window
  const occurrence = window.phase === 'Cancelled' ? undefined : currentInterval(window, now)
  if (occurrence?.end === undefined) {
    throw new UserError(`window ${name} recurs ("${window.every}" for ${window.duration}) and no occurrence is in progress; extend lengthens the one in progress. To make every occurrence longer, schedule a new window with a longer --duration and cancel this one`)
  }
  const end = 'byMs' in request ? occurrence.end + request.byMs : request.until(window.timezone, occurrence.start)
  if (end <= occurrence.end) {
    const local = (ms: number): string => formatLocal(ms, window.timezone)
    throw new UserError(`the new end ${local(end)} is not after the end of the occurrence in progress (${local(occurrence.end)}); to end it now use kubectl maintenance end ${name}`)
  }
  const {contact, message, namespace, page, reason, targets, timezone} = window
  return {contact, end, extends: name, message, namespace, page, reason, start: Math.floor(now / 1000) * 1000, targets, timezone}
}

/**
 * The new end of the extension of `series` that `extend` moves again: a length adds to the extension's end; the end may
 * come earlier, but not before the occurrence's own end (to end it now, `end` the series).
 */
export function movedExtensionEnd(series: Window, extension: Window, now: number, request: EndRequest): number {
  const end = extendedEnd(extension, now, request)
  const occurrence = currentInterval(series, now)
  if (occurrence?.end !== undefined && end <= occurrence.end) {
    const local = (ms: number): string => formatLocal(ms, series.timezone)
    throw new UserError(`the new end ${local(end)} is not after the end of the occurrence in progress (${local(occurrence.end)}); to end it now use kubectl maintenance end ${series.name}`)
  }
  return end
}

/**
 * The one-off windows `extend` made for `series` that are still running at `now`: `end` of the series ends them too
 * (else the outage goes on), and `extend` again moves the end of the latest one instead of adding another.
 */
export function activeExtensionsOf(windows: Window[], series: Window, now: number): Window[] {
  return windows
    .filter((w) => w.extends === series.name && w.namespace === series.namespace && !w.every && w.phase !== 'Cancelled' && currentInterval(w, now) !== undefined)
    .sort((a, b) => a.start - b.start)
}

/**
 * What `set-page` does to a window at `now`: nothing when it already shows that page (twice is once); 'active' when
 * the targets must be switched to the new page's backend now; 'later' for a window still to come. A finished window
 * or a name that cannot be a page is a user error.
 */
export function pageChange(window: Window, page: string, now: number): 'unchanged' | 'active' | 'later' {
  if (page !== DEFAULT_PAGE && !isCustomPageName(page)) {
    throw new UserError(`page "${page}" is not a valid page name: use "${DEFAULT_PAGE}" or lowercase letters, digits and '-'; see kubectl maintenance page list`)
  }
  if (window.phase === 'Cancelled' || window.phase === 'Completed' || isOver(window, now)) {
    throw new UserError(`window ${window.name} is ${window.phase === 'Cancelled' ? 'Cancelled' : 'over'}; its page no longer matters (schedule a new window with --page ${page})`)
  }
  if (window.page === page) return 'unchanged'
  return currentInterval(window, now) ? 'active' : 'later'
}
