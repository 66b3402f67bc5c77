import type {KubeObject} from './types.js'

import {TargetAnnotation} from '../../model/keys.js'

export type JsonRecord = Record<string, unknown>

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The object's spec as a deep copy, so a kind module never mutates what it was given. */
export function copySpec(obj: KubeObject): JsonRecord {
  return structuredClone(obj.spec ?? {})
}

export function recordsOf(value: unknown): JsonRecord[] {
  return Array.isArray(value) ? value.filter(isRecord) : []
}

export function nonEmptyArray(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.length > 0
}

/** JSON with object keys sorted, so two equal values always give the same text whatever order the API server used. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b)
}

/** Makes repeated keys unique by their occurrence, so the second of two identical routes pairs with the second original. */
function occurrenceKeys(baseKeys: string[]): string[] {
  const seen = new Map<string, number>()
  return baseKeys.map((base) => {
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    return JSON.stringify([base, count])
  })
}

/** For each current entry, the stored entry with the same key and occurrence, if any. */
export function storedCounterparts<C, S>(current: C[], currentKey: (entry: C) => string, stored: S[], storedKey: (entry: S) => string): Array<S | undefined> {
  const storedKeys = occurrenceKeys(stored.map((entry) => storedKey(entry)))
  const byKey = new Map(stored.map((entry, index) => [storedKeys[index], entry]))
  return occurrenceKeys(current.map((entry) => currentKey(entry))).map((key) => byKey.get(key))
}

/** The maintenance backend the target points at, from the tool's own annotation; undefined when it is missing. */
export function backendNameOf(obj: KubeObject): string | undefined {
  return obj.metadata.annotations?.[TargetAnnotation.backend] || undefined
}

export type RestoreStep<T> = 'keep' | 'remove' | {put: T}

/**
 * What restore does with one routing entry. `pointsAtBackend` is undefined when the backend is unknown.
 * An entry with an original gets it back unless it no longer points at the backend: then someone set it after the
 * last pass, and their value is what drift handling would have recorded anyway. An entry that points at the backend
 * without an original is removed: the backend is deleted once nothing uses it, so it would route to nothing.
 */
export function restoreStep<T>(original: T | undefined, pointsAtBackend: boolean | undefined): RestoreStep<T> {
  if (original !== undefined) return pointsAtBackend === false ? 'keep' : {put: original}
  return pointsAtBackend === true ? 'remove' : 'keep'
}

/** The new original of one entry after drift: the stored one while it still points at the backend, else what is there now. */
export function mergedEntry<T>(current: T, stored: T | undefined, pointsAtBackend: boolean): T | undefined {
  return pointsAtBackend ? stored : current
}

/** Collects shape problems with the path of the offending field, e.g. `original.paths[2].backend`. */
export class ShapeCheck {
  readonly problems: string[] = []

  record(value: unknown, path: string): value is JsonRecord {
    return this.expect(isRecord(value), path, 'an object')
  }

  array(value: unknown, path: string, nonEmpty = false): value is unknown[] {
    if (!this.expect(Array.isArray(value), path, 'an array')) return false
    return this.expect(!nonEmpty || (value as unknown[]).length > 0, path, 'a non-empty array')
  }

  string(value: unknown, path: string): value is string {
    return this.expect(typeof value === 'string', path, 'a string')
  }

  optionalString(value: unknown, path: string): boolean {
    return value === undefined || this.string(value, path)
  }

  onlyKeys(value: JsonRecord, allowed: string[], path: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.problems.push(`${path} has unexpected field "${key}" (allowed: ${allowed.join(', ')})`)
    }
  }

  expect(ok: boolean, path: string, what: string): boolean {
    if (!ok) this.problems.push(`${path} must be ${what}`)
    return ok
  }
}

/**
 * Shape problems; a non-object is reported once rather than field by field. References to other namespaces are
 * restored as found (SPEC §7): the tenant could write that object itself, and the Gateway's ReferenceGrant or
 * Traefik's allowCrossNamespace still decide whether it routes, so writing it back grants nothing.
 */
export function validateWith(original: unknown, checkShape: (check: ShapeCheck, original: JsonRecord) => void): string[] {
  const check = new ShapeCheck()
  if (check.record(original, 'original')) checkShape(check, original)
  return check.problems
}

/** Drops undefined fields, so a stored original names only what was there (absent stays absent). */
export function definedOnly<T extends JsonRecord>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T
}
