import {Flags} from '@oclif/core'
import {randomBytes} from 'node:crypto'
import path from 'node:path'

import {KubeCommand} from '../cli/base-command.js'
import {terminalSafe} from '../cli/terminal.js'
import {now} from '../cli/clock.js'
import {gateFlags, parseGateFlags, parseUpstream} from '../cli/gate-input.js'
import {type PreviewGate, closedToWorkers, findNginx, serve, shellQuote, writePreview} from '../cli/preview-output.js'
import {fromFlag, zoneFlag} from '../cli/window-input.js'
import {pageNotFound, resolveStoredPage} from '../kube/pages.js'
import {UserError} from '../model/errors.js'
import {DEFAULT_PAGE, INSTALL_NAMESPACE} from '../model/keys.js'
import {formatLocal, parseWhen} from '../model/time.js'
import {BYPASS_HEADER, BYPASS_PATH, GATE_TABLE_DAYS, gateKeyConf} from '../render/gate.js'
import {type PageSource, defaultPage, renderPage} from '../render/page.js'
import {buildViewModel} from '../render/view-model.js'

const FORMATS = ['html', 'json', 'xml'] as const
export const OUT_PORT = 8080
export {NGINX_MISSING, writePreview} from '../cli/preview-output.js'

export default class Preview extends KubeCommand<typeof Preview> {
  static description = `Render a maintenance page locally: to stdout, to a directory, or served by nginx on 127.0.0.1.
The built-in page needs no cluster (no kubeconfig is read). A custom --page is read from the cluster the way the engine resolves it: the namespace's own page, else the shared one of namespace ${INSTALL_NAMESPACE}.
--out DIR writes what the backend ConfigMap holds (page.html, page.json, page.xml, assets/) with an nginx.conf that serves DIR on 127.0.0.1:${OUT_PORT} (see --port): nginx -p "$PWD/DIR" -c nginx.conf.`

  static examples = [
    '<%= config.bin %> <%= command.id %> --message "Upgrading the database" --end +2h',
    '<%= config.bin %> <%= command.id %> --format json --end "2026-12-25 02:00" --timezone Europe/Berlin',
    '<%= config.bin %> <%= command.id %> --out page --message "DB upgrade" --end +2h',
    '<%= config.bin %> <%= command.id %> --page black-friday -n shop --serve 8080',
    '<%= config.bin %> <%= command.id %> --serve 8080 --upstream http://127.0.0.1:3000 --bypass-secret my-own-secret-0123 --insecure-cookie --except /healthz',
  ]

  static flags = {
    ...gateFlags,
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
    upstream: Flags.string({description: 'Run the gate: requests that pass (--bypass..., --except, --read-only, --allow-cidr) go to this http://ADDRESS:PORT.'}),
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
    const gate = this.gate(start, end)
    const nginx = flags.serve === undefined ? undefined : findNginx(flags.nginx)
    const {namespace, source} = await this.pageSource()
    const {contact, message, reason, title} = flags
    const view = buildViewModel({contact, end, message, namespace, reason, start, targets: [], timezone, title, window: 'preview'})
    const page = renderOrExplain(source, () => renderPage(source, view))

    if (flags.out !== undefined) {
      const root = path.resolve(flags.out)
      const written = writePreview(root, page, `127.0.0.1:${flags.port ?? OUT_PORT}`, gate?.gate)
      this.log(written.map((file) => path.join(flags.out as string, path.relative(root, file))).join('\n'))
      process.stderr.write(`Serve it with: nginx -p ${shellQuote(root)} -c nginx.conf  (http://127.0.0.1:${flags.port ?? OUT_PORT}/; stop: add -s stop)\n`)
      if (gate?.secret !== undefined) process.stderr.write(`Bypass: ${BYPASS_PATH}${gate.secret}  or header ${BYPASS_HEADER}: ${gate.secret}\n`)
      const closed = closedToWorkers(root)
      if (closed) this.warnUser(`nginx started as root runs its workers as nobody, who cannot enter ${closed}: chmod o+x it, or write the preview elsewhere`)
    } else if (nginx !== undefined && flags.serve !== undefined) {
      if (gate?.secret !== undefined) process.stderr.write(`Bypass: http://127.0.0.1:${flags.serve}${BYPASS_PATH}${gate.secret}  or header ${BYPASS_HEADER}: ${gate.secret}\n`)
      await serve(nginx, page, flags.serve, gate?.gate)
    } else {
      const body = page[flags.format ?? 'html']
      process.stdout.write(process.stdout.isTTY ? terminalSafe(body) : body)
    }
  }

  /** The gate of --upstream and the gate flags; its cookie table runs from now to the end (else GATE_TABLE_DAYS). */
  private gate(start: number, end: number | undefined): {gate: PreviewGate; secret?: string} | undefined {
    const {flags} = this
    const input = parseGateFlags(flags)
    if (flags.upstream === undefined) {
      if (input) throw new UserError('the gate flags need --upstream http://ADDRESS:PORT: the server the requests that pass go to')
      return undefined
    }
    const upstream = parseUpstream(flags.upstream)
    if (flags.out === undefined && flags.serve === undefined) throw new UserError('--upstream needs --out DIR or --serve PORT: the gate is an nginx.conf')
    if (!input) throw new UserError('--upstream without a gate passes nothing: add --bypass, --bypass-secret, --except, --read-only or --allow-cidr')
    const from = Math.min(start, now())
    const keyConf = gateKeyConf(randomBytes(16).toString('hex'), input.settings.bypass?.ttlSeconds ?? 3600, from, end ?? from + GATE_TABLE_DAYS * 86_400_000)
    return {gate: {keyConf, settings: input.settings, upstream}, secret: input.secret}
  }

  /** The built-in page without touching the cluster (no kubeconfig is even read); a custom one resolved like the engine does. */
  private async pageSource(): Promise<{namespace: string; source: PageSource}> {
    if (this.flags.page === DEFAULT_PAGE) return {namespace: this.flags.namespace ?? 'default', source: defaultPage()}
    const namespace = await this.namespace()
    const page = await resolveStoredPage(await this.client(), namespace, this.flags.page)
    if (!page) throw pageNotFound(namespace, this.flags.page)
    if (page.namespace !== namespace) this.note(`page ${page.name}: the shared page of namespace ${page.namespace}`)
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

