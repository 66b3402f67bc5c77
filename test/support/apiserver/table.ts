/** Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), as `kubectl get` requests it. */
import {type JsonObject, arrayAt, isObject, objectAt, stringAt} from './json.js'
import type {ResourceDef} from './resources.js'

interface Column {
  name: string
  type: string
  format?: string
  description: string
  priority: number
  cell: (object: JsonObject, now: number) => unknown
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000))
  if (seconds < 60 * 2) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`
  if (minutes < 60 * 3) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`
  if (hours < 48) return `${hours}h`
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`
  return `${Math.floor(hours / 24 / 365)}y${Math.floor(hours / 24) % 365}d`
}

const nameColumn: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  priority: 0,
  cell: (object) => stringAt(object, 'metadata', 'name') ?? '',
}

const ageColumn: Column = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
  cell: (object, now) => {
    const created = stringAt(object, 'metadata', 'creationTimestamp')
    return created ? humanDuration(now - Date.parse(created)) : '<unknown>'
  },
}

function column(name: string, cell: Column['cell'], type = 'string', priority = 0): Column {
  return {name, type, description: name, priority, cell}
}

function servicePorts(object: JsonObject): string {
  const ports = arrayAt(object, 'spec', 'ports').filter(isObject)
  if (ports.length === 0) return '<none>'
  return ports.map((port) => `${String(port.port)}${port.nodePort ? `:${String(port.nodePort)}` : ''}/${String(port.protocol ?? 'TCP')}`).join(',')
}

function ingressHosts(object: JsonObject): string {
  const hosts = arrayAt(object, 'spec', 'rules')
    .map((rule) => (isObject(rule) && typeof rule.host === 'string' ? rule.host : '*'))
    .filter((host, index, all) => all.indexOf(host) === index)
  return hosts.length === 0 ? '*' : hosts.join(',')
}

function loadBalancerAddress(object: JsonObject): string {
  const entries = arrayAt(object, 'status', 'loadBalancer', 'ingress').filter(isObject)
  return entries.map((entry) => String(entry.ip ?? entry.hostname ?? '')).join(',')
}

const KIND_COLUMNS: Record<string, Column[]> = {
  ConfigMap: [column('Data', (object) => Object.keys(objectAt(object, 'data') ?? {}).length + Object.keys(objectAt(object, 'binaryData') ?? {}).length, 'integer')],
  Service: [
    column('Type', (object) => stringAt(object, 'spec', 'type') ?? ''),
    column('Cluster-IP', (object) => stringAt(object, 'spec', 'clusterIP') ?? '<none>'),
    column('External-IP', (object) => loadBalancerAddress(object) || (stringAt(object, 'spec', 'type') === 'LoadBalancer' ? '<pending>' : '<none>')),
    column('Port(s)', servicePorts),
  ],
  Ingress: [
    column('Class', (object) => stringAt(object, 'spec', 'ingressClassName') ?? '<none>'),
    column('Hosts', ingressHosts),
    column('Address', loadBalancerAddress),
    column('Ports', (object) => (arrayAt(object, 'spec', 'tls').length > 0 ? '80, 443' : '80')),
  ],
  Deployment: [
    column('Ready', (object) => `${Number(objectAt(object, 'status')?.readyReplicas ?? 0)}/${Number(objectAt(object, 'spec')?.replicas ?? 0)}`),
    column('Up-to-date', (object) => Number(objectAt(object, 'status')?.updatedReplicas ?? 0), 'integer'),
    column('Available', (object) => Number(objectAt(object, 'status')?.availableReplicas ?? 0), 'integer'),
  ],
  Namespace: [column('Status', (object) => stringAt(object, 'status', 'phase') ?? '')],
  CronJob: [
    column('Schedule', (object) => stringAt(object, 'spec', 'schedule') ?? ''),
    column('Timezone', (object) => stringAt(object, 'spec', 'timeZone') ?? '<none>'),
    column('Suspend', (object) => String(objectAt(object, 'spec')?.suspend ?? false)),
    column('Active', (object) => arrayAt(object, 'status', 'active').length, 'integer'),
    column('Last Schedule', (object, now) => {
      const last = stringAt(object, 'status', 'lastScheduleTime')
      return last ? humanDuration(now - Date.parse(last)) : '<none>'
    }),
  ],
  Event: [
    column('Last Seen', (object, now) => {
      const last = stringAt(object, 'lastTimestamp') ?? stringAt(object, 'eventTime')
      return last ? humanDuration(now - Date.parse(last)) : '<unknown>'
    }),
    column('Type', (object) => stringAt(object, 'type') ?? ''),
    column('Reason', (object) => stringAt(object, 'reason') ?? ''),
    column('Object', (object) => `${(stringAt(object, 'involvedObject', 'kind') ?? '').toLowerCase()}/${stringAt(object, 'involvedObject', 'name') ?? ''}`),
    column('Message', (object) => stringAt(object, 'message') ?? ''),
  ],
}

export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && accept.split(',')[0].includes('as=Table')
}

function rowObject(def: ResourceDef, object: JsonObject, includeObject: string): JsonObject {
  if (includeObject === 'Object') return {...object, apiVersion: object.apiVersion ?? (def.group ? `${def.group}/${def.version}` : def.version), kind: object.kind ?? def.kind}
  if (includeObject === 'None') return {}
  return {kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata}
}

export function toTable(def: ResourceDef, objects: JsonObject[], listMeta: JsonObject, includeObject: string, now: number, withHeaders = true): JsonObject {
  const columns = def.kind === 'Event' ? [...KIND_COLUMNS.Event] : [nameColumn, ...(KIND_COLUMNS[def.kind] ?? []), ageColumn]
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: withHeaders ? columns.map(({cell: _cell, format, ...definition}) => ({...definition, format: format ?? ''})) : [],
    rows: objects.map((object) => ({cells: columns.map((candidate) => candidate.cell(object, now)), object: rowObject(def, object, includeObject)})),
  }
}
