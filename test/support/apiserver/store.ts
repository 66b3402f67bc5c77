/** Object storage with one global resourceVersion counter and an event history for watches, like etcd behind kube-apiserver. */
import {type JsonObject, deepCopy, metadataOf} from './json.js'
import {type ResourceDef, resourceKey} from './resources.js'

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface StoreEvent {
  type: StoreEventType
  resource: string
  object: JsonObject
  /** The stored version before a MODIFIED or DELETED event. */
  previous?: JsonObject
  revision: number
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`
}

export class Store {
  private revision = 0
  /** Events at or below this revision have been dropped from the history (compaction). */
  private compactedRevision = 0
  private readonly objects = new Map<string, Map<string, JsonObject>>()
  private readonly history: StoreEvent[] = []
  private readonly listeners = new Set<(event: StoreEvent) => void>()

  constructor(private readonly historyLimit = 10_000) {}

  get currentRevision(): number {
    return this.revision
  }

  get oldestWatchableRevision(): number {
    return this.compactedRevision
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): JsonObject | undefined {
    const stored = this.bucket(def).get(objectKey(def.namespaced ? namespace : undefined, name))
    return stored && deepCopy(stored)
  }

  /** get() without a copy, for readers that only look (the garbage collector's sweep): never modify what it returns. */
  peekOne(def: ResourceDef, namespace: string | undefined, name: string): Readonly<JsonObject> | undefined {
    return this.bucket(def).get(objectKey(def.namespaced ? namespace : undefined, name))
  }

  /** Objects of a resource in etcd key order (namespace, then name), optionally in one namespace; `keep` filters before copying. */
  list(def: ResourceDef, namespace?: string, keep: (object: JsonObject) => boolean = () => true): JsonObject[] {
    return this.peek(def, namespace, keep).map((object) => deepCopy(object))
  }

  /** list() without copies, to select before copying (a page of 500 out of 10,000): never modify what it returns. */
  peek(def: ResourceDef, namespace?: string, keep: (object: JsonObject) => boolean = () => true): readonly JsonObject[] {
    const entries = [...this.bucket(def).entries()].filter(([key, object]) => (namespace === undefined || key.startsWith(`${namespace}/`)) && keep(object))
    return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, object]) => object)
  }

  /**
   * The objects of a resource as they were at `revision` (etcd's read at a past revision), in key order; undefined
   * when that revision has been compacted away. Built by undoing, newest first, the recorded events after it.
   */
  listAt(def: ResourceDef, namespace: string | undefined, revision: number, keep: (object: JsonObject) => boolean = () => true): JsonObject[] | undefined {
    if (revision < this.compactedRevision) return undefined
    const resource = resourceKey(def)
    const snapshot = new Map(this.bucket(def))
    for (let i = this.history.length - 1; i >= 0 && this.history[i].revision > revision; i--) {
      const event = this.history[i]
      if (event.resource !== resource) continue
      const metadata = metadataOf(event.object)
      const key = objectKey(def.namespaced ? (metadata.namespace as string) : undefined, String(metadata.name))
      if (event.type === 'ADDED') snapshot.delete(key)
      else if (event.previous) snapshot.set(key, event.previous)
    }
    const entries = [...snapshot.entries()].filter(([key, object]) => (namespace === undefined || key.startsWith(`${namespace}/`)) && keep(object))
    return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, object]) => object)
  }

  /** Drops the whole event history, as etcd compaction does: older list snapshots and watch positions are gone. */
  compact(): void {
    if (this.history.length > 0) this.compactedRevision = this.history.at(-1)!.revision
    this.history.length = 0
  }

  /** Stores the object with the next resourceVersion and notifies watchers; returns the stored copy. */
  write(def: ResourceDef, object: JsonObject): JsonObject {
    const metadata = metadataOf(object)
    const key = objectKey(def.namespaced ? (metadata.namespace as string) : undefined, String(metadata.name))
    const previous = this.bucket(def).get(key)
    this.revision++
    metadata.resourceVersion = String(this.revision)
    const stored = deepCopy(object)
    this.bucket(def).set(key, stored)
    this.record({type: previous ? 'MODIFIED' : 'ADDED', resource: resourceKey(def), object: stored, previous, revision: this.revision})
    return deepCopy(stored)
  }

  delete(def: ResourceDef, namespace: string | undefined, name: string): JsonObject | undefined {
    const key = objectKey(def.namespaced ? namespace : undefined, name)
    const previous = this.bucket(def).get(key)
    if (!previous) return undefined
    this.bucket(def).delete(key)
    this.revision++
    const deleted = deepCopy(previous)
    metadataOf(deleted).resourceVersion = String(this.revision)
    this.record({type: 'DELETED', resource: resourceKey(def), object: deleted, previous, revision: this.revision})
    return deepCopy(deleted)
  }

  /** Events after `revision`, or undefined when they have been compacted away (410 Gone for a watch). */
  eventsAfter(revision: number): StoreEvent[] | undefined {
    if (revision < this.compactedRevision) return undefined
    return this.history.filter((event) => event.revision > revision)
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private record(event: StoreEvent): void {
    this.history.push(event)
    while (this.history.length > this.historyLimit) this.compactedRevision = this.history.shift()!.revision
    for (const listener of this.listeners) listener(event)
  }

  private bucket(def: ResourceDef): Map<string, JsonObject> {
    const key = resourceKey(def)
    let bucket = this.objects.get(key)
    if (!bucket) {
      bucket = new Map()
      this.objects.set(key, bucket)
    }
    return bucket
  }
}
