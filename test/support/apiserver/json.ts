/** Plain JSON helpers shared by the in-process API server modules. */
export type JsonObject = Record<string, unknown>

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function deepCopy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T)
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
