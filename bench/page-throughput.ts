/**
 * (e) The rendered maintenance page under wrk against real nginx: the backend's nginx.conf (rendered with local
 * paths) answering the negotiated 503 for HTML and JSON, against a plain static 200 of the same HTML file served by
 * a second server block of the same nginx in the same run: the HTML page against the static HTML, the JSON page
 * against the same JSON bytes as a static file. The ratio is the cost of negotiation + error_page.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import path from 'node:path'

import {renderNginxConf} from '../src/render/nginx-conf.js'
import {type RenderedPage, defaultPage, renderPage} from '../src/render/page.js'
import {buildViewModel} from '../src/render/view-model.js'
import {NGINX_MISSING, findNginx} from '../test/support/nginx.js'
import {findBinary} from '../test/support/system-binary.js'
import {round} from './stats.js'
import {type CaseSummary, type RoundRun, nginxWorkersCpu, pairedRatio, runRounds, summarizeCases} from './wrk-rounds.js'
import {freePort} from '../test/support/ports.js'

export interface PageThroughputResult {
  date: string
  tool: string
  nginx: string
  bodyBytes: {html: number; json: number}
  rounds: number
  /** Every wrk run, rounds interleaved (static HTML, page HTML, static JSON, page JSON, ...). */
  runs: RoundRun[]
  /** Per case: the median over the rounds. */
  medians: Array<CaseSummary & {accept: string; status: number}>
  /** Median over rounds of (negotiated 503 / static 200 of the same bytes) within each round. */
  ratio: {html: number; json: number}
  ratioRounds: {html: number[]; json: number[]}
  loadAverage1m: number
}

// Many short rounds rather than a few long ones: on a shared machine the median of per-round ratios then settles.
const WRK_ARGS = ['-t2', '-c32', '-d2s']
const ROUNDS = 15
const STATIC_PATH = '/static/page'

export function sampleView() {
  const start = Date.UTC(2026, 10, 23, 1)
  return buildViewModel({
    contact: 'ops@example.com',
    end: start + 2 * 3_600_000,
    message: 'We are upgrading the database. The shop is back in about two hours.',
    namespace: 'shop',
    reason: 'Database upgrade',
    start,
    targets: ['ingress/shop'],
    timezone: 'Europe/Berlin',
    window: 'db-upgrade',
  })
}


/** The backend's nginx.conf with a second, bench-only server block serving the same HTML and JSON as plain static files. */
export function benchNginxConf(backendConf: string, staticListen: string, staticRoot: string): string {
  const closing = backendConf.lastIndexOf('}')
  const staticServer = [
    '',
    '  # bench only: the same bodies as a plain static 200, for comparison',
    '  server {',
    `    listen ${staticListen};`,
    ...(['html', 'json'] as const).flatMap((variant) => [
      `    location = ${STATIC_PATH}.${variant} {`,
      `      default_type ${variant === 'html' ? 'text/html' : 'application/json'};`,
      `      alias "${staticRoot}/page.${variant}";`,
      '    }',
    ]),
    '  }',
    '',
  ].join('\n')
  return `${backendConf.slice(0, closing)}${staticServer}}\n`
}

interface RunningNginx {
  pageUrl: string
  /** The static file's URL without its extension (.html, .json). */
  staticUrl: string
  version: string
  pid: number
  stop(): Promise<void>
}

function writeWorldReadable(file: string, body: string): void {
  writeFileSync(file, body, {mode: 0o644})
}

