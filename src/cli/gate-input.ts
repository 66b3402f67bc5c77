import {Flags} from '@oclif/core'
import {randomBytes} from 'node:crypto'

import {parseDuration} from '../model/duration.js'
import {UserError} from '../model/errors.js'
import {
  BYPASS_HEADER,
  BYPASS_PATH,
  DEFAULT_BYPASS_TTL_SECONDS,
  type GateSettings,
  MIN_BYPASS_TTL_SECONDS,
  base64url,
  bypassDigest,
  cidrProblem,
  exceptProblem,
  secretProblem,
} from '../render/gate.js'

/** The gate's flags, shared by schedule, now and preview. */
export const gateFlags = {
  'allow-cidr': Flags.string({description: 'Requests from this address or CIDR pass through (repeatable). The client is the peer address unless --trust-forwarded-for.', multiple: true}),
  bypass: Flags.boolean({description: `A random bypass secret: ${BYPASS_PATH}<secret> sets a cookie that lets the browser through; header ${BYPASS_HEADER}: <secret> too.`}),
  'bypass-secret': Flags.string({description: 'Use this bypass secret (16-128 characters of A-Z a-z 0-9 - _) instead of a random one.'}),
  'bypass-ttl': Flags.string({description: 'How long the bypass cookie lasts (default 12h, at least 1h).'}),
  except: Flags.string({description: 'This path passes through for everyone (repeatable): exact, or a prefix ending in *.', multiple: true}),
  'insecure-cookie': Flags.boolean({description: 'Leave Secure off the bypass cookie (plain-HTTP setups only).'}),
  'read-only': Flags.boolean({description: 'GET, HEAD and OPTIONS pass through; other methods get the page.'}),
  'trust-forwarded-for': Flags.integer({
    description: 'With --allow-cidr: N proxies in front append to X-Forwarded-For; the client is the Nth address from the right. Without it the peer address is the client.',
    max: 16,
    min: 1,
  }),
}

export interface GateFlagValues {
  'allow-cidr'?: string[]
  bypass?: boolean
  'bypass-secret'?: string
  'bypass-ttl'?: string
  except?: string[]
  'insecure-cookie'?: boolean
  'read-only'?: boolean
  'trust-forwarded-for'?: number
}

export interface GateInput {
  settings: GateSettings
  /** The bypass secret in clear: only for the Secret (or the preview), never for the window. */
  secret?: string
}

export function hasGateFlags(flags: GateFlagValues): boolean {
  return Boolean(flags.bypass || flags['bypass-secret'] !== undefined || (flags.except ?? []).length > 0 || flags['read-only'] || (flags['allow-cidr'] ?? []).length > 0)
}

/** A random URL-safe secret: 24 bytes, 32 characters. */
export function randomSecret(): string {
  return base64url(randomBytes(24))
}

/** Checks the gate flags; every problem is a UserError (exit 2) before anything is written. */
export function parseGateFlags(flags: GateFlagValues, secretSource: () => string = randomSecret): GateInput | undefined {
  if (!hasGateFlags(flags)) {
    for (const dependent of ['bypass-ttl', 'insecure-cookie', 'trust-forwarded-for'] as const) {
      if (flags[dependent] !== undefined && flags[dependent] !== false) throw new UserError(`--${dependent} needs a gate: add --bypass, --except, --read-only or --allow-cidr`)
    }
    return undefined
  }
  const wantsBypass = flags.bypass === true || flags['bypass-secret'] !== undefined
  if (!wantsBypass && (flags['bypass-ttl'] !== undefined || flags['insecure-cookie'])) {
    throw new UserError('--bypass-ttl and --insecure-cookie need --bypass or --bypass-secret')
  }
  if (flags['trust-forwarded-for'] !== undefined && (flags['allow-cidr'] ?? []).length === 0) {
    throw new UserError('--trust-forwarded-for only matters with --allow-cidr: add --allow-cidr CIDR or drop it')
  }
  const secret = wantsBypass ? (flags['bypass-secret'] ?? secretSource()) : undefined
  if (secret !== undefined) {
    const problem = secretProblem(secret)
    if (problem) throw new UserError(`--bypass-secret: ${problem}`)
  }
  const ttlSeconds = flags['bypass-ttl'] === undefined ? DEFAULT_BYPASS_TTL_SECONDS : parseTtl(flags['bypass-ttl'])
  const except = flags.except ?? []
  for (const path of except) {
    const problem = exceptProblem(path)
    if (problem) throw new UserError(problem)
  }
  const allowCidrs = flags['allow-cidr'] ?? []
  for (const cidr of allowCidrs) {
    const problem = cidrProblem(cidr)
    if (problem) throw new UserError(problem)
  }
  const salt = base64url(randomBytes(12))
  return {
    secret,
    settings: {
      allowCidrs: [...new Set(allowCidrs)],
      bypass: secret === undefined ? undefined : {digest: bypassDigest(salt, secret), salt, secureCookie: !flags['insecure-cookie'], ttlSeconds},
      except: [...new Set(except)],
      readOnly: flags['read-only'] === true,
      trustForwardedFor: flags['trust-forwarded-for'] ?? 0,
    },
  }
}

function parseTtl(text: string): number {
  let ms: number
  try {
    ms = parseDuration(text).ms
  } catch (error) {
    throw new UserError(`--bypass-ttl: ${(error as Error).message}`)
  }
  if (ms < MIN_BYPASS_TTL_SECONDS * 1000) throw new UserError(`--bypass-ttl ${text} is shorter than 1h, the shortest a bypass cookie lasts; give e.g. 1h or 12h`)
  return ms / 1000
}

/** An upstream for preview: http://HOST:PORT with an IP address or localhost. */
export function parseUpstream(text: string): string {
  const match = /^http:\/\/(localhost|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):(\d{1,5})\/?$/.exec(text)
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65_535) {
    throw new UserError(`--upstream ${JSON.stringify(text)} is not http://ADDRESS:PORT: give one such as http://127.0.0.1:3000`)
  }
  return `${match[1] === 'localhost' ? '127.0.0.1' : match[1]}:${match[2]}`
}
