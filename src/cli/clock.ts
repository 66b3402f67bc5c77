import {type Clock, systemClock} from '../model/clock.js'
import {UserError} from '../model/errors.js'

/**
 * Test-only: KUBECTL_MAINTENANCE_NOW (RFC 3339) pins the clock of every command so command tests print the same
 * thing on every run. Not documented for users; the in-cluster engine never reads it.
 */
export const NOW_ENV = 'KUBECTL_MAINTENANCE_NOW'

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i

/** The current time in epoch ms. */
export function now(env: NodeJS.ProcessEnv = process.env): number {
  const pinned = env[NOW_ENV]
  if (!pinned) return Date.now()
  const ms = Date.parse(pinned)
  if (!RFC3339.test(pinned) || Number.isNaN(ms)) {
    throw new UserError(`${NOW_ENV}="${pinned}" is not an RFC 3339 time such as 2026-12-24T20:00:00Z`)
  }
  return ms
}

/** A running clock for the engine passes that commands start: from the pinned time when there is one, advancing in real time. */
export function commandClock(env: NodeJS.ProcessEnv = process.env): Clock {
  const offset = now(env) - Date.now()
  return {now: () => Date.now() + offset, sleep: systemClock.sleep}
}
