import type {KubeObject} from '../model/kube-object.js'

import {FIELD_MANAGER, PREFIX} from '../model/keys.js'
import {type TargetKind, type TargetRef, formatTarget} from '../model/target.js'

/** Argo CD's marks on the objects it syncs (resource tracking docs: annotation, annotation+label, label). */
export const ArgoCD = {
  instanceLabel: 'app.kubernetes.io/instance',
  managers: ['argocd-controller', 'argocd-application-controller'],
  trackingAnnotation: 'argocd.argoproj.io/tracking-id',
} as const

/** Flux's marks: kustomize-controller and helm-controller label what they apply with the owning object's name. */
export const Flux = {
  driftDetection: 'helm.toolkit.fluxcd.io/driftDetection',
  helmManager: 'helm-controller',
  helmName: 'helm.toolkit.fluxcd.io/name',
  helmNamespace: 'helm.toolkit.fluxcd.io/namespace',
  kustomizeManager: 'kustomize-controller',
  kustomizeName: 'kustomize.toolkit.fluxcd.io/name',
  kustomizeNamespace: 'kustomize.toolkit.fluxcd.io/namespace',
  reconcile: 'kustomize.toolkit.fluxcd.io/reconcile',
} as const

/** Helm's own release marks: a chart sets the instance label to its release name, which is not Argo CD's doing. */
const HELM_RELEASE_ANNOTATION = 'meta.helm.sh/release-name'
const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by'
/** What an Application name (a label value Argo CD wrote) looks like: a DNS-1123 label. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/

/** How many re-switches after another manager's revert are made in one window before the engine gives up (SPEC §7). */
export const DEFAULT_MAX_REVERTS = 2

/** On a switched target: how often it was switched again after a GitOps manager reverted it, written with each re-switch. */
export const REVERTS_ANNOTATION = `${PREFIX}reverts`

export type GitOpsTool = 'Argo CD' | 'Flux'

export interface GitOpsOwner {
  tool: GitOpsTool
  /** What says so, for people: "label kustomize.toolkit.fluxcd.io/name", "managedFields manager argocd-controller". */
  evidence: string
  /** The Argo CD Application, Flux Kustomization or HelmRelease, when the marks name it. */
  source?: {kind: 'Application' | 'Kustomization' | 'HelmRelease'; name: string; namespace?: string}
  /** A HelmRelease applies it: Flux's helm-controller also needs its drift detection paused. */
  helm: boolean
}

interface ManagedFieldsEntry {
  manager: string
  operation?: string
  time?: string
  fieldsV1?: unknown
}

function managedFields(object: KubeObject): ManagedFieldsEntry[] {
  const entries = object.metadata.managedFields
  if (!Array.isArray(entries)) return []
  return entries.filter((entry): entry is ManagedFieldsEntry => typeof entry === 'object' && entry !== null && typeof (entry as {manager?: unknown}).manager === 'string')
}

export function gitopsTool(manager: string): GitOpsTool | undefined {
  if ((ArgoCD.managers as readonly string[]).includes(manager)) return 'Argo CD'
  if (manager === Flux.kustomizeManager || manager === Flux.helmManager) return 'Flux'
  return undefined
}

/**
 * Which GitOps tool owns a target, from its own marks, strongest first: Flux's labels, Argo CD's tracking annotation,
 * a GitOps controller among the managedFields managers, and last Argo CD's instance label. The instance label is also
 * what Helm charts set to their release name, so it counts as Argo CD's only when nothing says Helm put it there
 * (no `app.kubernetes.io/managed-by: Helm`, no `meta.helm.sh/release-name`) and its value is a DNS label, as an
 * Application name is.
 */
export function gitopsOwner(object: KubeObject): GitOpsOwner | undefined {
  const labels = object.metadata.labels ?? {}
  const annotations = object.metadata.annotations ?? {}
  const managers = managedFields(object).map((entry) => entry.manager)
  const helmManaged = managers.includes(Flux.helmManager)
  if (labels[Flux.helmName]) {
    return {evidence: `label ${Flux.helmName}`, helm: true, source: {kind: 'HelmRelease', name: labels[Flux.helmName], namespace: labels[Flux.helmNamespace]}, tool: 'Flux'}
  }
  if (labels[Flux.kustomizeName]) {
    return {evidence: `label ${Flux.kustomizeName}`, helm: helmManaged, source: {kind: 'Kustomization', name: labels[Flux.kustomizeName], namespace: labels[Flux.kustomizeNamespace]}, tool: 'Flux'}
  }
  const tracking = annotations[ArgoCD.trackingAnnotation]
  if (tracking) {
    return {evidence: `annotation ${ArgoCD.trackingAnnotation}`, helm: false, source: applicationFromTrackingId(tracking), tool: 'Argo CD'}
  }
  for (const manager of managers) {
    const tool = gitopsTool(manager)
    if (tool) return {evidence: `managedFields manager ${manager}`, helm: manager === Flux.helmManager, tool}
  }
  const instance = labels[ArgoCD.instanceLabel]
  const helmChart = labels[MANAGED_BY_LABEL] === 'Helm' || annotations[HELM_RELEASE_ANNOTATION] !== undefined
  if (instance && !helmChart && DNS_LABEL.test(instance)) {
    return {evidence: `label ${ArgoCD.instanceLabel} (Argo CD's label tracking)`, helm: false, source: {kind: 'Application', name: instance}, tool: 'Argo CD'}
  }
  return undefined
}

