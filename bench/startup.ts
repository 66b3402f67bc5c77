/**
 * Start-up time of the plugin, measured by hyperfine: `--help` (no cluster) and `list` (one request to the in-process
 * API server), for every form of the plugin: the single executable as shipped (the pinned Node 24 of
 * packaging/node-runtimes) beside the same executable made from the Node 20 running this, both built fresh into
 * build/bench/ from the current sources, and the ESM bundle and bin/run.js over dist/ (npm run build). Prints a table
 * and merges the numbers into bench/results.json under "startup".
 *
 * The runs are split over rounds, each one hyperfine run of every command; the goals are judged per round (versusNode).
 *
 *   tsx bench/startup.ts [--runs N] [--warmup N] [--rounds N]
 */
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {platformOf} from '../scripts/package-manifest.js'
import {buildSea} from '../scripts/package-sea.js'
import {BUILD_DIR, binaryPath, buildPackages} from '../scripts/package.js'
import {startApiServer} from '../test/support/apiserver.js'
import {PROJECT_ROOT} from '../test/support/run-command.js'
import {median, round, summarize} from './stats.js'

export const RESULTS_PATH = path.join(PROJECT_ROOT, 'bench', 'results.json')

export interface Form {
  name: string
  /** The command line up to the plugin's own arguments. */
  prefix: string[]
}

export interface Measurement {
  form: string
  command: string
  medianMs: number
  meanMs: number
  stddevMs: number
  minMs: number
  maxMs: number
  /** Mean CPU time of the process (user + system): far less swayed than wall time by other work on a shared machine. */
  cpuMs: number
  runs: number
  /** The median of each round (one hyperfine run of every command), in order. */
  roundMediansMs?: number[]
}

interface HyperfineResult {
  command: string
  mean: number
  stddev: number
  median: number
  min: number
  max: number
  user: number
  system: number
  times: number[]
}

export const BENCH_BUILD_DIR = path.join(BUILD_DIR, 'bench')

/** The words kubectl_complete-maintenance puts before those after `kubectl maintenance`, for a target after `now`. */
const completeTarget = ['completion', '__complete', '--', 'now']

/** This machine's executable from the pinned Node 24 (as npm run package makes it) and from the Node 20 running this. */
export async function buildExecutables(buildDir = BENCH_BUILD_DIR): Promise<Array<{file: string; node: string}>> {
  const platform = platformOf(process.platform, process.arch)
  const [shipped] = await buildPackages([platform], path.join(buildDir, 'node24'))
  const node20 = await buildSea({node: process.execPath, output: binaryPath(platform, path.join(buildDir, 'node20')), platform, workDir: path.join(buildDir, 'node20', 'sea')})
  return [
    {file: shipped.binary, node: `v${shipped.nodeVersion}`},
    {file: node20, node: process.version},
  ]
}

export function availableForms(executables: Array<{file: string; node: string}>, root = PROJECT_ROOT): Form[] {
  const candidates: Array<Form & {needs: string}> = [
    ...executables.map((executable) => ({name: `executable (node ${executable.node})`, needs: executable.file, prefix: [executable.file]})),
    {name: 'bundle', needs: path.join(root, 'dist', 'kubectl-maintenance.mjs'), prefix: [process.execPath, path.join(root, 'dist', 'kubectl-maintenance.mjs')]},
    {name: 'bin/run.js', needs: path.join(root, 'dist', 'commands'), prefix: [process.execPath, path.join(root, 'bin', 'run.js')]},
  ]
  return candidates.filter((form) => existsSync(form.needs)).map(({name, prefix}) => ({name, prefix}))
}

