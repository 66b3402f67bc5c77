/**
 * Errors the way kubectl prints them: `error: <message>` on stderr, never wrapped to the terminal's width (a pipe or a
 * log keeps whole lines), with oclif's parser errors rewritten into sentences that name the flags, and suggestions for
 * a mistyped command or flag instead of a page of help.
 */
import {distance} from 'fastest-levenshtein'

import {terminalSafe} from './terminal.js'

/** What a parse error needs to know about the command it happened in. */
export interface CommandShape {
  /** The words users type, e.g. `kubectl maintenance page create`. */
  usage: string
  /** Long flag names, and single-character ones. */
  flags: Array<{name: string; char?: string}>
}

/** The closest candidates within kubectl's (cobra's) suggestion distance of 2, or a prefix match; best first. */
export function suggestions(typed: string, candidates: string[], maxDistance = 2): string[] {
  const scored = candidates
    .map((candidate) => ({candidate, score: candidate.startsWith(typed) && typed.length > 0 ? 0 : distance(typed, candidate)}))
    .filter(({score}) => score <= maxDistance)
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
  return [...new Set(scored.map(({candidate}) => candidate))]
}

/** `error: unknown command "lst" for "kubectl maintenance"` with cobra's "Did you mean this?" list. */
export function unknownCommandMessage(typed: string, bin: string, commands: string[]): string {
  const close = suggestions(typed, commands)
  const hint = close.length > 0 ? `\n\nDid you mean this?\n${close.map((command) => `\t${command}`).join('\n')}` : ''
  return `unknown command "${typed}" for "${bin}"${hint}\nRun '${bin} --help' for usage.`
}

function unknownFlagMessage(flags: string[], shape: CommandShape): string {
  const names = shape.flags.map((flag) => `--${flag.name}`)
  const lines = flags.map((typed) => {
    const bare = typed.replace(/=.*$/, '')
    const close = bare.startsWith('--') ? suggestions(bare, names) : []
    return `unknown flag: ${bare}${close.length > 0 ? `\nDid you mean ${close.slice(0, 3).join(' or ')}?` : ''}`
  })
  return `${lines.join('\n')}\nSee '${shape.usage} --help' for usage.`
}

/** oclif's "--a=x cannot also be provided when using --b" and "Exactly one of the following must be provided: --a, --b". */
function flagRulesMessage(reasons: string[], shape: CommandShape): string {
  const sentences: string[] = []
  const pairs = new Set<string>()
  for (const reason of reasons) {
    const exclusive = /^--([\w-]+)(?:=.*)? cannot also be provided when using --([\w-]+)$/.exec(reason)
    const exactlyOne = /^Exactly one of the following must be provided: (.*)$/.exec(reason)
    const atLeastOne = /^At least one of the following must be provided: (.*)$/.exec(reason)
    const required = /^Missing required flag (.*)$/.exec(reason)
    if (exclusive) {
      const pair = [exclusive[1], exclusive[2]].sort()
      if (pairs.has(pair.join(' '))) continue
      pairs.add(pair.join(' '))
      sentences.push(`--${pair[0]} and --${pair[1]} cannot be used together: give one of them`)
    } else if (exactlyOne) {
      sentences.push(`give exactly one of ${orList(exactlyOne[1])}`)
    } else if (atLeastOne) {
      sentences.push(`give at least one of ${orList(atLeastOne[1])}`)
    } else if (required) {
      sentences.push(`required flag --${required[1].replace(/^-+/, '')} not set`)
    } else {
      sentences.push(reason)
    }
  }
  return `${[...new Set(sentences)].join('; ')}\nSee '${shape.usage} --help' for usage.`
}

function orList(flags: string): string {
  const names = flags.split(/,\s*/).filter(Boolean)
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`
}

interface ParseFailure {
  message?: string
  flags?: string[]
  args?: Array<string | {name?: string}>
  parse?: unknown
}

/**
 * The message to print for an error of oclif's parser, kubectl-style; undefined for any other error. Told apart by
 * what they carry and say, not by class name: the bundle is minified. The parser's own text ends in "See more help with
 * --help" and lists reasons on indented lines: both are replaced.
 */
export function parseErrorMessage(error: unknown, shape: CommandShape): string | undefined {
  const failure = error as ParseFailure
  if (typeof failure?.message !== 'string' || !('parse' in (failure as object))) return undefined
  const text = stripAnsi(failure.message.replace(/\nSee more help with --help$/, ''))
  const lines = text.split('\n')
  const usage = `\nSee '${shape.usage} --help' for usage.`
  if (/^Nonexistent flags?: /.test(text)) return unknownFlagMessage(failure.flags ?? text.replace(/^Nonexistent flags?: /, '').split(', '), shape)
  if (/^The following errors? occurred:/.test(text)) {
    return flagRulesMessage(lines.slice(1).map((line) => line.trim()).filter(Boolean), shape)
  }
  if (/^Missing \d+ required args?/.test(text)) {
    const names = lines
      .slice(1)
      .map((line) => line.trim().split(/\s+/)[0])
      .filter((name) => name && /^[\w-]+$/.test(name) && name !== 'Note' && name !== 'Alternatively')
    return `${names.length > 0 ? `missing ${names.map((name) => name.toUpperCase()).join(', ')}` : 'missing an argument'}${usage}`
  }
  if (/^Unexpected arguments?: /.test(text)) return `${lines[0].replace(/^Unexpected/, 'unexpected')}${usage}`
  return `${lines.join(' ')}${usage}`
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replaceAll(/\u001B\[[0-9;]*m/g, '')
}

/** oclif wraps an error thrown by a flag's parse as "Parsing --flag \n\t<message>\nSee more help with --help": the message alone. */
export function unwrapFlagParse(message: string): string {
  const wrapped = /^Parsing --[\w-]+ \n\t([\s\S]*?)(?:\nSee more help with --help)?$/.exec(message)
  return wrapped ? wrapped[1] : message
}

/** `error: ...` for stderr, escaped like every other line we print. Lines are never folded to the terminal's width. */
export function errorLine(message: string): string {
  return `error: ${terminalSafe(message.replace(/^error: /, ''))}\n`
}

/** The exit code oclif would use: its `oclif.exit`, else the error's own exitCode, else 1. */
export function exitCodeOf(error: unknown): number {
  const failure = error as {oclif?: {exit?: number}; exitCode?: number}
  return failure.oclif?.exit ?? failure.exitCode ?? 1
}
