import type {ProtectedService} from '../engine/switch-check.js'

import {ApiError, type KubeClient, type KubeObject} from './client.js'
import {Resources} from './resources.js'

type WebhookConfiguration = KubeObject & {webhooks?: Array<{name?: string; clientConfig?: {service?: {namespace?: string; name?: string}}}>}
type ApiService = KubeObject & {spec?: {service?: {namespace?: string; name?: string} | null}}

/**
 * The Services the API server itself calls: admission webhooks (validating and mutating) and aggregated APIs.
 * Cluster-scoped reads: undefined when they are not allowed (a namespaced install) or not served, and the
 * caller goes on without that check.
 */
export async function readProtectedServices(client: KubeClient): Promise<ProtectedService[] | undefined> {
  try {
    const found: ProtectedService[] = []
    const webhooks = [
      ['validatingwebhookconfiguration', await client.list<WebhookConfiguration>(Resources.validatingWebhookConfigurations)],
      ['mutatingwebhookconfiguration', await client.list<WebhookConfiguration>(Resources.mutatingWebhookConfigurations)],
    ] as const
    for (const [kind, configurations] of webhooks) {
      for (const configuration of configurations) {
        for (const webhook of configuration.webhooks ?? []) {
          const service = webhook.clientConfig?.service
          if (service?.namespace && service.name) found.push({by: `${kind}/${configuration.metadata.name}`, name: service.name, namespace: service.namespace, reason: 'webhook'})
        }
      }
    }
    for (const apiService of await client.list<ApiService>(Resources.apiServices)) {
      const service = apiService.spec?.service
      if (service?.namespace && service.name) found.push({by: `apiservice/${apiService.metadata.name}`, name: service.name, namespace: service.namespace, reason: 'apiservice'})
    }
    return found
  } catch (error) {
    if (error instanceof ApiError && [401, 403, 404].includes(error.code)) return undefined
    throw error
  }
}
