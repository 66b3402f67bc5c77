/**
 * What the engine may delete, adopt or serve: only what it made (SPEC §7). An object counts as a backend object of
 * the engine when its name is `maintenance-<10 lowercase hex>`, it carries the managed-by, role and hash labels
 * itself, and its content is what the engine renders for that hash. Everything else that merely looks like a
 * backend (a tenant's ConfigMap labelled role=backend, a planted `maintenance-<hash>`) is left alone and reported.
 */
import type {KubeObject} from '../model/kube-object.js'

import {HASH_LABEL, MANAGED_BY, MANAGED_BY_LABEL, ROLE_LABEL, Role} from '../model/keys.js'
import {BACKEND_NAME_PATTERN} from '../model/keys.js'
import {backendPodLabels} from '../render/backend-content.js'
import {isRecord, sameJson} from './kinds/shared.js'

export type BackendPartKind = 'configMap' | 'deployment' | 'service'

export const PART_KINDS: Record<BackendPartKind, string> = {configMap: 'ConfigMap', deployment: 'Deployment', service: 'Service'}

/** The hash a backend object's name carries, or undefined when the name is not a backend's. */
export function backendNameHash(name: string): string | undefined {
  return BACKEND_NAME_PATTERN.exec(name)?.[1]
}

/** Why an object is not labelled as the engine labels a backend (name, managed-by, role, hash); undefined: it is. */
export function backendIdentityProblem(object: KubeObject): string | undefined {
  const {name} = object.metadata
  const hash = backendNameHash(name)
  if (hash === undefined) return `its name is not maintenance-<10 lowercase hex>`
  const labels = object.metadata.labels ?? {}
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY) return `it lacks the label ${MANAGED_BY_LABEL}=${MANAGED_BY}`
  if (labels[ROLE_LABEL] !== Role.backend) return `it lacks the label ${ROLE_LABEL}=${Role.backend}`
  if (labels[HASH_LABEL] !== hash) return `its label ${HASH_LABEL} is not ${hash}, the hash its name carries`
  return undefined
}

/** The ConfigMap uid a Deployment or Service names as its owner, if it has such an ownerReference. */
export function configMapOwnerUid(object: KubeObject): string | undefined {
  const refs = (object.metadata as {ownerReferences?: Array<{kind?: string; name?: string; uid?: string}>}).ownerReferences ?? []
  return refs.find((ref) => ref.kind === 'ConfigMap' && ref.name === object.metadata.name)?.uid
}

type DeploymentShape = {
  spec?: {selector?: {matchLabels?: unknown}; template?: {metadata?: {labels?: unknown}; spec?: {volumes?: Array<{configMap?: {name?: string}}>; containers?: Array<{image?: string}>}}}
}

/** Why a Deployment is not one the engine rendered for its hash: selector, pod labels and the ConfigMap it mounts. */
export function deploymentContentProblem(object: KubeObject & DeploymentShape, hash: string): string | undefined {
  const labels = backendPodLabels(hash)
  const spec = object.spec ?? {}
  if (!sameJson(spec.selector?.matchLabels, labels)) return 'its selector is not the one of backend pods'
  if (!sameJson(spec.template?.metadata?.labels, labels)) return 'its pod labels are not the ones of backend pods'
  const mounted = (spec.template?.spec?.volumes ?? []).map((volume) => volume.configMap?.name).filter((name) => name !== undefined)
  if (mounted.length !== 1 || mounted[0] !== object.metadata.name) return `it does not mount exactly the ConfigMap ${object.metadata.name}`
  return undefined
}

export function deploymentImage(object: KubeObject & DeploymentShape): string | undefined {
  const containers = object.spec?.template?.spec?.containers ?? []
  return containers.length === 1 && typeof containers[0].image === 'string' ? containers[0].image : undefined
}

/** Why a Service is not one the engine rendered for its hash: it must select exactly the backend pods. */
export function serviceContentProblem(object: KubeObject & {spec?: unknown}, hash: string): string | undefined {
  const spec = isRecord(object.spec) ? object.spec : {}
  return sameJson(spec.selector, backendPodLabels(hash)) ? undefined : 'its selector is not the one of backend pods'
}
