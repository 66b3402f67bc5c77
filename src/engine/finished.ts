import type {Window} from '../model/window.js'

/**
 * Finished windows: what `list` hides unless --all, and what the pass deletes once the install's retention has passed.
 * Completed and Cancelled are final; Failed stays visible (someone has to look at it), as does a window whose phase
 * says it should still run (overdue: the CronJob is late).
 */
export function isFinished(w: Window): boolean {
  return w.phase === 'Completed' || w.phase === 'Cancelled'
}

/** When a finished window stopped mattering: its end, or its start when that is later (cancelled before it began). */
export function finishedAt(w: Window): number | undefined {
  if (!isFinished(w)) return undefined
  return Math.max(w.start, w.end ?? w.start)
}

/** Default retention of finished windows (`install --keep`). */
export const DEFAULT_KEEP_MS = 7 * 86_400_000

/** Whether the pass deletes a finished window at `now`, keeping them `keepMs` after they finished. */
export function isExpired(w: Window, now: number, keepMs: number): boolean {
  const at = finishedAt(w)
  return at !== undefined && at + keepMs <= now
}
