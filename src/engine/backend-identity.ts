import {BACKEND_NAME_PATTERN, MANAGED_BY, MANAGED_BY_LABEL, ROLE_LABEL, Role} from '../model/keys.js'

/**
 * Whether `object` is one of the engine's own backends (its Service, Deployment or ConfigMap): it carries the backend's
 * labels, or a backend ConfigMap owns it. Never a target: pointing a backend at a backend would serve nothing, and
 * restoring it would undo the engine's own object. Told by labels and ownership, not by the name alone.
 */
export function isMaintenanceBackend(object: {metadata: {labels?: Record<string, string>; ownerReferences?: Array<{kind?: string; name?: string}>}}): boolean {
  const labels = object.metadata.labels ?? {}
  if (labels[MANAGED_BY_LABEL] === MANAGED_BY && labels[ROLE_LABEL] === Role.backend) return true
  return (object.metadata.ownerReferences ?? []).some((owner) => owner.kind === 'ConfigMap' && BACKEND_NAME_PATTERN.test(owner.name ?? ''))
}
