import type {Action, ObservedTarget} from '../engine/types.js'

import {ClusterError} from '../model/errors.js'
import {WindowAnnotation, WindowData} from '../model/keys.js'
import {formatTarget} from '../model/target.js'
import {BackendNameTakenError, PART_RESOURCES, createBackend} from './backend-objects.js'
import {type KubeClient, isNotFound, isStale} from './client.js'
import {EventRecorder} from './events.js'
import {Resources, type ResourceType, apiVersionOf} from './resources.js'

export interface ApplyResult {
  /** One line per change made, for people. */
  changes: string[]
  /** One line per failed action, with what was being done, to what, and the API's answer. */
  errors: string[]
  /** An object changed under us (a concurrent writer): observe again and re-plan. */
  stale: boolean
  /** Backends whose name another object holds (`namespace/name` -> why): the windows needing them fail. */
  blocked?: Map<string, string>
}

/**
 * Switch first, record after. First the routing: restores first (end is absolute), then backends, then switches, all
 * started at once and bounded by the client's limit (a switch whose backend is being created waits for it); Events
 * are held meanwhile. Then, with every target where it should be: phases and unused backends, while the Events go
 * out in the background. No switch ever waits for an Event, and a failing Event undoes nothing.
 */
const ROUTING: Array<Action['type']> = ['restore', 'createBackend', 'switch']
const RECORDS: Array<Action['type']> = ['setPhase', 'targetEvent', 'objectEvent', 'deleteBackend', 'deleteWindow']

/** Carries out a plan's actions; one failing action never stops the others (ARCHITECTURE principle 5). */
export async function apply(client: KubeClient, actions: Action[], now: () => number, events: EventRecorder): Promise<ApplyResult> {
  const result: ApplyResult = {changes: [], errors: [], stale: false}
  const backendsCreated = new Map<string, Promise<unknown>>()
  const run = async (action: Action): Promise<{change?: string; error?: string}> => {
    try {
      if (action.type === 'switch') await backendsCreated.get(`${action.target.namespace}/${action.backend}`)
      return {change: await applyOne(client, action, now, events)}
    } catch (error) {
      if (isStale(error)) {
        result.stale = true
        return {}
      }
      if (error instanceof BackendNameTakenError) (result.blocked ??= new Map()).set(`${error.namespace}/${error.backend}`, error.message)
      return {error: `${describe(action)}: ${(error as Error).message}`}
    }
  }
  /** Lines in the plan's order, whatever order the answers came in, so what a pass prints is the same every time. */
  const runAll = async (types: Array<Action['type']>): Promise<void> => {
    const started = types.flatMap((type) =>
      actions
        .filter((action) => action.type === type)
        .map((action) => {
          const done = run(action)
          if (action.type === 'createBackend') backendsCreated.set(`${action.namespace}/${action.manifests.name}`, done)
          return done
        }),
    )
    for (const {change, error} of await Promise.all(started)) {
      if (change) result.changes.push(change)
      if (error) result.errors.push(error)
    }
  }
  events.hold()
  try {
    await runAll(ROUTING)
  } finally {
    events.release()
  }
  await runAll(RECORDS)
  return result
}

async function applyOne(client: KubeClient, action: Action, now: () => number, events: EventRecorder): Promise<string | undefined> {
  switch (action.type) {
    case 'createBackend': {
      await createBackend(client, action, now)
      return `backend ${action.namespace}/${action.manifests.name} ${action.replace ? 'replaced' : 'created'}`
    }

    case 'deleteBackend': {
      // Service and Deployment first: nothing routes to pods whose content is already gone.
      for (const part of ['service', 'deployment', 'configMap'] as const) {
        const object = action.objects.find((entry) => entry.part === part)
        if (object) await deleteIfPresent(client, PART_RESOURCES[part], action.namespace, action.name, object.uid)
      }
      return `backend ${action.namespace}/${action.name} deleted`
    }

    case 'deleteWindow': {
      await deleteIfPresent(client, Resources.configMaps, action.window.namespace, action.window.name, action.window.uid)
      return `window ${action.window.namespace}/${action.window.name} deleted: finished ${new Date(action.finishedAt).toISOString()}, past the retention of install --keep`
    }

    case 'objectEvent': {
      events.record(action.involved, action.reason, action.message, action.eventType, now())
      return undefined
    }

    case 'restore':
    case 'switch': {
      await patchTarget(client, action.target, action.spec, action.labels, action.annotations)
      const verb = action.type === 'switch' ? 'MaintenanceStarted' : 'MaintenanceEnded'
      const message =
        action.type === 'switch'
          ? `switched to backend ${action.backend} by window ${action.window}${action.reason === 'start' ? '' : ` (${action.reason})`}`
          : `restored after window ${action.window}`
      events.record(involvedTarget(action.target), verb, message, 'Normal', now(), false)
      return `${action.target.namespace}/${formatTarget(action.target.ref)} ${message}`
    }

    case 'setPhase': {
      const {window} = action
      // The history entry goes in the same request as the phase, on the version read: a killed pass loses neither,
      // and a concurrent writer makes it fail (the pass re-reads) rather than drop or repeat an entry.
      await client.recorder().patch(Resources.configMaps, window.namespace, window.name, 'merge', {
        data: {[WindowData.history]: action.history},
        metadata: {
          annotations: {[WindowAnnotation.phase]: action.phase, [WindowAnnotation.phaseMessage]: action.message},
          ...(action.resourceVersion ? {resourceVersion: action.resourceVersion} : {}),
        },
      })
      const involved = {apiVersion: 'v1', kind: 'ConfigMap', name: window.name, namespace: window.namespace, uid: window.uid}
      events.record(involved, action.reason, action.message, action.eventType, now())
      return `window ${window.namespace}/${window.name} ${action.phase}: ${action.message}`
    }

    case 'targetEvent': {
      events.record(involvedTarget(action.target), action.reason, action.message, action.eventType, now())
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

async function deleteIfPresent(client: KubeClient, type: ResourceType, namespace: string, name: string, uid: string): Promise<void> {
  try {
    await client.delete(type, namespace, name, false, uid)
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

    case 'deleteWindow': {
      return `deleting finished window ${action.window.namespace}/${action.window.name}`
    }

    case 'objectEvent': {
      return `recording event on ${action.involved.namespace}/${action.involved.kind}/${action.involved.name}`
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
