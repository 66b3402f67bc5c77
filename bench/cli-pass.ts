/**
 * Runs the plugin as the CronJob does: the single-file bundle under plain `node`, in its own process, talking to the
 * API server in this process over HTTP. /usr/bin/time reports the child's peak RSS, so the server's memory is not in it.
 */
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {BUNDLE_PATH, buildBundle} from '../scripts/build-bundle.js'

const TIME_BINARY = '/usr/bin/time'

export interface PassRun {
  exitCode: number | null
  /** Epoch ms the child was spawned and exited. */
  startedAt: number
  endedAt: number
  wallMs: number
  /** Peak resident set size of the node process, KiB. */
  maxRssKb: number
  /** CPU time of the node process (user + system), ms: what the pass costs whatever else the machine runs. */
  cpuMs: number
  /** stdout lines with the epoch ms each arrived. */
  lines: Array<{at: number; line: string}>
  stderr: string
}

export interface Bundle {
  file: string
  /** Where it came from, for the record. */
  origin: string
}

let bundlePromise: Promise<Bundle> | undefined

const scratch = mkdtempSync(path.join(tmpdir(), 'km-bench-'))
process.once('exit', () => rmSync(scratch, {force: true, recursive: true}))

/**
 * A bundle built fresh from src/ into a temporary directory (measures the code as it is, never touches dist/);
 * when src/ does not build right now, the last dist/kubectl-maintenance.mjs, said so in the results.
 */
export function benchBundle(): Promise<Bundle> {
  bundlePromise ??= buildBundle(path.join(scratch, 'kubectl-maintenance.mjs')).then(
    (built) => ({file: built.outfile, origin: 'bundle built from src/ for this run'}),
    (error: unknown) => {
      if (!existsSync(BUNDLE_PATH)) throw error
      const built = statSync(BUNDLE_PATH).mtime.toISOString()
      process.stderr.write(`src/ does not bundle right now (${String(error).split('\n')[0]}); using dist/kubectl-maintenance.mjs of ${built}\n`)
      return {file: BUNDLE_PATH, origin: `dist/kubectl-maintenance.mjs built ${built}`}
    },
  )
  return bundlePromise
}

/** How a result names what ran: `kubectl-maintenance reconcile -A ... (bundle ..., node ...)`. */
export async function describeCommand(args: string[]): Promise<string> {
  const shown = args.slice(0, args.indexOf('--kubeconfig') >= 0 ? args.indexOf('--kubeconfig') : args.length)
  return `kubectl-maintenance ${shown.join(' ')} (${(await benchBundle()).origin}, node ${process.version})`
}

const benchHome = mkdtempSync(path.join(scratch, 'home-'))

export interface PassSpawnOptions {
  /** node's own flags, before the bundle (e.g. --cpu-prof for a profile). */
  nodeArgs?: string[]
  env?: Record<string, string>
  /** Another build of the bundle (a readable one, for a profile). */
  bundleFile?: string
}

export async function runPass(args: string[], spawnOptions: PassSpawnOptions = {}): Promise<PassRun> {
  if (!existsSync(TIME_BINARY)) throw new Error(`${TIME_BINARY} not found (apt-get install time): it reports the pass's peak RSS`)
  const bundle = spawnOptions.bundleFile === undefined ? await benchBundle() : {file: spawnOptions.bundleFile}
  const rssFile = path.join(mkdtempSync(path.join(scratch, 'rss-')), 'rss')
  const lines: PassRun['lines'] = []
  let stderr = ''
  let pending = ''
  const startedAt = Date.now()
  const started = performance.now()
  const child = spawn(TIME_BINARY, ['-f', '%M\ncpu %U %S', '-o', rssFile, process.execPath, ...(spawnOptions.nodeArgs ?? []), bundle.file, ...args], {
    env: {...process.env, HOME: benchHome, NO_COLOR: '1', ...spawnOptions.env},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.on('data', (chunk: Buffer) => {
    const at = Date.now()
    pending += chunk.toString()
    const complete = pending.split('\n')
    pending = complete.pop() ?? ''
    for (const line of complete) lines.push({at, line})
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve(code))
  })
  const wallMs = performance.now() - started
  if (pending) lines.push({at: Date.now(), line: pending})
  return {cpuMs: readCpuMs(rssFile), endedAt: Date.now(), exitCode, lines, maxRssKb: readMaxRss(rssFile), startedAt, stderr, wallMs}
}

function readMaxRss(file: string): number {
  // With a non-zero exit, time writes "Command exited with non-zero status N" before the format's line.
  const numbers = readFileSync(file, 'utf8').trim().split('\n').filter((line) => /^\d+$/.test(line.trim()))
  return numbers.length > 0 ? Number(numbers.at(-1)) : Number.NaN
}

function readCpuMs(file: string): number {
  const line = readFileSync(file, 'utf8').split('\n').find((candidate) => candidate.startsWith('cpu '))
  if (!line) return Number.NaN
  const [user, system] = line.slice(4).split(' ').map(Number)
  return Math.round((user + system) * 1000)
}

export function expectSuccess(run: PassRun, what: string): void {
  if (run.exitCode !== 0) throw new Error(`${what}: the pass exited with ${run.exitCode}\n${run.stderr}`)
}
