/**
 * The storage rules of kube-apiserver's generic registry for every served resource: create, get, list, update,
 * patch and delete with preconditions, defaults, validation, status subresources, generation and dryRun.
 */
import {randomUUID} from 'node:crypto'

import {applyDefaults} from './defaults.js'
import {afterApply, afterUpdate} from './managed-fields.js'
import {type JsonObject, deepCopy, deepEqual, isObject, metadataOf, objectAt} from './json.js'
import {applyConfiguration, applyJsonPatch, applyMergePatch, strategicMerge} from './patch.js'
import {type DeploymentRollouts, readyStatus} from './readiness.js'
import {RESOURCES, type ResourceDef, apiVersionOf} from './resources.js'
import {matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector} from './selectors.js'
import {admit} from './admission.js'
import {ServiceAllocator, carryAllocatedValues, validateServiceUpdate} from './services.js'
import {
  type FieldError,
  type GroupResource,
  alreadyExists,
  badRequest,
  conflict,
  fieldErrors,
  gone,
  internalError,
  invalid,
  namespaceTerminating,
  notFound,
  success,
  unsupportedMediaType,
} from './status.js'
import type {Store} from './store.js'
import {immutableFieldErrors, validateObject} from './validation.js'

export interface WriteOptions {
  dryRun: boolean
  subresource?: string
  /** Who writes: the fieldManager parameter, else the client's User-Agent (see managed-fields.ts). */
  fieldManager?: string
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply'

const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
}

const NAMESPACE_DEF = RESOURCES.find((def) => def.kind === 'Namespace')!
const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'

export function groupResource(def: ResourceDef): GroupResource {
  return {group: def.group, resource: def.plural}
}

function groupKind(def: ResourceDef): {group: string; kind: string} {
  return {group: def.group, kind: def.kind}
}

function rejectInvalid(def: ResourceDef, name: string, errors: FieldError[]): void {
  if (errors.length > 0) throw invalid(groupKind(def), name, errors)
}

/** The patch format a Content-Type names, or 415 listing what this resource accepts. */
export function patchTypeOf(def: ResourceDef, contentType: string | undefined): PatchType {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase()
  const accepted = def.custom
    ? ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']
    : ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']
  if (!accepted.includes(mediaType)) throw unsupportedMediaType(accepted)
  return PATCH_CONTENT_TYPES[mediaType]
}

/** Everything outside metadata and status: what bumps metadata.generation when it changes. */
function generationRelevant(object: JsonObject): JsonObject {
  const {metadata: _metadata, status: _status, apiVersion: _apiVersion, kind: _kind, ...rest} = object
  return rest
}

export interface ListResult {
  items: JsonObject[]
  metadata: JsonObject
}

export class Registry {
  private readonly allocator = new ServiceAllocator()
  /** The configuration each field manager last applied, per object (what server-side apply removes fields against). */
  private readonly appliedConfigurations = new Map<string, JsonObject>()
  private generatedNames = 0
  private timestampSecond = Number.NaN
  private timestampText = ''
  /** The garbage collector's hook for propagationPolicy Orphan: the owner's dependents lose their reference to it. */
  orphanDependents?: (uid: string) => void
  /** Who sent the request being handled (from its bearer token); undefined outside a request (seeding). */
  requestUser?: string

  constructor(
    private readonly store: Store,
    private readonly rollouts: DeploymentRollouts,
    private readonly now: () => Date,
    private readonly user: string,
  ) {}

  get(def: ResourceDef, namespace: string | undefined, name: string): JsonObject {
    const object = this.store.get(def, namespace, name)
    if (!object) throw notFound(groupResource(def), name)
    return object
  }

