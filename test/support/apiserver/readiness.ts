/**
 * The slice of the Deployment controller that `kubectl rollout status` watches: after a rollout starts, status
 * shows the new replicas as updated but not ready; after the configured delay it reports them ready and available.
 */
import {createHash} from 'node:crypto'

import {type JsonObject, deepEqual, isObject, metadataOf, objectAt} from './json.js'
import type {ResourceDef} from './resources.js'
import type {Store} from './store.js'

const HASH_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'

function templateHash(template: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(template ?? {})).digest()
  return [...digest.subarray(0, 10)].map((byte) => HASH_ALPHABET[byte % HASH_ALPHABET.length]).join('')
}

function replicasOf(object: JsonObject): number {
  const replicas = objectAt(object, 'spec')?.replicas
  return typeof replicas === 'number' ? replicas : 1
}

function condition(type: string, status: string, reason: string, message: string, at: string): JsonObject {
  return {type, status, lastUpdateTime: at, lastTransitionTime: at, reason, message}
}

/** Go's omitempty on int32 status counters: zero values are absent. */
function withoutZeros(status: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(status).filter(([, value]) => value !== 0))
}

/** The ReplicaSet a Deployment controller would name for the current template: `<deployment>-<pod-template-hash>`. */
function replicaSetName(deployment: JsonObject): string {
  return `${String(metadataOf(deployment).name)}-${templateHash(objectAt(deployment, 'spec', 'template'))}`
}

export function rolloutStarted(old: JsonObject | undefined, next: JsonObject): boolean {
  if (!old) return true
  return !deepEqual(objectAt(old, 'spec', 'template'), objectAt(next, 'spec', 'template')) || replicasOf(old) !== replicasOf(next)
}

export function progressingStatus(object: JsonObject, at: string): JsonObject {
  const replicas = replicasOf(object)
  const replicaSet = replicaSetName(object)
  return withoutZeros({
    observedGeneration: metadataOf(object).generation,
    replicas,
    updatedReplicas: replicas,
    unavailableReplicas: replicas,
    conditions: [
      condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', at),
      condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${replicaSet}" is progressing.`, at),
    ],
  })
}

export function readyStatus(object: JsonObject, at: string): JsonObject {
  const replicas = replicasOf(object)
  const replicaSet = replicaSetName(object)
  return withoutZeros({
    observedGeneration: metadataOf(object).generation,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    conditions: [
      condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', at),
      condition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${replicaSet}" has successfully progressed.`, at),
    ],
  })
}

interface PendingRollout {
  def: ResourceDef
  namespace: string
  name: string
  generation: unknown
  timer?: NodeJS.Timeout
}

export class DeploymentRollouts {
  private readonly pending = new Map<string, PendingRollout>()

  constructor(
    private readonly store: Store,
    private delayMs: number,
    private readonly now: () => Date,
  ) {}

  /** Called before a Deployment write is stored: a changed template or replica count starts a rollout. */
  beforeWrite(def: ResourceDef, next: JsonObject, old: JsonObject | undefined): void {
    if (def.kind !== 'Deployment' || !rolloutStarted(old, next)) return
    next.status = progressingStatus(next, this.timestamp())
  }

  afterWrite(def: ResourceDef, stored: JsonObject, old: JsonObject | undefined): void {
    if (def.kind !== 'Deployment' || !rolloutStarted(old, stored)) return
    const metadata = metadataOf(stored)
    const rollout: PendingRollout = {def, namespace: String(metadata.namespace), name: String(metadata.name), generation: metadata.generation}
    this.cancel(rollout.namespace, rollout.name)
    this.pending.set(`${rollout.namespace}/${rollout.name}`, rollout)
    this.schedule(rollout)
  }

  afterDelete(namespace: string, name: string): void {
    this.cancel(namespace, name)
  }

  setDelay(ms: number): void {
    this.delayMs = ms
    for (const rollout of this.pending.values()) {
      clearTimeout(rollout.timer)
      this.schedule(rollout)
    }
  }

  close(): void {
    for (const rollout of this.pending.values()) clearTimeout(rollout.timer)
    this.pending.clear()
  }

  private schedule(rollout: PendingRollout): void {
    if (!Number.isFinite(this.delayMs)) return
    rollout.timer = setTimeout(() => this.complete(rollout), Math.max(0, this.delayMs))
  }

  private complete(rollout: PendingRollout): void {
    this.pending.delete(`${rollout.namespace}/${rollout.name}`)
    const current = this.store.get(rollout.def, rollout.namespace, rollout.name)
    if (!current || metadataOf(current).generation !== rollout.generation || isObject(metadataOf(current).deletionTimestamp)) return
    current.status = readyStatus(current, this.timestamp())
    this.store.write(rollout.def, current)
  }

  private cancel(namespace: string, name: string): void {
    const key = `${namespace}/${name}`
    clearTimeout(this.pending.get(key)?.timer)
    this.pending.delete(key)
  }

  private timestamp(): string {
    return this.now().toISOString().replace(/\.\d{3}Z$/, 'Z')
  }
}
