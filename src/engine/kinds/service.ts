import type {BackendRef, KindModule, KubeObject} from './types.js'

import {type JsonRecord, canonicalJson, copySpec, definedOnly, isRecord, mergedEntry, recordsOf, storedCounterparts, sameJson, validateWith} from './shared.js'

/** A type alias, not an interface, so it is also a JsonRecord. `targetPort` is absent when the Service had none. */
type TargetPortOriginal = {
  port: number
  name?: string
  targetPort?: number | string
}

/** `selector` is absent when the Service had none (manual Endpoints): restore removes the one switching set. */
interface ServiceOriginal {
  selector?: Record<string, string>
  targetPorts: TargetPortOriginal[]
}

function portKey(port: {name?: unknown; port?: unknown}): string {
  return canonicalJson(port.name === undefined ? ['port', port.port] : ['name', port.name])
}

/**
 * A port that carries gRPC (appProtocol grpc / h2c, or a name such as `grpc` or `grpc-web` as Istio names them):
 * its callers speak HTTP/2 without TLS, so it goes to the backend's h2c port and they read a gRPC status.
 */
export function carriesGrpc(port: JsonRecord): boolean {
  const appProtocol = typeof port.appProtocol === 'string' ? port.appProtocol.toLowerCase() : ''
  const name = typeof port.name === 'string' ? port.name.toLowerCase() : ''
  return ['grpc', 'h2c', 'kubernetes.io/h2c'].includes(appProtocol) || name === 'grpc' || name.startsWith('grpc-')
}

/**
 * A port whose callers speak TLS to it: 443, a name such as `https` or `tls-*`, or appProtocol https / wss / tls /
 * grpcs. It goes to the backend's TLS port, where they complete the handshake (with its self-signed certificate)
 * and get the page, or a gRPC status over HTTP/2.
 */
export function carriesTls(port: JsonRecord): boolean {
  const appProtocol = typeof port.appProtocol === 'string' ? port.appProtocol.toLowerCase() : ''
  const name = typeof port.name === 'string' ? port.name.toLowerCase() : ''
  return (
    port.port === 443 ||
    ['https', 'wss', 'tls', 'kubernetes.io/wss', 'grpcs'].includes(appProtocol) ||
    /^(https|tls|grpcs)($|-)/.test(name)
  )
}

function targetPortFor(port: JsonRecord, backend: BackendRef): number {
  if (carriesTls(port)) return backend.tlsContainerPort
  return carriesGrpc(port) ? backend.grpcContainerPort : backend.containerPort
}

function capture(obj: KubeObject): ServiceOriginal {
  const spec = obj.spec ?? {}
  const targetPorts = recordsOf(spec.ports).map((port) =>
    definedOnly({name: port.name as string | undefined, port: port.port as number, targetPort: port.targetPort as number | string | undefined}),
  )
  return spec.selector === undefined ? {targetPorts} : {selector: structuredClone(spec.selector) as Record<string, string>, targetPorts}
}

function asOriginal(value: unknown): ServiceOriginal {
  if (!isRecord(value)) return {targetPorts: []}
  const targetPorts = recordsOf(value.targetPorts) as TargetPortOriginal[]
  return isRecord(value.selector) ? {selector: value.selector as Record<string, string>, targetPorts} : {targetPorts}
}

/** ExternalName is a DNS alias, not a proxy to pods: a selector on it routes nothing, so it cannot show the page. */
function switchSpec(obj: KubeObject, backend: BackendRef): JsonRecord {
  const spec = copySpec(obj)
  if (spec.type === 'ExternalName') {
    const alias = typeof spec.externalName === 'string' ? ` (an alias of ${spec.externalName})` : ''
    throw new Error(
      `service/${obj.metadata.name} is ExternalName${alias}; it has no pods to route, so it cannot be switched to the maintenance backend: put the Ingress, IngressRoute or HTTPRoute in front of it into maintenance instead`,
    )
  }
  // Without a selector the Endpoints are written by hand or by another controller; setting one would let the
  // endpoints controller overwrite them, and removing it at restore would not bring them back.
  if (!isRecord(spec.selector) || Object.keys(spec.selector).length === 0) {
    throw new Error(
      `service/${obj.metadata.name} has no selector (its Endpoints are managed by hand or by another controller); switching it would overwrite them: put the Ingress, IngressRoute or HTTPRoute in front of it into maintenance instead`,
    )
  }
  spec.selector = {...backend.podLabels}
  for (const port of recordsOf(spec.ports)) port.targetPort = targetPortFor(port, backend)
  return spec
}

