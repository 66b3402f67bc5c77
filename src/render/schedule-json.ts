import type {Feed, FeedOccurrence} from '../engine/schedule-feed.js'

import {toRfc3339Utc} from '../model/time.js'

/**
 * `schedule.json`: what an app reads to show a banner from `announce` on and a countdown to `start`. No timestamp of
 * its own, so it changes only when an occurrence does.
 */
export interface ScheduleJson {
  apiVersion: 'kubectl-maintenance.io/v1'
  kind: 'Schedule'
  namespace?: string
  occurrences: Array<{
    window: string
    namespace: string
    targets: string[]
    start: string
    end: string | null
    announce: string
    timezone: string
    message: string | null
    reason: string | null
    contact: string | null
    phase: string
    cancelled: string | null
    uid: string
  }>
}

export function scheduleJson(feeds: Feed[]): ScheduleJson {
  return {
    apiVersion: 'kubectl-maintenance.io/v1',
    kind: 'Schedule',
    ...(feeds.length === 1 ? {namespace: feeds[0].namespace} : {}),
    occurrences: feeds.flatMap((feed) => feed.occurrences.map((o) => entry(o))),
  }
}

export function renderScheduleJson(feeds: Feed[]): string {
  return `${JSON.stringify(scheduleJson(feeds), null, 2)}\n`
}

function entry(o: FeedOccurrence): ScheduleJson['occurrences'][number] {
  return {
    announce: toRfc3339Utc(o.announce),
    cancelled: o.cancelled ?? null,
    contact: o.contact ?? null,
    end: o.end === undefined ? null : toRfc3339Utc(o.end),
    message: o.message ?? null,
    namespace: o.namespace,
    phase: o.phase,
    reason: o.reason ?? null,
    start: toRfc3339Utc(o.start),
    targets: o.targets,
    timezone: o.timezone,
    uid: o.uid,
    window: o.window,
  }
}
