/**
 * Structural-schema defaulting and pruning, as kube-apiserver applies them to custom resources. Only the
 * Gateway API models expose their CRD schemas (through ajv's verbose errors); the Traefik models ship
 * compiled validators without schemas, and their CRDs declare no defaults we rely on.
 */
import {Gateway} from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway'
import {HTTPRoute} from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute'

import {type JsonObject, deepCopy, isObject} from './json.js'

type ModelClass = new (data: never) => {validate(): void}

interface AjvError {
  instancePath: string
  keyword: string
  parentSchema?: unknown
}

/** The model's root schema, read from the error ajv reports for an object missing its required spec. */
function rootSchemaOf(model: ModelClass): JsonObject | undefined {
  try {
    new model({} as never).validate()
  } catch (error) {
    const errors = (error as {errors?: AjvError[]}).errors ?? []
    const rootError = errors.find((candidate) => candidate.instancePath === '' && candidate.keyword === 'required')
    if (rootError && isObject(rootError.parentSchema)) return rootError.parentSchema
  }
  return undefined
}

const schemas = new Map<string, JsonObject | undefined>()

function schemaFor(apiVersion: string, kind: string): JsonObject | undefined {
  const key = `${apiVersion}/${kind}`
  if (!schemas.has(key)) {
    const model = apiVersion === 'gateway.networking.k8s.io/v1' ? ({HTTPRoute, Gateway} as Record<string, ModelClass>)[kind] : undefined
    schemas.set(key, model ? rootSchemaOf(model) : undefined)
  }
  return schemas.get(key)
}

function applyDefaults(value: unknown, schema: unknown): void {
  if (!isObject(schema)) return
  if (isObject(value)) {
    const properties = isObject(schema.properties) ? schema.properties : {}
    for (const [key, property] of Object.entries(properties)) {
      if (!isObject(property) || property.default === undefined) continue
      if (value[key] === undefined || (value[key] === null && property.nullable !== true)) value[key] = deepCopy(property.default)
    }
    for (const [key, property] of Object.entries(properties)) if (value[key] !== undefined) applyDefaults(value[key], property)
    if (isObject(schema.additionalProperties)) for (const item of Object.values(value)) applyDefaults(item, schema.additionalProperties)
  } else if (Array.isArray(value)) {
    for (const item of value) applyDefaults(item, schema.items)
  }
}

function prune(value: unknown, schema: unknown): void {
  if (!isObject(schema)) return
  if (isObject(value)) {
    if (schema['x-kubernetes-preserve-unknown-fields'] === true) return
    const properties = isObject(schema.properties) ? schema.properties : undefined
    if (properties) {
      for (const key of Object.keys(value)) {
        if (properties[key] === undefined && schema.additionalProperties === undefined) delete value[key]
        else prune(value[key], properties[key])
      }
    }
    if (isObject(schema.additionalProperties)) for (const item of Object.values(value)) prune(item, schema.additionalProperties)
  } else if (Array.isArray(value)) {
    for (const item of value) prune(item, schema.items)
  }
}

/** Drops unknown fields and fills schema defaults in spec and status, in place. */
export function applyCustomResourceSchema(object: JsonObject, apiVersion: string, kind: string): void {
  const schema = schemaFor(apiVersion, kind)
  const properties = schema && isObject(schema.properties) ? schema.properties : undefined
  if (!properties) return
  for (const key of ['spec', 'status']) {
    if (object[key] === undefined) continue
    prune(object[key], properties[key])
    applyDefaults(object[key], properties[key])
  }
}
