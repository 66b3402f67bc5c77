import type {Action, ObservedTarget} from '../engine/types.js'

import {ClusterError} from '../model/errors.js'
import {WindowAnnotation} from '../model/keys.js'
import {formatTarget} from '../model/target.js'
import {type KubeClient, isNotFound, isStale} from './client.js'
import {recordEvent} from './events.js'
import {Resources, type ResourceType, apiVersionOf} from './resources.js'

export interface ApplyResult {
  /** One line per change made, for people. */
  changes: string[]
  /** One line per failed action, with what was being done, to what, and the API's answer. */
  errors: string[]
  /** An object changed under us (a concurrent writer): observe again and re-plan. */
  stale: boolean
}

/** The order that keeps promises: restores first (end is absolute), backends before the switches that need them. */
const ORDER: Record<Action['type'], number> = {
  createBackend: 1,
  deleteBackend: 5,
  restore: 0,
  setPhase: 3,
  switch: 2,
  targetEvent: 4,
}

/** Carries out a plan's actions; one failing action never stops the others (ARCHITECTURE principle 5). */
export async function apply(client: KubeClient, actions: Action[], now: () => number): Promise<ApplyResult> {
  const result: ApplyResult = {changes: [], errors: [], stale: false}
  const ordered = [...actions].sort((a, b) => ORDER[a.type] - ORDER[b.type])
  for (const action of ordered) {
    try {
      const change = await applyOne(client, action, now)
      if (change) result.changes.push(change)
    } catch (error) {
      if (isStale(error)) {
        result.stale = true
        continue
      }
      result.errors.push(`${describe(action)}: ${(error as Error).message}`)
    }
  }
  return result
}

async function applyOne(client: KubeClient, action: Action, now: () => number): Promise<string | undefined> {
  switch (action.type) {
    case 'createBackend': {
      const {manifests, namespace} = action
      if (action.missing.includes('configMap')) await createIfAbsent(client, Resources.configMaps, namespace, manifests.configMap)
      if (action.missing.includes('deployment')) await createIfAbsent(client, Resources.deployments, namespace, manifests.deployment)
      if (action.missing.includes('service')) await createIfAbsent(client, Resources.services, namespace, manifests.service)
      return `backend ${namespace}/${manifests.name} created`
    }

    case 'deleteBackend': {
      for (const type of [Resources.services, Resources.deployments, Resources.configMaps]) {
        await deleteIfPresent(client, type, action.namespace, action.name)
      }
      return `backend ${action.namespace}/${action.name} deleted`
    }

    case 'restore':
    case 'switch': {
      await patchTarget(client, action.target, action.spec, action.labels, action.annotations)
      const verb = action.type === 'switch' ? 'MaintenanceStarted' : 'MaintenanceEnded'
      const message =
        action.type === 'switch'
          ? `switched to backend ${action.backend} by window ${action.window}${action.reason === 'start' ? '' : ` (${action.reason})`}`
          : `restored after window ${action.window}`
      await recordEvent(client, involvedTarget(action.target), verb, message, 'Normal', now()).catch(() => undefined)
      return `${action.target.namespace}/${formatTarget(action.target.ref)} ${message}`
    }

    case 'setPhase': {
      const {window} = action
      await client.patch(Resources.configMaps, window.namespace, window.name, 'merge', {
        metadata: {annotations: {[WindowAnnotation.phase]: action.phase, [WindowAnnotation.phaseMessage]: action.message}},
      })
      const involved = {apiVersion: 'v1', kind: 'ConfigMap', name: window.name, namespace: window.namespace, uid: window.uid}
      await recordEvent(client, involved, action.reason, action.message, action.eventType, now())
      return `window ${window.namespace}/${window.name} ${action.phase}: ${action.message}`
    }

    case 'targetEvent': {
      await recordEvent(client, involvedTarget(action.target), action.reason, action.message, action.eventType, now())
      return undefined
    }
  }
}

/**
 * The routing and the tool's labels and annotations change in one JSON Patch, guarded by a `test` of the
 * resourceVersion that was read: a concurrent writer makes it fail (and the pass re-reads) instead of
 * losing an original.
 */
async function patchTarget(
  client: KubeClient,
  target: ObservedTarget,
  spec: Record<string, unknown>,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): Promise<void> {
  const {metadata} = target.object
  const operations: object[] = [
    {op: 'test', path: '/metadata/resourceVersion', value: metadata.resourceVersion},
    {op: 'replace', path: '/spec', value: spec},
  ]
  for (const [field, value] of [['labels', labels], ['annotations', annotations]] as const) {
    if (Object.keys(value).length > 0) operations.push({op: 'add', path: `/metadata/${field}`, value})
    else if (metadata[field] !== undefined) operations.push({op: 'remove', path: `/metadata/${field}`})
  }
  await client.patch(targetResource(target), target.namespace, metadata.name, 'json', operations)
}

export function targetResource(target: ObservedTarget): ResourceType {
  const apiVersion = target.object.apiVersion ?? ''
  const candidates = Object.values(Resources).filter((type) => type.kind === target.object.kind)
  const match = candidates.find((type) => apiVersionOf(type) === apiVersion)
  if (!match) throw new ClusterError(`unsupported target ${apiVersion} ${target.object.kind}`)
  return match
}

function involvedTarget(target: ObservedTarget) {
  const {metadata} = target.object
  return {apiVersion: target.object.apiVersion ?? '', kind: target.object.kind ?? '', name: metadata.name, namespace: target.namespace, uid: metadata.uid}
}

async function createIfAbsent(client: KubeClient, type: ResourceType, namespace: string, body: object): Promise<void> {
  await client.createIfAbsent(type, namespace, body)
}

async function deleteIfPresent(client: KubeClient, type: ResourceType, namespace: string, name: string): Promise<void> {
  try {
    await client.delete(type, namespace, name)
  } catch (error) {
    if (!isNotFound(error)) throw error
  }
}

export function describe(action: Action): string {
  switch (action.type) {
    case 'createBackend': {
      return `creating backend ${action.namespace}/${action.manifests.name}`
    }

    case 'deleteBackend': {
      return `deleting backend ${action.namespace}/${action.name}`
    }

    case 'restore': {
      return `restoring ${action.target.namespace}/${formatTarget(action.target.ref)}`
    }

    case 'setPhase': {
      return `marking window ${action.window.namespace}/${action.window.name} ${action.phase}`
    }

    case 'switch': {
      return `switching ${action.target.namespace}/${formatTarget(action.target.ref)} to ${action.backend}`
    }

    case 'targetEvent': {
      return `recording event on ${action.target.namespace}/${formatTarget(action.target.ref)}`
    }
  }
}
