/**
 * ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) as kube-apiserver runs it on CREATE and UPDATE, with
 * CEL evaluated by @bufbuild/cel: a binding (validationActions Deny) of an existing policy whose matchConstraints,
 * the binding's matchResources and every matchCondition match the request has each validation evaluated with the
 * variables object, oldObject, request and namespaceObject. The first false validation denies the request with the
 * policy's message and reason (Invalid 422 unless set; Forbidden 403, Unauthorized 401, RequestEntityTooLarge 413)
 * as "ValidatingAdmissionPolicy 'P' with binding 'B' denied request: MESSAGE"; an expression that fails to evaluate
 * applies the policy's failurePolicy (Fail unless Ignore).
 *
 * Not evaluated here (a policy using them is evaluated as if they were absent or fails on the variable): paramKind /
 * paramRef (`params` is null), `authorizer`, `variables`, messageExpression, auditAnnotations, objectSelector, Warn
 * and Audit actions, DELETE and CONNECT operations, and CEL's Kubernetes extension libraries (quantity, url, regex
 * beyond CEL's own `matches`).
 */
import {run} from '@bufbuild/cel'

import type {Store} from './store.js'

import {type JsonObject, arrayAt, isObject, objectAt} from './json.js'
import {type ResourceDef, findResource} from './resources.js'
import {fromLabelSelectorObject, matchesLabels} from './selectors.js'
import {StatusError} from './status.js'

export const ADMISSION_GROUP = 'admissionregistration.k8s.io'

export interface AdmissionRequest {
  def: ResourceDef
  operation: 'CREATE' | 'UPDATE'
  object: JsonObject
  oldObject?: JsonObject
  namespace?: string
  name: string
  user: string
  dryRun: boolean
}

const REASON_CODES: Record<string, number> = {Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413, Unauthorized: 401}

/** JSON as CEL sees it: objects are maps, whole numbers ints, the rest as is. */
function toCel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => toCel(item))
  if (isObject(value)) return new Map(Object.entries(value).map(([key, item]) => [key, toCel(item)]))
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value)
  return value ?? null
}

function listed(values: unknown, wanted: string): boolean {
  return Array.isArray(values) && values.some((value) => value === '*' || value === wanted)
}

function matchesRule(rule: JsonObject, request: AdmissionRequest): boolean {
  const resources = Array.isArray(rule.resources) ? rule.resources : []
  return (
    listed(rule.apiGroups, request.def.group) &&
    listed(rule.apiVersions, request.def.version) &&
    listed(rule.operations, request.operation) &&
    resources.some((resource) => resource === '*' || resource === request.def.plural || resource === '*/*')
  )
}

function namespaceLabels(store: Store, namespace: string | undefined): Record<string, string> {
  const def = findResource('', 'v1', 'namespaces')!
  const object = namespace === undefined ? undefined : store.get(def, undefined, namespace)
  return (objectAt(object, 'metadata')?.labels as Record<string, string> | undefined) ?? {}
}

/** matchConstraints of a policy or matchResources of a binding; `required`: resourceRules must list the request. */
function matchesResources(match: JsonObject | undefined, request: AdmissionRequest, store: Store, required: boolean): boolean {
  if (!match) return !required
  const rules = arrayAt(match, 'resourceRules') ?? []
  if ((required || rules.length > 0) && !rules.some((rule) => isObject(rule) && matchesRule(rule, request))) return false
  if ((arrayAt(match, 'excludeResourceRules') ?? []).some((rule) => isObject(rule) && matchesRule(rule, request))) return false
  const selector = objectAt(match, 'namespaceSelector')
  if (selector && request.def.namespaced) {
    const requirements = fromLabelSelectorObject(selector)
    if (!matchesLabels({metadata: {labels: namespaceLabels(store, request.namespace)}}, requirements)) return false
  }
  return true
}