  /**
   * A list, whole or in chunks (https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks):
   * with `limit` the answer carries a `continue` token while more is left, and `remainingItemCount` unless selectors
   * were given; every chunk of one list is served from the snapshot of its first (same resourceVersion), so writes
   * in between do not show; a token whose snapshot has been compacted away answers 410 Expired, whose Status carries
   * a token to go on inconsistently from the current state.
   */
  list(def: ResourceDef, namespace: string | undefined, query: URLSearchParams): ListResult {
    const labels = parseLabelSelector(query.get('labelSelector') ?? undefined)
    const fields = parseFieldSelector(query.get('fieldSelector') ?? undefined, def)
    const scope = def.namespaced ? namespace : undefined
    const token = this.continueFrom(query.get('continue'))
    const revision = token?.rv ?? this.store.currentRevision
    const keyOf = (object: JsonObject): string => `${String(metadataOf(object).namespace ?? '')}/${String(metadataOf(object).name)}`
    const encode = (rv: number, start: string): string => Buffer.from(JSON.stringify({v: 'meta.k8s.io/v1', rv, start})).toString('base64')
    const matches = (object: JsonObject): boolean => matchesLabels(object, labels) && matchesFields(object, fields)
    const stored = token ? this.store.listAt(def, scope, token.rv, matches) : this.store.peek(def, scope, matches)
    if (!stored) {
      const expired = gone(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, ' +
          'or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an ' +
          'inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      )
      expired.body.metadata = {continue: encode(this.store.currentRevision, token!.start)}
      throw expired
    }
    const all = stored
    const metadata: JsonObject = {resourceVersion: String(revision)}
    const remaining = token === undefined ? all : all.filter((object) => keyOf(object) > token.start)
    const limit = Number.parseInt(query.get('limit') ?? '', 10)
    if (!Number.isFinite(limit) || limit <= 0 || remaining.length <= limit) return {items: remaining.map((object) => deepCopy(object)), metadata}
    const page = remaining.slice(0, limit).map((object) => deepCopy(object))
    metadata.continue = encode(revision, keyOf(page.at(-1)!))
    if (labels.length === 0 && fields.length === 0) metadata.remainingItemCount = remaining.length - limit
    return {items: page, metadata}
  }

  create(def: ResourceDef, namespace: string | undefined, body: unknown, options: WriteOptions, managedFields?: JsonObject[]): JsonObject {
    const object = this.decode(def, body)
    const metadata = metadataOf(object)
    this.reconcileNamespace(def, namespace, metadata)
    if (metadata.resourceVersion !== undefined && metadata.resourceVersion !== '') throw internalError('resourceVersion should not be set on objects to be created')
    if ((metadata.name === undefined || metadata.name === '') && typeof metadata.generateName === 'string' && metadata.generateName !== '') {
      metadata.name = `${metadata.generateName}${this.generatedSuffix()}`
    }
    const name = String(metadata.name ?? '')
    if (def.namespaced) this.requireActiveNamespace(def, String(metadata.namespace ?? ''), name)
    this.prepareForCreate(def, object, managedFields)
    applyDefaults(def, object)
    if (!managedFields) metadata.managedFields = afterUpdate(def, undefined, object, options.fieldManager ?? '', this.timestamp())
    const errors = validateObject(def, object)
    if (def.kind === 'Service' && errors.length === 0) errors.push(...this.allocator.allocate(object.spec as JsonObject, false))
    rejectInvalid(def, name, errors)
    this.admit(def, 'CREATE', object, undefined, options)
    if (this.store.peekOne(def, metadata.namespace as string | undefined, name)) throw alreadyExists(groupResource(def), name)
    if (options.dryRun) return object
    if (def.kind === 'Service') this.allocator.allocate(object.spec as JsonObject, true)
    this.rollouts.beforeWrite(def, object, undefined)
    const stored = this.store.write(def, object)
    this.rollouts.afterWrite(def, stored, undefined)
    return stored
  }

  update(def: ResourceDef, namespace: string | undefined, name: string, body: unknown, options: WriteOptions): JsonObject {
    const object = this.decode(def, body)
    const metadata = metadataOf(object)
    this.reconcileNamespace(def, namespace, metadata)
    if (metadata.name !== name) throw badRequest(`the name of the object (${String(metadata.name ?? '')}) does not match the name on the URL (${name})`)
    const old = this.get(def, namespace, name)
    const requested = metadata.resourceVersion
    if (requested === undefined || requested === '') {
      if (def.custom) rejectInvalid(def, name, [fieldErrors.invalidRaw('metadata.resourceVersion', '0x0', 'must be specified for an update')])
    } else if (requested !== metadataOf(old).resourceVersion) {
      throw conflict(groupResource(def), name)
    }
    return this.commitUpdate(def, old, this.prepareForUpdate(def, old, object, options.subresource), options)
  }

  patch(def: ResourceDef, namespace: string | undefined, name: string, patchType: PatchType, patch: unknown, options: WriteOptions & {force?: boolean}): {object: JsonObject; created: boolean} {
    const old = this.store.get(def, namespace, name)
    if (patchType === 'apply') return this.apply(def, namespace, name, patch, old, options)
    if (!old) throw notFound(groupResource(def), name)
    let patched: unknown
    if (patchType === 'json') patched = applyJsonPatch(old, patch)
    else if (!isObject(patch)) throw badRequest(`json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch} into Go value of type map[string]interface {}`)
    else if (patchType === 'merge') patched = applyMergePatch(old, patch)
    else patched = strategicMerge(def.kind, [], old, patch)
    if (!isObject(patched)) throw badRequest('the patch produced something that is not an object')
    return {object: this.updatePatched(def, old, patched, options), created: false}
  }

  delete(def: ResourceDef, namespace: string | undefined, name: string, deleteOptions: unknown, options: WriteOptions): JsonObject {
    const old = this.get(def, namespace, name)
    this.checkPreconditions(def, old, deleteOptions)
    const metadata = metadataOf(old)
    if (def.kind === 'Namespace') return this.deleteNamespace(old, options)
    const finalizers = Array.isArray(metadata.finalizers) ? metadata.finalizers : []
    if (finalizers.length > 0) {
      if (metadata.deletionTimestamp || options.dryRun) return {...old, metadata: {...metadata, deletionTimestamp: metadata.deletionTimestamp ?? this.timestamp(), deletionGracePeriodSeconds: 0}}
      metadata.deletionTimestamp = this.timestamp()
      metadata.deletionGracePeriodSeconds = 0
      return this.store.write(def, old)
    }
    const answer = (deleted: JsonObject): JsonObject => (def.returnsDeletedObject ? deleted : success({name, group: def.group, kind: def.plural, uid: String(metadata.uid)}))
    if (options.dryRun) return answer(old)
    const policy = isObject(deleteOptions) ? deleteOptions : undefined
    if (policy && (policy.propagationPolicy === 'Orphan' || policy.orphanDependents === true)) this.orphanDependents?.(String(metadata.uid))
    return answer(this.remove(def, old))
  }

  deleteCollection(def: ResourceDef, namespace: string | undefined, query: URLSearchParams, options: WriteOptions): JsonObject {
    const {items} = this.list(def, namespace, query)
    const deleted = items.map((item) => (options.dryRun ? item : this.delete(def, metadataOf(item).namespace as string | undefined, String(metadataOf(item).name), undefined, options)))
    return {kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: {resourceVersion: String(this.store.currentRevision)}, items: deleted}
  }

  /** Stores an object as if it had always existed: defaults, validation, no request. Deployments are already rolled out. */
  seed(def: ResourceDef, object: JsonObject): JsonObject {
    const namespace = def.namespaced ? String(metadataOf(object).namespace ?? 'default') : undefined
    const created = this.create(def, namespace, object, {dryRun: false, fieldManager: 'kubectl-client-side-apply'})
    if (def.kind !== 'Deployment') return created
    this.rollouts.afterDelete(String(namespace), String(metadataOf(created).name))
    created.status = readyStatus(created, this.timestamp())
    return this.store.write(def, created)
  }

  private apply(def: ResourceDef, namespace: string | undefined, name: string, patch: unknown, old: JsonObject | undefined, options: WriteOptions & {force?: boolean}): {object: JsonObject; created: boolean} {
    if (!isObject(patch)) throw badRequest('error decoding YAML: the applied configuration must be an object')
    const applied = deepCopy(patch)
    if (applied.apiVersion !== apiVersionOf(def) || applied.kind !== def.kind) {
      throw badRequest(`the API version in the data (${String(applied.apiVersion ?? '')}) does not match the expected API version (${apiVersionOf(def)})`)
    }
    const metadata = metadataOf(applied)
    if (metadata.name === undefined) metadata.name = name
    if (metadata.name !== name) throw badRequest(`the name of the object (${String(metadata.name)}) does not match the name on the URL (${name})`)
    const manager = options.fieldManager ?? ''
    const objectKey = `${apiVersionOf(def)}/${def.plural}/${namespace ?? ''}/${name}/${manager}`
    if (!old) {
      const created = this.create(def, namespace, applied, options, afterApply(def, undefined, applied, applied, manager, true, this.timestamp()))
      if (!options.dryRun) this.appliedConfigurations.set(objectKey, applied)
      return {object: created, created: true}
    }
    const merged = applyConfiguration(def.kind, old, applied, this.appliedConfigurations.get(objectKey))
    // An entry's time moves only when its field set does, so a no-op apply changes nothing (no new resourceVersion).
    metadataOf(merged).managedFields = afterApply(def, old, merged, applied, manager, options.force === true, this.timestamp())
    if (sameJson(merged, old)) return {object: old, created: false}
    const object = this.updatePatched(def, old, merged, options, true)
    if (!options.dryRun) this.appliedConfigurations.set(objectKey, applied)
    return {object, created: false}
  }

  private updatePatched(def: ResourceDef, old: JsonObject, patched: JsonObject, options: WriteOptions, applied = false): JsonObject {
    const metadata = metadataOf(patched)
    const name = String(metadataOf(old).name)
    if (metadata.resourceVersion !== undefined && metadata.resourceVersion !== null && metadata.resourceVersion !== metadataOf(old).resourceVersion) {
      throw conflict(groupResource(def), name)
    }
    if (metadata.name !== name) rejectInvalid(def, name, [fieldErrors.invalid('metadata.name', metadata.name ?? '', 'field is immutable')])
    patched.apiVersion = apiVersionOf(def)
    patched.kind = def.kind
    return this.commitUpdate(def, old, this.prepareForUpdate(def, old, patched, options.subresource), options, applied)
  }

  private prepareForCreate(def: ResourceDef, object: JsonObject, managedFields?: JsonObject[]): void {
    const metadata = metadataOf(object)
    metadata.uid = randomUUID()
    metadata.creationTimestamp = this.timestamp()
    for (const field of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'managedFields']) delete metadata[field]
    if (managedFields) metadata.managedFields = managedFields
    if (def.generation) metadata.generation = 1
    else delete metadata.generation
    if (def.statusSubresource && def.kind !== 'Namespace') delete object.status
  }

