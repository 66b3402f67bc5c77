/** The API resources the product touches, described once so paths and RBAC derive from the same list. */
export interface ResourceType {
  group: string
  version: string
  plural: string
  kind: string
  namespaced: boolean
}

function resource(group: string, version: string, plural: string, kind: string, namespaced = true): ResourceType {
  return {group, kind, namespaced, plural, version}
}

export const Resources = {
  apiServices: resource('apiregistration.k8s.io', 'v1', 'apiservices', 'APIService', false),
  mutatingWebhookConfigurations: resource('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false),
  validatingWebhookConfigurations: resource('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false),
  clusterRoleBindings: resource('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  clusterRoles: resource('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  configMaps: resource('', 'v1', 'configmaps', 'ConfigMap'),
  cronJobs: resource('batch', 'v1', 'cronjobs', 'CronJob'),
  jobs: resource('batch', 'v1', 'jobs', 'Job'),
  deployments: resource('apps', 'v1', 'deployments', 'Deployment'),
  events: resource('', 'v1', 'events', 'Event'),
  httpRoutes: resource('gateway.networking.k8s.io', 'v1', 'httproutes', 'HTTPRoute'),
  ingressRoutes: resource('traefik.io', 'v1alpha1', 'ingressroutes', 'IngressRoute'),
  ingressRoutesLegacy: resource('traefik.containo.us', 'v1alpha1', 'ingressroutes', 'IngressRoute'),
  ingresses: resource('networking.k8s.io', 'v1', 'ingresses', 'Ingress'),
  namespaces: resource('', 'v1', 'namespaces', 'Namespace', false),
  roleBindings: resource('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding'),
  roles: resource('rbac.authorization.k8s.io', 'v1', 'roles', 'Role'),
  secrets: resource('', 'v1', 'secrets', 'Secret'),
  selfSubjectAccessReviews: resource('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false),
  validatingAdmissionPolicies: resource('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicies', 'ValidatingAdmissionPolicy', false),
  validatingAdmissionPolicyBindings: resource('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicybindings', 'ValidatingAdmissionPolicyBinding', false),
  serviceAccounts: resource('', 'v1', 'serviceaccounts', 'ServiceAccount'),
  services: resource('', 'v1', 'services', 'Service'),
} as const

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version
}

export function collectionPath(type: ResourceType, namespace?: string): string {
  const base = type.group ? `/apis/${apiVersionOf(type)}` : `/api/${type.version}`
  return type.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${type.plural}` : `${base}/${type.plural}`
}

export function objectPath(type: ResourceType, namespace: string | undefined, name: string): string {
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`
}
