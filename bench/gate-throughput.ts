/**
 * (j) The gate under wrk: requests/s through the gated backend to an upstream, against the same upstream directly and
 * through a bare kept-alive nginx proxy, in the same run (interleaved rounds), for each way through (the bypass cookie,
 * the bypass header, an exempt path), and for three upstreams:
 * - a static nginx answering the page's HTML from a file: the fastest upstream there is, so the rows show what one nginx
 *   hop costs (about as much CPU again as that answer): the worst case;
 * - a Node HTTP server in its own process building an HTML page of a few KB per request (bench/gate-upstream-app.ts):
 *   an application, what a maintenance gate stands in front of; the goal (>= 0.9) is judged on it;
 * - the same server awaiting a fixed service time before building the page (an application waiting on its database):
 *   latency-bound.
 * The gate's nginx.conf is the one the backend renders, one port per upstream as for a target with several original
 * backends, each upstream an address (kept-alive connections). The bare proxy is a third nginx with a kept-alive
 * `proxy_pass` per upstream, and for the static upstream also one with a connection per request (what a Service reached
 * by DNS name per request costs; see README, the gate). Beside requests/s, the CPU per request of every server process.
 */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {bypassCookie, bypassDigest, gateKeyConf} from '../src/render/gate.js'
import {renderNginxConf} from '../src/render/nginx-conf.js'
import {defaultPage, renderPage} from '../src/render/page.js'
import {NGINX_MISSING, findNginx} from '../test/support/nginx.js'
import {freePort} from '../test/support/ports.js'
import {findBinary} from '../test/support/system-binary.js'
import {sampleView, waitFor} from './page-throughput.js'
import {round} from './stats.js'
import {type CaseSummary, type CpuTicks, type RoundRun, nginxWorkersCpu, pairedRatio, processCpu, runRounds, summarizeCases} from './wrk-rounds.js'

// Many short rounds rather than a few long ones: on a shared machine the median of per-round ratios then settles.
const CONNECTIONS = 32
const WRK_ARGS = ['-t2', `-c${CONNECTIONS}`, '-d2s']
const ROUNDS = 9
const SECRET = 'bench-bypass-secret-0123456789'
const SALT = 'bench-salt'
const KEY = '0123456789abcdef0123456789abcdef'
const TTL = 43_200
/**
 * The latency-bound upstream's service time. At wrk's 32 connections, 5 ms caps it near 6,400 requests/s while its
 * page costs its one thread about a tenth of a millisecond: the wait, not a core, is what limits it. (At 2-3 ms the cap
 * would be where the app's own CPU already limits it, and the case would say nothing the app case does not.)
 */
export const APP_WAIT_MS = 5
const APP_SCRIPT = fileURLToPath(new URL('gate-upstream-app.ts', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url))

/** The ways a request takes, the same for each upstream; only the static upstream has the last two. */
export const GATE_WAYS = {
  direct: 'upstream directly (200)',
  proxy: 'bare nginx proxy, kept-alive connections (200)',
  cookie: 'through the gate, bypass cookie (200)',
  header: 'through the gate, bypass header (200)',
  exempt: 'through the gate, exempt path (200)',
  proxyNoKeepalive: 'bare nginx proxy, a connection per request (200)',
  page: 'gated page, no bypass (503 HTML)',
} as const
export type GateWay = keyof typeof GATE_WAYS
export type GateRatioWay = Exclude<GateWay, 'direct'>

export const GATE_UPSTREAMS = {
  static: {
    label: 'static nginx',
    what: "a second nginx answering the maintenance page's HTML from a file: the cheapest answer there is, so one proxy hop costs about as much CPU again; the worst case",
  },
  app: {
    label: 'Node app',
    what: 'a Node HTTP server (node:http, no framework) in its own process, building a shop page per request: 24 products from memory, every value HTML-escaped, prices formatted with Intl.NumberFormat',
  },
  appWaiting: {
    label: `Node app waiting ${APP_WAIT_MS} ms`,
    what: `the same server awaiting ${APP_WAIT_MS} ms before building the page, as an application waiting on its database does; meant to be latency-bound (see below whether it was)`,
  },
} as const
export type GateUpstreamKey = keyof typeof GATE_UPSTREAMS
/** The upstream the goal (>= 0.9 through the gate) is judged on: an application, which is what the gate stands in front of. */
export const GATE_GOAL_UPSTREAM: GateUpstreamKey = 'app'

