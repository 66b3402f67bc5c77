/** bench/results.json (merged part by part, keeping keys others write) and bench/RESULTS.md rendered from it. */
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {DEFAULT_CONCURRENCY} from '../src/kube/limiter.js'
import type {BurstRun, TransitionFigures} from './burst.js'
import type {FullApplyResult} from './full-apply.js'
import {GATE_WAYS, type GateThroughputResult, type GateUpstreamResult, type GateWay, gateCaseName} from './gate-throughput.js'
import type {HostileTenantsResult} from './hostile-tenants.js'
import type {LargeSteadyResult} from './large-steady.js'
import type {Machine} from './machine.js'
import type {PageThroughputResult} from './page-throughput.js'
import type {PassPhases} from './request-log.js'
import {type Measurement, versusNode} from './startup.js'
import type {SteadyStateResult} from './steady-state.js'
import {round} from './stats.js'
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
  burst?: {runs: BurstRun[]}
  largeSteady?: LargeSteadyResult
  burst429?: BurstRun
  gateThroughput?: GateThroughputResult
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

/** A summary line; `target` is the goal of issue 18 where the metric has one (empty otherwise). */
export type Row = [part: string, metric: string, value: string, target: string]

const ms = (value: number) => `${value} ms`
const count = (value: number) => value.toLocaleString('en-US')

