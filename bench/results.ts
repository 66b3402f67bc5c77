/** bench/results.json (merged part by part, keeping keys others write) and bench/RESULTS.md rendered from it. */
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import type {FullApplyResult} from './full-apply.js'
import type {HostileTenantsResult} from './hostile-tenants.js'
import type {Machine} from './machine.js'
import type {PageThroughputResult} from './page-throughput.js'
import type {PassPhases} from './request-log.js'
import type {Measurement} from './startup.js'
import type {SteadyStateResult} from './steady-state.js'
import type {SwitchLatenessResult} from './switch-lateness.js'

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const RESULTS_JSON = path.join(PROJECT_ROOT, 'bench', 'results.json')
export const RESULTS_MD = path.join(PROJECT_ROOT, 'bench', 'RESULTS.md')

export interface StartupResult {
  cpus: string
  date: string
  measurements: Measurement[]
  node: string
  tool: string
  loadAverage1m?: number
}

export interface BenchResults {
  machine?: Machine
  switchLateness?: SwitchLatenessResult
  steadyState?: SteadyStateResult
  fullApply?: FullApplyResult
  startup?: StartupResult
  pageThroughput?: PageThroughputResult
  hostileTenants?: HostileTenantsResult
  [other: string]: unknown
}

export function readResults(file = RESULTS_JSON): BenchResults {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BenchResults) : {}
}

