/**
 * Label selectors read and checked here with the API's grammar (k8s.io/apimachinery labels.Parse), so a wrong `-l` is
 * wrong input (exit 2) before any request, and labels given to `--label` are checked as the API checks them.
 */
import {Flags} from '@oclif/core'

import {UserError} from '../model/errors.js'

export type Requirement =
  | {key: string; op: '!' | 'exists'}
  | {key: string; op: '<' | '>'; value: number}
  | {key: string; op: '!=' | '=' | 'in' | 'notin'; values: string[]}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

/** Why `key` is not a valid label key, or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/')
  const [prefix, name] = slash === -1 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)]
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `invalid label key "${key}": a prefix must be a DNS subdomain (lowercase letters, digits, "-" and ".", e.g. example.com/team)`
  }
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) {
    return `invalid label key "${key}": a name of at most 63 characters, letters, digits, "-", "_" and ".", starting and ending with a letter or digit (e.g. team or example.com/team)`
  }
  return undefined
}

/** Why `value` is not a valid label value, or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '' || (value.length <= 63 && NAME.test(value))) return undefined
  return `invalid label value "${value}": at most 63 characters, letters, digits, "-", "_" and ".", starting and ending with a letter or digit (or empty)`
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const ch of text) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      parts.push(current)
      current = ''
    } else {
      current += ch
    }
  }
  parts.push(current)
  return parts
}

function checked(selector: string, problem: string | undefined): void {
  if (problem) throw new UserError(`label selector "${selector}": ${problem}`)
}

/** Parses a label selector; throws a UserError saying what is wrong and what the grammar allows. */
export function parseSelector(selector: string): Requirement[] {
  if (selector.trim() === '') return []
  const hint = 'write e.g. team=shop, tier!=web, env in (prod,staging), env notin (dev), team, !legacy'
  return splitTopLevel(selector).map((raw) => {
    const part = raw.trim()
    if (part === '') throw new UserError(`label selector "${selector}": empty requirement; ${hint}`)
    const set = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part)
    if (set) {
      const values = set[3].split(',').map((value) => value.trim())
      checked(selector, labelKeyProblem(set[1]))
      for (const value of values) checked(selector, labelValueProblem(value))
      return {key: set[1], op: set[2] as 'in' | 'notin', values}
    }
    const compare = /^([^\s=!<>()]+)\s*(==|=|!=|<|>)\s*([^\s=!<>(),]*)$/.exec(part)
    if (compare) {
      const [, key, op, value] = compare
      checked(selector, labelKeyProblem(key))
      if (op === '<' || op === '>') {
        if (!/^-?\d+$/.test(value)) throw new UserError(`label selector "${selector}": ${op} needs an integer, e.g. ${key}${op}3`)
        return {key, op, value: Number(value)}
      }
      checked(selector, labelValueProblem(value))
      return {key, op: op === '!=' ? '!=' : '=', values: [value]}
    }
    const existence = /^(!?)\s*([^\s=!<>(),]+)$/.exec(part)
    if (existence) {
      checked(selector, labelKeyProblem(existence[2]))
      return {key: existence[2], op: existence[1] === '!' ? '!' : 'exists'}
    }
    throw new UserError(`label selector "${selector}": cannot read "${part}"; ${hint}`)
  })
}

/** Whether `labels` satisfy every requirement, as the API server decides it. */
export function matchesSelector(requirements: Requirement[], labels: Record<string, string> = {}): boolean {
  return requirements.every((requirement) => {
    const has = Object.hasOwn(labels, requirement.key)
    const value = labels[requirement.key]
    switch (requirement.op) {
      case 'exists': {
        return has
      }

      case '!': {
        return !has
      }

      case '=':
      case 'in': {
        return has && requirement.values.includes(value)
      }

      case '!=':
      case 'notin': {
        return !has || !requirement.values.includes(value)
      }

      default: {
        const number = Number(value)
        return has && /^-?\d+$/.test(value) && (requirement.op === '>' ? number > requirement.value : number < requirement.value)
      }
    }
  })
}

/** `--label k=v` (repeatable) as labels, each checked as the API checks it. */
export function parseLabels(pairs: string[] = []): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const pair of pairs) {
    const equals = pair.indexOf('=')
    if (equals <= 0) throw new UserError(`--label "${pair}": give KEY=VALUE, e.g. --label team=shop`)
    const [key, value] = [pair.slice(0, equals), pair.slice(equals + 1)]
    const problem = labelKeyProblem(key) ?? labelValueProblem(value)
    if (problem) throw new UserError(`--label "${pair}": ${problem}`)
    labels[key] = value
  }
  return labels
}

/** `--label KEY=VALUE`, repeatable: labels on the window, which `list -l` selects. */
export const labelFlag = Flags.string({
  description: 'A label for the window, KEY=VALUE (repeatable), so that list -l KEY=VALUE selects it.',
  multiple: true,
  async parse(input) {
    parseLabels([input])
    return input
  },
})
