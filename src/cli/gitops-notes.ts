import type {KubeClient} from '../kube/client.js'
import type {Window} from '../model/window.js'

import {gitopsOwner, gitopsPlan} from '../engine/gitops.js'
import {getTarget} from '../kube/targets.js'
import {formatTarget} from '../model/target.js'

/** For `schedule` and `now`: one line per target a GitOps tool owns, naming the tool and what the engine will do. */
export async function gitopsNotes(client: KubeClient, window: Window): Promise<string[]> {
  const notes: string[] = []
  for (const ref of window.targets) {
    const object = await getTarget(client, window.namespace, ref)
    const owner = object ? gitopsOwner(object) : undefined
    if (owner) notes.push(`${formatTarget(ref)} is managed by ${owner.tool} (${owner.evidence}): ${gitopsPlan(owner, window.gitopsPause !== false)}`)
  }
  return notes
}

export const GITOPS_PAUSE_DESCRIPTION =
  'Pause Flux on Flux-managed targets while they are switched (kustomize.toolkit.fluxcd.io/reconcile: disabled, restored after); --no-gitops-pause leaves Flux running.'
