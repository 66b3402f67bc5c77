/**
 * The four PATCH formats kube-apiserver accepts: JSON Patch (RFC 6902, error texts of evanphx/json-patch),
 * JSON Merge Patch (RFC 7386), strategic merge patch for built-in kinds, and the merge used by server-side apply.
 */
import {type JsonObject, deepCopy, deepEqual, isObject} from './json.js'
import {badRequest, patchNotApplicable} from './status.js'

class PatchFailure extends Error {}

function decodePointer(path: string): string[] {
  if (path === '') return []
  if (!path.startsWith('/')) throw new PatchFailure(`invalid path: ${path}`)
  return path
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
}

interface Location {
  container: JsonObject | unknown[]
  key: string
}

/** The container holding the last segment of `path`, or undefined when an intermediate value is missing. */
function locate(document: unknown, path: string): Location | undefined {
  const segments = decodePointer(path)
  if (segments.length === 0) return undefined
  let current: unknown = document
  for (const segment of segments.slice(0, -1)) {
    if (Array.isArray(current)) current = /^\d+$/.test(segment) ? current[Number(segment)] : undefined
    else if (isObject(current)) current = current[segment]
    else return undefined
  }
  if (!Array.isArray(current) && !isObject(current)) return undefined
  return {container: current, key: segments.at(-1)!}
}

function getAt(location: Location): unknown {
  const {container, key} = location
  if (Array.isArray(container)) return /^\d+$/.test(key) ? container[Number(key)] : undefined
  return Object.hasOwn(container, key) ? container[key] : undefined
}

function arrayIndex(container: unknown[], key: string, allowEnd: boolean, path: string): number {
  if (key === '-' && allowEnd) return container.length
  if (!/^\d+$/.test(key)) throw new PatchFailure(`Unable to access invalid index: ${key}: invalid index referenced`)
  const index = Number(key)
  if (index > container.length || (!allowEnd && index === container.length)) throw new PatchFailure(`Unable to access invalid index: ${index}: invalid index referenced (path ${path})`)
  return index
}

function addAt(location: Location, value: unknown, path: string): void {
  const {container, key} = location
  if (Array.isArray(container)) container.splice(arrayIndex(container, key, true, path), 0, value)
  else container[key] = value
}

function removeAt(location: Location, path: string): unknown {
  const {container, key} = location
  if (Array.isArray(container)) {
    const index = arrayIndex(container, key, false, path)
    return container.splice(index, 1)[0]
  }
  if (!Object.hasOwn(container, key)) throw new PatchFailure(`error in remove for path: '${path}': unable to remove nonexistent key: ${key}: missing value`)
  const value = container[key]
  delete container[key]
  return value
}

function must(location: Location | undefined, operation: string, path: string, what = 'path'): Location {
  if (!location) throw new PatchFailure(`${operation} operation does not apply: doc is missing ${what}: ${JSON.stringify(path)}: missing value`)
  return location
}

interface Operation {
  op?: unknown
  path?: unknown
  from?: unknown
  value?: unknown
}

function applyOperation(document: unknown, operation: Operation): unknown {
  const path = typeof operation.path === 'string' ? operation.path : ''
  if (path === '' && operation.op !== 'test') {
    if (operation.op === 'add' || operation.op === 'replace') return deepCopy(operation.value)
  }
  switch (operation.op) {
    case 'add':
      addAt(must(locate(document, path), 'add', path), deepCopy(operation.value), path)
      return document
    case 'remove': {
      const location = must(locate(document, path), 'remove', path)
      removeAt(location, path)
      return document
    }
    case 'replace': {
      const location = locate(document, path)
      if (!location) throw new PatchFailure(`replace operation does not apply: doc is missing path: ${path}: missing value`)
      if (getAt(location) === undefined) throw new PatchFailure(`replace operation does not apply: doc is missing key: ${path}: missing value`)
      if (Array.isArray(location.container)) location.container[arrayIndex(location.container, location.key, false, path)] = deepCopy(operation.value)
      else location.container[location.key] = deepCopy(operation.value)
      return document
    }
    case 'move':
    case 'copy': {
      const from = typeof operation.from === 'string' ? operation.from : ''
      const source = locate(document, from)
      if (!source || getAt(source) === undefined) throw new PatchFailure(`${operation.op} operation does not apply: doc is missing from path: ${from}: missing value`)
      const value = operation.op === 'move' ? removeAt(source, from) : deepCopy(getAt(source))
      addAt(must(locate(document, path), operation.op, path, 'destination path'), value, path)
      return document
    }
    case 'test': {
      const location = path === '' ? undefined : locate(document, path)
      if (path !== '' && !location) throw new PatchFailure(`test operation does not apply: is missing path: ${path}: missing value`)
      const actual = path === '' ? document : getAt(location!)
      const expected = operation.value ?? null
      if (actual === undefined && expected === null) return document
      if (!deepEqual(actual, expected)) throw new PatchFailure(`testing value ${path} failed: test failed`)
      return document
    }
    default:
      throw new PatchFailure(`Unexpected kind: ${String(operation.op)}: unknown object type`)
  }
}

/** RFC 6902. Malformed patches are 400 BadRequest; operations that do not apply are 422 as kube-apiserver answers. */
export function applyJsonPatch(document: JsonObject, patch: unknown): JsonObject {
  if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch')
  if (patch.length > 10000) throw badRequest(`The allowed maximum operations in a JSON patch is 10000, got ${patch.length}`)
  let result: unknown = deepCopy(document)
  for (const operation of patch) {
    if (!isObject(operation)) throw badRequest('json: cannot unmarshal into Go value of type jsonpatch.Operation')
    try {
      result = applyOperation(result, operation)
    } catch (error) {
      if (error instanceof PatchFailure) throw patchNotApplicable(error.message)
      throw error
    }
  }
  if (!isObject(result)) throw patchNotApplicable('the patch replaced the object with a non-object')
  return result
}

