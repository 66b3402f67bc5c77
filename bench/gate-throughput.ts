/**
 * (j) The gate under wrk: requests/s through the gated backend to an upstream, against the same upstream directly,
 * in the same run, for each way through (the bypass cookie, the bypass header, an exempt path); and the gated
 * backend's page (no bypass). The upstream is a second nginx serving a small static body: the fastest upstream there
 * is, so what the gate costs is not hidden behind a slow application. The gate's nginx.conf is the one the backend
 * renders, with the upstream as an address (kept-alive connections). For scale, a third nginx is a bare proxy_pass to
 * the same upstream, once with kept-alive connections (the least any nginx hop costs) and once with a connection per
 * request (what a Service reached by DNS name per request costs; see README, the gate).
 */
import {spawn} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import path from 'node:path'

import {bypassCookie, bypassDigest, gateKeyConf} from '../src/render/gate.js'
import {renderNginxConf} from '../src/render/nginx-conf.js'
import {defaultPage, renderPage} from '../src/render/page.js'
import {NGINX_MISSING, findNginx} from '../test/support/nginx.js'
import {freePort} from '../test/support/ports.js'
import {findBinary} from '../test/support/system-binary.js'
import {sampleView, waitFor} from './page-throughput.js'
import {round} from './stats.js'
import {type CaseSummary, type RoundRun, pairedRatio, runRounds, summarizeCases} from './wrk-rounds.js'

// Many short rounds rather than a few long ones: on a shared machine the median of per-round ratios then settles.
const WRK_ARGS = ['-t2', '-c32', '-d2s']
const ROUNDS = 9
const SECRET = 'bench-bypass-secret-0123456789'
const SALT = 'bench-salt'
const KEY = '0123456789abcdef0123456789abcdef'
const TTL = 43_200

export const GATE_CASES = {
  cookie: 'through the gate, bypass cookie (200)',
  direct: 'upstream directly (200)',
  exempt: 'through the gate, exempt path (200)',
  header: 'through the gate, bypass header (200)',
  page: 'gated page, no bypass (503 HTML)',
  proxy: 'bare nginx proxy, kept-alive connections (200)',
  proxyNoKeepalive: 'bare nginx proxy, a connection per request (200)',
} as const

export interface GateThroughputResult {
  date: string
  tool: string
  rounds: number
  runs: RoundRun[]
  medians: CaseSummary[]
  /** Per way through the gate: median over rounds of (through the gate / directly) within each round (goal >= 0.9). */
  ratios: Record<'cookie' | 'header' | 'exempt' | 'proxy' | 'proxyNoKeepalive' | 'page', {median: number; perRound: number[]}>
  loadAverage1m: number
}

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
  return {pid: child.pid!, stop}
}