  private prepareForUpdate(def: ResourceDef, old: JsonObject, incoming: JsonObject, subresource: string | undefined): JsonObject {
    let next: JsonObject
    if (subresource === 'status') {
      next = deepCopy(old)
      if (incoming.status === undefined) delete next.status
      else next.status = deepCopy(incoming.status)
    } else {
      next = deepCopy(incoming)
      const metadata = metadataOf(next)
      const oldMetadata = metadataOf(old)
      for (const field of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
        if (oldMetadata[field] === undefined) delete metadata[field]
        else metadata[field] = oldMetadata[field]
      }
      if (metadata.managedFields === undefined && oldMetadata.managedFields !== undefined) metadata.managedFields = oldMetadata.managedFields
      if (def.statusSubresource) {
        if (old.status === undefined) delete next.status
        else next.status = deepCopy(old.status)
      }
      if (def.kind === 'Service' && isObject(next.spec)) carryAllocatedValues(old.spec, next.spec)
    }
    metadataOf(next).resourceVersion = metadataOf(old).resourceVersion
    applyDefaults(def, next)
    if (def.generation) {
      const oldGeneration = Number(metadataOf(old).generation ?? 1)
      metadataOf(next).generation = deepEqual(generationRelevant(old), generationRelevant(next)) ? oldGeneration : oldGeneration + 1
    } else delete metadataOf(next).generation
    return next
  }

