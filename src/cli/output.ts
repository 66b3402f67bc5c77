import Table from 'cli-table3'
import {stringify} from 'yaml'

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml', 'name'] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

const NO_BORDERS = {
  bottom: '', 'bottom-left': '', 'bottom-mid': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', middle: '',
  right: '', 'right-mid': '', top: '', 'top-left': '', 'top-mid': '', 'top-right': '',
}

/** A table the way kubectl prints one: uppercase headers, no borders, columns three spaces apart. */
export function renderTable(headers: string[], rows: string[][]): string {
  const table = new Table({
    chars: NO_BORDERS,
    head: headers.map((header) => header.toUpperCase()),
    style: {border: [], compact: true, head: [], 'padding-left': 0, 'padding-right': 3},
    wordWrap: false,
  })
  table.push(...rows)
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
}

/** A kubectl-style List when there are several items, the object itself for one `get`-like result. */
export function renderData(format: 'json' | 'yaml', data: unknown): string {
  return format === 'json' ? JSON.stringify(data, null, 2) : stringify(data, {lineWidth: 0}).trimEnd()
}

export function asList(items: unknown[]): {apiVersion: string; kind: string; items: unknown[]} {
  return {apiVersion: 'v1', items, kind: 'List'}
}