export function summaryRows(results: BenchResults): Row[] {
  const rows: Row[] = []
  const a = results.switchLateness
  if (a) {
    const part = `(a) switch lateness, ${a.windows} windows`
    rows.push([part, 'median / p95 / max', `${ms(a.latenessMs.median)} / ${ms(a.latenessMs.p95)} / ${ms(a.latenessMs.max)}`, ''])
    rows.push([part, 'switched', `${a.switched} of ${a.windows}`, ''])
  }
  const b = results.steadyState
  if (b) {
    const part = `(b) steady pass, ${b.namespaces} ns / ${count(b.ingresses)} Ingresses / ${b.windows} windows (${b.activeWindows} active)`
    rows.push([part, 'API requests (writes)', `${b.requests.total} (${b.writes})`, '<= 12'])
    rows.push([part, 'wall, process (median of runs)', ms(b.wallMs.median), '<= 1000 ms'])
    if (b.phasesMs) rows.push([part, 'of which start-up / requests / after', `${ms(b.phasesMs.startupMs)} / ${ms(b.phasesMs.spanMs)} / ${ms(b.phasesMs.afterLastRequestMs)}`, ''])
    rows.push([part, 'peak RSS of the pass', `${b.maxRssMiB.max} MiB`, ''])
  }
  const c = results.fullApply
  if (c) {
    const part = `(c) full apply, ${c.windows} windows from nothing`
    const writes = c.requests.total - (c.requests.byMethod.GET ?? 0)
    rows.push([part, 'API requests (writes)', `${c.requests.total} (${writes})`, ''])
    rows.push([part, 'wall, process', ms(c.wallMs), ''])
    if (c.phasesMs) rows.push([part, 'of which start-up / requests / after', `${ms(c.phasesMs.startupMs)} / ${ms(c.phasesMs.spanMs)} / ${ms(c.phasesMs.afterLastRequestMs)}`, ''])
    rows.push([part, 'switched', `${c.switched} of ${c.windows}`, ''])
  }
  const d = results.startup
  if (d) {
    for (const m of d.measurements) rows.push(['(d) CLI start-up (median)', `${m.form} ${m.command}`, ms(m.medianMs), ''])
    rows.push(...startupTargets(d.measurements))
  }
  const e = results.pageThroughput
  if (e?.ratioRounds) {
    const part = '(e) page under wrk, req/s'
    for (const run of e.medians) rows.push([part, `${run.name} (median of ${e.rounds})`, count(run.requestsPerSecond), ''])
    for (const variant of ['html', 'json'] as const) {
      const value = e.ratio[variant]
      rows.push([part, `ratio 503 / static 200 of the same bytes, ${variant.toUpperCase()} (median of per-round ratios)`, `${value}${value >= 0.95 ? ' (met)' : ' (NOT met)'}`, '>= 0.95'])
    }
    const cpu = (name: string) => e.medians.find((m) => m.name === name)?.cpuMicrosPerRequest.nginx ?? Number.NaN
    rows.push([part, 'nginx CPU per request, page / static of the same bytes (HTML, JSON)', `${cpu('page 503 HTML')} / ${cpu('static 200 (same HTML)')} µs, ${cpu('page 503 JSON')} / ${cpu('static 200 (same JSON)')} µs`, ''])
  }
  const j = results.gateThroughput
  if (j?.upstreams) {
    for (const upstream of j.upstreams) {
      const part = `(j) the gate under wrk, upstream: ${upstream.label}`
      const judged = upstream.key === j.goalUpstream
      const shown = upstream.ways.filter((way) => way !== 'page' && way !== 'proxyNoKeepalive')
      rows.push([part, `req/s (median of ${j.rounds}): ${shown.map((way) => WAY_SHORT[way]).join(' / ')}`, shown.map((way) => count(gateMedian(j, upstream, way)?.requestsPerSecond ?? Number.NaN)).join(' / '), ''])
      if (judged) {
        for (const way of ['cookie', 'header', 'exempt'] as const) {
          const value = upstream.ratios[way]?.median ?? Number.NaN
          rows.push([part, `ratio through the gate (${way}) / directly (median of per-round ratios; the goal is judged on this upstream)`, `${value}${value >= 0.9 ? ' (met)' : ' (NOT met)'}`, '>= 0.9'])
        }
        rows.push([part, 'ratio bare nginx proxy, kept-alive / directly', String(upstream.ratios.proxy?.median), ''])
      } else {
        const note = upstream.key === 'static' ? 'the worst case: what one hop costs, not the goal' : 'meant latency-bound: see RESULTS.md whether it was'
        rows.push([part, `ratio / directly, through the gate cookie / header / exempt, bare proxy (${note})`, (['cookie', 'header', 'exempt', 'proxy'] as const).map((way) => upstream.ratios[way]?.median).join(' / '), ''])
      }
      rows.push([part, `CPU per request, µs: ${upstream.cpuLabel} / gate (cookie, header, exempt) / bare proxy`, gateCpuLine(j, upstream), ''])
    }
  }
  for (const run of results.burst?.runs ?? []) {
    const part = `(f) burst, ${run.targets} targets, ${latencyLabel(run)}`
    for (const name of ['start', 'end'] as const) {
      const t = run[name]
      rows.push([part, `${name === 'start' ? 'switch' : 'restore'}: last / median (goal <= 1000 / 300 ms)`, `${ms(t.latenessMs.max)} / ${ms(t.latenessMs.median)} ${met(t.latenessMs.max <= 1000 && t.latenessMs.median <= 300 && t.landed === run.targets)}`, ''])
    }
  }
  const g = results.largeSteady
  if (g) {
    const part = `(g) steady pass, ${g.namespaces} ns / ${count(g.ingresses)} Ingresses / ${count(g.windows)} windows`
    rows.push([part, 'wall, process (goal <= 2000 ms)', `${ms(g.wallMs.median)} ${met(g.wallMs.median <= 2000)}${g.cpuMs === undefined ? '' : `; CPU time ${ms(g.cpuMs)}`}`, ''])
    rows.push([part, 'peak RSS (goal <= 250 MiB)', `${g.maxRssMiB.max} MiB ${met(g.maxRssMiB.max <= 250)}`, ''])
    rows.push([part, 'requests without further pages, 1/10 vs full (goal: equal), writes (goal 0)', `${withoutPages(g.tenth.requests)} vs ${withoutPages(g.requests)}, ${g.writes} ${met(withoutPages(g.tenth.requests) === withoutPages(g.requests) && g.writes === 0)}`, ''])
  }
  const h = results.burst429
  if (h) {
    const part = `(h) burst, ${latencyLabel(h)}`
    rows.push([part, 'switched (goal: all)', `${h.start.landed} of ${h.targets} ${met(h.start.landed === h.targets)}`, ''])
    rows.push([part, 'switch lateness, last (goal <= 2000 ms)', `${ms(h.start.latenessMs.max)} ${met(h.start.latenessMs.max <= 2000)}${h.start.lastRejected === undefined ? '' : `; it was answered 429 ${h.start.lastRejected} time(s) first`}`, ''])
  }
  const hostile = results.hostileTenants
  if (hostile) {
    for (const s of hostile.scenarios) {
      rows.push([`(i) pass with ${s.scenario} tenants`, 'wall (median) / peak RSS (max)', `${ms(s.wallMs.median)} / ${s.maxRssMiB.max} MiB`, ''])
    }
  }
  return rows
}

/**
 * Start-up against `node -e 0` in the same hyperfine run: the executable's --help within 1.4x, list within +150 ms
 * (issue 18 item 7); through bin/run.js (what `npm link` gives), a cluster command, --help and Tab on a target each
 * under 400 ms in all (issue 14 item 15).
 */
