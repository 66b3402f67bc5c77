import {Args, Flags} from '@oclif/core'

import {KubeCommand, formatResults, outputFlag} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {parseTargets} from '../cli/window-input.js'
import {type TargetStatus, statusHeaders, statusRow} from '../cli/windows-table.js'
import {gitopsState} from '../engine/gitops.js'
import {type KubeClient, type KubeObject} from '../kube/client.js'
import {Resources} from '../kube/resources.js'
import {targetType} from '../kube/targets.js'
import {listWindows} from '../kube/windows.js'
import {UserError} from '../model/errors.js'
import {ACTIVE_LABEL, TargetAnnotation} from '../model/keys.js'
import {TARGET_KINDS, type TargetRef, formatTarget, sameTarget} from '../model/target.js'
import {type Window} from '../model/window.js'
import {currentInterval, isOver, nextInterval} from '../model/window-schedule.js'

interface Found {
  namespace: string
  ref: TargetRef
  object?: KubeObject
}

export default class Status extends KubeCommand<typeof Status> {
  static args = {
    target: Args.string({description: 'Targets to show (default: every target in maintenance or named by a window that is not over).', multiple: true}),
  }

  static description = `Show whether targets are in maintenance, which window put them there, the backend serving the page, whether it is ready, and when maintenance ends.
Without TARGET: every target of the namespace that is in maintenance or named by a window that is not over or cancelled.`

  static examples = ['<%= config.bin %> <%= command.id %> -n shop', '<%= config.bin %> <%= command.id %> ingress/shop -n shop', '<%= config.bin %> <%= command.id %> -A']

  static flags = {
    'all-namespaces': Flags.boolean({char: 'A', description: 'Every namespace.'}),
    output: outputFlag,
  }

  async run(): Promise<void> {
    const at = now()
    const allNamespaces = this.flags['all-namespaces']
    const refs = parseTargets(this.args.target ?? [])
    if (allNamespaces && refs.length > 0) throw new UserError('targets are looked up in one namespace: drop -A and pass -n NAMESPACE')
    const client = await this.client()
    const namespace = allNamespaces ? undefined : client.namespace
    const windows = (await listWindows(client, namespace)).windows.filter((w) => w.phase !== 'Cancelled' && w.phase !== 'Completed')
    const found = refs.length > 0 ? await this.named(client, client.namespace, refs) : await this.discovered(client, namespace, windows, at)
    const statuses: TargetStatus[] = []
    for (const target of found) {
      statuses.push(await this.status(client, target, windows, at))
    }
    statuses.sort((a, b) => `${a.namespace}/${formatTarget(a.target)}`.localeCompare(`${b.namespace}/${formatTarget(b.target)}`))
    if (statuses.length === 0 && (this.flags.output === 'table' || this.flags.output === 'wide')) {
      process.stderr.write(allNamespaces ? 'No targets in maintenance or scheduled for it\n' : `No targets in maintenance or scheduled for it in ${namespace} namespace.\n`)
      return
    }
    // A GITOPS column only where a GitOps tool owns a target, so other clusters see the table they always did.
    const gitops = statuses.some((status) => status.gitops !== undefined)
    const rows = statuses.map((status) => {
      const row = statusRow(status, allNamespaces)
      return gitops ? {...row, cells: [...row.cells, status.gitops ?? '<none>'], data: {...(row.data as object), gitops: status.gitops}} : row
    })
    this.log(formatResults(this.flags.output, [...statusHeaders(allNamespaces), ...(gitops ? ['GITOPS'] : [])], [], rows))
  }

  private async named(client: KubeClient, namespace: string, refs: TargetRef[]): Promise<Found[]> {
    const found: Found[] = []
    for (const ref of refs) {
      const type = await targetType(client, ref.kind)
      const object = type ? await client.getIfExists(type, namespace, ref.name) : undefined
      if (!object) this.warnUser(`${formatTarget(ref)} not found in namespace ${namespace}`)
      found.push({namespace, object, ref})
    }
    return found
  }

  /** Targets labelled as in maintenance, plus those a live window names (they may not exist yet). */
  private async discovered(client: KubeClient, namespace: string | undefined, windows: Window[], at: number): Promise<Found[]> {
    const found: Found[] = []
    for (const kind of TARGET_KINDS) {
      const type = await targetType(client, kind)
      if (!type) continue
      for (const object of await client.list(type, namespace, {labelSelector: `${ACTIVE_LABEL}=true`})) {
        found.push({namespace: object.metadata.namespace ?? '', object, ref: {kind, name: object.metadata.name}})
      }
    }
    for (const window of windows.filter((w) => !isOver(w, at))) {
      for (const ref of window.targets) {
        if (found.some((f) => f.namespace === window.namespace && sameTarget(f.ref, ref))) continue
        const type = await targetType(client, ref.kind)
        const object = type ? await client.getIfExists(type, window.namespace, ref.name) : undefined
        found.push({namespace: window.namespace, object, ref})
      }
    }
    return found
  }

  private async status(client: KubeClient, {namespace, object, ref}: Found, windows: Window[], at: number): Promise<TargetStatus> {
    const mine = windows.filter((w) => w.namespace === namespace && w.targets.some((t) => sameTarget(t, ref)))
    const inMaintenance = object?.metadata.labels?.[ACTIVE_LABEL] === 'true'
    if (!inMaintenance) {
      const next = mine
        .map((w) => ({interval: nextInterval(w, at), w}))
        .filter(({interval}) => interval !== undefined)
        .sort((a, b) => (a.interval?.start ?? 0) - (b.interval?.start ?? 0))[0]
      const gitops = object ? gitopsState(object, ref.kind, false, next?.w.gitopsPause !== false) : undefined
      return {inMaintenance, namespace, target: ref, window: next?.w.name, ...(gitops ? {gitops} : {})}
    }
    const annotations = object?.metadata.annotations ?? {}
    const backend = annotations[TargetAnnotation.backend]
    const window = mine.find((w) => w.name === annotations[TargetAnnotation.window])
    const ends = window ? currentInterval(window, at)?.end ?? (window.every ? undefined : window.end) : undefined
    const gitops = object ? gitopsState(object, ref.kind, true, window?.gitopsPause !== false) : undefined
    return {
      ...(gitops ? {gitops} : {}),
      backend,
      ends,
      inMaintenance,
      namespace,
      ready: backend ? await readiness(client, namespace, backend) : undefined,
      target: ref,
      timezone: window?.timezone,
      window: annotations[TargetAnnotation.window],
    }
  }
}

async function readiness(client: KubeClient, namespace: string, backend: string): Promise<string> {
  const deployment = await client.getIfExists<{spec?: {replicas?: number}; status?: {readyReplicas?: number}}>(Resources.deployments, namespace, backend)
  if (!deployment) return '<missing>'
  return `${deployment.status?.readyReplicas ?? 0}/${deployment.spec?.replicas ?? 1}`
}
