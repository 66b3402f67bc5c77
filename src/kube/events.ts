import type {EventType} from '../engine/types.js'
import type {KubeClient} from './client.js'

import {createHash} from 'node:crypto'

import {MANAGED_BY} from '../model/keys.js'
import {Resources} from './resources.js'

export interface InvolvedObject {
  apiVersion: string
  kind: string
  name: string
  namespace: string
  uid?: string
}

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
  await client.createIfAbsent(Resources.events, involved.namespace, {
    apiVersion: 'v1',
    count: 1,
    firstTimestamp: time,
    involvedObject: involved,
    kind: 'Event',
    lastTimestamp: time,
    message: message.slice(0, 1024),
    metadata: {name: eventName(involved, reason, message, now), namespace: involved.namespace},
    reason,
    reportingComponent: MANAGED_BY,
    reportingInstance: MANAGED_BY,
    source: {component: MANAGED_BY},
    type,
  })
}

/**
 * `<object>.<16 hex>` as kubectl shows them, derived from what the event says and when, instead of a generated name:
 * a create that is retried after it landed then answers AlreadyExists instead of recording the event twice.
 */
export function eventName(involved: InvolvedObject, reason: string, message: string, now: number): string {
  const digest = createHash('sha256').update(JSON.stringify([involved.kind, involved.namespace, involved.name, involved.uid, reason, message, now])).digest('hex')
  const prefix = involved.name.slice(0, 253 - 17).replace(/[.-]+$/, '')
  return `${prefix}.${digest.slice(0, 16)}`
}
