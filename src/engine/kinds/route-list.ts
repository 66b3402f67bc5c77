import type {TargetKind} from '../../model/target.js'
import type {BackendRef, KindModule, KubeObject, ServicePortLookup, UpstreamRef} from './types.js'

import {namedUpstreamKey, upstreamKey} from './types.js'

import {
  type JsonRecord,
  type ShapeCheck,
  backendNameOf,
  canonicalJson,
  copySpec,
  isRecord,
  mergedEntry,
  nonEmptyArray,
  recordsOf,
  restoreStep,
  storedCounterparts,
  validateWith,
} from './shared.js'

/**
 * A kind whose routing is a list of entries (IngressRoute routes, HTTPRoute rules), each with a list of references
 * to where its traffic goes. Entries without references (a redirect-only rule) are not routing and stay untouched.
 */
export interface RouteListDefinition {
  kind: TargetKind
  listField: string
  refsField: string
  /** The fields an entry is recognised by; stored with it in the original, and its key. */
  identity(entry: JsonRecord): JsonRecord
  identityFields: string[]
  checkIdentity(check: ShapeCheck, entry: JsonRecord, path: string): void
  /**
   * The references that replace an entry's own (which may ask for a protocol, e.g. Traefik's `scheme: h2c`); `port`
   * is the gate's port for the entry's original backend, when it has one.
   */
  backendRefs(backend: BackendRef, entry: JsonRecord, port?: number): JsonRecord[]
  /** The reference sends all of an entry's traffic to the backend (fields the API server defaults may be absent or present). */
  isBackendRef(ref: JsonRecord, backend: BackendRef, namespace: string | undefined, port?: number): boolean
  /** Whether the entry keeps the page's own port whatever the gate (gRPC over h2c). */
  keepsPagePort?(entry: JsonRecord): boolean
  checkRef(check: ShapeCheck, ref: JsonRecord, path: string): void
  /**
   * Entry filters that keep sending traffic to the real backends (HTTPRoute RequestMirror): removed for the window.
   * An entry that had one keeps its whole filter list in the original, and restore puts it back.
   */
  stoppedFilters?: {field: string; matches(filter: JsonRecord): boolean}
}

