import type {BackendRef, KubeObject} from '../../../src/engine/kinds/types.js'
import {seededRandom} from '../../support/random.js'

export {seededRandom}

export const NAMESPACE = 'shop'

export const BACKEND: BackendRef = {
  containerPort: 8080,
  grpcContainerPort: 8081,
  grpcPort: 81,
  podLabels: {'app.kubernetes.io/managed-by': 'kubectl-maintenance', 'kubectl-maintenance.io/hash': '3f9a2c1b'},
  serviceName: 'maintenance-3f9a2c1b',
  servicePort: 80,
  tlsContainerPort: 8443,
  tlsPort: 443,
}

/** The object as the engine writes it when switching: new spec plus the backend annotation. */
export function withSpec(obj: KubeObject, spec: Record<string, unknown>, backendName: string | null = BACKEND.serviceName): KubeObject {
  const annotations = {...obj.metadata.annotations}
  if (backendName) annotations['kubectl-maintenance.io/backend'] = backendName
  return {...structuredClone(obj), metadata: {...structuredClone(obj.metadata), annotations}, spec}
}

/** Freezes the whole tree, so any mutation of an input throws (ESM code runs in strict mode). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}


export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]
}
