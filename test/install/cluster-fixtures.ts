/** Objects written by hand from SPEC §3 (not by the code under test), for the install, uninstall and bundle tests. */
import type {RequestLogEntry} from '../support/apiserver.js'

const P = 'kubectl-maintenance.io/'

export type Obj = {apiVersion: string; kind: string; metadata: {name: string; namespace?: string; [key: string]: unknown}; [key: string]: unknown}

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export function windowConfigMap(namespace: string, name: string, targets: string, start: number, end?: number, page = 'default'): Obj {
  const annotations: Record<string, string> = {[`${P}page`]: page, [`${P}start`]: rfc3339(start), [`${P}targets`]: targets, [`${P}timezone`]: 'UTC'}
  if (end !== undefined) annotations[`${P}end`] = rfc3339(end)
  return {
    apiVersion: 'v1',
    data: {message: 'Back soon'},
    kind: 'ConfigMap',
    metadata: {annotations, labels: {'app.kubernetes.io/managed-by': 'kubectl-maintenance', [`${P}role`]: 'window'}, name, namespace},
  }
}

export function customPage(namespace: string, name: string): Obj {
  return {
    apiVersion: 'v1',
    data: {'page.html.hbs': '<h1>{{message}}</h1>'},
    kind: 'ConfigMap',
    metadata: {labels: {[`${P}role`]: 'page'}, name: `maintenance-page-${name}`, namespace},
  }
}

export function ingress(namespace: string, name: string, annotations?: Record<string, string>): Obj {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {name, namespace, ...(annotations ? {annotations} : {})},
    spec: {rules: [{host: `${name}.example.com`, http: {paths: [{backend: {service: {name, port: {number: 80}}}, path: '/', pathType: 'Prefix'}]}}]},
  }
}

export function legacyIngressRoute(namespace: string, name: string): Obj {
  return {
    apiVersion: 'traefik.containo.us/v1alpha1',
    kind: 'IngressRoute',
    metadata: {name, namespace},
    spec: {routes: [{kind: 'Rule', match: 'Host(`legacy.example.com`)', services: [{name, port: 80}]}]},
  }
}

export interface ApiCall {
  verb: string
  group: string
  resource: string
  namespace?: string
}

/** What a request asks of RBAC, or undefined for discovery (a non-resource URL everyone may read). */
export function apiCall(entry: RequestLogEntry): ApiCall | undefined {
  const segments = entry.path.split('/').filter(Boolean)
  let group: string
  let rest: string[]
  if (segments[0] === 'api') {
    group = ''
    rest = segments.slice(2)
  } else if (segments[0] === 'apis') {
    group = segments[1] ?? ''
    rest = segments.slice(3)
  } else return undefined
  if (rest.length === 0) return undefined
  let namespace: string | undefined
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]
    rest = rest.slice(2)
  }
  const [plural, name, subresource] = rest
  const resource = subresource ? `${plural}/${subresource}` : plural
  const watch = entry.query.watch === 'true' || entry.query.watch === '1'
  const verbs: Record<string, string> = {DELETE: name ? 'delete' : 'deletecollection', GET: name ? 'get' : watch ? 'watch' : 'list', PATCH: 'patch', POST: 'create', PUT: 'update'}
  return {group, namespace, resource, verb: verbs[entry.method] ?? entry.method}
}
