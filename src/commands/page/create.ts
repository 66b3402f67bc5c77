import {Args, Flags} from '@oclif/core'

import {KubeCommand} from '../../cli/base-command.js'
import {renderData} from '../../cli/output.js'
import {checkPageName, pageProblems, parseStatus, readAssets, readTemplate} from '../../cli/page-input.js'
import {CREATE_OUTPUTS} from '../../cli/window-input.js'
import {createPage} from '../../kube/pages.js'
import {type PageFiles, pageConfigMapName} from '../../render/page-codec.js'
import {installNamespace} from '../../kube/install-context.js'
import {UserError, eachOnItsLine} from '../../model/errors.js'
import {INSTALL_NAMESPACE} from '../../model/keys.js'
import {DEFAULT_STATUS} from '../../render/page-source.js'

export default class PageCreate extends KubeCommand<typeof PageCreate> {
  static args = {
    name: Args.string({description: 'Name of the page, used by --page NAME of schedule, now and preview.', required: true}),
  }

  static description = `Create a custom maintenance page from Handlebars templates.
The page is stored as the ConfigMap maintenance-page-NAME. Windows of the same namespace use it by name; to share a page with every namespace, create it in namespace ${INSTALL_NAMESPACE} (a page of the window's own namespace wins over a shared one of the same name).
Templates may use: title, message, reason, contact, start, end, startLocal, endLocal, timezone, retryAfter, namespace, targets, window. They are compiled and rendered against sample windows before anything is written. Assets are served at /_maintenance/assets/FILENAME.`

  static examples = [
    '<%= config.bin %> <%= command.id %> black-friday -n shop --html page.html.hbs --json page.json.hbs --asset logo.png',
    `<%= config.bin %> <%= command.id %> company -n ${INSTALL_NAMESPACE} --html company.html.hbs --status 503`,
    '<%= config.bin %> <%= command.id %> black-friday --html page.html.hbs --dry-run -o yaml',
  ]

  static flags = {
    asset: Flags.string({description: 'A file served at /_maintenance/assets/<file name> (repeatable).', multiple: true}),
    'dry-run': Flags.boolean({description: 'Validate and print what would be written; write nothing.'}),
    html: Flags.string({description: 'The HTML template (Handlebars), required.', required: true}),
    json: Flags.string({description: 'The JSON template (default: the built-in JSON document).'}),
    output: Flags.option({char: 'o', default: 'table' as const, description: 'Output format.', options: CREATE_OUTPUTS})(),
    status: Flags.string({description: `HTTP status the page is served with: 200 or 400-599 (default ${DEFAULT_STATUS}).`}),
    xml: Flags.string({description: 'The XML template (default: the built-in XML document).'}),
  }

  async run(): Promise<void> {
    const files = this.pageFiles()
    const stored = await createPage(await this.client(), {...files, namespace: await this.namespace()}, this.flags['dry-run'])
    const {output} = this.flags
    if (output === 'json' || output === 'yaml') this.log(renderData(output, stored))
    else if (output === 'name') this.log(`configmap/${pageConfigMapName(files.name)}`)
    else this.log(`page ${files.name} created${this.flags['dry-run'] ? ' (dry run)' : ''}: ${describe(files, stored.metadata.namespace ?? '')}`)
  }

  /** Every input read and checked before anything talks to the cluster. */
  private pageFiles(): Omit<PageFiles, 'namespace'> {
    const {args, flags} = this
    checkPageName(args.name)
    const files = {
      assets: readAssets(flags.asset ?? []),
      html: readTemplate('html', flags.html),
      json: flags.json === undefined ? undefined : readTemplate('json', flags.json),
      name: args.name,
      status: flags.status === undefined ? undefined : parseStatus(flags.status),
      xml: flags.xml === undefined ? undefined : readTemplate('xml', flags.xml),
    }
    const problems = pageProblems({...files, namespace: ''})
    if (problems.length > 0) throw new UserError(eachOnItsLine(`page ${args.name} is not valid; nothing was written`, problems.map((problem) => `page ${args.name}: ${problem}`)))
    return files
  }
}

function describe(files: Omit<PageFiles, 'namespace'>, namespace: string): string {
  const formats = ['html', ...(files.json === undefined ? [] : ['json']), ...(files.xml === undefined ? [] : ['xml'])]
  const assets = Object.keys(files.assets).length
  const scope = namespace === installNamespace() ? 'shared with every namespace' : `in namespace ${namespace}`
  return `ConfigMap ${pageConfigMapName(files.name)} ${scope}, ${formats.join(',')}, ${assets} asset${assets === 1 ? '' : 's'}, status ${files.status ?? DEFAULT_STATUS}`
}
