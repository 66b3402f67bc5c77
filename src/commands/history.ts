import {Args, Flags} from '@oclif/core'

import {KubeCommand} from '../cli/base-command.js'
import {renderData, renderTable} from '../cli/output.js'
import {getWindowConfigMap} from '../kube/windows.js'
import {parseHistory} from '../model/history.js'
import {WindowAnnotation, WindowData} from '../model/keys.js'
import {formatLocal, parseRfc3339} from '../model/time.js'

export default class History extends KubeCommand<typeof History> {
  static args = {
    window: Args.string({description: 'Name of the window.', required: true}),
  }

  static description = `Show the transitions kept on a window, oldest first: when, the phase, who (cronjob, or the kubeconfig user whose command made it) and the message.
The window keeps its last 50 transitions in its ConfigMap (data key history), so they outlive Kubernetes Events.`

  static examples = ['<%= config.bin %> <%= command.id %> ingress-shop-20261224-2200 -n shop', '<%= config.bin %> <%= command.id %> ingress-shop-20261224-2200 -n shop -o json']

  static flags = {
    output: Flags.option({char: 'o', default: 'table' as const, description: 'Output format.', options: ['table', 'json', 'yaml'] as const})(),
  }

  async run(): Promise<void> {
    const client = await this.client()
    const configMap = (await getWindowConfigMap(client, client.namespace, this.args.window)) as {data?: Record<string, string>; metadata: {annotations?: Record<string, string>}}
    const {entries, problem} = parseHistory(configMap.data?.[WindowData.history])
    if (problem) this.warnUser(`window ${this.args.window}: ${problem}`)
    const {output} = this.flags
    if (output !== 'table') {
      this.log(renderData(output, {apiVersion: 'kubectl-maintenance.io/v1', items: entries, kind: 'History', window: this.args.window}).trimEnd())
      return
    }
    if (entries.length === 0) {
      process.stderr.write(`No history recorded for window ${this.args.window}.\n`)
      return
    }
    const zone = configMap.metadata.annotations?.[WindowAnnotation.timezone]?.trim() || 'UTC'
    const local = (time: string): string => {
      try {
        return formatLocal(parseRfc3339(time) as number, zone)
      } catch {
        return time
      }
    }
    this.log(renderTable(['TIME', 'PHASE', 'BY', 'MESSAGE'], entries.map((entry) => [local(entry.time), entry.phase, entry.by, entry.message.replaceAll(/\s+/g, ' ')])))
  }
}
