import {CronExpressionParser} from 'cron-parser'
import {createHash} from 'node:crypto'

import type {KubeObject} from '../kube/client.js'

import {UserError} from '../model/errors.js'
import {INSTALL_NAMESPACE, MANAGED_BY, MANAGED_BY_LABEL} from '../model/keys.js'
import {DEFAULT_INSTALL_CONFIG, INSTALL_CONFIG, type InstallConfig, InstallConfigKey, installConfigData, installSecretData} from '../model/install-config.js'
import {renderFence} from './fence.js'
import {CONFIGMAP_LIMIT_BYTES} from '../model/limits.js'
import {CLUSTER_GRANTS, ENGINE_GRANTS, PAGE_READER_GRANTS, policyRules} from './rbac.js'

export const APP_NAME = 'kubectl-maintenance'
export const NAME_LABEL = 'app.kubernetes.io/name'
export const DEFAULT_SCHEDULE = '* * * * *'
/**
 * The official Node image the default CronJob runs the bundle with: Node 24, the maintained LTS line (Node 20 reached
 * end of life on 2026-04-30). Pinned to an exact release, so a cluster never pulls a different runtime than the one
 * tested: a floating `node:24-alpine` would change under a running install. The bundle targets Node 20 syntax
 * (esbuild's target) and so runs on it unchanged. Alpine for size and because its busybox `gunzip` unpacks the
 * bundle; packaging/README.md says how to pin a digest or mirror it (`--image`).
 */
export const NODE_IMAGE = 'node:24.21.0-alpine'
/** The `node` user of the official image; any non-root UID works, this one also owns a home in the image. */
export const RUN_AS_USER = 1000
/** The bundle ConfigMap's name without its content hash: `kubectl-maintenance-bundle-<10 hex of its sha256>`. */
export const BUNDLE_CONFIGMAP = 'kubectl-maintenance-bundle'
/** The container's variable holding the bundle's sha256, fixed at install; the container checks it before running. */
export const BUNDLE_SHA256_ENV = 'KUBECTL_MAINTENANCE_BUNDLE_SHA256'
/** The bundle ConfigMap's key that records its sha256 too, from which kustomize fills in the CronJob's variable. */
export const BUNDLE_SHA256_KEY = 'sha256'
/**
 * What the committed cronjob/ files carry instead of a bundle's digest: kustomize fills in the real one from the
 * bundle it generates (cronjob/bundle/). A CronJob applied with the placeholder refuses to run any bundle.
 */
export const BUNDLE_SHA256_PLACEHOLDER = 'set-by-kustomize-from-cronjob-bundle'
export const BUNDLE_KEY = 'kubectl-maintenance.mjs.gz'
/** The CronJob's horizon: a pass also applies transitions due within it, so minute-aligned windows switch at their second. */
export const HORIZON = '55s'
/** The horizon plus time to act and for backends to become ready; a stuck pass is killed before it blocks two runs. */
export const ACTIVE_DEADLINE_SECONDS = 110

const BUNDLE_DIR = '/opt/kubectl-maintenance'
const UNPACKED_BUNDLE = '/tmp/kubectl-maintenance.mjs'

export interface InstallOptions {
  /** The install namespace: the CronJob, its ServiceAccount, the bundle, shared custom pages. */
  namespace: string
  schedule: string
  /** A prebuilt image (the repository's Dockerfile); undefined runs the bundle ConfigMap on NODE_IMAGE. */
  image?: string
  /** The namespaced variant: a Role per namespace and one CronJob each, instead of cluster-wide access. */
  namespaces?: string[]
  /** Install-level settings every pass reads (the kubectl-maintenance-config ConfigMap). */
  settings?: InstallConfig
  /** The bundle the CronJob runs (absent: the cronjob/ placeholders, which kustomize replaces). */
  bundle?: BundleRef
}

/** Which bundle ConfigMap the CronJob mounts and the sha256 its gzipped content must have. */
export interface BundleRef {
  configMapName: string
  sha256: string
}