/**
 * `<application>:<group>/<kind>:<namespace>/<name>`; the application is `<namespace>_<name>` when Argo CD serves
 * Applications in any namespace.
 */
export function applicationFromTrackingId(trackingId: string): GitOpsOwner['source'] {
  const app = trackingId.split(':')[0] ?? ''
  const separator = app.indexOf('_')
  if (separator > 0) return {kind: 'Application', name: app.slice(separator + 1), namespace: app.slice(0, separator)}
  return app ? {kind: 'Application', name: app} : undefined
}

/** The annotations that pause Flux on one target while it is switched; none for Argo CD or when paused is off. */
export function pauseAnnotations(owner: GitOpsOwner | undefined): Record<string, string> {
  if (owner?.tool !== 'Flux') return {}
  return owner.helm ? {[Flux.driftDetection]: 'disabled', [Flux.reconcile]: 'disabled'} : {[Flux.reconcile]: 'disabled'}
}

/** What the engine does about a target's GitOps owner during a window, for people (schedule, now, status). */
export function gitopsPlan(owner: GitOpsOwner, pause: boolean, maxReverts = DEFAULT_MAX_REVERTS): string {
  if (owner.tool === 'Flux') {
    if (!pause) return `Flux is not paused (--no-gitops-pause); after ${maxReverts} reverts the window is Degraded and the target left to Flux`
    return `Flux is paused on it while switched (${Object.keys(pauseAnnotations(owner)).join(', ')}: disabled), resumed on restore`
  }
  return `written as field manager ${FIELD_MANAGER}; add the ignore rule (kubectl maintenance gitops argocd) or Argo CD reverts it; after ${maxReverts} reverts the window is Degraded`
}

/**
 * Where each kind's routing lives in managedFields (fieldsV1 keys; "*" is any list item). A switch writes these, so
 * right after it this tool owns them; whoever owns them later changed them back. Ingress rules, IngressRoute routes and
 * HTTPRoute rules are atomic lists, owned whole by their last writer.
 */
const ROUTING_FIELDS: Record<TargetKind, string[][]> = {
  httproute: [['f:spec', 'f:rules']],
  ingress: [['f:spec', 'f:defaultBackend'], ['f:spec', 'f:rules']],
  ingressroute: [['f:spec', 'f:routes']],
  service: [['f:spec', 'f:selector'], ['f:spec', 'f:ports', '*', 'f:targetPort']],
}

function ownsAny(fields: unknown, path: string[]): boolean {
  if (typeof fields !== 'object' || fields === null) return false
  if (path.length === 0) return true
  const [head, ...rest] = path
  const children = Object.entries(fields as Record<string, unknown>).filter(([key]) => key !== '.' && (head === '*' || key === head))
  return children.some(([, child]) => ownsAny(child, rest))
}

/**
 * Who changed the target's routing back: a manager other than this tool that owns routing fields now, the latest
 * written when there are several. Entry times have a one-second resolution, so a tie goes to a GitOps controller.
 */
export function routingWriter(object: KubeObject, kind: TargetKind): string | undefined {
  let latest: {manager: string; time: number} | undefined
  for (const entry of managedFields(object)) {
    if (entry.manager === FIELD_MANAGER || !ROUTING_FIELDS[kind].some((path) => ownsAny(entry.fieldsV1, path))) continue
    const time = Date.parse(entry.time ?? '') || 0
    if (!latest || time > latest.time || (time === latest.time && gitopsTool(entry.manager) !== undefined)) latest = {manager: entry.manager, time}
  }
  return latest?.manager
}

export interface RevertDecision {
  /** The GitOps manager that reverted the switch, when it was one (a person's edit is ordinary drift). */
  manager?: string
  /** Re-switches already made in this window after such reverts. */
  count: number
  /** True when the engine must leave the target to its manager and mark the window Degraded. */
  giveUp: boolean
}

/** Decides about a switched target found changed back: a GitOps revert counts, and past `max` the engine stops. */
export function revertDecision(object: KubeObject, kind: TargetKind, max = DEFAULT_MAX_REVERTS): RevertDecision {
  const writer = routingWriter(object, kind)
  const count = Number.parseInt(object.metadata.annotations?.[REVERTS_ANNOTATION] ?? '0', 10)
  const counted = Number.isFinite(count) && count > 0 ? count : 0
  if (!writer || !gitopsTool(writer)) return {count: counted, giveUp: false}
  return {count: counted, giveUp: counted >= max, manager: writer}
}

