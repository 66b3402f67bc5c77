/** Watch streams: newline-delimited JSON events as kube-apiserver writes them over a chunked response. */
import type {ServerResponse} from 'node:http'

import type {JsonObject} from './json.js'
import {type ResourceDef, apiVersionOf, resourceKey} from './resources.js'
import type {Store, StoreEvent} from './store.js'
import {gone} from './status.js'

export interface WatchOptions {
  def: ResourceDef
  namespace?: string
  /** Whether an object (a stored version) is visible to this watch: namespace and selectors. */
  matches: (object: JsonObject) => boolean
  resourceVersion?: string
  sendInitialEvents: boolean
  allowBookmarks: boolean
  bookmarkIntervalMs: number
  timeoutSeconds?: number
  /** Shapes each object as the client asked (plain, or a Table row). */
  present: (object: JsonObject) => JsonObject
}

type WireEvent = {type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: JsonObject}

/** What a watcher whose filter matched `previous` and/or `object` should see for a store event. */
function visibleEvent(event: StoreEvent, matches: (object: JsonObject) => boolean): WireEvent | undefined {
  const now = matches(event.object)
  const before = event.previous !== undefined && matches(event.previous)
  if (event.type === 'ADDED') return now ? {type: 'ADDED', object: event.object} : undefined
  if (event.type === 'DELETED') return before ? {type: 'DELETED', object: event.object} : undefined
  if (now && before) return {type: 'MODIFIED', object: event.object}
  if (now) return {type: 'ADDED', object: event.object}
  if (before) return {type: 'DELETED', object: event.object}
  return undefined
}

export interface OpenWatch {
  close(): void
}

export function serveWatch(response: ServerResponse, store: Store, initialObjects: () => JsonObject[], options: WatchOptions): OpenWatch {
  response.writeHead(200, {'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked'})
  response.flushHeaders()
  const send = (event: WireEvent): void => {
    if (!response.writableEnded) response.write(JSON.stringify({type: event.type, object: event.type === 'BOOKMARK' || event.type === 'ERROR' ? event.object : options.present(event.object)}) + '\n')
  }
  const bookmark = (extra: JsonObject = {}): void =>
    send({type: 'BOOKMARK', object: {kind: options.def.kind, apiVersion: apiVersionOf(options.def), metadata: {resourceVersion: String(store.currentRevision), ...extra}}})

  const timers: NodeJS.Timeout[] = []
  let unsubscribe = (): void => {}
  const close = (): void => {
    unsubscribe()
    for (const timer of timers) clearTimeout(timer)
    if (!response.writableEnded) response.end()
  }
  response.on('close', close)

  const rv = options.resourceVersion
  const fromScratch = rv === undefined || rv === '' || rv === '0' || options.sendInitialEvents
  if (fromScratch) {
    for (const object of initialObjects()) send({type: 'ADDED', object})
    if (options.sendInitialEvents && options.allowBookmarks) bookmark({annotations: {'k8s.io/initial-events-end': 'true'}})
  } else {
    const replay = store.eventsAfter(Number(rv))
    if (!/^\d+$/.test(rv) || replay === undefined) {
      const status = gone(`too old resource version: ${rv} (${store.oldestWatchableRevision + 1})`)
      send({type: 'ERROR', object: status.body as unknown as JsonObject})
      close()
      return {close}
    }
    for (const event of replay) {
      if (event.resource !== resourceKey(options.def)) continue
      const visible = visibleEvent(event, options.matches)
      if (visible) send(visible)
    }
  }
  unsubscribe = store.subscribe((event) => {
    if (event.resource !== resourceKey(options.def)) return
    const visible = visibleEvent(event, options.matches)
    if (visible) send(visible)
  })
  if (options.allowBookmarks) {
    const interval = setInterval(() => bookmark(), options.bookmarkIntervalMs)
    timers.push(interval as unknown as NodeJS.Timeout)
  }
  if (options.timeoutSeconds !== undefined && options.timeoutSeconds > 0) timers.push(setTimeout(close, options.timeoutSeconds * 1000))
  return {close}
}
