/**
 * What a window asks of its gate (SPEC §7), as kept on the window ConfigMap in the annotation
 * `kubectl-maintenance.io/gate` (JSON). The bypass secret itself is never here: only a random salt and
 * base64url(md5("salt:secret")), which nginx compares candidates with; the secret is in the Secret named by
 * bypassSecretName(window), in the window's namespace.
 */
import {isIP} from 'node:net'

export const DEFAULT_BYPASS_TTL_SECONDS = 12 * 60 * 60
/** A cookie must outlive its bucket: the shortest TTL. */
export const MIN_BYPASS_TTL_SECONDS = 60 * 60
export const BYPASS_HEADER = 'X-Maintenance-Bypass'
export const BYPASS_COOKIE = 'maintenance_bypass'
export const BYPASS_PATH = '/_maintenance/bypass/'

const SECRET = /^[A-Za-z0-9_-]{16,128}$/
/** A path as nginx sees it in $uri: no quotes, `$`, `;`, braces, backslashes, `%` (it is decoded) or spaces. */
const EXCEPT = /^\/[A-Za-z0-9._~:@!+,=/-]*\*?$/
const DIGEST = /^[A-Za-z0-9_-]{22}$/
const SALT = /^[A-Za-z0-9_-]{8,64}$/

export interface BypassSettings {
  /** base64url(md5("salt:secret")), no padding. */
  digest: string
  salt: string
  ttlSeconds: number
  /** The cookie's Secure attribute; off only for plain-HTTP setups (tests, preview). */
  secureCookie: boolean
}

/** Everything a window asks of its gate; part of the backend's content (its nginx.conf), so of its hash. */
export interface GateSettings {
  bypass?: BypassSettings
  /** Exact paths, or prefixes ending in `*`. */
  except: string[]
  readOnly: boolean
  allowCidrs: string[]
  /** 0: the client is the peer address; N: the Nth address from the right of X-Forwarded-For. */
  trustForwardedFor: number
}

/** The Secret (in the window's namespace) that keeps a window's bypass secret for `kubectl maintenance bypass`. */
export function bypassSecretName(window: string): string {
  return `maintenance-bypass-${window}`
}

/**
 * Why a target switched by the enable annotation has no gate: the annotation path has no window to keep the gate's
 * settings on and no Secret for a bypass secret (SPEC §3 names only `enabled` and `page`), and the CronJob never reads
 * Secrets, so a secret could not reach it either.
 */
export const ANNOTATION_HAS_NO_GATE =
  'targets switched by the annotation kubectl-maintenance.io/enabled have no gate (no bypass, exempt paths or read-only): ' +
  'that path has no window to keep the gate on and no Secret for a bypass secret. Remove the annotation and use a window: ' +
  'kubectl maintenance now TARGET --bypass (or --except PATH, --read-only)'

/** The key of the bypass secret in its Secret. */
export const BYPASS_SECRET_KEY = 'secret'

export function isGateActive(gate: GateSettings | undefined): gate is GateSettings {
  return gate !== undefined && (gate.bypass !== undefined || gate.except.length > 0 || gate.readOnly || gate.allowCidrs.length > 0)
}

export function secretProblem(secret: string): string | undefined {
  if (SECRET.test(secret)) return undefined
  return `the bypass secret must be 16 to 128 characters from A-Z, a-z, 0-9, "-" and "_" (URL-safe, so it can be a path segment and a header)`
}

export function exceptProblem(path: string): string | undefined {
  if (EXCEPT.test(path)) return undefined
  return `--except ${JSON.stringify(path)} is not a path: give an absolute path such as /healthz, or a prefix ending in * such as /api/webhooks/* (letters, digits and . _ ~ : @ ! + , = - /, no query, no %)`
}

export function cidrProblem(cidr: string): string | undefined {
  const [address, prefix, ...rest] = cidr.split('/')
  const family = isIP(address ?? '')
  const bits = family === 4 ? 32 : 128
  const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits)
  if (family !== 0 && prefixOk && rest.length === 0) return undefined
  return `--allow-cidr ${JSON.stringify(cidr)} is not an address or CIDR: give one such as 203.0.113.0/24 or 2001:db8::/32`
}

