/**
 * Kubernetes' garbage collector for ownerReferences, as kube-controller-manager runs it beside kube-apiserver
 * (https://kubernetes.io/docs/concepts/architecture/garbage-collection/ and
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/owners-dependents/):
 * - a dependent none of whose owners exists any more (no object of that kind, name and uid) is deleted in the
 *   background, some time after its last owner went; one that still has an owner only loses the dangling references;
 * - this holds however the owner went, and also for a dependent created with an owner that never existed;
 * - a namespaced dependent's owner is looked up in the dependent's own namespace (or cluster-wide for a
 *   cluster-scoped kind): cross-namespace owner references resolve to nothing;
 * - propagationPolicy Orphan (or orphanDependents: true) removes the owner's references from its dependents instead.
 * Foreground deletion (owner kept with the foregroundDeletion finalizer until blocking dependents are gone) is not
 * modelled: a Foreground delete here behaves as Background, which the tests of this project do not rely on.
 */
import {type JsonObject, isObject, metadataOf} from './json.js'
import {RESOURCES, type ResourceDef, findByKind, resourceKey} from './resources.js'
import type {Store, StoreEvent} from './store.js'

export interface OwnerReference {
  apiVersion: string
  kind: string
  name: string
  uid: string
}

export function ownerReferencesOf(object: JsonObject): OwnerReference[] {
  const refs = metadataOf(object).ownerReferences
  return Array.isArray(refs) ? refs.filter((ref): ref is OwnerReference => isObject(ref) && typeof ref.uid === 'string') : []
}

export interface GarbageCollectorActions {
  /** Deletes a dependent as a Background delete through the registry (finalizers and further dependents apply). */
  deleteDependent(def: ResourceDef, namespace: string | undefined, name: string, uid: string): void
  /** Replaces a dependent's ownerReferences (an update through the registry). */
  setOwnerReferences(def: ResourceDef, namespace: string | undefined, name: string, uid: string, refs: OwnerReference[]): void
}

export class GarbageCollector {
  private scheduled = false
  private readonly orphaned = new Set<string>()
  /** Every stored object that has ownerReferences. */
  private readonly dependents = new Map<string, {def: ResourceDef; namespace: string | undefined; name: string}>()
  private readonly unsubscribe: () => void
  private closed = false

  constructor(
    private readonly store: Store,
    private readonly actions: GarbageCollectorActions,
  ) {
    this.unsubscribe = store.subscribe((event) => this.observe(event))
  }

  /** Called before an owner is removed with propagationPolicy Orphan: its dependents keep living, without the reference. */
  orphan(uid: string): void {
    this.orphaned.add(uid)
    this.schedule()
  }

  close(): void {
    this.closed = true
    this.unsubscribe()
  }

  /** Keeps the index of objects that have owners, so a sweep never reads the objects that have none. */
  private observe(event: StoreEvent): void {
    const def = RESOURCES.find((candidate) => resourceKey(candidate) === event.resource)
    if (!def) return
    const metadata = metadataOf(event.object)
    const id = JSON.stringify([event.resource, def.namespaced ? String(metadata.namespace ?? '') : null, String(metadata.name)])
    if (event.type !== 'DELETED' && ownerReferencesOf(event.object).length > 0) {
      this.dependents.set(id, {def, name: String(metadata.name), namespace: def.namespaced ? String(metadata.namespace ?? '') : undefined})
      this.schedule()
    } else {
      this.dependents.delete(id)
      if (event.type === 'DELETED' && this.dependents.size > 0) this.schedule()
    }
  }

  /** The collector runs asynchronously, after the request that removed an owner has been answered. */
  private schedule(): void {
    if (this.scheduled || this.closed) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      if (!this.closed) this.sweep()
    })
  }

  private sweep(): void {
    for (const {def, namespace, name} of [...this.dependents.values()]) {
      {
        // The collector only reads (as kube-controller-manager's does from its informers' cache): no copies, which
        // made every sweep over a thousand backend objects copy each of them and its owner.
        const dependent = this.store.peekOne(def, namespace, name)
        if (!dependent) continue
        const refs = ownerReferencesOf(dependent)
        if (refs.length === 0) continue
        const uid = String(metadataOf(dependent).uid)
        const kept = refs.filter((ref) => !this.orphaned.has(ref.uid) && this.ownerExists(ref, namespace))
        if (kept.length === refs.length) continue
        const orphanedOnly = refs.every((ref) => kept.includes(ref) || this.orphaned.has(ref.uid))
        if (kept.length === 0 && !orphanedOnly) this.actions.deleteDependent(def, namespace, name, uid)
        else this.actions.setOwnerReferences(def, namespace, name, uid, kept)
      }
    }
    this.orphaned.clear()
  }

  private ownerExists(ref: OwnerReference, dependentNamespace: string | undefined): boolean {
    const def = findByKind(ref.apiVersion, ref.kind)
    if (!def) return false
    if (def.namespaced && dependentNamespace === undefined) return false
    const owner = this.store.peekOne(def, def.namespaced ? dependentNamespace : undefined, ref.name)
    return owner !== undefined && metadataOf(owner).uid === ref.uid
  }
}