export function bundleRef(gzippedBundle: Buffer): BundleRef {
  const sha256 = createHash('sha256').update(gzippedBundle).digest('hex')
  return {configMapName: `${BUNDLE_CONFIGMAP}-${sha256.slice(0, 10)}`, sha256}
}

export const DEFAULT_INSTALL: InstallOptions = {namespace: INSTALL_NAMESPACE, schedule: DEFAULT_SCHEDULE}

/** The objects `install` writes, grouped the way cronjob/ splits them into files; the bundle ConfigMap is apart. */
export interface InstallManifests {
  namespace: KubeObject[]
  rbac: KubeObject[]
  cronJobs: KubeObject[]
}

export function labels(): Record<string, string> {
  return {[MANAGED_BY_LABEL]: MANAGED_BY, [NAME_LABEL]: APP_NAME}
}

function metadata(name: string, namespace?: string): KubeObject['metadata'] {
  return namespace === undefined ? {labels: labels(), name} : {labels: labels(), name, namespace}
}

export function validateInstallOptions(options: InstallOptions): void {
  checkDnsLabel(options.namespace, '--namespace')
  for (const namespace of options.namespaces ?? []) checkDnsLabel(namespace, '--namespaces')
  if (options.namespaces !== undefined && options.namespaces.length === 0) {
    throw new UserError('--namespaces needs at least one namespace, e.g. --namespaces shop,web')
  }
  for (const namespace of options.namespaces ?? []) {
    if (cronJobName(options, namespace).length > 52) throw new UserError(`--namespaces: "${namespace}" is too long for a CronJob name (kubectl-maintenance-NAMESPACE must be at most 52 characters)`)
  }
  const fields = options.schedule.trim().split(/\s+/)
  let valid = fields.length === 5
  try {
    if (valid) CronExpressionParser.parse(options.schedule)
  } catch {
    valid = false
  }
  if (!valid) throw new UserError(`--schedule "${options.schedule}" is not a 5-field cron expression, e.g. "* * * * *" (every minute)`)
  if (options.settings?.namespaceSelector && options.namespaces !== undefined) {
    throw new UserError('--namespace-selector chooses among all namespaces and needs cluster-wide access; with --namespaces the list itself says which namespaces are served')
  }
  if (options.image !== undefined && !/^[^\s]+$/.test(options.image)) throw new UserError(`--image "${options.image}" is not an image reference, e.g. ghcr.io/acme/kubectl-maintenance:0.1.0`)
}

function checkDnsLabel(value: string, flag: string): void {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.length > 63) {
    throw new UserError(`${flag}: "${value}" is not a namespace name (lowercase letters, digits and '-', at most 63 characters)`)
  }
}

/** Renders every object except the bundle ConfigMap; pure, so `install --dry-run` and cronjob/ agree byte for byte. */
export function renderInstall(options: InstallOptions): InstallManifests {
  validateInstallOptions(options)
  return {
    cronJobs: renderCronJobs(options),
    namespace: [renderNamespace(options.namespace), renderInstallConfig(options), ...renderConfigSecret(options)],
    rbac: [...renderRbac(options), ...renderConfigSecretReader(options)],
  }
}

/** In install order: what a Job needs exists before the CronJob can start one. */
export function installOrder(manifests: InstallManifests, bundle?: KubeObject): KubeObject[] {
  return [...manifests.namespace, ...manifests.rbac, ...(bundle ? [bundle] : []), ...manifests.cronJobs]
}

/** The settings every pass reads (SPEC §7), in the install namespace, where only the platform team writes. */
export function renderInstallConfig(options: InstallOptions): KubeObject {
  const settings = options.settings ?? DEFAULT_INSTALL_CONFIG
  const data = installConfigData(settings)
  // The pass reads the Secret only when the ConfigMap names it: no request (and no permission) without credentials.
  if (Object.keys(installSecretData(settings)).length > 0) data[InstallConfigKey.credentialsSecret] = INSTALL_CONFIG
  return {apiVersion: 'v1', data, kind: 'ConfigMap', metadata: metadata(INSTALL_CONFIG, options.namespace)} as KubeObject
}

