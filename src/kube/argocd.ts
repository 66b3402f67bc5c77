import type {KubeClient, KubeObject} from './client.js'

import {type GitOpsOwner, gitopsOwner} from '../engine/gitops.js'
import {TARGET_KINDS, type TargetRef} from '../model/target.js'
import {ApiError, isNotFound} from './client.js'
import {type ResourceType} from './resources.js'
import {getTarget, targetType} from './targets.js'

export const APPLICATIONS: ResourceType = {group: 'argoproj.io', kind: 'Application', namespaced: true, plural: 'applications', version: 'v1alpha1'}

export type ApplicationLookup = {found: KubeObject} | {unreadable: string}

/**
 * The Argo CD Application a target's marks name: in its namespace when the tracking id says (apps in any namespace),
 * else the one of that name in whichever namespace Argo CD keeps them. Reading it is optional: a cluster without
 * Argo CD's CRD, or a user without rights on it, still gets the patch.
 */
export async function findApplication(client: KubeClient, source: NonNullable<GitOpsOwner['source']>): Promise<ApplicationLookup> {
  try {
    if (!(await client.serves(APPLICATIONS.group, APPLICATIONS.version))) return {unreadable: 'this cluster does not serve argoproj.io/v1alpha1 Applications'}
    if (source.namespace) {
      const found = await client.getIfExists(APPLICATIONS, source.namespace, source.name)
      return found ? {found} : {unreadable: `Application ${source.namespace}/${source.name} not found`}
    }
    const matches = (await client.list(APPLICATIONS)).filter((app) => app.metadata.name === source.name)
    if (matches.length === 1) return {found: matches[0]}
    if (matches.length === 0) return {unreadable: `no Application named ${source.name} in any namespace`}
    return {unreadable: `Applications named ${source.name} in ${matches.map((app) => app.metadata.namespace).join(', ')}: name one with the tracking annotation`}
  } catch (error) {
    if (error instanceof ApiError && !isNotFound(error)) return {unreadable: `cannot read Applications: ${error.message}`}
    throw error
  }
}

export interface FoundTarget {
  ref: TargetRef
  namespace: string
  object?: KubeObject
}

/** The named targets, or without names every target of the namespace that Argo CD owns. */
export async function argoTargets(client: KubeClient, namespace: string, refs: TargetRef[]): Promise<FoundTarget[]> {
  if (refs.length > 0) return Promise.all(refs.map(async (ref) => ({namespace, object: await getTarget(client, namespace, ref), ref})))
  const found: FoundTarget[] = []
  for (const kind of TARGET_KINDS) {
    const type = await targetType(client, kind)
    if (!type) continue
    for (const object of await client.list(type, namespace)) {
      object.apiVersion ??= type.group ? `${type.group}/${type.version}` : type.version
      object.kind ??= type.kind
      if (gitopsOwner(object)?.tool === 'Argo CD') found.push({namespace, object, ref: {kind, name: object.metadata.name}})
    }
  }
  return found
}
