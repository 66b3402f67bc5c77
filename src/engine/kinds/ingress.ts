import {isGatePort} from '../../render/backend.js'
import {type BackendRef, type KindModule, type KubeObject, type ServicePortLookup, type UpstreamRef, namedUpstreamKey, upstreamKey} from './types.js'

import {checkProtocolAnnotations, protocolAnnotations, speaksGrpc, switchedAnnotations} from './protocol-annotations.js'
import {
  type JsonRecord,
  type ShapeCheck,
  backendNameOf,
  canonicalJson,
  copySpec,
  definedOnly,
  isRecord,
  mergedEntry,
  storedCounterparts,
  recordsOf,
  restoreStep,
  validateWith,
} from './shared.js'

/** One path's backend as it was, keyed by host + path + pathType. A type alias, so it is also a JsonRecord. */
type PathOriginal = {
  host?: string
  path?: string
  pathType?: string
  backend: unknown
}

/**
 * `defaultBackend` is absent when the Ingress had none: switching never adds one, as it could capture unrelated traffic.
 * `annotations`: the controller's upstream-protocol annotations the switch changed (see protocol-annotations.ts).
 */
interface IngressOriginal {
  defaultBackend?: unknown
  paths: PathOriginal[]
  annotations?: Record<string, string>
}

interface PathSlot {
  rule: JsonRecord
  path: JsonRecord
}

/** gRPC upstreams (ingress-nginx GRPC, GRPCS switched to GRPC) go to the backend's h2c port, everything else to HTTP. */
function backendPort(obj: KubeObject, backend: BackendRef): number {
  return speaksGrpc(obj) ? backend.grpcPort : backend.servicePort
}

function backendService(backend: BackendRef, port: number): JsonRecord {
  return {service: {name: backend.serviceName, port: {number: port}}}
}

/** Names the backend's Service at all; a wrong port is still ours, never an original worth keeping. */
function routesTo(value: unknown, serviceName: string): boolean {
  return isRecord(value) && isRecord(value.service) && value.service.name === serviceName
}

function isExactly(value: unknown, backend: BackendRef, port: number): boolean {
  if (!isRecord(value) || value.resource !== undefined || !routesTo(value, backend.serviceName) || !isRecord((value.service as JsonRecord).port)) return false
  const number = ((value.service as JsonRecord).port as JsonRecord).number
  return number === port || (backend.anyGatePort === true && isGatePort(number))
}

/**
 * The original Service port a backend reference reached: by number, or by name (its address then comes from the
 * Service's ports, empty when the Service or the name is not there: that path gets the page).
 */
function upstreamOf(value: unknown, namespace: string, servicePort?: ServicePortLookup): UpstreamRef | undefined {
  if (!isRecord(value) || !isRecord(value.service) || typeof value.service.name !== 'string' || !isRecord(value.service.port)) return undefined
  const {name, number} = value.service.port
  if (typeof number === 'number') return upstreamKey(namespace, value.service.name, number)
  return typeof name === 'string' ? namedUpstreamKey(namespace, value.service.name, name, servicePort) : undefined
}

function upstreams(original: unknown, namespace: string, _name: string, servicePort?: ServicePortLookup): UpstreamRef[] {
  const stored = asOriginal(original)
  return [stored.defaultBackend, ...stored.paths.map((entry) => entry.backend)].flatMap((value) => {
    const upstream = upstreamOf(value, namespace, servicePort)
    return upstream && upstream.address !== '' ? [upstream] : []
  })
}

/**
 * The port each slot goes to: with a gate, the one proxying to what the slot reached originally (a gRPC Ingress,
 * a resource backend or a named port: the page's); without, the page's port for all.
 */
function slotPorts(obj: KubeObject, backend: BackendRef, original: unknown): {defaultPort: number; pathPorts: number[]} {
  const port = backendPort(obj, backend)
  const slots = pathSlots(obj.spec ?? {})
  if (backend.upstreamPorts === undefined || speaksGrpc(obj)) return {defaultPort: port, pathPorts: slots.map(() => port)}
  const namespace = obj.metadata.namespace ?? ''
  const stored = original === undefined ? capture(obj) : asOriginal(original)
  const gated = (value: unknown) => {
    const upstream = upstreamOf(value, namespace)
    return (upstream && backend.upstreamPorts?.[upstream.key]) ?? port
  }
  const originals = storedCounterparts(slots, keyOfSlot, stored.paths, originalKey)
  return {defaultPort: gated(stored.defaultBackend), pathPorts: originals.map((entry) => gated(entry?.backend))}
}

