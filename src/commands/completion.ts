import {Args, Command} from '@oclif/core'

import {reportError} from '../cli/report-error.js'
import {catalogFromConfig} from '../cli/completion/catalog.js'
import {type CompletionSource, SHELLS, formatCompletion, planCompletion, resolveCompletion} from '../cli/completion/complete.js'
import {COMPLETE_MODE, type Shell, completionScript} from '../cli/completion/scripts.js'

const BIN = 'kubectl-maintenance'

const NO_LOOKUPS: CompletionSource = {lookup: async () => []}

function isShell(text: string | undefined): text is Shell {
  return (SHELLS as readonly string[]).includes(text ?? '')
}

export default class Completion extends Command {
  static args = {
    shell: Args.string({description: `The shell: ${SHELLS.join(', ')}.`, required: true}),
  }

  static description = `Print a shell completion script that completes commands, flags and, from the cluster, window and target names.
For "kubectl maintenance <TAB>" (kubectl >= 1.26), also put kubectl_complete-maintenance on your PATH: it runs "${BIN} completion ${COMPLETE_MODE} -- ARGS...".`

  static examples = [
    'source <(<%= config.bin %> <%= command.id %> bash)',
    '<%= config.bin %> <%= command.id %> zsh > "${fpath[1]}/_kubectl-maintenance"',
    '<%= config.bin %> <%= command.id %> fish > ~/.config/fish/completions/kubectl-maintenance.fish',
  ]

  // `completion __complete -- WORDS...` passes the words being completed through untouched, flags included.
  static strict = false

  async run(): Promise<void> {
    const [first, ...rest] = this.argv
    if (first === COMPLETE_MODE) {
      await this.complete(rest[0] === '--' ? rest.slice(1) : rest)
      return
    }
    if (!isShell(first) || rest.length > 0) {
      this.error(`shell "${this.argv.join(' ')}" is not supported: use one of ${SHELLS.join(', ')}, e.g. ${BIN} completion bash`, {exit: 2})
    }
    process.stdout.write(completionScript(first, BIN))
  }

  protected async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    return reportError(this, error)
  }

  private async complete(words: string[]): Promise<void> {
    const plan = planCompletion(words, catalogFromConfig(this.config))
    // The cluster client (and @kubernetes/client-node behind it) loads only when a TAB needs names from the cluster.
    const source = plan.lookups.length > 0 ? (await import('../cli/completion/cluster-source.js')).clusterSource() : undefined
    const {candidates, directive} = await resolveCompletion(plan, source ?? NO_LOOKUPS)
    process.stdout.write(formatCompletion(candidates, directive))
    // A cluster that never answered leaves its socket open; the answer is out, so do not wait for it.
    if (source?.timedOut) this.exit(0)
  }
}
