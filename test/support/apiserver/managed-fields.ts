/**
 * Field management as kube-apiserver does it (docs: "Server-Side Apply", "Field management"): every write names a
 * manager (the fieldManager parameter, else the User-Agent up to its first "/"); an Update-operation write makes its
 * manager own every field whose value it changed, and takes those fields from every other manager; an apply makes
 * its manager own exactly what it applied, and without force answers 409 when that changes a field another manager
 * owns. Fields that no longer exist are owned by no one, and an entry left owning nothing is dropped. An entry's time
 * moves only when its manager took fields in the request.
 */
import {type JsonObject, isObject} from './json.js'
import {mergeStrategyFor} from './patch.js'
import {apiVersionOf, type ResourceDef} from './resources.js'
import {conflict} from './status.js'

/** Metadata the server owns: never part of anybody's field set. */
const SERVER_METADATA = new Set(['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'name', 'namespace'])

/** Path (JSON array of fieldsV1 keys) -> the value there, as JSON; list items are named by their merge key, and "." marks the item itself. */
type Leaves = Map<string, string>

export function fieldLeaves(object: JsonObject, kind: string): Leaves {
  const leaves: Leaves = new Map()
  walk(object, kind, [], '[', leaves)
  return leaves
}

/**
 * A path's key is the JSON text of its segments (JSON.stringify(["f:spec", "f:rules"])); `open` is that text for the
 * path walked so far without its closing bracket, so each key is made by appending, not by stringifying the path again.
 */
function segmentKey(open: string, segment: string): string {
  return `${open === '[' ? '[' : `${open},`}${JSON.stringify(segment)}`
}

/**
 * The keys that name an item of an associative list (x-kubernetes-list-map-keys): the strategic merge key, except
 * where the schema names more, as for ports (a port and its protocol, defaulted to TCP as the server defaults it).
 * Other lists are atomic: owned whole.
 */
function listMapKeys(kind: string, path: string[]): string[] | undefined {
  const strategy = mergeStrategyFor(kind, path)
  if (!strategy || !('mergeKey' in strategy)) return undefined
  if (path.at(-1) === 'ports') return [strategy.mergeKey, 'protocol']
  return [strategy.mergeKey]
}

function walk(value: JsonObject, kind: string, objectPath: string[], open: string, leaves: Leaves): void {
  for (const key of Object.keys(value)) {
    const child = value[key]
    if (child === undefined) continue
    if (objectPath.length === 0 && (key === 'apiVersion' || key === 'kind' || key === 'status')) continue
    if (objectPath.length === 1 && objectPath[0] === 'metadata' && SERVER_METADATA.has(key)) continue
    const childOpen = segmentKey(open, `f:${key}`)
    const childObjectPath = Array.isArray(child) || isObject(child) ? [...objectPath, key] : objectPath
    const keys = Array.isArray(child) ? listMapKeys(kind, childObjectPath) : undefined
    if (Array.isArray(child) && keys) {
      for (const item of child.filter(isObject)) {
        const itemOpen = segmentKey(childOpen, `k:${JSON.stringify(Object.fromEntries(keys.map((key) => [key, item[key] ?? (key === 'protocol' ? 'TCP' : undefined)])))}`)
        leaves.set(`${segmentKey(itemOpen, '.')}]`, '')
        walk(item, kind, childObjectPath, itemOpen, leaves)
      }
    } else if (isObject(child) && Object.keys(child).length > 0) {
      walk(child, kind, childObjectPath, childOpen, leaves)
    } else {
      leaves.set(`${childOpen}]`, JSON.stringify(child))
    }
  }
}

/** Paths recur in every object of a kind: their segments are parsed once (never modify what this returns). */
const parsedPaths = new Map<string, readonly string[]>()

function segmentsOf(path: string): readonly string[] {
  let segments = parsedPaths.get(path)
  if (segments === undefined) {
    if (parsedPaths.size >= 100_000) parsedPaths.clear()
    segments = JSON.parse(path) as string[]
    parsedPaths.set(path, segments)
  }
  return segments
}

export function toFieldsV1(paths: Iterable<string>): JsonObject {
  const root: JsonObject = {}
  for (const path of paths) {
    let node = root
    for (const segment of segmentsOf(path)) {
      node[segment] ??= {}
      node = node[segment] as JsonObject
    }
  }
  return root
}

export function fromFieldsV1(fields: unknown): string[] {
  const paths: string[] = []
  collectFieldsV1(fields, '[', paths)
  return paths
}

function collectFieldsV1(fields: unknown, open: string, paths: string[]): void {
  if (!isObject(fields)) return
  for (const key of Object.keys(fields)) {
    const child = fields[key]
    const path = segmentKey(open, key)
    if (key === '.' || !isObject(child) || Object.keys(child).length === 0) paths.push(`${path}]`)
    else collectFieldsV1(child, path, paths)
  }
}

interface Entry {
  raw: JsonObject
  paths: Set<string>
}

function entriesOf(object: JsonObject | undefined): Entry[] {
  const metadata = object && isObject(object.metadata) ? object.metadata : {}
  const raw = Array.isArray(metadata.managedFields) ? metadata.managedFields.filter(isObject) : []
  return raw.map((entry) => ({paths: new Set(fromFieldsV1(entry.fieldsV1)), raw: entry}))
}

function changedPaths(before: Leaves, after: Leaves): Set<string> {
  const changed = new Set<string>()
  for (const [path, value] of after) if (before.get(path) !== value) changed.add(path)
  return changed
}

/** The entries after one write, each keeping only fields that still exist; `mine` is the writer's new entry. */
function settle(others: Entry[], mine: Entry | undefined, taken: Set<string>, next: Leaves): JsonObject[] {
  const result: JsonObject[] = []
  for (const entry of [...others, ...(mine ? [mine] : [])]) {
    const kept = [...entry.paths].filter((path) => (entry === mine || !taken.has(path)) && (next.has(path) || isAncestorOfLeaf(path, next)))
    if (kept.length === 0) continue
    result.push({...entry.raw, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(kept)})
  }
  return result
}

/** A "." path marks a list item: it exists while the item does. */
function isAncestorOfLeaf(path: string, leaves: Leaves): boolean {
  const segments = segmentsOf(path)
  if (segments.at(-1) !== '.') return false
  const prefix = JSON.stringify(segments.slice(0, -1)).slice(0, -1)
  for (const key of leaves.keys()) if (key.startsWith(prefix)) return true
  return false
}

/** managedFields after a create, update or non-apply patch by `manager`. */
export function afterUpdate(def: ResourceDef, old: JsonObject | undefined, next: JsonObject, manager: string, time: string, subresource?: string): JsonObject[] {
  const before = old ? fieldLeaves(old, def.kind) : new Map<string, string>()
  const after = fieldLeaves(next, def.kind)
  const taken = changedPaths(before, after)
  const entries = entriesOf(next)
  const previous = entries.find((entry) => entry.raw.manager === manager && entry.raw.operation === 'Update' && (entry.raw.subresource ?? '') === (subresource ?? ''))
  const others = entries.filter((entry) => entry !== previous)
  let mine: Entry | undefined = previous
  if (taken.size > 0) {
    const raw: JsonObject = {manager, operation: 'Update', apiVersion: apiVersionOf(def), time}
    if (subresource) raw.subresource = subresource
    mine = {paths: new Set([...(previous?.paths ?? []), ...taken]), raw}
  }
  return settle(others, mine, taken, after)
}

/**
 * managedFields after `manager` applied `applied` (the merged result is `next`). Without force, a field another
 * manager owns whose value the apply changes is a conflict (409), as kube-apiserver answers.
 */
export function afterApply(def: ResourceDef, old: JsonObject | undefined, next: JsonObject, applied: JsonObject, manager: string, force: boolean, time: string): JsonObject[] {
  const appliedPaths = new Set(fieldLeaves(applied, def.kind).keys())
  const before = old ? fieldLeaves(old, def.kind) : new Map<string, string>()
  const after = fieldLeaves(next, def.kind)
  const entries = entriesOf(old)
  const previous = entries.find((entry) => entry.raw.manager === manager && entry.raw.operation === 'Apply')
  const others = entries.filter((entry) => entry !== previous)
  if (!force) {
    const conflicts: string[] = []
    for (const entry of others) {
      for (const path of entry.paths) {
        if (appliedPaths.has(path) && before.get(path) !== after.get(path)) conflicts.push(`conflict with "${String(entry.raw.manager)}"${entry.raw.operation === 'Update' ? ` using ${String(entry.raw.apiVersion)}` : ''}: ${dotted(path)}`)
      }
    }
    if (conflicts.length > 0) {
      const name = String((next.metadata as JsonObject | undefined)?.name ?? '')
      throw conflict({group: def.group, resource: def.plural}, name, `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${conflicts.join('\n')}`)
    }
  }
  const sameSet = previous !== undefined && previous.paths.size === appliedPaths.size && [...appliedPaths].every((path) => previous.paths.has(path))
  const raw: JsonObject = sameSet && previous ? previous.raw : {manager, operation: 'Apply', apiVersion: apiVersionOf(def), time}
  const taken = new Set([...appliedPaths].filter((path) => before.get(path) !== after.get(path)))
  return settle(others, {paths: appliedPaths, raw}, taken, after)
}

/** `.spec.rules` for a path, as conflict messages name fields. */
function dotted(path: string): string {
  return segmentsOf(path)
    .filter((segment) => segment !== '.')
    .map((segment) => (segment.startsWith('f:') ? `.${segment.slice(2)}` : `[${segment.slice(2)}]`))
    .join('')
}

/** The manager of a write that names none: kube-apiserver takes the User-Agent up to its first "/". */
export function managerFromUserAgent(userAgent: string | undefined): string {
  return (userAgent ?? '').split('/')[0] || 'unknown'
}