function isSwitched(obj: KubeObject, backend: BackendRef): boolean {
  const spec = obj.spec ?? {}
  return spec.type !== 'ExternalName' && sameJson(spec.selector, backend.podLabels) && recordsOf(spec.ports).every((port) => port.targetPort === targetPortFor(port, backend))
}

/**
 * A port whose targetPort is the backend's container port counts as switched even if someone set that number
 * themselves: the stored original is kept for it, as nothing tells the two apart.
 */
function mergeOriginal(obj: KubeObject, stored: unknown, backend: BackendRef): ServiceOriginal {
  const current = capture(obj)
  const previous = asOriginal(stored)
  const storedPorts = storedCounterparts(current.targetPorts, portKey, previous.targetPorts, portKey)
  const targetPorts = current.targetPorts.flatMap((entry, index) => {
    const backendPorts: unknown[] = [backend.containerPort, backend.grpcContainerPort, backend.tlsContainerPort]
    const kept = mergedEntry(entry, storedPorts[index], backendPorts.includes(entry.targetPort))
    return kept === undefined ? [] : [kept]
  })
  const selector = current.selector === undefined ? undefined : mergedEntry(current.selector, previous.selector, sameJson(current.selector, backend.podLabels))
  return selector === undefined ? {targetPorts} : {selector, targetPorts}
}

/**
 * The selector always goes back to the original (the backend's pod labels cannot be told from its name here, so an
 * edit made after the last pass is not recognised); ports without an original keep their targetPort, since a port
 * cannot be dropped without changing the Service's interface.
 */
function restoreSpec(obj: KubeObject, original: unknown): JsonRecord {
  const spec = copySpec(obj)
  const stored = asOriginal(original)
  if (stored.selector === undefined) delete spec.selector
  else spec.selector = {...stored.selector}
  const ports = recordsOf(spec.ports)
  const storedPorts = storedCounterparts(ports, portKey, stored.targetPorts, portKey)
  ports.forEach((port, index) => {
    const entry = storedPorts[index]
    if (!entry) return
    if (entry.targetPort === undefined) delete port.targetPort
    else port.targetPort = entry.targetPort
  })
  return spec
}

function isPortNumber(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65_535
}

function validateOriginal(original: unknown): string[] {
  return validateWith(original, (check, value) => {
    check.onlyKeys(value, ['selector', 'targetPorts'], 'original')
    if (value.selector !== undefined && check.record(value.selector, 'original.selector')) {
      for (const [key, label] of Object.entries(value.selector)) check.string(label, `original.selector[${JSON.stringify(key)}]`)
    }
    if (!check.array(value.targetPorts, 'original.targetPorts')) return
    value.targetPorts.forEach((entry, index) => {
      const path = `original.targetPorts[${index}]`
      if (!check.record(entry, path)) return
      check.onlyKeys(entry, ['name', 'port', 'targetPort'], path)
      check.expect(isPortNumber(entry.port), `${path}.port`, 'a port number (1-65535)')
      check.optionalString(entry.name, `${path}.name`)
      const {targetPort} = entry
      check.expect(targetPort === undefined || isPortNumber(targetPort) || (typeof targetPort === 'string' && targetPort !== ''), `${path}.targetPort`, 'a port number or a port name')
    })
  })
}

export const service: KindModule = {
  captureRouting: capture,
  isSwitched,
  kind: 'service',
  mergeOriginal,
  restoreSpec,
  switchSpec,
  validateOriginal,
}
