import type {KubeObject} from '../../model/kube-object.js'
import type {TargetRef} from '../../model/target.js'

import {BACKEND_PREFIX, HASH_LABEL} from '../../model/keys.js'

/**
 * Where a target sends traffic, in one short line for people: `shop-web:http, shop-api:8080` for the routes kinds,
 * `app=postgres,tier=db` for a Service's selector.
 */
export function routingSummary(ref: TargetRef, object: KubeObject | undefined): string {
  if (!object) return '<not found>'
  const spec = (object.spec ?? {}) as Record<string, unknown>
  if (ref.kind === 'service') {
    const selector = (spec.selector ?? {}) as Record<string, string>
    if (selector[HASH_LABEL]) return `pods of ${BACKEND_PREFIX}${selector[HASH_LABEL]}`
    const text = Object.entries(selector).map(([key, value]) => `${key}=${value}`).join(',')
    return text || '<no selector>'
  }
  const destinations = new Set<string>()
  collect(spec, destinations)
  return [...destinations].join(', ') || '<no backends>'
}

/** Every `{name, port}` service reference under the spec, whatever the kind nests it in. */
function collect(value: unknown, into: Set<string>, parentKey = ''): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, into, parentKey)
    return
  }
  if (!value || typeof value !== 'object') return
  const record = value as Record<string, unknown>
  const isReference = typeof record.name === 'string' && record.port !== undefined && parentKey !== 'parentRefs'
  if (isReference) {
    const port = record.port as {name?: string; number?: number} | number | string
    const portText = typeof port === 'object' ? (port.name ?? port.number) : port
    into.add(`${record.name as string}:${String(portText)}`)
    return
  }
  for (const [key, child] of Object.entries(record)) collect(child, into, key)
}