function tempPaths(dir: string): string {
  return ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `${name}_temp_path "${dir}/tmp/${name}";`).join(' ')
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
      `  ${tempPaths(upstreamDir)}`,
      `  server { listen 127.0.0.1:${upstreamPort}; root "${upstreamDir}"; location / { default_type text/html; try_files /index.html =404; } }`,
      '}',
      '',
    ].join('\n')
    const upstream = await startNginx(upstreamDir, upstreamConf, `http://127.0.0.1:${upstreamPort}/`)
    stops.push(upstream.stop)

    const proxyDir = path.join(dir, 'proxy')
    mkdirSync(path.join(proxyDir, 'tmp'), {mode: 0o755, recursive: true})
    const [keptPort, perRequestPort] = [await freePort(), await freePort()]
    const proxyConf = [
      'worker_processes 1;',
      `pid "${proxyDir}/tmp/nginx.pid";`,
      'error_log stderr warn;',
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      `  ${tempPaths(proxyDir)}`,
      `  upstream kept { server 127.0.0.1:${upstreamPort}; keepalive 32; }`,
      `  upstream per_request { server 127.0.0.1:${upstreamPort}; }`,
      `  server { listen 127.0.0.1:${keptPort}; location / { proxy_pass http://kept; proxy_http_version 1.1; proxy_set_header Connection ""; } }`,
      `  server { listen 127.0.0.1:${perRequestPort}; location / { proxy_pass http://per_request; } }`,
      '}',
      '',
    ].join('\n')
    const proxy = await startNginx(proxyDir, proxyConf, `http://127.0.0.1:${keptPort}/`)
    stops.push(proxy.stop)

    const gateDir = path.join(dir, 'gate')
    mkdirSync(path.join(gateDir, 'tmp'), {mode: 0o755, recursive: true})
    for (const variant of ['html', 'json', 'xml'] as const) write(path.join(gateDir, `page.${variant}`), page[variant])
    const now = Date.now()
    write(path.join(gateDir, 'gate.conf'), gateKeyConf(KEY, TTL, now - 3_600_000, now + 86_400_000))
    const gatePort = await freePort()
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
        upstreams: [{address: `127.0.0.1:${upstreamPort}`, port: gatePort}],
      },
      listen: `127.0.0.1:${gatePort}`,
      pidFile: path.join(gateDir, 'tmp', 'nginx.pid'),
      retryAfter: page.retryAfter,
      status: page.status,
      tempRoot: path.join(gateDir, 'tmp'),
    }).replace('access_log /dev/stdout;', 'access_log off;')
    const gate = await startNginx(gateDir, gateConf, `http://127.0.0.1:${gatePort}/_maintenance/healthz`)
    stops.push(gate.stop)

    const at = (port: number, path: string) => `http://127.0.0.1:${port}${path}`
    const cookie = `maintenance_bypass=${bypassCookie(KEY, Math.floor(now / 1000) + TTL - 3600)}`
    const cases: Array<{headers: Record<string, string>; name: string; status: number; url: string}> = [
      {headers: {}, name: GATE_CASES.direct, status: 200, url: at(upstreamPort, '/shop/checkout')},
      {headers: {}, name: GATE_CASES.proxy, status: 200, url: at(keptPort, '/shop/checkout')},
      {headers: {}, name: GATE_CASES.proxyNoKeepalive, status: 200, url: at(perRequestPort, '/shop/checkout')},
      {headers: {Cookie: cookie}, name: GATE_CASES.cookie, status: 200, url: at(gatePort, '/shop/checkout')},
      {headers: {'X-Maintenance-Bypass': SECRET}, name: GATE_CASES.header, status: 200, url: at(gatePort, '/shop/checkout')},
      {headers: {}, name: GATE_CASES.exempt, status: 200, url: at(gatePort, '/status/checkout')},
      {headers: {Accept: 'text/html'}, name: GATE_CASES.page, status: page.status, url: at(gatePort, '/shop/checkout')},
    ]
    for (const item of cases) {
      const response = await fetch(item.url, {headers: item.headers})
      const body = await response.text()
      const expected = item.status === 200 ? page.html : undefined
      if (response.status !== item.status || (expected !== undefined && body !== expected)) throw new Error(`${item.name}: expected ${item.status} with the upstream's body, got ${response.status}`)
    }
    const loadAverage1m = round(loadavg()[0], 2)
    const runs = runRounds(wrk, WRK_ARGS, ROUNDS, cases, {gate: gate.pid, proxy: proxy.pid, upstream: upstream.pid}, log, 'j')
    const ratio = (name: string) => pairedRatio(runs, name, GATE_CASES.direct)
    return {
      date: new Date().toISOString(),
      loadAverage1m,
      medians: summarizeCases(runs, cases.map((item) => item.name)),
      ratios: {
        cookie: ratio(GATE_CASES.cookie),
        exempt: ratio(GATE_CASES.exempt),
        header: ratio(GATE_CASES.header),
        page: ratio(GATE_CASES.page),
        proxy: ratio(GATE_CASES.proxy),
        proxyNoKeepalive: ratio(GATE_CASES.proxyNoKeepalive),
      },
      rounds: ROUNDS,
      runs,
      tool: `wrk ${WRK_ARGS.join(' ')}`,
    }
  } finally {
    for (const stop of stops.reverse()) await stop()
    rmSync(dir, {force: true, recursive: true})
  }
}
