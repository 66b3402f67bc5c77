import {Args, Flags} from '@oclif/core'

import {KubeCommand} from '../cli/base-command.js'
import {renderData} from '../cli/output.js'
import {readBypassSecret} from '../kube/bypass-secret.js'
import {getWindowConfigMap} from '../kube/windows.js'
import {ClusterError, UserError} from '../model/errors.js'
import {ANNOTATION_HAS_NO_GATE, BYPASS_HEADER, BYPASS_PATH, bypassSecretName} from '../model/gate.js'
import {ANNOTATION_WINDOW} from '../model/keys.js'
import {bypassDigest} from '../render/gate.js'
import {formatDuration} from '../model/duration.js'
import {configMapToWindow} from '../model/window-codec.js'

export default class Bypass extends KubeCommand<typeof Bypass> {
  static args = {
    window: Args.string({description: 'Name of the window.', required: true}),
  }

  static description = `Print the bypass link path and header of a window made with --bypass or --bypass-secret.
Open the path on the site (https://shop.example.com/_maintenance/bypass/...) to get a cookie that shows the real site for --bypass-ttl; send the header from API clients and smoke tests. The secret is read from the Secret ${bypassSecretName('WINDOW')} with your own credentials.`

  static examples = [
    '<%= config.bin %> <%= command.id %> ingress-shop-20261224-2200 -n shop',
    'curl -H "$(<%= config.bin %> <%= command.id %> ingress-shop-20261224-2200 -n shop -o header)" https://shop.example.com/',
  ]

  static flags = {
    output: Flags.option({char: 'o', default: 'text' as const, description: 'Output format: text, the path only, the header only, json or yaml.', options: ['text', 'path', 'header', 'json', 'yaml'] as const})(),
  }

  async run(): Promise<void> {
    const client = await this.client()
    const configMap = await getWindowConfigMap(client, client.namespace, this.args.window).catch((error: unknown) => {
      throw this.args.window === ANNOTATION_WINDOW && error instanceof UserError ? new UserError(ANNOTATION_HAS_NO_GATE) : error
    })
    const {problems, window} = configMapToWindow(configMap)
    if (!window) throw new UserError(`window ${this.args.window} is invalid: ${problems.join('; ')}`)
    const bypass = window.gate?.bypass
    if (!bypass) throw new UserError(`window ${window.name} has no bypass: create it with --bypass (or --bypass-secret) to get one`)
    const secret = await readBypassSecret(client, window.namespace, configMap)
    if (secret === undefined) throw new ClusterError(`Secret ${bypassSecretName(window.name)} of window ${window.name} is missing or not the window's: the bypass link cannot be shown`)
    if (bypassDigest(bypass.salt, secret) !== bypass.digest) throw new ClusterError(`Secret ${bypassSecretName(window.name)} does not hold the secret window ${window.name} was made with`)
    const path = `${BYPASS_PATH}${secret}`
    const header = `${BYPASS_HEADER}: ${secret}`
    const {output} = this.flags
    if (output === 'path') this.log(path)
    else if (output === 'header') this.log(header)
    else if (output === 'json' || output === 'yaml') this.log(renderData(output, {cookieTtl: formatDuration(bypass.ttlSeconds * 1000), header: {name: BYPASS_HEADER, value: secret}, path, window: window.name}))
    else this.log(`link path: ${path}\nheader:    ${header}\ncookie:    lasts ${formatDuration(bypass.ttlSeconds * 1000)}${bypass.secureCookie ? '' : ' (without Secure)'}`)
  }
}