function pathSlots(spec: JsonRecord): PathSlot[] {
  return recordsOf(spec.rules).flatMap((rule) => (isRecord(rule.http) ? recordsOf(rule.http.paths).map((path) => ({path, rule})) : []))
}

function slotKey(host: unknown, path: unknown, pathType: unknown): string {
  return canonicalJson([host ?? '', path ?? '', pathType ?? ''])
}

function originalKey(entry: PathOriginal): string {
  return slotKey(entry.host, entry.path, entry.pathType)
}

function keyOfSlot({path, rule}: PathSlot): string {
  return slotKey(rule.host, path.path, path.pathType)
}

function capture(obj: KubeObject): IngressOriginal {
  const spec = obj.spec ?? {}
  const paths = pathSlots(spec).map(({path, rule}) =>
    definedOnly({backend: structuredClone(path.backend), host: rule.host as string | undefined, path: path.path as string | undefined, pathType: path.pathType as string | undefined}),
  )
  const annotations = protocolAnnotations(obj)
  return definedOnly({
    annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
    defaultBackend: spec.defaultBackend === undefined ? undefined : structuredClone(spec.defaultBackend),
    paths,
  })
}

function asOriginal(value: unknown): IngressOriginal {
  if (!isRecord(value)) return {paths: []}
  const paths = recordsOf(value.paths) as PathOriginal[]
  const annotations = isRecord(value.annotations) ? (value.annotations as Record<string, string>) : undefined
  return definedOnly({annotations, defaultBackend: value.defaultBackend, paths})
}

function switchSpec(obj: KubeObject, backend: BackendRef, original?: unknown): JsonRecord {
  const spec = copySpec(obj)
  const {defaultPort, pathPorts} = slotPorts(obj, backend, original)
  if (spec.defaultBackend !== undefined) spec.defaultBackend = backendService(backend, defaultPort)
  pathSlots(spec).forEach(({path}, index) => (path.backend = backendService(backend, pathPorts[index])))
  return spec
}

function isSwitched(obj: KubeObject, backend: BackendRef, original?: unknown): boolean {
  const spec = obj.spec ?? {}
  if (Object.keys(protocolAnnotations(obj)).length > 0) return false
  const {defaultPort, pathPorts} = slotPorts(obj, backend, original)
  if (spec.defaultBackend !== undefined && !isExactly(spec.defaultBackend, backend, defaultPort)) return false
  return pathSlots(spec).every(({path}, index) => isExactly(path.backend, backend, pathPorts[index]))
}

/** Annotations still at what the switch set keep their stored original; ones changed back since are the new original. */
function mergeAnnotations(obj: KubeObject, stored: Record<string, string> | undefined): Record<string, string> | undefined {
  const changedBack = protocolAnnotations(obj)
  const kept = Object.fromEntries(Object.entries(stored ?? {}).filter(([key]) => changedBack[key] === undefined))
  const merged = {...kept, ...changedBack}
  return Object.keys(merged).length > 0 ? merged : undefined
}

function mergeOriginal(obj: KubeObject, stored: unknown, backend: BackendRef): IngressOriginal {
  const current = capture(obj)
  const previous = asOriginal(stored)
  const storedPaths = storedCounterparts(current.paths, originalKey, previous.paths, originalKey)
  const paths = current.paths.flatMap((entry, index) => {
    const kept = mergedEntry(entry.backend, storedPaths[index]?.backend, routesTo(entry.backend, backend.serviceName))
    return kept === undefined ? [] : [{...entry, backend: kept}]
  })
  const annotations = mergeAnnotations(obj, previous.annotations)
  const defaultBackend =
    current.defaultBackend === undefined ? undefined : mergedEntry(current.defaultBackend, previous.defaultBackend, routesTo(current.defaultBackend, backend.serviceName))
  return definedOnly({annotations, defaultBackend, paths})
}

