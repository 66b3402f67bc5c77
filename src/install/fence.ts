/**
 * The fence around the CronJob's ServiceAccount: a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) and
 * its binding, so that even a subverted pass (a tampered bundle, a confused deputy) can only create and change
 * backends. For requests of that ServiceAccount only, Deployments, Services and ConfigMaps it creates must be named
 * `maintenance-*` (a ConfigMap may also be the schedule feed `kubectl-maintenance-schedule`), its Deployments must run only the backend image and mount no ServiceAccount token, Services it
 * switches (targets, not named `maintenance-*`) keep their type and externalName, and nothing may be written in
 * kube-system or the install namespace.
 */
import type {KubeClient, KubeObject} from '../kube/client.js'

import {BACKEND_PREFIX, SCHEDULE_CONFIGMAP} from '../model/keys.js'
import {BACKEND_IMAGE} from '../render/backend-content.js'

export const FENCE_NAME = 'kubectl-maintenance-fence'
export const ADMISSION_API = 'admissionregistration.k8s.io/v1'

function quoted(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`
}

/** The policy and its binding for the ServiceAccount `name` in the install namespace. */
export function renderFence(installNamespace: string, serviceAccount: string, labels: Record<string, string>): KubeObject[] {
  const user = serviceAccountUser(installNamespace, serviceAccount)
  const isDeployment = "(request.resource.resource == 'deployments')"
  const created = "(request.operation == 'CREATE')"
  const isFeed = `(request.resource.resource == 'configmaps' && object.metadata.name == ${quoted(SCHEDULE_CONFIGMAP)})`
  const named = `(object.metadata.name.startsWith(${quoted(BACKEND_PREFIX)}) || ${isFeed})`
  const policy = {
    apiVersion: ADMISSION_API,
    kind: 'ValidatingAdmissionPolicy',
    metadata: {labels, name: FENCE_NAME},
    spec: {
      failurePolicy: 'Fail',
      matchConditions: [{expression: `request.userInfo.username == ${quoted(user)}`, name: 'the-cronjob-service-account'}],
      matchConstraints: {
        resourceRules: [
          {apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments']},
          {apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['services']},
          // ConfigMaps it creates: backends' page bodies and the schedule feed; windows it only patches.
          {apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps']},
        ],
      },
      validations: [
        {
          expression: `!(request.namespace in ['kube-system', ${quoted(installNamespace)}])`,
          message: `kubectl-maintenance may not write Deployments or Services, nor create ConfigMaps, in kube-system or its install namespace ${installNamespace}`,
          reason: 'Forbidden',
        },
        {
          expression: `!(${created} || ${isDeployment}) || ${named}`,
          message: `kubectl-maintenance may only create Deployments, Services and ConfigMaps named ${BACKEND_PREFIX}* (and the ConfigMap ${SCHEDULE_CONFIGMAP})`,
          reason: 'Forbidden',
        },
        {
          expression: `!${isDeployment} || object.spec.template.spec.containers.all(c, c.image == ${quoted(BACKEND_IMAGE)}) && (!has(object.spec.template.spec.initContainers) || size(object.spec.template.spec.initContainers) == 0)`,
          message: `kubectl-maintenance's Deployments may only run the backend image ${BACKEND_IMAGE}`,
          reason: 'Forbidden',
        },
        {
          expression: `!${isDeployment} || (has(object.spec.template.spec.automountServiceAccountToken) && object.spec.template.spec.automountServiceAccountToken == false)`,
          message: "kubectl-maintenance's Deployments may not mount a ServiceAccount token (automountServiceAccountToken: false)",
          reason: 'Forbidden',
        },
        {
          expression: `${isDeployment} || ${created} || ${named} || (object.spec.type == oldObject.spec.type && (has(object.spec.externalName) ? has(oldObject.spec.externalName) && object.spec.externalName == oldObject.spec.externalName : !has(oldObject.spec.externalName)))`,
          message: 'kubectl-maintenance may switch a Service only by its selector and ports, never its type or externalName',
          reason: 'Forbidden',
        },
      ],
    },
  }
  const binding = {
    apiVersion: ADMISSION_API,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: {labels, name: FENCE_NAME},
    spec: {policyName: FENCE_NAME, validationActions: ['Deny']},
  }
  return [policy, binding] as unknown as KubeObject[]
}

/** Whether the cluster serves ValidatingAdmissionPolicy in admissionregistration.k8s.io/v1 (Kubernetes 1.30+). */
export async function servesAdmissionPolicies(client: KubeClient): Promise<boolean> {
  if (!(await client.serves('admissionregistration.k8s.io', 'v1'))) return false
  const list = await client.request<{resources?: Array<{name?: string}>}>('GET', '/apis/admissionregistration.k8s.io/v1')
  return (list.resources ?? []).some((resource) => resource.name === 'validatingadmissionpolicies')
}

export function isFence(object: KubeObject): boolean {
  return object.apiVersion === ADMISSION_API
}