/** Read just before writing: another script (bench/startup.ts) may have written its key meanwhile. */
export function mergeResults(partial: BenchResults, file = RESULTS_JSON): BenchResults {
  const merged = {...readResults(file), ...partial}
  writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`)
  return merged
}

export type Row = [part: string, metric: string, value: string]

const ms = (value: number) => `${value} ms`
const count = (value: number) => value.toLocaleString('en-US')

export function summaryRows(results: BenchResults): Row[] {
  const rows: Row[] = []
  const a = results.switchLateness
  if (a) {
    const part = `(a) switch lateness, ${a.windows} windows`
    rows.push([part, 'median / p95 / max', `${ms(a.latenessMs.median)} / ${ms(a.latenessMs.p95)} / ${ms(a.latenessMs.max)}`])
    rows.push([part, 'switched', `${a.switched} of ${a.windows}`])
  }
  const b = results.steadyState
  if (b) {
    const part = `(b) steady pass, ${b.namespaces} ns / ${count(b.ingresses)} Ingresses / ${b.windows} windows (${b.activeWindows} active)`
    rows.push([part, 'API requests (writes)', `${b.requests.total} (${b.writes})`])
    rows.push([part, 'wall, process (median of runs)', ms(b.wallMs.median)])
    if (b.phasesMs) rows.push([part, 'of which start-up / requests / after', `${ms(b.phasesMs.startupMs)} / ${ms(b.phasesMs.spanMs)} / ${ms(b.phasesMs.afterLastRequestMs)}`])
    rows.push([part, 'peak RSS of the pass', `${b.maxRssMiB.max} MiB`])
  }
  const c = results.fullApply
  if (c) {
    const part = `(c) full apply, ${c.windows} windows from nothing`
    const writes = c.requests.total - (c.requests.byMethod.GET ?? 0)
    rows.push([part, 'API requests (writes)', `${c.requests.total} (${writes})`])
    rows.push([part, 'wall, process', ms(c.wallMs)])
    if (c.phasesMs) rows.push([part, 'of which start-up / requests / after', `${ms(c.phasesMs.startupMs)} / ${ms(c.phasesMs.spanMs)} / ${ms(c.phasesMs.afterLastRequestMs)}`])
    rows.push([part, 'switched', `${c.switched} of ${c.windows}`])
  }
  const d = results.startup
  if (d) {
    for (const m of d.measurements) rows.push(['(d) CLI start-up (median)', `${m.form} ${m.command}`, ms(m.medianMs)])
  }
  const e = results.pageThroughput
  if (e) {
    const part = '(e) page under wrk, req/s'
    for (const run of e.medians) rows.push([part, `${run.name} (median of ${e.rounds})`, count(run.requestsPerSecond)])
    rows.push([part, 'ratio 503 / static (HTML, JSON)', `${e.ratio.html}, ${e.ratio.json}`])
  }
  const f = results.hostileTenants
  if (f) {
    for (const s of f.scenarios) {
      rows.push([`(f) pass with ${s.scenario} tenants`, 'wall (median) / peak RSS (max)', `${ms(s.wallMs.median)} / ${s.maxRssMiB.max} MiB`])
    }
  }
  return rows
}

export function textTable(rows: string[][]): string {
  const widths = rows[0].map((_cell, column) => Math.max(...rows.map((row) => row[column].length)))
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n')
}

function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map((row) => line(row))].join('\n')
}

function breakdown(writes: Record<string, number>): string {
  const entries = Object.entries(writes).sort((x, y) => y[1] - x[1])
  return entries.length === 0 ? 'none' : entries.map(([key, value]) => `${key} ${value}`).join(', ')
}

function phases(p: PassPhases | undefined): string {
  if (!p) return ''
  return `Where the process time goes: ${ms(p.startupMs)} from spawn to the first request (node + bundle start-up), ${ms(p.spanMs)} from first to last request, ${ms(p.afterLastRequestMs)} from the last request to exit.`
}

function partDetails(results: BenchResults): string[] {
  const sections: string[] = []
  const a = results.switchLateness
  if (a) {
    sections.push(
      `## (a) Switch lateness\n\n${a.windows} windows in ${a.namespaces} namespaces, one Ingress each, starting one per whole second over ${a.windows} s. ` +
        `An earlier pass created the backends ahead (lead time), the API server marks a Deployment ready after ${a.readyDelayMs} ms. ` +
        `One \`${a.command}\` started ${(a.passStartedBeforeFirstMs / 1000).toFixed(1)} s before the first start. ` +
        `Lateness = arrival of the Ingress PATCH at the API server minus the window's start.\n\n` +
        markdownTable(['switched', 'min', 'median', 'p95', 'max', 'mean'], [[`${a.switched}/${a.windows}`, ...[a.latenessMs.min, a.latenessMs.median, a.latenessMs.p95, a.latenessMs.max, a.latenessMs.mean].map(ms)]]) +
        (a.breakdownMs
          ? `\n\nWhere a switch's lateness goes (medians): ${ms(a.breakdownMs.wakeup)} from the start to the pass's first request after it (timer wake-up), ` +
            `${ms(a.breakdownMs.observe)} reading (first to last list request), ${ms(a.breakdownMs.plan)} from the last read to the PATCH (plan() and the start of apply).`
          : '') +
        `\n\nMeasured ${a.date}, load average before: ${a.loadAverage1m}.`,
    )
  }
  const b = results.steadyState
  if (b) {
    sections.push(
      `## (b) Steady-state pass at scale\n\n${b.namespaces} namespaces, ${count(b.ingresses)} Ingresses, ${b.windows} windows of which ${b.activeWindows} active and switched. ` +
        `Passes of \`${b.command}\` ran until one wrote nothing (converged after ${b.convergedAfterPasses}); then ${b.measuredPasses} steady passes were measured, ` +
        `each in its own process (the API server lives in the bench process, so the RSS is the pass's alone; /usr/bin/time).\n\n` +
        markdownTable(
          ['API requests', 'GET', 'writes', 'wall (process, median)', 'wall runs', 'peak RSS (median, max)'],
          [[String(b.requests.total), String(b.requests.byMethod.GET ?? 0), String(b.writes), ms(b.wallMs.median), b.wallMs.runs.join(', '), `${b.maxRssMiB.median}, ${b.maxRssMiB.max} MiB`]],
        ) +
        `\n\n${phases(b.phasesMs)}` +
        `\n\nMeasured ${b.date}, load average before: ${b.loadAverage1m}.`,
    )
  }
  const c = results.fullApply
  if (c) {
    sections.push(
      `## (c) Full apply of ${c.windows} windows\n\n${c.namespaces} namespaces with ${count(c.ingresses)} Ingresses; ${c.windows} active windows (one Ingress each), no backend and no phase yet. ` +
        `One \`${c.command}\` creates the backends, waits for them (ready after ${c.readyDelayMs} ms in the API server), and switches every target.\n\n` +
        markdownTable(
          ['switched', 'API requests', 'GET', 'wall (process)', 'peak RSS'],
          [[`${c.switched}/${c.windows}`, String(c.requests.total), String(c.requests.byMethod.GET ?? 0), ms(c.wallMs), `${c.maxRssMiB} MiB`]],
        ) +
        `\n\n${phases(c.phasesMs)}` +
        `\n\nWrites: ${breakdown(c.requests.writes)}.\n\nMeasured ${c.date}, load average before: ${c.loadAverage1m}.`,
    )
  }
  const d = results.startup
  if (d) {
    sections.push(
      `## (d) CLI start-up\n\nFrom bench/startup.ts (\`${d.tool}\`; \`list\` makes one request to the in-process API server).\n\n` +
        markdownTable(
          ['form', 'command', 'median', 'mean ± sd', 'min', 'max', 'cpu (user + sys, mean)'],
          d.measurements.map((m) => [m.form, m.command, ms(m.medianMs), `${m.meanMs} ± ${m.stddevMs} ms`, ms(m.minMs), ms(m.maxMs), m.cpuMs === undefined ? '' : ms(m.cpuMs)]),
        ) +
        `\n\nThe executables are built fresh from the current sources, from the pinned Node 24 as shipped and from the Node 20 running the bench. ` +
        `Measured ${d.date}${d.loadAverage1m === undefined ? '' : `, load average before: ${d.loadAverage1m}`}.`,
    )
  }
  const e = results.pageThroughput
  if (e) {
    sections.push(
      `## (e) The page under load\n\nReal ${e.nginx}, with the backend's nginx.conf rendered with local paths, plus a bench-only second server block ` +
        `serving the same HTML (${count(e.bodyBytes.html)} bytes; JSON ${count(e.bodyBytes.json)} bytes) as a plain static file. \`${e.tool}\` each, ` +
        `${e.rounds} rounds interleaved (static, HTML, JSON, static, ...) against the same nginx; wrk shares the 2 cores with nginx. Load average before: ${e.loadAverage1m}.\n\n` +
        markdownTable(
          ['response', 'Accept', 'status', 'req/s (median)', 'avg latency (median)', 'ratio to static', 'req/s per round'],
          e.medians.map((m) => [
            m.name,
            m.accept,
            String(m.status),
            count(m.requestsPerSecond),
            ms(m.latencyAvgMs),
            String(Math.round((m.requestsPerSecond / e.medians[0].requestsPerSecond) * 100) / 100),
            e.runs.filter((run) => run.name === m.name).map((run) => count(run.requestsPerSecond)).join(', '),
          ]),
        ) +
        `\n\nMeasured ${e.date}.`,
    )
  }
  const f = results.hostileTenants
  if (f) {
    const pages = f.scenarios.find((s) => s.scenario === 'pages')
    sections.push(
      `## (f) A pass with hostile tenants\n\nTwo tenants: the victim with an Ingress and a Service in an active window, the attacker with edit rights in its ` +
        `own namespace. *clean*: nothing hostile; *pages*: + 120 unrelated page ConfigMaps of ~0.9 MB in the attacker's namespace; *hostile*: + the pages, ` +
        `a 5,000-deep nested original, a role=backend ConfigMap named like a platform Deployment, a planted maintenance-<hash> ConfigMap with its own ` +
        `nginx.conf, and 25 active windows with distinct messages. Two passes settle each cluster, then \`${f.command}\` runs ${f.scenarios[0].wallMs.runs.length} times, ` +
        `each in its own process (peak RSS by /usr/bin/time). The hostile pass exits 1 by design: it reports what it could not do.\n\n` +
        markdownTable(
          ['tenants', 'objects', 'wall (median)', 'wall runs', 'peak RSS (median, max)', 'exit codes', 'victim in maintenance'],
          f.scenarios.map((s) => [s.scenario, String(s.objects), ms(s.wallMs.median), s.wallMs.runs.join(', '), `${s.maxRssMiB.median}, ${s.maxRssMiB.max} MiB`, s.exitCodes.join(', '), s.victimSwitched ? 'yes' : 'NO']),
        ) +
        (pages ? `\n\nTarget: peak RSS with the pages present <= ${f.peakRssTargetMiB} MiB: ${pages.maxRssMiB.max <= f.peakRssTargetMiB ? 'met' : 'NOT met'} (${pages.maxRssMiB.max} MiB).` : '') +
        `\n\nMeasured ${f.date}, load average before: ${f.loadAverage1m}.`,
    )
  }
  return sections
}

export function resultsMarkdown(results: BenchResults): string {
  const m = results.machine
  const machine = m
    ? `Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpuModel}, ${m.memoryGiB} GiB memory, Node ${m.node}, ${m.platform}; last run ${m.date}. ` +
      'A shared, noisy 2-core VM: read differences under ~20% as noise.'
    : 'Machine: not recorded.'
  return [
    '# Benchmarks',
    '',
    '`npm run bench` runs every part; `npm run bench -- a c` runs some (a-f). Raw numbers: bench/results.json. ' +
      'The cluster is the in-process API server (test/support) over loopback HTTP; passes run the single-file bundle built fresh from src/, ' +
      'in their own process, as the CronJob does. Benchmarks, not tests: nothing here is asserted.',
    '',
    machine,
    '',
    '## Summary',
    '',
    markdownTable(['part', 'metric', 'value'], summaryRows(results)),
    '',
    ...partDetails(results).flatMap((section) => [section, '']),
  ].join('\n')
}
