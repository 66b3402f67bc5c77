import type {ObservedBackend} from '../../src/engine/types.js'

/** A ready backend as the engine makes it: its ConfigMap holds `digest`, its Deployment and Service are owned by it. */
export function engineMadeBackend(name: string, digest: string, createdAt: number, namespace = 'shop'): ObservedBackend {
  return {
    configMap: {digest, matchesName: true, uid: `cm-${name}`},
    createdAt,
    deployment: {ownerUid: `cm-${name}`, uid: `deploy-${name}`},
    hasConfigMap: true,
    hasDeployment: true,
    hasService: true,
    name,
    namespace,
    ready: true,
    service: {ownerUid: `cm-${name}`, uid: `svc-${name}`},
  }
}
