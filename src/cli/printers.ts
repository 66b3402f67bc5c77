/**
 * kubectl's printers for a result set: the table (with --no-headers and --sort-by), -o wide, json, yaml, name,
 * jsonpath=TEMPLATE and custom-columns=HEADER:PATH,... Formats are read (and wrong ones refused) before any request.
 */
import {UserError} from '../model/errors.js'
import {columnPath, parseTemplate, printValue, renderTemplate, select} from './jsonpath.js'
import {asList, renderData, renderTable} from './output.js'

export const LIST_FORMATS = ['table', 'wide', 'json', 'yaml', 'name', 'jsonpath=TEMPLATE', 'custom-columns=HEADER:PATH,...'] as const

export type OutputSpec =
  | {kind: 'custom-columns'; columns: Array<{header: string; path: string}>}
  | {kind: 'json' | 'name' | 'table' | 'wide' | 'yaml'}
  | {kind: 'jsonpath'; template: string}

/** Reads -o as kubectl does; a format it does not know, or a broken template, is wrong input (exit 2). */
export function parseOutput(text: string): OutputSpec {
  if (text === 'table' || text === 'wide' || text === 'json' || text === 'yaml' || text === 'name') return {kind: text}
  const jsonpath = /^jsonpath=(.*)$/s.exec(text)
  if (jsonpath) {
    if (jsonpath[1] === '') throw new UserError('template format specified but no template given: -o jsonpath=\'{.items[*].metadata.name}\'')
    parseTemplate(jsonpath[1])
    return {kind: 'jsonpath', template: jsonpath[1]}
  }
  const columns = /^custom-columns=(.*)$/s.exec(text)
  if (columns) {
    const specs = columns[1].split(',').filter((spec) => spec !== '')
    if (specs.length === 0) throw new UserError('custom-columns format specified but no custom columns given: -o custom-columns=NAME:.metadata.name')
    return {
      columns: specs.map((spec) => {
        const colon = spec.indexOf(':')
        if (colon <= 0 || colon === spec.length - 1) throw new UserError(`unexpected custom-columns spec: ${spec}, expected <header>:<json-path-expr>`)
        return {header: spec.slice(0, colon), path: columnPath(spec.slice(colon + 1))}
      }),
      kind: 'custom-columns',
    }
  }
  throw new UserError(`unable to match a printer suitable for the output format "${text}", allowed formats are: ${LIST_FORMATS.join(', ')}`)
}

export interface Printable {
  /** `kind/name` for -o name. */
  name: string
  /** The object for -o json|yaml|jsonpath|custom-columns and --sort-by. */
  data: unknown
  /** Cells for the table, in header order. */
  cells: string[]
  /** Extra cells for -o wide. */
  wideCells?: string[]
}

export interface PrintOptions {
  noHeaders?: boolean
  /** A JSONPath of the items (`.metadata.name`, `{.metadata.creationTimestamp}`) to order them by. */
  sortBy?: string
}

/** Checks --sort-by before any request. */
export function checkSortBy(sortBy: string | undefined): void {
  if (sortBy !== undefined) columnPath(sortBy)
}

function sortItems(items: Printable[], sortBy: string | undefined): Printable[] {
  if (sortBy === undefined) return items
  const path = columnPath(sortBy)
  const keyed = items.map((item) => ({item, key: select(path, item.data)[0]}))
  // Stable, like kubectl's: numbers by value, everything else by its text; items without the field first.
  return keyed
    .sort((a, b) => {
      if (a.key === undefined || b.key === undefined) return a.key === undefined ? (b.key === undefined ? 0 : -1) : 1
      if (typeof a.key === 'number' && typeof b.key === 'number') return a.key - b.key
      const [x, y] = [printValue(a.key), printValue(b.key)]
      return x < y ? -1 : x > y ? 1 : 0
    })
    .map(({item}) => item)
}

function table(headers: string[], rows: string[][], noHeaders: boolean | undefined): string {
  const rendered = renderTable(headers, rows)
  return noHeaders ? rendered.split('\n').slice(1).join('\n') : rendered
}

/** Prints a result set in the chosen format, kubectl-style. */
export function formatResults(format: string, headers: string[], wideHeaders: string[], items: Printable[], options: PrintOptions = {}): string {
  const output = parseOutput(format)
  const sorted = sortItems(items, options.sortBy)
  switch (output.kind) {
    case 'json':
    case 'yaml': {
      return renderData(output.kind, asList(sorted.map((item) => item.data)))
    }

    case 'name': {
      return sorted.map((item) => item.name).join('\n')
    }

    case 'jsonpath': {
      // The caller's log ends the output with a newline: a template that ends in one gives it up.
      return renderTemplate(output.template, asList(sorted.map((item) => item.data))).replace(/\n$/, '')
    }

    case 'custom-columns': {
      const rows = sorted.map((item) => output.columns.map((column) => select(column.path, item.data).map(printValue).join(',') || '<none>'))
      return table(output.columns.map((column) => column.header), rows, options.noHeaders)
    }

    case 'wide': {
      return table([...headers, ...wideHeaders], sorted.map((item) => [...item.cells, ...(item.wideCells ?? [])]), options.noHeaders)
    }

    default: {
      return table(headers, sorted.map((item) => item.cells), options.noHeaders)
    }
  }
}
