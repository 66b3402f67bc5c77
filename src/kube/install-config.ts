import {type InstallConfig, DEFAULT_INSTALL_CONFIG, INSTALL_CONFIG, InstallConfigKey, parseInstallConfig} from '../model/install-config.js'
import {MANAGED_BY, MANAGED_BY_LABEL} from '../model/keys.js'
import {ApiError, type KubeClient, type KubeObject} from './client.js'
import {Resources} from './resources.js'

/**
 * The install-level settings every pass reads. Without the ConfigMap (no install, or a user who may not read the
 * install namespace running `now`) the defaults apply.
 */
export async function readInstallConfig(client: KubeClient, installNamespace: string): Promise<{config: InstallConfig; problems: string[]}> {
  let configMap: (KubeObject & {data?: Record<string, string>}) | undefined
  try {
    configMap = await client.getIfExists(Resources.configMaps, installNamespace, INSTALL_CONFIG)
  } catch (error) {
    if (error instanceof ApiError && error.code === 403) return {config: DEFAULT_INSTALL_CONFIG, problems: []}
    throw error
  }
  if (!configMap) return {config: DEFAULT_INSTALL_CONFIG, problems: []}
  const secret = configMap.data?.[InstallConfigKey.credentialsSecret] === INSTALL_CONFIG ? await readConfigSecret(client, installNamespace) : {}
  return parseInstallConfig(configMap.data, secret)
}

/**
 * The URLs with credentials, from the Secret of the same name. A user running `now` may not read it (403): that pass
 * then sends nothing, and the CronJob's next pass does.
 */
async function readConfigSecret(client: KubeClient, installNamespace: string): Promise<Record<string, string>> {
  let secret: (KubeObject & {data?: Record<string, string>}) | undefined
  try {
    secret = await client.getIfExists(Resources.secrets, installNamespace, INSTALL_CONFIG)
  } catch (error) {
    if (error instanceof ApiError && error.code === 403) return {}
    throw error
  }
  if (!secret || secret.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) return {}
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]))
}

/** The namespaces a namespace selector picks, read each round (a namespace labelled meanwhile is served at once). */
export async function selectedNamespaces(client: KubeClient, config: InstallConfig): Promise<string[] | undefined> {
  if (!config.namespaceSelector) return undefined
  const {label, value} = config.namespaceSelector
  const namespaces = await client.list(Resources.namespaces, undefined, {labelSelector: `${label}=${value}`})
  return namespaces.map((namespace) => namespace.metadata.name).sort()
}
