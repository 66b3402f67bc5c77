import {Flags} from '@oclif/core'

import {KubeCommand} from '../cli/base-command.js'
import {type KubeObject} from '../kube/client.js'
import {displayName} from '../install/apply.js'
import {deleteObjects, installedCronJobs, installedObjects, isManaged, managedWindows, scheduleFeeds, suspendCronJobs} from '../install/remove.js'
import {reconcile} from '../kube/reconcile.js'
import {uninstallPreview} from '../engine/uninstall-preview.js'
import {ClusterError, UserError, eachOnItsLine} from '../model/errors.js'
import {INSTALL_NAMESPACE, ROLE_LABEL, Role} from '../model/keys.js'
import {Resources} from '../kube/resources.js'

export default class Uninstall extends KubeCommand<typeof Uninstall> {
  static description = `Restore every target in maintenance, in every namespace you can see, then remove what install and the engine created: backends, the schedule feeds, the CronJob, its RBAC, the bundle and the namespace, and the window ConfigMaps unless --keep-windows.
The CronJob is paused first so no pass switches a target back meanwhile. If any target cannot be restored, uninstall lists them, resumes the CronJob and deletes nothing. Only objects labelled app.kubernetes.io/managed-by=kubectl-maintenance are deleted. --dry-run lists what would be restored and deleted; without --yes it asks on a terminal and refuses without one.`

  static examples = ['<%= config.bin %> <%= command.id %> --dry-run', '<%= config.bin %> <%= command.id %> --yes', '<%= config.bin %> <%= command.id %> --keep-windows --yes']

  static flags = {
    'dry-run': Flags.boolean({description: 'List what would be restored and deleted; change nothing.'}),
    'keep-windows': Flags.boolean({description: 'Keep the window ConfigMaps (e.g. to install again later).'}),
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation (needed when stdin is not a terminal).'}),
  }

  async run(): Promise<void> {
    const client = await this.client()
    const installNamespace = this.flags.namespace ?? INSTALL_NAMESPACE
    if (this.flags['dry-run'] || !this.flags.yes) {
      const preview = await reconcile(client, {dryRun: true, horizonMs: 0, plan: {installNamespace, restoreEverything: true}, waitForTransitions: false})
      const deleted = [...(this.flags['keep-windows'] ? [] : await managedWindows(client)), ...(await installedObjects(client, installNamespace))]
      const backends = await client.list(Resources.deployments, undefined, {labelSelector: `${ROLE_LABEL}=${Role.backend}`})
      const lines = uninstallPreview(preview.planned, backends.filter(isManaged).map((b) => `${b.metadata.namespace}/${b.metadata.name}`), deleted.map((object) => displayName(object)))
      if (this.flags['dry-run']) {
        for (const line of lines) this.log(line)
        return
      }
      if (!(await confirmed(lines))) {
        throw new UserError(`uninstall restores every target in maintenance and deletes ${deleted.length} objects: add --yes to confirm${process.stdin.isTTY ? '' : ' (stdin is not a terminal to ask on)'}; nothing was changed`)
      }
    }
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
      throw new ClusterError(eachOnItsLine('could not restore everything, so nothing was deleted (the CronJob runs again)', report.errors))
    }

    const log = (object: KubeObject) => this.log(`${displayName(object)} deleted`)
    if (!this.flags['keep-windows']) await deleteObjects(client, await managedWindows(client), log)
    await deleteObjects(client, await scheduleFeeds(client), log)
    await deleteObjects(client, await installedObjects(client, installNamespace), log)
  }
}

/** Asks on the terminal; no terminal (a pipe, CI) is no. */
async function confirmed(lines: string[]): Promise<boolean> {
  if (!process.stdin.isTTY) return false
  const {createInterface} = await import('node:readline/promises')
  const prompt = createInterface({input: process.stdin, output: process.stderr})
  try {
    process.stderr.write(`${lines.join('\n')}\n`)
    return /^y(es)?$/i.test((await prompt.question('Restore and delete all of this? [y/N] ')).trim())
  } finally {
    prompt.close()
  }
}
