import type {Window} from '../model/window.js'
import type {WindowDraft} from './new-window.js'

import {UserError} from '../model/errors.js'
import {type TargetRef, formatTarget, formatTargets, sameTarget} from '../model/target.js'
import {formatLocal} from '../model/time.js'
import {currentInterval} from '../model/window-schedule.js'

/**
 * Twice is once: running a command again with the same arguments changes nothing. These decide it from the windows as
 * read; commands print what they return and write nothing when told so.
 */

const FINISHED = new Set(['Cancelled', 'Completed', 'Failed'])

/** The window that keeps each target in maintenance at `now` (the one that started last), for the targets that have one. */
export function coveringWindows(windows: Window[], targets: TargetRef[], now: number): Map<TargetRef, Window> {
  const covering = new Map<TargetRef, Window>()
  for (const target of targets) {
    const active = windows
      .filter((w) => !FINISHED.has(w.phase ?? '') && w.targets.some((t) => sameTarget(t, target)))
      .map((w) => ({interval: currentInterval(w, now), w}))
      .filter((entry) => entry.interval !== undefined)
      .sort((a, b) => (b.interval?.start ?? 0) - (a.interval?.start ?? 0))
    if (active.length > 0) covering.set(target, active[0].w)
  }
  return covering
}

/**
 * `now` on targets an open window already keeps in maintenance: a note to print and nothing to write (undefined: go
 * ahead). Only some of them covered is a user error, since a second window for those would be made silently.
 */
export function nowAlreadyApplied(windows: Window[], targets: TargetRef[], now: number, force: boolean): string | undefined {
  if (force) return undefined
  const covering = coveringWindows(windows, targets, now)
  if (covering.size === 0) return undefined
  const by = [...covering].map(([target, w]) => `${formatTarget(target)} by window ${w.name}${w.end === undefined && !w.every ? '' : ` (until ${formatLocal(currentInterval(w, now)?.end ?? 0, w.timezone)})`}`)
  if (covering.size < targets.length) {
    const rest = targets.filter((t) => !covering.has(t))
    throw new UserError(`already in maintenance: ${by.join(', ')}; run now for ${formatTargets(rest)} only, or add --force for a second window over all of them`)
  }
  return `already in maintenance: ${by.join(', ')}; nothing changed (extend or end that window, or add --force for a second window)`
}

/** An unfinished window with the same targets and times as the draft: scheduling it again is AlreadyExists, not a copy. */
export function identicalWindow(windows: Window[], draft: WindowDraft): Window | undefined {
  const sameTargets = (w: Window): boolean => w.targets.length === draft.targets.length && w.targets.every((t) => draft.targets.some((d) => sameTarget(d, t)))
  return windows.find(
    (w) =>
      !FINISHED.has(w.phase ?? '') &&
      w.namespace === draft.namespace &&
      sameTargets(w) &&
      w.start === draft.start &&
      w.end === draft.end &&
      w.every === draft.every &&
      w.duration === draft.duration &&
      w.page === draft.page,
  )
}

export function alreadyExistsError(existing: Window): UserError {
  return new UserError(
    `window "${existing.name}" already exists in namespace ${existing.namespace} for ${formatTargets(existing.targets)} with the same times and page (AlreadyExists); ` +
      'nothing was written. Change it with kubectl maintenance extend or set-page, or give --name for a second window',
  )
}
