/**
 * `tsx bench/large-steady-profile.ts [passes]`: where the time of (g)'s steady pass goes. Sets up (g)'s fleet, lets
 * passes converge, then runs steady passes as (g) does and, for each, splits the span from the first to the last
 * request between the API server (this process: its CPU while the pass runs, and how long it took to answer each
 * request) and the pass (its own CPU); one more pass runs under `node --cpu-prof`, summarised by what its time was
 * spent in (self time by function, and inclusive time of the pass's main steps).
 */
import {mkdtempSync, readFileSync, readdirSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import path from 'node:path'

import {build} from 'esbuild'

import {BANNER, ROOT, bundleDefines, commandFiles, commonBuildOptions, entrySource} from '../scripts/build-bundle.js'
import {DEFAULT_NAMESPACES, startApiServer} from '../test/support/apiserver.js'
import {expectSuccess, runPass} from './cli-pass.js'
import {fleetObjects} from './fixtures.js'
import {LARGE} from './large-steady.js'
import {isWrite, passPhases} from './request-log.js'

interface ProfileNode {
  id: number
  callFrame: {functionName: string; url: string; lineNumber: number}
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** Inclusive time of these functions (by name) in the profile: the pass's main steps. */
const STEPS = ['observe', 'decodeWindows', 'summariseBackendConfigMaps', 'observeTargets', 'plan', 'render', 'renderUncached', 'syncFeeds', 'write', 'buildFeed', 'renderIcs', 'renderScheduleJson', 'parse', 'send']

function summarise(profile: CpuProfile, log: (line: string) => void): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const self = new Map<number, number>()
  profile.samples.forEach((id, index) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000))
  const total = [...self.values()].reduce((sum, ms) => sum + ms, 0)
  const bySelf = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const [id, ms] of self) {
    const node = byId.get(id)!
    const name = `${node.callFrame.functionName || '(anonymous)'} ${path.basename(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`
    bySelf.set(name, (bySelf.get(name) ?? 0) + ms)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const fn = byId.get(at)!.callFrame.functionName
      if (STEPS.includes(fn) && !seen.has(fn)) {
        seen.add(fn)
        inclusive.set(fn, (inclusive.get(fn) ?? 0) + ms)
      }
    }
  }
  log(`  profile: ${Math.round(total)} ms sampled`)
  log('  self time, top 25:')
  for (const [name, ms] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, 25)) log(`    ${ms.toFixed(0).padStart(6)} ms  ${name}`)
  log('  inclusive time of the main steps:')
  for (const [name, ms] of [...inclusive].sort((a, b) => b[1] - a[1])) log(`    ${ms.toFixed(0).padStart(6)} ms  ${name}`)
}

/** The bundle as the bench builds it, but not minified: the profile names functions as the source does. */
async function readableBundle(directory: string): Promise<string> {
  const outfile = path.join(directory, 'kubectl-maintenance.mjs')
  await build({
    ...commonBuildOptions(outfile),
    banner: {js: BANNER},
    define: {...(await bundleDefines()), __KM_BUNDLE__: 'true'},
    format: 'esm',
    logLevel: 'warning',
    minify: false,
    stdin: {contents: entrySource(commandFiles()), loader: 'ts', resolveDir: ROOT, sourcefile: 'kubectl-maintenance-entry.ts'},
  })
  return outfile
}

async function main(): Promise<void> {
  const passes = Number(process.argv[2] ?? 3)
  const profiles = Number(process.argv[3] ?? 1)
  const log = (line: string) => process.stdout.write(`${line}\n`)
  log(`load average: ${loadavg().map((value) => value.toFixed(2)).join(' ')}`)
  const {namespaces, objects} = fleetObjects(LARGE, Date.now())
  const server = await startApiServer({namespaces: [...DEFAULT_NAMESPACES, ...namespaces], readyDelayMs: 1000})
  // The CronJob runs node without flags (its young generation at node's default: larger ones cost more CPU here).
  const env: Record<string, string> = {}
  try {
    server.seed(...objects)
    const args = ['reconcile', '-A', '--horizon', '55s', '--kubeconfig', server.kubeconfigPath]
    for (let pass = 1; pass <= 6; pass++) {
      server.clearLog()
      expectSuccess(await runPass(args, {env}), `converging pass ${pass}`)
      const writes = server.requests.filter((entry) => isWrite(entry)).length
      log(`converging pass ${pass}: ${server.requests.length} requests, ${writes} writes`)
      if (writes === 0) break
    }
    // KM_SEMI_SPACES="0,16,32": each young-generation size (MiB, 0: node's default) in turn, for the same passes.
    const semiSpaces = process.env.KM_SEMI_SPACES?.split(',').map(Number) ?? [undefined]
    for (const semi of semiSpaces) {
      const flags = semi === undefined ? env : {...env, NODE_OPTIONS: semi === 0 ? '' : `--max-semi-space-size=${semi}`}
      if (semi !== undefined) log(`NODE_OPTIONS=${flags.NODE_OPTIONS}`)
    for (let index = 0; index < passes; index++) {
      server.clearLog()
      const serverCpu = process.cpuUsage()
      const run = await runPass(args, {env: flags})
      const {system, user} = process.cpuUsage(serverCpu)
      expectSuccess(run, 'steady pass')
      const phases = passPhases(server.requests, run.startedAt, run.endedAt)
      const answering = server.requests.reduce((sum, entry) => sum + ((entry.endedAt ?? entry.at) - entry.at), 0)
      log(
        `steady pass ${index + 1}: wall ${Math.round(run.wallMs)} ms, pass CPU ${run.cpuMs} ms, RSS ${(run.maxRssKb / 1024).toFixed(1)} MiB; ` +
          `start-up ${phases.startupMs} ms, first to last request ${phases.spanMs} ms, after the last ${phases.afterLastRequestMs} ms; ` +
          `API server: ${Math.round((user + system) / 1000)} ms CPU in the pass, ${answering} ms answering its ${server.requests.length} requests`,
      )
      for (const entry of server.requests) {
        const query = entry.query.labelSelector ?? ''
        if (process.env.KM_REQUESTS) log(`    +${entry.at - run.startedAt} ms ${entry.method} ${entry.path} ${query} ${entry.query.continue ? '(further page) ' : ''}answered in ${(entry.endedAt ?? entry.at) - entry.at} ms`)
      }
    }
    }
    for (let index = 0; index < profiles; index++) {
      const directory = mkdtempSync(path.join(tmpdir(), 'km-cpuprof-'))
      const bundleFile = await readableBundle(directory)
      server.clearLog()
      const profiled = await runPass(args, {bundleFile, env, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${directory}`]})
      expectSuccess(profiled, 'profiled pass')
      log(`profiled pass: wall ${Math.round(profiled.wallMs)} ms, CPU ${profiled.cpuMs} ms (${directory})`)
      const file = readdirSync(directory).find((name) => name.endsWith('.cpuprofile'))
      if (file) summarise(JSON.parse(readFileSync(path.join(directory, file), 'utf8')) as CpuProfile, log)
    }
  } finally {
    await server.close()
  }
}

await main()
