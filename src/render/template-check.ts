import Handlebars from 'handlebars'

import {VIEW_VARIABLES} from './view-model.js'

type Node = hbs.AST.Node
type Expression = hbs.AST.Expression

/** Helpers every page template may call: Handlebars' own, minus the partial machinery. */
// Handlebars' `log` is left out: it writes to the console, which would corrupt a command's stdout.
export const BUILTIN_HELPERS = ['if', 'unless', 'each', 'with', 'lookup'] as const

const CONTEXT_CHANGING = new Set(['each', 'with'])

interface Scope {
  /** How many #each/#with blocks deep: paths there resolve against an element, not the view. */
  contextDepth: number
  blockParams: Set<string>
}

/**
 * Names a template uses that are neither SPEC §5 variables nor helpers, partials (none are available), and, for
 * HTML, triple-stash output that would skip escaping. Each problem names the line.
 */
export function templateProblems(ast: hbs.AST.Program, options: {helpers: readonly string[]; html: boolean}): string[] {
  const helpers = new Set(options.helpers)
  const variables = new Set<string>(VIEW_VARIABLES)
  const problems: string[] = []
  const report = (node: Node, text: string) => problems.push(`line ${node.loc?.start.line ?? '?'}: ${text}`)

  const checkPath = (path: hbs.AST.PathExpression, scope: Scope) => {
    if (path.data || path.parts.length === 0) return
    if (path.depth === 0 && scope.blockParams.has(path.parts[0])) return
    const depth = scope.contextDepth - path.depth
    if (depth < 0) report(path, `"${path.original}" climbs above the page's variables`)
    else if (depth === 0 && !variables.has(path.parts[0])) {
      report(path, `unknown variable "${path.original}" (known: ${[...variables].join(', ')})`)
    }
  }

  const checkExpression = (expression: Expression, scope: Scope) => {
    if (expression.type === 'PathExpression') checkPath(expression as hbs.AST.PathExpression, scope)
    if (expression.type === 'SubExpression') checkCall(expression as hbs.AST.SubExpression, scope, true)
  }

  const checkCall = (
    call: {path: hbs.AST.PathExpression | hbs.AST.Literal; params: Expression[]; hash?: hbs.AST.Hash},
    scope: Scope,
    mustBeHelper: boolean,
  ): string | undefined => {
    const name = call.path.type === 'PathExpression' ? (call.path as hbs.AST.PathExpression).original : undefined
    const isCall = mustBeHelper || call.params.length > 0 || (call.hash?.pairs.length ?? 0) > 0
    if (name !== undefined && helpers.has(name)) {
      // a bare {{log}} or {{lookup}} is still a helper call
    } else if (isCall) {
      report(call.path, `unknown helper "${name ?? String(call.path.type)}" (available: ${[...helpers].join(', ')})`)
    } else if (call.path.type === 'PathExpression') {
      checkPath(call.path as hbs.AST.PathExpression, scope)
    }
    for (const param of call.params) checkExpression(param, scope)
    for (const pair of call.hash?.pairs ?? []) checkExpression(pair.value, scope)
    return name
  }

  const walkProgram = (program: hbs.AST.Program | undefined, scope: Scope) => {
    for (const statement of program?.body ?? []) walkStatement(statement, scope)
  }

  const walkStatement = (statement: hbs.AST.Statement, scope: Scope) => {
    switch (statement.type) {
      case 'MustacheStatement': {
        const mustache = statement as hbs.AST.MustacheStatement
        const name = checkCall(mustache, scope, false)
        if (options.html && !mustache.escaped && !(name !== undefined && helpers.has(name))) {
          report(mustache, `{{{${name ?? ''}}}} inserts text without HTML escaping: use {{${name ?? ''}}}`)
        }
        break
      }
      case 'BlockStatement': {
        const block = statement as hbs.AST.BlockStatement
        const name = checkCall(block, scope, false)
        const changes = name === undefined || CONTEXT_CHANGING.has(name) || !helpers.has(name)
        const inner: Scope = {
          blockParams: new Set([...scope.blockParams, ...(block.program?.blockParams ?? [])]),
          contextDepth: scope.contextDepth + (changes ? 1 : 0),
        }
        walkProgram(block.program, inner)
        walkProgram(block.inverse, scope)
        break
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
      case 'DecoratorBlock':
      case 'Decorator': {
        report(statement, 'partials and decorators are not available in page templates')
        break
      }
      default:
    }
  }

  walkProgram(ast, {blockParams: new Set(), contextDepth: 0})
  return problems
}

/** Parses, turning Handlebars' exception into one line. */
export function parseTemplate(text: string): {ast?: hbs.AST.Program; problem?: string} {
  try {
    return {ast: Handlebars.parse(text)}
  } catch (error) {
    return {problem: oneLine(error)}
  }
}

export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const lines = message.split('\n').map((line) => line.trim()).filter(Boolean)
  // Handlebars' parse errors: "Parse error on line N:", the source, a caret, then what it expected.
  return (lines.length > 1 ? `${lines[0]} ${lines.at(-1)}` : lines[0]) ?? 'unknown error'
}
