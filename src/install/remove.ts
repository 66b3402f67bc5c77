/** The cluster side of `uninstall`: find what install and the engine made (by label) and delete it. */
import type {KubeClient, KubeObject} from '../kube/client.js'

import {isNotFound} from '../kube/client.js'
import {Resources, type ResourceType} from '../kube/resources.js'
import {MANAGED_BY, MANAGED_BY_LABEL, ROLE_LABEL, Role} from '../model/keys.js'
import {displayName, resourceOf} from './apply.js'
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

/**
 * Everything install made, in reverse install order; only objects with the managed-by label, so a namespace or
 * role that was there before is never removed.
 */
export async function installedObjects(client: KubeClient, installNamespace: string): Promise<KubeObject[]> {
  const named = async (type: ResourceType, namespace: string | undefined, name: string) => {
    const object = await client.getIfExists(type, namespace, name)
    return object && isManaged(object) ? [withType(object, type)] : []
  }
  const labelled = async (type: ResourceType, namespace?: string) =>
    (await client.list(type, namespace, {labelSelector: INSTALLED})).map((object) => withType(object, type))
  return [
    ...(await labelled(Resources.cronJobs, installNamespace)),
    ...(await named(Resources.configMaps, installNamespace, BUNDLE_CONFIGMAP)),
    ...(await labelled(Resources.roleBindings)),
    ...(await labelled(Resources.roles)),
    ...(await named(Resources.clusterRoleBindings, undefined, APP_NAME)),
    ...(await named(Resources.clusterRoles, undefined, APP_NAME)),
    ...(await named(Resources.serviceAccounts, installNamespace, APP_NAME)),
    ...(await named(Resources.namespaces, undefined, installNamespace)),
  ]
}

/** Window ConfigMaps the tool wrote, in every namespace (hand-written ones without the managed-by label stay). */
export async function managedWindows(client: KubeClient): Promise<KubeObject[]> {
  const windows = await client.list(Resources.configMaps, undefined, {labelSelector: `${ROLE_LABEL}=${Role.window},${MANAGED_BY_LABEL}=${MANAGED_BY}`})
  return windows.map((object) => withType(object, Resources.configMaps))
}

export async function deleteObjects(client: KubeClient, objects: KubeObject[], onDeleted: (line: string) => void): Promise<void> {
  for (const object of objects) {
    if (await deleteIfPresent(client, resourceOf(object), object)) onDeleted(`${displayName(object)} deleted`)
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
  return {...object, apiVersion: type.group ? `${type.group}/${type.version}` : type.version, kind: type.kind}
}
