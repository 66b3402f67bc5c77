import type {KubeConfig} from '@kubernetes/client-node'
import {existsSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import path from 'node:path'

import {UserError} from '../model/errors.js'

export interface ConnectionOptions {
  kubeconfig?: string
  context?: string
  namespace?: string
}

export interface LoadedConfig {
  config: KubeConfig
  namespace: string
  contextName: string
}

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace'

/**
 * Loads the kubeconfig the way kubectl does: --kubeconfig, else every existing file of KUBECONFIG
 * (missing ones are ignored, as kubectl ignores them), else ~/.kube/config, else in-cluster.
 */
export async function loadConfig(options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  // client-node takes most of a second to import: only commands that reach a cluster pay for it.
  const {KubeConfig} = await import('./kubeconfig-class.js')
  return readConfig(KubeConfig, options, env)
}

/** loadConfig for callers that already hold client-node's KubeConfig class (tests, benchmarks). */
export function readConfig(KubeConfigClass: new () => KubeConfig, options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const config = new KubeConfigClass()
  if (options.kubeconfig) {
    if (!existsSync(options.kubeconfig)) {
      throw new UserError(`kubeconfig "${options.kubeconfig}" does not exist: pass the path of a kubeconfig file, e.g. --kubeconfig ~/.kube/config`)
    }
    config.loadFromFile(options.kubeconfig)
  } else {
    const files = kubeconfigFiles(env)
    if (files.length > 0) {
      config.loadFromFile(files[0])
      for (const file of files.slice(1)) {
        const more = new KubeConfigClass()
        more.loadFromFile(file)
        config.mergeConfig(more, true)
      }
    } else if (existsSync(SERVICE_ACCOUNT_NAMESPACE)) {
      config.loadFromCluster()
    } else {
      throw new UserError('no kubeconfig found: set KUBECONFIG, pass --kubeconfig FILE, or create ~/.kube/config')
    }
  }

  if (options.context) {
    if (!config.getContextObject(options.context)) {
      const known = config.getContexts().map((c) => c.name)
      throw new UserError(
        `context "${options.context}" does not exist in the kubeconfig; ${known.length > 0 ? `known contexts: ${known.join(', ')}` : 'it has no contexts'}`,
      )
    }
    config.setCurrentContext(options.context)
  }

  const contextName = config.getCurrentContext()
  const context = contextName ? config.getContextObject(contextName) : null
  if (!context && !config.getCurrentCluster()) {
    throw new UserError('the kubeconfig has no current context: pass --context NAME or run kubectl config use-context NAME')
  }
  const namespace = options.namespace || context?.namespace || inClusterNamespace() || 'default'
  return {config, contextName, namespace}
}

function kubeconfigFiles(env: NodeJS.ProcessEnv): string[] {
  if (env.KUBECONFIG) {
    return env.KUBECONFIG.split(path.delimiter).filter((file) => file && existsSync(file))
  }
  const home = env.HOME || homedir()
  const standard = path.join(home, '.kube', 'config')
  return existsSync(standard) ? [standard] : []
}

function inClusterNamespace(): string | undefined {
  return existsSync(SERVICE_ACCOUNT_NAMESPACE) ? readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() : undefined
}
