import {KubeClient, type RetryPolicy} from '../../kube/client.js'
import {loadConfig} from '../../kube/kubeconfig.js'
import {listPages} from '../../kube/pages.js'
import {Resources} from '../../kube/resources.js'
import {targetType} from '../../kube/targets.js'
import {WINDOW_SELECTOR} from '../../kube/windows.js'
import {isMaintenanceBackend} from '../../engine/backend-identity.js'
import {DEFAULT_PAGE, WindowAnnotation} from '../../model/keys.js'
import type {Candidate, CompletionSource, Connection, Lookup} from './complete.js'

/** A completion waits on nobody: one attempt, no backoff. */
const NO_RETRY: RetryPolicy = {attempts: 1, baseDelayMs: 0, sleep: async () => {}}

/** Windows that are over are of no use to end, cancel or extend. */
const FINISHED_PHASES = new Set(['Cancelled', 'Completed'])

export class TimeoutError extends Error {}

export function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms}ms`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

async function windows(client: KubeClient): Promise<Candidate[]> {
  const configMaps = await client.list(Resources.configMaps, client.namespace, {labelSelector: WINDOW_SELECTOR})
  return configMaps
    .filter((configMap) => !FINISHED_PHASES.has(configMap.metadata.annotations?.[WindowAnnotation.phase] ?? ''))
    .map((configMap) => {
      const annotations = configMap.metadata.annotations ?? {}
      const description = [annotations[WindowAnnotation.targets], annotations[WindowAnnotation.phase] ?? 'Pending'].filter(Boolean).join(' ')
      return {description, value: configMap.metadata.name}
    })
}

async function pages(client: KubeClient, builtIn: boolean): Promise<Candidate[]> {
  const stored = await listPages(client, client.namespace)
  const custom = stored
    .filter((page) => builtIn || page.scope === 'namespace')
    .map((page) => ({description: page.scope === 'shared' ? `shared, from ${page.namespace}` : undefined, value: page.name}))
  return builtIn ? [{description: 'the built-in page', value: DEFAULT_PAGE}, ...custom] : custom
}

async function lookupWith(client: () => Promise<KubeClient>, lookup: Lookup, connection: Connection): Promise<Candidate[]> {
  switch (lookup.source) {
    case 'contexts': {
      return (await loadConfig({kubeconfig: connection.kubeconfig})).config
        .getContexts()
        .map((context) => ({description: context.namespace ? `namespace ${context.namespace}` : undefined, value: context.name}))
    }

    case 'namespaces': {
      return (await (await client()).list(Resources.namespaces)).map((namespace) => ({value: namespace.metadata.name}))
    }

    case 'pages': {
      // The built-in page needs no cluster: offer it even when the cluster does not answer.
      return pages(await client(), lookup.builtIn).catch(() => (lookup.builtIn ? [{description: 'the built-in page', value: DEFAULT_PAGE}] : []))
    }

    case 'targets': {
      const kube = await client()
      const type = await targetType(kube, lookup.kind)
      if (!type) return []
      // The engine's own backends are never targets (switch-check refuses them): not offered.
      return (await kube.list(type, kube.namespace)).filter((target) => !isMaintenanceBackend(target)).map((target) => ({value: target.metadata.name}))
    }

    case 'windows': {
      return windows(await client())
    }
  }
}

/**
 * Candidates from the cluster of the typed --kubeconfig/--context/-n (else the usual kubeconfig). Anything that fails
 * (no kubeconfig, unreachable, forbidden) answers nothing rather than an error: completion must never get in the way.
 */
export function clusterSource(timeoutMs = 3000): CompletionSource & {timedOut: boolean} {
  const clients = new Map<string, Promise<KubeClient>>()
  const source = {
    async lookup(lookup: Lookup, connection: Connection): Promise<Candidate[]> {
      const client = (): Promise<KubeClient> => {
        const key = JSON.stringify(connection)
        let found = clients.get(key)
        if (!found) {
          found = KubeClient.fromOptions(connection, NO_RETRY)
          clients.set(key, found)
        }
        return found
      }
      try {
        return await withTimeout(lookupWith(client, lookup, connection), timeoutMs)
      } catch (error) {
        if (error instanceof TimeoutError) source.timedOut = true
        return []
      }
    },
    timedOut: false,
  }
  return source
}
