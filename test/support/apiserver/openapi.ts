/**
 * A minimal OpenAPI v3 surface: kubectl reads it to learn that PATCH endpoints accept `fieldValidation` (and then
 * validates on the server instead of downloading schemas). Paths and GVK extensions only; no schemas.
 */
import {createHash} from 'node:crypto'

import type {JsonObject} from './json.js'
import {RESOURCES, type ResourceDef} from './resources.js'

function groupVersionPath(def: ResourceDef): string {
  return def.group ? `apis/${def.group}/${def.version}` : `api/${def.version}`
}

const QUERY_PARAMETERS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'].map((name) => ({name, in: 'query', schema: {type: 'string', uniqueItems: true}}))

function gvDocument(defs: ResourceDef[]): JsonObject {
  const paths: JsonObject = {}
  for (const def of defs) {
    if (!def.verbs.includes('patch')) continue
    const gvk = {group: def.group, version: def.version, kind: def.kind}
    const base = `/${groupVersionPath(def)}${def.namespaced ? '/namespaces/{namespace}' : ''}/${def.plural}/{name}`
    paths[base] = {patch: {operationId: `patch${def.kind}`, 'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': gvk, parameters: QUERY_PARAMETERS}}
  }
  return {openapi: '3.0.0', info: {title: 'Kubernetes', version: 'v1.32.4'}, paths, components: {schemas: {}}}
}

/** The answer for a path under /openapi/v3, or undefined for 404. */
export function openApiV3(pathname: string, isServed: (def: ResourceDef) => boolean): JsonObject | undefined {
  const served = RESOURCES.filter(isServed)
  const byGroupVersion = new Map<string, ResourceDef[]>()
  for (const def of served) byGroupVersion.set(groupVersionPath(def), [...(byGroupVersion.get(groupVersionPath(def)) ?? []), def])
  const relative = pathname.replace(/^\/openapi\/v3\/?/, '')
  if (relative === '') {
    const paths: JsonObject = {}
    for (const [path, defs] of byGroupVersion) {
      const hash = createHash('sha512').update(JSON.stringify(gvDocument(defs))).digest('hex').slice(0, 128).toUpperCase()
      paths[path] = {serverRelativeURL: `/openapi/v3/${path}?hash=${hash}`}
    }
    return {paths}
  }
  const defs = byGroupVersion.get(relative)
  return defs && gvDocument(defs)
}
