import {Flags} from '@oclif/core'

import {type KubeClient, type KubeObject} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import {windowSelector} from '../kube/windows.js'
import {ClusterError} from '../model/errors.js'

export const watchFlag = Flags.boolean({char: 'w', description: 'After listing, watch for changes and print each changed window, until interrupted (kubectl get -w).'})

/** The collection's resourceVersion now: a watch from it misses nothing that happens after. */
export async function currentVersion(client: KubeClient, namespace: string | undefined, labelSelector?: string): Promise<string | undefined> {
  const page = await client.request<{metadata?: {resourceVersion?: string}}>('GET', collectionPathOf(namespace), {query: {labelSelector: windowSelector(labelSelector), limit: '1'}})
  return page.metadata?.resourceVersion
}

function collectionPathOf(namespace: string | undefined): string {
  return namespace === undefined ? '/api/v1/configmaps' : `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`
}

/** Window ConfigMaps as they change after `resourceVersion`, watching again where the server ends a watch. */
export async function* watchWindows(client: KubeClient, namespace: string | undefined, labelSelector: string | undefined, resourceVersion: string | undefined): AsyncGenerator<{type: string; object: KubeObject}> {
  let since = resourceVersion
  for (;;) {
    for await (const event of client.watch<KubeObject>(Resources.configMaps, namespace, {labelSelector: windowSelector(labelSelector), resourceVersion: since})) {
      if (event.type === 'ERROR') {
        const status = event.object as unknown as {message?: string; code?: number}
        throw new ClusterError(`watching windows: ${status.message ?? 'the server ended the watch'}`, status.code)
      }
      if (event.type === 'BOOKMARK') continue
      since = event.object.metadata.resourceVersion ?? since
      yield event
    }
  }
}
