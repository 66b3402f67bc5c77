import type {Window} from '../model/window.js'

import {UserError} from '../model/errors.js'
import {ROLE_LABEL, Role} from '../model/keys.js'
import {configMapToWindow, windowToConfigMap} from '../model/window-codec.js'
import {type CancelDecision, type EndChange, cancelAnnotations, cancelDecision, endChange, historyData} from '../engine/window-changes.js'
import {type KubeClient, type KubeObject, isAlreadyExists, isConflict, isNotFound} from './client.js'
import {recordEvent} from './events.js'
import {Resources} from './resources.js'

export const WINDOW_SELECTOR = `${ROLE_LABEL}=${Role.window}`

/** A ConfigMap labelled as a window whose annotations do not make a valid window. */
export interface InvalidWindowConfigMap {
  name: string
  namespace: string
  problems: string[]
  configMap: KubeObject
}

export interface WindowListing {
  windows: Window[]
  invalid: InvalidWindowConfigMap[]
  /** Every window ConfigMap as stored, valid or not, in the order the API returned them. */
  configMaps: KubeObject[]
}

/** The label selector for windows, AND-ed with the user's `-l` (a comma means AND in label selectors). */
export function windowSelector(userSelector?: string): string {
  return userSelector?.trim() ? `${WINDOW_SELECTOR},${userSelector.trim()}` : WINDOW_SELECTOR
}

/** Windows of one namespace, or of every namespace when `namespace` is undefined. */
export async function listWindows(client: KubeClient, namespace: string | undefined, labelSelector?: string): Promise<WindowListing> {
  const configMaps = await client.list(Resources.configMaps, namespace, {labelSelector: windowSelector(labelSelector)})
  return {configMaps, ...decodeWindows(configMaps)}
}

/** Window ConfigMaps as windows, and those whose annotations do not make one with their problems. */
export function decodeWindows(configMaps: KubeObject[]): {windows: Window[]; invalid: InvalidWindowConfigMap[]} {
  const decoded: {windows: Window[]; invalid: InvalidWindowConfigMap[]} = {invalid: [], windows: []}
  for (const configMap of configMaps) {
    const {window, problems} = configMapToWindow(configMap)
    if (window && problems.length === 0) {
      decoded.windows.push(window)
    } else {
      decoded.invalid.push({configMap, name: configMap.metadata.name, namespace: configMap.metadata.namespace ?? '', problems})
    }
  }
  return decoded
}

export function windowNotFound(namespace: string, name: string): UserError {
  return new UserError(`window "${name}" not found in namespace "${namespace}"; list them with kubectl maintenance list -n ${namespace}`)
}

/** The window ConfigMap as stored; a missing one, or a ConfigMap that is not a window, is a user error. */
export async function getWindowConfigMap(client: KubeClient, namespace: string, name: string): Promise<KubeObject> {
  const configMap = await client.getIfExists(Resources.configMaps, namespace, name)
  if (!configMap) throw windowNotFound(namespace, name)
  if (configMap.metadata.labels?.[ROLE_LABEL] !== Role.window) {
    throw new UserError(`configmap "${name}" in namespace "${namespace}" is not a maintenance window (it lacks the label ${WINDOW_SELECTOR}); list windows with kubectl maintenance list -n ${namespace}`)
  }
  return configMap
}

export async function getWindow(client: KubeClient, namespace: string, name: string): Promise<Window> {
  const {window, problems} = configMapToWindow(await getWindowConfigMap(client, namespace, name))
  if (!window || problems.length > 0) {
    throw new UserError(`window "${name}" in namespace "${namespace}" is invalid: ${problems.join('; ')}; fix it with kubectl edit configmap ${name} -n ${namespace}`)
  }
  return window
}

/** Writes a new window; with dryRun the API server validates and answers without storing. Returns what the server stored. */
export async function createWindow(client: KubeClient, window: Window, dryRun = false, labels: Record<string, string> = {}): Promise<KubeObject> {
  const configMap = windowToConfigMap(window)
  // The user's labels (--label, for -l to select) beside ours, which they cannot replace.
  configMap.metadata.labels = {...labels, ...configMap.metadata.labels}
  try {
    return await client.create(Resources.configMaps, window.namespace, configMap, dryRun)
  } catch (error) {
    // Someone took the name between our check and the write: nothing was written, so it is the user's to resolve.
    if (isAlreadyExists(error)) {
      throw new UserError(`a ConfigMap named "${window.name}" already exists in namespace "${window.namespace}"; choose another --name`)
    }
    throw error
  }
}

/**
 * Sets (string) or removes (null) window annotations with a JSON merge patch. With `resourceVersion` the patch only
 * applies to that version of the window (409 Conflict otherwise), so a decision made on what was read stays valid.
 */
export async function patchWindowAnnotations(
  client: KubeClient,
  namespace: string,
  name: string,
  annotations: Record<string, string | null>,
  options: {resourceVersion?: string; dryRun?: boolean; data?: Record<string, string>} = {},
): Promise<KubeObject> {
  const metadata: Record<string, unknown> = {annotations}
  if (options.resourceVersion) metadata.resourceVersion = options.resourceVersion
  try {
    return await client.patch(Resources.configMaps, namespace, name, 'merge', {metadata, ...(options.data ? {data: options.data} : {})}, {dryRun: options.dryRun})
  } catch (error) {
    if (isNotFound(error)) throw windowNotFound(namespace, name)
    throw error
  }
}

/** Ends a started window at `now` as engine/window-changes.ts decides (for a recurring one, the occurrence in progress unless `whole`). */
export async function endWindow(client: KubeClient, window: Window, now: number, whole = false): Promise<EndChange> {
  const change = endChange(window, now, whole)
  const data = historyData(window, change.annotations, now, client.actor())
  // A phase change carries its history entry, so it is written only on the version read.
  await patchWindowAnnotations(client, window.namespace, window.name, change.annotations, data ? {data, resourceVersion: window.resourceVersion} : {})
  return change
}

/**
 * Cancels a window that has not started, or ends it whole when it has (the decision of engine/window-changes.ts). The
 * cancel is written only on the version read: if the engine started the window meanwhile, it decides again on what it wrote.
 */
export async function cancelWindow(client: KubeClient, read: Window, now: number): Promise<{decision: CancelDecision; end?: number}> {
  let window = read
  for (let attempt = 1; ; attempt++) {
    const decision = cancelDecision(window, now)
    if (decision !== 'cancel' && decision !== 'end') return {decision}
    try {
      if (decision === 'end') return {decision, end: (await endWindow(client, window, now, true)).end}
      const annotations = cancelAnnotations(window, now)
      await patchWindowAnnotations(client, window.namespace, window.name, annotations, {data: historyData(window, annotations, now, client.actor()), resourceVersion: window.resourceVersion})
      const involved = {apiVersion: 'v1', kind: 'ConfigMap', name: window.name, namespace: window.namespace, uid: window.uid}
      await recordEvent(client, involved, 'MaintenanceCancelled', 'cancelled before its start; it will not be applied', 'Normal', now)
      return {decision}
    } catch (error) {
      if (!isConflict(error) || attempt >= 3) throw error
      window = await getWindow(client, window.namespace, window.name)
    }
  }
}
