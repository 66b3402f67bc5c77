import {PAGE_CONFIGMAP_PREFIX} from './keys.js'

/** Object names are DNS-1123 labels at most this long (kubectl's limit for most names). */
const MAX_CONFIGMAP_NAME = 63

export const PAGE_NAME_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** The longest custom page name: its ConfigMap maintenance-page-NAME must stay a 63-character label. */
export const MAX_PAGE_NAME = MAX_CONFIGMAP_NAME - PAGE_CONFIGMAP_PREFIX.length

/** The one rule for custom page names, used by `page create`, `schedule`/`now --page` and the engine alike. */
export function isCustomPageName(name: string): boolean {
  return name.length <= MAX_PAGE_NAME && PAGE_NAME_LABEL.test(name)
}
