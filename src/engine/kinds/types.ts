import type {KubeObject} from '../../model/kube-object.js'
import type {TargetKind} from '../../model/target.js'

export type {KubeObject} from '../../model/kube-object.js'

export interface BackendRef {
  serviceName: string
  /** 80 */
  servicePort: number
  /** 8080 */
  containerPort: number
  /** 81: HTTP/2 cleartext (h2c), where gRPC callers get a gRPC status UNAVAILABLE with the message. */
  grpcPort: number
  /** 8081 */
  grpcContainerPort: number
  /** 443: TLS with the backend's self-signed certificate, for callers that speak HTTPS (or gRPC over TLS). */
  tlsPort: number
  /** 8443 */
  tlsContainerPort: number
  podLabels: Record<string, string>
  /** A gated backend: the Service port that proxies to each original backend, by upstreamKey(). */
  upstreamPorts?: Record<string, number>
  /** A backend known only by name: any port of the gate's range counts as pointing at it. */
  anyGatePort?: boolean
}

/** An original backend a routing entry reached, as the gate proxies to it. */
export interface UpstreamRef {
  key: string
  address: string
  /** A Service the backend makes to reach it (the shadow of a Service target). */
  shadow?: object
}

/**
 * The number of a Service's named port, read from the Service as the pass observed it (undefined: no such Service or
 * port). nginx proxies to a Service's DNS name only by number, so a backend naming its port by name needs this.
 */
export type ServicePortLookup = (namespace: string, service: string, portName: string) => number | undefined

/** An original Service port named by name: keyed by the name, proxied to the number the Service gives it now. */
export function namedUpstreamKey(namespace: string, name: string, portName: string, lookup?: ServicePortLookup): UpstreamRef {
  const number = lookup?.(namespace, name, portName)
  return {address: number === undefined ? '' : `${name}.${namespace}.svc.cluster.local:${number}`, key: `${namespace}/${name}:${portName}`}
}

/** How the gate names an original Service port: by namespace, name and port number. */
export function upstreamKey(namespace: string, name: string, port: number): UpstreamRef {
  return {address: `${name}.${namespace}.svc.cluster.local:${port}`, key: `${namespace}/${name}:${port}`}
}

export interface KindModule {
  kind: TargetKind
  /** What would be replaced, exactly as it is now, as a JSON-serialisable value (this goes into the original annotation). */
  captureRouting(obj: KubeObject): unknown
  /** The spec with every routing entry pointing at the backend; all other fields untouched (deep copy, input not mutated). */
  switchSpec(obj: KubeObject, backend: BackendRef, original?: unknown): Record<string, unknown>
  /** True when every routing entry already points at the backend (no drift); a gated one by the port of its original. */
  isSwitched(obj: KubeObject, backend: BackendRef, original?: unknown): boolean
  /** The gate: the original backends (Services and ports) the original routing reaches; absent: the kind has no gate. */
  upstreams?(original: unknown, namespace: string, name: string, servicePort?: ServicePortLookup): UpstreamRef[]
  /**
   * Drift: entries someone changed back while in maintenance. Returns the new original: for entries that still point
   * at the backend, the stored original's; for entries that were changed (or added) since, what is there now.
   */
  mergeOriginal(obj: KubeObject, stored: unknown, backend: BackendRef): unknown
  /**
   * Annotations the switch changes besides the spec (a controller's protocol setting, so the proxy speaks what the
   * page backend serves): key -> new value, or null to remove. Restore puts back what the original recorded.
   */
  switchAnnotations?(obj: KubeObject): Record<string, string | null>
  restoreAnnotations?(obj: KubeObject, original: unknown): Record<string, string | null>
  /** The spec with the original routing put back, keyed, so entries added or edited meanwhile in fields the tool does not own are kept. */
  restoreSpec(obj: KubeObject, original: unknown): Record<string, unknown>
  /**
   * Checks an original (stored ones come from an annotation anyone could edit): its shape. It also runs on what is
   * captured before a switch, so whatever is recorded can be restored. References to other namespaces pass: restore
   * writes back only what was read, and ReferenceGrant / allowCrossNamespace still decide whether they route.
   */
  validateOriginal(original: unknown): string[]
}
