import {Flags} from '@oclif/core'

import {KubeCommand} from '../cli/base-command.js'
import {describe} from '../kube/apply.js'
import {installNamespace} from '../kube/install-context.js'
import {reconcile} from '../kube/reconcile.js'
import {ClusterError, eachOnItsLine} from '../model/errors.js'
import {parseDuration, toRfc3339Utc} from '../model/time.js'
import {commandClock} from '../cli/clock.js'
import {fromFlag} from '../cli/window-input.js'

export default class Reconcile extends KubeCommand<typeof Reconcile> {
  static description = `Run one pass of the maintenance engine: switch targets whose window has started, restore those whose window has ended, create and clean up backends.
This is what the in-cluster CronJob runs every minute; you may run it by hand. With --horizon the pass also waits for transitions due within that time and applies each at its second.`

  static examples = [
    '<%= config.bin %> <%= command.id %> -n shop',
    '<%= config.bin %> <%= command.id %> -A --horizon 55s',
    '<%= config.bin %> <%= command.id %> -A --dry-run',
  ]

  static flags = {
    'all-namespaces': Flags.boolean({char: 'A', description: 'Reconcile windows and targets in every namespace.'}),
    'dry-run': Flags.boolean({description: 'Print the actions the pass would take; write nothing.'}),
    horizon: Flags.string({default: '0s', description: 'Also apply transitions due within this duration, each at its second (the CronJob passes 55s).'}),
  }

  async run(): Promise<void> {
    const horizonMs = this.flags.horizon === '0s' || this.flags.horizon === '0' ? 0 : fromFlag('horizon', () => parseDuration(this.flags.horizon)).ms
    const client = await this.client()
    const namespace = this.flags['all-namespaces'] ? undefined : client.namespace
    const report = await reconcile(client, {
      clock: commandClock(),
      dryRun: this.flags['dry-run'],
      horizonMs,
      namespace,
      onChange: (line) => this.log(line),
      plan: {installNamespace: installNamespace()},
      waitForTransitions: true,
    })
    if (this.flags['dry-run']) {
      for (const action of report.planned) this.log(`would be ${describe(action)}`)
      for (const {action, at} of report.later ?? []) this.log(`at ${toRfc3339Utc(Math.ceil(at / 1000) * 1000)} would be ${describe(action)}`)
      if (report.planned.length === 0 && (report.later ?? []).length === 0) this.log('nothing to do')
    }
    for (const waiting of report.waitingOn) process.stderr.write(`still waiting for backend ${waiting} to become ready\n`)
    if (report.errors.length > 0) throw new ClusterError(eachOnItsLine(`the pass finished with ${report.errors.length} failure(s)`, report.errors))
  }
}
