import type {Observed, ObservedBackend} from './types.js'
import type {KubeObject} from '../model/kube-object.js'
import type {Window} from '../model/window.js'

import {ACTIVE_LABEL, TargetAnnotation} from '../model/keys.js'
import {type TargetRef, formatTarget, sameTarget} from '../model/target.js'
import {currentInterval, isOver, nextInterval} from '../model/window-schedule.js'
import {gitopsState} from './gitops.js'

export interface TargetStatus {
  namespace: string
  target: TargetRef
  inMaintenance: boolean
  /** The window is overdue (the CronJob did not apply its transition): why. */
  overdue?: string
  /** The window that put it into maintenance ("annotation" for the enable annotation), else the next window naming it. */
  window?: string
  backend?: string
  /** Ready/desired replicas of the backend Deployment, e.g. "1/1". */
  ready?: string
  ends?: number
  timezone?: string
  /** The GitOps tool that owns it and what the engine does about it (engine/gitops.ts), when one does. */
  gitops?: string
}

interface Found {
  namespace: string
  ref: TargetRef
  object?: KubeObject
}

/**
 * What `status` shows, from what a pass observes (so it costs the same fixed number of list requests): the named
 * targets of `named.namespace`, else every target in maintenance or named by a window that is not over or cancelled.
 */
export function targetStatuses(observed: Observed, now: number, named?: {namespace: string; refs: TargetRef[]}): {statuses: TargetStatus[]; notFound: string[]} {
  const windows = observed.windows.filter((w) => w.phase !== 'Cancelled' && w.phase !== 'Completed')
  const lookup = (namespace: string, ref: TargetRef) => observed.targets.find((t) => t.namespace === namespace && sameTarget(t.ref, ref))?.object
  const notFound: string[] = []
  const found: Found[] = []
  if (named) {
    for (const ref of named.refs) {
      const object = lookup(named.namespace, ref)
      if (!object) notFound.push(`${formatTarget(ref)} not found in namespace ${named.namespace}`)
      found.push({namespace: named.namespace, object, ref})
    }
  } else {
    for (const target of observed.targets) {
      if (target.object.metadata.labels?.[ACTIVE_LABEL] === 'true') found.push(target)
    }
    for (const window of windows.filter((w) => !isOver(w, now))) {
      for (const ref of window.targets) {
        if (found.some((f) => f.namespace === window.namespace && sameTarget(f.ref, ref))) continue
        found.push({namespace: window.namespace, object: lookup(window.namespace, ref), ref})
      }
    }
  }
  const statuses = found.map((target) => statusOf(target, windows, observed.backends, now))
  statuses.sort((a, b) => `${a.namespace}/${formatTarget(a.target)}`.localeCompare(`${b.namespace}/${formatTarget(b.target)}`))
  return {notFound, statuses}
}

function statusOf({namespace, object, ref}: Found, windows: Window[], backends: ObservedBackend[], now: number): TargetStatus {
  const mine = windows.filter((w) => w.namespace === namespace && w.targets.some((t) => sameTarget(t, ref)))
  const inMaintenance = object?.metadata.labels?.[ACTIVE_LABEL] === 'true'
  if (!inMaintenance) {
    const next = mine
      .map((w) => ({interval: nextInterval(w, now), w}))
      .filter(({interval}) => interval !== undefined)
      .sort((a, b) => (a.interval?.start ?? 0) - (b.interval?.start ?? 0))[0]
    const gitops = object ? gitopsState(object, ref.kind, false, next?.w.gitopsPause !== false) : undefined
    return {inMaintenance, namespace, target: ref, window: next?.w.name, ...(gitops ? {gitops} : {})}
  }
  const annotations = object?.metadata.annotations ?? {}
  const backend = annotations[TargetAnnotation.backend]
  const window = mine.find((w) => w.name === annotations[TargetAnnotation.window])
  const ends = window ? (currentInterval(window, now)?.end ?? (window.every ? undefined : window.end)) : undefined
  const gitops = object ? gitopsState(object, ref.kind, true, window?.gitopsPause !== false) : undefined
  return {
    ...(gitops ? {gitops} : {}),
    backend,
    ends,
    inMaintenance,
    namespace,
    ready: backend ? readiness(backends.find((b) => b.namespace === namespace && b.name === backend)) : undefined,
    target: ref,
    timezone: window?.timezone,
    window: annotations[TargetAnnotation.window],
  }
}

function readiness(backend: ObservedBackend | undefined): string {
  if (!backend?.hasDeployment) return '<missing>'
  return `${backend.readyReplicas ?? 0}/${backend.replicas ?? 1}`
}
