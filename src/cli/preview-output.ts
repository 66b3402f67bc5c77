import {type ChildProcess, spawn} from 'node:child_process'
import {accessSync, chmodSync, closeSync, constants, fstatSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {RenderedPage} from '../render/page.js'

import {ClusterError, UserError} from '../model/errors.js'
import {type GateSettings} from '../render/gate.js'
import {renderNginxConf} from '../render/nginx-conf.js'
import {makeDirectories} from './make-directories.js'

export const NGINX_MISSING = 'nginx not found: install the Debian package nginx (apt-get install nginx)'
/** Debian installs nginx in /usr/sbin, which a normal user's PATH often lacks. */
const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin']

/** The gate of a preview: its settings, the upstream every passing request goes to, and the cookie key include. */
export interface PreviewGate {
  settings: GateSettings
  /** ADDRESS:PORT */
  upstream: string
  /** gateKeyConf(...): the cookie key and table, which in a cluster the backend's Secret holds. */
  keyConf: string
}

/** The files of the backend ConfigMap, laid out as the pod mounts them, with an nginx.conf for this directory. Returns the files written. */
export function writePreview(root: string, page: RenderedPage, listen: string, gate?: PreviewGate): string[] {
  const assetNames = Object.keys(page.assets).sort()
  const temp = path.join(root, 'tmp')
  const port = Number(listen.slice(listen.lastIndexOf(':') + 1))
  let conf: string
  try {
    conf = renderNginxConf({
      assets: assetNames,
      contentRoot: root,
      gate: gate && {...gate.settings, keyFile: path.join(root, 'gate.conf'), upstreams: [{address: gate.upstream, port}]},
      listen,
      pidFile: path.join(temp, 'nginx.pid'),
      retryAfter: page.retryAfter,
      status: page.status,
      tempRoot: temp,
    })
  } catch (error) {
    throw new UserError(`${(error as Error).message}; write the preview to a directory whose path has no quotes, "$", ";", braces or backslashes`)
  }
  try {
    makeDirectories(temp)
  } catch (error) {
    throw outProblem(root, error)
  }
  const files: Array<[string, string | Buffer]> = [
    ['page.html', page.html],
    ['page.json', page.json],
    ['page.xml', page.xml],
    ['nginx.conf', conf],
    ...(gate ? [['gate.conf', gate.keyConf] as [string, string]] : []),
    ...assetNames.map((name): [string, Buffer] => [path.join('assets', name), page.assets[name]]),
  ]
  try {
    if (assetNames.length > 0) makeDirectories(path.join(root, 'assets'))
    for (const [file, content] of files) writeFileSync(path.join(root, file), content, {mode: 0o644})
  } catch (error) {
    throw outProblem(root, error)
  }
  return files.map(([file]) => path.join(root, file))
}

/** A directory --out cannot be: wrong input (exit 2), said in words, not as a system call's error code. */
function outProblem(root: string, error: unknown): Error {
  const {code, path: where} = error as NodeJS.ErrnoException
  const why: Record<string, string> = {
    EACCES: `you may not write ${where ?? root}`,
    // procfs and sysfs: the parent exists, but nothing can be made in it.
    ENOENT: `${where ?? root} cannot be made there`,
    EEXIST: `${where ?? root} exists and is not a directory`,
    ENOTDIR: `${where ?? root} cannot be made: a file is in the way`,
    EPERM: `${where ?? root} cannot be written (operation not permitted)`,
    EROFS: `${where ?? root} is on a read-only file system`,
  }
  return code !== undefined && why[code] ? new UserError(`--out ${root}: ${why[code]}; give a directory you can write (it is created if missing)`) : (error as Error)
}

/** As root, nginx's workers run as nobody: the first folder on the way to `root` that others may not enter, if any. */
export function closedToWorkers(root: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined
  for (let dir = root; ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return dir
    if (dir === path.dirname(dir)) return undefined
  }
}

export function findNginx(explicit: string | undefined): string {
  const candidates = explicit === undefined ? [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SBIN_DIRS].map((dir) => path.join(dir, 'nginx')) : [explicit]
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  throw new ClusterError(explicit === undefined ? NGINX_MISSING : `${NGINX_MISSING.replace('nginx not found', `nginx not found at ${explicit}`)}`)
}

export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", String.raw`'\''`)}'`
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitHealthy(url: string, child: ChildProcess, errors: () => string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new ClusterError(`nginx stopped at start: ${errors().trim() || `exit ${child.exitCode}`}`)
    try {
      if ((await fetch(`${url}/_maintenance/healthz`, {signal: AbortSignal.timeout(1000)})).status === 200) return
    } catch {
      // not listening yet
    }
    await sleep(50)
  }
  throw new ClusterError(`nginx did not answer ${url}/_maintenance/healthz within 10s: ${errors().trim()}`)
}

/**
 * Where nginx's access log (its `/dev/stdout`) goes: our stderr, since stdout carries only the URL. nginx opens
 * /dev/stdout, which fails on a socket (a parent's piped stdio), so then it goes to a file in the temp directory.
 */
function accessLog(dir: string): number {
  return fstatSync(2).isSocket() ? openSync(path.join(dir, 'access.log'), 'a') : 2
}

/** Runs nginx in the foreground over a temporary directory until Ctrl-C (or SIGTERM), then removes it. */
export async function serve(nginx: string, page: RenderedPage, port: number, gate?: PreviewGate): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubectl-maintenance-preview-'))
  // As root, nginx's workers run as nobody and must be able to read the page.
  chmodSync(dir, 0o755)
  const url = `http://127.0.0.1:${port}`
  let errors = ''
  let child: ChildProcess | undefined
  const stopSignals = ['SIGINT', 'SIGTERM'] as const
  let onSignal = () => {}
  try {
    writePreview(dir, page, `127.0.0.1:${port}`, gate)
    const log = accessLog(dir)
    child = spawn(nginx, ['-p', dir, '-e', 'stderr', '-c', 'nginx.conf', '-g', 'daemon off;'], {stdio: ['ignore', log, 'pipe']})
    if (log !== 2) closeSync(log)
    const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()))
    child.stderr!.on('data', (chunk: Buffer) => {
      errors += chunk.toString()
      process.stderr.write(chunk)
    })
    const stopped = new Promise<'signal'>((resolve) => {
      onSignal = () => resolve('signal')
    })
    for (const signal of stopSignals) process.once(signal, onSignal)
    await waitHealthy(url, child, () => errors)
    process.stdout.write(`${url}/\n`)
    process.stderr.write('Serving the preview; press Ctrl-C to stop.\n')
    const why = await Promise.race([stopped, exited.then(() => 'exit' as const)])
    if (why === 'exit') throw new ClusterError(`nginx stopped: ${errors.trim() || `exit ${child.exitCode}`}`)
  } finally {
    for (const signal of stopSignals) process.removeListener(signal, onSignal)
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((resolve) => child!.once('exit', () => resolve()))
      child.kill('SIGTERM')
      await gone
    }
    rmSync(dir, {force: true, recursive: true})
  }
}
