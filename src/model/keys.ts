/** Every label and annotation key of SPEC §1-3, in one place. */
export const PREFIX = 'kubectl-maintenance.io/'

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by'
export const MANAGED_BY = 'kubectl-maintenance'
/** The field manager of every write (SPEC §7), so Argo CD can be told to leave these fields alone. */
export const FIELD_MANAGER = 'kubectl-maintenance'

export const ROLE_LABEL = `${PREFIX}role`
export const HASH_LABEL = `${PREFIX}hash`
export const ACTIVE_LABEL = `${PREFIX}active`

export const Role = {
  backend: 'backend',
  page: 'page',
  /** The schedule feed ConfigMap of a namespace (`kubectl-maintenance-schedule`). */
  schedule: 'schedule',
  window: 'window',
} as const

export const WindowAnnotation = {
  /** How long before each start the feed announces it (`--announce`, a DUR; default 24h). */
  announce: `${PREFIX}announce`,
  contact: `${PREFIX}contact`,
  duration: `${PREFIX}duration`,
  end: `${PREFIX}end`,
  every: `${PREFIX}every`,
  /** On the one-off window `extend` makes for an occurrence of a recurring window: the recurring window's name. */
  extends: `${PREFIX}extends`,
  force: `${PREFIX}force`,
  /** The gate (JSON, see model/gate.ts): bypass digest, exemptions, read-only, allow-list. */
  gate: `${PREFIX}gate`,
  /** "false": `--no-gitops-pause`, Flux is not paused on the window's targets. */
  gitopsPause: `${PREFIX}gitops-pause`,
  page: `${PREFIX}page`,
  /** Recurring windows: RFC 3339 instant from which no occurrence starts (`pause`), until `resume` removes it. */
  paused: `${PREFIX}paused`,
  phase: `${PREFIX}phase`,
  phaseMessage: `${PREFIX}phase-message`,
  /** Recurring windows: local dates (YYYY-MM-DD, comma-separated) on which no occurrence starts (`--skip`, `skip`). */
  skip: `${PREFIX}skip`,
  start: `${PREFIX}start`,
  targets: `${PREFIX}targets`,
  timezone: `${PREFIX}timezone`,
} as const

export const TargetAnnotation = {
  backend: `${PREFIX}backend`,
  enabled: `${PREFIX}enabled`,
  original: `${PREFIX}original`,
  page: `${PREFIX}page`,
  window: `${PREFIX}window`,
} as const

/** maintenance-operator's switch, honoured so its users can move over without relabelling. */
export const LegacyAnnotation = {
  customPage: 'maintenance-operator.mithucste30.io/custom-page',
  enabled: 'maintenance-operator.mithucste30.io/enabled',
} as const

/** On a backend ConfigMap the engine made: the digest of everything its page was rendered from (engine/render-inputs.ts). */
export const BackendAnnotation = {
  renderInputs: `${PREFIX}render-inputs`,
} as const

export const PageAnnotation = {
  status: `${PREFIX}status`,
} as const

export const PAGE_CONFIGMAP_PREFIX = 'maintenance-page-'
export const BACKEND_PREFIX = 'maintenance-'
/** A backend's name: the prefix and 10 hex of its content hash. */
export const BACKEND_NAME_PATTERN = /^maintenance-([0-9a-f]{10})$/
export const DEFAULT_PAGE = 'default'
export const INSTALL_NAMESPACE = 'kubectl-maintenance'

/** Window data keys. */
export const WindowData = {
  contact: 'contact',
  /** The transitions kept on the window (JSON, last 50): written with each phase change, read only by `history`. */
  history: 'history',
  message: 'message',
  /** Written by the engine: the notifications sent for this window (bounded JSON). */
  notifications: 'notifications',
  reason: 'reason',
  /** Written by the engine: the Alertmanager silences made for this window (bounded JSON). */
  silences: 'silences',
} as const

/** Value of the `window` annotation on a target switched by an enable annotation rather than a window. */
export const ANNOTATION_WINDOW = 'annotation'

/** The schedule feed of a namespace (SPEC §7): `schedule.json` and `schedule.ics`, rewritten only when they change. */
export const SCHEDULE_CONFIGMAP = 'kubectl-maintenance-schedule'
export const ScheduleData = {
  ics: 'schedule.ics',
  json: 'schedule.json',
} as const
/** On the feed ConfigMap: per event, its SEQUENCE, DTSTAMP and content digest, so they stay put while nothing changes. */
export const SCHEDULE_STATE_ANNOTATION = `${PREFIX}feed-state`
/** On the feed ConfigMap: until when it stays what a rebuild would write, and a digest binding that to its inputs and content. */
export const SCHEDULE_VALID_ANNOTATION = `${PREFIX}feed-valid`