function startupTargets(measurements: Measurement[]): Row[] {
  const node = measurements.find((m) => m.form === 'node')
  if (!node) return []
  const part = '(d) CLI start-up vs node -e 0'
  const rows: Row[] = []
  for (const m of measurements.filter((candidate) => candidate.form !== 'node' && !candidate.form.includes('no code cache'))) {
    const {extraMs, ratio} = versusNode(m, node)
    const perRound = m.roundMediansMs && m.roundMediansMs.length > 1 ? ' (median of per-round)' : ''
    if (m.command === '--help') rows.push([part, `${m.form} --help / node -e 0${perRound}`, `${ratio.toFixed(2)}x`, '<= 1.4x'])
    if (m.command === 'list') rows.push([part, `${m.form} list - node -e 0${perRound}`, ms(Math.round(extraMs * 10) / 10), '<= 150 ms'])
  }
  for (const m of measurements.filter((candidate) => candidate.form === 'bin/run.js')) {
    rows.push(['(d) CLI start-up through bin/run.js (npm link)', `${m.command} (median, in all)`, ms(m.medianMs), '< 400 ms'])
  }
  return rows
}

function met(ok: boolean): string {
  return ok ? '(met)' : '(NOT met)'
}

function latencyLabel(run: BurstRun): string {
  const latency = run.jitterMs ? `${run.latencyMs}-${run.latencyMs + run.jitterMs} ms` : `${run.latencyMs} ms`
  return `${latency} a request${run.throttleRate ? `, ${Math.round(run.throttleRate * 100)} % answered 429` : ''}`
}

function withoutPages(requests: {total: number; continuations?: number}): number {
  return requests.total - (requests.continuations ?? 0)
}

function transitionRow(name: string, run: BurstRun, t: TransitionFigures): string[] {
  const b = t.breakdownMs
  return [
    latencyLabel(run),
    name,
    `${t.landed}/${run.targets}`,
    ms(t.latenessMs.min),
    ms(t.latenessMs.median),
    ms(t.latenessMs.p95),
    ms(t.latenessMs.max),
    `${ms(b.wakeup)} / ${ms(b.observe)} / ${ms(b.plan)} / ${ms(b.writes)}`,
    t.apiServerCpuShare === undefined ? '' : String(t.apiServerCpuShare),
    t.apiServerCpuMsPerRequest === undefined ? '' : `${t.apiServerCpuMsPerRequest} ms`,
    t.recordsBeforeLast === undefined ? '' : String(t.recordsBeforeLast),
  ]
}

const BURST_HEADER = [
  'cluster',
  'transition',
  'landed',
  'min',
  'median',
  'p95',
  'max (last)',
  'wake-up / reading / deciding / writing (last)',
  'API server CPU while writing (cores)',
  'its CPU a request',
  'other requests before the last',
]

/** What limited each transition's writing, from the API server's share of a core and the requests it got meanwhile. */
function burstLimits(runs: BurstRun[]): string {
  const lines = runs.flatMap((run) =>
    (['start', 'end'] as const).map((name) => {
      const t = run[name]
      const what = `${latencyLabel(run)}, ${name === 'start' ? 'switches' : 'restores'}`
      const records = t.recordsBeforeLast === undefined ? '' : t.recordsBeforeLast === 0 ? '; no Event, phase or deletion reached the API server before the last one' : `; ${t.recordsBeforeLast} requests other than the routing reached the API server before the last one`
      const cpu = t.apiServerCpuMsPerRequest === undefined ? '' : ` at ${t.apiServerCpuMsPerRequest} ms of its CPU a request`
      if (t.lastRejected > 0) return `- ${what}: the Retry-Afters of the last one (answered 429 ${t.lastRejected} time(s))${records}.`
      if (t.apiServerCpuShare === undefined) return `- ${what}: not measured${records}.`
      if (t.apiServerCpuShare >= 0.8) return `- ${what}: answering, the API server busy ${t.apiServerCpuShare} of a core${cpu}${records}.`
      if (run.latencyMs > 0) return `- ${what}: the round trips (${latencyLabel(run)}, ${DEFAULT_CONCURRENCY} in flight), the API server busy only ${t.apiServerCpuShare} of a core${cpu}${records}.`
      return `- ${what}: a core for the API server, which got only ${t.apiServerCpuShare} of one${cpu} (load average ${run.loadAverage1m} before: the machine's other work), or the pass itself (${run.passCpuMs === undefined ? 'its CPU time not measured' : `${ms(run.passCpuMs)} CPU time in all`})${records}.`
    }),
  )
  return `What limited the writing in this run:\n\n${lines.join('\n')}\n\n`
}

/** (h): how long each target answered 429 waited before it was sent again, against the Retry-After of 1 s. */
function retryNote(run: BurstRun): string {
  const gaps = (['start', 'end'] as const).map((name) => ({name, gap: run[name].retryGapMs})).filter(({gap}) => gap !== undefined)
  if (gaps.length === 0) return ''
  return (
    `From a target's 429 answer to the arrival of its next PATCH (Retry-After: 1 s): ` +
    gaps.map(({name, gap}) => `${name === 'start' ? 'switches' : 'restores'} min ${ms(gap!.min)}, median ${ms(gap!.median)}, max ${ms(gap!.max)}`).join('; ') +
    `. The client waits the Retry-After (or its backoff, 100 ms doubling, when that is longer: never, within 5 attempts), then its retry takes the next free ` +
    `slot of its lane, ahead of the requests that queued while it waited (src/kube/limiter.ts) and of any record (Events and phases wait until every ` +
    `switch of the round is written); beyond 1 s is the request in flight it waits for, the send, and the pass's event loop.\n\n`
  )
}

