/**
 * Creating a backend's three objects so that the engine only ever serves what it rendered: the ConfigMap first, then
 * a Deployment and Service owned by it (ownerReferences), so Kubernetes' garbage collector removes them with it,
 * whatever a crash leaves. An object already under the backend's name that the engine did not render stops the
 * creation: no pod ever mounts a planted ConfigMap, no target is ever switched to it.
 */
import type {Action} from '../engine/types.js'
import type {KubeObject} from './client.js'

import {type BackendPartKind, PART_KINDS, backendIdentityProblem, deploymentContentProblem, serviceContentProblem} from '../engine/ownership.js'
import {ClusterError} from '../model/errors.js'
import {backendDataDigest} from '../render/backend-content.js'
import {type KubeClient, isAlreadyExists, isNotFound} from './client.js'
import {ensureTlsSecret} from './backend-tls.js'
import {recordEvent} from './events.js'
import {Resources, type ResourceType} from './resources.js'

export const PART_RESOURCES: Record<BackendPartKind, ResourceType> = {
  configMap: Resources.configMaps,
  deployment: Resources.deployments,
  service: Resources.services,
}

type CreateBackend = Extract<Action, {type: 'createBackend'}>
type StoredConfigMap = KubeObject & {data?: Record<string, string>; binaryData?: Record<string, string>}

export async function createBackend(client: KubeClient, action: CreateBackend, now: () => number): Promise<void> {
  const {manifests, namespace} = action
  for (const part of ['service', 'deployment', 'configMap'] as const) {
    const replaced = action.replace?.find((entry) => entry.part === part)
    if (replaced) await deleteExactly(client, PART_RESOURCES[part], namespace, manifests.name, replaced.uid)
  }
  let ownerUid = action.ownerUid
  if (action.missing.includes('configMap')) {
    const configMap = await createOrVerify(client, 'configMap', action, now, (existing) => {
      const stored = existing as StoredConfigMap
      return backendDataDigest(stored.data, stored.binaryData) === manifests.digest ? undefined : 'its data is not what kubectl-maintenance renders'
    })
    ownerUid = configMap.metadata.uid
  }
  ownerUid ??= (await client.list(Resources.configMaps, namespace, {fieldSelector: `metadata.name=${manifests.name}`}))[0]?.metadata.uid
  if (ownerUid === undefined) throw new ClusterError(`ConfigMap ${manifests.name} is gone: the next pass makes the backend again`)
  const ownerReferences = [{apiVersion: 'v1', controller: true, kind: 'ConfigMap', name: manifests.name, uid: ownerUid}]
  if (action.missing.includes('service')) await ensureShadows(client, namespace, manifests.shadows ?? [], ownerReferences[0])
  if (action.missing.includes('deployment')) {
    await ensureTlsSecret(client, namespace, manifests, ownerUid, now())
    await createOrVerify(client, 'deployment', action, now, (existing) => deploymentContentProblem(existing, manifests.hash), ownerReferences)
  }
  if (action.missing.includes('service')) {
    await createOrVerify(client, 'service', action, now, (existing) => serviceContentProblem(existing, manifests.hash), ownerReferences)
  }
}

/**
 * The gate's shadow Services (Service targets' original pods). One already there (another backend's, equal by its
 * content-derived name) gets this backend's ConfigMap as a further owner, so it goes only with the last of them.
 */
async function ensureShadows(client: KubeClient, namespace: string, shadows: object[], owner: {uid: string}): Promise<void> {
  for (const shadow of shadows as KubeObject[]) {
    if (await client.createIfAbsent(Resources.services, namespace, {...shadow, metadata: {...shadow.metadata, ownerReferences: [{...owner, controller: false}]}})) continue
    const [existing] = await client.list<KubeObject>(Resources.services, namespace, {fieldSelector: `metadata.name=${shadow.metadata.name}`})
    const owners = ((existing?.metadata as {ownerReferences?: Array<{uid?: string}>} | undefined)?.ownerReferences ?? [])
    if (!existing || owners.some((ref) => ref.uid === owner.uid)) continue
    await client.patch(Resources.services, namespace, shadow.metadata.name, 'json', [
      {op: 'test', path: '/metadata/resourceVersion', value: existing.metadata.resourceVersion},
      {op: owners.length > 0 ? 'add' : 'add', path: owners.length > 0 ? '/metadata/ownerReferences/-' : '/metadata/ownerReferences', value: owners.length > 0 ? {...owner, controller: false} : [{...owner, controller: false}]},
    ])
  }
}

/** Creates one object; when its name is taken, the object found must be the engine's, or the creation fails with why. */
async function createOrVerify(
  client: KubeClient,
  part: BackendPartKind,
  action: CreateBackend,
  now: () => number,
  contentProblem: (existing: KubeObject) => string | undefined,
  ownerReferences?: object[],
): Promise<KubeObject> {
  const {manifests, namespace} = action
  const body = manifests[part] as KubeObject
  const withOwner = ownerReferences ? {...body, metadata: {...body.metadata, ownerReferences}} : body
  try {
    return await client.create<KubeObject>(PART_RESOURCES[part], namespace, withOwner)
  } catch (error) {
    if (!isAlreadyExists(error)) throw error
  }
  // A list by name rather than a get: the engine's role lists backends anyway and needs no further verb for this.
  const [existing] = await client.list<KubeObject>(PART_RESOURCES[part], namespace, {fieldSelector: `metadata.name=${manifests.name}`})
  if (!existing) throw new ClusterError(`${PART_KINDS[part]} ${manifests.name} was there a moment ago and is gone: the next pass makes it`)
  const problem = backendIdentityProblem(existing) ?? contentProblem(existing)
  if (problem === undefined) return existing
  const kind = PART_KINDS[part]
  const message = `${kind} ${manifests.name} exists but is not the backend kubectl-maintenance renders (${problem}); nothing is served from it: delete or rename it`
  const involved = {apiVersion: part === 'deployment' ? 'apps/v1' : 'v1', kind, name: manifests.name, namespace, uid: existing.metadata.uid}
  await recordEvent(client, involved, 'BackendNameTaken', message, 'Warning', now()).catch(() => undefined)
  throw new BackendNameTakenError(message, namespace, manifests.name)
}

/** A backend cannot be made because an object the engine did not make holds its name. */
export class BackendNameTakenError extends ClusterError {
  constructor(
    message: string,
    readonly namespace: string,
    readonly backend: string,
  ) {
    super(message)
    this.name = 'BackendNameTakenError'
  }
}

/** Deletes the object with this uid only: one recreated under the same name meanwhile is not touched (409). */
async function deleteExactly(client: KubeClient, type: ResourceType, namespace: string, name: string, uid: string): Promise<void> {
  try {
    await client.delete(type, namespace, name, false, uid)
  } catch (error) {
    if (!isNotFound(error)) throw error
  }
}
