import {Args} from '@oclif/core'

import {applyStoredChange} from '../cli/apply-now.js'
import {KubeCommand} from '../cli/base-command.js'
import {now} from '../cli/clock.js'
import {pageChange} from '../engine/window-changes.js'
import {assertPageExists} from '../kube/new-window.js'
import {getWindow, patchWindowAnnotations} from '../kube/windows.js'
import {DEFAULT_PAGE, WindowAnnotation} from '../model/keys.js'

export default class SetPage extends KubeCommand<typeof SetPage> {
  static args = {
    window: Args.string({description: 'Name of the window.', required: true}),
    page: Args.string({description: `The page to show: ${DEFAULT_PAGE}, or a custom page (see kubectl maintenance page list).`, required: true}),
  }

  static description = `Change the page a window shows.
The page must exist in the window's namespace or the install namespace. An active window is served the new page at once, through a new backend; a scheduled one shows it when it starts.`

  static examples = ['<%= config.bin %> <%= command.id %> ingress-shop-20261224-2200 black-friday -n shop', '<%= config.bin %> <%= command.id %> ingress-shop-20261224-2200 default -n shop']

  async run(): Promise<void> {
    const at = now()
    const client = await this.client()
    const window = await getWindow(client, client.namespace, this.args.window)
    const change = pageChange(window, this.args.page, at)
    if (change === 'unchanged') {
      this.log(`window ${window.name} already shows page ${window.page}; nothing changed`)
      return
    }
    if (this.args.page !== DEFAULT_PAGE) await assertPageExists(client, window.namespace, this.args.page)
    await patchWindowAnnotations(client, window.namespace, window.name, {[WindowAnnotation.page]: this.args.page}, {resourceVersion: window.resourceVersion})
    this.log(`window ${window.name} now shows page ${this.args.page} (was ${window.page})`)
    if (change === 'active') await applyStoredChange(client, window.namespace, (line) => this.log(line), {targets: window.targets, waitForReady: true})
  }
}