/**
 * What bounds (h): a switch answered 429 k times cannot land before k Retry-Afters (1 s each, honoured) and k round
 * trips. With 10 % of requests rejected at random, some one of 500 switches is rejected twice with probability
 * 1 - 0.99^500 (99 %), so the last switch is then at least 2 s + two round trips late whatever the client does.
 */
function rejectionNote(run: BurstRun): string {
  const rate = run.throttleRate
  const twice = 1 - (1 - rate * rate) ** run.targets
  const figures = (['start', 'end'] as const)
    .map((name) => ({name, t: run[name]}))
    .filter(({t}) => t.lastRejected !== undefined)
    .map(({name, t}) => `the last ${name === 'start' ? 'switch' : 'restore'} was answered 429 ${t.lastRejected} time(s) before it landed, ${ms(t.latenessMs.max - t.lastRejected * 1000)} late beyond those Retry-Afters`)
  if (figures.length === 0) return ''
  return (
    `What bounds the last one: ${figures.join('; ')}. A target rejected twice cannot land before 2 x (1 s + a round trip) after its second; with ` +
    `${rate * 100} % of requests rejected at random, one of ${run.targets} is rejected twice with probability ${Math.round(twice * 100)} %, so the 2 s goal holds only ` +
    `in a run where none is.\n\n`
  )
}

