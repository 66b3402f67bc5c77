import {Args, Flags} from '@oclif/core'

import {KubeCommand} from '../../cli/base-command.js'
import {terminalSafe} from '../../cli/terminal.js'
import {type StoredPage, pageNotFound, resolveStoredPage} from '../../kube/pages.js'
import {pageConfigMapName} from '../../render/page-codec.js'
import {DEFAULT_PAGE, INSTALL_NAMESPACE} from '../../model/keys.js'
import {defaultPage} from '../../render/page.js'
import {type PageSource, TEMPLATE_FILES} from '../../render/page-source.js'
import {loadTemplate} from '../../render/templates.js'

const FORMATS = ['html', 'json', 'xml'] as const

export default class PageShow extends KubeCommand<typeof PageShow> {
  static args = {
    name: Args.string({description: `The page: a custom page name, or ${DEFAULT_PAGE} for the built-in one.`, required: true}),
  }

  static description = `Print a page's template source, as windows of the namespace would use it.
The namespace's own page wins over a shared page of the same name in namespace ${INSTALL_NAMESPACE}; which one was found is said on stderr. "${DEFAULT_PAGE}" shows the built-in templates without contacting the cluster.`

  static examples = [
    '<%= config.bin %> <%= command.id %> black-friday -n shop',
    '<%= config.bin %> <%= command.id %> black-friday -n shop --format json',
    '<%= config.bin %> <%= command.id %> default --format xml',
  ]

  static flags = {
    format: Flags.option({default: 'html' as const, description: 'Which template to print.', options: FORMATS})(),
  }

  async run(): Promise<void> {
    const {name} = this.args
    const {format} = this.flags
    const source = name === DEFAULT_PAGE ? defaultPage() : await this.customPage(name)
    // The built-in JSON document is rendered in code; its template form (templates/page.json.hbs) is the same document.
    const template = source[format] ?? (name === DEFAULT_PAGE ? loadTemplate(TEMPLATE_FILES[format]) : undefined)
    if (template === undefined) {
      this.note(`page ${name} has no ${TEMPLATE_FILES[format]}: visitors asking for ${format.toUpperCase()} get the built-in ${format.toUpperCase()} document`)
      return
    }
    // Redirected, the template is saved byte for byte; on a terminal, its control characters are shown, not obeyed.
    process.stdout.write(process.stdout.isTTY ? terminalSafe(template) : template)
  }

  private async customPage(name: string): Promise<PageSource> {
    const namespace = await this.namespace()
    const page = await resolveStoredPage(await this.client(), namespace, name)
    if (!page) throw pageNotFound(namespace, name)
    this.note(origin(page, namespace))
    return page.source
  }
}

function origin(page: StoredPage, namespace: string): string {
  const configMap = pageConfigMapName(page.name)
  if (page.namespace === namespace) return `page ${page.name}: ConfigMap ${configMap} of namespace ${namespace}`
  return `page ${page.name}: shared ConfigMap ${configMap} of namespace ${page.namespace} (namespace ${namespace} has no page of that name)`
}
