/**
 * The bypass secret of a window, kept in a Secret of the window's namespace and owned by the window ConfigMap (so it
 * goes when the window goes). Only the CLI reads or writes it, with the user's own credentials: the engine and its
 * CronJob never read Secrets, the window holds a salted digest, and nothing the engine renders holds the secret.
 */
import type {KubeObject} from './client.js'

import {BYPASS_SECRET_KEY, bypassSecretName} from '../model/gate.js'
import {MANAGED_BY, MANAGED_BY_LABEL, ROLE_LABEL} from '../model/keys.js'
import {type KubeClient} from './client.js'
import {Resources} from './resources.js'

export const BYPASS_ROLE = 'bypass'

export async function createBypassSecret(client: KubeClient, window: KubeObject, secret: string, dryRun = false): Promise<void> {
  const {name, namespace, uid} = window.metadata
  await client.create(
    Resources.secrets,
    namespace,
    {
      apiVersion: 'v1',
      data: {[BYPASS_SECRET_KEY]: Buffer.from(secret, 'utf8').toString('base64')},
      immutable: true,
      kind: 'Secret',
      metadata: {
        labels: {[MANAGED_BY_LABEL]: MANAGED_BY, [ROLE_LABEL]: BYPASS_ROLE},
        name: bypassSecretName(name),
        namespace,
        ...(uid ? {ownerReferences: [{apiVersion: 'v1', controller: true, kind: 'ConfigMap', name, uid}]} : {}),
      },
      type: 'Opaque',
    },
    dryRun,
  )
}

/** The window's bypass secret, or undefined when its Secret is missing or not the one made for this window. */
export async function readBypassSecret(client: KubeClient, namespace: string, window: KubeObject): Promise<string | undefined> {
  const secret = await client.getIfExists<KubeObject & {data?: Record<string, string>}>(Resources.secrets, namespace, bypassSecretName(window.metadata.name))
  if (!secret) return undefined
  const owners = (secret.metadata as {ownerReferences?: Array<{uid?: string}>}).ownerReferences ?? []
  if (window.metadata.uid !== undefined && !owners.some((owner) => owner.uid === window.metadata.uid)) return undefined
  const value = secret.data?.[BYPASS_SECRET_KEY]
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8')
}