function burstNotes(runs: BurstRun[]): string {
  return runs
    .map(
      (run) =>
        `${latencyLabel(run)}: ${count(run.requests.total)} requests in the pass (${Object.entries(run.requests.byMethod).map(([method, n]) => `${method} ${n}`).join(', ')}), ` +
        `at most ${run.maxInFlight} in flight at the API server${run.rejected ? `, ${run.rejected} answered 429` : ''}; pass exit ${run.passExitCode}; load average before: ${run.loadAverage1m}; measured ${run.date}.`,
    )
    .join('\n\n')
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
        `\`complete\` is what kubectl_complete-maintenance runs for \`kubectl maintenance now svc/<TAB>\` (one request). bin/run.js keeps V8's code cache ` +
        `in ~/.cache/kubectl-maintenance (src/bundle/code-cache.ts), made by the warm-up runs; the "no code cache yet" rows remove it before each run. ` +
        `The runs are split into rounds, each one hyperfine run of every command in turn; the goals (summary table) compare each form with \`node -e 0\` ` +
        `within each round and take the median over rounds, so load that drifts during the run sways them less; the table above pools every round. ` +
        `Measured ${d.date}${d.loadAverage1m === undefined ? '' : `, load average before: ${d.loadAverage1m}`}.`,
    )
  }
  const e = results.pageThroughput
  if (e?.ratioRounds) {
    sections.push(
      `## (e) The page under load\n\nReal ${e.nginx}, with the backend's nginx.conf rendered with local paths, plus a bench-only second server block ` +
        `serving the same bytes (HTML ${count(e.bodyBytes.html)} bytes, JSON ${count(e.bodyBytes.json)} bytes) as plain static files. \`${e.tool}\` each, ` +
        `${e.rounds} rounds interleaved (static HTML, page HTML, static JSON, page JSON, static HTML, ...) against the same nginx; wrk shares the 2 cores with nginx ` +
        `and with whatever else runs. The ratio is the median of the per-round ratios (page / static of the same bytes in the same round), which cancels load that ` +
        `drifts between rounds. nginx CPU per request is the worker's user + system time over the requests wrk counted: it does not depend on how busy the machine is. ` +
        `Load average before: ${e.loadAverage1m}.\n\n` +
        markdownTable(
          ['response', 'Accept', 'status', 'req/s (median)', 'avg latency (median)', 'nginx CPU per request (median)', 'req/s per round'],
          e.medians.map((m) => [
            m.name,
            m.accept,
            String(m.status),
            count(m.requestsPerSecond),
            ms(m.latencyAvgMs),
            `${m.cpuMicrosPerRequest.nginx} µs`,
            m.perRound.map((value) => count(value)).join(', '),
          ]),
        ) +
        `\n\nRatio 503 / static of the same bytes (goal >= 0.95 each): HTML ${e.ratio.html} (rounds ${e.ratioRounds.html.join(', ')}), ` +
        `JSON ${e.ratio.json} (rounds ${e.ratioRounds.json.join(', ')}). Measured ${e.date}.`,
    )
  }
  const j = results.gateThroughput
  if (j?.upstreams) sections.push(gateSection(j))
  const f = results.burst
  if (f && f.runs.length > 0) {
    const [first] = f.runs
    sections.push(
      `## (f) A burst: ${first.targets} transitions at one second\n\n${first.targets} targets (${Object.entries(first.byKind).map(([kind, n]) => `${n} ${kind}`).join(', ')}) in ${first.namespaces} namespaces, ` +
        `one window each, all starting at the same second and ending 15 s later. An earlier pass created the backends ahead (lead time); one \`${first.command}\` ` +
        `started 10 s before the start applies both. Lateness = arrival of the target's PATCH at the API server minus the second. ` +
        `Goal, for each cluster: the last switch and the last restore <= 1 s late, the median <= 300 ms.\n\n` +
        markdownTable(BURST_HEADER, f.runs.flatMap((run) => [transitionRow('switch (start)', run, run.start), transitionRow('restore (end)', run, run.end)])) +
        `\n\nWhere the last transition's lateness goes: wake-up = the second to the pass's first request after it; reading = first request to the last read before the first write ` +
        `(with the pass reading ahead, nothing: the list of windows that checks nothing changed is sent just before the second, see src/kube/reconcile.ts); ` +
        `deciding = that read (or the second) to the first write; writing = first to last write, ` +
        `bounded by the client's ${DEFAULT_CONCURRENCY} requests in flight and by how fast the API server answers. ` +
        `The in-process API server answers one request at a time in the bench's own Node process; the last column is the CPU it got while the writes went on: ` +
        `near 1, answering was the limit; well under 1, it was waiting for a core (see the load average below).\n\n` +
        `Why ${DEFAULT_CONCURRENCY} in flight (src/kube/limiter.ts): 500 switches at 20 ms a request take 500 / ${DEFAULT_CONCURRENCY} x 20 ms = ` +
        `${Math.round((500 / DEFAULT_CONCURRENCY) * 20)} ms, so the median fits in 300 ms only from about 32 up (16 would put the median switch at 312 ms ` +
        `with nothing else taking time). kube-apiserver's API Priority and Fairness gives \`workload-low\`, where service accounts land, ` +
        `100 of the 245 default concurrency shares of its 600 seats (about 245 seats); 32 is an eighth of that, and APF queues what one flow ` +
        `sends beyond its fair share instead of failing it. More would not help at 0 ms a request: the in-process API server answers on one core, ` +
        `so the writing takes the targets' PATCHes times its CPU a request (the column \`its CPU a request\`: every request it received while the writes ` +
        `went on, over the CPU time of the bench process, where it runs) whatever the client sends; at 15-25 ms the round trips take about as long. ` +
        `Phases, Events and the schedule feed use at most half the slots and yield to switches and restores; they are sent only after every routing write ` +
        `of the round is answered (the last column counts what else reached the API server between the second and the last landing).\n\n` +
        `${burstLimits(f.runs)}${burstNotes(f.runs)}`,
    )
  }
  const g = results.largeSteady
  if (g) {
    sections.push(
      `## (g) Steady-state pass ten times larger\n\n${g.namespaces} namespaces, ${count(g.ingresses)} Ingresses, ${count(g.windows)} windows of which ${g.activeWindows} active and switched; ` +
        `measured as (b). Goal: wall <= 2 s, peak RSS <= 250 MiB, 0 writes, and as many requests as the same fleet at a tenth of the size (${g.tenth.namespaces} namespaces, ` +
        `${count(g.tenth.ingresses)} Ingresses, ${count(g.tenth.windows)} windows), further pages of lists (limit 500) aside.\n\n` +
        markdownTable(
          ['fleet', 'API requests', 'of which further pages', 'without them', 'writes', 'wall (process, median)', 'wall runs', 'CPU time (median)', 'peak RSS (median, max)'],
          [
            [`a tenth`, String(g.tenth.requests.total), String(g.tenth.requests.continuations ?? 0), String(withoutPages(g.tenth.requests)), '', '', '', '', ''],
            ['full', String(g.requests.total), String(g.requests.continuations ?? 0), String(withoutPages(g.requests)), String(g.writes), ms(g.wallMs.median), g.wallMs.runs.join(', '), g.cpuMs === undefined ? '' : ms(g.cpuMs), `${g.maxRssMiB.median}, ${g.maxRssMiB.max} MiB`],
          ],
        ) +
        `\n\n${phases(g.phasesMs)} After the last request: deciding (plan() over every window and target) and exit.` +
        `\n\nMeasured ${g.date}, load average before: ${g.loadAverage1m}.\n\n${LARGE_STEADY_FINDINGS}`,
    )
  }
  const h = results.burst429
  if (h) {
    sections.push(
      `## (h) The burst on a busy control plane\n\nThe burst of (f) at ${latencyLabel(h)}: API Priority and Fairness's answer (plain-text 429, \`Retry-After: 1\`) ` +
        `to a seeded share of the measured pass's requests, each retried after its Retry-After. Goal: every switch lands, the last <= 2 s late.\n\n` +
        markdownTable(BURST_HEADER, [transitionRow('switch (start)', h, h.start), transitionRow('restore (end)', h, h.end)]) +
        `\n\n${rejectionNote(h)}${retryNote(h)}${burstLimits([h])}${burstNotes([h])}`,
    )
  }
  const hostile = results.hostileTenants
  if (hostile) {
    const pages = hostile.scenarios.find((s) => s.scenario === 'pages')
    sections.push(
      `## (i) A pass with hostile tenants\n\nTwo tenants: the victim with an Ingress and a Service in an active window, the attacker with edit rights in its ` +
        `own namespace. *clean*: nothing hostile; *pages*: + 120 unrelated page ConfigMaps of ~0.9 MB in the attacker's namespace; *hostile*: + the pages, ` +
        `a 5,000-deep nested original, a role=backend ConfigMap named like a platform Deployment, a planted maintenance-<hash> ConfigMap with its own ` +
        `nginx.conf, and 25 active windows with distinct messages. Two passes settle each cluster, then \`${hostile.command}\` runs ${hostile.scenarios[0].wallMs.runs.length} times, ` +
        `each in its own process (peak RSS by /usr/bin/time). The hostile pass exits 1 by design: it reports what it could not do.\n\n` +
        markdownTable(
          ['tenants', 'objects', 'wall (median)', 'wall runs', 'peak RSS (median, max)', 'exit codes', 'victim in maintenance'],
          hostile.scenarios.map((s) => [s.scenario, String(s.objects), ms(s.wallMs.median), s.wallMs.runs.join(', '), `${s.maxRssMiB.median}, ${s.maxRssMiB.max} MiB`, s.exitCodes.join(', '), s.victimSwitched ? 'yes' : 'NO']),
        ) +
        (pages ? `\n\nTarget: peak RSS with the pages present <= ${hostile.peakRssTargetMiB} MiB: ${pages.maxRssMiB.max <= hostile.peakRssTargetMiB ? 'met' : 'NOT met'} (${pages.maxRssMiB.max} MiB).` : '') +
        `\n\nMeasured ${hostile.date}, load average before: ${hostile.loadAverage1m}.`,
    )
  }
  return sections
}

