import type {GateSettings} from './gate.js'
import type {TargetRef} from './target.js'

export const PHASES = ['Scheduled', 'Active', 'Degraded', 'Completed', 'Cancelled', 'Failed'] as const
export type Phase = (typeof PHASES)[number]

/**
 * One maintenance period for one or more targets of one namespace (SPEC §3).
 * Times are epoch milliseconds (UTC); `timezone` is the IANA zone used for display and recurrence.
 */
export interface Window {
  name: string
  namespace: string
  targets: TargetRef[]
  /** First (or only) start. */
  start: number
  /** Absent: open-ended. For a recurring window: no occurrence starts at or after it. */
  end?: number
  timezone: string
  page: string
  /** Recurring windows only: 5-field cron evaluated in `timezone`. */
  every?: string
  /** Recurring windows only: the length of each occurrence, as written (e.g. "2h"). */
  duration?: string
  /** The recurring window whose occurrence this one-off window extends (`extend`), so `end` of the series ends it too. */
  extends?: string
  /** false: `--no-gitops-pause`, the engine does not pause Flux on the targets while switched. */
  gitopsPause?: false
  phase?: Phase
  phaseMessage?: string
  message?: string
  reason?: string
  contact?: string
  /** Switch targets the engine would refuse (webhook and APIService Services, kube-system, TLS ports): `--force`. */
  force?: boolean
  /** What passes through to the original backend instead of getting the page (`--bypass`, `--except`, ...). */
  gate?: GateSettings
  /** The engine's records of what it did outside the cluster, as stored (engine/notifications.ts and engine/silences.ts parse them within limits). */
  outside?: {notifications?: string; silences?: string}
  /** How long before each start the schedule feed announces it, as written (e.g. "24h"); absent: 24h. */
  announce?: string
  /** Recurring windows: local dates (YYYY-MM-DD in `timezone`) on which no occurrence starts. */
  skip?: string[]
  /** Recurring windows: no occurrence starting at or after this instant happens (paused); one in progress runs on. */
  paused?: number
  /** The `history` data key as stored (JSON text), unparsed: only `history` and the phase writes read it. */
  history?: string
  /** From the ConfigMap's metadata, when read from a cluster. */
  resourceVersion?: string
  uid?: string
  creationTimestamp?: string
}

/** A concrete active period of a window: for a one-off window its start/end, for a recurring one the occurrence. */
export interface Interval {
  start: number
  /** Absent: open-ended. */
  end?: number
}
