import {Flags} from '@oclif/core'
import {type ChildProcess, spawn} from 'node:child_process'
import {accessSync, chmodSync, closeSync, constants, fstatSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {KubeCommand} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {fromFlag, zoneFlag} from '../cli/window-input.js'
import {pageNotFound, resolveStoredPage} from '../kube/pages.js'
import {ClusterError, UserError} from '../model/errors.js'
import {DEFAULT_PAGE, INSTALL_NAMESPACE} from '../model/keys.js'
import {formatLocal, parseWhen} from '../model/time.js'
import {renderNginxConf} from '../render/nginx-conf.js'
import {type PageSource, type RenderedPage, defaultPage, renderPage} from '../render/page.js'
import {buildViewModel} from '../render/view-model.js'

const FORMATS = ['html', 'json', 'xml'] as const
export const OUT_PORT = 8080
export const NGINX_MISSING = 'nginx not found: install the Debian package nginx (apt-get install nginx)'
/** Debian installs nginx in /usr/sbin, which a normal user's PATH often lacks. */
const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin']

export default class Preview extends KubeCommand<typeof Preview> {
  static description = `Render a maintenance page locally: to stdout, to a directory, or served by nginx on 127.0.0.1.
The built-in page needs no cluster (no kubeconfig is read). A custom --page is read from the cluster the way the engine resolves it: the namespace's own page, else the shared one of namespace ${INSTALL_NAMESPACE}.
--out DIR writes what the backend ConfigMap holds (page.html, page.json, page.xml, assets/) with an nginx.conf that serves DIR on 127.0.0.1:${OUT_PORT} (see --port): nginx -p "$PWD/DIR" -c nginx.conf.`

  static examples = [
    '<%= config.bin %> <%= command.id %> --message "Upgrading the database" --end +2h',
    '<%= config.bin %> <%= command.id %> --format json --end "2026-12-25 02:00" --timezone Europe/Berlin',
    '<%= config.bin %> <%= command.id %> --out page --message "DB upgrade" --end +2h',
    '<%= config.bin %> <%= command.id %> --page black-friday -n shop --serve 8080',
  ]

  static flags = {
    contact: Flags.string({description: 'Who to contact, shown on the page.'}),
    end: Flags.string({description: 'When the window ends: RFC 3339, a local "2026-11-23 02:00" or "02:00" read in --timezone, or +2h (default: open-ended).'}),
    format: Flags.option({description: 'Which body to print to stdout (default html).', exclusive: ['out', 'serve'], options: FORMATS})(),
    message: Flags.string({description: 'Free text shown on the page.'}),
    nginx: Flags.string({description: 'The nginx binary for --serve (default: nginx from PATH, else /usr/sbin).', dependsOn: ['serve']}),
    out: Flags.string({description: 'Write the page and an nginx.conf into this directory (created if missing).', exclusive: ['serve']}),
    page: Flags.string({default: DEFAULT_PAGE, description: 'The page: default, or a custom page of the namespace or shared.'}),
    port: Flags.integer({description: `With --out: the port the written nginx.conf listens on at 127.0.0.1 (default ${OUT_PORT}).`, dependsOn: ['out'], max: 65_535, min: 1}),
    reason: Flags.string({description: 'Why, shown on the page.'}),
    serve: Flags.integer({description: 'Serve the page with nginx on 127.0.0.1:PORT until Ctrl-C.', max: 65_535, min: 1}),
    start: Flags.string({description: 'When the window starts (same forms as --end; default: now).'}),
    timezone: Flags.string({description: "IANA timezone for local times and the page (default: the machine's zone)."}),
    title: Flags.string({description: 'The page title (default: "Down for maintenance").'}),
  }

  async run(): Promise<void> {
    const {flags} = this
    const at = now()
    const timezone = zoneFlag(flags.timezone)
    const start = flags.start === undefined ? at : fromFlag('start', () => parseWhen(flags.start as string, {now: at, zone: timezone}))
    const end = flags.end === undefined ? undefined : fromFlag('end', () => parseWhen(flags.end as string, {now: at, zone: timezone}))
    if (end !== undefined && end <= start) {
      throw new UserError(`--end ${formatLocal(end, timezone)} is not after the start ${formatLocal(start, timezone)}; give a later --end such as +2h`)
    }
    const nginx = flags.serve === undefined ? undefined : findNginx(flags.nginx)
    const {namespace, source} = await this.pageSource()
    const {contact, message, reason, title} = flags
    const view = buildViewModel({contact, end, message, namespace, reason, start, targets: [], timezone, title, window: 'preview'})
    const page = renderOrExplain(source, () => renderPage(source, view))

    if (flags.out !== undefined) {
      const root = path.resolve(flags.out)
      const written = writePreview(root, page, `127.0.0.1:${flags.port ?? OUT_PORT}`)
      this.log(written.map((file) => path.join(flags.out as string, path.relative(root, file))).join('\n'))
      process.stderr.write(`Serve it with: nginx -p ${shellQuote(root)} -c nginx.conf  (http://127.0.0.1:${flags.port ?? OUT_PORT}/; stop: add -s stop)\n`)
      const closed = closedToWorkers(root)
      if (closed) this.warnUser(`nginx started as root runs its workers as nobody, who cannot enter ${closed}: chmod o+x it, or write the preview elsewhere`)
    } else if (nginx !== undefined && flags.serve !== undefined) {
      await serve(nginx, page, flags.serve)
    } else {
      process.stdout.write(page[flags.format ?? 'html'])
    }
  }

  /** The built-in page without touching the cluster (no kubeconfig is even read); a custom one resolved like the engine does. */
  private async pageSource(): Promise<{namespace: string; source: PageSource}> {
    if (this.flags.page === DEFAULT_PAGE) return {namespace: this.flags.namespace ?? 'default', source: defaultPage()}
    const namespace = await this.namespace()
    const page = await resolveStoredPage(await this.client(), namespace, this.flags.page)
    if (!page) throw pageNotFound(namespace, this.flags.page)
    if (page.namespace !== namespace) process.stderr.write(`page ${page.name}: the shared page of namespace ${page.namespace}\n`)
    return {namespace, source: page.source}
  }
}

function renderOrExplain<T>(source: PageSource, render: () => T): T {
  try {
    return render()
  } catch (error) {
    throw new UserError(`page ${source.name} cannot be rendered: ${(error as Error).message}; fix it and create it again (kubectl maintenance page create)`)
  }
}

/** The files of the backend ConfigMap, laid out as the pod mounts them, with an nginx.conf for this directory. Returns the files written. */
export function writePreview(root: string, page: RenderedPage, listen: string): string[] {
  const assetNames = Object.keys(page.assets).sort()
  const temp = path.join(root, 'tmp')
  let conf: string
  try {
    conf = renderNginxConf({assets: assetNames, contentRoot: root, listen, pidFile: path.join(temp, 'nginx.pid'), retryAfter: page.retryAfter, status: page.status, tempRoot: temp})
  } catch (error) {
    throw new UserError(`${(error as Error).message}; write the preview to a directory whose path has no quotes, "$", ";", braces or backslashes`)
  }
  mkdirSync(temp, {recursive: true})
  const files: Array<[string, string | Buffer]> = [
    ['page.html', page.html],
    ['page.json', page.json],
    ['page.xml', page.xml],
    ['nginx.conf', conf],
    ...assetNames.map((name): [string, Buffer] => [path.join('assets', name), page.assets[name]]),
  ]
  if (assetNames.length > 0) mkdirSync(path.join(root, 'assets'), {recursive: true})
  for (const [file, content] of files) writeFileSync(path.join(root, file), content, {mode: 0o644})
  return files.map(([file]) => path.join(root, file))
}

/** As root, nginx's workers run as nobody: the first folder on the way to `root` that others may not enter, if any. */
function closedToWorkers(root: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined
  for (let dir = root; ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return dir
    if (dir === path.dirname(dir)) return undefined
  }
}

function findNginx(explicit: string | undefined): string {
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

function shellQuote(text: string): string {
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
async function serve(nginx: string, page: RenderedPage, port: number): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kubectl-maintenance-preview-'))
  // As root, nginx's workers run as nobody and must be able to read the page.
  chmodSync(dir, 0o755)
  const url = `http://127.0.0.1:${port}`
  let errors = ''
  let child: ChildProcess | undefined
  const stopSignals = ['SIGINT', 'SIGTERM'] as const
  let onSignal = () => {}
  try {
    writePreview(dir, page, `127.0.0.1:${port}`)
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
