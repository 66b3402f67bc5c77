import {type Config, Errors, flush} from '@oclif/core'

import {errorLine, exitCodeOf, unknownCommandMessage} from './errors.js'

/** What oclif says when argv names no command: "command lst not found" (ids are colon-separated). */
const NOT_FOUND = /^command (\S+) not found$/

/**
 * The entry point's last word on an error no command handled, kubectl-style: `error: unknown command "lst" for
 * "kubectl maintenance"` with suggestions, or `error: <message>`; never oclif's boxed, terminal-wrapped form. Commands
 * print their own errors (reportError) and end with an ExitError, which only sets the exit code here.
 */
export async function handleTopLevel(error: unknown, config: Config | undefined): Promise<never> {
  const failure = error as Error & {code?: string}
  if (!(failure instanceof Errors.ExitError) && failure?.code !== 'EEXIT') {
    const notFound = NOT_FOUND.exec(failure?.message ?? '')
    if (notFound && config) {
      const commands = [...new Set([...config.commands.flatMap((command) => [command.id, ...command.aliases]).filter((id) => !config.findCommand(id)?.hidden)])]
      const spaced = (id: string) => id.replaceAll(':', ' ')
      const unknown = unknownCommandMessage(spaced(notFound[1]), config.bin, commands.map(spaced))
      process.stderr.write(errorLine(unknown.message, unknown.hint))
    } else {
      process.stderr.write(errorLine(failure?.message ?? String(error)))
    }
  }
  await flush().catch(() => {})
  process.exit(exitCodeOf(error))
}
