import {Resources, type ResourceType} from '../kube/resources.js'

export type Verb = 'create' | 'delete' | 'get' | 'list' | 'patch'

/** What the engine does to one resource, and why: the single source of the CronJob's RBAC. */
export interface EngineGrant {
  resource: ResourceType
  verbs: Verb[]
  why: string
}

export interface PolicyRule {
  apiGroups: string[]
  resources: string[]
  verbs: string[]
}

/**
 * Exactly the calls `reconcile` makes (test/install/rbac-coverage.test.ts runs whole lifecycles and fails on any
 * request outside this table). Discovery (GET /api, /apis/G/V) is a non-resource URL every authenticated user may
 * read through the default system:discovery binding, so it needs no rule. No pods, no wildcards, and no
 * read of any Secret: the engine only creates its backends' TLS Secrets, which the garbage collector removes with
 * the backend's ConfigMap (their owner).
 */
export const ENGINE_GRANTS: readonly EngineGrant[] = [
  {resource: Resources.configMaps, verbs: ['get', 'list', 'create', 'patch', 'delete'], why: 'windows (read, phase), custom pages (read by name), backend page bodies, install settings'},
  {resource: Resources.events, verbs: ['get', 'create', 'patch'], why: 'the history of every transition, on windows and targets; a repeated one counts up'},
  {resource: Resources.services, verbs: ['list', 'create', 'patch', 'delete'], why: 'Service targets (switch, restore), backend Services'},
  {resource: Resources.deployments, verbs: ['list', 'create', 'delete'], why: 'backend nginx Deployments'},
  {resource: Resources.secrets, verbs: ['create'], why: 'backend TLS certificates (made, never read; owned by the backend ConfigMap)'},
  {resource: Resources.ingresses, verbs: ['list', 'patch'], why: 'Ingress targets'},
  {resource: Resources.ingressRoutes, verbs: ['list', 'patch'], why: 'Traefik IngressRoute targets'},
  {resource: Resources.ingressRoutesLegacy, verbs: ['list', 'patch'], why: 'Traefik IngressRoute targets on clusters that serve only the legacy group'},
  {resource: Resources.httpRoutes, verbs: ['list', 'patch'], why: 'Gateway API HTTPRoute targets'},
]

/**
 * Cluster-scoped reads of the cluster-wide pass, in the ClusterRole only (a namespaced install's Roles cannot grant
 * them, and its pass does without): the Services the API server calls, which are never switched (SPEC §7), and the
 * namespaces a namespace selector chooses.
 */
export const CLUSTER_GRANTS: readonly EngineGrant[] = [
  {resource: Resources.validatingWebhookConfigurations, verbs: ['list'], why: 'admission webhook Services are refused as targets'},
  {resource: Resources.mutatingWebhookConfigurations, verbs: ['list'], why: 'admission webhook Services are refused as targets'},
  {resource: Resources.apiServices, verbs: ['list'], why: 'aggregated API Services are refused as targets'},
  {resource: Resources.namespaces, verbs: ['list'], why: 'the namespaces install --namespace-selector chooses'},
]

/** Reading shared custom pages in the install namespace (the namespaced variant only; a ClusterRole covers it otherwise). */
export const PAGE_READER_GRANTS: readonly EngineGrant[] = [
  {resource: Resources.configMaps, verbs: ['get', 'list'], why: 'custom pages shared from the install namespace, install settings'},
]

/** One rule per resource, in table order, so a diff of the role reads like a diff of the table. */
export function policyRules(grants: readonly EngineGrant[]): PolicyRule[] {
  return grants.map((grant) => ({
    apiGroups: [grant.resource.group],
    resources: [grant.resource.plural],
    verbs: [...grant.verbs],
  }))
}

/** Whether the rules allow verb on group/resource (no wildcards to interpret: the rules never contain any). */
export function rulesAllow(rules: readonly PolicyRule[], group: string, resource: string, verb: string): boolean {
  return rules.some((rule) => rule.apiGroups.includes(group) && rule.resources.includes(resource) && rule.verbs.includes(verb))
}
