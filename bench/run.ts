/**
 * `npm run bench [-- a b c d e]`: runs the chosen parts (all by default), merges each into bench/results.json as it
 * finishes, renders bench/RESULTS.md and prints a summary table.
 *   a  switch lateness of 50 windows within one --horizon 55s pass (~70 s)
 *   b  steady-state pass at scale: 100 namespaces, 2,000 Ingresses, 500 windows
 *   c  full apply of 100 windows from nothing
 *   d  CLI start-up (bench/startup.ts, hyperfine)
 *   e  the rendered page under wrk against real nginx vs a static file
 *   f  a burst: 500 targets of four kinds starting and ending at the same second, at 0 ms and 20 ms a request
 *   g  steady-state pass ten times larger: 500 namespaces, 10,000 Ingresses, 2,000 windows
 *   h  the burst at 20 ms a request with 10 % of requests rejected 429 (Retry-After: 1)
 *   i  a pass with hostile tenants (issue 12) beside the clean pass: wall time and peak RSS
 *   j  the gate under wrk: through the gate vs directly vs a bare proxy, for a static nginx, a Node app and a Node app waiting 5 ms; the gated page
 */
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {measureBurst} from './burst.js'
import {measureFullApply} from './full-apply.js'
import {measureGateThroughput} from './gate-throughput.js'
import {measureHostileTenants} from './hostile-tenants.js'
import {measureLargeSteady} from './large-steady.js'
import {describeMachine} from './machine.js'
import {measurePageThroughput} from './page-throughput.js'
import {type BenchResults, RESULTS_MD, mergeResults, readResults, resultsMarkdown, summaryRows, textTable} from './results.js'
import {runStartupBench} from './startup-part.js'
import {measureSteadyState} from './steady-state.js'
import {measureSwitchLateness} from './switch-lateness.js'

type Log = (line: string) => void

const PARTS: Record<string, {title: string; run: (log: Log) => Promise<BenchResults>}> = {
  a: {run: async (log) => ({switchLateness: await measureSwitchLateness(log)}), title: 'switch lateness'},
  b: {run: async (log) => ({steadyState: await measureSteadyState(log)}), title: 'steady-state pass at scale'},
  c: {run: async (log) => ({fullApply: await measureFullApply(log)}), title: 'full apply of 100 windows'},
  d: {
    run: async () => {
      await runStartupBench()
      return {}
    },
    title: 'CLI start-up',
  },
  e: {run: async (log) => ({pageThroughput: await measurePageThroughput(log)}), title: 'the page under wrk'},
  f: {
    run: async (log) => ({
      burst: {
        runs: [
          await measureBurst(log, {jitterMs: 0, latencyMs: 0, seed: 19, throttleRate: 0}),
          await measureBurst(log, {jitterMs: 10, latencyMs: 15, seed: 19, throttleRate: 0}),
        ],
      },
    }),
    title: 'a burst of 500 transitions at one second',
  },
  g: {run: async (log) => ({largeSteady: await measureLargeSteady(log)}), title: 'steady-state pass ten times larger'},
  h: {run: async (log) => ({burst429: await measureBurst(log, {jitterMs: 10, latencyMs: 15, seed: 429, throttleRate: 0.1})}), title: 'the burst with 10 % 429'},
  i: {run: async (log) => ({hostileTenants: await measureHostileTenants(log)}), title: 'a pass with hostile tenants'},
  j: {run: async (log) => ({gateThroughput: await measureGateThroughput(log)}), title: 'the gate under wrk'},
}

export function selectedParts(argv: string[]): string[] {
  const chosen = argv.flatMap((arg) => arg.toLowerCase().split(/[\s,]+/)).filter(Boolean)
  const unknown = chosen.filter((part) => !(part in PARTS))
  if (unknown.length > 0) throw new Error(`unknown part(s) ${unknown.join(', ')}: choose from ${Object.keys(PARTS).join(' ')}`)
  return chosen.length > 0 ? [...new Set(chosen)].sort() : Object.keys(PARTS)
}

async function main(): Promise<void> {
  const parts = selectedParts(process.argv.slice(2))
  const log: Log = (line) => process.stdout.write(`${line}\n`)
  const failures: string[] = []
  for (const part of parts) {
    log(`(${part}) ${PARTS[part].title}`)
    const started = Date.now()
    try {
      mergeResults({...(await PARTS[part].run(log)), machine: describeMachine()})
      log(`(${part}) done in ${((Date.now() - started) / 1000).toFixed(0)} s`)
    } catch (error) {
      failures.push(`(${part}) ${error instanceof Error ? error.message : String(error)}`)
      log(`(${part}) FAILED: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  const results = readResults()
  writeFileSync(RESULTS_MD, resultsMarkdown(results))
  const rows = summaryRows(results)
  if (rows.length > 0) log(`\n${textTable([['PART', 'METRIC', 'VALUE', 'TARGET'], ...rows])}`)
  log(`\nwritten: ${path.relative(process.cwd(), RESULTS_MD)} and bench/results.json`)
  if (failures.length > 0) {
    process.stderr.write(`${failures.join('\n')}\n`)
    process.exitCode = 1
  }
}

await main()