/** URLs with credentials (user info, a query, a Slack webhook's path): a Secret, never the ConfigMap. */
function renderConfigSecret(options: InstallOptions): KubeObject[] {
  const data = installSecretData(options.settings ?? DEFAULT_INSTALL_CONFIG)
  if (Object.keys(data).length === 0) return []
  const encoded = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]))
  return [{apiVersion: 'v1', data: encoded, kind: 'Secret', metadata: metadata(INSTALL_CONFIG, options.namespace), type: 'Opaque'} as KubeObject]
}

/** The engine reads that one Secret by name, and no other: a Role in the install namespace with resourceNames. */
function renderConfigSecretReader(options: InstallOptions): KubeObject[] {
  if (renderConfigSecret(options).length === 0) return []
  const rbacApi = 'rbac.authorization.k8s.io/v1'
  const subjects = [{kind: 'ServiceAccount', name: APP_NAME, namespace: options.namespace}]
  return [
    {apiVersion: rbacApi, kind: 'Role', metadata: metadata(INSTALL_CONFIG, options.namespace), rules: [{apiGroups: [''], resourceNames: [INSTALL_CONFIG], resources: ['secrets'], verbs: ['get']}]},
    {apiVersion: rbacApi, kind: 'RoleBinding', metadata: metadata(INSTALL_CONFIG, options.namespace), roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: INSTALL_CONFIG}, subjects},
  ] as KubeObject[]
}

function renderNamespace(namespace: string): KubeObject {
  // The CronJob's Pod meets "restricted"; enforcing it here proves that on every cluster that admits the install.
  return {apiVersion: 'v1', kind: 'Namespace', metadata: {labels: {...labels(), 'pod-security.kubernetes.io/enforce': 'restricted'}, name: namespace}}
}

function renderRbac(options: InstallOptions): KubeObject[] {
  const serviceAccount = {apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(APP_NAME, options.namespace), automountServiceAccountToken: true}
  const subjects = [{kind: 'ServiceAccount', name: APP_NAME, namespace: options.namespace}]
  const rbacApi = 'rbac.authorization.k8s.io/v1'
  // What the ServiceAccount may do at all (RBAC), then what it may write (the admission policy's fence).
  const fence = renderFence(options.namespace, APP_NAME, labels())
  if (options.namespaces === undefined) {
    return [
      serviceAccount,
      {apiVersion: rbacApi, kind: 'ClusterRole', metadata: metadata(APP_NAME), rules: policyRules([...ENGINE_GRANTS, ...CLUSTER_GRANTS])},
      {apiVersion: rbacApi, kind: 'ClusterRoleBinding', metadata: metadata(APP_NAME), roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: APP_NAME}, subjects},
      ...fence,
    ]
  }

  const objects: KubeObject[] = [serviceAccount]
  const roleFor = (namespace: string, rules: ReturnType<typeof policyRules>): void => {
    objects.push(
      {apiVersion: rbacApi, kind: 'Role', metadata: metadata(APP_NAME, namespace), rules},
      {apiVersion: rbacApi, kind: 'RoleBinding', metadata: metadata(APP_NAME, namespace), roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: APP_NAME}, subjects},
    )
  }
  if (!options.namespaces.includes(options.namespace)) roleFor(options.namespace, policyRules(PAGE_READER_GRANTS))
  for (const namespace of options.namespaces) roleFor(namespace, policyRules(ENGINE_GRANTS))
  return [...objects, ...fence]
}

export function cronJobName(options: InstallOptions, reconciledNamespace?: string): string {
  return options.namespaces === undefined || reconciledNamespace === undefined ? APP_NAME : `${APP_NAME}-${reconciledNamespace}`
}

function renderCronJobs(options: InstallOptions): KubeObject[] {
  if (options.namespaces === undefined) return [renderCronJob(options, ['-A'])]
  return options.namespaces.map((namespace) => renderCronJob(options, ['-n', namespace], namespace))
}

