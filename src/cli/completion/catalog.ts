import type {Command, Config} from '@oclif/core'

/** What a value of a flag or a positional argument is completed from. */
export type ValueSource =
  | 'contexts'
  | 'directories'
  | 'files'
  | 'namespaces'
  | 'none'
  | 'pages'
  | 'pages-and-default'
  | 'shells'
  | 'targets'
  | 'timezones'
  | 'windows'
  | 'windows-and-targets'

export interface FlagSpec {
  name: string
  char?: string
  takesValue: boolean
  multiple: boolean
  options?: string[]
  description?: string
  values: ValueSource
}

export interface CommandSpec {
  /** oclif id, e.g. `page:create`. */
  id: string
  /** The words users type, e.g. ['page', 'create']. */
  words: string[]
  aliases: string[][]
  hidden: boolean
  description?: string
  flags: FlagSpec[]
  positionals: ValueSource
  /** How many positional arguments the command takes (Infinity when one of them is multiple). */
  maxPositionals: number
}

export interface TopicSpec {
  words: string[]
  description?: string
}

export interface Catalog {
  commands: CommandSpec[]
  topics: TopicSpec[]
}

/** Positional arguments by command id; commands not listed take none worth completing. */
const POSITIONALS: Record<string, ValueSource> = {
  cancel: 'windows',
  completion: 'shells',
  end: 'windows-and-targets',
  extend: 'windows',
  'gitops:argocd': 'targets',
  history: 'windows',
  now: 'targets',
  'page:delete': 'pages',
  'set-page': 'windows',
  'page:show': 'pages-and-default',
  pause: 'windows',
  resume: 'windows',
  schedule: 'targets',
  skip: 'windows',
  status: 'targets',
}

/** Flags whose value comes from somewhere other than an options list, by flag name. */
const FLAG_VALUES: Record<string, ValueSource> = {
  asset: 'files',
  context: 'contexts',
  html: 'files',
  json: 'files',
  kubeconfig: 'files',
  namespace: 'namespaces',
  out: 'directories',
  page: 'pages-and-default',
  timezone: 'timezones',
  xml: 'files',
}

/**
 * -o of the list commands takes free text too (jsonpath=..., custom-columns=...), so it has no options list for oclif to
 * enforce; these are the formats a TAB offers (the same as src/cli/output.ts OUTPUT_FORMATS, not imported: completion
 * loads no table or YAML code).
 */
const OUTPUT_NAMES = ['table', 'wide', 'json', 'yaml', 'name']

export const HELP_FLAG: FlagSpec = {char: 'h', description: 'Show help.', multiple: false, name: 'help', takesValue: false, values: 'none'}

/** The first sentence of a description (up to a full stop, or a colon outside parentheses): what a menu has room for. */
export function firstSentence(text: string | undefined): string | undefined {
  const line = text?.split('\n')[0]?.trim() ?? ''
  let depth = 0
  for (let index = 0; index < line.length; index++) {
    const char = line[index]
    if (char === '(') depth++
    else if (char === ')') depth = Math.max(0, depth - 1)
    const atEnd = index === line.length - 1 || line[index + 1] === ' '
    const abbreviation = /[a-z]\.[a-z]$/i.test(line.slice(Math.max(0, index - 3), index))
    if (atEnd && depth === 0 && (char === ':' || (char === '.' && !abbreviation))) return line.slice(0, index).trim() || undefined
  }
  return line || undefined
}

export function flagSpec(name: string, flag: Command.Flag.Cached): FlagSpec {
  const takesValue = flag.type === 'option'
  return {
    char: flag.char,
    description: firstSentence(flag.summary ?? flag.description),
    multiple: takesValue && Boolean(flag.multiple),
    name,
    options: takesValue && flag.options && flag.options.length > 0 ? [...flag.options] : takesValue && name === 'output' ? [...OUTPUT_NAMES] : undefined,
    takesValue,
    values: takesValue ? (FLAG_VALUES[name] ?? 'none') : 'none',
  }
}

export function maxPositionals(args: Array<{multiple?: boolean}>): number {
  return args.some((arg) => arg.multiple) ? Number.POSITIVE_INFINITY : args.length
}

export function commandSpec(command: Command.Loadable): CommandSpec {
  const toWords = (id: string): string[] => id.split(':')
  const flags = Object.entries(command.flags ?? {})
    .filter(([, flag]) => !flag.hidden)
    .map(([name, flag]) => flagSpec(name, flag))
  return {
    aliases: (command.aliases ?? []).map(toWords),
    description: firstSentence(command.summary ?? command.description),
    flags: [...flags, HELP_FLAG].sort((a, b) => a.name.localeCompare(b.name)),
    // oclif lists each alias as a command of its own; offer the real name only.
    hidden: Boolean(command.hidden) || (command.aliases ?? []).includes(command.id),
    id: command.id,
    maxPositionals: maxPositionals(Object.values(command.args ?? {})),
    positionals: POSITIONALS[command.id] ?? 'none',
    words: toWords(command.id),
  }
}

/** The commands, flags and topics oclif knows, in the shape the completer walks. */
export function catalogFromConfig(config: Config): Catalog {
  return {
    commands: config.commands.map((command) => commandSpec(command)).sort((a, b) => a.id.localeCompare(b.id)),
    topics: config.topics
      .filter((topic) => !topic.hidden)
      .map((topic) => ({description: firstSentence(topic.description), words: topic.name.split(':')})),
  }
}
