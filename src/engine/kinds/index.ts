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
