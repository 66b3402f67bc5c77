import type {InvalidWindow, Lookalike, Observed, ObservedBackend, ObservedTarget} from '../engine/types.js'
import type {PageSource} from '../render/page-source.js'
import type {Window} from '../model/window.js'

import {readRenderInputs} from '../engine/render-inputs.js'
import {backendIdentityProblem, backendNameHash, configMapOwnerUid, deploymentContentProblem, deploymentImage, serviceContentProblem} from '../engine/ownership.js'
import {BackendAnnotation, DEFAULT_PAGE, LegacyAnnotation, ROLE_LABEL, Role, TargetAnnotation, WindowAnnotation, WindowData} from '../model/keys.js'
import {TARGET_KINDS} from '../model/target.js'
import {parseRfc3339} from '../model/time.js'
import {BACKEND_IMAGE, backendDataDigest, configMapContentHash} from '../render/backend-content.js'
import {type KubeClient, type KubeObject} from './client.js'
import {getPageIn} from './pages.js'
import {Resources, type ResourceType, apiVersionOf} from './resources.js'
import {targetType} from './targets.js'
import {decodeWindows} from './windows.js'

export interface ObserveScope {
  /** undefined: every namespace. */
  namespace?: string
  /** When set (install --namespace-selector), only these namespaces are served. */
  namespaces?: string[]
  installNamespace: string
  /** The backend image the engine renders with: a backend ConfigMap's content is hashed with it. */
  image?: string
}

type ConfigMap = KubeObject & {data?: Record<string, string>; binaryData?: Record<string, string>}
type Deployment = KubeObject & {spec?: {replicas?: number}; status?: {readyReplicas?: number}}

/**
 * Backend ConfigMaps hold up to 1 MiB each (a default page is ~10 KB): they are read this many at a time and only
 * their digest is kept, so a pass holds at most one chunk of their content, however many backends there are.
 */
const BACKEND_CONFIGMAP_CHUNK = 50
const FINISHED_PHASES = new Set(['Cancelled', 'Completed', 'Failed'])
const NOT_A_BACKEND = `${ROLE_LABEL}!=${Role.backend}`

/**
 * Reads everything one pass needs with a fixed number of list requests, whatever the number of objects, plus one
 * read per custom page that a window or target refers to. Memory is bounded by what is used: pages nobody refers to
 * are never read, and backend ConfigMaps are read in small chunks and kept as digests.
 * Backends are read before windows, and windows before targets: a backend is created after its window and a
 * target is switched after its backend exists, so any backend seen here has its window and users seen too,
 * and garbage collection can never delete a backend that a concurrent `now` just made.
 */
export async function observe(client: KubeClient, scope: ObserveScope): Promise<Observed> {
  const namespaces = scopeNamespaces(scope)
  if (namespaces.length === 0) return {backends: [], invalidWindows: [], lookalikes: [], pages: new Map(), targets: [], windows: []}
  const listIn = async <T>(type: ResourceType, labelSelector?: string): Promise<T[]> =>
    (await Promise.all(namespaces.map((ns) => client.list<T>(type, ns, labelSelector === undefined ? {} : {labelSelector})))).flat()

  const backendSelector = `${ROLE_LABEL}=${Role.backend}`
  const deployments = await listIn<Deployment>(Resources.deployments, backendSelector)
  const backendServices = await listIn<KubeObject>(Resources.services, backendSelector)
  const backendConfigMaps = await summariseBackendConfigMaps(client, namespaces, deployments, scope.image ?? BACKEND_IMAGE)
  // The schedule feeds come in the same list as the windows: the pass writes them from these windows at its end.
  const managedConfigMaps = await listIn<ConfigMap>(Resources.configMaps, `${ROLE_LABEL} in (${Role.schedule},${Role.window})`)
  const windowConfigMaps = managedConfigMaps.filter((cm) => cm.metadata.labels?.[ROLE_LABEL] === Role.window)
  const feedConfigMaps = managedConfigMaps.filter((cm) => cm.metadata.labels?.[ROLE_LABEL] === Role.schedule)
  const targets = await observeTargets(client, namespaces)

  const {windows, invalid} = decodeWindows(windowConfigMaps)
  const invalidWindows: InvalidWindow[] = invalid.map(({configMap, name, namespace, problems}) => ({
    name,
    namespace,
    history: (configMap as ConfigMap).data?.[WindowData.history],
    outside: {notifications: (configMap as ConfigMap).data?.[WindowData.notifications], silences: (configMap as ConfigMap).data?.[WindowData.silences]},
    phase: configMap.metadata.annotations?.[WindowAnnotation.phase],
    problems,
    resourceVersion: configMap.metadata.resourceVersion,
    start: parseRfc3339(configMap.metadata.annotations?.[WindowAnnotation.start] ?? '') ?? parseRfc3339(configMap.metadata.creationTimestamp ?? ''),
    uid: configMap.metadata.uid,
  }))
  const lookalikes: Lookalike[] = []
  const backends = collectBackends(deployments, backendServices, backendConfigMaps, lookalikes)
  return {
    backends,
    feedConfigMaps,
    invalidWindows,
    lookalikes,
    pages: await referencedPages(client, windows, targets, scope.installNamespace),
    // Cluster-scoped: only a cluster-wide pass (the ClusterRole install) reads them, and only for a plan that switches
    // a Service (reconcile.ts); `now`/`schedule` check before.
    protectedServicesUnread: scope.namespace === undefined ? true : undefined,
    targets,
    windows,
  }
}