async function startBenchNginx(page: RenderedPage): Promise<RunningNginx> {
  const binary = findNginx()
  if (!binary) throw new Error(NGINX_MISSING)
  // As root nginx's workers run as nobody: everything they read must be world-readable.
  const dir = mkdtempSync(path.join(tmpdir(), 'km-bench-nginx-'))
  chmodSync(dir, 0o755)
  for (const sub of ['assets', 'tmp', 'static']) mkdirSync(path.join(dir, sub), {mode: 0o755})
  writeWorldReadable(path.join(dir, 'page.html'), page.html)
  writeWorldReadable(path.join(dir, 'page.json'), page.json)
  writeWorldReadable(path.join(dir, 'page.xml'), page.xml)
  writeWorldReadable(path.join(dir, 'static', 'page.html'), page.html)
  writeWorldReadable(path.join(dir, 'static', 'page.json'), page.json)
  const [pagePort, staticPort] = [await freePort(), await freePort()]
  const backendConf = renderNginxConf({
    assets: [],
    contentRoot: dir,
    listen: `127.0.0.1:${pagePort}`,
    pidFile: path.join(dir, 'tmp', 'nginx.pid'),
    retryAfter: page.retryAfter,
    status: page.status,
    tempRoot: path.join(dir, 'tmp'),
  })
  const confPath = path.join(dir, 'nginx.conf')
  writeWorldReadable(confPath, benchNginxConf(backendConf, `127.0.0.1:${staticPort}`, path.join(dir, 'static')))
  const child = spawn(binary, ['-p', dir, '-e', 'stderr', '-c', confPath, '-g', 'daemon off;'], {stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
    rmSync(dir, {force: true, recursive: true})
  }
  const pageUrl = `http://127.0.0.1:${pagePort}/shop/checkout`
  try {
    await waitFor(`http://127.0.0.1:${pagePort}/_maintenance/healthz`, child, () => stderr)
  } catch (error) {
    await stop()
    throw error
  }
  return {pageUrl, pid: child.pid!, staticUrl: `http://127.0.0.1:${staticPort}${STATIC_PATH}`, stop, version: await nginxVersion(binary)}
}

export async function waitFor(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr()}`)
    const ok = await fetch(url).then(
      (response) => response.status === 200,
      () => false,
    )
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`nginx did not answer ${url} within 10 s: ${stderr()}`)
}

async function nginxVersion(binary: string): Promise<string> {
  const output = await capture(binary, ['-v'])
  return /nginx\/[\w.]+/.exec(output)?.[0] ?? 'nginx'
}

export function capture(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('error', reject)
    child.once('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${output}`))))
  })
}

/** Checks what wrk will hammer is what visitors get, so the numbers are about the right responses. */
async function checkResponse(url: string, accept: string, status: number, contentType: string): Promise<void> {
  const response = await fetch(url, {headers: {Accept: accept}})
  await response.arrayBuffer()
  const type = response.headers.get('content-type') ?? ''
  if (response.status !== status || !type.startsWith(contentType)) {
    throw new Error(`${url} with Accept ${accept}: expected ${status} ${contentType}, got ${response.status} ${type}`)
  }
}

export async function measurePageThroughput(log: (line: string) => void): Promise<PageThroughputResult> {
  const wrk = findBinary('wrk')
  if (!wrk) throw new Error('wrk not found: apt-get install wrk')
  const page = renderPage(defaultPage(), sampleView())
  const nginx = await startBenchNginx(page)
  try {
    const cases = [
      {accept: 'text/html', contentType: 'text/html', name: 'static 200 (same HTML)', status: 200, url: `${nginx.staticUrl}.html`},
      {accept: 'text/html', contentType: 'text/html', name: 'page 503 HTML', status: page.status, url: nginx.pageUrl},
      {accept: 'application/json', contentType: 'application/json', name: 'static 200 (same JSON)', status: 200, url: `${nginx.staticUrl}.json`},
      {accept: 'application/json', contentType: 'application/json', name: 'page 503 JSON', status: page.status, url: nginx.pageUrl},
    ]
    for (const item of cases) await checkResponse(item.url, item.accept, item.status, item.contentType)
    const loadAverage1m = round(loadavg()[0], 2)
    const wrkCases = cases.map((item) => ({headers: {Accept: item.accept}, name: item.name, url: item.url}))
    const runs = runRounds(wrk, WRK_ARGS, ROUNDS, wrkCases, {nginx: nginxWorkersCpu(nginx.pid)}, log, 'e')
    const medians = summarizeCases(runs, cases.map((item) => item.name)).map((summary, index) => ({...summary, accept: cases[index].accept, status: cases[index].status}))
    const html = pairedRatio(runs, 'page 503 HTML', 'static 200 (same HTML)')
    const json = pairedRatio(runs, 'page 503 JSON', 'static 200 (same JSON)')
    return {
      bodyBytes: {html: Buffer.byteLength(page.html), json: Buffer.byteLength(page.json)},
      date: new Date().toISOString(),
      loadAverage1m,
      medians,
      nginx: `${nginx.version}, worker_processes 1 (as rendered)`,
      ratio: {html: html.median, json: json.median},
      ratioRounds: {html: html.perRound, json: json.perRound},
      rounds: ROUNDS,
      runs,
      tool: `wrk ${WRK_ARGS.join(' ')}`,
    }
  } finally {
    await nginx.stop()
  }
}