/**
 * What limits (g), from bench/large-steady-profile.ts (a profile of the spawned pass, and the API server's CPU and
 * answering time during it). Measured on the shared machine: CPU times are the comparable figures, walls are not.
 */
const LARGE_STEADY_FINDINGS = [
  '**What limits it** (bench/large-steady-profile.ts: the pass under `node --cpu-prof`, and the API server\'s CPU and answering time during each pass; ' +
    'measured 2026-12-01 at load average 8-20 on the shared 2 cores, so CPU times, not walls, are the figures to compare).',
  '',
  '- *First to last request* is two halves taking turns, since each list waits for the one before (backends before windows before targets: see kube/observe.ts): ' +
    'the in-process API server, in the bench\'s own process, spent about 1.0 s of CPU per pass serialising its 30 list answers, ' +
    'and was answering for 1.7-2.7 s of a 3.2-4.3 s span under load; the rest of the span is the pass reading the answers (UTF-8 decoding ~0.5 s, ' +
    'JSON.parse ~0.4 s, decoding 2,000 windows ~0.35 s, hashing 500 backend ConfigMaps to check they are the engine\'s ~0.15 s) and the garbage ' +
    'collection that this allocation causes. On a quiet machine the span was 1,841 ms: about half of it is the API server\'s serialisation, which a real ' +
    'kube-apiserver does on its own cores (and with a watch cache), so against a real cluster it is network and server time, not the pass\'s CPU.',
  '- *After the last request* was rendering every active window\'s page (~0.35 s) and rebuilding 500 schedule feeds (~0.35 s). Both are gone from a steady ' +
    'pass: a backend\'s ConfigMap keeps the digest of its render inputs (`kubectl-maintenance.io/render-inputs`), and a pass serves the one complete, ready ' +
    'engine-made backend of the window\'s namespace claiming them without rendering; the feed keeps until when it stays what a rebuild would write ' +
    '(`kubectl-maintenance.io/feed-valid`, bound to the windows and the content), and is rebuilt only when a window changes or an occurrence starts, ' +
    'ends or enters the 30 days. In the profile, render() fell from 322 to 72 ms and the feed writer from 363 to 38 ms.',
  '- The pass\'s CPU fell from 2,670-3,230 ms (old code, load 8; 2,560 ms quiet, in the table above) to 1,950-2,280 ms (load 10-20); peak RSS from 196 to 186-187 MiB; ' +
    '(b)\'s from 118 to 103 MiB at 12 requests and 0 writes. `npm run bench -- b g` at load 15-20 gave (g) 2,160-2,280 ms CPU, 10 vs 10 requests, 0 writes, ' +
    'and walls of 9-11 s that say only how busy the machine was; the table above is the last quiet run, of the code before these changes.',
  '- A larger young generation does not help: `--max-semi-space-size` 16 (node 20\'s default) 1,950-2,130 ms CPU at 186 MiB, 32 2,220-2,340 ms at 219 MiB, ' +
    '64 2,350-2,410 ms at 218 MiB. The CronJob keeps node\'s defaults.',
  '- Start-up (~0.5 s quiet: compiling and evaluating the 1.8 MB bundle, loading ICU\'s time zone data on the first zone check) is issue 18\'s.',
  '- Left: the lists are read one after the other, so the pass and the API server never work at the same time; reading the next list while the last ' +
    'answer is parsed (each list\'s first page fixes its snapshot, so the order backends, windows, targets holds) would overlap them; and the 2,000 ' +
    'windows are decoded again each pass.',
].join('\n')

