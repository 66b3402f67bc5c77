import {createHash} from 'node:crypto'

import type {EventType} from '../engine/types.js'
import type {KubeClient} from './client.js'

import {MANAGED_BY} from '../model/keys.js'
import {isConflict} from './client.js'
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
  // Named by its content, so a create retried after it landed finds it (and counts it once more at most).
  const created = await client.createIfAbsent(Resources.events, involved.namespace, {
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
  if (created) return
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

/**
 * Events of one pass, written in the background on the client's record lane: a switch never waits for its Event,
 * and a slow or failing Event neither delays nor undoes anything. While held (the routing changes of a round are
 * being written) Events wait, so none takes a request slot a switch could use. The pass waits for them once, at its end.
 */
export class EventRecorder {
  private readonly client: KubeClient
  private readonly pending = new Set<Promise<void>>()
  private readonly failures: string[] = []
  private held: Array<() => void> | undefined

  constructor(client: KubeClient) {
    this.client = client.recorder()
  }

  /** `reported`: a failure is one of the pass's errors; otherwise the Event is best effort (it only repeats a change already reported). */
  record(involved: InvolvedObject, reason: string, message: string, type: EventType, now: number, reported = true): void {
    const written = new Promise<void>((resolve) => {
      const write = () =>
        recordEvent(this.client, involved, reason, message, type, now).then(resolve, (error: unknown) => {
          if (reported) this.failures.push(`recording event ${reason} on ${involved.kind} ${involved.namespace}/${involved.name}: ${(error as Error).message}`)
          resolve()
        })
      if (this.held) this.held.push(write)
      else void write()
    })
    this.pending.add(written)
    void written.finally(() => this.pending.delete(written))
  }

  /** Events recorded from now on wait until release(). */
  hold(): void {
    this.held ??= []
  }

  release(): void {
    const held = this.held ?? []
    this.held = undefined
    for (const write of held) write()
  }

  /** Waits for every Event recorded so far; returns the failures not returned before. */
  async settled(): Promise<string[]> {
    this.release()
    while (this.pending.size > 0) await Promise.all(this.pending)
    return this.failures.splice(0)
  }
}
