/**
 * A GitOps controller in miniature, run against the in-process API server: what Argo CD with selfHeal or Flux's
 * kustomize-controller does to one object. Each sync server-side-applies the desired configuration (from "Git") with
 * the controller's own field manager and force, as both do. Flux's kustomize-controller skips an object annotated
 * `kustomize.toolkit.fluxcd.io/reconcile: disabled`, its helm-controller corrects no drift on one annotated
 * `helm.toolkit.fluxcd.io/driftDetection: disabled`; Argo CD's controller ignores both. Argo CD without the
 * ServerSideApply sync option applies client-side instead: a patch of the whole manifest as manager
 * argocd-application-controller (an Update in managedFields), which `clientSide` reproduces.
 */
import type {ApiServer} from './apiserver.js'

const PAUSE_ANNOTATION: Record<string, string> = {
  'helm-controller': 'helm.toolkit.fluxcd.io/driftDetection',
  'kustomize-controller': 'kustomize.toolkit.fluxcd.io/reconcile',
}

export interface Desired {
  apiVersion: string
  kind: string
  metadata: {name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string>}
  spec: Record<string, unknown>
}

export type SyncResult = 'applied' | 'paused'

export interface Reverter {
  /** Applies in all, applies that changed the object (a revert or a creation), and syncs skipped for the pause annotation. */
  readonly counts: {applied: number; changed: number; paused: number}
  sync(): Promise<SyncResult>
  /** Syncs every intervalMs until stopped (what the controller does on its own). */
  start(intervalMs: number): void
  stop(): Promise<void>
}

export function gitopsReverter(server: ApiServer, manager: string, desired: Desired, plural: string, options: {clientSide?: boolean} = {}): Reverter {
  const pauseAnnotation = PAUSE_ANNOTATION[manager]
  const {name, namespace} = desired.metadata
  const [group, version] = desired.apiVersion.includes('/') ? desired.apiVersion.split('/') : ['', desired.apiVersion]
  const path = `${group ? `/apis/${group}/${version}` : `/api/${version}`}/namespaces/${namespace}/${plural}/${name}`
  const counts = {applied: 0, changed: 0, paused: 0}
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> = Promise.resolve()

  async function sync(): Promise<SyncResult> {
    const current = await fetch(server.url + path, {headers: {Accept: 'application/json'}})
    // A missing object is created, as both controllers do.
    const object = current.status === 404 ? undefined : ((await current.json()) as {metadata: {resourceVersion: string; annotations?: Record<string, string>}})
    if (pauseAnnotation && object?.metadata.annotations?.[pauseAnnotation] === 'disabled') {
      counts.paused++
      return 'paused'
    }
    const clientSide = options.clientSide === true && object !== undefined
    const query = new URLSearchParams(clientSide ? {fieldManager: manager} : {fieldManager: manager, force: 'true'})
    const response = await fetch(`${server.url}${path}?${query}`, {
      body: JSON.stringify(clientSide ? {metadata: {annotations: desired.metadata.annotations, labels: desired.metadata.labels}, spec: desired.spec} : desired),
      headers: {Accept: 'application/json', 'Content-Type': clientSide ? 'application/merge-patch+json' : 'application/apply-patch+yaml', 'User-Agent': `${manager}/v0.0.0`},
      method: 'PATCH',
    })
    if (!response.ok) throw new Error(`${manager} apply of ${path} failed: ${response.status} ${await response.text()}`)
    const after = (await response.json()) as {metadata: {resourceVersion: string}}
    counts.applied++
    if (after.metadata.resourceVersion !== object?.metadata.resourceVersion) counts.changed++
    return 'applied'
  }

  return {
    counts,
    start(intervalMs: number) {
      timer = setInterval(() => {
        running = running.then(sync).catch(() => undefined)
      }, intervalMs)
    },
    async stop() {
      if (timer) clearInterval(timer)
      await running
    },
    sync,
  }
}
