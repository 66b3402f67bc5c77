import type {EventType} from '../engine/types.js'
import type {KubeClient} from './client.js'

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
  await client.create(Resources.events, involved.namespace, {
    apiVersion: 'v1',
    count: 1,
    firstTimestamp: time,
    involvedObject: involved,
    kind: 'Event',
    lastTimestamp: time,
    message: message.slice(0, 1024),
    metadata: {generateName: `${involved.name}.`, namespace: involved.namespace},
    reason,
    reportingComponent: MANAGED_BY,
    reportingInstance: MANAGED_BY,
    source: {component: MANAGED_BY},
    type,
  })
}