export function gateCaseName(upstream: GateUpstreamKey, way: GateWay): string {
  return way === 'page' ? GATE_WAYS.page : `${GATE_UPSTREAMS[upstream].label}: ${GATE_WAYS[way]}`
}

export interface GateUpstreamResult {
  key: GateUpstreamKey
  label: string
  what: string
  /** Its label in each run's cpuMicrosPerRequest. */
  cpuLabel: string
  /** Bytes of the body it answers /shop/checkout with. */
  bodyBytes: number
  ways: GateWay[]
  /** Per way: the median over rounds of (that way / directly) within each round, and every round's ratio. */
  ratios: Partial<Record<GateRatioWay, {median: number; perRound: number[]}>>
}

export interface GateThroughputResult {
  date: string
  tool: string
  rounds: number
  runs: RoundRun[]
  medians: CaseSummary[]
  goalUpstream: GateUpstreamKey
  upstreams: GateUpstreamResult[]
  loadAverage1m: number
  loadAverageAfter1m: number
  /** wrk's connections, each with one request at a time: with the wait, they bound the latency-bound upstream's requests/s. */
  connections: number
  appWaitMs: number
}

const WAYS_OF: Record<GateUpstreamKey, GateWay[]> = {
  app: ['direct', 'proxy', 'cookie', 'header', 'exempt'],
  appWaiting: ['direct', 'proxy', 'cookie', 'header', 'exempt'],
  static: ['direct', 'proxy', 'cookie', 'header', 'exempt', 'proxyNoKeepalive', 'page'],
}
const CPU_LABEL: Record<GateUpstreamKey, string> = {app: 'app', appWaiting: 'app waiting', static: 'static upstream'}

function write(file: string, body: string): void {
  writeFileSync(file, body, {mode: 0o644})
}

