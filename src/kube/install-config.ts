import {type InstallConfig, DEFAULT_INSTALL_CONFIG, INSTALL_CONFIG, parseInstallConfig} from '../model/install-config.js'
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
  return configMap ? parseInstallConfig(configMap.data) : {config: DEFAULT_INSTALL_CONFIG, problems: []}
}

/** The namespaces a namespace selector picks, read each round (a namespace labelled meanwhile is served at once). */
export async function selectedNamespaces(client: KubeClient, config: InstallConfig): Promise<string[] | undefined> {
  if (!config.namespaceSelector) return undefined
  const {label, value} = config.namespaceSelector
  const namespaces = await client.list(Resources.namespaces, undefined, {labelSelector: `${label}=${value}`})
  return namespaces.map((namespace) => namespace.metadata.name).sort()
}
