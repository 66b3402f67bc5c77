/**
 * Install-level settings (SPEC §7): the ConfigMap `kubectl-maintenance-config` in the install namespace, written by
 * `install` and read by every pass. Only the platform team writes there; tenants cannot.
 */
import {parseDuration} from './duration.js'
import {UserError} from './errors.js'

export const INSTALL_CONFIG = 'kubectl-maintenance-config'

export const InstallConfigKey = {
  /** How long finished windows are kept before the pass deletes them (install --keep). */
  keep: 'keep',
  maxBackends: 'max-backends',
  namespaceSelector: 'namespace-selector',
} as const

/** Backends one namespace may have at once, unless install says otherwise. */
export const DEFAULT_MAX_BACKENDS = 10
const MAX_BACKENDS_CEILING = 1000

export interface NamespaceSelector {
  label: string
  value: string
}

export interface InstallConfig {
  /** Finished windows are deleted this long after they finished; absent: the default, 7 days. */
  keep?: string
  maxBackends: number
  /** Only namespaces with this label are served; absent: every namespace. */
  namespaceSelector?: NamespaceSelector
}

export const DEFAULT_INSTALL_CONFIG: InstallConfig = {keep: '7d', maxBackends: DEFAULT_MAX_BACKENDS}

// A label key: optional DNS-subdomain prefix and a name of at most 63 characters; a value of at most 63.
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/

export function parseNamespaceSelector(text: string, flag = '--namespace-selector'): NamespaceSelector {
  const match = /^([^=]+)=([^=]*)$/.exec(text.trim())
  const label = match?.[1] ?? ''
  const value = match?.[2] ?? ''
  const slash = label.lastIndexOf('/')
  const validKey = slash < 0 ? LABEL_NAME.test(label) : LABEL_PREFIX.test(label.slice(0, slash)) && LABEL_NAME.test(label.slice(slash + 1))
  if (!match || !validKey || !LABEL_VALUE.test(value)) {
    throw new UserError(`${flag} "${text}" is not LABEL=VALUE with a Kubernetes label key and value, e.g. ${flag} kubectl-maintenance.io/enabled=true`)
  }
  return {label, value}
}

export function parseMaxBackends(text: string, flag = '--max-backends'): number {
  const value = Number(text.trim())
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1 || value > MAX_BACKENDS_CEILING) {
    throw new UserError(`${flag} "${text}" is not a whole number from 1 to ${MAX_BACKENDS_CEILING}, e.g. ${flag} 10`)
  }
  return value
}

export function formatNamespaceSelector(selector: NamespaceSelector): string {
  return `${selector.label}=${selector.value}`
}

/** The ConfigMap's data for these settings. */
export function installConfigData(config: InstallConfig): Record<string, string> {
  return {
    ...(config.keep === undefined ? {} : {[InstallConfigKey.keep]: config.keep}),
    [InstallConfigKey.maxBackends]: String(config.maxBackends),
    ...(config.namespaceSelector ? {[InstallConfigKey.namespaceSelector]: formatNamespaceSelector(config.namespaceSelector)} : {}),
  }
}

/** Reads the settings; a value that does not parse is a problem and its default is used. */
export function parseInstallConfig(data: Record<string, string> = {}): {config: InstallConfig; problems: string[]} {
  const config: InstallConfig = {...DEFAULT_INSTALL_CONFIG}
  const problems: string[] = []
  const read = (key: string, parse: (text: string) => void) => {
    const text = data[key]
    if (text === undefined) return
    try {
      parse(text)
    } catch (error) {
      problems.push(`${INSTALL_CONFIG} ${key}: ${(error as Error).message}`)
    }
  }
  read(InstallConfigKey.keep, (text) => {
    parseDuration(text)
    config.keep = text.trim()
  })
  read(InstallConfigKey.maxBackends, (text) => {
    config.maxBackends = parseMaxBackends(text, InstallConfigKey.maxBackends)
  })
  read(InstallConfigKey.namespaceSelector, (text) => {
    config.namespaceSelector = parseNamespaceSelector(text, InstallConfigKey.namespaceSelector)
  })
  return {config, problems}
}
