import type {BackendManifests} from '../render/backend.js'
import type {BackendRef} from './kinds/types.js'

import {BACKEND_CONTAINER_PORT, BACKEND_PORT, backendPodLabels} from '../render/backend.js'
import {BACKEND_PREFIX} from '../model/keys.js'

export function backendRef(manifests: BackendManifests): BackendRef {
  return {containerPort: BACKEND_CONTAINER_PORT, podLabels: manifests.podLabels, serviceName: manifests.name, servicePort: BACKEND_PORT}
}

/** The ref of a backend known only by name (from a target's annotation): its pod labels follow from its hash. */
export function backendRefByName(name: string): BackendRef {
  const hash = name.startsWith(BACKEND_PREFIX) ? name.slice(BACKEND_PREFIX.length) : name
  return {containerPort: BACKEND_CONTAINER_PORT, podLabels: backendPodLabels(hash), serviceName: name, servicePort: BACKEND_PORT}
}
