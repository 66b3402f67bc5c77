/**
 * Install-level settings (SPEC §7): the ConfigMap `kubectl-maintenance-config` in the install namespace, written by
 * `install` and read by every pass. Only the platform team writes there; tenants cannot.
 */
import {parseDuration} from './duration.js'
import {UserError} from './errors.js'
import {type AlertmanagerSettings, type NotifySettings, DEFAULT_SILENCE_GRACE_MS, parseEndpointUrl, parseNotifyFormat, parseSilenceGrace} from './notify-config.js'
import {parseSilenceTemplate} from './silence-matchers.js'

export const INSTALL_CONFIG = 'kubectl-maintenance-config'

export const InstallConfigKey = {
  alertmanagerUrl: 'alertmanager-url',
  /** Names the Secret holding URLs with credentials, when install wrote one. */
  credentialsSecret: 'credentials-secret',
  /** How long finished windows are kept before the pass deletes them (install --keep). */
  keep: 'keep',
  maxBackends: 'max-backends',
  namespaceSelector: 'namespace-selector',
  notifyFormat: 'notify-format',
  notifyUrl: 'notify-url',
  silenceGrace: 'silence-grace',
  silenceMatchers: 'silence-matchers',
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
  /** Where every transition is POSTed (install --notify-url). */
  notify?: NotifySettings
  /** Where silences are made for active windows (install --alertmanager-url). */
  alertmanager?: AlertmanagerSettings
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

/** The ConfigMap's data for these settings: everything but URLs with credentials (installSecretData). */
export function installConfigData(config: InstallConfig): Record<string, string> {
  const {alertmanager, notify} = config
  const inConfigMap = (url: string, flag: string, format?: NotifySettings['format']) => !parseEndpointUrl(url, flag, format).secret
  return {
    ...(config.keep === undefined ? {} : {[InstallConfigKey.keep]: config.keep}),
    [InstallConfigKey.maxBackends]: String(config.maxBackends),
    ...(config.namespaceSelector ? {[InstallConfigKey.namespaceSelector]: formatNamespaceSelector(config.namespaceSelector)} : {}),
    ...(notify ? {[InstallConfigKey.notifyFormat]: notify.format} : {}),
    ...(notify && inConfigMap(notify.url, InstallConfigKey.notifyUrl, notify.format) ? {[InstallConfigKey.notifyUrl]: notify.url} : {}),
    ...(alertmanager && inConfigMap(alertmanager.url, InstallConfigKey.alertmanagerUrl) ? {[InstallConfigKey.alertmanagerUrl]: alertmanager.url} : {}),
    ...(alertmanager ? {[InstallConfigKey.silenceGrace]: `${alertmanager.graceMs / 1000}s`} : {}),
    ...(alertmanager?.matchers === undefined ? {} : {[InstallConfigKey.silenceMatchers]: alertmanager.matchers}),
  }
}

/** The Secret's data (the Secret of the same name): URLs that carry credentials; empty when there are none. */
export function installSecretData(config: InstallConfig): Record<string, string> {
  const {alertmanager, notify} = config
  return {
    ...(notify && parseEndpointUrl(notify.url, InstallConfigKey.notifyUrl, notify.format).secret ? {[InstallConfigKey.notifyUrl]: notify.url} : {}),
    ...(alertmanager && parseEndpointUrl(alertmanager.url, InstallConfigKey.alertmanagerUrl).secret ? {[InstallConfigKey.alertmanagerUrl]: alertmanager.url} : {}),
  }
}

/**
 * Reads the settings from the ConfigMap's data and the Secret's (decoded); a URL may be in either, the Secret's wins.
 * A value that does not parse is a problem and its default is used (no webhook, no Alertmanager).
 */
export function parseInstallConfig(data: Record<string, string> = {}, secretData: Record<string, string> = {}): {config: InstallConfig; problems: string[]} {
  const config: InstallConfig = {...DEFAULT_INSTALL_CONFIG}
  const problems: string[] = []
  const read = (key: string, parse: (text: string) => void, fromSecret = false) => {
    const text = (fromSecret ? secretData[key] : undefined) ?? data[key]
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
  let format: NotifySettings['format'] = 'generic'
  read(InstallConfigKey.notifyFormat, (text) => {
    format = parseNotifyFormat(text, InstallConfigKey.notifyFormat)
  })
  read(
    InstallConfigKey.notifyUrl,
    (text) => {
      config.notify = {format, url: parseEndpointUrl(storedUrl(text, InstallConfigKey.notifyUrl), InstallConfigKey.notifyUrl).url}
    },
    true,
  )
  read(
    InstallConfigKey.alertmanagerUrl,
    (text) => {
      config.alertmanager = {graceMs: DEFAULT_SILENCE_GRACE_MS, url: parseEndpointUrl(storedUrl(text, InstallConfigKey.alertmanagerUrl), InstallConfigKey.alertmanagerUrl).url}
    },
    true,
  )
  if (config.alertmanager) {
    const alertmanager = config.alertmanager
    read(InstallConfigKey.silenceGrace, (text) => {
      alertmanager.graceMs = parseSilenceGrace(text, InstallConfigKey.silenceGrace)
    })
    read(InstallConfigKey.silenceMatchers, (text) => {
      parseSilenceTemplate(text, InstallConfigKey.silenceMatchers)
      alertmanager.matchers = text
    })
  }
  return {config, problems}
}

/**
 * A stored URL that does not parse is reported without its text: it may be a credential-carrying URL that lost its
 * scheme (`hooks.slack.com/services/T/B/token`), and the pass's problems go to its log and to `reconcile`'s output.
 */
function storedUrl(text: string, key: string): string {
  try {
    new URL(text.trim())
  } catch {
    throw new UserError(`${key} is not an absolute http(s) URL (its value is not shown: it may hold credentials); run install --${key} again with the full URL`)
  }
  return text
}