/** The annotation's value: only what is set, in a fixed order. */
export function encodeGate(gate: GateSettings): string {
  const {bypass} = gate
  return JSON.stringify({
    ...(bypass ? {bypass: {digest: bypass.digest, salt: bypass.salt, ...(bypass.secureCookie ? {} : {secureCookie: false}), ttlSeconds: bypass.ttlSeconds}} : {}),
    ...(gate.except.length > 0 ? {except: gate.except} : {}),
    ...(gate.readOnly ? {readOnly: true} : {}),
    ...(gate.allowCidrs.length > 0 ? {allowCidrs: gate.allowCidrs} : {}),
    ...(gate.trustForwardedFor > 0 ? {trustForwardedFor: gate.trustForwardedFor} : {}),
  })
}

const MAX_LIST = 64

/** Reads the annotation (anyone may write it: every field is checked and bounded); problems, or the settings. */
export function decodeGate(value: unknown): {gate?: GateSettings; problems: string[]} {
  const problems: string[] = []
  const at = (what: string) => `annotation kubectl-maintenance.io/gate: ${what}`
  if (!isRecord(value)) return {problems: [at('must be a JSON object such as {"readOnly":true}')]}
  for (const key of Object.keys(value)) {
    if (!['bypass', 'except', 'readOnly', 'allowCidrs', 'trustForwardedFor'].includes(key)) problems.push(at(`unexpected field "${key}"`))
  }
  let bypass: BypassSettings | undefined
  if (value.bypass !== undefined) {
    const b = value.bypass
    if (!isRecord(b) || typeof b.digest !== 'string' || !DIGEST.test(b.digest) || typeof b.salt !== 'string' || !SALT.test(b.salt)) {
      problems.push(at('bypass needs digest (22 base64url characters) and salt (8 to 64 URL-safe characters)'))
    } else if (!Number.isInteger(b.ttlSeconds) || (b.ttlSeconds as number) < MIN_BYPASS_TTL_SECONDS || (b.ttlSeconds as number) > 366 * 86_400) {
      problems.push(at('bypass.ttlSeconds must be a whole number of seconds from 3600 (1h) to 31622400 (366d)'))
    } else if (b.secureCookie !== undefined && typeof b.secureCookie !== 'boolean') {
      problems.push(at('bypass.secureCookie must be true or false'))
    } else {
      bypass = {digest: b.digest, salt: b.salt, secureCookie: b.secureCookie !== false, ttlSeconds: b.ttlSeconds as number}
    }
  }
  const list = (field: string, check: (item: string) => string | undefined): string[] => {
    const items = value[field]
    if (items === undefined) return []
    if (!Array.isArray(items) || items.length > MAX_LIST || items.some((item) => typeof item !== 'string')) {
      problems.push(at(`${field} must be a list of at most ${MAX_LIST} strings`))
      return []
    }
    for (const item of items as string[]) {
      const problem = check(item)
      if (problem) problems.push(at(problem))
    }
    return [...new Set(items as string[])]
  }
  const except = list('except', exceptProblem)
  const allowCidrs = list('allowCidrs', cidrProblem)
  if (value.readOnly !== undefined && typeof value.readOnly !== 'boolean') problems.push(at('readOnly must be true or false'))
  const trusted = value.trustForwardedFor ?? 0
  if (!Number.isInteger(trusted) || (trusted as number) < 0 || (trusted as number) > 16) problems.push(at('trustForwardedFor must be a whole number from 0 to 16'))
  if (problems.length > 0) return {problems}
  const gate = {allowCidrs, bypass, except, readOnly: value.readOnly === true, trustForwardedFor: trusted as number}
  if (!isGateActive(gate)) return {problems: [at('asks for nothing: set bypass, except, readOnly or allowCidrs, or remove it')]}
  return {gate, problems}
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
