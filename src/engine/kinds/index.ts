import type {TargetKind} from '../../model/target.js'
import type {KindModule} from './types.js'

import {httproute} from './httproute.js'
import {ingress} from './ingress.js'
import {ingressroute} from './ingressroute.js'
import {service} from './service.js'

const MODULES: Record<TargetKind, KindModule> = {httproute, ingress, ingressroute, service}

export function kindModule(kind: TargetKind): KindModule {
  return MODULES[kind]
}

/** Where each kind is served. IngressRoutes fall back to the legacy group on clusters that serve only that one. */
export const KIND_RESOURCES: Record<TargetKind, {group: string; version: string; plural: string; kind: string; legacyGroup?: string}> = {
  httproute: {group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', plural: 'httproutes', version: 'v1'},
  ingress: {group: 'networking.k8s.io', kind: 'Ingress', plural: 'ingresses', version: 'v1'},
  ingressroute: {group: 'traefik.io', kind: 'IngressRoute', legacyGroup: 'traefik.containo.us', plural: 'ingressroutes', version: 'v1alpha1'},
  service: {group: '', kind: 'Service', plural: 'services', version: 'v1'},
}
