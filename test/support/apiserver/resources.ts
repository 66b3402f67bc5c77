/** The resources this API server serves, described once so discovery, routing and storage agree. */
export interface ResourceDef {
  group: string
  version: string
  plural: string
  singular: string
  kind: string
  namespaced: boolean
  shortNames: string[]
  verbs: string[]
  /** Has a /status subresource: writes to the main resource ignore .status, /status writes only .status. */
  statusSubresource: boolean
  /** Served from a CustomResourceDefinition (different PUT, PATCH and list-item rules). */
  custom: boolean
  /** metadata.generation is maintained (bumped when anything outside metadata/status changes). */
  generation: boolean
  /** DELETE answers the deleted object rather than a Status (ReturnDeletedObject in the registry). */
  returnsDeletedObject: boolean
  categories?: string[]
}

export const CRD_GROUPS = ['traefik.io', 'traefik.containo.us', 'gateway.networking.k8s.io', 'argoproj.io'] as const
/** Served unless a test says otherwise; Argo CD's group only where a test installs it. */
export const DEFAULT_CRD_GROUPS = ['traefik.io', 'traefik.containo.us', 'gateway.networking.k8s.io'] as const
/** In the served set, this marks ValidatingAdmissionPolicy and its binding as served (setAdmissionPolicies). */
export const ADMISSION_POLICIES = 'validatingadmissionpolicies.admissionregistration.k8s.io'
export const ADMISSION_POLICY_KINDS = ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

function builtin(group: string, version: string, plural: string, kind: string, options: Partial<ResourceDef> = {}): ResourceDef {
  return {
    group,
    version,
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced: true,
    shortNames: [],
    verbs: ALL_VERBS,
    statusSubresource: false,
    custom: false,
    generation: false,
    returnsDeletedObject: false,
    ...options,
  }
}

function custom(group: string, version: string, plural: string, kind: string, options: Partial<ResourceDef> = {}): ResourceDef {
  return builtin(group, version, plural, kind, {custom: true, generation: true, returnsDeletedObject: true, ...options})
}

export const RESOURCES: ResourceDef[] = [
  builtin('', 'v1', 'namespaces', 'Namespace', {namespaced: false, shortNames: ['ns'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], statusSubresource: true, returnsDeletedObject: true}),
  builtin('', 'v1', 'configmaps', 'ConfigMap', {shortNames: ['cm']}),
  builtin('', 'v1', 'secrets', 'Secret'),
  builtin('', 'v1', 'services', 'Service', {shortNames: ['svc'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], statusSubresource: true, returnsDeletedObject: true, categories: ['all']}),
  builtin('', 'v1', 'events', 'Event', {shortNames: ['ev']}),
  builtin('', 'v1', 'serviceaccounts', 'ServiceAccount', {shortNames: ['sa']}),
  builtin('', 'v1', 'pods', 'Pod', {shortNames: ['po'], statusSubresource: true, returnsDeletedObject: true, categories: ['all']}),
  builtin('events.k8s.io', 'v1', 'events', 'Event', {shortNames: ['ev']}),
  builtin('apps', 'v1', 'deployments', 'Deployment', {shortNames: ['deploy'], statusSubresource: true, generation: true, categories: ['all']}),
  builtin('networking.k8s.io', 'v1', 'ingresses', 'Ingress', {shortNames: ['ing'], statusSubresource: true, generation: true}),
  builtin('batch', 'v1', 'cronjobs', 'CronJob', {shortNames: ['cj'], statusSubresource: true, generation: true, categories: ['all']}),
  builtin('batch', 'v1', 'jobs', 'Job', {statusSubresource: true, generation: true, categories: ['all']}),
  builtin('rbac.authorization.k8s.io', 'v1', 'roles', 'Role'),
  builtin('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding'),
  builtin('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', {namespaced: false}),
  builtin('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', {namespaced: false}),
  builtin('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', {namespaced: false, verbs: ['create']}),
  builtin('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', {namespaced: false, categories: ['api-extensions'], generation: true}),
  builtin('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', {namespaced: false, categories: ['api-extensions'], generation: true}),
  builtin('apiregistration.k8s.io', 'v1', 'apiservices', 'APIService', {namespaced: false, statusSubresource: true, categories: ['api-extensions']}),
  // Served unless switched off (setAdmissionPolicies(false)), like a cluster before Kubernetes 1.30.
  builtin('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicies', 'ValidatingAdmissionPolicy', {namespaced: false, statusSubresource: true, generation: true}),
  builtin('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicybindings', 'ValidatingAdmissionPolicyBinding', {namespaced: false, generation: true}),
  custom('traefik.io', 'v1alpha1', 'ingressroutes', 'IngressRoute'),
  custom('traefik.io', 'v1alpha1', 'middlewares', 'Middleware'),
  custom('traefik.containo.us', 'v1alpha1', 'ingressroutes', 'IngressRoute'),
  custom('traefik.containo.us', 'v1alpha1', 'middlewares', 'Middleware'),
  custom('gateway.networking.k8s.io', 'v1', 'httproutes', 'HTTPRoute', {statusSubresource: true, categories: ['gateway-api']}),
  custom('gateway.networking.k8s.io', 'v1', 'gateways', 'Gateway', {shortNames: ['gtw'], statusSubresource: true, categories: ['gateway-api']}),
  // Argo CD's Application CRD declares no status subresource: the controller writes status with the object.
  custom('argoproj.io', 'v1alpha1', 'applications', 'Application', {shortNames: ['app', 'apps'], categories: ['argocd']}),
]

export function apiVersionOf(def: ResourceDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version
}

/** Storage identity: one map per group/version/resource. */
export function resourceKey(def: ResourceDef): string {
  return `${def.group}/${def.version}/${def.plural}`
}

export function findResource(group: string, version: string, plural: string): ResourceDef | undefined {
  return RESOURCES.find((def) => def.group === group && def.version === version && def.plural === plural)
}

export function findByKind(apiVersion: string, kind: string): ResourceDef | undefined {
  return RESOURCES.find((def) => apiVersionOf(def) === apiVersion && def.kind === kind)
}

export function isCrdGroup(group: string): boolean {
  return (CRD_GROUPS as readonly string[]).includes(group)
}
