import Handlebars from 'handlebars'

import {VIEW_VARIABLES} from './view-model.js'

type Node = hbs.AST.Node
type Expression = hbs.AST.Expression

/** Helpers every page template may call: Handlebars' own, minus the partial machinery. */
// Handlebars' `log` is left out: it writes to the console, which would corrupt a command's stdout.
export const BUILTIN_HELPERS = ['if', 'unless', 'each', 'with', 'lookup'] as const

const CONTEXT_CHANGING = new Set(['each', 'with'])
/** The helpers that may open a block; any other helper's block output would reach the page without escaping. */
const BLOCK_HELPERS = new Set(['if', 'unless', 'each', 'with'])

/** Deeper than this is no page layout but a way to make rendering explode (40 nested #each: 2^40 iterations). */
export const MAX_BLOCK_DEPTH = 10
export const MAX_SUBEXPRESSION_DEPTH = 10

interface Scope {
  /** How many #each/#with blocks deep: paths there resolve against an element, not the view. */
  contextDepth: number
  /** How many blocks deep, of any kind. */
  blockDepth: number
  blockParams: Set<string>
}

/**
 * Names a template uses that are neither SPEC §5 variables nor helpers, partials (none are available), blocks and
 * subexpressions nested past the limits, helpers other than if/unless/each/with opening a block, and, for HTML,
 * every output that skips escaping however it is written (`{{{x}}}`, `{{& x}}`, `{{~{x}~}}`, through `lookup` or
 * any helper). Each problem names the line.
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

  const checkExpression = (expression: Expression, scope: Scope, nesting: number) => {
    if (expression.type === 'PathExpression') checkPath(expression as hbs.AST.PathExpression, scope)
    if (expression.type === 'SubExpression') {
      if (nesting >= MAX_SUBEXPRESSION_DEPTH) report(expression, `subexpressions nest more than ${MAX_SUBEXPRESSION_DEPTH} deep`)
      else checkCall(expression as hbs.AST.SubExpression, scope, true, nesting + 1)
    }
  }

  const checkCall = (
    call: {path: hbs.AST.PathExpression | hbs.AST.Literal; params: Expression[]; hash?: hbs.AST.Hash},
    scope: Scope,
    mustBeHelper: boolean,
    nesting = 0,
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
    for (const param of call.params) checkExpression(param, scope, nesting)
    for (const pair of call.hash?.pairs ?? []) checkExpression(pair.value, scope, nesting)
    return name
  }

  const walkProgram = (program: hbs.AST.Program | undefined, scope: Scope) => {
    for (const statement of program?.body ?? []) walkStatement(statement, scope)
  }

  const walkStatement = (statement: hbs.AST.Statement, scope: Scope) => {
    switch (statement.type) {
      case 'MustacheStatement': {
        const mustache = statement as hbs.AST.MustacheStatement
        const name = checkCall(mustache, scope, false) ?? ''
        if (options.html && !mustache.escaped) {
          const call = mustache.params.length > 0 || (mustache.hash?.pairs.length ?? 0) > 0 ? `${name} …` : name
          report(mustache, `{{{${call}}}} inserts text without HTML escaping (so does {{&${call}}}): use {{${call}}}`)
        }
        break
      }
      case 'BlockStatement': {
        const block = statement as hbs.AST.BlockStatement
        if (scope.blockDepth >= MAX_BLOCK_DEPTH) {
          report(block, `blocks nest more than ${MAX_BLOCK_DEPTH} deep; flatten the template`)
          break
        }
        const name = checkCall(block, scope, false)
        if (name !== undefined && helpers.has(name) && !BLOCK_HELPERS.has(name)) {
          report(block, `{{#${name}}} cannot open a block (its output would skip escaping): only ${[...BLOCK_HELPERS].join(', ')} can`)
        }
        const changes = name === undefined || CONTEXT_CHANGING.has(name) || !helpers.has(name)
        const inner: Scope = {
          blockDepth: scope.blockDepth + 1,
          blockParams: new Set([...scope.blockParams, ...(block.program?.blockParams ?? [])]),
          contextDepth: scope.contextDepth + (changes ? 1 : 0),
        }
        walkProgram(block.program, inner)
        // `{{else if}}` chains come as an inverse holding the next block: a sibling, not a level deeper.
        const chained = (block.inverse as {chained?: boolean} | undefined)?.chained === true
        walkProgram(block.inverse, chained ? scope : {...scope, blockDepth: scope.blockDepth + 1})
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

  walkProgram(ast, {blockDepth: 0, blockParams: new Set(), contextDepth: 0})
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
