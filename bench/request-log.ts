/** Reading the API server's request log: what a pass asked, and when. */
import type {RequestLogEntry} from '../test/support/apiserver.js'

export interface RequestCounts {
  total: number
  byMethod: Record<string, number>
  /** Writes by verb and resource ("POST configmaps"), for reading where the requests go. */
  writes: Record<string, number>
  /** First to last request of the pass, ms: the pass's time on the wire, without node's start-up. */
  spanMs: number
  /** List requests that fetched a further page (a continue token): these grow with the number of objects. */
  continuations?: number
}

/** Where a pass's process time goes: before its first request (start-up), on the wire, after its last request. */
export interface PassPhases {
  startupMs: number
  spanMs: number
  afterLastRequestMs: number
}

export function passPhases(log: RequestLogEntry[], startedAt: number, endedAt: number): PassPhases {
  const times = log.map((entry) => entry.at)
  const first = Math.min(...times)
  const last = Math.max(...times)
  return {afterLastRequestMs: endedAt - last, spanMs: last - first, startupMs: first - startedAt}
}

/** "/apis/apps/v1/namespaces/x/deployments/y" -> "deployments". */
export function resourceOf(requestPath: string): string {
  const parts = requestPath.split('/').filter(Boolean)
  const namespaced = parts.indexOf('namespaces')
  if (namespaced >= 0 && parts.length > namespaced + 2) return parts[namespaced + 2]
  return parts[parts[0] === 'api' ? 2 : 3] ?? requestPath
}

export function countRequests(log: RequestLogEntry[]): RequestCounts {
  const byMethod: Record<string, number> = {}
  const writes: Record<string, number> = {}
  for (const entry of log) {
    byMethod[entry.method] = (byMethod[entry.method] ?? 0) + 1
    if (entry.method !== 'GET') {
      const key = `${entry.method} ${resourceOf(entry.path)}`
      writes[key] = (writes[key] ?? 0) + 1
    }
  }
  const times = log.map((entry) => entry.at)
  const continuations = log.filter((entry) => entry.method === 'GET' && entry.query.continue !== undefined).length
  return {byMethod, continuations, spanMs: times.length > 0 ? Math.max(...times) - Math.min(...times) : 0, total: log.length, writes}
}

export function isWrite(entry: RequestLogEntry): boolean {
  return entry.method !== 'GET' && !entry.dryRun
}
