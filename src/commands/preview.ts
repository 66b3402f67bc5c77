import path from 'node:path'

import {KubeCommand} from '../cli/base-command.js'
import {terminalSafe} from '../cli/terminal.js'
import {now} from '../cli/clock.js'
import {OUT_PORT, previewFlags, readPreviewGate, readPreviewTimes} from '../cli/preview-input.js'
import {closedToWorkers, findNginx, serve, shellQuote, writePreview} from '../cli/preview-output.js'
import {pageNotFound, resolveStoredPage} from '../kube/pages.js'
import {UserError} from '../model/errors.js'
import {DEFAULT_PAGE, INSTALL_NAMESPACE} from '../model/keys.js'
import {BYPASS_HEADER, BYPASS_PATH} from '../render/gate.js'
import {defaultPage, renderPage} from '../render/page.js'
import {type PageSource} from '../render/page-source.js'
import {buildViewModel} from '../render/view-model.js'

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

  static flags = previewFlags

  async run(): Promise<void> {
    const {flags} = this
    const at = now()
    const {end, start, timezone} = readPreviewTimes(flags, at)
    const gate = readPreviewGate(flags, at, start, end)
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