/** The remedy named in the Degraded event: what stops the manager from reverting a switched target. */
export function remedy(tool: GitOpsTool | undefined): string {
  if (tool === 'Flux') return `let the engine pause Flux (do not pass --no-gitops-pause), or annotate the target ${Flux.reconcile}=disabled for the window`
  return `add the ignore rule to the Argo CD Application: kubectl maintenance gitops argocd TARGET prints the patch (ignoreDifferences for manager ${FIELD_MANAGER} and the switched fields, and RespectIgnoreDifferences=true)`
}

/** Key of the stored original that holds the target's own annotations the switch replaced (value null: was absent). */
const ORIGINAL_METADATA_KEY = 'metadata'
const PAUSE_KEYS: readonly string[] = [Flux.reconcile, Flux.driftDetection]

export type AnnotationOriginal = Record<string, string | null>

/** The routing part of a stored original (what the kind modules read) and the annotations part (this module's). */
export function splitOriginal(original: unknown): {routing: unknown; annotations: AnnotationOriginal; problems: string[]} {
  if (typeof original !== 'object' || original === null || Array.isArray(original) || !(ORIGINAL_METADATA_KEY in original)) {
    return {annotations: {}, problems: [], routing: original}
  }
  const {[ORIGINAL_METADATA_KEY]: metadata, ...routing} = original as Record<string, unknown>
  const annotations = (metadata as {annotations?: unknown} | null)?.annotations
  const problems: string[] = []
  const result: AnnotationOriginal = {}
  if (typeof annotations !== 'object' || annotations === null || Array.isArray(annotations)) {
    problems.push(`original.${ORIGINAL_METADATA_KEY}.annotations must be an object`)
  } else {
    for (const [key, value] of Object.entries(annotations)) {
      if (!PAUSE_KEYS.includes(key)) problems.push(`original.${ORIGINAL_METADATA_KEY}.annotations has unexpected key "${key}" (allowed: ${PAUSE_KEYS.join(', ')})`)
      else if (value !== null && typeof value !== 'string') problems.push(`original.${ORIGINAL_METADATA_KEY}.annotations["${key}"] must be a string or null`)
      else result[key] = value
    }
  }
  return {annotations: result, problems, routing}
}

/** The stored original with the annotations part added; unchanged when there is nothing to remember. */
export function joinOriginal(routing: unknown, annotations: AnnotationOriginal): unknown {
  if (Object.keys(annotations).length === 0) return routing
  return {...(routing as Record<string, unknown>), [ORIGINAL_METADATA_KEY]: {annotations}}
}

/**
 * The pause annotations a switch writes, and what they replaced: the value remembered by an earlier switch of the same
 * maintenance wins (the target's value now may be the pause itself), a key seen for the first time is remembered as it
 * is now (null: absent).
 */
export function pauseOnSwitch(object: KubeObject, pause: boolean, stored: AnnotationOriginal): {set: Record<string, string>; original: AnnotationOriginal} {
  const set = pause ? pauseAnnotations(gitopsOwner(object)) : {}
  const current = object.metadata.annotations ?? {}
  const original: AnnotationOriginal = {...stored}
  for (const key of Object.keys(set)) if (!(key in original)) original[key] = current[key] ?? null
  return {original, set}
}

/** The target's annotations on restore: every remembered key back to what it was, absent staying absent. */
export function restoreAnnotations(annotations: Record<string, string>, original: AnnotationOriginal): Record<string, string> {
  const {[REVERTS_ANNOTATION]: _reverts, ...restored} = annotations
  for (const [key, value] of Object.entries(original)) {
    if (value === null) delete restored[key]
    else restored[key] = value
  }
  return restored
}

/** One Degraded target, for the window's phase message and Warning Event: who reverts it and what stops them. */
export function degradedReason(ref: TargetRef, decision: RevertDecision): string {
  const tool = decision.manager ? gitopsTool(decision.manager) : undefined
  return (
    `${formatTarget(ref)} reverted by ${decision.manager ?? 'another manager'}${tool ? ` (${tool})` : ''} more than ${decision.count} times; ` +
    `no longer switched in this window. Remedy: ${remedy(tool)}; then remove the ${REVERTS_ANNOTATION} annotation from the target to switch it again`
  )
}

/** One short line for `status`: the tool, and what the engine does or did about it. Undefined when no tool owns it. */
export function gitopsState(object: KubeObject, kind: TargetKind, inMaintenance: boolean, pause = true, maxReverts = DEFAULT_MAX_REVERTS): string | undefined {
  const owner = gitopsOwner(object)
  if (!owner) return undefined
  const decision = inMaintenance ? revertDecision(object, kind, maxReverts) : undefined
  if (decision?.giveUp) return `${owner.tool}: Degraded, reverted by ${decision.manager}; no longer switched`
  const pausedNow = Object.keys(pauseAnnotations(owner)).some((key) => object.metadata.annotations?.[key] === 'disabled')
  if (owner.tool === 'Flux') return `Flux: ${inMaintenance ? (pausedNow ? 'paused while switched' : 'not paused') : pause ? 'paused while switched' : 'not paused'}`
  const counted = decision && decision.count > 0 ? `, reverted ${decision.count} of ${maxReverts} times` : ''
  return `Argo CD: needs the ignore rule (gitops argocd)${counted}`
}
