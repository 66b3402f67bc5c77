/** Find what install and the engine made (by label) and delete it: all of it for `uninstall`, what is stale for `install`. */
import type {KubeClient, KubeObject} from '../kube/client.js'

import {isNotFound} from '../kube/client.js'
import {Resources, type ResourceType, apiVersionOf} from '../kube/resources.js'
import {MANAGED_BY, MANAGED_BY_LABEL, ROLE_LABEL, Role} from '../model/keys.js'
import {resourceOf} from './apply.js'
import {APP_NAME, BUNDLE_CONFIGMAP, NAME_LABEL} from './manifests.js'

const INSTALLED = `${MANAGED_BY_LABEL}=${MANAGED_BY},${NAME_LABEL}=${APP_NAME}`
const JOBS: ResourceType = {group: 'batch', kind: 'Job', namespaced: true, plural: 'jobs', version: 'v1'}

export function isManaged(object: KubeObject): boolean {
  return object.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY
}

/** The install's CronJobs (one, or one per namespace for the namespaced variant). */
export async function installedCronJobs(client: KubeClient, installNamespace: string): Promise<KubeObject[]> {
  return client.list(Resources.cronJobs, installNamespace, {labelSelector: INSTALLED})
}

/** Stops the CronJob from starting passes (and kills running ones) so none switches a target back during uninstall. */
export async function suspendCronJobs(client: KubeClient, cronJobs: KubeObject[], suspend: boolean): Promise<void> {
  for (const cronJob of cronJobs) {
    await client.patch(Resources.cronJobs, cronJob.metadata.namespace, cronJob.metadata.name, 'merge', {spec: {suspend}})
  }
  if (!suspend) return
  for (const namespace of new Set(cronJobs.map((cronJob) => cronJob.metadata.namespace))) {
    const jobs = await client.list(JOBS, namespace, {labelSelector: INSTALLED})
    for (const job of jobs) await deleteIfPresent(client, JOBS, job)
  }
}

async function managedNamed(client: KubeClient, type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject[]> {
  const object = await client.getIfExists(type, namespace, name)
  return object && isManaged(object) ? [withType(object, type)] : []
}

/**
 * Everything install made, in reverse install order; only objects with the managed-by label, so a namespace or
 * role that was there before is never removed.
 */
export async function installedObjects(client: KubeClient, installNamespace: string): Promise<KubeObject[]> {
  const labelled = async (type: ResourceType, namespace?: string) =>
    (await client.list(type, namespace, {labelSelector: INSTALLED})).map((object) => withType(object, type))
  return [
    ...(await labelled(Resources.cronJobs, installNamespace)),
    ...(await managedNamed(client, Resources.configMaps, installNamespace, BUNDLE_CONFIGMAP)),
    ...(await labelled(Resources.roleBindings)),
    ...(await labelled(Resources.roles)),
    ...(await managedNamed(client, Resources.clusterRoleBindings, undefined, APP_NAME)),
    ...(await managedNamed(client, Resources.clusterRoles, undefined, APP_NAME)),
    ...(await managedNamed(client, Resources.serviceAccounts, installNamespace, APP_NAME)),
    ...(await managedNamed(client, Resources.namespaces, undefined, installNamespace)),
  ]
}

/** The namespace an installed CronJob reconciles (its `-n NAMESPACE`), or undefined when it reconciles all (`-A`). */
export function reconciledNamespace(cronJob: KubeObject): string | undefined {
  const containers = (cronJob.spec as {jobTemplate?: {spec?: {template?: {spec?: {containers?: Array<{args?: string[]}>}}}}}).jobTemplate?.spec?.template?.spec?.containers
  const args = containers?.[0]?.args ?? []
  const flag = args.indexOf('-n')
  return flag >= 0 ? args[flag + 1] : undefined
}

function objectKey(object: KubeObject): string {
  return `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`
}

function bindsInstall(binding: KubeObject, installNamespace: string): boolean {
  const subjects = (binding as {subjects?: Array<{kind?: string; name?: string; namespace?: string}>}).subjects ?? []
  return subjects.some((subject) => subject.kind === 'ServiceAccount' && subject.name === APP_NAME && subject.namespace === installNamespace)
}

/**
 * What an earlier install into installNamespace made that this one (`desired`) no longer writes, like `kubectl apply
 * --prune`: CronJobs of namespaces no longer reconciled and their Roles, the cluster-wide grant after a switch to
 * --namespaces, the page-reader Role after a switch back, the bundle after a switch to --image. The earlier scope is
 * read from the earlier CronJobs' own arguments, so finding it takes no cluster-wide list.
 */
export async function staleObjects(client: KubeClient, installNamespace: string, desired: KubeObject[]): Promise<KubeObject[]> {
  const cronJobs = (await installedCronJobs(client, installNamespace)).map((cronJob) => withType(cronJob, Resources.cronJobs))
  const scopes = cronJobs.map((cronJob) => reconciledNamespace(cronJob))
  const reconciled = scopes.filter((scope): scope is string => scope !== undefined)
  // The namespaced variant also gave the install namespace a Role (to read shared pages).
  const roleNamespaces = reconciled.length > 0 ? new Set([...reconciled, installNamespace]) : new Set<string>()
  const roles = await Promise.all(
    [...roleNamespaces].map(async (namespace) => [
      ...(await managedNamed(client, Resources.roleBindings, namespace, APP_NAME)),
      ...(await managedNamed(client, Resources.roles, namespace, APP_NAME)),
    ]),
  )
  const clusterBinding = scopes.includes(undefined) ? await managedNamed(client, Resources.clusterRoleBindings, undefined, APP_NAME) : []
  const clusterGrant = clusterBinding.some((binding) => bindsInstall(binding, installNamespace))
    ? [...clusterBinding, ...(await managedNamed(client, Resources.clusterRoles, undefined, APP_NAME))]
    : []
  const candidates = [
    ...cronJobs,
    ...(await managedNamed(client, Resources.configMaps, installNamespace, BUNDLE_CONFIGMAP)),
    ...roles.flat(),
    ...clusterGrant,
  ]
  const wanted = new Set(desired.map((object) => objectKey(object)))
  return candidates.filter((object) => !wanted.has(objectKey(object)))
}

/** Window ConfigMaps the tool wrote, in every namespace (hand-written ones without the managed-by label stay). */
export async function managedWindows(client: KubeClient): Promise<KubeObject[]> {
  const windows = await client.list(Resources.configMaps, undefined, {labelSelector: `${ROLE_LABEL}=${Role.window},${MANAGED_BY_LABEL}=${MANAGED_BY}`})
  return windows.map((object) => withType(object, Resources.configMaps))
}

/** Deletes each object, in order; onDeleted hears of those that were still there. */
export async function deleteObjects(client: KubeClient, objects: KubeObject[], onDeleted: (object: KubeObject) => void): Promise<void> {
  for (const object of objects) {
    if (await deleteIfPresent(client, resourceOf(object), object)) onDeleted(object)
  }
}

async function deleteIfPresent(client: KubeClient, type: ResourceType, object: KubeObject): Promise<boolean> {
  try {
    await client.delete(type, object.metadata.namespace, object.metadata.name)
    return true
  } catch (error) {
    if (isNotFound(error)) return false
    throw error
  }
}

function withType(object: KubeObject, type: ResourceType): KubeObject {
  return {...object, apiVersion: apiVersionOf(type), kind: type.kind}
}
