/** Find what install and the engine made (by label) and delete it: all of it for `uninstall`, what is stale for `install`. */
import type {KubeClient, KubeObject} from '../kube/client.js'

import {isConflict, isNotFound} from '../kube/client.js'
import {Resources, type ResourceType, apiVersionOf} from '../kube/resources.js'
import {INSTALL_CONFIG} from '../model/install-config.js'
import {MANAGED_BY, MANAGED_BY_LABEL, ROLE_LABEL, Role, SCHEDULE_CONFIGMAP} from '../model/keys.js'
import {resourceOf} from './apply.js'
import {FENCE_NAME, servesAdmissionPolicies} from './fence.js'
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

/** Every bundle ConfigMap install made: the current one and those of earlier bundles (and the unhashed name of old installs). */
async function bundleConfigMaps(client: KubeClient, installNamespace: string): Promise<KubeObject[]> {
  const labelled = await client.list(Resources.configMaps, installNamespace, {labelSelector: INSTALLED})
  const bundle = new RegExp(`^${BUNDLE_CONFIGMAP}(-[0-9a-f]{10})?$`)
  return labelled.filter((object) => bundle.test(object.metadata.name)).map((object) => withType(object, Resources.configMaps))
}

/** The admission policy and its binding, where the cluster serves them: the binding first, so nothing is left bound. */
async function fenceObjects(client: KubeClient): Promise<KubeObject[]> {
  if (!(await servesAdmissionPolicies(client))) return []
  return [
    ...(await managedNamed(client, Resources.validatingAdmissionPolicyBindings, undefined, FENCE_NAME)),
    ...(await managedNamed(client, Resources.validatingAdmissionPolicies, undefined, FENCE_NAME)),
  ]
}

/** The Secret with credentialed URLs and the Role that lets the engine read it (install --notify-url / --alertmanager-url). */
async function configSecretObjects(client: KubeClient, installNamespace: string): Promise<KubeObject[]> {
  return [
    ...(await managedNamed(client, Resources.roleBindings, installNamespace, INSTALL_CONFIG)),
    ...(await managedNamed(client, Resources.roles, installNamespace, INSTALL_CONFIG)),
    ...(await managedNamed(client, Resources.secrets, installNamespace, INSTALL_CONFIG)),
  ]
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
    ...(await bundleConfigMaps(client, installNamespace)),
    ...(await managedNamed(client, Resources.configMaps, installNamespace, INSTALL_CONFIG)),
    ...(await managedNamed(client, Resources.secrets, installNamespace, INSTALL_CONFIG)),
    ...(await labelled(Resources.roleBindings)),
    ...(await labelled(Resources.roles)),
    ...(await fenceObjects(client)),
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
 * --namespaces, the page-reader Role after a switch back, the bundle after a switch to --image, the bundle of an earlier version once a new one is installed. The earlier scope is
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
    ...(await bundleConfigMaps(client, installNamespace)),
    ...roles.flat(),
    ...clusterGrant,
    ...(await configSecretObjects(client, installNamespace)),
  ]
  const wanted = new Set(desired.map((object) => objectKey(object)))
  return candidates.filter((object) => !wanted.has(objectKey(object)))
}

/** Window ConfigMaps the tool wrote, in every namespace (hand-written ones without the managed-by label stay). */
export async function managedWindows(client: KubeClient): Promise<KubeObject[]> {
  const windows = await client.list(Resources.configMaps, undefined, {labelSelector: `${ROLE_LABEL}=${Role.window},${MANAGED_BY_LABEL}=${MANAGED_BY}`})
  return windows.map((object) => withType(object, Resources.configMaps))
}

/** The schedule feed ConfigMaps the engine wrote (SPEC §7), in every namespace: they go with the CronJob that keeps them. */
export async function scheduleFeeds(client: KubeClient): Promise<KubeObject[]> {
  const feeds = await client.list(Resources.configMaps, undefined, {labelSelector: `${ROLE_LABEL}=${Role.schedule},${MANAGED_BY_LABEL}=${MANAGED_BY}`})
  return feeds.filter((object) => object.metadata.name === SCHEDULE_CONFIGMAP).map((object) => withType(object, Resources.configMaps))
}

/** Deletes each object, in order; onDeleted hears of those that were still there. */
export async function deleteObjects(client: KubeClient, objects: KubeObject[], onDeleted: (object: KubeObject) => void): Promise<void> {
  for (const object of objects) {
    if (await deleteIfPresent(client, resourceOf(object), object)) onDeleted(object)
  }
}

/**
 * Deletes exactly the object that was read (uid precondition): one recreated under its name since, by someone else,
 * is not what install or the engine made and is left alone.
 */
async function deleteIfPresent(client: KubeClient, type: ResourceType, object: KubeObject): Promise<boolean> {
  try {
    await client.delete(type, object.metadata.namespace, object.metadata.name, false, object.metadata.uid)
    return true
  } catch (error) {
    if (isNotFound(error) || isConflict(error)) return false
    throw error
  }
}

function withType(object: KubeObject, type: ResourceType): KubeObject {
  return {...object, apiVersion: apiVersionOf(type), kind: type.kind}
}
