import type {InvalidWindow, Observed, ObservedBackend, ObservedTarget} from '../engine/types.js'
import type {PageSource} from '../render/page.js'

import {ROLE_LABEL, Role, WindowAnnotation} from '../model/keys.js'
import {TARGET_KINDS} from '../model/target.js'
import {pageFromConfigMap} from '../render/page-codec.js'
import {type KubeClient, type KubeObject} from './client.js'
import {readProtectedServices} from './protected-services.js'
import {Resources, apiVersionOf} from './resources.js'
import {targetType} from './targets.js'
import {decodeWindows} from './windows.js'

export interface ObserveScope {
  /** undefined: every namespace. */
  namespace?: string
  installNamespace: string
}

type ConfigMap = KubeObject & {data?: Record<string, string>; binaryData?: Record<string, string>}
type Deployment = KubeObject & {spec?: {replicas?: number}; status?: {readyReplicas?: number}}

/**
 * Reads everything one pass needs with a fixed number of list requests, whatever the number of objects.
 * Backends are read before windows, and windows before targets: a backend is created after its window and a
 * target is switched after its backend exists, so any backend seen here has its window and users seen too,
 * and garbage collection can never delete a backend that a concurrent `now` just made.
 */
export async function observe(client: KubeClient, scope: ObserveScope): Promise<Observed> {
  const ns = scope.namespace
  const backendSelector = {labelSelector: `${ROLE_LABEL}=${Role.backend}`}
  const deployments = await client.list<Deployment>(Resources.deployments, ns, backendSelector)
  const backendServices = await client.list(Resources.services, ns, backendSelector)
  const configMaps = await client.list<ConfigMap>(Resources.configMaps, ns, {
    labelSelector: `${ROLE_LABEL} in (${Role.backend},${Role.page},${Role.window})`,
  })
  const installPages =
    ns !== undefined && ns !== scope.installNamespace
      ? await client.list<ConfigMap>(Resources.configMaps, scope.installNamespace, {labelSelector: `${ROLE_LABEL}=${Role.page}`})
      : []
  const targets = await observeTargets(client, ns)
  // Cluster-scoped: only a cluster-wide pass (the ClusterRole install) reads them; `now`/`schedule` check before.
  const protectedServices = ns === undefined ? await readProtectedServices(client) : undefined

  const byRole = (role: string) => configMaps.filter((cm) => cm.metadata.labels?.[ROLE_LABEL] === role)
  const {windows, invalid} = decodeWindows(byRole(Role.window))
  const invalidWindows: InvalidWindow[] = invalid.map(({configMap, name, namespace, problems}) => ({
    name,
    namespace,
    phase: configMap.metadata.annotations?.[WindowAnnotation.phase],
    problems,
    uid: configMap.metadata.uid,
  }))
  return {
    backends: collectBackends(deployments, backendServices, byRole(Role.backend)),
    invalidWindows,
    pages: collectPages([...byRole(Role.page), ...installPages]),
    protectedServices,
    targets,
    windows,
  }
}

async function observeTargets(client: KubeClient, namespace: string | undefined): Promise<ObservedTarget[]> {
  const targets: ObservedTarget[] = []
  for (const kind of TARGET_KINDS) {
    const type = await targetType(client, kind)
    if (!type) continue
    const objects = await client.list(type, namespace)
    for (const object of objects) {
      if (object.metadata.labels?.[ROLE_LABEL] === Role.backend) continue
      object.apiVersion ??= apiVersionOf(type)
      object.kind ??= type.kind
      targets.push({namespace: object.metadata.namespace ?? namespace ?? 'default', object, ref: {kind, name: object.metadata.name}})
    }
  }
  return targets
}

function collectBackends(deployments: Deployment[], services: KubeObject[], configMaps: ConfigMap[]): ObservedBackend[] {
  const backends = new Map<string, ObservedBackend>()
  const entry = (object: KubeObject): ObservedBackend => {
    const namespace = object.metadata.namespace ?? ''
    const id = `${namespace}/${object.metadata.name}`
    let backend = backends.get(id)
    if (!backend) {
      backend = {hasConfigMap: false, hasDeployment: false, hasService: false, name: object.metadata.name, namespace, ready: false}
      backends.set(id, backend)
    }
    return backend
  }
  for (const deployment of deployments) {
    const backend = entry(deployment)
    backend.hasDeployment = true
    backend.ready = (deployment.status?.readyReplicas ?? 0) >= 1
    backend.readyReplicas = deployment.status?.readyReplicas ?? 0
    backend.replicas = deployment.spec?.replicas ?? 1
    backend.createdAt = deployment.metadata.creationTimestamp ? Date.parse(deployment.metadata.creationTimestamp) : undefined
  }
  for (const service of services) entry(service).hasService = true
  for (const cm of configMaps) entry(cm).hasConfigMap = true
  return [...backends.values()]
}

function collectPages(configMaps: ConfigMap[]): Map<string, Map<string, PageSource>> {
  const pages = new Map<string, Map<string, PageSource>>()
  for (const cm of configMaps) {
    const page = pageFromConfigMap(cm)
    if (!page) continue
    const namespace = cm.metadata.namespace ?? ''
    if (!pages.has(namespace)) pages.set(namespace, new Map())
    pages.get(namespace)!.set(page.name, page)
  }
  return pages
}
