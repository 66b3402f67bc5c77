/** Plain JSON helpers shared by the in-process API server modules. */
export type JsonObject = Record<string, unknown>

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A copy of `value` as a JSON round trip (JSON.parse(JSON.stringify(value))) makes it, without the text in between:
 * properties whose value is undefined, a function or a symbol are left out, such array items become null, numbers
 * that are not finite become null, toJSON() is honoured. Every request copies whole objects several times, so this is
 * much of the API server's CPU time per request.
 */
export function deepCopy<T>(value: T): T {
  return value === undefined ? value : (copyJson(value, '') as T)
}

function copyJson(value: unknown, key: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value + 0 : null
  if (typeof value === 'bigint') throw new TypeError('Do not know how to serialize a BigInt')
  if (typeof value !== 'object') return undefined
  const json = (value as {toJSON?: unknown}).toJSON
  if (typeof json === 'function') return copyJson(json.call(value, key), key)
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length)
    for (let index = 0; index < value.length; index++) copy[index] = copyJson(value[index], String(index)) ?? null
    return copy
  }
  const copy: JsonObject = {}
  for (const name of Object.keys(value)) {
    const item = copyJson((value as JsonObject)[name], name)
    if (item === undefined) continue
    if (name === '__proto__') Object.defineProperty(copy, name, {configurable: true, enumerable: true, value: item, writable: true})
    else copy[name] = item
  }
  return copy
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]))
  if (isObject(a) && isObject(b)) {
    const keysA = Object.keys(a).filter((key) => a[key] !== undefined)
    const keysB = Object.keys(b).filter((key) => b[key] !== undefined)
    return keysA.length === keysB.length && keysA.every((key) => deepEqual(a[key], b[key]))
  }
  return false
}

/** The object at `key`, created empty when absent (for filling defaults). */
export function child(parent: JsonObject, key: string): JsonObject {
  const existing = parent[key]
  if (isObject(existing)) return existing
  const created: JsonObject = {}
  parent[key] = created
  return created
}

export function objectAt(parent: unknown, ...keys: string[]): JsonObject | undefined {
  let current: unknown = parent
  for (const key of keys) {
    if (!isObject(current)) return undefined
    current = current[key]
  }
  return isObject(current) ? current : undefined
}

export function arrayAt(parent: unknown, ...keys: string[]): unknown[] {
  let current: unknown = parent
  for (const key of keys) {
    if (!isObject(current)) return []
    current = current[key]
  }
  return Array.isArray(current) ? current : []
}

export function stringAt(parent: unknown, ...keys: string[]): string | undefined {
  let current: unknown = parent
  for (const key of keys) {
    if (!isObject(current)) return undefined
    current = current[key]
  }
  return typeof current === 'string' ? current : undefined
}

export function setDefault(target: JsonObject, key: string, value: unknown): void {
  if (target[key] === undefined || target[key] === null) target[key] = value
}

export function metadataOf(object: JsonObject): JsonObject {
  return child(object, 'metadata')
}
