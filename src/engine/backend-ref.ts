import type {BackendManifests} from '../render/backend.js'
import type {BackendRef} from './kinds/types.js'

import {BACKEND_CONTAINER_PORT, BACKEND_GRPC_CONTAINER_PORT, BACKEND_GRPC_PORT, BACKEND_PORT, BACKEND_TLS_CONTAINER_PORT, BACKEND_TLS_PORT} from '../render/backend.js'
import {backendPodLabels} from '../render/backend-content.js'
import {BACKEND_PREFIX} from '../model/keys.js'

const PORTS = {
  containerPort: BACKEND_CONTAINER_PORT,
  grpcContainerPort: BACKEND_GRPC_CONTAINER_PORT,
  grpcPort: BACKEND_GRPC_PORT,
  servicePort: BACKEND_PORT,
  tlsContainerPort: BACKEND_TLS_CONTAINER_PORT,
  tlsPort: BACKEND_TLS_PORT,
}

export function backendRef(manifests: BackendManifests): BackendRef {
  return {...PORTS, podLabels: manifests.podLabels, serviceName: manifests.name, ...(manifests.gate ? {upstreamPorts: manifests.gate.upstreamPorts} : {})}
}

/** The ref of a backend known only by name (from a target's annotation): its pod labels follow from its hash. */
export function backendRefByName(name: string): BackendRef {
  const hash = name.startsWith(BACKEND_PREFIX) ? name.slice(BACKEND_PREFIX.length) : name
  return {...PORTS, anyGatePort: true, podLabels: backendPodLabels(hash), serviceName: name}
}
