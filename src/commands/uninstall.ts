import {Flags} from '@oclif/core'

import {KubeCommand} from '../cli/base-command.js'
import {type KubeObject} from '../kube/client.js'
import {displayName} from '../install/apply.js'
import {deleteObjects, installedCronJobs, installedObjects, managedWindows, scheduleFeeds, suspendCronJobs} from '../install/remove.js'
import {reconcile} from '../kube/reconcile.js'
import {ClusterError} from '../model/errors.js'
import {INSTALL_NAMESPACE} from '../model/keys.js'

export default class Uninstall extends KubeCommand<typeof Uninstall> {
  static description = `Restore every target in maintenance, in every namespace you can see, then remove what install and the engine created: backends, the schedule feeds, the CronJob, its RBAC, the bundle and the namespace, and the window ConfigMaps unless --keep-windows.
The CronJob is paused first so no pass switches a target back meanwhile. If any target cannot be restored, uninstall lists them, resumes the CronJob and deletes nothing. Only objects labelled app.kubernetes.io/managed-by=kubectl-maintenance are deleted.`

  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --keep-windows']

  static flags = {
    'keep-windows': Flags.boolean({description: 'Keep the window ConfigMaps (e.g. to install again later).'}),
  }

  async run(): Promise<void> {
    const client = await this.client()
    const installNamespace = this.flags.namespace ?? INSTALL_NAMESPACE
    const running = (await installedCronJobs(client, installNamespace)).filter((cronJob) => !(cronJob.spec as {suspend?: boolean}).suspend)
    await suspendCronJobs(client, running, true)

    const report = await reconcile(client, {
      horizonMs: 0,
      onChange: (line) => this.log(line),
      plan: {installNamespace, restoreEverything: true},
      waitForTransitions: false,
    })
    if (report.errors.length > 0) {
      await suspendCronJobs(client, running, false)
      throw new ClusterError(`could not restore everything, so nothing was deleted (the CronJob runs again):\n  ${report.errors.join('\n  ')}`)
    }

    const log = (object: KubeObject) => this.log(`${displayName(object)} deleted`)
    if (!this.flags['keep-windows']) await deleteObjects(client, await managedWindows(client), log)
    await deleteObjects(client, await scheduleFeeds(client), log)
    await deleteObjects(client, await installedObjects(client, installNamespace), log)
  }
}
