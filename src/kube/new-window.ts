import type {Window} from '../model/window.js'

import {UserError} from '../model/errors.js'
import {DEFAULT_PAGE, PAGE_CONFIGMAP_PREFIX} from '../model/keys.js'
import {type TargetRef, formatTarget, formatTargets, sameTarget} from '../model/target.js'
import {generateWindowName} from '../model/window-name.js'
import {type InstallContext, type WindowDraft, windowsOverlap} from '../engine/new-window.js'
import {alreadyExistsError, identicalWindow} from '../engine/repeat.js'
import {type CheckedTargets, checkTargets} from './check-targets.js'
import {type KubeClient} from './client.js'
import {findInstall, installNamespace} from './install-context.js'
import {Resources} from './resources.js'
import {targetType} from './targets.js'
import {listWindows} from './windows.js'

export interface PreparedWindow {
  window: Window
  /** One warning per existing window that overlaps the new one on a shared target. */
  overlaps: string[]
  /** Where the tool is installed and which namespaces its CronJobs reconcile. */
  install: InstallContext
  /** The engine's pre-switch decisions for each target (SPEC §7); refusals have already failed with exit 2. */
  checked: CheckedTargets
  /** The windows of the namespace as read. */
  existing: Window[]
}

/** What a new window is checked against, read once: the targets' pre-switch decisions and the namespace's windows. */
export interface NewWindowInputs {
  checked: CheckedTargets
  existing: Awaited<ReturnType<typeof listWindows>>
}

/**
 * Everything that needs the cluster, read-only: targets exist, the page exists, the name is free; then the name and
 * what to warn about. Nothing is written, so a failure here leaves the cluster as it was.
 */
export async function prepareNewWindow(client: KubeClient, draft: WindowDraft, now: number): Promise<PreparedWindow> {
  return completeNewWindow(client, draft, now, await readNewWindowInputs(client, draft))
}

/** The first half of prepareNewWindow: wrong input (a target or page that does not exist, a refused target) fails here. */
export async function readNewWindowInputs(client: KubeClient, draft: WindowDraft): Promise<NewWindowInputs> {
  const {namespace} = draft
  for (const target of draft.targets) {
    await assertTargetExists(client, namespace, target)
  }
  const checked = await checkTargets(client, namespace, draft.targets, draft.force === true)
  if (draft.page !== DEFAULT_PAGE) await assertPageExists(client, namespace, draft.page)
  return {checked, existing: await listWindows(client, namespace)}
}

/** The second half: the same window twice is AlreadyExists; otherwise a free name and the overlap warnings. */
export async function completeNewWindow(client: KubeClient, draft: WindowDraft, now: number, {checked, existing}: NewWindowInputs): Promise<PreparedWindow> {
  const same = draft.name === undefined ? identicalWindow(existing.windows, draft) : undefined
  if (same) throw alreadyExistsError(same)
  const name = await chooseName(client, draft, new Set(existing.configMaps.map((cm) => cm.metadata.name)))
  const window: Window = {...draft, name}
  const overlaps = existing.windows
    .filter((other) => other.phase !== 'Cancelled' && other.phase !== 'Completed' && other.phase !== 'Failed')
    .filter((other) => other.targets.some((target) => window.targets.some((mine) => sameTarget(mine, target))))
    .filter((other) => windowsOverlap(window, other, now))
    .map((other) => `window "${name}" overlaps window "${other.name}" on ${sharedTargets(window, other)}; the one that started last decides the page`)
  return {checked, existing: existing.windows, install: await findInstall(client), overlaps, window}
}

function sharedTargets(a: Window, b: Window): string {
  return formatTargets(a.targets.filter((target) => b.targets.some((other) => sameTarget(other, target))))
}

export async function assertTargetExists(client: KubeClient, namespace: string, target: TargetRef): Promise<void> {
  const type = await targetType(client, target.kind)
  if (!type) {
    throw new UserError(`${formatTarget(target)}: this cluster does not serve the ${target.kind} kind${target.kind === 'ingressroute' ? ' (neither traefik.io nor traefik.containo.us)' : ''}; install its CRDs or name another target`)
  }
  const object = await client.getIfExists(type, namespace, target.name)
  if (!object) throw new UserError(`${formatTarget(target)} not found in namespace ${namespace}`)
}

/** A page in the target's namespace wins over one of the same name in the install namespace (SPEC §2). */
export async function assertPageExists(client: KubeClient, namespace: string, page: string): Promise<void> {
  const configMap = PAGE_CONFIGMAP_PREFIX + page
  const shared = installNamespace()
  for (const where of new Set([namespace, shared])) {
    if (await client.getIfExists(Resources.configMaps, where, configMap)) return
  }
  throw new UserError(
    `page "${page}" not found: no ConfigMap ${configMap} in namespace ${namespace} nor in ${shared}; see kubectl maintenance page list, or create it with kubectl maintenance page create ${page}`,
  )
}

async function chooseName(client: KubeClient, draft: WindowDraft, taken: Set<string>): Promise<string> {
  if (draft.name !== undefined) {
    if (taken.has(draft.name)) throw new UserError(`window "${draft.name}" already exists in namespace ${draft.namespace}; choose another --name`)
    if (await client.getIfExists(Resources.configMaps, draft.namespace, draft.name)) {
      throw new UserError(`a ConfigMap named "${draft.name}" already exists in namespace ${draft.namespace}; choose another --name`)
    }
    return draft.name
  }
  // Windows are the likely clashes; another ConfigMap of the same name is caught by a GET and the next name is tried.
  for (;;) {
    const name = generateWindowName(draft.targets, draft.start, draft.timezone, taken)
    if (!(await client.getIfExists(Resources.configMaps, draft.namespace, name))) return name
    taken.add(name)
  }
}
