import {type Command, CommandHelp, Config} from '@oclif/core'
import {writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {KubeClient} from '../../src/kube/client.js'
import {Resources} from '../../src/kube/resources.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'
import {PROJECT_ROOT} from '../support/run-command.js'

/** The pinned clock of command tests: 21:00 in Berlin on Christmas Eve. */
export const NOW = '2026-12-24T20:00:00Z'

export type Obj = {apiVersion: string; kind: string; metadata: {name: string; namespace?: string; [key: string]: unknown}; [key: string]: unknown}

export async function startCluster(): Promise<ApiServer> {
  return startApiServer({crds: ['traefik.io', 'gateway.networking.k8s.io'], namespaces: ['default', 'kube-system', 'shop', 'web', 'kubectl-maintenance']})
}

export function envFor(server: ApiServer, now = NOW): Record<string, string | undefined> {
  return {KUBECONFIG: server.kubeconfigPath, KUBECTL_MAINTENANCE_NOW: now}
}

export function ingress(name: string, namespace: string, metadata: Record<string, unknown> = {}): Obj {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {name, namespace, ...metadata},
    spec: {
      rules: [{host: `${name}.example.com`, http: {paths: [{backend: {service: {name, port: {number: 80}}}, path: '/', pathType: 'Prefix'}]}}],
    },
  }
}

export function service(name: string, namespace: string, metadata: Record<string, unknown> = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name, namespace, ...metadata},
    spec: {ports: [{port: 80, targetPort: 8080}], selector: {app: name}},
  }
}

export interface WindowFixture {
  name: string
  namespace: string
  targets: string
  start: string
  end?: string
  timezone?: string
  page?: string
  every?: string
  duration?: string
  phase?: string
  message?: string
  labels?: Record<string, string>
}

/** A window ConfigMap written out by hand from SPEC §3, not by the codec under test. */
export function windowConfigMap(w: WindowFixture): Obj {
  const p = 'kubectl-maintenance.io/'
  const annotations: Record<string, string> = {
    [`${p}page`]: w.page ?? 'default',
    [`${p}start`]: w.start,
    [`${p}targets`]: w.targets,
    [`${p}timezone`]: w.timezone ?? 'Europe/Berlin',
  }
  if (w.end) annotations[`${p}end`] = w.end
  if (w.every) annotations[`${p}every`] = w.every
  if (w.duration) annotations[`${p}duration`] = w.duration
  if (w.phase) annotations[`${p}phase`] = w.phase
  return {
    apiVersion: 'v1',
    data: w.message ? {message: w.message} : {},
    kind: 'ConfigMap',
    metadata: {
      annotations,
      labels: {'app.kubernetes.io/managed-by': 'kubectl-maintenance', [`${p}role`]: 'window', ...w.labels},
      name: w.name,
      namespace: w.namespace,
    },
  }
}

/** The CronJob `install` writes (its labels and scope): `-A`, or with `reconciles` one of `install --namespaces`. */
export function installCronJob(reconciles?: string): Obj {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      labels: {'app.kubernetes.io/managed-by': 'kubectl-maintenance', 'app.kubernetes.io/name': 'kubectl-maintenance'},
      name: reconciles === undefined ? 'kubectl-maintenance' : `kubectl-maintenance-${reconciles}`,
      namespace: 'kubectl-maintenance',
    },
    spec: {
      jobTemplate: {spec: {template: {spec: {containers: [{args: ['reconcile', ...(reconciles === undefined ? ['-A'] : ['-n', reconciles]), '--horizon', '55s'], image: 'kubectl-maintenance:test', name: 'reconcile'}], restartPolicy: 'Never'}}}},
      schedule: '* * * * *',
    },
  }
}

export function customPage(name: string, namespace: string): Obj {
  return {
    apiVersion: 'v1',
    data: {'page.html.hbs': '<h1>{{message}}</h1>'},
    kind: 'ConfigMap',
    metadata: {labels: {'kubectl-maintenance.io/role': 'page'}, name: `maintenance-page-${name}`, namespace},
  }
}

/** A kubeconfig whose server refuses connections (port 1 on loopback). */
export function unreachableKubeconfig(): string {
  const file = path.join(tmpdir(), `kubectl-maintenance-unreachable-${process.pid}.yaml`)
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: gone, cluster: {server: "http://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
      'users: [{name: me, user: {token: t}}]',
      'contexts: [{name: gone, context: {cluster: gone, user: me, namespace: shop}}]',
      'current-context: gone',
    ].join('\n'),
  )
  return file
}

/** Removes what a test created, through the API like any client would. */
export async function deleteConfigMap(server: ApiServer, namespace: string, name: string): Promise<void> {
  const client = await KubeClient.fromOptions({kubeconfig: server.kubeconfigPath})
  await client.delete(Resources.configMaps, namespace, name)
}

/**
 * The help `kubectl maintenance ID --help` prints. runCommand calls Command.run, which leaves --help to oclif's
 * entry point, so the help is rendered here the way that entry point renders it.
 */
export async function renderHelp(id: string): Promise<string> {
  const config = await Config.load({root: PROJECT_ROOT})
  const {default: command} = (await import(path.join(PROJECT_ROOT, 'src', 'commands', `${id}.ts`))) as {default: Command.Class}
  const loadable = {
    ...command,
    aliases: command.aliases ?? [],
    args: named(command.args ?? {}),
    flags: named({...command.baseFlags, ...command.flags}),
    id,
    load: async () => command,
    pluginType: 'core',
  } as unknown as Command.Loadable
  return new CommandHelp(loadable, config, {maxWidth: 1000, stripAnsi: true}).generate()
}

/** Cached command metadata carries each flag's and arg's name, as oclif's manifest does. */
function named(definitions: Record<string, object>): Record<string, object> {
  return Object.fromEntries(Object.entries(definitions).map(([name, definition]) => [name, {...definition, name}]))
}
