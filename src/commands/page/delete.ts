import {Args, Flags} from '@oclif/core'

import {KubeCommand} from '../../cli/base-command.js'
import {now} from '../../cli/clock.js'
import {type PageUser, type StoredPage, deletePage, getPageIn, windowsUsingPage} from '../../kube/pages.js'
import {pageConfigMapName} from '../../render/page-codec.js'
import {installNamespace} from '../../kube/install-context.js'
import {UserError} from '../../model/errors.js'
import {DEFAULT_PAGE, INSTALL_NAMESPACE} from '../../model/keys.js'

export default class PageDelete extends KubeCommand<typeof PageDelete> {
  static args = {
    name: Args.string({description: 'Pages to delete.', multiple: true, required: true}),
  }

  static description = `Delete custom maintenance pages of a namespace.
Every name is checked before anything is deleted. A page that active or scheduled windows still use is not deleted (the windows are named) unless --force. A shared page is deleted with -n ${INSTALL_NAMESPACE}.`

  static examples = [
    '<%= config.bin %> <%= command.id %> black-friday -n shop',
    `<%= config.bin %> <%= command.id %> company -n ${INSTALL_NAMESPACE}`,
  ]

  static flags = {
    'dry-run': Flags.boolean({description: 'Check and print what would be deleted; delete nothing.'}),
    force: Flags.boolean({description: 'Delete a page that active or scheduled windows still use.'}),
  }

  async run(): Promise<void> {
    const names = [...new Set(this.args.name)]
    const reserved = names.find((name) => name === DEFAULT_PAGE)
    if (reserved) throw new UserError(`page "${DEFAULT_PAGE}" is the built-in page and cannot be deleted`)
    const client = await this.client()
    const namespace = client.namespace
    const pages: StoredPage[] = []
    for (const name of names) {
      const page = await getPageIn(client, namespace, name)
      if (!page) throw await this.notFound(namespace, name)
      pages.push(page)
    }
    const at = now()
    const dryRun = this.flags['dry-run']
    const used: string[] = []
    for (const page of pages) {
      const users = await windowsUsingPage(client, page, at)
      const fallback = page.scope === 'namespace' ? await getPageIn(client, installNamespace(), page.name) : undefined
      if (users.length > 0) used.push(stillUsed(page, users, fallback !== undefined))
    }
    // A page in use disappearing mid-window changes the outage (or ends it as Failed): only with --force.
    if (used.length > 0 && !this.flags.force) {
      throw new UserError(`${used.join('; ')}. Point them at another page with kubectl maintenance set-page WINDOW PAGE, or add --force; nothing was deleted`)
    }
    for (const warning of used) this.warnUser(warning)
    for (const page of pages) {
      await deletePage(client, page, dryRun)
      this.log(`page ${page.name} deleted${dryRun ? ' (dry run)' : ''}: ConfigMap ${pageConfigMapName(page.name)} of namespace ${namespace}`)
    }
  }

  private async notFound(namespace: string, name: string): Promise<UserError> {
    const nothing = 'nothing was deleted'
    if (namespace !== installNamespace() && (await getPageIn(await this.client(), installNamespace(), name))) {
      return new UserError(`page "${name}" not found in namespace ${namespace}; it is a shared page: delete it with -n ${installNamespace()}; ${nothing}`)
    }
    return new UserError(`page "${name}" not found in namespace ${namespace} (no ConfigMap ${pageConfigMapName(name)} labelled as a page); see kubectl maintenance page list -n ${namespace}; ${nothing}`)
  }
}

function stillUsed(page: StoredPage, users: PageUser[], sharedFallback: boolean): string {
  const windows = users.map(({state, window}) => `${window.namespace}/${window.name} (${state})`).join(', ')
  const consequence = sharedFallback
    ? `they will show the shared page ${page.name} of namespace ${installNamespace()} instead`
    : 'they would have no page to show'
  return `page ${page.name} is still used by window${users.length === 1 ? '' : 's'} ${windows}; ${consequence}`
}
