import type {KubeObject} from '../model/kube-object.js'

import {FIELD_MANAGER} from '../model/keys.js'
import {type TargetKind, type TargetRef, formatTarget} from '../model/target.js'
import {PROTOCOL_ANNOTATION_KEYS} from './kinds/protocol-annotations.js'

export const RESPECT_IGNORE_DIFFERENCES = 'RespectIgnoreDifferences=true'

/**
 * The fields a switch writes, per kind, as Argo CD's jqPathExpressions: the routing, the RequestMirror filters it stops,
 * and the Ingress protocol annotations it sets to what the page backend speaks.
 */
const SWITCHED_FIELDS: Record<TargetKind, string[]> = {
  httproute: ['.spec.rules[].backendRefs', '.spec.rules[].filters'],
  ingress: ['.spec.defaultBackend', '.spec.rules[].http.paths[].backend', ...PROTOCOL_ANNOTATION_KEYS.map((key) => `.metadata.annotations[${JSON.stringify(key)}]`)],
  ingressroute: ['.spec.routes[].services'],
  service: ['.spec.selector', '.spec.ports[].targetPort'],
}

/**
 * managers: the field manager only; jq: the switched fields only; both (the default): both in one entry. Argo CD
 * applies jqPathExpressions during a sync with RespectIgnoreDifferences; managedFieldsManagers is documented for diffs
 * and reported not to hold in some versions (argo-cd issue 9071), so the default carries both.
 */
export type IgnoreRuleStyle = 'managers' | 'jq' | 'both'
export const IGNORE_RULE_STYLES = ['both', 'managers', 'jq'] as const

export interface IgnoreRule {
  group: string
  kind: string
  name: string
  namespace: string
  managedFieldsManagers?: string[]
  jqPathExpressions?: string[]
}

export interface ArgoTarget {
  ref: TargetRef
  namespace: string
  /** apiVersion and kind as served (an IngressRoute may be in the legacy group). */
  apiVersion: string
  kind: string
}

/** One ignoreDifferences entry per target: Argo CD leaves what kubectl-maintenance wrote, and only that, alone. */
export function ignoreRule(target: ArgoTarget, style: IgnoreRuleStyle): IgnoreRule {
  const group = target.apiVersion.includes('/') ? target.apiVersion.slice(0, target.apiVersion.indexOf('/')) : ''
  const rule: IgnoreRule = {group, kind: target.kind, name: target.ref.name, namespace: target.namespace}
  if (style !== 'jq') rule.managedFieldsManagers = [FIELD_MANAGER]
  if (style !== 'managers') rule.jqPathExpressions = SWITCHED_FIELDS[target.ref.kind]
  return rule
}

/** Whether an existing ignoreDifferences entry already covers the rule (same object, and the manager or every path). */
export function covers(existing: unknown, rule: IgnoreRule): boolean {
  if (typeof existing !== 'object' || existing === null) return false
  const entry = existing as Record<string, unknown>
  // Argo CD matches group (absent: the core group) and kind exactly; an absent name or namespace matches any.
  const anyOr = (key: 'name' | 'namespace') => entry[key] === undefined || entry[key] === '' || entry[key] === rule[key]
  if ((entry.group ?? '') !== rule.group || entry.kind !== rule.kind || !anyOr('name') || !anyOr('namespace')) return false
  const managers = Array.isArray(entry.managedFieldsManagers) ? entry.managedFieldsManagers : []
  const paths = Array.isArray(entry.jqPathExpressions) ? entry.jqPathExpressions : []
  const hasManager = rule.managedFieldsManagers === undefined || managers.includes(FIELD_MANAGER)
  const hasPaths = rule.jqPathExpressions === undefined || rule.jqPathExpressions.every((path) => paths.includes(path))
  return hasManager && hasPaths
}

export interface ArgoPatch {
  /** A JSON merge patch for the Application (kubectl patch --type merge), or the same fields for its manifest in Git. */
  patch: {spec: {ignoreDifferences: unknown[]; syncPolicy: {syncOptions: string[]}}}
  /** True when the Application already holds every rule and the sync option: nothing to do. */
  present: boolean
  /** Targets whose rule was missing. */
  missing: string[]
}

/**
 * The Application patch. A merge patch replaces lists whole, so the Application's own ignoreDifferences entries and
 * sync options (when it could be read) are carried over and ours appended: applying it loses nothing.
 */
export function argoPatch(targets: ArgoTarget[], style: IgnoreRuleStyle, application?: KubeObject): ArgoPatch {
  const spec = (application?.spec ?? {}) as {ignoreDifferences?: unknown; syncPolicy?: {syncOptions?: unknown}}
  const ignoreDifferences = Array.isArray(spec.ignoreDifferences) ? [...(spec.ignoreDifferences as unknown[])] : []
  const syncOptions = Array.isArray(spec.syncPolicy?.syncOptions) ? (spec.syncPolicy.syncOptions as unknown[]).filter((option): option is string => typeof option === 'string') : []
  const missing: string[] = []
  for (const target of targets) {
    const rule = ignoreRule(target, style)
    if (ignoreDifferences.some((entry) => covers(entry, rule))) continue
    ignoreDifferences.push(rule)
    missing.push(formatTarget(target.ref))
  }
  const respects = syncOptions.includes(RESPECT_IGNORE_DIFFERENCES)
  const options = respects ? syncOptions : [...syncOptions.filter((option) => !option.startsWith('RespectIgnoreDifferences=')), RESPECT_IGNORE_DIFFERENCES]
  return {missing, patch: {spec: {ignoreDifferences, syncPolicy: {syncOptions: options}}}, present: missing.length === 0 && respects}
}