function variables(request: AdmissionRequest, store: Store): Record<string, unknown> {
  const namespaceDef = findResource('', 'v1', 'namespaces')!
  const namespaceObject = request.namespace === undefined ? undefined : store.get(namespaceDef, undefined, request.namespace)
  return {
    namespaceObject: toCel(namespaceObject ?? null),
    object: toCel(request.object),
    oldObject: toCel(request.oldObject ?? null),
    params: null,
    request: toCel({
      dryRun: request.dryRun,
      kind: {group: request.def.group, kind: request.def.kind, version: request.def.version},
      name: request.name,
      namespace: request.namespace ?? '',
      operation: request.operation,
      resource: {group: request.def.group, resource: request.def.plural, version: request.def.version},
      userInfo: {groups: request.user.startsWith('system:serviceaccount:') ? ['system:serviceaccounts', 'system:authenticated'] : ['system:masters', 'system:authenticated'], username: request.user},
    }),
  }
}

function deny(policy: string, binding: string, message: string, reason = 'Invalid'): StatusError {
  const code = REASON_CODES[reason] ?? 422
  return new StatusError({
    apiVersion: 'v1',
    code,
    kind: 'Status',
    message: `ValidatingAdmissionPolicy '${policy}' with binding '${binding}' denied request: ${message}`,
    metadata: {},
    reason: code === 422 ? 'Invalid' : reason,
    status: 'Failure',
  })
}

/** Throws the Status kube-apiserver answers when a bound policy denies the request; returns when all admit it. */
export function admit(store: Store, request: AdmissionRequest): void {
  const policyDef = findResource(ADMISSION_GROUP, 'v1', 'validatingadmissionpolicies')
  const bindingDef = findResource(ADMISSION_GROUP, 'v1', 'validatingadmissionpolicybindings')
  if (!policyDef || !bindingDef) return
  const bindings = store.list(bindingDef, undefined)
  if (bindings.length === 0) return
  let vars: Record<string, unknown> | undefined
  for (const binding of bindings) {
    const bindingName = String(objectAt(binding, 'metadata')?.name)
    const spec = objectAt(binding, 'spec') ?? {}
    const actions = Array.isArray(spec.validationActions) ? spec.validationActions : []
    if (!actions.includes('Deny')) continue
    const policy = store.get(policyDef, undefined, String(spec.policyName ?? ''))
    if (!policy) continue
    const policyName = String(objectAt(policy, 'metadata')?.name)
    const policySpec = objectAt(policy, 'spec') ?? {}
    if (!matchesResources(objectAt(policySpec, 'matchConstraints'), request, store, true)) continue
    if (!matchesResources(objectAt(spec, 'matchResources'), request, store, false)) continue
    vars ??= variables(request, store)
    const failClosed = policySpec.failurePolicy !== 'Ignore'
    const evaluate = (expression: string): boolean | Error => {
      try {
        const result = run(expression, vars as Record<string, never>)
        if (typeof result !== 'boolean') return new Error(`expression '${expression}' resulted in ${typeof result}, not bool`)
        return result
      } catch (error) {
        return error as Error
      }
    }
    let skip = false
    for (const condition of arrayAt(policySpec, 'matchConditions') ?? []) {
      if (!isObject(condition)) continue
      const result = evaluate(String(condition.expression))
      if (result instanceof Error) {
        if (failClosed) throw deny(policyName, bindingName, `expression '${String(condition.expression)}' resulted in error: ${result.message}`)
        skip = true
        break
      }
      if (!result) {
        skip = true
        break
      }
    }
    if (skip) continue
    for (const validation of arrayAt(policySpec, 'validations') ?? []) {
      if (!isObject(validation)) continue
      const expression = String(validation.expression)
      const result = evaluate(expression)
      if (result instanceof Error) {
        if (failClosed) throw deny(policyName, bindingName, `expression '${expression}' resulted in error: ${result.message}`)
        continue
      }
      if (!result) {
        const message = typeof validation.message === 'string' && validation.message !== '' ? validation.message : `failed expression: ${expression}`
        throw deny(policyName, bindingName, message, typeof validation.reason === 'string' ? validation.reason : undefined)
      }
    }
  }
}
