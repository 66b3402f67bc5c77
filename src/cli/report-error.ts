import {type Command, Errors} from '@oclif/core'

import {ClusterError, UserError} from '../model/errors.js'
import {errorLine, exitCodeOf, parseErrorMessage, unwrapFlagParse} from './errors.js'

/**
 * Prints a command's error as kubectl does (`error: ...`, one line per sentence, never folded to the terminal) and
 * exits with its code: 2 for wrong input (our UserError, oclif's parse errors), 1 for the cluster and anything else.
 * Messages carry what the cluster said (window messages, API reasons): escaped like all other output.
 */
export function reportError(command: Command, error: Error & {exitCode?: number; code?: string}): never {
  if (error instanceof Errors.ExitError || error.code === 'EEXIT') throw error
  const ctor = command.constructor as typeof Command & {baseFlags?: Record<string, {char?: string}>}
  const flags = Object.entries({...ctor.baseFlags, ...ctor.flags}).map(([name, flag]) => ({char: (flag as {char?: string}).char, name}))
  const usage = [command.config.bin, ...(command.id ?? '').split(':')].filter(Boolean).join(' ')
  const parsed = parseErrorMessage(error, {flags, usage})
  let code = parsed === undefined ? exitCodeOf(error) : 2
  if (error instanceof UserError) code = 2
  else if (error instanceof ClusterError) code = 1
  process.stderr.write(parsed ? errorLine(parsed.message, parsed.hint) : errorLine(unwrapFlagParse(error.message || String(error))))
  throw new Errors.ExitError(code)
}