/** undefined in the list: every namespace at once (one cluster-wide list). */
function scopeNamespaces(scope: ObserveScope): Array<string | undefined> {
  if (scope.namespaces === undefined) return [scope.namespace]
  if (scope.namespace === undefined) return scope.namespaces
  return scope.namespaces.includes(scope.namespace) ? [scope.namespace] : []
}

interface BackendConfigMap {
  object: KubeObject
  digest: string
  matchesName: boolean
}

async function summariseBackendConfigMaps(
  client: KubeClient,
  namespaces: Array<string | undefined>,
  deployments: Deployment[],
  engineImage: string,
): Promise<BackendConfigMap[]> {
  const images = new Map(deployments.map((d) => [`${d.metadata.namespace}/${d.metadata.name}`, deploymentImage(d)]))
  const summaries = new Map<string, BackendConfigMap>()
  for (const namespace of namespaces) {
    for await (const chunk of client.chunks<ConfigMap>(Resources.configMaps, namespace, {labelSelector: `${ROLE_LABEL}=${Role.backend}`}, BACKEND_CONFIGMAP_CHUNK)) {
      if (chunk.restarted) summaries.clear()
      for (const cm of chunk.items) {
        const id = `${cm.metadata.namespace}/${cm.metadata.name}`
        const hash = backendNameHash(cm.metadata.name)
        const candidates = new Set([images.get(id) ?? engineImage, engineImage])
        const matchesName = hash !== undefined && [...candidates].some((image) => configMapContentHash(cm.data, cm.binaryData, image) === hash)
        const {data: _data, binaryData: _binaryData, ...rest} = cm
        summaries.set(id, {digest: backendDataDigest(cm.data, cm.binaryData), matchesName, object: rest})
      }
    }
  }
  return [...summaries.values()]
}

async function observeTargets(client: KubeClient, namespaces: Array<string | undefined>): Promise<ObservedTarget[]> {
  const targets: ObservedTarget[] = []
  for (const kind of TARGET_KINDS) {
    const type = await targetType(client, kind)
    if (!type) continue
    for (const namespace of namespaces) {
      // A backend's Service is never a target (and was read with the backends): the API server leaves them out.
      const objects = await client.list(type, namespace, {labelSelector: NOT_A_BACKEND})
      for (const object of objects) {
        if (object.metadata.labels?.[ROLE_LABEL] === Role.backend) continue
        object.apiVersion ??= apiVersionOf(type)
        object.kind ??= type.kind
        targets.push({namespace: object.metadata.namespace ?? namespace ?? 'default', object, ref: {kind, name: object.metadata.name}})
      }
    }
  }
  return targets
}

