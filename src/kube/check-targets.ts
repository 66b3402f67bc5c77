import type {ObservedTarget} from '../engine/types.js'

import {type SwitchDecision, checkSwitch, summarizeDecisions} from '../engine/switch-check.js'
import {UserError} from '../model/errors.js'
import {TargetAnnotation} from '../model/keys.js'
import {type TargetRef, formatTarget} from '../model/target.js'
import {type KubeClient} from './client.js'
import {readProtectedServices} from './protected-services.js'
import {targetType} from './targets.js'

export interface CheckedTargets {
  decisions: Array<{target: TargetRef; decision: SwitchDecision}>
  /** Targets where nothing would change, while another target of the window does switch. */
  warnings: string[]
}

/**
 * The engine's pre-switch check (SPEC §7) with what the command can read, before anything is written: a refused
 * target, or a window where nothing would change, is a UserError (exit 2). Objects already in maintenance were
 * decided when they were switched and pass.
 */
export async function checkTargets(client: KubeClient, namespace: string, refs: TargetRef[], force: boolean): Promise<CheckedTargets> {
  const observed: ObservedTarget[] = []
  const neighbours: ObservedTarget[] = []
  const listed = new Set<string>()
  for (const ref of refs) {
    const type = await targetType(client, ref.kind)
    if (!type) continue
    const object = await client.getIfExists(type, namespace, ref.name)
    if (object && object.metadata.annotations?.[TargetAnnotation.original] === undefined) observed.push({namespace, object, ref})
    if ((ref.kind === 'httproute' || ref.kind === 'ingressroute') && !listed.has(ref.kind)) {
      listed.add(ref.kind)
      for (const other of await client.list(type, namespace)) neighbours.push({namespace, object: other, ref: {kind: ref.kind, name: other.metadata.name}})
    }
  }
  const protectedServices = observed.some((t) => t.ref.kind === 'service') ? await readProtectedServices(client) : undefined
  const decisions = observed.map((target) => ({decision: checkSwitch(target, {force, neighbours, protectedServices}), target: target.ref}))
  const {errors, warnings} = summarizeDecisions(decisions)
  if (errors.length > 0) throw new UserError(errors.join('\n')) // one refusal per line, each printed as its own `error:` line
  return {decisions, warnings}
}

/** What the routing summary adds to each target's line: `kept: redirect`, `tls`, `forced: webhook`. */
export function decisionNotes(checked: CheckedTargets | undefined): Map<string, string> {
  const notes = new Map<string, string>()
  for (const {decision, target} of checked?.decisions ?? []) {
    const note = decision.verdict === 'switch' ? decision.notes.join(', ') : decision.note
    if (note) notes.set(formatTarget(target), note)
  }
  return notes
}
