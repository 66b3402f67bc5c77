/**
 * (g) A steady-state pass on a cluster ten times (b)'s size: 500 namespaces, 10,000 Ingresses, 2,000 windows of
 * which 500 active. The same measurement as (b); and the same fleet at a tenth of the size, to show that the
 * requests a pass makes do not grow with the number of objects, except the further pages of large lists.
 */
import type {Fleet} from './fixtures.js'

import {type SteadyStateResult, measureSteadyState} from './steady-state.js'

export interface LargeSteadyResult extends SteadyStateResult {
  /** The same fleet at a tenth of the size, for comparison. */
  tenth: {namespaces: number; ingresses: number; windows: number; requests: SteadyStateResult['requests']}
}

export const LARGE: Fleet = {activePerNamespace: 1, ingressesPerNamespace: 20, namespaces: 500, windowsPerNamespace: 4}
const TENTH: Fleet = {...LARGE, namespaces: 50}

export async function measureLargeSteady(log: (line: string) => void): Promise<LargeSteadyResult> {
  const tenth = await measureSteadyState(log, TENTH, 'g, a tenth')
  const large = await measureSteadyState(log, LARGE, 'g')
  return {...large, tenth: {ingresses: tenth.ingresses, namespaces: tenth.namespaces, requests: tenth.requests, windows: tenth.windows}}
}

