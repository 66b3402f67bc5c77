/**
 * (j) The gate under wrk: requests/s through the gated backend (header bypass) to an upstream, against the same
 * upstream directly, in the same run; and the gated backend's page (no bypass) against a static 200 of the same
 * HTML, to compare with (e)'s ratio. The upstream is a second nginx serving a small static body: the fastest
 * upstream there is, so what the gate costs is not hidden behind a slow application. The gate's nginx.conf is the
 * one the backend renders, with the upstream as an address (in a cluster it is a Service name, resolved per TTL).
 */
import {spawn} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import path from 'node:path'

import {bypassDigest, gateKeyConf} from '../src/render/gate.js'
import {renderNginxConf} from '../src/render/nginx-conf.js'
import {defaultPage, renderPage} from '../src/render/page.js'
import {NGINX_MISSING, findNginx} from '../test/support/nginx.js'
import {freePort} from '../test/support/ports.js'
import {findBinary} from '../test/support/system-binary.js'
import {type WrkRun, capture, parseWrk, sampleView, waitFor} from './page-throughput.js'
import {median, round} from './stats.js'

const WRK_ARGS = ['-t2', '-c32', '-d10s']
const ROUNDS = 3
const SECRET = 'bench-bypass-secret-0123456789'
const SALT = 'bench-salt'

export interface GateThroughputResult {
  date: string
  tool: string
  rounds: number
  runs: WrkRun[]
  medians: Array<{name: string; requestsPerSecond: number; latencyAvgMs: number}>
  /** Through the gate to the upstream / directly to the upstream (goal >= 0.9). */
  gateRatio: number
  /** The gated backend's page 503 HTML / static 200 of the same HTML (compare with (e)). */
  pageRatio: number
  loadAverage1m: number
}

function write(file: string, body: string): void {
  writeFileSync(file, body, {mode: 0o644})
}

