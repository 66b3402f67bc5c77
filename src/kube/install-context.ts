import type {InstallContext, InstalledCronJob} from '../engine/new-window.js'

import {INSTALL_NAMESPACE, MANAGED_BY, MANAGED_BY_LABEL} from '../model/keys.js'
import {ApiError, type KubeClient, type KubeObject} from './client.js'
import {Resources} from './resources.js'

/** Where `install` put the CronJob and the shared pages: KUBECTL_MAINTENANCE_NAMESPACE (the CronJob sets it), else the default. */
export function installNamespace(env: NodeJS.ProcessEnv = process.env): string {
  return env.KUBECTL_MAINTENANCE_NAMESPACE || INSTALL_NAMESPACE
}

type CronJob = KubeObject & {spec?: {jobTemplate?: {spec?: {template?: {spec?: {containers?: Array<{args?: string[]}>}}}}}}

/**
 * The install, found once per command by label: every CronJob `install` made in the install namespace (one for
 * `-A`, or one per namespace with `--namespaces`) and the namespaces each reconciles. Forbidden to look: unknown.
 */
export async function findInstall(client: KubeClient): Promise<InstallContext> {
  const namespace = installNamespace()
  try {
    const cronJobs = await client.list<CronJob>(Resources.cronJobs, namespace, {labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}`})
    return {cronJobs: cronJobs.map((cronJob) => reconciled(cronJob)), namespace}
  } catch (error) {
    if (error instanceof ApiError && (error.code === 401 || error.code === 403)) return {namespace}
    throw error
  }
}

function reconciled(cronJob: CronJob): InstalledCronJob {
  const args = cronJob.spec?.jobTemplate?.spec?.template?.spec?.containers?.[0]?.args ?? []
  const namespaces: string[] = []
  args.forEach((arg, index) => {
    if ((arg === '-n' || arg === '--namespace') && args[index + 1]) namespaces.push(args[index + 1])
    else if (arg.startsWith('--namespace=')) namespaces.push(arg.slice('--namespace='.length))
  })
  const all = args.includes('-A') || args.includes('--all-namespaces')
  return {name: cronJob.metadata.name, namespaces: all ? 'all' : namespaces}
}