export function routeListKind(def: RouteListDefinition): KindModule {
  const routed = (spec: JsonRecord): JsonRecord[] => recordsOf(spec[def.listField]).filter((entry) => nonEmptyArray(entry[def.refsField]))
  const keyOf = (entry: JsonRecord): string => canonicalJson(def.identity(entry))
  const refsOf = (entry: JsonRecord | undefined): unknown => entry?.[def.refsField]
  /** Any reference naming the backend makes the entry ours: the backend never becomes anyone's original. */
  const routesTo = (refs: unknown, serviceName: string): boolean => recordsOf(refs).some((ref) => ref.name === serviceName)

  const stopped = def.stoppedFilters
  const hasStopped = (entry: JsonRecord | undefined): boolean => stopped !== undefined && recordsOf(entry?.[stopped.field]).some((filter) => stopped.matches(filter))
  /** The entry's filter list when the switch removes part of it, as it is now. */
  const filtersOf = (entry: JsonRecord | undefined): JsonRecord => (stopped && hasStopped(entry) ? {[stopped.field]: structuredClone(entry![stopped.field])} : {})
  const storedFilters = (entry: JsonRecord | undefined): JsonRecord => (stopped && Array.isArray(entry?.[stopped.field]) ? {[stopped.field]: entry![stopped.field]} : {})

  const capture = (obj: KubeObject): JsonRecord => ({
    [def.listField]: routed(obj.spec ?? {}).map((entry) => ({...def.identity(entry), [def.refsField]: structuredClone(entry[def.refsField]), ...filtersOf(entry)})),
  })
  const storedEntries = (original: unknown): JsonRecord[] => (isRecord(original) ? recordsOf(original[def.listField]) : [])

  /**
   * The original Service port an entry's traffic went to: its first reference to a Service, by port number or by name
   * (Traefik's `port: http`; its address then comes from the Service's ports, empty when the Service or the name is
   * not there: that entry gets the page).
   */
  const upstreamOf = (ref: JsonRecord, namespace: string, servicePort?: ServicePortLookup): UpstreamRef | undefined => {
    if ((ref.kind ?? 'Service') !== 'Service' || (ref.group ?? '') !== '' || typeof ref.name !== 'string') return undefined
    const refNamespace = typeof ref.namespace === 'string' ? ref.namespace : namespace
    if (typeof ref.port === 'number') return upstreamKey(refNamespace, ref.name, ref.port)
    return typeof ref.port === 'string' && ref.port !== '' ? namedUpstreamKey(refNamespace, ref.name, ref.port, servicePort) : undefined
  }

  /** Every original Service port the entries' references reach (weighted references: each of them). */
  const upstreams = (original: unknown, namespace: string, _name: string, servicePort?: ServicePortLookup): UpstreamRef[] =>
    storedEntries(original).flatMap((entry) =>
      recordsOf(entry[def.refsField]).flatMap((ref) => {
        // Weight 0 sends a reference nothing: no port for it.
        const upstream = ref.weight === 0 ? undefined : upstreamOf(ref, namespace, servicePort)
        return upstream && upstream.address !== '' ? [upstream] : []
      }),
    )

  /**
   * Per routed entry, where its traffic goes: one target per distinct port of the backend, with the summed weight of
   * the original references it stands for (undefined port: the page's own). An entry with one target needs no weight;
   * weighted references keep their split, each to the gate port proxying to its own original.
   */
  const gateTargets = (obj: KubeObject, backend: BackendRef, original: unknown): Array<Array<{port?: number; weight?: number}>> => {
    const entries = routed(obj.spec ?? {})
    if (backend.upstreamPorts === undefined) return entries.map(() => [{}])
    const namespace = obj.metadata.namespace ?? ''
    const originals = storedCounterparts(entries, keyOf, storedEntries(original ?? capture(obj)), keyOf)
    return entries.map((entry, index) => {
      if (def.keepsPagePort?.(originals[index] ?? entry)) return [{}]
      const weights = new Map<number | undefined, number>()
      for (const ref of recordsOf(refsOf(originals[index]))) {
        const upstream = upstreamOf(ref, namespace)
        const port = upstream ? backend.upstreamPorts?.[upstream.key] : undefined
        // Traefik and the Gateway API both weigh a reference without a weight as 1; weight 0 sends it nothing.
        const weight = typeof ref.weight === 'number' && Number.isInteger(ref.weight) && ref.weight >= 0 ? ref.weight : 1
        weights.set(port, (weights.get(port) ?? 0) + weight)
      }
      const targets = [...weights].filter(([, weight]) => weight > 0).map(([port, weight]) => ({port, weight}))
      if (targets.length === 0) return [{}]
      return targets.length === 1 ? [{port: targets[0].port}] : targets
    })
  }

  function switchSpec(obj: KubeObject, backend: BackendRef, original?: unknown): JsonRecord {
    const spec = copySpec(obj)
    const targets = gateTargets(obj, backend, original)
    for (const [index, entry] of routed(spec).entries()) {
      entry[def.refsField] = targets[index].flatMap(({port, weight}) => def.backendRefs(backend, entry, port).map((ref) => (weight === undefined ? ref : {...ref, weight})))
      if (stopped && hasStopped(entry)) {
        const kept = recordsOf(entry[stopped.field]).filter((filter) => !stopped.matches(filter))
        if (kept.length > 0) entry[stopped.field] = kept
        else delete entry[stopped.field]
      }
    }
    return spec
  }

  function isSwitched(obj: KubeObject, backend: BackendRef, original?: unknown): boolean {
    const targets = gateTargets(obj, backend, original)
    return routed(obj.spec ?? {}).every((entry, index) => {
      const refs = recordsOf(entry[def.refsField])
      const wanted = targets[index]
      return (
        refs.length === wanted.length &&
        refs.every((ref, at) => def.isBackendRef(ref, backend, obj.metadata.namespace, wanted[at].port) && (wanted[at].weight === undefined || (ref.weight ?? 1) === wanted[at].weight)) &&
        !hasStopped(entry)
      )
    })
  }

  function mergeOriginal(obj: KubeObject, stored: unknown, backend: BackendRef): JsonRecord {
    const current = storedEntries(capture(obj))
    const previous = storedCounterparts(current, keyOf, storedEntries(stored), keyOf)
    const entries = current.flatMap((entry, index) => {
      const pointsAtBackend = routesTo(refsOf(entry), backend.serviceName)
      const refs = mergedEntry(refsOf(entry), refsOf(previous[index]), pointsAtBackend)
      if (refs === undefined) return []
      const {[stopped?.field ?? '']: _filters, ...rest} = entry
      return [{...(stopped ? rest : entry), [def.refsField]: refs, ...(pointsAtBackend ? storedFilters(previous[index]) : storedFilters(entry))}]
    })
    return {[def.listField]: entries}
  }

  function restoreSpec(obj: KubeObject, original: unknown): JsonRecord {
    const spec = copySpec(obj)
    const backendName = backendNameOf(obj)
    const entries = routed(spec)
    const stored = storedCounterparts(entries, keyOf, storedEntries(original), keyOf)
    const removed = new Set<JsonRecord>()
    entries.forEach((entry, index) => {
      const pointsAtBackend = backendName === undefined ? undefined : routesTo(entry[def.refsField], backendName)
      const step = restoreStep(refsOf(stored[index]), pointsAtBackend)
      if (step === 'remove') removed.add(entry)
      else if (step !== 'keep') {
        entry[def.refsField] = structuredClone(step.put)
        if (stopped && Array.isArray(stored[index]?.[stopped.field])) entry[stopped.field] = structuredClone(stored[index]![stopped.field])
      }
    })
    if (removed.size > 0) spec[def.listField] = (spec[def.listField] as unknown[]).filter((entry) => !removed.has(entry as JsonRecord))
    return spec
  }

  function validateOriginal(original: unknown): string[] {
    return validateWith(original, (check, value) => {
      check.onlyKeys(value, [def.listField], 'original')
      const list = value[def.listField]
      if (!check.array(list, `original.${def.listField}`)) return
      list.forEach((entry, index) => {
        const path = `original.${def.listField}[${index}]`
        if (!check.record(entry, path)) return
        check.onlyKeys(entry, [...def.identityFields, def.refsField, ...(stopped ? [stopped.field] : [])], path)
        def.checkIdentity(check, entry, path)
        if (stopped && entry[stopped.field] !== undefined && check.array(entry[stopped.field], `${path}.${stopped.field}`)) {
          ;(entry[stopped.field] as unknown[]).forEach((filter, filterIndex) => check.record(filter, `${path}.${stopped.field}[${filterIndex}]`))
        }
        const refs = entry[def.refsField]
        if (!check.array(refs, `${path}.${def.refsField}`, true)) return
        refs.forEach((ref, refIndex) => {
          const refPath = `${path}.${def.refsField}[${refIndex}]`
          if (check.record(ref, refPath)) def.checkRef(check, ref, refPath)
        })
      })
    })
  }

  return {captureRouting: capture, isSwitched, kind: def.kind, mergeOriginal, restoreSpec, switchSpec, upstreams, validateOriginal}
}
