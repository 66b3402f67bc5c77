import type {TargetKind, TargetRef} from '../model/target.js'
import type {KubeClient, KubeObject} from './client.js'

import {Resources, type ResourceType} from './resources.js'

const TYPES_BY_KIND: Record<TargetKind, ResourceType[]> = {
  httproute: [Resources.httpRoutes],
  ingress: [Resources.ingresses],
  // The legacy group only counts on clusters that do not serve traefik.io (SPEC §1).
  ingressroute: [Resources.ingressRoutes, Resources.ingressRoutesLegacy],
  service: [Resources.services],
}

/** The API resource that serves a target kind on this cluster, or undefined when the cluster does not serve it. */
export async function targetType(client: KubeClient, kind: TargetKind): Promise<ResourceType | undefined> {
  for (const type of TYPES_BY_KIND[kind]) {
    if (await client.serves(type.group, type.version)) return type
  }
  return undefined
}

export async function getTarget(client: KubeClient, namespace: string, ref: TargetRef): Promise<KubeObject | undefined> {
  const type = await targetType(client, ref.kind)
  if (!type) return undefined
  return client.getIfExists(type, namespace, ref.name)
}
