import {Flags} from '@oclif/core'

import {UserError} from '../model/errors.js'
import {parseAnnounce} from '../model/exceptions.js'
import {type TargetRef, parseTarget} from '../model/target.js'
import {FOLDS, machineZone, parseZone} from '../model/time.js'

/** Runs a parser of one flag's value, naming the flag in its error so users see which input was wrong. */
export function fromFlag<T>(flag: string, parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    if (error instanceof UserError) throw new UserError(`--${flag}: ${error.message}`)
    throw error
  }
}

export function zoneFlag(text: string | undefined): string {
  return text === undefined ? machineZone() : fromFlag('timezone', () => parseZone(text))
}

/** TARGET... as typed, each checked, duplicates dropped. */
export function parseTargets(texts: string[]): TargetRef[] {
  const targets: TargetRef[] = []
  for (const text of texts) {
    const target = parseTarget(text)
    if (!targets.some((known) => known.kind === target.kind && known.name === target.name)) targets.push(target)
  }
  return targets
}

export const CREATE_OUTPUTS = ['table', 'json', 'yaml', 'name'] as const

/** `--announce DUR` of schedule and now: how long before the start the schedule feed announces the window. */
export const announceFlag = Flags.string({description: 'How long before the start the schedule feed announces it (banner time in schedule.json, alarm in schedule.ics): 24h (default), 7d, 30m.'})

/** The --announce value to store (its compact form), checked. */
export function announceOf(text: string | undefined): string | undefined {
  return text === undefined ? undefined : fromFlag('announce', () => parseAnnounce(text)).text
}

/** `--fold`: which of the two instants a local time means on a night clocks go back (python's and Temporal's word). */
export const foldFlag = Flags.option({
  description: 'For a local time that happens twice (the night clocks go back): earlier (before the change) or later (after it).',
  options: FOLDS,
})()

/** What `list -o name` prints (`window/NAME`) and kubectl's spelling of the ConfigMap (`configmap/NAME`, `cm/NAME`). */
const WINDOW_PREFIX = /^(?:windows?|configmaps?|cm)\//

/** A window as typed: `NAME`, `window/NAME` or `configmap/NAME`; targets (`ingress/shop`) pass through unchanged. */
export function windowName(text: string): string {
  return text.replace(WINDOW_PREFIX, '')
}

/** For an Args definition: `window: Args.string({parse: windowArg, ...})`. */
export async function windowArg(input: string): Promise<string> {
  return windowName(input)
}
