/**
 * The corpus data format (see README.md): YAML files holding lists of cases, each with its expected outcome.
 * Values too large or too hostile to write out literally are generated from a small description.
 */
import {readFileSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parse} from 'yaml'

/** A string, or the recipe of one: repeated with the index `{i}` substituted, or `bytes` copies of `of`, or parts joined. */
export type Generated = string | {repeat: string; times: number; join?: string; spread?: boolean} | {bytes: number; of?: string} | {concat: Generated[]} | {hex: string}

export interface CliCase {
  type: 'cli'
  name: string
  argv: Generated[]
  /** Files written to a temporary directory; `$DIR` in argv is that directory. */
  files?: Record<string, Generated>
  expect: {exitCode: number; stderr: string; writes?: number}
}

export interface PageConfigMap {
  name: string
  data: Record<string, Generated>
}

export interface WindowCase {
  type: 'window'
  name: string
  /** Over the valid base window (targets ingress/shop, active now); keys without the kubectl-maintenance.io/ prefix; null removes. */
  annotations?: Record<string, Generated | null>
  data?: Record<string, Generated>
  /** Custom page ConfigMaps seeded in the namespace (written by hand, not by `page create`). */
  pages?: PageConfigMap[]
  expect: {
    phase: string
    /** Regular expression the phase-message matches. */
    message?: string
    /** Event reason recorded on the window; `none` when no event is expected. Failed windows default to MaintenanceFailed (Warning). */
    event?: string
  }
}

export interface OriginalCase {
  type: 'original'
  name: string
  /** Which target's original annotation is tampered with: ingress/shop, ingressroute/api, httproute/web or service/db. */
  target: string
  original: Generated
  expect: {
    /** Regular expression the Warning Event (MaintenanceRestoreRefused) on the target matches. */
    event: string
    exitCode: number
  }
}

/**
 * A hostile tenant: `objects` are written into the attacker's namespace (their `metadata.namespace` is set), next to
 * a victim namespace whose window starts and ends within the one pass that is run.
 */
export interface TenantCase {
  type: 'tenant'
  name: string
  /**
   * Kubernetes objects; any value `{$gen: GENERATED}` is replaced by the generated string, `$now±D` by a time, and a
   * list item `{$repeat: N, of: OBJECT}` by N copies of OBJECT with `{i}` the two-digit index.
   */
  objects: unknown[]
  expect: {
    /** Regular expression a Warning Event in the attacker's namespace matches. */
    warning: string
    /** Names of attacker windows that end Failed. */
    failed?: string[]
  }
}

export type CorpusCase = CliCase | WindowCase | OriginalCase | TenantCase

export const CORPUS_DIR = path.dirname(fileURLToPath(import.meta.url))

export function loadCorpus(directory = CORPUS_DIR): Array<CorpusCase & {file: string}> {
  const files = readdirSync(directory)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
  return files.flatMap((file) => {
    const cases = parse(readFileSync(path.join(directory, file), 'utf8')) as CorpusCase[]
    if (!Array.isArray(cases)) throw new Error(`${file}: expected a list of cases`)
    return cases.map((entry) => ({...entry, file}))
  })
}

/** An argv entry: a `repeat` with `spread: true` gives one argument per repetition. */
export function generateArgs(value: Generated): string[] {
  if (typeof value === 'object' && 'repeat' in value && value.spread) {
    return Array.from({length: value.times}, (_, index) => value.repeat.replaceAll('{i}', String(index)))
  }
  return [generate(value)]
}

export function generate(value: Generated): string {
  if (typeof value === 'string') return value
  if ('repeat' in value) {
    return Array.from({length: value.times}, (_, index) => value.repeat.replaceAll('{i}', String(index))).join(value.join ?? '')
  }
  if ('bytes' in value) return (value.of ?? 'x').repeat(Math.ceil(value.bytes / (value.of ?? 'x').length)).slice(0, value.bytes)
  if ('concat' in value) return value.concat.map((part) => generate(part)).join('')
  throw new Error(`hex values are file contents only: ${JSON.stringify(value)}`)
}

/** File contents may be raw bytes (hex), which a string cannot carry faithfully. */
export function generateBytes(value: Generated): Buffer {
  if (typeof value === 'object' && 'hex' in value) return Buffer.from(value.hex.replaceAll(/\s/g, ''), 'hex')
  return Buffer.from(generate(value), 'utf8')
}

const TIME_TOKEN = /^\$now(?:([+-])(\d+)([smhd]))?$/
const UNIT_MS: Record<string, number> = {d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000}

/** `$now`, `$now+1h`, `$now-90s`: RFC 3339 (UTC, whole seconds) relative to `now`; other strings as they are. */
export function resolveTime(text: string, now: number): string {
  const match = TIME_TOKEN.exec(text)
  if (!match) return text
  const [, sign, amount, unit] = match
  const offset = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * Number(amount) * UNIT_MS[unit]
  return new Date(Math.floor((now + offset) / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** An object of a tenant case with its generated values and times filled in. */
export function generateObject(value: unknown, now: number): unknown {
  if (typeof value === 'string') return resolveTime(value, now)
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (item === null || typeof item !== 'object' || !('$repeat' in item)) return [generateObject(item, now)]
      const {$repeat: times, of} = item as {$repeat: number; of: unknown}
      return Array.from({length: times}, (_, index) => generateObject(JSON.parse(JSON.stringify(of).replaceAll('{i}', String(index).padStart(2, '0'))), now))
    })
  }
  if (value !== null && typeof value === 'object') {
    if ('$gen' in value) return generate((value as {$gen: Generated}).$gen)
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, generateObject(child, now)]))
  }
  return value
}
