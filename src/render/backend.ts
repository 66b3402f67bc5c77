import type {RenderedPage} from './page.js'

import {BACKEND_PREFIX, BackendAnnotation} from '../model/keys.js'
import {CONFIGMAP_LIMIT_BYTES} from '../model/limits.js'
import {type GateSettings, isGateActive} from '../model/gate.js'
import {type GateUpstream} from './gate.js'
import {renderNginxConf} from './nginx-conf.js'
import {BACKEND_IMAGE, backendDataDigest, backendPodLabels, contentHash} from './backend-content.js'

export const BACKEND_PORT = 80
export const BACKEND_CONTAINER_PORT = 8080
/** HTTP/2 cleartext for gRPC callers (an ingress-nginx GRPC backend, a Traefik h2c service, a Service port for gRPC). */
export const BACKEND_GRPC_PORT = 81
export const BACKEND_GRPC_CONTAINER_PORT = 8081
/** TLS (HTTP/1.1 and HTTP/2 by ALPN) for proxies that speak HTTPS or gRPC over TLS to their upstream. */
export const BACKEND_TLS_PORT = 443
export const BACKEND_TLS_CONTAINER_PORT = 8443
export const BACKEND_USER = 101

/** Where the pod mounts the ConfigMap and its writable emptyDir. */
export const CONTENT_ROOT = '/etc/maintenance'
export const TEMP_ROOT = '/tmp'
export const HEALTHZ_PATH = '/_maintenance/healthz'
/**
 * Where the pod mounts the backend's TLS Secret (tls.crt, tls.key). The certificate is self-signed and generated
 * when the backend is made (kube/backend-tls.ts), so it is not part of what is rendered or hashed here.
 */
export const TLS_ROOT = '/etc/maintenance-tls'

/** The gate's ports: one per original backend, the same number on the Service and in the pod. */
export const GATE_PORT_BASE = 8100
export const MAX_UPSTREAMS = 64
/** Written at container start from the pod's /etc/resolv.conf, so nginx resolves Service names with cluster DNS. */
export const RESOLVER_FILE = `${TEMP_ROOT}/resolver.conf`
/** The gate's cookie key and table, a key of the backend's Secret (see kube/backend-tls.ts and render/gate.ts). */
export const GATE_KEY_FILE = `${TLS_ROOT}/gate.conf`

export function isGatePort(port: unknown): boolean {
  return typeof port === 'number' && port >= GATE_PORT_BASE && port < GATE_PORT_BASE + MAX_UPSTREAMS
}

/** An original backend the gate proxies to: `key` names it for the kind modules, `address` is host:port. */
export interface Upstream {
  key: string
  address: string
  /** A Service the backend makes to reach it, owned by the backend (the shadow of a Service target). */
  shadow?: object
}

/** The gate of a backend: its settings and its original backends. */
export interface BackendGate {
  settings: GateSettings
  upstreams: Upstream[]
}


export interface BackendInput {
  namespace: string
  page: RenderedPage
  image?: string
  /** Absent (or asking for nothing): every request gets the page, exactly as without a gate. */
  gate?: BackendGate
  /** Until when the gate's Secret issues bypass cookies (the window's end); not part of the content. */
  gateUntil?: number
  /** The digest of what the page was rendered from, kept on the ConfigMap (engine/render-inputs.ts); not part of the content. */
  renderInputs?: string
}

/** What the backend's Secret needs for the gate, and where each original backend is proxied from. */
export interface RenderedGate {
  /** Upstream key -> the backend Service's port for it. */
  upstreamPorts: Record<string, number>
  /** For the cookie table: the TTL, and until when (undefined: GATE_TABLE_DAYS from its creation). */
  bypassTtlSeconds?: number
  until?: number
}

export interface BackendManifests {
  name: string
  hash: string
  /** backendDataDigest of the ConfigMap: what an observed ConfigMap must hold to be served. */
  digest: string
  podLabels: Record<string, string>
  configMap: object
  deployment: object
  service: object
  gate?: RenderedGate
  /** Shadow Services the gate proxies to (Service targets), made with the backend and owned by its ConfigMap. */
  shadows?: object[]
}

/** Ports for the distinct upstreams, in the order of their addresses, so equal gates render equally. */
function gatePorts(upstreams: Upstream[]): {ports: GateUpstream[]; byKey: Record<string, number>} {
  const addresses = [...new Set(upstreams.map((upstream) => upstream.address))].sort()
  if (addresses.length > MAX_UPSTREAMS) throw new Error(`the gate would need ${addresses.length} ports, one per original backend; at most ${MAX_UPSTREAMS}: split the window`)
  const ports = addresses.map((address, index) => ({address, port: GATE_PORT_BASE + index}))
  const byAddress = new Map(ports.map((entry) => [entry.address, entry.port]))
  return {byKey: Object.fromEntries(upstreams.map((upstream) => [upstream.key, byAddress.get(upstream.address)!])), ports}
}

