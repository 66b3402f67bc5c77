/** Cluster objects for the benchmarks, shaped as users write them (see test/fixtures/targets.ts). */
import {MANAGED_BY, MANAGED_BY_LABEL, ROLE_LABEL, Role, WindowAnnotation, WindowData} from '../src/model/keys.js'

export type KubeObject = Record<string, unknown>

export function rfc3339Seconds(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** An Ingress like a real application's: a host, two paths to two Services (by port name and number), TLS. */
export function ingress(namespace: string, name: string): KubeObject {
  const host = `${name}.${namespace}.example.com`
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {annotations: {'nginx.ingress.kubernetes.io/proxy-body-size': '8m'}, labels: {app: name}, name, namespace},
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host,
          http: {
            paths: [
              {backend: {service: {name: `${name}-web`, port: {name: 'http'}}}, path: '/', pathType: 'Prefix'},
              {backend: {service: {name: `${name}-api`, port: {number: 8080}}}, path: '/api', pathType: 'Prefix'},
            ],
          },
        },
      ],
      tls: [{hosts: [host], secretName: `${name}-tls`}],
    },
  }
}

/** A Traefik IngressRoute: a host rule over two weighted Services, with a middleware. */
export function ingressRoute(namespace: string, name: string): KubeObject {
  return {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'IngressRoute',
    metadata: {labels: {app: name}, name, namespace},
    spec: {
      entryPoints: ['websecure'],
      routes: [
        {
          kind: 'Rule',
          match: `Host(\`${name}.${namespace}.example.com\`)`,
          middlewares: [{name: 'rate-limit'}],
          services: [
            {name: `${name}-v1`, port: 80, weight: 3},
            {name: `${name}-v2`, port: 80, weight: 1},
          ],
        },
      ],
    },
  }
}

/** A Gateway API HTTPRoute attached to a shared Gateway in another namespace. */
export function httpRoute(namespace: string, name: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {labels: {app: name}, name, namespace},
    spec: {
      hostnames: [`${name}.${namespace}.example.com`],
      parentRefs: [{name: 'gateway', namespace: 'infra'}],
      rules: [{backendRefs: [{name, port: 8080}], matches: [{path: {type: 'PathPrefix', value: '/'}}]}],
    },
  }
}

/** A ClusterIP Service in front of a database, by selector and a named target port. */
export function service(namespace: string, name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {labels: {app: name}, name, namespace},
    spec: {ports: [{name: 'pg', port: 5432, targetPort: 'postgres'}], selector: {app: name, tier: 'db'}},
  }
}

export interface WindowSpec {
  namespace: string
  name: string
  targets: string[]
  start: number
  end?: number
  message?: string
}

/** A window ConfigMap as SPEC §3 describes it, as `schedule` or a GitOps user would write it. */
export function windowConfigMap(window: WindowSpec): KubeObject {
  const annotations: Record<string, string> = {
    [WindowAnnotation.page]: 'default',
    [WindowAnnotation.start]: rfc3339Seconds(window.start),
    [WindowAnnotation.targets]: window.targets.join(','),
    [WindowAnnotation.timezone]: 'Europe/Berlin',
  }
  if (window.end !== undefined) annotations[WindowAnnotation.end] = rfc3339Seconds(window.end)
  return {
    apiVersion: 'v1',
    data: {[WindowData.message]: window.message ?? 'Upgrading the database', [WindowData.contact]: 'ops@example.com'},
    kind: 'ConfigMap',
    metadata: {
      annotations,
      labels: {[MANAGED_BY_LABEL]: MANAGED_BY, [ROLE_LABEL]: Role.window},
      name: window.name,
      namespace: window.namespace,
    },
  }
}

export function pad(index: number, width = 3): string {
  return String(index).padStart(width, '0')
}

export interface Fleet {
  namespaces: number
  ingressesPerNamespace: number
  /** Window j of a namespace names its Ingress j. */
  windowsPerNamespace: number
  /** The first this many windows of each namespace are active; the others start days later (beyond the lead time). */
  activePerNamespace: number
}

/** Namespaces `ns-000`..., each with Ingresses `app-000`... and windows `window-000`...; times in whole seconds. */
export function fleetObjects(fleet: Fleet, now: number): {namespaces: string[]; objects: KubeObject[]} {
  const second = Math.floor(now / 1000) * 1000
  const namespaces = Array.from({length: fleet.namespaces}, (_unused, index) => `ns-${pad(index)}`)
  const objects: KubeObject[] = []
  for (const namespace of namespaces) {
    for (let index = 0; index < fleet.ingressesPerNamespace; index++) objects.push(ingress(namespace, `app-${pad(index)}`))
    for (let index = 0; index < fleet.windowsPerNamespace; index++) {
      const active = index < fleet.activePerNamespace
      const start = active ? second - 60_000 : second + 86_400_000 + index * 3_600_000
      const end = active ? second + 2 * 3_600_000 : start + 3_600_000
      objects.push(windowConfigMap({end, name: `window-${pad(index)}`, namespace, start, targets: [`ingress/app-${pad(index)}`]}))
    }
  }
  return {namespaces, objects}
}