function shellWords(words: string[]): string {
  return words.map((word) => (/^[\w./:=-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`)).join(' ')
}

/** hyperfine in a child process, so this process's event loop keeps serving the API server meanwhile. */
function hyperfine(commands: Array<{name: string; line: string}>, options: {runs: number; warmup: number; prepare?: string}, env: NodeJS.ProcessEnv): Promise<HyperfineResult[]> {
  const exportFile = path.join(mkdtempSync(path.join(tmpdir(), 'km-bench-')), 'hyperfine.json')
  const args = ['--shell=none', '--warmup', String(options.warmup), '--runs', String(options.runs), '--export-json', exportFile, '--style', 'none']
  if (options.prepare) args.push('--prepare', options.prepare)
  for (const command of commands) args.push('--command-name', command.name, command.line)
  return new Promise((resolve, reject) => {
    const child = spawn('hyperfine', args, {env, stdio: ['ignore', 'ignore', 'inherit']})
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`hyperfine exited with ${code}`))
      else resolve((JSON.parse(readFileSync(exportFile, 'utf8')) as {results: HyperfineResult[]}).results)
    })
  })
}

export function toMeasurement(form: string, command: string, result: HyperfineResult): Measurement {
  return pooledMeasurement(form, command, [result])
}

const toMs = (seconds: number) => Math.round(seconds * 10_000) / 10

/** One command's runs over every round, pooled; each round's median kept for comparisons within a round. */
export function pooledMeasurement(form: string, command: string, rounds: HyperfineResult[]): Measurement {
  const times = rounds.flatMap((run) => run.times.map((seconds) => seconds * 1000))
  const {max, mean, median: middle, min} = summarize(times)
  const stddev = Math.sqrt(times.reduce((sum, time) => sum + (time - mean) ** 2, 0) / Math.max(1, times.length - 1))
  const cpuSeconds = rounds.reduce((sum, run) => sum + (run.user + run.system) * run.times.length, 0) / times.length
  return {
    command,
    cpuMs: toMs(cpuSeconds),
    form,
    maxMs: max,
    meanMs: mean,
    medianMs: middle,
    minMs: min,
    roundMediansMs: rounds.map((run) => toMs(run.median)),
    runs: times.length,
    stddevMs: round(stddev),
  }
}

/**
 * A form against `node -e 0` as the goals put it, in the same hyperfine run: per round (each one hyperfine run of every
 * command, one after the other), then the median over rounds, so load that drifts between rounds, or between the
 * first command of a run and the last, sways it less than one long run. Without rounds, the pooled medians.
 */
export function versusNode(m: Measurement, node: Measurement): {ratio: number; extraMs: number} {
  const rounds = m.roundMediansMs && node.roundMediansMs?.length === m.roundMediansMs.length ? m.roundMediansMs.map((ms, index) => [ms, node.roundMediansMs![index]]) : [[m.medianMs, node.medianMs]]
  return {extraMs: median(rounds.map(([ms, nodeMs]) => ms - nodeMs)), ratio: median(rounds.map(([ms, nodeMs]) => ms / nodeMs))}
}

export function table(measurements: Measurement[]): string {
  const rows = [['FORM', 'COMMAND', 'MEDIAN', 'MEAN ± SD', 'MIN', 'CPU'], ...measurements.map((m) => [m.form, m.command, `${m.medianMs} ms`, `${m.meanMs} ± ${m.stddevMs} ms`, `${m.minMs} ms`, `${m.cpuMs} ms`])]
  const widths = rows[0].map((_cell, column) => Math.max(...rows.map((row) => row[column].length)))
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n')
}

/** Issue 18 item 7, for the executables: `--help` within 1.4x of `node -e 0`, `list` within `node -e 0` + 150 ms. */
export const HELP_RATIO_GOAL = 1.4
export const LIST_EXTRA_MS_GOAL = 150

/**
 * The goals beside the figures, per executable: wall (median) against node's in the same run, and the same sums in CPU
 * time (user + sys, mean), which a busy machine sways far less.
 */
export function goalLines(measurements: Measurement[]): string[] {
  const node = measurements.find((m) => m.form === 'node')
  if (!node) return []
  const verdict = (met: boolean) => (met ? 'met' : 'NOT met')
  const lines: string[] = []
  for (const m of measurements.filter((candidate) => candidate.form.startsWith('executable'))) {
    const {extraMs, ratio} = versusNode(m, node)
    if (m.command === '--help') {
      lines.push(`${m.form} --help: ${ratio.toFixed(2)}x node -e 0 (goal <= ${HELP_RATIO_GOAL}x: ${verdict(ratio <= HELP_RATIO_GOAL)}); CPU ${(m.cpuMs / node.cpuMs).toFixed(2)}x`)
    }
    if (m.command === 'list') {
      lines.push(`${m.form} list: node -e 0 + ${extraMs.toFixed(1)} ms (goal <= +${LIST_EXTRA_MS_GOAL} ms: ${verdict(extraMs <= LIST_EXTRA_MS_GOAL)}); CPU node + ${(m.cpuMs - node.cpuMs).toFixed(1)} ms`)
    }
  }
  return lines
}

/** Replaces the "startup" key of results.json, keeping every other key as it is. */
export function mergeResults(file: string, startup: unknown): void {
  const existing = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {}
  writeFileSync(file, JSON.stringify({...existing, startup}, null, 2) + '\n')
}

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name)
  return index > 0 ? Number(process.argv[index + 1]) : fallback
}

async function main(): Promise<void> {
  const runs = option('--runs', 20)
  const warmup = option('--warmup', 3)
  const rounds = option('--rounds', 5)
  if (!existsSync(path.join(PROJECT_ROOT, 'dist', 'kubectl-maintenance.mjs'))) throw new Error('the executables carry dist/kubectl-maintenance.mjs: run npm run build first')
  process.stdout.write(`building the executables from Node 24 and Node 20 into ${path.relative(process.cwd(), BENCH_BUILD_DIR)}/\n`)
  const forms = availableForms(await buildExecutables())
  const server = await startApiServer({namespaces: ['default', 'shop']})
  // Something for Tab to complete: `kubectl maintenance now svc/<TAB>` lists the namespace's Services.
  server.seed({apiVersion: 'v1', kind: 'Service', metadata: {name: 'web', namespace: 'shop'}, spec: {ports: [{port: 80}], selector: {app: 'web'}}})
  const loadBefore = Math.round(loadavg()[0] * 100) / 100
  const home = mkdtempSync(path.join(tmpdir(), 'km-bench-home-'))
  try {
    // node itself, in the same run: the floor every form stands on (the targets are relative to it).
    const baseline = {args: ['-e', '0'], form: 'node', label: '-e 0', name: 'node -e 0'}
    const commands: Array<{args: string[]; form: string; label?: string; name: string}> = [
      baseline,
      ...forms.flatMap((form) => [
        {args: ['--help'], form: form.name, name: `${form.name} --help`},
        {args: ['list', '--kubeconfig', server.kubeconfigPath, '-n', 'shop'], form: form.name, name: `${form.name} list`},
        // What kubectl_complete-maintenance runs for `kubectl maintenance now svc/<TAB>`.
        {args: [...completeTarget, '--kubeconfig', server.kubeconfigPath, '-n', 'shop', 'svc/'], form: form.name, label: 'complete', name: `${form.name} complete`},
      ]),
    ]
    const lines = commands.map((command) => ({line: shellWords([...(command.form === 'node' ? [process.execPath] : (forms.find((form) => form.name === command.form)?.prefix ?? [])), ...command.args]), name: command.name}))
    const roundResults: HyperfineResult[][] = []
    for (let round = 0; round < rounds; round++) {
      roundResults.push(await hyperfine(lines, {runs: Math.ceil(runs / rounds), warmup: round === 0 ? warmup : 1}, {...process.env, HOME: home, XDG_CACHE_HOME: ''}))
    }
    const measurements = commands.map((command, index) => pooledMeasurement(command.form, command.label ?? command.args[0], roundResults.map((results) => results[index])))
    // bin/run.js keeps V8's code cache in ~/.cache (src/bundle/code-cache.ts), which the warm-up runs above made: also
    // what a run costs before there is one (the first run of a build, or on another Node).
    const runJs = forms.find((form) => form.name === 'bin/run.js')
    if (runJs) {
      const coldForm = 'bin/run.js, no code cache yet'
      const cold = [
        {args: ['--help'], name: `${coldForm} --help`},
        {args: ['list', '--kubeconfig', server.kubeconfigPath, '-n', 'shop'], name: `${coldForm} list`},
      ]
      const coldResults = await hyperfine(
        cold.map((command) => ({line: shellWords([...runJs.prefix, ...command.args]), name: command.name})),
        {prepare: shellWords(['rm', '-rf', path.join(home, '.cache')]), runs: Math.min(runs, 10), warmup: 0},
        {...process.env, HOME: home, XDG_CACHE_HOME: ''},
      )
      measurements.push(...coldResults.map((result, index) => toMeasurement(coldForm, cold[index].args[0], result)))
    }
    process.stdout.write(`${table(measurements)}\n${goalLines(measurements).join('\n')}\n`)
    process.stdout.write(`load average (1 min) before: ${loadBefore}, after: ${Math.round(loadavg()[0] * 100) / 100}\n`)
    mergeResults(RESULTS_PATH, {
      cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
      loadAverage1m: loadBefore,
      date: new Date().toISOString(),
      measurements,
      node: process.version,
      tool: `hyperfine --shell=none, ${rounds} rounds of --runs ${Math.ceil(runs / rounds)} (--warmup ${warmup} in the first, 1 after)`,
    })
    process.stdout.write(`merged into ${path.relative(process.cwd(), RESULTS_PATH)} under "startup"\n`)
  } finally {
    await server.close()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main()
}
