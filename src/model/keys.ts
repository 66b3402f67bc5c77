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
  window: 'window',
} as const

export const WindowAnnotation = {
  contact: `${PREFIX}contact`,
  duration: `${PREFIX}duration`,
  end: `${PREFIX}end`,
  every: `${PREFIX}every`,
  force: `${PREFIX}force`,
  /** The gate (JSON, see model/gate.ts): bypass digest, exemptions, read-only, allow-list. */
  gate: `${PREFIX}gate`,
  /** "false": `--no-gitops-pause`, Flux is not paused on the window's targets. */
  gitopsPause: `${PREFIX}gitops-pause`,
  page: `${PREFIX}page`,
  phase: `${PREFIX}phase`,
  phaseMessage: `${PREFIX}phase-message`,
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
  message: 'message',
  reason: 'reason',
} as const

/** Value of the `window` annotation on a target switched by an enable annotation rather than a window. */
export const ANNOTATION_WINDOW = 'annotation'
