import {UserError} from '../model/errors.js'
import {type TargetRef, parseTarget} from '../model/target.js'
import {machineZone, parseZone} from '../model/time.js'

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