function collectBackends(deployments: Deployment[], services: KubeObject[], configMaps: BackendConfigMap[], lookalikes: Lookalike[]): ObservedBackend[] {
  const backends = new Map<string, ObservedBackend>()
  const entry = (object: KubeObject, apiVersion: string, kind: string): {backend: ObservedBackend; hash: string} | undefined => {
    const namespace = object.metadata.namespace ?? ''
    const hash = backendNameHash(object.metadata.name)
    if (hash === undefined) {
      lookalikes.push({apiVersion, kind, name: object.metadata.name, namespace, problem: backendIdentityProblem(object)!, uid: object.metadata.uid})
      return undefined
    }
    const id = `${namespace}/${object.metadata.name}`
    let backend = backends.get(id)
    if (!backend) {
      backend = {hasConfigMap: false, hasDeployment: false, hasService: false, name: object.metadata.name, namespace, ready: false}
      backends.set(id, backend)
    }
    return {backend, hash}
  }
  for (const deployment of deployments) {
    const found = entry(deployment, 'apps/v1', 'Deployment')
    if (!found) continue
    const {backend, hash} = found
    backend.hasDeployment = true
    backend.ready = (deployment.status?.readyReplicas ?? 0) >= 1
    backend.readyReplicas = deployment.status?.readyReplicas ?? 0
    backend.replicas = deployment.spec?.replicas ?? 1
    backend.createdAt = deployment.metadata.creationTimestamp ? Date.parse(deployment.metadata.creationTimestamp) : undefined
    const foreign = backendIdentityProblem(deployment) ?? deploymentContentProblem(deployment, hash)
    backend.deployment = {foreign, ownerUid: configMapOwnerUid(deployment), uid: deployment.metadata.uid ?? ''}
  }
  for (const service of services) {
    const found = entry(service, 'v1', 'Service')
    if (!found) continue
    found.backend.hasService = true
    const foreign = backendIdentityProblem(service) ?? serviceContentProblem(service, found.hash)
    found.backend.service = {foreign, ownerUid: configMapOwnerUid(service), uid: service.metadata.uid ?? ''}
  }
  for (const {object, digest, matchesName} of configMaps) {
    const found = entry(object, 'v1', 'ConfigMap')
    if (!found) continue
    found.backend.hasConfigMap = true
    const renderInputs = readRenderInputs(object.metadata.annotations?.[BackendAnnotation.renderInputs])
    found.backend.configMap = {digest, foreign: backendIdentityProblem(object), matchesName, uid: object.metadata.uid ?? '', ...(renderInputs ? {renderInputs} : {})}
  }
  return [...backends.values()]
}

/**
 * The custom pages that windows still to come or in progress, and enable-annotated targets, refer to: each read by
 * name where the engine resolves it (the namespace's own, else the shared one), never a list of every page.
 */
async function referencedPages(client: KubeClient, windows: Window[], targets: ObservedTarget[], installNamespace: string): Promise<Map<string, Map<string, PageSource>>> {
  const wanted = new Set<string>()
  for (const window of windows) {
    if (window.page !== DEFAULT_PAGE && !(window.phase !== undefined && FINISHED_PHASES.has(window.phase))) wanted.add(JSON.stringify([window.namespace, window.page]))
  }
  for (const target of targets) {
    const annotations = target.object.metadata.annotations ?? {}
    if (annotations[TargetAnnotation.enabled] !== 'true' && annotations[LegacyAnnotation.enabled] !== 'true') continue
    const page = annotations[TargetAnnotation.page] || annotations[LegacyAnnotation.customPage] || DEFAULT_PAGE
    if (page !== DEFAULT_PAGE) wanted.add(JSON.stringify([target.namespace, page]))
  }
  const pages = new Map<string, Map<string, PageSource>>()
  const remember = (namespace: string, source: PageSource) => {
    if (!pages.has(namespace)) pages.set(namespace, new Map())
    pages.get(namespace)!.set(source.name, source)
  }
  const looked = new Set<string>()
  for (const entry of wanted) {
    const [namespace, name] = JSON.parse(entry) as [string, string]
    for (const where of [namespace, installNamespace]) {
      const id = JSON.stringify([where, name])
      if (looked.has(id)) {
        if (pages.get(where)?.has(name)) break
        continue
      }
      looked.add(id)
      const page = await getPageIn(client, where, name)
      if (page) {
        remember(where, page.source)
        break
      }
    }
  }
  return pages
}