export function resultsMarkdown(results: BenchResults): string {
  const m = results.machine
  const machine = m
    ? `Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpuModel}, ${m.memoryGiB} GiB memory, Node ${m.node}, ${m.platform}; last run ${m.date}. ` +
      'A shared, noisy 2-core VM: read differences under ~20% as noise.'
    : 'Machine: not recorded.'
  return [
    '# Benchmarks',
    '',
    '`npm run bench` runs every part; `npm run bench -- a c` runs some (a-i). Raw numbers: bench/results.json. ' +
      'The cluster is the in-process API server (test/support) over loopback HTTP; passes run the single-file bundle built fresh from src/, ' +
      'in their own process, as the CronJob does. Benchmarks, not tests: nothing here is asserted.',
    '',
    machine,
    '',
    '## Summary',
    '',
    markdownTable(['part', 'metric', 'value', 'target'], summaryRows(results)),
    '',
    ...partDetails(results).flatMap((section) => [section, '']),
  ].join('\n')
}

const WAY_SHORT: Record<GateWay, string> = {
  cookie: 'cookie',
  direct: 'directly',
  exempt: 'exempt',
  header: 'header',
  page: 'page',
  proxy: 'bare proxy',
  proxyNoKeepalive: 'bare proxy, a connection per request',
}

function gateMedian(j: GateThroughputResult, upstream: GateUpstreamResult, way: GateWay) {
  return j.medians.find((m) => m.name === gateCaseName(upstream.key, way))
}

/** The upstream's own CPU answering directly; the gate's per way through it; the bare proxy's. */
function gateCpuLine(j: GateThroughputResult, upstream: GateUpstreamResult): string {
  const cpu = (way: GateWay, label: string) => gateMedian(j, upstream, way)?.cpuMicrosPerRequest[label] ?? Number.NaN
  return `${cpu('direct', upstream.cpuLabel)} / ${cpu('cookie', 'gate')}, ${cpu('header', 'gate')}, ${cpu('exempt', 'gate')} / ${cpu('proxy', 'proxy')}`
}

