/** The cluster side of `install`: permission checks with SelfSubjectAccessReview, then server-side apply. */
import type {KubeClient, KubeObject} from '../kube/client.js'

import {ClusterError} from '../model/errors.js'
import {FIELD_MANAGER, MANAGED_BY, MANAGED_BY_LABEL} from '../model/keys.js'
import {Resources, type ResourceType, apiVersionOf} from '../kube/resources.js'
import {type PolicyRule} from './rbac.js'

export {FIELD_MANAGER} from '../model/keys.js'

export interface AccessCheck {
  verb: string
  resource: ResourceType
  namespace?: string
  name?: string
  /** Why the installer needs it, for the message. */
  purpose: string
}

export type ApplyOutcome = 'created' | 'configured' | 'unchanged' | 'skipped'

export interface AppliedObject {
  object: KubeObject
  outcome: ApplyOutcome
  /** Why it was skipped. */
  note?: string
}

export function resourceOf(object: {apiVersion?: string; kind?: string}): ResourceType {
  const type = Object.values(Resources).find(
    (candidate) => candidate.kind === object.kind && apiVersionOf(candidate) === object.apiVersion,
  )
  if (!type) throw new Error(`no resource type for ${object.apiVersion} ${object.kind}`)
  return type
}

/** kubectl's `kind.group/name`, e.g. `cronjob.batch/kubectl-maintenance`, `namespace/kubectl-maintenance`. */
export function displayName(object: KubeObject): string {
  const type = resourceOf(object)
  return `${type.kind.toLowerCase()}${type.group ? `.${type.group}` : ''}/${object.metadata.name}`
}

/** What writing these objects takes: read them (to report unchanged), create and patch (server-side apply). */
export function writeChecks(objects: KubeObject[]): AccessCheck[] {
  return objects.flatMap((object) =>
    (['get', 'create', 'patch'] as const).map((verb) => ({
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      purpose: displayName(object),
      resource: resourceOf(object),
      verb,
    })),
  )
}

/** What pruning what an earlier install left takes: deleting each of those objects. */
export function pruneChecks(stale: KubeObject[]): AccessCheck[] {
  return stale.map((object) => ({
    name: object.metadata.name,
    namespace: object.metadata.namespace,
    purpose: `to prune ${displayName(object)}, which this install no longer has`,
    resource: resourceOf(object),
    verb: 'delete',
  }))
}

/**
 * RBAC lets a user grant only permissions they hold (or with `escalate` on roles): one check per granted verb,
 * cluster-wide for a ClusterRole, in its namespace for a Role.
 */
export function grantChecks(objects: KubeObject[]): AccessCheck[] {
  return objects
    .filter((object) => object.kind === 'ClusterRole' || object.kind === 'Role')
    .flatMap((role) =>
      (role.rules as PolicyRule[]).flatMap((rule) =>
        rule.apiGroups.flatMap((group) =>
          rule.resources.flatMap((plural) =>
            rule.verbs.map((verb) => ({
              namespace: role.metadata.namespace,
              purpose: `to grant it to the CronJob through ${displayName(role)}`,
              resource: {group, kind: plural, namespaced: true, plural, version: ''},
              verb,
            })),
          ),
        ),
      ),
    )
}

export async function allowed(client: KubeClient, check: AccessCheck): Promise<boolean> {
  const review = await client.create<{status?: {allowed?: boolean}}>(Resources.selfSubjectAccessReviews, undefined, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: {resourceAttributes: {group: check.resource.group, name: check.name, namespace: check.namespace, resource: check.resource.plural, verb: check.verb}},
  })
  return review.status?.allowed === true
}

export function describeCheck(check: AccessCheck): string {
  const resource = check.resource.group ? `${check.resource.plural}.${check.resource.group}` : check.resource.plural
  const where = check.namespace ? ` in namespace ${check.namespace}` : check.name ? '' : ' (cluster-wide)'
  return `${check.verb} ${resource}${check.name ? `/${check.name}` : ''}${where}: ${check.purpose}`
}

/** The checks the caller fails, in order; grants are waived for a caller who may escalate roles. */
export async function missingPermissions(client: KubeClient, objects: KubeObject[], stale: KubeObject[] = []): Promise<AccessCheck[]> {
  const results = await Promise.all([...writeChecks(objects), ...pruneChecks(stale)].map(async (check) => ((await allowed(client, check)) ? undefined : check)))
  const missing = results.filter((check): check is AccessCheck => check !== undefined)
  const roleTypes = [...new Set(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role').map((o) => resourceOf(o)))]
  const canEscalate = (await Promise.all(roleTypes.map((resource) => allowed(client, {purpose: '', resource, verb: 'escalate'})))).every(Boolean)
  if (canEscalate) return missing
  const grants = await Promise.all(grantChecks(objects).map(async (check) => ((await allowed(client, check)) ? undefined : check)))
  return [...missing, ...grants.filter((check): check is AccessCheck => check !== undefined)]
}

/**
 * Server-side apply of each object, in order, reporting kubectl apply's created/configured/unchanged by comparing the
 * resourceVersion before and after. A Namespace that exists and was not made by us is left alone (and so never
 * deleted by uninstall).
 */
export async function applyObjects(client: KubeClient, objects: KubeObject[], onApplied: (applied: AppliedObject) => void = () => {}): Promise<AppliedObject[]> {
  const results: AppliedObject[] = []
  for (const object of objects) {
    const type = resourceOf(object)
    const {name, namespace} = object.metadata
    const before = await client.getIfExists(type, namespace, name)
    let applied: AppliedObject
    if (before && object.kind === 'Namespace' && before.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) {
      applied = {note: 'exists and is not managed by kubectl-maintenance; left as it is', object: before, outcome: 'skipped'}
    } else {
      let after: KubeObject
      try {
        after = await client.patch(type, namespace, name, 'apply', object, {fieldManager: FIELD_MANAGER, force: true})
      } catch (error) {
        throw new ClusterError(`applying ${displayName(object)}: ${(error as Error).message}`)
      }
      const outcome = before ? (before.metadata.resourceVersion === after.metadata.resourceVersion ? 'unchanged' : 'configured') : 'created'
      applied = {object: after, outcome}
    }
    results.push(applied)
    onApplied(applied)
  }
  return results
}