  private commitUpdate(def: ResourceDef, old: JsonObject, next: JsonObject, options: WriteOptions, applied = false): JsonObject {
    const name = String(metadataOf(old).name)
    if (!applied) metadataOf(next).managedFields = afterUpdate(def, old, next, options.fieldManager ?? '', this.timestamp(), options.subresource)
    const errors = [...validateObject(def, next), ...immutableFieldErrors(def, old, next)]
    if (def.kind === 'Service' && isObject(next.spec)) errors.push(...validateServiceUpdate(old.spec, next.spec))
    rejectInvalid(def, name, errors)
    this.admit(def, 'UPDATE', next, old, options)
    if (deepEqual(old, next)) return old
    if (options.dryRun) return next
    const metadata = metadataOf(next)
    const finalizers = Array.isArray(metadata.finalizers) ? metadata.finalizers : []
    if (metadata.deletionTimestamp && finalizers.length === 0) {
      if (def.kind === 'Namespace') return next
      return this.remove(def, next)
    }
    this.rollouts.beforeWrite(def, next, old)
    const stored = this.store.write(def, next)
    this.rollouts.afterWrite(def, stored, old)
    return stored
  }

  private remove(def: ResourceDef, object: JsonObject): JsonObject {
    const metadata = metadataOf(object)
    const deleted = this.store.delete(def, metadata.namespace as string | undefined, String(metadata.name))!
    if (def.kind === 'Service') this.allocator.release(object.spec)
    if (def.kind === 'Deployment') this.rollouts.afterDelete(String(metadata.namespace), String(metadata.name))
    for (const key of this.appliedConfigurations.keys()) {
      if (key.startsWith(`${apiVersionOf(def)}/${def.plural}/${String(metadata.namespace ?? '')}/${String(metadata.name)}/`)) this.appliedConfigurations.delete(key)
    }
    return deleted
  }