function restoreSpec(obj: KubeObject, original: unknown): JsonRecord {
  const spec = copySpec(obj)
  const stored = asOriginal(original)
  const backendName = backendNameOf(obj)
  const pointsAtBackend = (value: unknown) => (backendName === undefined ? undefined : routesTo(value, backendName))

  if (spec.defaultBackend !== undefined) {
    const step = restoreStep(stored.defaultBackend, pointsAtBackend(spec.defaultBackend))
    if (step === 'remove') delete spec.defaultBackend
    else if (step !== 'keep') spec.defaultBackend = structuredClone(step.put)
  }

  const slots = pathSlots(spec)
  const storedPaths = storedCounterparts(slots, keyOfSlot, stored.paths, originalKey)
  const removed = new Set<JsonRecord>()
  slots.forEach(({path}, index) => {
    const step = restoreStep(storedPaths[index]?.backend, pointsAtBackend(path.backend))
    if (step === 'remove') removed.add(path)
    else if (step !== 'keep') path.backend = structuredClone(step.put)
  })
  if (removed.size > 0) dropPaths(spec, removed)
  return spec
}

/** A rule left without paths is dropped with them: an `http` with no paths is invalid. */
function dropPaths(spec: JsonRecord, removed: Set<JsonRecord>): void {
  spec.rules = (spec.rules as unknown[]).filter((rule) => {
    if (!isRecord(rule) || !isRecord(rule.http) || !Array.isArray(rule.http.paths)) return true
    const before: unknown[] = rule.http.paths
    const after = before.filter((path) => !removed.has(path as JsonRecord))
    rule.http.paths = after
    return after.length > 0 || before.length === 0
  })
}

function checkBackend(check: ShapeCheck, value: unknown, path: string): void {
  if (!check.record(value, path)) return
  check.onlyKeys(value, ['service', 'resource'], path)
  if (!check.expect((value.service === undefined) !== (value.resource === undefined), path, 'exactly one of service or resource')) return
  if (value.service !== undefined && check.record(value.service, `${path}.service`)) {
    const service = value.service
    check.onlyKeys(service, ['name', 'port'], `${path}.service`)
    check.string(service.name, `${path}.service.name`)
    if (check.record(service.port, `${path}.service.port`)) {
      const {name, number} = service.port
      const validNumber = Number.isInteger(number) && (number as number) >= 1 && (number as number) <= 65_535
      check.expect((name === undefined && validNumber) || (number === undefined && typeof name === 'string'), `${path}.service.port`, 'either {number: 1-65535} or {name: string}')
    }
  }
  if (value.resource !== undefined && check.record(value.resource, `${path}.resource`)) {
    check.string(value.resource.kind, `${path}.resource.kind`)
    check.string(value.resource.name, `${path}.resource.name`)
    check.optionalString(value.resource.apiGroup, `${path}.resource.apiGroup`)
  }
}

function restoreAnnotations(_obj: KubeObject, original: unknown): Record<string, string> {
  return {...asOriginal(original).annotations}
}

function validateOriginal(original: unknown): string[] {
  return validateWith(original, (check, value) => {
    check.onlyKeys(value, ['annotations', 'defaultBackend', 'paths'], 'original')
    if (value.annotations !== undefined) checkProtocolAnnotations(value.annotations, 'original.annotations', check.problems)
    if (value.defaultBackend !== undefined) checkBackend(check, value.defaultBackend, 'original.defaultBackend')
    if (!check.array(value.paths, 'original.paths')) return
    value.paths.forEach((entry, index) => {
      const path = `original.paths[${index}]`
      if (!check.record(entry, path)) return
      check.onlyKeys(entry, ['host', 'path', 'pathType', 'backend'], path)
      check.optionalString(entry.host, `${path}.host`)
      check.optionalString(entry.path, `${path}.path`)
      check.optionalString(entry.pathType, `${path}.pathType`)
      checkBackend(check, entry.backend, `${path}.backend`)
    })
  })
}

export const ingress: KindModule = {
  captureRouting: capture,
  isSwitched,
  kind: 'ingress',
  mergeOriginal,
  restoreAnnotations,
  restoreSpec,
  switchAnnotations: switchedAnnotations,
  switchSpec,
  upstreams,
  validateOriginal,
}
