import type {CronJobRuns} from '../engine/overdue.js'

import {MANAGED_BY, MANAGED_BY_LABEL} from '../model/keys.js'
import {type KubeClient, type KubeObject} from './client.js'
import {Resources} from './resources.js'

type CronJob = KubeObject & {spec?: {suspend?: boolean}; status?: {lastScheduleTime?: string; lastSuccessfulTime?: string}}
type Job = KubeObject & {status?: {startTime?: string; failed?: number; succeeded?: number; conditions?: Array<{type: string; status: string}>}}

/** The installed CronJob's status and its Jobs (owned by it), read-only; undefined when there is none or it cannot be read. */
export async function readCronJobRuns(client: KubeClient, installNamespace: string): Promise<CronJobRuns | undefined> {
  try {
    const cronJobs = await client.list<CronJob>(Resources.cronJobs, installNamespace, {labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}`})
    const cronJob = cronJobs[0]
    if (!cronJob) return undefined
    const jobs = (await client.list<Job>(Resources.jobs, installNamespace))
      .filter((job) => ((job.metadata.ownerReferences ?? []) as Array<{kind?: string; uid?: string}>).some((owner) => owner.kind === 'CronJob' && owner.uid === cronJob.metadata.uid))
      .sort((a, b) => (b.status?.startTime ?? b.metadata.creationTimestamp ?? '').localeCompare(a.status?.startTime ?? a.metadata.creationTimestamp ?? ''))
    const condition = (job: Job, type: string) => job.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false
    return {
      jobs: jobs.map((job) => ({failed: condition(job, 'Failed'), name: job.metadata.name, started: job.status?.startTime, succeeded: condition(job, 'Complete')})),
      lastScheduleTime: cronJob.status?.lastScheduleTime,
      lastSuccessfulTime: cronJob.status?.lastSuccessfulTime,
      name: cronJob.metadata.name,
      namespace: installNamespace,
      suspended: cronJob.spec?.suspend === true,
    }
  } catch {
    return undefined
  }
}
