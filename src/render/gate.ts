/**
 * The gate: what a backend lets through to the original backend instead of answering the page (SPEC §7).
 *
 * How the bypass works with stock nginx (ngx_http_secure_link_module, no scripting):
 * - The secret itself is kept only in a Secret of the window's namespace. The window records a random salt and
 *   base64url(md5("salt:secret")); the nginx.conf holds that digest, and nginx checks a candidate secret (the bypass
 *   link's last segment, or the X-Maintenance-Bypass header) by recomputing it. Nothing the engine renders holds the
 *   secret in clear.
 * - The cookie is "<base64url(md5("expires:key"))>.<expires>", `key` being 128 random bits made with the backend and
 *   kept in its Secret (never in a ConfigMap). secure_link verifies the MAC and that `expires` has not passed, so a
 *   forged, altered or expired cookie gets the page.
 * - nginx cannot compute an MD5 to issue a cookie, so the engine computes the cookies ahead, one per 1000 s of the
 *   clock ($msec without its last three digits), each expiring `ttl` after the start of its 1000 s, and puts the
 *   table in the same Secret. A cookie thus lasts between ttl - 1000 s and ttl. The table covers the window (at most
 *   GATE_TABLE_DAYS); past it the link answers the page and the header still works.
 */
import {createHash} from 'node:crypto'
import {isIP} from 'node:net'

/** Seconds per cookie bucket: $msec's digits above the last three. */
export const GATE_BUCKET_SECONDS = 1000
/** How far ahead cookies are issued for a window without an end (or a long one): the Secret stays far below 1 MiB. */
export const GATE_TABLE_DAYS = 60
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
const KEY = /^[0-9a-f]{32}$/

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

/** A port of the backend that proxies to one original backend ("host:port", a cluster DNS name or an address). */
export interface GateUpstream {
  port: number
  address: string
}

export interface GateRender extends GateSettings {
  upstreams: GateUpstream[]
  /** Where the nginx include with the cookie key and table is (the backend Secret's mount). */
  keyFile: string
  /** An nginx include with the `resolver` line, written at container start from /etc/resolv.conf. */
  resolverFile?: string
}

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

export function base64url(bytes: Buffer): string {
  return bytes.toString('base64').replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

/** What the window records of its secret: the digest nginx compares candidates with. */
export function bypassDigest(salt: string, secret: string): string {
  return base64url(createHash('md5').update(`${salt}:${secret}`).digest())
}

/** One issued cookie value: MAC of its expiry (epoch seconds) with the backend's key. */
export function bypassCookie(key: string, expires: number): string {
  return `${base64url(createHash('md5').update(`${expires}:${key}`).digest())}.${expires}`
}

/**
 * The include kept in the backend's Secret: the cookie key and the cookie issued in each 1000 s bucket from `fromMs`
 * to `untilMs` (at most GATE_TABLE_DAYS).
 */
export function gateKeyConf(key: string, ttlSeconds: number, fromMs: number, untilMs: number): string {
  if (!KEY.test(key)) throw new Error('gate key: 32 lowercase hex expected')
  const first = Math.floor(fromMs / 1000 / GATE_BUCKET_SECONDS)
  const last = Math.floor(Math.min(untilMs, fromMs + GATE_TABLE_DAYS * 86_400_000) / 1000 / GATE_BUCKET_SECONDS)
  const lines = ['map "" $maintenance_gate_key {', `  default "${key}";`, '}', 'map $maintenance_gate_bucket $maintenance_gate_issue {', '  default "";']
  for (let bucket = first; bucket <= last; bucket++) lines.push(`  "${bucket}" "${bypassCookie(key, bucket * GATE_BUCKET_SECONDS + ttlSeconds)}";`)
  lines.push('}', '')
  return lines.join('\n')
}

function escapeRegex(text: string): string {
  return text.replaceAll(/[.+]/g, String.raw`\$&`)
}

/** The map key of one exemption: the exact path, or a regex for a prefix. */
export function exceptKey(path: string): string {
  return path.endsWith('*') ? `~^${escapeRegex(path.slice(0, -1))}` : path
}

/** The tail of the X-Forwarded-For regex after the client's address: N - 1 further addresses. */
export function forwardedTail(trusted: number): string {
  return trusted <= 1 ? '' : `(?:,[ \\t]*[^,]*){${trusted - 1}}`
}

const UPSTREAM = /^(?:[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):\d{1,5}$/

/** Checks and shapes the gate for the template; throws what cannot be rendered safely. */
export function gateTemplateValues(gate: GateRender): object {
  if (gate.bypass) {
    if (!DIGEST.test(gate.bypass.digest)) throw new Error('gate: the bypass digest is not base64url md5')
    if (!SALT.test(gate.bypass.salt)) throw new Error('gate: the bypass salt is not 8 to 64 URL-safe characters')
    if (!Number.isInteger(gate.bypass.ttlSeconds) || gate.bypass.ttlSeconds < MIN_BYPASS_TTL_SECONDS) throw new Error('gate: the bypass TTL must be at least 1h')
  }
  for (const path of gate.except) if (exceptProblem(path)) throw new Error(exceptProblem(path))
  for (const cidr of gate.allowCidrs) if (cidrProblem(cidr)) throw new Error(cidrProblem(cidr))
  for (const upstream of gate.upstreams) {
    if (!UPSTREAM.test(upstream.address) || !Number.isInteger(upstream.port)) throw new Error(`gate: upstream ${JSON.stringify(upstream.address)} cannot be used`)
  }
  if (!Number.isInteger(gate.trustForwardedFor) || gate.trustForwardedFor < 0 || gate.trustForwardedFor > 16) throw new Error('gate: --trust-forwarded-for must be 0 to 16')
  return {
    allowCidrs: gate.allowCidrs.length > 0 ? gate.allowCidrs : undefined,
    bypass: gate.bypass ? {...gate.bypass, keyFile: gate.keyFile} : undefined,
    except: gate.except.length > 0 ? [...new Set(gate.except.map((path) => exceptKey(path)))] : undefined,
    forwardedTail: forwardedTail(gate.trustForwardedFor),
    readOnly: gate.readOnly || undefined,
    resolverFile: gate.resolverFile,
    trustForwardedFor: gate.trustForwardedFor > 0 ? gate.trustForwardedFor : undefined,
    upstreams: gate.upstreams,
  }
}
