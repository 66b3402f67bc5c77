import type {Window} from '../model/window.js'
import type {PageSource} from '../render/page-source.js'


import {UserError} from '../model/errors.js'
import {ROLE_LABEL, Role} from '../model/keys.js'
import {type PageConfigMap, type PageFiles, pageConfigMap, pageConfigMapName, pageFromConfigMap} from '../render/page-codec.js'
import {type KubeClient, isAlreadyExists} from './client.js'
import {installNamespace} from './install-context.js'
import {currentInterval, nextInterval} from '../model/window-schedule.js'
import {Resources} from './resources.js'
import {listWindows} from './windows.js'

/** A page as found in the cluster. `shared`: it lives in the install namespace and serves every namespace. */
export interface StoredPage {
  name: string
  namespace: string
  scope: 'namespace' | 'shared'
  configMap: PageConfigMap
  source: PageSource
}

export const PAGE_SELECTOR = `${ROLE_LABEL}=${Role.page}`

function storedPage(configMap: PageConfigMap): StoredPage | undefined {
  const source = pageFromConfigMap(configMap)
  if (!source) return undefined
  const namespace = configMap.metadata.namespace ?? ''
  return {configMap, name: source.name, namespace, scope: namespace === installNamespace() ? 'shared' : 'namespace', source}
}

function pageSelector(userSelector?: string): string {
  return userSelector?.trim() ? `${PAGE_SELECTOR},${userSelector.trim()}` : PAGE_SELECTOR
}

/**
 * Pages a namespace can use: its own, then the shared ones of the install namespace. `namespace` undefined: every
 * page of every namespace. Sorted by name, a namespace page before a shared one of the same name.
 */
export async function listPages(client: KubeClient, namespace: string | undefined, labelSelector?: string): Promise<StoredPage[]> {
  const selector = {labelSelector: pageSelector(labelSelector)}
  const namespaces = namespace === undefined ? [undefined] : [...new Set([namespace, installNamespace()])]
  const configMaps: PageConfigMap[] = []
  for (const where of namespaces) {
    configMaps.push(...(await client.list<PageConfigMap>(Resources.configMaps, where, selector)))
  }
  const scopeOrder = (page: StoredPage) => (page.scope === 'namespace' ? 0 : 1)
  return configMaps
    .map((configMap) => storedPage(configMap))
    .filter((page): page is StoredPage => page !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name) || scopeOrder(a) - scopeOrder(b) || a.namespace.localeCompare(b.namespace))
}

/** The page ConfigMap of one namespace, if it exists and is a page. */
export async function getPageIn(client: KubeClient, namespace: string, name: string): Promise<StoredPage | undefined> {
  const configMap = await client.getIfExists<PageConfigMap>(Resources.configMaps, namespace, pageConfigMapName(name))
  if (!configMap || configMap.metadata.labels?.[ROLE_LABEL] !== Role.page) return undefined
  return storedPage(configMap)
}

/** The page a window of `namespace` would show, as the engine resolves it: the namespace's own, else the shared one. */
export async function resolveStoredPage(client: KubeClient, namespace: string, name: string): Promise<StoredPage | undefined> {
  for (const where of new Set([namespace, installNamespace()])) {
    const page = await getPageIn(client, where, name)
    if (page) return page
  }
  return undefined
}

export function pageNotFound(namespace: string, name: string): UserError {
  return new UserError(
    `page "${name}" not found: no ConfigMap ${pageConfigMapName(name)} in namespace ${namespace} nor in ${installNamespace()}; ` +
      `see kubectl maintenance page list -n ${namespace}`,
  )
}

function alreadyExists(files: PageFiles): UserError {
  return new UserError(
    `page "${files.name}" already exists in namespace ${files.namespace} (ConfigMap ${pageConfigMapName(files.name)}); ` +
      `delete it first with kubectl maintenance page delete ${files.name} -n ${files.namespace}`,
  )
}

/** Writes a new page; one that exists already is refused, never replaced. With dryRun the API server validates and stores nothing. */
export async function createPage(client: KubeClient, files: PageFiles, dryRun = false): Promise<PageConfigMap> {
  const name = pageConfigMapName(files.name)
  const existing = await client.getIfExists(Resources.configMaps, files.namespace, name)
  if (existing && existing.metadata.labels?.[ROLE_LABEL] === Role.page) throw alreadyExists(files)
  if (existing) {
    throw new UserError(`a ConfigMap named ${name} already exists in namespace ${files.namespace} and is not a page; choose another page name`)
  }
  try {
    return await client.create<PageConfigMap>(Resources.configMaps, files.namespace, pageConfigMap(files), dryRun)
  } catch (error) {
    if (isAlreadyExists(error)) throw alreadyExists(files)
    throw error
  }
}

export async function deletePage(client: KubeClient, page: StoredPage, dryRun = false): Promise<void> {
  await client.delete(Resources.configMaps, page.namespace, page.configMap.metadata.name, dryRun)
}

/** A window that still needs a page: active now, or with an occurrence to come. */
export interface PageUser {
  window: Window
  state: 'active' | 'scheduled'
}

const FINISHED_PHASES = new Set(['Cancelled', 'Completed', 'Failed'])

function userState(window: Window, now: number): PageUser['state'] | undefined {
  if (window.phase !== undefined && FINISHED_PHASES.has(window.phase)) return undefined
  if (currentInterval(window, now)) return 'active'
  return nextInterval(window, now) ? 'scheduled' : undefined
}

/**
 * Windows that would show `page`: of its namespace, or for a shared page of every namespace without a page of
 * that name of its own. Annotations cannot be selected on, so windows are listed by label and filtered here.
 */
export async function windowsUsingPage(client: KubeClient, page: StoredPage, now: number): Promise<PageUser[]> {
  const shared = page.scope === 'shared'
  const {windows} = await listWindows(client, shared ? undefined : page.namespace)
  const candidates = windows.filter((window) => window.page === page.name)
  if (candidates.length === 0) return []
  const ownPage = new Set<string>()
  if (shared) {
    for (const other of await listPages(client, undefined)) if (other.name === page.name && other.scope === 'namespace') ownPage.add(other.namespace)
  }
  const users: PageUser[] = []
  for (const window of candidates) {
    const state = ownPage.has(window.namespace) ? undefined : userState(window, now)
    if (state) users.push({state, window})
  }
  return users.sort((a, b) => a.window.namespace.localeCompare(b.window.namespace) || a.window.name.localeCompare(b.window.name))
}
