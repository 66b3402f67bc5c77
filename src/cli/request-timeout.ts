import {UserError} from '../model/errors.js'

/**
 * kubectl leaves requests unbounded by default (`--request-timeout=0`), and so a hung API server hangs it forever.
 * Ours bounds each request by 30 s unless told otherwise: far above what a healthy API server takes for any request we
 * send (lists come in chunks of 500), low enough that a hung one is reported while someone is still watching.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000

export const REQUEST_TIMEOUT_DESCRIPTION =
  'How long to wait for each server request before giving up, kubectl-style: 5s, 1m, 1m30s, 500ms (a bare number is seconds); 0 waits forever. Default: 30s.'

const UNITS_MS: Record<string, number> = {h: 3_600_000, m: 60_000, ms: 1, ns: 1e-6, s: 1000, us: 1e-3, µs: 1e-3}

/** `--request-timeout` as kubectl reads it: a Go duration (`1m30s`, `500ms`, `1.5h`) or whole seconds (`5`); 0 means none. */
export function parseRequestTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_REQUEST_TIMEOUT_MS
  const trimmed = text.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)]
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== trimmed) {
    throw new UserError(`invalid --request-timeout "${text}": give a duration such as 5s, 1m or 1m30s (0 waits forever)`)
  }
  return Math.round(parts.reduce((ms, [, amount, unit]) => ms + Number(amount) * UNITS_MS[unit], 0))
}