async function startNginx(dir: string, conf: string, health: string): Promise<{pid: number; stop: () => Promise<void>}> {
  const binary = findNginx()
  if (!binary) throw new Error(NGINX_MISSING)
  write(path.join(dir, 'nginx.conf'), conf)
  const child = spawn(binary, ['-p', dir, '-e', 'stderr', '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], {stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const stop = stopper(child)
  try {
    await waitFor(health, child, () => stderr)
  } catch (error) {
    await stop()
    throw error
  }
  return {pid: child.pid!, stop}
}

function stopper(child: ChildProcess): () => Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
}

/** The application-like upstream, in a node process of its own (the bench's own process stays out of its CPU). */
async function startApp(port: number, waitMs: number): Promise<{pid: number; stop: () => Promise<void>}> {
  const child = spawn(process.execPath, ['--import', 'tsx', APP_SCRIPT, String(port), String(waitMs)], {cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe']})
  const stop = stopper(child)
  let output = ''
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the app upstream did not listen within 30 s: ${output}`)), 30_000)
      const seen = (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('listening')) {
          clearTimeout(timer)
          resolve()
        }
      }
      child.stdout?.on('data', seen)
      child.stderr?.on('data', seen)
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`the app upstream exited with ${code}: ${output}`))
      })
    })
  } catch (error) {
    await stop()
    throw error
  }
  return {pid: child.pid!, stop}
}

function tempPaths(dir: string): string {
  return ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `${name}_temp_path "${dir}/tmp/${name}";`).join(' ')
}

function nginxDir(root: string, name: string): string {
  const dir = path.join(root, name)
  mkdirSync(path.join(dir, 'tmp'), {mode: 0o755, recursive: true})
  return dir
}

function plainNginxConf(dir: string, lines: string[]): string {
  return ['worker_processes 1;', `pid "${dir}/tmp/nginx.pid";`, 'error_log stderr warn;', 'events { worker_connections 1024; }', 'http {', '  access_log off;', `  ${tempPaths(dir)}`, ...lines.map((line) => `  ${line}`), '}', ''].join('\n')
}

/** The app stamps each page with the time it was rendered: the rest must be the same whichever way it came. */
function withoutRenderTime(body: string): string {
  return body.replace(/Rendered \d{4}-\d\d-\d\dT[\d:.]+Z/, 'Rendered (time)')
}

export async function measureGateThroughput(log: (line: string) => void): Promise<GateThroughputResult> {
  const wrk = findBinary('wrk')
  if (!wrk) throw new Error('wrk not found: apt-get install wrk')
  const page = renderPage(defaultPage(), sampleView())
  const dir = mkdtempSync(path.join(tmpdir(), 'km-bench-gate-'))
  chmodSync(dir, 0o755)
  const stops: Array<() => Promise<void>> = []
  try {
    // The static upstream: the page's HTML as a file (an application's page, served as cheaply as can be).
    const staticDir = nginxDir(dir, 'upstream')
    write(path.join(staticDir, 'index.html'), page.html)
    const upstreamPort: Record<GateUpstreamKey, number> = {app: await freePort(), appWaiting: await freePort(), static: await freePort()}
    const staticUpstream = await startNginx(
      staticDir,
      plainNginxConf(staticDir, [`server { listen 127.0.0.1:${upstreamPort.static}; root "${staticDir}"; location / { default_type text/html; try_files /index.html =404; } }`]),
      `http://127.0.0.1:${upstreamPort.static}/`,
    )
    stops.push(staticUpstream.stop)
    const app = await startApp(upstreamPort.app, 0)
    stops.push(app.stop)
    const appWaiting = await startApp(upstreamPort.appWaiting, APP_WAIT_MS)
    stops.push(appWaiting.stop)

    const proxyDir = nginxDir(dir, 'proxy')
    const keptPort: Record<GateUpstreamKey, number> = {app: await freePort(), appWaiting: await freePort(), static: await freePort()}
    const perRequestPort = await freePort()
    const keys = Object.keys(GATE_UPSTREAMS) as GateUpstreamKey[]
    const proxy = await startNginx(
      proxyDir,
      plainNginxConf(proxyDir, [
        ...keys.flatMap((key) => [
          `upstream kept_${key} { server 127.0.0.1:${upstreamPort[key]}; keepalive 32; }`,
          `server { listen 127.0.0.1:${keptPort[key]}; location / { proxy_pass http://kept_${key}; proxy_http_version 1.1; proxy_set_header Connection ""; } }`,
        ]),
        `upstream per_request { server 127.0.0.1:${upstreamPort.static}; }`,
        `server { listen 127.0.0.1:${perRequestPort}; location / { proxy_pass http://per_request; } }`,
      ]),
      `http://127.0.0.1:${keptPort.static}/`,
    )
    stops.push(proxy.stop)

    // The gate: one port per original backend, as a backend for a target with several has; the static one is the main listener.
    const gateDir = nginxDir(dir, 'gate')
    for (const variant of ['html', 'json', 'xml'] as const) write(path.join(gateDir, `page.${variant}`), page[variant])
    const now = Date.now()
    write(path.join(gateDir, 'gate.conf'), gateKeyConf(KEY, TTL, now - 3_600_000, now + 86_400_000))
    const gatePort: Record<GateUpstreamKey, number> = {app: await freePort(), appWaiting: await freePort(), static: await freePort()}
    const gateConf = renderNginxConf({
      assets: [],
      contentRoot: gateDir,
      gate: {
        allowCidrs: [],
        bypass: {digest: bypassDigest(SALT, SECRET), salt: SALT, secureCookie: true, ttlSeconds: TTL},
        except: ['/status/*'],
        keyFile: path.join(gateDir, 'gate.conf'),
        readOnly: false,
        trustForwardedFor: 0,
        upstreams: keys.map((key) => ({address: `127.0.0.1:${upstreamPort[key]}`, port: gatePort[key]})),
      },
      listen: `127.0.0.1:${gatePort.static}`,
      pidFile: path.join(gateDir, 'tmp', 'nginx.pid'),
      retryAfter: page.retryAfter,
      status: page.status,
      tempRoot: path.join(gateDir, 'tmp'),
    }).replace('access_log /dev/stdout;', 'access_log off;')
    const gate = await startNginx(gateDir, gateConf, `http://127.0.0.1:${gatePort.static}/_maintenance/healthz`)
    stops.push(gate.stop)

    const at = (port: number, urlPath: string) => `http://127.0.0.1:${port}${urlPath}`
    const cookie = `maintenance_bypass=${bypassCookie(KEY, Math.floor(now / 1000) + TTL - 3600)}`
    const wayCase = (key: GateUpstreamKey, way: GateWay): {headers: Record<string, string>; url: string} => {
      switch (way) {
        case 'direct':
          return {headers: {}, url: at(upstreamPort[key], '/shop/checkout')}
        case 'proxy':
          return {headers: {}, url: at(keptPort[key], '/shop/checkout')}
        case 'proxyNoKeepalive':
          return {headers: {}, url: at(perRequestPort, '/shop/checkout')}
        case 'cookie':
          return {headers: {Cookie: cookie}, url: at(gatePort[key], '/shop/checkout')}
        case 'header':
          return {headers: {'X-Maintenance-Bypass': SECRET}, url: at(gatePort[key], '/shop/checkout')}
        case 'exempt':
          return {headers: {}, url: at(gatePort[key], '/status/checkout')}
        case 'page':
          return {headers: {Accept: 'text/html'}, url: at(gatePort[key], '/shop/checkout')}
      }
    }
    const cases = keys.flatMap((key) => WAYS_OF[key].map((way) => ({...wayCase(key, way), key, name: gateCaseName(key, way), way})))

    // Every way answers what the upstream answers directly (the page aside), before anything is measured.
    const bodyBytes = {} as Record<GateUpstreamKey, number>
    for (const key of keys) {
      const direct = await fetch(at(upstreamPort[key], '/shop/checkout')).then(async (response) => ({body: await response.text(), status: response.status}))
      if (direct.status !== 200) throw new Error(`${GATE_UPSTREAMS[key].label}: answered ${direct.status} directly`)
      bodyBytes[key] = Buffer.byteLength(direct.body)
      for (const item of cases.filter((candidate) => candidate.key === key)) {
        const response = await fetch(item.url, {headers: item.headers})
        const body = await response.text()
        const expected = item.way === 'page' ? page.status : 200
        const sameBody = item.way === 'page' || withoutRenderTime(body) === withoutRenderTime(item.way === 'exempt' ? direct.body.replaceAll('/shop/checkout', '/status/checkout') : direct.body)
        if (response.status !== expected || !sameBody) throw new Error(`${item.name}: expected ${expected} with the upstream's body, got ${response.status}`)
      }
    }

    const servers: Record<string, CpuTicks> = {
      gate: nginxWorkersCpu(gate.pid),
      proxy: nginxWorkersCpu(proxy.pid),
      [CPU_LABEL.static]: nginxWorkersCpu(staticUpstream.pid),
      [CPU_LABEL.app]: processCpu(app.pid),
      [CPU_LABEL.appWaiting]: processCpu(appWaiting.pid),
    }
    // V8 compiles the app's hot paths only after thousands of requests: warm both apps first, else the first round's
    // direct case (the first to reach them) pays for it.
    for (const key of ['app', 'appWaiting'] as const) {
      const warm = spawnSync(wrk, [...WRK_ARGS.filter((arg) => !arg.startsWith('-d')), '-d3s', at(upstreamPort[key], '/shop/warm-up')], {encoding: 'utf8'})
      if (warm.status !== 0) throw new Error(`wrk exited with ${warm.status} warming ${GATE_UPSTREAMS[key].label} up: ${warm.stderr}`)
    }
    const loadAverage1m = round(loadavg()[0], 2)
    const runs = runRounds(wrk, WRK_ARGS, ROUNDS, cases, servers, log, 'j')
    const loadAverageAfter1m = round(loadavg()[0], 2)
    return {
      appWaitMs: APP_WAIT_MS,
      connections: CONNECTIONS,
      date: new Date().toISOString(),
      goalUpstream: GATE_GOAL_UPSTREAM,
      loadAverage1m,
      loadAverageAfter1m,
      medians: summarizeCases(
        runs,
        cases.map((item) => item.name),
      ),
      rounds: ROUNDS,
      runs,
      tool: `wrk ${WRK_ARGS.join(' ')}`,
      upstreams: keys.map((key) => ({
        bodyBytes: bodyBytes[key],
        cpuLabel: CPU_LABEL[key],
        key,
        label: GATE_UPSTREAMS[key].label,
        ratios: Object.fromEntries(
          WAYS_OF[key].filter((way) => way !== 'direct').map((way) => [way, pairedRatio(runs, gateCaseName(key, way), gateCaseName(key, 'direct'))]),
        ),
        ways: WAYS_OF[key],
        what: GATE_UPSTREAMS[key].what,
      })),
    }
  } finally {
    for (const stop of stops.reverse()) await stop()
    rmSync(dir, {force: true, recursive: true})
  }
}
