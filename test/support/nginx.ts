import {type ChildProcess, spawn} from 'node:child_process'
import {chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {TlsKeyPair} from '../../src/render/backend.js'
import type {GateRender} from '../../src/render/gate.js'
import type {RenderedPage} from '../../src/render/page.js'

import {renderNginxConf} from '../../src/render/nginx-conf.js'
import {freePort} from './ports.js'
import {findBinary} from './system-binary.js'

export interface RunningNginx {
  /** http://127.0.0.1:PORT */
  url: string
  /** http://127.0.0.1:PORT of the HTTP/2 cleartext (h2c) listener, as the backend's port 8081. */
  grpcUrl: string
  /** https://127.0.0.1:PORT of the TLS listener (as the backend's port 8443), when started with a key pair. */
  tlsUrl?: string
  dir: string
  /** The nginx master process. */
  pid: number
  stop(): Promise<void>
}

export const NGINX_MISSING = 'nginx not found: apt-get install nginx'

export function findNginx(): string | undefined {
  return findBinary('nginx')
}


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitHealthy(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr()}`)
    try {
      const response = await fetch(`${url}/_maintenance/healthz`)
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    await sleep(50)
  }
  throw new Error(`nginx did not answer /_maintenance/healthz within 10s: ${stderr()}`)
}

/**
 * Runs real nginx on 127.0.0.1 over `dir` (page.html, page.json, page.xml, assets/), with the nginx.conf the
 * backend uses, written into `dir`. As root, nginx's workers run as nobody, so `dir` is made world-readable.
 */
export interface NginxRunOptions {
  status: number
  retryAfter?: string
  assets?: string[]
  grpcMessage?: string
  /** Root only: run nginx itself as this user (uid, gid), as the unprivileged pod does. */
  runAs?: {uid: number; gid: number}
  /** Also listen with TLS, with this key pair written as the backend's Secret mounts it (tls.crt, tls.key). */
  tls?: TlsKeyPair
  /**
   * The gate, with the listen port's upstream given as `address` (port 0 stands for the main listener); `keyConf` is
   * written where `gate.keyFile` says, `resolver` (e.g. "127.0.0.1:9") into a resolver include.
   */
  gate?: {settings: Omit<GateRender, 'keyFile' | 'resolverFile' | 'upstreams'>; upstream?: string; keyConf?: string; resolver?: string}
}

export async function startNginx(dir: string, options: NginxRunOptions): Promise<RunningNginx> {
  const binary = findNginx()
  if (!binary) throw new Error(NGINX_MISSING)
  chmodSync(dir, 0o755)
  const port = await freePort()
  const grpcPort = await freePort()
  const tlsPort = options.tls ? await freePort() : undefined
  if (options.tls) {
    mkdirSync(path.join(dir, 'tls'), {mode: 0o755})
    writeFileSync(path.join(dir, 'tls', 'tls.crt'), options.tls.certificate, {mode: 0o644})
    writeFileSync(path.join(dir, 'tls', 'tls.key'), options.tls.key, {mode: 0o644})
  }
  const gate = options.gate
  if (gate?.keyConf !== undefined) writeFileSync(path.join(dir, 'gate.conf'), gate.keyConf, {mode: 0o644})
  if (gate?.resolver !== undefined) writeFileSync(path.join(dir, 'resolver.conf'), `resolver ${gate.resolver} ipv6=off valid=1s;\n`, {mode: 0o644})
  const conf = renderNginxConf({
    gate: gate && {
      ...gate.settings,
      keyFile: path.join(dir, 'gate.conf'),
      resolverFile: gate.resolver === undefined ? undefined : path.join(dir, 'resolver.conf'),
      upstreams: gate.upstream === undefined ? [] : [{address: gate.upstream, port}],
    },
    assets: options.assets ?? [],
    contentRoot: dir,
    grpcListen: `127.0.0.1:${grpcPort}`,
    grpcMessage: options.grpcMessage,
    listen: `127.0.0.1:${port}`,
    pidFile: path.join(dir, 'tmp', 'nginx.pid'),
    retryAfter: options.retryAfter,
    status: options.status,
    tempRoot: path.join(dir, 'tmp'),
    tlsListen: tlsPort === undefined ? undefined : `127.0.0.1:${tlsPort}`,
    tlsRoot: path.join(dir, 'tls'),
  })
  writeFileSync(path.join(dir, 'nginx.conf'), conf)
  mkdirSync(path.join(dir, 'tmp'), {recursive: true})
  if (options.runAs) chownSync(path.join(dir, 'tmp'), options.runAs.uid, options.runAs.gid)
  let errors = ''
  const args = ['-p', dir, '-e', 'stderr', '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;']
  const child = spawn(binary, args, {gid: options.runAs?.gid, stdio: ['ignore', 'ignore', 'pipe'], uid: options.runAs?.uid})
  child.stderr!.on('data', (chunk: Buffer) => {
    errors += chunk.toString()
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
    rmSync(dir, {force: true, recursive: true})
  }
  try {
    await waitHealthy(url, child, () => errors)
  } catch (error) {
    await stop()
    throw error
  }
  return {dir, grpcUrl: `http://127.0.0.1:${grpcPort}`, pid: child.pid!, stop, tlsUrl: tlsPort === undefined ? undefined : `https://127.0.0.1:${tlsPort}`, url}
}

/** Writes a rendered page the way the backend ConfigMap mounts it, and serves it with real nginx. */
export async function servePage(page: RenderedPage, runAs?: NginxRunOptions['runAs'], tls?: TlsKeyPair, gate?: NginxRunOptions['gate']): Promise<RunningNginx> {
  const dir = mkdtempSync(path.join(tmpdir(), 'km-nginx-'))
  mkdirSync(path.join(dir, 'assets'))
  for (const [file, body] of [['page.html', page.html], ['page.json', page.json], ['page.xml', page.xml]] as const) {
    writeFileSync(path.join(dir, file), body, {mode: 0o644})
  }
  for (const [name, content] of Object.entries(page.assets)) writeFileSync(path.join(dir, 'assets', name), content, {mode: 0o644})
  chmodSync(path.join(dir, 'assets'), 0o755)
  return startNginx(dir, {assets: Object.keys(page.assets), gate, grpcMessage: page.grpcMessage, retryAfter: page.retryAfter, runAs, status: page.status, tls})
}
