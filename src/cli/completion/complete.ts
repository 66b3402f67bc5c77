/**
 * The completer behind `__complete`, speaking cobra's protocol because that is what kubectl (>= 1.26) expects from a
 * plugin's `kubectl_complete-<plugin>` helper: the words after the plugin name, the last one being the word under the
 * cursor (empty for a new word); the answer is one candidate per line (`value<TAB>description`), then `:<directive>`.
 */
import {TARGET_KINDS, type TargetKind, resolveKind} from '../../model/target.js'
import type {Catalog, CommandSpec, FlagSpec, ValueSource} from './catalog.js'

/** cobra's ShellCompDirective bits. */
export const Directive = {
  Default: 0,
  Error: 1,
  FilterDirs: 16,
  FilterFileExt: 8,
  KeepOrder: 32,
  NoFileComp: 4,
  NoSpace: 2,
} as const

export interface Candidate {
  value: string
  description?: string
}

export type Lookup =
  | {source: 'contexts'}
  | {source: 'namespaces'}
  | {source: 'pages'; builtIn: boolean}
  | {source: 'targets'; kind: TargetKind; kindText: string}
  | {source: 'windows'}

export interface Connection {
  kubeconfig?: string
  context?: string
  namespace?: string
}

export interface CompletionPlan {
  /** The word under the cursor, as typed. */
  word: string
  /** Put before every looked-up value, e.g. `--output=` or `ingress/`. */
  valuePrefix: string
  candidates: Candidate[]
  lookups: Lookup[]
  directive: number
  /** Values already given (positional targets or windows), not offered again. */
  exclude: string[]
  connection: Connection
}