/** RFC 7386: objects merge recursively, null deletes, everything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return deepCopy(patch)
  const result: JsonObject = isObject(target) ? deepCopy(target) : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else result[key] = applyMergePatch(result[key], value)
  }
  return result
}

type MergeStrategy = {mergeKey: string} | {primitiveSet: true} | undefined

/** patchMergeKey / patchStrategy tags of the built-in types we serve (k8s.io/api struct tags). */
export function mergeStrategyFor(kind: string, path: string[]): MergeStrategy {
  const field = path.at(-1)
  const inContainer = path.some((segment) => segment === 'containers' || segment === 'initContainers' || segment === 'ephemeralContainers')
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
    case 'resourceClaims':
      return {mergeKey: 'name'}
    case 'ports':
      if (inContainer) return {mergeKey: 'containerPort'}
      if (kind === 'Service' && path.length === 2 && path[0] === 'spec') return {mergeKey: 'port'}
      return undefined
    case 'volumeMounts':
      return {mergeKey: 'mountPath'}
    case 'volumeDevices':
      return {mergeKey: 'devicePath'}
    case 'hostAliases':
      return {mergeKey: 'ip'}
    case 'conditions':
      return {mergeKey: 'type'}
    case 'ownerReferences':
      return {mergeKey: 'uid'}
    case 'topologySpreadConstraints':
      return {mergeKey: 'topologyKey'}
    case 'finalizers':
      return path.length === 2 && path[0] === 'metadata' ? {primitiveSet: true} : undefined
    default:
      return undefined
  }
}

const DIRECTIVE_PREFIXES = ['$setElementOrder/', '$deleteFromPrimitiveList/', '$retainKeys']

function mergeList(kind: string, path: string[], current: unknown, patch: unknown[], options: MergeOptions): unknown {
  const strategy = mergeStrategyFor(kind, path)
  const base = Array.isArray(current) ? deepCopy(current) : []
  if (strategy && 'primitiveSet' in strategy) {
    for (const item of patch) if (!base.some((existing) => deepEqual(existing, item))) base.push(item)
    return base
  }
  if (!strategy || !patch.every(isObject)) {
    return patch.filter((item) => !(isObject(item) && item.$patch === 'delete')).map((item) => (isObject(item) ? strategicMerge(kind, path, undefined, item, options) : item))
  }
  if (patch.some((item) => isObject(item) && item.$patch === 'replace')) {
    return patch.filter((item) => !(isObject(item) && item.$patch)).map((item) => strategicMerge(kind, path, undefined, item, options))
  }
  const key = strategy.mergeKey
  for (const item of patch as JsonObject[]) {
    const index = base.findIndex((existing) => isObject(existing) && deepEqual(existing[key], item[key]))
    if (item.$patch === 'delete') {
      if (index >= 0) base.splice(index, 1)
      continue
    }
    if (index >= 0) base[index] = strategicMerge(kind, path, base[index], item, options)
    else base.push(strategicMerge(kind, path, undefined, item, options))
  }
  return base
}

interface MergeOptions {
  /** Server-side apply never deletes through null and ignores patch directives. */
  nullDeletes: boolean
}

/** Strategic merge patch (and the field-by-field merge server-side apply uses) for built-in kinds. */
export function strategicMerge(kind: string, path: string[], current: unknown, patch: unknown, options: MergeOptions = {nullDeletes: true}): unknown {
  if (!isObject(patch)) return deepCopy(patch)
  if (patch.$patch === 'replace') {
    const {$patch: _ignored, ...rest} = patch
    return strategicMerge(kind, path, undefined, rest, options)
  }
  if (patch.$patch === 'delete') return undefined
  const result: JsonObject = isObject(current) ? deepCopy(current) : {}
  const retainKeys = Array.isArray(patch.$retainKeys) ? patch.$retainKeys.map(String) : undefined
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || DIRECTIVE_PREFIXES.some((prefix) => key.startsWith(prefix))) {
      if (key.startsWith('$deleteFromPrimitiveList/') && Array.isArray(value)) {
        const field = key.slice('$deleteFromPrimitiveList/'.length)
        if (Array.isArray(result[field])) result[field] = (result[field] as unknown[]).filter((item) => !value.some((removed) => deepEqual(removed, item)))
      }
      continue
    }
    if (value === null && options.nullDeletes) {
      delete result[key]
      continue
    }
    const childPath = [...path, key]
    const merged = Array.isArray(value) ? mergeList(kind, childPath, result[key], value, options) : strategicMerge(kind, childPath, result[key], value, options)
    if (merged === undefined) delete result[key]
    else result[key] = merged
  }
  if (retainKeys) for (const key of Object.keys(result)) if (!retainKeys.includes(key)) delete result[key]
  return result
}

/**
 * Server-side apply, simplified: the applied configuration merges into the live object like a strategic merge,
 * and fields this manager applied last time but no longer applies are removed.
 */
export function applyConfiguration(kind: string, live: JsonObject, applied: JsonObject, previouslyApplied: JsonObject | undefined): JsonObject {
  const merged = strategicMerge(kind, [], live, applied, {nullDeletes: false}) as JsonObject
  if (previouslyApplied) removeDropped(merged, previouslyApplied, applied)
  return merged
}

function removeDropped(target: JsonObject, before: JsonObject, now: JsonObject): void {
  for (const [key, value] of Object.entries(before)) {
    if (!(key in now)) delete target[key]
    else if (isObject(value) && isObject(now[key]) && isObject(target[key])) removeDropped(target[key] as JsonObject, value, now[key] as JsonObject)
  }
}