function renderCronJob(options: InstallOptions, scope: string[], reconciledNamespace?: string): KubeObject {
  const reconcileArgs = ['reconcile', ...scope, '--horizon', HORIZON]
  const bundled = options.image === undefined
  const container = {
    name: 'reconcile',
    image: options.image ?? NODE_IMAGE,
    imagePullPolicy: 'IfNotPresent',
    // The image's own entrypoint runs the bundle; the Node image gets it unpacked from the ConfigMap first
    // (it is gzipped to fit a ConfigMap, and Node cannot import a gzipped module).
    // It runs the bundle only when its sha256 is the one fixed at install: a replaced or edited ConfigMap is refused.
    ...(bundled ? {command: ['/bin/sh', '-c', bundleScript(), APP_NAME]} : {}),
    args: reconcileArgs,
    env: [
      ...(bundled ? [{name: BUNDLE_SHA256_ENV, value: options.bundle?.sha256 ?? BUNDLE_SHA256_PLACEHOLDER}] : []),
      {name: 'KUBECTL_MAINTENANCE_NAMESPACE', value: options.namespace},
      {name: 'HOME', value: '/tmp'},
      {name: 'NODE_ENV', value: 'production'},
    ],
    resources: {limits: {cpu: '500m', memory: '256Mi'}, requests: {cpu: '50m', memory: '96Mi'}},
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: {drop: ['ALL']},
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: RUN_AS_USER,
      seccompProfile: {type: 'RuntimeDefault'},
    },
    volumeMounts: [{mountPath: '/tmp', name: 'tmp'}, ...(bundled ? [{mountPath: BUNDLE_DIR, name: 'bundle', readOnly: true}] : [])],
  }
  const volumes = [
    {emptyDir: {sizeLimit: '64Mi'}, name: 'tmp'},
    ...(bundled ? [{configMap: {name: options.bundle?.configMapName ?? BUNDLE_CONFIGMAP}, name: 'bundle'}] : []),
  ]
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: metadata(cronJobName(options, reconciledNamespace), options.namespace),
    spec: {
      schedule: options.schedule,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 30,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: {labels: labels()},
        spec: {
          activeDeadlineSeconds: ACTIVE_DEADLINE_SECONDS,
          backoffLimit: 0,
          template: {
            metadata: {labels: labels()},
            spec: {
              serviceAccountName: APP_NAME,
              restartPolicy: 'Never',
              securityContext: {
                runAsNonRoot: true,
                runAsUser: RUN_AS_USER,
                runAsGroup: RUN_AS_USER,
                seccompProfile: {type: 'RuntimeDefault'},
              },
              containers: [container],
              volumes,
            },
          },
        },
      },
    },
  }
}

/** The container's script: check the mounted bundle against the sha256 fixed at install, unpack it, run it. */
function bundleScript(): string {
  const packed = `${BUNDLE_DIR}/${BUNDLE_KEY}`
  return [
    `actual=$(sha256sum ${packed} | cut -d ' ' -f 1)`,
    `if [ "$actual" != "$${BUNDLE_SHA256_ENV}" ]; then echo "kubectl-maintenance: refusing to run ${packed}: its sha256 is $actual, install fixed $${BUNDLE_SHA256_ENV}; the bundle ConfigMap was changed or replaced: run kubectl maintenance install again" >&2; exit 1; fi`,
    `gunzip -c ${packed} > ${UNPACKED_BUNDLE} && exec node ${UNPACKED_BUNDLE} "$@"`,
  ].join('; ')
}

/**
 * The plugin's own gzipped bundle as a ConfigMap, which the default CronJob runs on the official Node image:
 * immutable, and named by its content, so a new bundle is a new ConfigMap and the old one is pruned.
 */
export function renderBundleConfigMap(namespace: string, gzippedBundle: Buffer): KubeObject {
  if (gzippedBundle.length > CONFIGMAP_LIMIT_BYTES) {
    throw new UserError(`the gzipped bundle is ${gzippedBundle.length} bytes, over the 1 MiB ConfigMap limit: use --image with an image built from the Dockerfile`)
  }
  const {configMapName, sha256} = bundleRef(gzippedBundle)
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(configMapName, namespace),
    binaryData: {[BUNDLE_KEY]: gzippedBundle.toString('base64')},
    data: {[BUNDLE_SHA256_KEY]: sha256},
    immutable: true,
  }
}
