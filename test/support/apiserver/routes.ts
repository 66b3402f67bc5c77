/** Maps a request path onto what kube-apiserver would serve there: discovery, a resource endpoint, or nothing. */
import {findResource, type ResourceDef} from './resources.js'
import {methodNotSupported, resourceNotFound} from './status.js'

export interface ResourceRoute {
  type: 'resource'
  def: ResourceDef
  namespace?: string
  name?: string
  subresource?: string
  /** The legacy /watch/ path prefix. */
  watchPrefix: boolean
}

export type Route =
  | ResourceRoute
  | {type: 'discovery'; group: string; version?: string}
  | {type: 'legacy-root'}
  | {type: 'groups-root'}
  | {type: 'version'}
  | {type: 'health'}
  | {type: 'openapi'; path: string}
  | {type: 'page-not-found'}

function splitPath(pathname: string): string[] {
  return pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => decodeURIComponent(segment))
}

/** Resolves /api/v1/... and /apis/G/V/...; `isServed` decides whether a CRD group exists right now. */
export function resolveRoute(pathname: string, isServed: (def: ResourceDef) => boolean, servedGroupVersion: (group: string, version: string) => boolean): Route {
  const segments = splitPath(pathname)
  if (segments.length === 0) return {type: 'page-not-found'}
  const [root] = segments
  if (root === 'version' && segments.length === 1) return {type: 'version'}
  if ((root === 'healthz' || root === 'livez' || root === 'readyz') && segments.length === 1) return {type: 'health'}
  if (root === 'openapi') return {type: 'openapi', path: pathname}
  let group: string
  let version: string | undefined
  let rest: string[]
  if (root === 'api') {
    if (segments.length === 1) return {type: 'legacy-root'}
    group = ''
    version = segments[1]
    rest = segments.slice(2)
  } else if (root === 'apis') {
    if (segments.length === 1) return {type: 'groups-root'}
    group = segments[1]
    version = segments[2]
    rest = segments.slice(3)
    if (version === undefined) return servedGroupVersion(group, '') ? {type: 'discovery', group} : {type: 'page-not-found'}
  } else return {type: 'page-not-found'}
  if (!servedGroupVersion(group, version)) return {type: 'page-not-found'}
  if (rest.length === 0) return {type: 'discovery', group, version}

  const watchPrefix = rest[0] === 'watch'
  if (watchPrefix) rest = rest.slice(1)
  let namespace: string | undefined
  const namespaceSubresource = rest.length === 3 && rest[0] === 'namespaces' && (rest[2] === 'status' || rest[2] === 'finalize')
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSubresource) {
    namespace = rest[1]
    rest = rest.slice(2)
  }
  const [plural, name, subresource, ...extra] = rest
  const def = findResource(group, version, plural ?? '')
  if (!def || !isServed(def) || extra.length > 0) throw resourceNotFound()
  if (namespace !== undefined && !def.namespaced) throw resourceNotFound()
  if (subresource !== undefined && !(subresource === 'status' && def.statusSubresource) && !(subresource === 'finalize' && def.kind === 'Namespace')) throw resourceNotFound()
  return {type: 'resource', def, namespace, name, subresource, watchPrefix}
}

/** The Kubernetes verb for an HTTP method on a route, or 405 as kube-apiserver answers. */
export function verbOf(method: string, route: ResourceRoute, watchParam: boolean): string {
  const {def, name} = route
  let verb: string | undefined
  if (route.watchPrefix) verb = method === 'GET' ? 'watch' : undefined
  else if (method === 'GET') verb = name ? 'get' : watchParam ? 'watch' : 'list'
  else if (method === 'POST') verb = name ? undefined : 'create'
  else if (method === 'PUT') verb = name ? 'update' : undefined
  else if (method === 'PATCH') verb = name ? 'patch' : undefined
  else if (method === 'DELETE') verb = name ? 'delete' : 'deletecollection'
  const allowed = route.subresource ? ['get', 'update', 'patch'] : def.verbs
  if (verb === undefined || !allowed.includes(verb === 'watch' && route.name ? 'watch' : verb)) {
    throw methodNotSupported({group: def.group, resource: def.plural}, verb ?? method.toLowerCase())
  }
  return verb
}
