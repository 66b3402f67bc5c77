import {KubeCommand, type Printable, formatResults, listFlags} from '../../cli/base-command.js'
import {type StoredPage, listPages} from '../../kube/pages.js'
import {INSTALL_NAMESPACE} from '../../model/keys.js'

export default class PageList extends KubeCommand<typeof PageList> {
  static description = `List custom maintenance pages.
Without -A: the pages of the namespace (SCOPE namespace) and the shared pages of namespace ${INSTALL_NAMESPACE} (SCOPE shared); a namespace page wins over a shared one of the same name.`

  static examples = [
    '<%= config.bin %> <%= command.id %> -n shop',
    '<%= config.bin %> <%= command.id %> -A',
    '<%= config.bin %> <%= command.id %> -n shop -o yaml',
  ]

  static flags = {...listFlags}

  async run(): Promise<void> {
    const allNamespaces = this.flags['all-namespaces']
    const client = await this.client()
    const namespace = allNamespaces ? undefined : client.namespace
    const pages = await listPages(client, namespace, this.flags.selector)
    const ordered = allNamespaces ? [...pages].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)) : pages
    const {output} = this.flags
    if (ordered.length === 0 && output !== 'json' && output !== 'yaml') {
      process.stderr.write(allNamespaces ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`)
      return
    }
    const headers = allNamespaces ? ['NAMESPACE', 'NAME', 'STATUS', 'FORMATS', 'ASSETS'] : ['NAME', 'SCOPE', 'STATUS', 'FORMATS', 'ASSETS']
    const wideHeaders = allNamespaces ? ['CONFIGMAP'] : ['NAMESPACE', 'CONFIGMAP']
    this.log(formatResults(output, headers, wideHeaders, ordered.map((page) => pageRow(page, allNamespaces)), {noHeaders: this.flags['no-headers'], sortBy: this.flags['sort-by']}))
  }
}

function pageRow(page: StoredPage, allNamespaces: boolean): Printable {
  const {configMap, source} = page
  const formats = ['html', ...(source.json === undefined ? [] : ['json']), ...(source.xml === undefined ? [] : ['xml'])].join(',')
  const common = [String(source.status), formats, String(Object.keys(source.assets).length)]
  const configMapName = configMap.metadata.name
  return {
    cells: allNamespaces ? [page.namespace, page.name, ...common] : [page.name, page.scope, ...common],
    // List items may come without their kind; kubectl adds it back, and so do we.
    data: configMap.kind ? configMap : {apiVersion: 'v1', kind: 'ConfigMap', ...configMap},
    name: `configmap/${configMapName}`,
    wideCells: allNamespaces ? [configMapName] : [page.namespace, configMapName],
  }
}
