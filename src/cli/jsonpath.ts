/**
 * kubectl's JSONPath templates (`-o jsonpath=...`, `-o custom-columns=...`, `--sort-by`): text with `{...}` actions,
 * `{range PATH}...{end}`, string literals such as `{"\n"}`, and several results of one path printed space-separated.
 * The paths themselves are evaluated by jsonpath-plus (filters in its safe evaluator); what is kubectl's own here is
 * the template around them and its path spelling: `.a.b` relative to the current object, `\.` for a dot in a key.
 */
import {JSONPath} from 'jsonpath-plus'

import {UserError} from '../model/errors.js'

type Node = {text: string; type: 'text'} | {path: string; type: 'path'} | {body: Node[]; path: string; type: 'range'}

/** Splits a template into text and actions; throws a UserError naming what is wrong. */
export function parseTemplate(template: string): Node[] {
  const root: Node[] = []
  const stack: Node[][] = [root]
  let index = 0
  while (index < template.length) {
    const open = template.indexOf('{', index)
    if (open === -1) {
      stack.at(-1)?.push({text: template.slice(index), type: 'text'})
      break
    }
    if (open > index) stack.at(-1)?.push({text: template.slice(index, open), type: 'text'})
    const close = actionEnd(template, open)
    if (close === -1) throw new UserError(`jsonpath template ${JSON.stringify(template)}: unclosed action at "${template.slice(open)}"`)
    const action = template.slice(open + 1, close).trim()
    index = close + 1
    if (/^"(?:[^"\\]|\\.)*"$/.test(action)) {
      stack.at(-1)?.push({text: JSON.parse(action) as string, type: 'text'})
    } else if (action.startsWith('range ')) {
      const body: Node[] = []
      stack.at(-1)?.push({body, path: toJsonPath(action.slice(6).trim()), type: 'range'})
      stack.push(body)
    } else if (action === 'end') {
      if (stack.length === 1) throw new UserError(`jsonpath template ${JSON.stringify(template)}: {end} without {range}`)
      stack.pop()
    } else if (action === '') {
      throw new UserError(`jsonpath template ${JSON.stringify(template)}: empty action {}`)
    } else {
      stack.at(-1)?.push({path: toJsonPath(action), type: 'path'})
    }
  }
  if (stack.length > 1) throw new UserError(`jsonpath template ${JSON.stringify(template)}: {range} without {end}`)
  return root
}

/** The index of the `}` that closes the action opened at `open`, skipping quoted text. */
function actionEnd(template: string, open: number): number {
  let quote: string | undefined
  for (let index = open + 1; index < template.length; index++) {
    const ch = template[index]
    if (quote) {
      if (ch === '\\') index++
      else if (ch === quote) quote = undefined
    } else if (ch === '"' || ch === "'") {
      quote = ch
    } else if (ch === '}') {
      return index
    }
  }
  return -1
}

/** kubectl's path spelling to jsonpath-plus's: `.metadata.annotations.a\.io/b` -> `$.metadata.annotations['a.io/b']`. */
export function toJsonPath(path: string): string {
  let rest = path.trim()
  if (rest.startsWith('$') || rest.startsWith('@')) rest = rest.slice(1)
  let out = '$'
  let index = 0
  while (index < rest.length) {
    const ch = rest[index]
    if (ch === '[') {
      const close = bracketEnd(rest, index)
      if (close === -1) throw new UserError(`jsonpath ${JSON.stringify(path)}: unclosed "["`)
      out += rest.slice(index, close + 1)
      index = close + 1
      continue
    }
    if (ch === '.') {
      if (rest[index + 1] === '.') {
        out += '..'
        index += 2
      } else {
        index++
      }
    }
    let name = ''
    while (index < rest.length && rest[index] !== '.' && rest[index] !== '[') {
      if (rest[index] === '\\' && index + 1 < rest.length) {
        name += rest[index + 1]
        index += 2
      } else {
        name += rest[index++]
      }
    }
    if (name === '') continue
    if (ch !== '.' && out !== '$' && !out.endsWith('..')) throw new UserError(`jsonpath ${JSON.stringify(path)}: expected "." or "[" before "${name}"`)
    const plain = name === '*' || /^[A-Za-z_$][\w$]*$/.test(name)
    if (plain) out += out.endsWith('..') ? name : `.${name}`
    else out += `['${name.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}']`
  }
  return out
}

function bracketEnd(text: string, open: number): number {
  let depth = 0
  let quote: string | undefined
  for (let index = open; index < text.length; index++) {
    const ch = text[index]
    if (quote) {
      if (ch === '\\') index++
      else if (ch === quote) quote = undefined
    } else if (ch === '"' || ch === "'") {
      quote = ch
    } else if (ch === '[' || ch === '(') {
      depth++
    } else if (ch === ']' || ch === ')') {
      depth--
      if (depth === 0 && ch === ']') return index
    }
  }
  return -1
}

/** Every value `path` (jsonpath-plus spelling) selects in `data`. */
export function select(path: string, data: unknown): unknown[] {
  try {
    return JSONPath({eval: 'safe', json: data as object, path, wrap: true}) as unknown[]
  } catch (error) {
    throw new UserError(`jsonpath ${path}: ${(error as Error).message}`)
  }
}

/** A value as kubectl's template prints it: strings as they are, everything else as JSON. */
export function printValue(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === undefined) return ''
  return JSON.stringify(value)
}

function render(nodes: Node[], current: unknown): string {
  let out = ''
  for (const node of nodes) {
    if (node.type === 'text') out += node.text
    else if (node.type === 'path') out += select(node.path, current).map(printValue).join(' ')
    else for (const item of select(node.path, current)) out += render(node.body, item)
  }
  return out
}

/** Renders a kubectl JSONPath template over `data`. */
export function renderTemplate(template: string, data: unknown): string {
  return render(parseTemplate(template), data)
}

/** A custom-columns or sort-by path: `.a.b` or `{.a.b}`. */
export function columnPath(spec: string): string {
  const trimmed = spec.trim()
  return toJsonPath(trimmed.startsWith('{') && trimmed.endsWith('}') ? trimmed.slice(1, -1) : trimmed)
}
