/** A plain-fetch client for the conformance tests, so the server is tested independently of any Kubernetes client. */
import type {ApiServer} from '../apiserver.js'

export interface Reply {
  status: number
  headers: Headers
  /** Parsed JSON, or the text when the body is not JSON. */
  body: Record<string, unknown>
  text: string
}

export async function call(server: ApiServer, method: string, path: string, body?: unknown, contentType = 'application/json', headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(server.url + path, {
    method,
    headers: {...(body === undefined ? {} : {'Content-Type': contentType}), Accept: 'application/json', ...headers},
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await response.text()
  let parsed: Record<string, unknown> = {}
  try {
    parsed = JSON.parse(text) as Record<string, unknown>
  } catch {
    // not JSON: callers look at `text`
  }
  return {status: response.status, headers: response.headers, body: parsed, text}
}

export const get = (server: ApiServer, path: string): Promise<Reply> => call(server, 'GET', path)
export const post = (server: ApiServer, path: string, body: unknown): Promise<Reply> => call(server, 'POST', path, body)
export const put = (server: ApiServer, path: string, body: unknown): Promise<Reply> => call(server, 'PUT', path, body)
export const patch = (server: ApiServer, path: string, body: unknown, contentType: string): Promise<Reply> => call(server, 'PATCH', path, body, contentType)
export const del = (server: ApiServer, path: string, body?: unknown): Promise<Reply> => call(server, 'DELETE', path, body)

/** Reads `a.b[0].c` style paths out of a parsed body. */
export function dig(value: unknown, path: string): unknown {
  let current = value
  for (const part of path.split(/\.|\[(\d+)\]/).filter((segment) => segment !== undefined && segment !== '')) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[part]
  }
  return current
}

export function configMap(name: string, namespace = 'default', data: Record<string, string> = {}, labels?: Record<string, string>): Record<string, unknown> {
  return {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, namespace, ...(labels ? {labels} : {})}, data}
}

export const CM = '/api/v1/namespaces/default/configmaps'

/** Reads newline-delimited watch events until `count` arrived or the stream ends. */
export async function watchEvents(server: ApiServer, path: string, count: number, whileOpen?: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const controller = new AbortController()
  const response = await fetch(server.url + path, {signal: controller.signal})
  const reader = response.body!.getReader()
  const events: Record<string, unknown>[] = []
  let buffer = ''
  const pending = whileOpen?.()
  try {
    while (events.length < count) {
      const {value, done} = await reader.read()
      if (done) break
      buffer += new TextDecoder().decode(value)
      let newline: number
      while ((newline = buffer.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>)
        buffer = buffer.slice(newline + 1)
      }
    }
  } finally {
    controller.abort()
    await pending
  }
  return events
}

/** A minimal valid Deployment. */
export function deployment(name: string, image = 'nginx:1.27'): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name, namespace: 'default'},
    spec: {selector: {matchLabels: {app: name}}, template: {metadata: {labels: {app: name}}, spec: {containers: [{name, image}]}}},
  }
}
