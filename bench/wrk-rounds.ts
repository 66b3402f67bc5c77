/**
 * Interleaved wrk rounds for (e) and (j): every case once per round, in the same order, so load from the rest of the
 * machine hits all cases alike; ratios are taken per round (a case against the baseline of the same round) and their
 * median reported, which cancels load that drifts between rounds. Beside requests/s, the CPU each server process spent
 * per request (from /proc, so it depends much less on how busy the machine is) says where the cost is.
 */
import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'

import {median, round} from './stats.js'

export interface WrkCase {
  name: string
  url: string
  headers: Record<string, string>
}

export interface RoundRun {
  name: string
  round: number
  requestsPerSecond: number
  requests: number
  latencyAvgMs: number
  non2xx3xx: number
  /** Microseconds of CPU (user + system) per request, per server process (by label), in this run. */
  cpuMicrosPerRequest: Record<string, number>
}

/** What a server's CPU time is read from, in clock ticks (user + system) since it started. */
export type CpuTicks = () => number

function processTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return Number(fields[11]) + Number(fields[12])
}

/** A process with every thread of it (a Node server: its main thread, libuv's pool, V8's helpers). */
export function processCpu(pid: number): CpuTicks {
  return () => processTicks(pid)
}

/** The worker processes of an nginx master (the master itself only waits). */
export function nginxWorkersCpu(masterPid: number): CpuTicks {
  return () => workerTicks(masterPid)
}

function workerTicks(masterPid: number): number {
  const children = spawnSync('pgrep', ['-P', String(masterPid)], {encoding: 'utf8'}).stdout.trim().split('\n').filter(Boolean)
  let ticks = 0
  for (const pid of children) {
    try {
      ticks += processTicks(Number(pid))
    } catch {
      // exited meanwhile
    }
  }
  return ticks
}

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout.trim()) || 100

function parse(text: string): Omit<RoundRun, 'name' | 'round' | 'cpuMicrosPerRequest'> {
  const latency = /Latency\s+([\d.]+)(us|ms|s)\b/.exec(text)
  const factor = latency ? {ms: 1, s: 1000, us: 0.001}[latency[2] as 'ms' | 's' | 'us'] : Number.NaN
  return {
    latencyAvgMs: latency ? round(Number(latency[1]) * factor, 2) : Number.NaN,
    non2xx3xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0),
    requests: Number(/(\d+) requests in/.exec(text)?.[1] ?? Number.NaN),
    requestsPerSecond: round(Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? Number.NaN), 0),
  }
}

export function runRounds(wrk: string, args: string[], rounds: number, cases: WrkCase[], servers: Record<string, CpuTicks>, log: (line: string) => void, part: string): RoundRun[] {
  const runs: RoundRun[] = []
  for (let roundNumber = 1; roundNumber <= rounds; roundNumber++) {
    for (const item of cases) {
      const before = Object.fromEntries(Object.entries(servers).map(([label, ticks]) => [label, ticks()]))
      const wrkRun = spawnSync(wrk, [...args, ...Object.entries(item.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]), item.url], {encoding: 'utf8'})
      if (wrkRun.status !== 0) throw new Error(`wrk exited with ${wrkRun.status}: ${wrkRun.stderr}`)
      const parsed = parse(wrkRun.stdout)
      const cpuMicrosPerRequest = Object.fromEntries(
        Object.entries(servers).map(([label, ticks]) => [label, round((((ticks() - before[label]) / TICKS_PER_SECOND) * 1e6) / parsed.requests, 1)]),
      )
      runs.push({...parsed, cpuMicrosPerRequest, name: item.name, round: roundNumber})
      log(`  (${part}) round ${roundNumber}, ${item.name}: ${parsed.requestsPerSecond} req/s, CPU per request ${JSON.stringify(cpuMicrosPerRequest)} µs`)
    }
  }
  return runs
}

export interface CaseSummary {
  name: string
  requestsPerSecond: number
  latencyAvgMs: number
  perRound: number[]
  /** Median over the rounds, per server process. */
  cpuMicrosPerRequest: Record<string, number>
}

export function summarizeCases(runs: RoundRun[], names: string[]): CaseSummary[] {
  return names.map((name) => {
    const mine = runs.filter((run) => run.name === name)
    const labels = Object.keys(mine[0]?.cpuMicrosPerRequest ?? {})
    return {
      cpuMicrosPerRequest: Object.fromEntries(labels.map((label) => [label, median(mine.map((run) => run.cpuMicrosPerRequest[label]))])),
      latencyAvgMs: median(mine.map((run) => run.latencyAvgMs)),
      name,
      perRound: mine.map((run) => run.requestsPerSecond),
      requestsPerSecond: median(mine.map((run) => run.requestsPerSecond)),
    }
  })
}

/** The median over rounds of (case / baseline) within each round, and every round's ratio. */
export function pairedRatio(runs: RoundRun[], name: string, baseline: string): {median: number; perRound: number[]} {
  const rounds = [...new Set(runs.map((run) => run.round))]
  const perRound = rounds.flatMap((r) => {
    const mine = runs.find((run) => run.round === r && run.name === name)
    const base = runs.find((run) => run.round === r && run.name === baseline)
    return mine && base && base.requestsPerSecond > 0 ? [round(mine.requestsPerSecond / base.requestsPerSecond, 2)] : []
  })
  return {median: round(median(perRound), 2), perRound}
}