  /** Namespaces go Terminating, their content is deleted, then the namespace itself (the namespace controller's job). */
  private deleteNamespace(namespace: JsonObject, options: WriteOptions): JsonObject {
    const metadata = metadataOf(namespace)
    const terminating = deepCopy(namespace)
    metadataOf(terminating).deletionTimestamp ??= this.timestamp()
    terminating.status = {...(objectAt(terminating, 'status') ?? {}), phase: 'Terminating'}
    if (options.dryRun || metadata.deletionTimestamp) return terminating
    const stored = this.store.write(NAMESPACE_DEF, terminating)
    const name = String(metadata.name)
    setImmediate(() => {
      for (const def of RESOURCES.filter((candidate) => candidate.namespaced)) for (const object of this.store.list(def, name)) this.remove(def, object)
      if (this.store.get(NAMESPACE_DEF, undefined, name)) this.store.delete(NAMESPACE_DEF, undefined, name)
    })
    return stored
  }

  private checkPreconditions(def: ResourceDef, old: JsonObject, deleteOptions: unknown): void {
    const preconditions = objectAt(deleteOptions, 'preconditions')
    if (!preconditions) return
    const metadata = metadataOf(old)
    const name = String(metadata.name)
    if (typeof preconditions.uid === 'string' && preconditions.uid !== metadata.uid) {
      throw conflict(groupResource(def), name, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${String(metadata.uid)}`)
    }
    if (typeof preconditions.resourceVersion === 'string' && preconditions.resourceVersion !== metadata.resourceVersion) {
      throw conflict(groupResource(def), name, `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${String(metadata.resourceVersion)}`)
    }
  }

  /** Checks the body's apiVersion/kind against the endpoint; built-in bodies may omit them (the decoder defaults them). */
  private decode(def: ResourceDef, body: unknown): JsonObject {
    if (!isObject(body)) throw badRequest(`the object provided is unrecognized (must be of type ${def.kind})`)
    const object = deepCopy(body)
    if (def.custom && (object.kind === undefined || object.kind === '')) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`)
    object.apiVersion ??= apiVersionOf(def)
    object.kind ??= def.kind
    if (object.apiVersion !== apiVersionOf(def) || object.kind !== def.kind) {
      throw badRequest(`the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${apiVersionOf(def)})`)
    }
    if (!isObject(object.metadata)) object.metadata = {}
    return object
  }

  private reconcileNamespace(def: ResourceDef, namespace: string | undefined, metadata: JsonObject): void {
    if (!def.namespaced) {
      delete metadata.namespace
      return
    }
    if (metadata.namespace !== undefined && metadata.namespace !== '' && metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request')
    }
    metadata.namespace = namespace
  }

  private requireActiveNamespace(def: ResourceDef, namespace: string, name: string): void {
    const found = this.store.peekOne(NAMESPACE_DEF, undefined, namespace)
    if (!found) throw notFound({group: '', resource: 'namespaces'}, namespace)
    if (objectAt(found, 'status')?.phase === 'Terminating') throw namespaceTerminating(groupResource(def), name, namespace)
  }

  private generatedSuffix(): string {
    this.generatedNames++
    let value = this.generatedNames * 7919 + 104729
    let suffix = ''
    for (let i = 0; i < 5; i++) {
      suffix += GENERATE_NAME_ALPHABET[value % GENERATE_NAME_ALPHABET.length]
      value = Math.floor(value / GENERATE_NAME_ALPHABET.length)
    }
    return suffix
  }

  private continueFrom(token: string | null): {rv: number; start: string} | undefined {
    if (!token) return undefined
    try {
      const decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {start?: unknown; rv?: unknown}
      if (typeof decoded.start === 'string' && typeof decoded.rv === 'number' && Number.isSafeInteger(decoded.rv) && decoded.rv > 0) return {rv: decoded.rv, start: decoded.start}
    } catch {
      // fall through to the apiserver's error
    }
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)')
  }

  /** RFC 3339 to the second, as metadata timestamps are; made once a second (every write asks for it, some twice). */
  private timestamp(): string {
    const second = Math.floor(this.now().getTime() / 1000)
    if (second !== this.timestampSecond) {
      this.timestampSecond = second
      this.timestampText = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    }
    return this.timestampText
  }

  get userName(): string {
    return this.requestUser ?? this.user
  }

  /** Validating admission (ValidatingAdmissionPolicy) of a request's write, after validation, before storage. */
  private admit(def: ResourceDef, operation: 'CREATE' | 'UPDATE', object: JsonObject, oldObject: JsonObject | undefined, options: WriteOptions): void {
    if (this.requestUser === undefined) return
    const metadata = metadataOf(object)
    admit(this.store, {
      def,
      dryRun: options.dryRun === true,
      name: String(metadata.name ?? ''),
      namespace: def.namespaced ? String(metadata.namespace ?? '') : undefined,
      object,
      oldObject,
      operation,
      user: this.requestUser,
    })
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
