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

/** What to print for an error: the message (each of its lines an `error: ` line) and lines of help printed as they are. */
export interface Report {
  message: string
  hint?: string
}

/** `error: unknown command "lst" for "kubectl maintenance"` with cobra's "Did you mean this?" list. */
export function unknownCommandMessage(typed: string, bin: string, commands: string[]): Report {
  if (typed.startsWith('-')) return {hint: `See '${bin} --help' for usage.`, message: `unknown flag: ${typed.replace(/=.*$/, '')} (give a command first, e.g. ${bin} list -n NAMESPACE)`}
  const close = suggestions(typed, commands)
  const hint = close.length > 0 ? `\nDid you mean this?\n${close.map((command) => `\t${command}`).join('\n')}\n` : ''
  return {hint: `${hint}Run '${bin} --help' for usage.`, message: `unknown command "${typed}" for "${bin}"`}
}

function unknownFlagMessage(flags: string[], shape: CommandShape): Report {
  const names = shape.flags.map((flag) => `--${flag.name}`)
  const bare = flags.map((typed) => typed.replace(/=.*$/, ''))
  const close = bare.flatMap((typed) => (typed.startsWith('--') ? suggestions(typed, names).slice(0, 3) : []))
  return {hint: `${close.length > 0 ? `Did you mean ${close.join(' or ')}?\n` : ''}${usageHint(shape)}`, message: bare.map((typed) => `unknown flag: ${typed}`).join('\n')}
}

function usageHint(shape: CommandShape): string {
  return `See '${shape.usage} --help' for usage.`
}

/** oclif's "--a=x cannot also be provided when using --b" and "Exactly one of the following must be provided: --a, --b". */
function flagRulesMessage(reasons: string[], shape: CommandShape): Report {
  const sentences: string[] = []
  const pairs = new Set<string>()
  for (const reason of reasons) {
    const exclusive = /^--([\w-]+)(?:=.*)? cannot also be provided when using --([\w-]+)$/.exec(reason)
    const exactlyOne = /^Exactly one of the following must be provided: (.*)$/.exec(reason)
    const atLeastOne = /^At least one of the following must be provided: (.*)$/.exec(reason)
    const required = /^Missing required flag (.*)$/.exec(reason)
    const dependsOn = /^(All|One) of the following must be provided when using --([\w-]+): (.*)$/.exec(reason)
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
    } else if (dependsOn) {
      sentences.push(`--${dependsOn[2]} needs ${dependsOn[1] === 'All' ? dependsOn[3].split(/,\s*/).join(' and ') : `one of ${orList(dependsOn[3])}`}`)
    } else {
      sentences.push(reason)
    }
  }
  return {hint: usageHint(shape), message: [...new Set(sentences)].join('; ')}
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
export function parseErrorMessage(error: unknown, shape: CommandShape): Report | undefined {
  const failure = error as ParseFailure
  if (typeof failure?.message !== 'string') return undefined
  const text = stripAnsi(failure.message.replace(/\nSee more help with --help$/, ''))
  // Thrown by the parser without its marks: a flag given last, without its value.
  const noValue = /^Flag --([\w-]+) expects a value$/.exec(text)
  if (noValue) return {hint: usageHint(shape), message: `flag needs an argument: --${noValue[1]}`}
  if (!('parse' in (failure as object))) return undefined
  const lines = text.split('\n')
  if (/^Nonexistent flags?: /.test(text)) return unknownFlagMessage(failure.flags ?? text.replace(/^Nonexistent flags?: /, '').split(', '), shape)
  if (/^The following errors? occurred:/.test(text)) {
    return flagRulesMessage(lines.slice(1).map((line) => line.trim()).filter(Boolean), shape)
  }
  if (/^Missing \d+ required args?/.test(text)) {
    const names = (failure.args ?? []).map((arg) => (typeof arg === 'string' ? arg : arg.name)).filter((name): name is string => Boolean(name))
    return {hint: usageHint(shape), message: names.length > 0 ? `missing ${names.map((name) => name.toUpperCase()).join(', ')}` : 'missing an argument'}
  }
  if (/^Unexpected arguments?: /.test(text)) return {hint: usageHint(shape), message: lines[0].replace(/^Unexpected/, 'unexpected')}
  const option = /^Expected --([\w-]+)=(.*) to be one of: (.*)$/.exec(lines[0])
  if (option) return {hint: usageHint(shape), message: invalidOptionMessage(option[1], option[2], option[3])}
  return {hint: usageHint(shape), message: lines.join(' ')}
}

/** kubectl's words for a bad -o; cobra's for any other flag with a fixed set of values. */
function invalidOptionMessage(flag: string, value: string, options: string): string {
  if (flag === 'output') return `unable to match a printer suitable for the output format "${value}", allowed formats are: ${options.split(/,\s*/).join(',')}`
  return `invalid argument "${value}" for "--${flag}" flag: use one of ${orList(options)}`
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replaceAll(/\u001B\[[0-9;]*m/g, '')
}

/**
 * oclif wraps an error thrown by a flag's parse as "Parsing --flag \n\t<message>\nSee more help with --help": the
 * message alone, or for oclif's own integer check, cobra's sentence that names the flag.
 */
export function unwrapFlagParse(message: string): string {
  const wrapped = /^Parsing --([\w-]+) \n\t([\s\S]*?)(?:\nSee more help with --help)?$/.exec(message)
  if (!wrapped) return message
  const integer = /^Expected an integer(.*) but received: (.*)$/.exec(wrapped[2])
  return integer ? `invalid argument "${integer[2]}" for "--${wrapped[1]}" flag: expected an integer${integer[1]}` : wrapped[2]
}

/**
 * `error: ...` for stderr, escaped like every other line we print, one `error: ` line per line of the message (several
 * failures at once, as kubectl prints an aggregate), then the hint as it is. Lines are never folded to the terminal's width.
 */
export function errorLine(message: string, hint?: string): string {
  const lines = message.replace(/^error: /, '').split('\n').map((line) => line.trim()).filter((line) => line !== '')
  const errors = (lines.length > 0 ? lines : ['unknown error']).map((line) => `error: ${terminalSafe(line)}\n`).join('')
  return hint === undefined ? errors : `${errors}${terminalSafe(hint)}\n`
}

/** The exit code oclif would use: its `oclif.exit`, else the error's own exitCode, else 1. */
export function exitCodeOf(error: unknown): number {
  const failure = error as {oclif?: {exit?: number}; exitCode?: number}
  return failure.oclif?.exit ?? failure.exitCode ?? 1
}
