import type {KubeObject} from '../model/kube-object.js'
import type {BackendManifests} from '../render/backend.js'
import type {PageSource} from '../render/page-source.js'
import type {Phase, Window} from '../model/window.js'
import type {TargetRef} from '../model/target.js'
import type {ProtectedService} from './switch-check.js'

/** A target object as read, with the API version it was read at (IngressRoutes may come from the legacy group). */
export interface ObservedTarget {
  ref: TargetRef
  namespace: string
  object: KubeObject
}

export interface ObservedBackend {
  namespace: string
  name: string
  /** Deployment with at least one ready replica. */
  ready: boolean
  /** The Deployment's ready and desired replicas, for people (status). */
  readyReplicas?: number
  replicas?: number
  /** Epoch ms the Deployment was created; undefined when it is missing. */
  createdAt?: number
  hasConfigMap: boolean
  hasDeployment: boolean
  hasService: boolean
  /** Each object as found (see ownership.ts); absent when it does not exist. */
  configMap?: ObservedPart & {
    /** backendDataDigest of what it holds: served only when it equals what the engine renders. */
    digest: string
    /** Whether its content hashes to the hash in its name (with its Deployment's image, else the engine's). */
    matchesName: boolean
    /** The digest of what it was rendered from, as its annotation claims (engine/render-inputs.ts). */
    renderInputs?: string
  }
  deployment?: ObservedPart & {
    /** The ConfigMap uid of its ownerReference, when it has one. */
    ownerUid?: string
  }
  service?: ObservedPart & {ownerUid?: string}
}

export interface ObservedPart {
  uid: string
  /** Why it is not an object the engine made (labels, shape); undefined: it carries the engine's marks. */
  foreign?: string
}

/** An object labelled as a backend whose name is not a backend's: the engine never touches it, and says so. */
export interface Lookalike {
  namespace: string
  apiVersion: string
  kind: string
  name: string
  uid?: string
  problem: string
}

export interface InvalidWindow {
  namespace: string
  name: string
  problems: string[]
  phase?: string
  uid?: string
  resourceVersion?: string
  /** The `history` data key as stored, so marking it Failed records the transition too. */
  history?: string
  /** Its start annotation when that reads as a time, else its creation: the occurrence a Failed notification names when none was sent before. */
  start?: number
  /** What the engine recorded outside the cluster (notifications sent, silence ids), as stored: a Failed window still closes them. */
  outside?: {notifications?: string; silences?: string}
}

/** Everything one pass reads, in the order that keeps garbage collection safe (see observe.ts). */
export interface Observed {
  windows: Window[]
  invalidWindows: InvalidWindow[]
  /** Custom pages by namespace, then page name. */
  pages: Map<string, Map<string, PageSource>>
  targets: ObservedTarget[]
  backends: ObservedBackend[]
  /** Services the API server calls (admission webhooks, APIServices); absent when they could not be read. */
  protectedServices?: ProtectedService[]
  /**
   * Not read yet (three cluster-wide lists a pass needs only when a Service is about to be switched): a plan that
   * would decide such a switch says so in `needsProtectedServices`, and is made again once they are read.
   */
  protectedServicesUnread?: boolean
  /** Objects labelled role=backend that cannot be backends; optional for callers that build Observed by hand. */
  lookalikes?: Lookalike[]
  /** The ConfigMaps labelled role=schedule, listed with the windows (the pass keeps the feeds from them); absent: not read. */
  feedConfigMaps?: KubeObject[]
}

export interface PlanOptions {
  /** Backends for windows starting within this are created ahead. */
  leadTimeMs: number
  /** A backend not ready this long after its creation fails the windows waiting on it. */
  readinessTimeoutMs: number
  /** Where shared custom pages live (a page in the target's namespace wins). */
  installNamespace: string
  image?: string
  /** Backends one namespace may have at once (install --max-backends); windows needing more fail. Default 10. */
  maxBackendsPerNamespace?: number
  /** Backends (`namespace/name`) an object the engine did not make blocks, with why: windows needing one fail. */
  blockedBackends?: Map<string, string>
  /** Re-switches after a GitOps manager reverted a target, per window, before the window is Degraded (default 2). */
  maxReverts?: number
  /** Uninstall: no target is wanted in maintenance; restore every one and delete every backend. */
  restoreEverything?: boolean
  /** Who the window history names for this pass's transitions: `cronjob`, or the kubeconfig user running it. */
  actor?: string
  /** Finished windows (Completed, Cancelled) are deleted this long after they finished (install --keep); undefined: kept. */
  keepFinishedMs?: number
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = {
  installNamespace: 'kubectl-maintenance',
  leadTimeMs: 2 * 60_000,
  readinessTimeoutMs: 3 * 60_000,
}

export interface WindowKey {
  namespace: string
  name: string
  uid?: string
}

export type EventType = 'Normal' | 'Warning'

export type Action =
  | {
      type: 'createBackend'
      namespace: string
      manifests: BackendManifests
      missing: Array<'configMap' | 'deployment' | 'service'>
      /** Objects under the backend's name that are not what the engine renders: deleted (uid precondition) and made anew. */
      replace?: Array<{part: 'configMap' | 'deployment' | 'service'; uid: string}>
      /** uid of the backend's ConfigMap when it exists already: the owner of its Deployment and Service. */
      ownerUid?: string
    }
  | {
      type: 'switch'
      target: ObservedTarget
      reason: 'start' | 'drift' | 'retarget'
      window: string
      backend: string
      spec: Record<string, unknown>
      labels: Record<string, string>
      annotations: Record<string, string>
    }
  | {type: 'restore'; target: ObservedTarget; window: string; spec: Record<string, unknown>; labels: Record<string, string>; annotations: Record<string, string>}
  | {type: 'deleteBackend'; namespace: string; name: string; objects: Array<{part: 'configMap' | 'deployment' | 'service'; uid: string}>}
  | {type: 'objectEvent'; involved: {apiVersion: string; kind: string; name: string; namespace: string; uid?: string}; reason: string; message: string; eventType: EventType}
  | {type: 'deleteWindow'; window: WindowKey & {uid: string}; finishedAt: number}
  | {
      type: 'setPhase'
      window: WindowKey
      phase: Phase
      message: string
      reason: string
      eventType: EventType
      /** The window's history with this transition appended, written in the same request (only on the version read). */
      history: string
      resourceVersion?: string
    }
  | {type: 'targetEvent'; target: ObservedTarget; reason: string; message: string; eventType: EventType}

export interface Plan {
  actions: Action[]
  /** The earliest future instant at which something is due (a window transition, or a readiness re-check). */
  nextWakeup?: number
  /** Backends a switch is waiting on. */
  waitingOn: string[]
  /** Problems that make the pass fail although it carries on (e.g. a tampered original that cannot be restored). */
  problems: string[]
  /** A Service switch was decided without the protected Services (observed.protectedServicesUnread): read them, plan again. */
  needsProtectedServices?: boolean
}