/** Where the dynamic candidates come from: the cluster, the kubeconfig. Lookups that fail answer nothing. */
export interface CompletionSource {
  lookup(lookup: Lookup, connection: Connection): Promise<Candidate[]>
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const

const TARGET_PREFIXES = [...TARGET_KINDS, 'svc'].map((kind) => `${kind}/`)

function nothing(word: string, connection: Connection, directive: number = Directive.NoFileComp): CompletionPlan {
  return {candidates: [], connection, directive, exclude: [], lookups: [], valuePrefix: '', word}
}

function sameWords(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((word, index) => word === b[index])
}

function startsWithWords(words: string[], prefix: string[]): boolean {
  return prefix.every((word, index) => words[index] === word)
}

function findCommand(catalog: Catalog, words: string[]): CommandSpec | undefined {
  return catalog.commands.find((command) => sameWords(command.words, words) || command.aliases.some((alias) => sameWords(alias, words)))
}

function isTopicPrefix(catalog: Catalog, words: string[]): boolean {
  return catalog.commands.some((command) => command.words.length > words.length && startsWithWords(command.words, words))
}

/** The commands and topics one level below `path`, e.g. `create list show delete` below `page`. */
export function childrenOf(catalog: Catalog, path: string[]): Candidate[] {
  const children = new Map<string, Candidate>()
  for (const command of catalog.commands) {
    if (command.hidden || command.words.length <= path.length || !startsWithWords(command.words, path)) continue
    const word = command.words[path.length]
    const topic = catalog.topics.find((candidate) => sameWords(candidate.words, [...path, word]))
    const description = command.words.length === path.length + 1 ? command.description : topic?.description
    if (!children.has(word)) children.set(word, {description, value: word})
  }
  return [...children.values()].sort((a, b) => a.value.localeCompare(b.value))
}

interface ParsedArgs {
  values: Map<string, string>
  given: Set<string>
  positionals: string[]
  pending?: FlagSpec
  afterDashDash: boolean
}

function findFlag(command: CommandSpec, name: string): FlagSpec | undefined {
  return command.flags.find((flag) => flag.name === name)
}

function findShortFlag(command: CommandSpec, char: string): FlagSpec | undefined {
  return command.flags.find((flag) => flag.char === char)
}

/** Reads the completed words after the command the way oclif would: flags with their values, then positionals. */
export function parseArgs(command: CommandSpec, args: string[]): ParsedArgs {
  const parsed: ParsedArgs = {afterDashDash: false, given: new Set(), positionals: [], values: new Map()}
  for (const arg of args) {
    if (parsed.pending) {
      parsed.values.set(parsed.pending.name, arg)
      parsed.pending = undefined
    } else if (parsed.afterDashDash || arg === '-' || !arg.startsWith('-')) {
      parsed.positionals.push(arg)
    } else if (arg === '--') {
      parsed.afterDashDash = true
    } else if (arg.startsWith('--')) {
      const equals = arg.indexOf('=')
      const flag = findFlag(command, arg.slice(2, equals < 0 ? undefined : equals))
      if (!flag) continue
      parsed.given.add(flag.name)
      if (flag.takesValue && equals < 0) parsed.pending = flag
      else if (flag.takesValue) parsed.values.set(flag.name, arg.slice(equals + 1))
    } else {
      const flag = findShortFlag(command, arg[1])
      if (!flag) continue
      parsed.given.add(flag.name)
      const attached = arg.slice(2).replace(/^=/, '')
      if (flag.takesValue && attached) parsed.values.set(flag.name, attached)
      else if (flag.takesValue) parsed.pending = flag
    }
  }
  return parsed
}

function connectionOf(values: Map<string, string>): Connection {
  return {context: values.get('context'), kubeconfig: values.get('kubeconfig'), namespace: values.get('namespace')}
}

function timezones(): string[] {
  return [...Intl.supportedValuesOf('timeZone'), 'UTC']
}

function targetPlan(word: string, base: CompletionPlan): CompletionPlan {
  const slash = word.indexOf('/')
  if (slash < 0) {
    const prefixes = [...TARGET_PREFIXES]
    // A kind written another accepted way (`ingresses`, `svc`) completes as written.
    if (resolveKind(word) && !prefixes.some((prefix) => prefix.startsWith(word))) prefixes.push(`${word}/`)
    return {...base, candidates: [...base.candidates, ...prefixes.map((value) => ({value}))]}
  }
  const kindText = word.slice(0, slash)
  const kind = resolveKind(kindText)
  if (!kind) return base
  return {...base, lookups: [...base.lookups, {kind, kindText, source: 'targets'}]}
}

/** Plans the values of a flag or positional: static ones now, lookups for the cluster and kubeconfig. */
export function valuePlan(source: ValueSource, options: string[] | undefined, word: string, valuePrefix: string, connection: Connection): CompletionPlan {
  const base: CompletionPlan = {...nothing(word, connection), valuePrefix}
  const fixed = (values: readonly string[]): CompletionPlan => ({...base, candidates: values.map((value) => ({value: valuePrefix + value}))})
  if (options) return fixed(options)
  switch (source) {
    case 'contexts':
    case 'namespaces':
    case 'windows': {
      return {...base, lookups: [{source}]}
    }

    case 'directories': {
      return {...base, directive: Directive.FilterDirs}
    }

    case 'files': {
      return {...base, directive: Directive.Default}
    }

    case 'pages':
    case 'pages-and-default': {
      return {...base, lookups: [{builtIn: source === 'pages-and-default', source: 'pages'}]}
    }

    case 'shells': {
      return fixed(SHELLS)
    }

    case 'targets': {
      return targetPlan(word.slice(valuePrefix.length), base)
    }

    case 'timezones': {
      return fixed(timezones())
    }

    case 'windows-and-targets': {
      return targetPlan(word.slice(valuePrefix.length), {...base, lookups: [{source: 'windows'}]})
    }

    default: {
      return base
    }
  }
}

function flagNames(command: CommandSpec, parsed: ParsedArgs, word: string, connection: Connection): CompletionPlan {
  const offerShort = !word.startsWith('--')
  const candidates: Candidate[] = []
  for (const flag of command.flags) {
    if (parsed.given.has(flag.name) && !flag.multiple) continue
    candidates.push({description: flag.description, value: `--${flag.name}`})
    if (offerShort && flag.char) candidates.push({description: flag.description, value: `-${flag.char}`})
  }
  return {...nothing(word, connection), candidates}
}

function commandPlan(command: CommandSpec, args: string[], word: string): CompletionPlan {
  const parsed = parseArgs(command, args)
  const connection = connectionOf(parsed.values)
  if (parsed.pending) return valuePlan(parsed.pending.values, parsed.pending.options, word, '', connection)
  if (!parsed.afterDashDash && word.startsWith('--') && word.includes('=')) {
    const name = word.slice(2, word.indexOf('='))
    const flag = findFlag(command, name)
    if (!flag?.takesValue) return nothing(word, connection)
    return valuePlan(flag.values, flag.options, word, `--${name}=`, connection)
  }
  if (!parsed.afterDashDash && word.startsWith('-')) return flagNames(command, parsed, word, connection)
  if (parsed.positionals.length >= command.maxPositionals) return nothing(word, connection)
  return {...valuePlan(command.positionals, undefined, word, '', connection), exclude: parsed.positionals}
}

/** What to offer for `words` (the words after the plugin name; the last is the one being completed). */
export function planCompletion(words: string[], catalog: Catalog): CompletionPlan {
  const word = words.at(-1) ?? ''
  const before = words.slice(0, -1)
  let path: string[] = []
  let command: CommandSpec | undefined
  let commandEnd = 0
  for (const [index, next] of before.entries()) {
    const candidatePath = [...path, next]
    const found = findCommand(catalog, candidatePath)
    const topic = isTopicPrefix(catalog, candidatePath)
    if (!found && !topic) break
    path = candidatePath
    if (found) {
      command = found
      commandEnd = index + 1
    }
    if (!topic) break
  }
  if (command && path.length === commandEnd) return commandPlan(command, before.slice(commandEnd), word)
  if (path.length === before.length) return {...nothing(word, {}), candidates: childrenOf(catalog, path)}
  // A command that is also a topic, followed by one of its own arguments.
  if (command) return commandPlan(command, before.slice(commandEnd), word)
  return nothing(word, {})
}

function cleanDescription(text: string | undefined): string | undefined {
  const clean = text?.replaceAll(/[\t\n\r]+/g, ' ').trim()
  return clean || undefined
}

/** Runs the plan's lookups and keeps what matches the typed word: the candidates and the directive for the shell. */
export async function resolveCompletion(plan: CompletionPlan, source: CompletionSource): Promise<{candidates: Candidate[]; directive: number}> {
  const looked = await Promise.all(plan.lookups.map((lookup) => source.lookup(lookup, plan.connection).catch(() => [])))
  const prefixOf = (lookup: Lookup): string => plan.valuePrefix + (lookup.source === 'targets' ? `${lookup.kindText}/` : '')
  const all = [...plan.candidates, ...plan.lookups.flatMap((lookup, index) => looked[index].map((found) => ({...found, value: prefixOf(lookup) + found.value})))]
  const excluded = new Set(plan.exclude)
  const seen = new Set<string>()
  const candidates = all.filter((candidate) => {
    if (!candidate.value.startsWith(plan.word) || excluded.has(candidate.value) || seen.has(candidate.value)) return false
    seen.add(candidate.value)
    return true
  })
  // `ingress/` or `--output=` is half a word: the shell must not put a space after it.
  const unfinished = candidates.length > 0 && candidates.every((candidate) => /[/=]$/.test(candidate.value))
  return {candidates, directive: plan.directive | (unfinished ? Directive.NoSpace : 0)}
}

/** The protocol's answer: one candidate per line, descriptions after a tab, then `:<directive>`. */
export function formatCompletion(candidates: Candidate[], directive: number): string {
  const lines = candidates.map((candidate) => {
    const description = cleanDescription(candidate.description)
    return description ? `${candidate.value}\t${description}` : candidate.value
  })
  return [...lines, `:${directive}`].join('\n') + '\n'
}
