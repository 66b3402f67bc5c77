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

import {type GateSettings, MIN_BYPASS_TTL_SECONDS, cidrProblem, exceptProblem} from '../model/gate.js'

export * from '../model/gate.js'

/** Seconds per cookie bucket: $msec's digits above the last three. */
export const GATE_BUCKET_SECONDS = 1000
/** How far ahead cookies are issued for a window without an end (or a long one): the Secret stays far below 1 MiB. */
export const GATE_TABLE_DAYS = 60

const DIGEST = /^[A-Za-z0-9_-]{22}$/
const SALT = /^[A-Za-z0-9_-]{8,64}$/
const KEY = /^[0-9a-f]{32}$/

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
/** An IPv4 or bracketed IPv6 address with a port: no DNS needed. */
function isAddress(address: string): boolean {
  return /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):\d{1,5}$/.test(address)
}

export function gateTemplateValues(gate: GateRender, mainListen: string): object {
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
    /** Upstream ports other than the main listener need a listen of their own (same host as the main one). */
    /** Where the pod reaches this server itself (the header's check). */
    loopback: mainListen.includes(':') ? mainListen : `127.0.0.1:${mainListen}`,
    listens: gate.upstreams.filter(({port}) => port !== Number(mainListen.slice(mainListen.lastIndexOf(':') + 1))).map(({port}) => (mainListen.includes(':') ? `${mainListen.slice(0, mainListen.lastIndexOf(':'))}:${port}` : String(port))),
    pools: gate.upstreams.flatMap(({address}, index) => (isAddress(address) ? [{address, name: `maintenance_gate_${index}`}] : [])),
    // A Service name is resolved per request (with the resolver's TTL), so nginx starts without it and notices a new ClusterIP.
    upstreams: gate.upstreams.map(({address, port}, index) => ({port, target: isAddress(address) ? `maintenance_gate_${index}` : address})),
  }
}
