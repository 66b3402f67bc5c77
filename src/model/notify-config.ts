/**
 * Install-level settings for what leaves the cluster (issue 17): the webhook that hears of every transition and the
 * Alertmanager that silences alerts during a window. Only `install` (the platform team) sets them: the pass runs with
 * the engine's privileges, so no URL ever comes from a tenant's window.
 */
import {parseDuration} from './duration.js'
import {UserError} from './errors.js'

export const NOTIFY_FORMATS = ['generic', 'slack'] as const
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number]

export interface NotifySettings {
  url: string
  format: NotifyFormat
}

export interface AlertmanagerSettings {
  /** The Alertmanager's base URL; the API lives under `<url>/api/v2`. */
  url: string
  /** How long a silence outlasts its window's end (alerts take a while to resolve once the site is back). */
  graceMs: number
  /** The matcher template (see silence-matchers.ts); absent: namespace and the targets' names. */
  matchers?: string
}

export const DEFAULT_SILENCE_GRACE_MS = 5 * 60_000
const MAX_URL_LENGTH = 2048

/**
 * A webhook or Alertmanager URL: http or https, a host, no fragment. `secret` says whether it carries credentials
 * (user info or a query, where tokens live; a Slack incoming webhook keeps its token in the path): those are written to the
 * Secret, never to the ConfigMap.
 */
export function parseEndpointUrl(text: string, flag: string, format: NotifyFormat = 'generic'): {url: string; secret: boolean} {
  const trimmed = text.trim()
  const example = `e.g. ${flag} https://hooks.example.com/maintenance`
  let url: URL
  try {
    url = new URL(trimmed)
  } catch {
    throw new UserError(`${flag} "${text}" is not a URL; give an absolute http(s) URL, ${example}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserError(`${flag} "${redact(url)}" must use http or https, not ${url.protocol.replace(':', '')}; ${example}`)
  if (url.hostname === '') throw new UserError(`${flag} "${redact(url)}" has no host; ${example}`)
  if (url.hash !== '') throw new UserError(`${flag} "${redact(url)}" has a #fragment, which is never sent to a server; remove it`)
  if (trimmed.length > MAX_URL_LENGTH) throw new UserError(`${flag} is ${trimmed.length} characters long; at most ${MAX_URL_LENGTH} are accepted`)
  const secret = url.username !== '' || url.password !== '' || url.search !== '' || format === 'slack'
  return {secret, url: url.toString()}
}

/** A URL for messages: credentials and query left out, so logs and Events never carry a token. */
export function redact(url: URL | string): string {
  let parsed: URL
  try {
    parsed = typeof url === 'string' ? new URL(url) : url
  } catch {
    return '(not a URL)'
  }
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : '/…'}`
}

export function parseNotifyFormat(text: string, flag = '--notify-format'): NotifyFormat {
  const value = text.trim().toLowerCase()
  if (!(NOTIFY_FORMATS as readonly string[]).includes(value)) throw new UserError(`${flag} "${text}" is not one of ${NOTIFY_FORMATS.join(', ')}, e.g. ${flag} slack`)
  return value as NotifyFormat
}

export function parseSilenceGrace(text: string, flag = '--silence-grace'): number {
  let ms: number
  try {
    ms = parseDuration(text).ms
  } catch (error) {
    throw new UserError(`${flag}: ${(error as Error).message}`)
  }
  if (ms > 7 * 24 * 3_600_000) throw new UserError(`${flag} "${text}" is longer than 7d; a silence should end soon after its window, e.g. ${flag} 5m`)
  return ms
}