function gateSection(j: GateThroughputResult): string {
  const goal = j.upstreams.find((upstream) => upstream.key === j.goalUpstream)
  const tables = j.upstreams.map((upstream) => {
    const labels = ['gate', 'proxy', upstream.cpuLabel]
    return (
      `### Upstream: ${upstream.label}${upstream.key === j.goalUpstream ? ' (the goal is judged on it)' : ''}\n\n` +
      `${upstream.what[0].toUpperCase()}${upstream.what.slice(1)}; its answer: ${count(upstream.bodyBytes)} bytes of HTML.\n\n` +
      markdownTable(
        ['case', 'req/s (median)', 'avg latency (median)', ...labels.map((label) => `${label} CPU per request`), 'ratio to directly (rounds)'],
        upstream.ways.map((way) => {
          const m = gateMedian(j, upstream, way)
          const ratio = way === 'direct' ? undefined : upstream.ratios[way]
          return [
            GATE_WAYS[way],
            count(m?.requestsPerSecond ?? Number.NaN),
            ms(m?.latencyAvgMs ?? Number.NaN),
            ...labels.map((label) => ((m?.cpuMicrosPerRequest[label] ?? 0) > 0.5 ? `${m?.cpuMicrosPerRequest[label]} µs` : '')),
            ratio ? `${ratio.median} (${ratio.perRound.join(', ')})` : '1',
          ]
        }),
      )
    )
  })
  const ratioText = (upstream: GateUpstreamResult | undefined) =>
    upstream ? `cookie ${upstream.ratios.cookie?.median}, header ${upstream.ratios.header?.median}, exempt path ${upstream.ratios.exempt?.median}; bare kept-alive proxy ${upstream.ratios.proxy?.median}` : 'not measured'
  const worst = j.upstreams.find((upstream) => upstream.key === 'static')
  const waiting = j.upstreams.find((upstream) => upstream.key === 'appWaiting')
  return (
    `## (j) The gate under load\n\n` +
    `The gate is the backend's nginx.conf as rendered (with --bypass and --except /status/*; its access log off, as the other nginx's: a backend logs every ` +
    `request to stdout), one port per upstream as for a target with several original ` +
    `backends, each proxying to its upstream's address with kept-alive connections; for scale, a bare nginx \`proxy_pass\` with kept-alive connections to ` +
    `each upstream (and, to the static one, also with a connection per request). All upstreams run at once, each in its own process. ` +
    `\`${j.tool}\` each, ${j.rounds} rounds, every case once per round in the same order; ratios are medians of per-round ratios against the same ` +
    `upstream directly in the same round. CPU per request is each server process's user + system time over the requests of the run (from /proc). ` +
    `wrk, the upstream and the nginx in between share the machine's 2 cores. Load average (1 min) before: ${j.loadAverage1m}, after: ${j.loadAverageAfter1m}.\n\n` +
    tables.join('\n\n') +
    `\n\nGoal: through the gate >= 0.9 of directly, judged on the ${goal?.label ?? j.goalUpstream} upstream (an application, which is what a maintenance gate stands in front of): ` +
    `${ratioText(goal)}.` +
    (worst
      ? ` The static nginx upstream stays as the worst case (${ratioText(worst)}): its answer costs about as little CPU as a proxy hop does, so any nginx hop ` +
        `(the bare proxy as much as the gate) costs about as much again, and with wrk, the upstream and the hop sharing 2 cores (and the machine's other load) the ` +
        `requests/s ratio moves with how the cores are shared, the CPU per request much less. What to compare there is the gate's CPU per request with the bare proxy's.`
      : '') +
    (goal ? ` ${chainCpuText(j, goal)}` : '') +
    (waiting ? ` ${latencyBoundText(j, waiting, ratioText(waiting))}` : '') +
    ` Measured ${j.date}.`
  )
}

/**
 * What the gate adds to the app's CPU per request, and the requests/s ratio that would leave if the app and the gate
 * had to share saturated cores (the app's cost taken as measured directly, so only the hop's cost counts).
 */
function chainCpuText(j: GateThroughputResult, upstream: GateUpstreamResult): string {
  const app = gateMedian(j, upstream, 'direct')?.cpuMicrosPerRequest[upstream.cpuLabel] ?? Number.NaN
  const hop = (way: GateWay, label: string) => gateMedian(j, upstream, way)?.cpuMicrosPerRequest[label] ?? Number.NaN
  const ways = ['cookie', 'header', 'exempt'] as const
  const appProxied = hop('cookie', upstream.cpuLabel)
  return (
    `On CPU alone: the gate adds ${ways.map((way) => hop(way, 'gate')).join(' / ')} µs (cookie / header / exempt; the bare proxy ${hop('proxy', 'proxy')} µs) ` +
    `to the app's ${app} µs a request; were both to share saturated cores, that would leave ${ways.map((way) => round(app / (app + hop(way, 'gate')), 2)).join(' / ')}. ` +
    `The app serves on one thread, so with a core of its own (in a cluster the gate is another pod) it, not the hop, would set the requests/s. ` +
    `The app's own CPU per request was ${app} µs under wrk directly and ${appProxied} µs behind the gate (cookie)` +
    (Math.abs(app - appProxied) > 0.1 * app
      ? `: it differs by how requests reach it (and the machine's load), which moves the requests/s ratio as much as the hop does` +
        ((upstream.ratios.proxy?.median ?? 0) > 1 ? ` (the bare proxy's ratio is above 1).` : '.')
      : '.')
  )
}

/** Whether the waiting upstream was limited by its wait (connections / wait) or by the cores, in this run. */
function latencyBoundText(j: GateThroughputResult, upstream: GateUpstreamResult, ratios: string): string {
  const cap = Math.round(j.connections / (j.appWaitMs / 1000))
  const direct = gateMedian(j, upstream, 'direct')
  const bound = (direct?.requestsPerSecond ?? 0) >= 0.8 * cap
  return (
    `${upstream.label}: ${ratios}. With ${j.connections} connections and ${j.appWaitMs} ms a request, its wait allows at most ${count(cap)} requests/s; ` +
    `directly it answered ${count(direct?.requestsPerSecond ?? Number.NaN)} (average latency ${ms(direct?.latencyAvgMs ?? Number.NaN)}): ` +
    (bound
      ? 'latency-bound, as meant: the hop adds its time to each request, not a limit.'
      : 'in this run not latency-bound: the machine\'s cores, not the wait, limited it, so its ratios say as little about the hop as the others.')
  )
}