export function backendNginxConf(page: RenderedPage, gate?: {settings: GateSettings; ports: GateUpstream[]}): string {
  return renderNginxConf({
    gate: gate && {...gate.settings, keyFile: GATE_KEY_FILE, resolverFile: RESOLVER_FILE, upstreams: gate.ports},
    assets: Object.keys(page.assets).sort(),
    contentRoot: CONTENT_ROOT,
    grpcListen: String(BACKEND_GRPC_CONTAINER_PORT),
    grpcMessage: page.grpcMessage,
    listen: String(BACKEND_CONTAINER_PORT),
    pidFile: `${TEMP_ROOT}/nginx.pid`,
    retryAfter: page.retryAfter,
    status: page.status,
    tempRoot: TEMP_ROOT,
    tlsListen: String(BACKEND_TLS_CONTAINER_PORT),
    tlsRoot: TLS_ROOT,
  })
}

function configMapBytes(data: Record<string, string>, binaryData: Record<string, Buffer>): number {
  const text = Object.values(data).reduce((sum, value) => sum + Buffer.byteLength(value, 'utf8'), 0)
  return Object.values(binaryData).reduce((sum, value) => sum + value.length, text)
}

export function renderBackend(input: BackendInput): BackendManifests {
  const image = input.image ?? BACKEND_IMAGE
  const {page, namespace} = input
  const gated = isGateActive(input.gate?.settings) ? {...input.gate!, ...gatePorts(input.gate!.upstreams)} : undefined
  const nginxConf = backendNginxConf(page, gated)
  const hash = contentHash(page, nginxConf, image)
  const name = `${BACKEND_PREFIX}${hash}`
  const labels = backendPodLabels(hash)
  // Fresh objects for each manifest: callers may add fields (resourceVersion, ownerReferences) to one of them.
  const metadata = () => ({labels: {...labels}, name, namespace})
  const data = {'nginx.conf': nginxConf, 'page.html': page.html, 'page.json': page.json, 'page.xml': page.xml}
  const assetNames = Object.keys(page.assets).sort()
  const size = configMapBytes(data, page.assets)
  if (size > CONFIGMAP_LIMIT_BYTES) {
    throw new Error(`the rendered page takes ${size} bytes, more than the ${CONFIGMAP_LIMIT_BYTES} a ConfigMap holds: make the assets smaller`)
  }

  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: input.renderInputs === undefined ? metadata() : {...metadata(), annotations: {[BackendAnnotation.renderInputs]: input.renderInputs}},
    ...(assetNames.length > 0 ? {binaryData: Object.fromEntries(assetNames.map((asset) => [asset, page.assets[asset].toString('base64')]))} : {}),
    data,
    immutable: true,
  }

  const probe = (periodSeconds: number) => ({
    failureThreshold: 3,
    httpGet: {path: HEALTHZ_PATH, port: BACKEND_CONTAINER_PORT},
    periodSeconds,
    timeoutSeconds: 1,
  })
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(),
    spec: {
      replicas: 1,
      revisionHistoryLimit: 1,
      selector: {matchLabels: {...labels}},
      template: {
        metadata: {labels: {...labels}},
        spec: {
          automountServiceAccountToken: false,
          containers: [
            {
              ...(gated
                ? {
                    // nginx resolves the original Services with the pod's DNS server, read here since nginx cannot.
                    args: [
                      '-c',
                      `awk '$1 == "nameserver" { print "resolver " ($2 ~ /:/ ? "[" $2 "]" : $2) " valid=10s;"; exit }' /etc/resolv.conf > ${RESOLVER_FILE} && exec nginx -e stderr -c ${CONTENT_ROOT}/nginx.conf -g 'daemon off;'`,
                    ],
                    command: ['/bin/sh'],
                  }
                : {args: ['-e', 'stderr', '-c', `${CONTENT_ROOT}/nginx.conf`, '-g', 'daemon off;'], command: ['nginx']}),
              image,
              imagePullPolicy: 'IfNotPresent',
              livenessProbe: probe(10),
              name: 'nginx',
              ports: [
                {containerPort: BACKEND_CONTAINER_PORT, name: 'http', protocol: 'TCP'},
                {containerPort: BACKEND_GRPC_CONTAINER_PORT, name: 'grpc', protocol: 'TCP'},
                {containerPort: BACKEND_TLS_CONTAINER_PORT, name: 'https', protocol: 'TCP'},
                ...(gated?.ports ?? []).map(({port}) => ({containerPort: port, name: `gate-${port - GATE_PORT_BASE}`, protocol: 'TCP'})),
              ],
              readinessProbe: probe(1),
              resources: {limits: {memory: '32Mi'}, requests: {cpu: '10m', memory: '16Mi'}},
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: {drop: ['ALL']},
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                runAsUser: BACKEND_USER,
                seccompProfile: {type: 'RuntimeDefault'},
              },
              volumeMounts: [
                {mountPath: CONTENT_ROOT, name: 'page', readOnly: true},
                {mountPath: TEMP_ROOT, name: 'tmp'},
                {mountPath: TLS_ROOT, name: 'tls', readOnly: true},
              ],
            },
          ],
          enableServiceLinks: false,
          securityContext: {
            // The Secret's files are group-readable only (0440): the group makes them readable to nginx's user.
            fsGroup: BACKEND_USER,
            runAsGroup: BACKEND_USER,
            runAsNonRoot: true,
            runAsUser: BACKEND_USER,
            seccompProfile: {type: 'RuntimeDefault'},
          },
          terminationGracePeriodSeconds: 5,
          volumes: [
            {
              configMap: {
                items: [
                  ...Object.keys(data).map((key) => ({key, path: key})),
                  ...assetNames.map((asset) => ({key: asset, path: `assets/${asset}`})),
                ],
                name,
              },
              name: 'page',
            },
            {emptyDir: {sizeLimit: '16Mi'}, name: 'tmp'},
            {name: 'tls', secret: {defaultMode: 0o440, secretName: name}},
          ],
        },
      },
    },
  }

  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(),
    spec: {
      ports: [
        {name: 'http', port: BACKEND_PORT, protocol: 'TCP', targetPort: BACKEND_CONTAINER_PORT},
        {appProtocol: 'kubernetes.io/h2c', name: 'grpc', port: BACKEND_GRPC_PORT, protocol: 'TCP', targetPort: BACKEND_GRPC_CONTAINER_PORT},
        {appProtocol: 'https', name: 'https', port: BACKEND_TLS_PORT, protocol: 'TCP', targetPort: BACKEND_TLS_CONTAINER_PORT},
        ...(gated?.ports ?? []).map(({port}) => ({name: `gate-${port - GATE_PORT_BASE}`, port, protocol: 'TCP', targetPort: port})),
      ],
      selector: {...labels},
      type: 'ClusterIP',
    },
  }

  const digest = backendDataDigest(configMap.data, configMap.binaryData)
  const gate: RenderedGate | undefined = gated && {bypassTtlSeconds: gated.settings.bypass?.ttlSeconds, until: input.gateUntil, upstreamPorts: gated.byKey}
  const shadows = gated ? [...new Map(gated.upstreams.flatMap((upstream) => (upstream.shadow ? [[JSON.stringify(upstream.shadow), upstream.shadow] as const] : []))).values()] : []
  return {configMap, deployment, digest, hash, name, podLabels: {...labels}, service, ...(gate ? {gate} : {}), ...(shadows.length > 0 ? {shadows} : {})}
}

export interface TlsKeyPair {
  /** PEM certificate (self-signed). */
  certificate: string
  /** PEM private key. */
  key: string
}

/**
 * The backend's TLS Secret, named like the backend and owned by its ConfigMap, so it goes when the backend goes.
 * The key pair is an input: it is random, so it is generated in the I/O shell and never hashed.
 */
export function backendTlsSecret(manifests: Pick<BackendManifests, 'hash' | 'name'>, namespace: string, ownerUid: string, pair: TlsKeyPair, gateConf?: string): object {
  return {
    apiVersion: 'v1',
    data: {
      ...(gateConf === undefined ? {} : {'gate.conf': Buffer.from(gateConf).toString('base64')}),
      'tls.crt': Buffer.from(pair.certificate).toString('base64'),
      'tls.key': Buffer.from(pair.key).toString('base64'),
    },
    immutable: true,
    kind: 'Secret',
    metadata: {
      labels: backendPodLabels(manifests.hash),
      name: manifests.name,
      namespace,
      ownerReferences: [{apiVersion: 'v1', controller: true, kind: 'ConfigMap', name: manifests.name, uid: ownerUid}],
    },
    type: 'kubernetes.io/tls',
  }
}
