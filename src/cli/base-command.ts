import {Command, Flags, Interfaces} from '@oclif/core'

import {KubeClient} from '../kube/client.js'
import {ClusterError, UserError} from '../model/errors.js'
import {OUTPUT_FORMATS, type OutputFormat, asList, renderData, renderTable} from './output.js'
import {terminalSafe} from './terminal.js'

export type KubeFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof KubeCommand)['baseFlags'] & T['flags']>
export type KubeArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** Every command that talks to a cluster: kubectl's connection flags, error mapping to exit codes. */
export abstract class KubeCommand<T extends typeof Command> extends Command {
  static baseFlags = {
    context: Flags.string({description: 'The kubeconfig context to use.', helpGroup: 'CLUSTER'}),
    kubeconfig: Flags.string({description: 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config).', helpGroup: 'CLUSTER'}),
    namespace: Flags.string({char: 'n', description: "The namespace (default: the context's namespace, else default).", helpGroup: 'CLUSTER'}),
  }

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
  }

  /** The cluster client, created on first use so commands that fail on input never touch the cluster. */
  protected async client(): Promise<KubeClient> {
    if (!this.kubeClient) {
      this.kubeClient = KubeClient.fromOptions({
        context: this.flags.context,
        kubeconfig: this.flags.kubeconfig,
        namespace: this.flags.namespace,
      })
    }
    return this.kubeClient
  }

  protected async namespace(): Promise<string> {
    return (await this.client()).namespace
  }

  protected async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    // Messages carry what the cluster said (window messages, API reasons): escaped like all other output.
    if (error instanceof UserError) return this.error(terminalSafe(error.message), {exit: 2})
    if (error instanceof ClusterError) return this.error(terminalSafe(error.message), {exit: 1})
    if (typeof error.message === 'string') error.message = terminalSafe(error.message)
    return super.catch(error)
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

export const outputFlag = Flags.option({
  char: 'o',
  default: 'table' as const,
  description: 'Output format.',
  options: OUTPUT_FORMATS,
})()

export const listFlags = {
  'all-namespaces': Flags.boolean({char: 'A', description: 'List across all namespaces.'}),
  output: outputFlag,
  selector: Flags.string({char: 'l', description: 'Label selector to filter on, e.g. team=shop.'}),
}

export interface Printable {
  /** `kind/name` for -o name. */
  name: string
  /** The object for -o json|yaml. */
  data: unknown
  /** Cells for the table, in header order. */
  cells: string[]
  /** Extra cells for -o wide. */
  wideCells?: string[]
}

/** Prints a result set in the chosen format, kubectl-style. */
export function formatResults(format: OutputFormat, headers: string[], wideHeaders: string[], items: Printable[]): string {
  switch (format) {
    case 'json':
    case 'yaml': {
      return renderData(format, asList(items.map((item) => item.data)))
    }

    case 'name': {
      return items.map((item) => item.name).join('\n')
    }

    case 'wide': {
      return renderTable([...headers, ...wideHeaders], items.map((item) => [...item.cells, ...(item.wideCells ?? [])]))
    }

    default: {
      return renderTable(headers, items.map((item) => item.cells))
    }
  }
}