async function startNginx(dir: string, conf: string, health: string): Promise<() => Promise<void>> {
  const binary = findNginx()
  if (!binary) throw new Error(NGINX_MISSING)
  write(path.join(dir, 'nginx.conf'), conf)
  const child = spawn(binary, ['-p', dir, '-e', 'stderr', '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], {stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  try {
    await waitFor(health, child, () => stderr)
  } catch (error) {
    await stop()
    throw error
  }
  return stop
}

export async function measureGateThroughput(log: (line: string) => void): Promise<GateThroughputResult> {
  const wrk = findBinary('wrk')
  if (!wrk) throw new Error('wrk not found: apt-get install wrk')
  const page = renderPage(defaultPage(), sampleView())
  const dir = mkdtempSync(path.join(tmpdir(), 'km-bench-gate-'))
  chmodSync(dir, 0o755)
  const stops: Array<() => Promise<void>> = []
  try {
    // The upstream: static HTML of the page's size (an application's page), and the same file for the page ratio.
    const upstreamDir = path.join(dir, 'upstream')
    mkdirSync(path.join(upstreamDir, 'tmp'), {mode: 0o755, recursive: true})
    write(path.join(upstreamDir, 'index.html'), page.html)
    const upstreamPort = await freePort()
    const upstreamConf = [
      'worker_processes 1;',
      `pid "${upstreamDir}/tmp/nginx.pid";`,
      'error_log stderr warn;',
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path "${upstreamDir}/tmp/body"; proxy_temp_path "${upstreamDir}/tmp/proxy"; fastcgi_temp_path "${upstreamDir}/tmp/fcgi"; uwsgi_temp_path "${upstreamDir}/tmp/uwsgi"; scgi_temp_path "${upstreamDir}/tmp/scgi";`,
      `  server { listen 127.0.0.1:${upstreamPort}; root "${upstreamDir}"; location / { default_type text/html; try_files /index.html =404; } }`,
      '}',
      '',
    ].join('\n')
    stops.push(await startNginx(upstreamDir, upstreamConf, `http://127.0.0.1:${upstreamPort}/`))

    const gateDir = path.join(dir, 'gate')
    mkdirSync(path.join(gateDir, 'tmp'), {mode: 0o755, recursive: true})
    for (const variant of ['html', 'json', 'xml'] as const) write(path.join(gateDir, `page.${variant}`), page[variant])
    const now = Date.now()
    write(path.join(gateDir, 'gate.conf'), gateKeyConf('0123456789abcdef0123456789abcdef', 43_200, now - 3_600_000, now + 86_400_000))
    const gatePort = await freePort()
    const gateConf = renderNginxConf({
      assets: [],
      contentRoot: gateDir,
      gate: {
        allowCidrs: [],
        bypass: {digest: bypassDigest(SALT, SECRET), salt: SALT, secureCookie: true, ttlSeconds: 43_200},
        except: [],
        keyFile: path.join(gateDir, 'gate.conf'),
        readOnly: false,
        trustForwardedFor: 0,
        upstreams: [{address: `127.0.0.1:${upstreamPort}`, port: gatePort}],
      },
      listen: `127.0.0.1:${gatePort}`,
      pidFile: path.join(gateDir, 'tmp', 'nginx.pid'),
      retryAfter: page.retryAfter,
      status: page.status,
      tempRoot: path.join(gateDir, 'tmp'),
    }).replace('access_log /dev/stdout;', 'access_log off;')
    stops.push(await startNginx(gateDir, gateConf, `http://127.0.0.1:${gatePort}/_maintenance/healthz`))

    const direct = `http://127.0.0.1:${upstreamPort}/shop/checkout`
    const gated = `http://127.0.0.1:${gatePort}/shop/checkout`
    const cases = [
      {headers: [] as string[], name: 'upstream directly (200)', status: 200, url: direct},
      {headers: ['-H', `X-Maintenance-Bypass: ${SECRET}`], name: 'through the gate, bypass header (200)', status: 200, url: gated},
      {headers: ['-H', 'Accept: text/html'], name: 'gated page, no bypass (503 HTML)', status: page.status, url: gated},
    ]
    for (const item of cases) {
      const headers = Object.fromEntries(item.headers.filter((_, index) => index % 2 === 1).map((header) => header.split(': ') as [string, string]))
      const response = await fetch(item.url, {headers})
      await response.arrayBuffer()
      if (response.status !== item.status) throw new Error(`${item.name}: expected ${item.status}, got ${response.status}`)
    }
    const loadAverage1m = round(loadavg()[0], 2)
    const runs: WrkRun[] = []
    for (let roundNumber = 1; roundNumber <= ROUNDS; roundNumber++) {
      for (const item of cases) {
        const output = await capture(wrk, [...WRK_ARGS, ...item.headers, item.url])
        const run = {accept: 'text/html', name: item.name, round: roundNumber, status: item.status, ...parseWrk(output)}
        log(`  (j) round ${roundNumber}, ${item.name}: ${run.requestsPerSecond} req/s`)
        runs.push(run)
      }
    }
    const medians = cases.map((item) => {
      const mine = runs.filter((run) => run.name === item.name)
      return {latencyAvgMs: median(mine.map((run) => run.latencyAvgMs)), name: item.name, requestsPerSecond: median(mine.map((run) => run.requestsPerSecond))}
    })
    const [directRun, gateRun, pageRun] = medians
    return {
      date: new Date().toISOString(),
      gateRatio: round(gateRun.requestsPerSecond / directRun.requestsPerSecond, 2),
      loadAverage1m,
      medians,
      pageRatio: round(pageRun.requestsPerSecond / directRun.requestsPerSecond, 2),
      rounds: ROUNDS,
      runs,
      tool: `wrk ${WRK_ARGS.join(' ')}`,
    }
  } finally {
    for (const stop of stops.reverse()) await stop()
    rmSync(dir, {force: true, recursive: true})
  }
}
