import {createHash} from 'node:crypto'

import type {EventType} from '../engine/types.js'
import type {KubeClient} from './client.js'

import {MANAGED_BY} from '../model/keys.js'
import {isAlreadyExists, isConflict} from './client.js'
import {Resources} from './resources.js'

export interface InvolvedObject {
  apiVersion: string
  kind: string
  name: string
  namespace: string
  uid?: string
}

/** How often a lost race on the same Event's count is retried before giving up on counting this occurrence. */
const COUNT_ATTEMPTS = 3

/**
 * The Event's name follows from what it says about which object, so the same reason and message on the same object
 * is one Event whose count and lastTimestamp grow (as client-go's EventCorrelator aggregates), never a new object
 * per pass or per poll.
 */
export function eventName(involved: InvolvedObject, reason: string, message: string, type: EventType): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([involved.apiVersion, involved.kind, involved.namespace, involved.name, involved.uid ?? '', reason, message, type, MANAGED_BY]))
    .digest('hex')
    .slice(0, 16)
  return `${involved.name.slice(0, 200)}.${digest}`
}

type StoredEvent = {count?: number; metadata: {resourceVersion?: string}}

/** A core/v1 Event, so `kubectl get events` and `kubectl describe` tell the history. */
export async function recordEvent(
  client: KubeClient,
  involved: InvolvedObject,
  reason: string,
  message: string,
  type: EventType,
  now: number,
): Promise<void> {
  const time = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z')
  const name = eventName(involved, reason, message, type)
  try {
    await client.create(Resources.events, involved.namespace, {
      apiVersion: 'v1',
      count: 1,
      firstTimestamp: time,
      involvedObject: involved,
      kind: 'Event',
      lastTimestamp: time,
      message: message.slice(0, 1024),
      metadata: {name, namespace: involved.namespace},
      reason,
      reportingComponent: MANAGED_BY,
      reportingInstance: MANAGED_BY,
      source: {component: MANAGED_BY},
      type,
    })
    return
  } catch (error) {
    if (!isAlreadyExists(error)) throw error
  }
  for (let attempt = 1; ; attempt++) {
    const existing = await client.get<StoredEvent>(Resources.events, involved.namespace, name)
    try {
      // The resourceVersion makes a concurrent pass's increment a Conflict instead of a lost count.
      await client.patch(Resources.events, involved.namespace, name, 'merge', {
        count: (existing.count ?? 1) + 1,
        lastTimestamp: time,
        metadata: {resourceVersion: existing.metadata.resourceVersion},
      })
      return
    } catch (error) {
      if (!isConflict(error) || attempt >= COUNT_ATTEMPTS) throw error
    }
  }
}
