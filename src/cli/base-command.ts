import {Command, Flags, Interfaces} from '@oclif/core'

import {KubeClient} from '../kube/client.js'
import {ClusterError} from '../model/errors.js'
import {parseSelector} from './label-selector.js'
import {OUTPUT_FORMATS} from './output.js'
import {LIST_FORMATS, checkSortBy, parseOutput} from './printers.js'
import {REQUEST_TIMEOUT_DESCRIPTION, parseRequestTimeout} from './request-timeout.js'
import {reportError as reportErrorOf} from './report-error.js'
import {terminalSafe} from './terminal.js'
import {fromFlag} from './window-input.js'
import {parseDuration} from '../model/time.js'

export type KubeFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof KubeCommand)['baseFlags'] & T['flags']>
export type KubeArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** Every command that talks to a cluster: kubectl's connection flags, error mapping to exit codes. */
export abstract class KubeCommand<T extends typeof Command> extends Command {
  static baseFlags = {
    context: Flags.string({description: 'The kubeconfig context to use.', helpGroup: 'CLUSTER'}),
    kubeconfig: Flags.string({description: 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config).', helpGroup: 'CLUSTER'}),
    namespace: Flags.string({char: 'n', description: "The namespace (default: the context's namespace, else default).", helpGroup: 'CLUSTER'}),
    'request-timeout': Flags.string({
      description: REQUEST_TIMEOUT_DESCRIPTION,
      helpGroup: 'CLUSTER',
      async parse(input) {
        parseRequestTimeout(input)
        return input
      },
    }),
  }

  /** A duration flag that bounds the whole command (now's --timeout): it ends within that plus BOUND_GRACE_MS. */
  static boundedBy?: string

  protected args!: KubeArgs<T>
  protected flags!: KubeFlags<T>
  private kubeClient?: Promise<KubeClient>

  async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      args: this.ctor.args,
      baseFlags: (super.ctor as typeof KubeCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      flags: this.ctor.flags,
      strict: this.ctor.strict,
    })
    this.flags = flags as KubeFlags<T>
    this.args = args as KubeArgs<T>
    const boundMs = this.boundMs()
    if (boundMs !== undefined) {
      const run = this.run.bind(this)
      const flag = (this.ctor as typeof KubeCommand).boundedBy as string
      const said = `${this.config.bin} ${this.id?.replaceAll(':', ' ')} did not finish within --${flag} ${String((this.flags as Record<string, unknown>)[flag])} (and ${BOUND_GRACE_MS / 1000}s to finish up)`
      this.run = async () => withinBound(run(), boundMs, async () => `${said}${this.kubeClient ? `; the cluster at ${(await this.kubeClient).server} was too slow to answer` : ''}`)
    }
  }

  private boundMs(): number | undefined {
    const flag = (this.ctor as typeof KubeCommand).boundedBy
    const text = flag === undefined ? undefined : (this.flags as Record<string, unknown>)[flag]
    return typeof text === 'string' ? fromFlag(flag as string, () => parseDuration(text)).ms + BOUND_GRACE_MS : undefined
  }

  /** The cluster client, created on first use so commands that fail on input never touch the cluster. */
  protected async client(): Promise<KubeClient> {
    if (!this.kubeClient) {
      // Within a bounded command no single request may outlast the bound.
      const bound = this.boundMs()
      const requested = parseRequestTimeout(this.flags['request-timeout'])
      const requestTimeoutMs = bound === undefined ? requested : requested === 0 ? bound : Math.min(requested, bound)
      this.kubeClient = KubeClient.fromOptions({
        context: this.flags.context,
        kubeconfig: this.flags.kubeconfig,
        namespace: this.flags.namespace,
      }).then((client) => client.withRequestTimeout(requestTimeoutMs))
    }
    return this.kubeClient
  }

  protected async namespace(): Promise<string> {
    return (await this.client()).namespace
  }

  protected async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    return reportErrorOf(this, error)
  }

  /** Everything a command prints on stdout goes through here, escaped for the terminal (src/cli/terminal.ts). */
  log(message = '', ...args: unknown[]): void {
    super.log(terminalSafe(message), ...args)
  }

  /** A line for stderr (progress, notes), escaped for the terminal. */
  protected note(message: string): void {
    process.stderr.write(`${terminalSafe(message)}\n`)
  }

  protected warnUser(message: string): void {
    this.note(`Warning: ${message}`)
  }
}

/** Time a bounded command has past its bound to finish what it was doing (report, clean up) before it is cut off. */
export const BOUND_GRACE_MS = 5000

/** `work`, or a ClusterError (exit 1) once `ms` have passed without it settling. */
export async function withinBound<T>(work: Promise<T>, ms: number, message: () => Promise<string>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      message().then((text) => reject(new ClusterError(text)), reject)
    }, ms)
  })
  return Promise.race([work, bound]).finally(() => clearTimeout(timer))
}

export {reportError} from './report-error.js'

export const outputFlag = Flags.option({
  char: 'o',
  default: 'table' as const,
  description: 'Output format.',
  options: OUTPUT_FORMATS,
})()

/** The flags of every command that prints a result set, as kubectl get has them. */
export const listFlags = {
  'all-namespaces': Flags.boolean({char: 'A', description: 'List across all namespaces.'}),
  'no-headers': Flags.boolean({description: 'Print the table (table, wide, custom-columns) without its header line.'}),
  output: Flags.string({
    char: 'o',
    default: 'table',
    description: `Output format: ${LIST_FORMATS.join(', ')}.`,
    async parse(input) {
      parseOutput(input)
      return input
    },
  }),
  selector: Flags.string({
    char: 'l',
    description: 'Label selector to filter on, as kubectl takes it: team=shop, tier!=web, env in (a,b), !legacy.',
    async parse(input) {
      parseSelector(input)
      return input
    },
  }),
  'sort-by': Flags.string({
    description: "Order by this JSONPath of the objects, e.g. '{.metadata.name}' or .metadata.creationTimestamp.",
    async parse(input) {
      checkSortBy(input)
      return input
    },
  }),
}

export {type Printable, formatResults} from './printers.js'
