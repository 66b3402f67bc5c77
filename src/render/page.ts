import type {ViewModel} from './view-model.js'

import {MAX_PAGE_BYTES, MAX_RENDERED_BYTES} from '../model/limits.js'
import {ASSET_NAME, DEFAULT_STATUS, type PageSource, RESERVED_ASSET_NAMES, TEMPLATE_FILES} from './page-source.js'
import {escapeJsonString, escapeXml} from './escape.js'
import {BUILTIN_HELPERS, oneLine, parseTemplate, templateProblems} from './template-check.js'
import {renderSandboxed} from './template-sandbox.js'
import {HTML_HELPERS, runTemplate} from './template-runtime.js'
import {loadTemplate, precompiledTemplate} from './templates.js'
import {buildViewModel} from './view-model.js'
import {xmlWellFormednessProblem} from './xml-check.js'

export interface RenderedPage {
  status: number
  html: string
  json: string
  xml: string
  assets: Record<string, Buffer>
  /** HTTP-date of the window end, for the Retry-After header; absent when open-ended. */
  retryAfter?: string
  /** What gRPC callers read with their UNAVAILABLE status (the window's message, else a default). */
  grpcMessage?: string
}

/** A template that does not compile or fails while rendering: what and where, in one line. */
export class PageTemplateError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PageTemplateError'
  }
}

type Format = keyof typeof TEMPLATE_FILES

export function helperNames(format: Format): string[] {
  return format === 'html' ? [...BUILTIN_HELPERS, ...Object.keys(HTML_HELPERS)] : [...BUILTIN_HELPERS]
}

/** The built-in page. Its JSON is the serialised shape (never a text template); its XML comes from templates/. */
export function defaultPage(): PageSource {
  return {
    assets: {},
    html: loadTemplate(TEMPLATE_FILES.html),
    name: 'default',
    status: DEFAULT_STATUS,
    xml: loadTemplate(TEMPLATE_FILES.xml),
  }
}

/** `{"status":"maintenance","message",...}` with absent fields left out. */
export function maintenanceDocument(view: ViewModel): Record<string, string> {
  const document: Record<string, string | undefined> = {
    status: 'maintenance',
    message: view.message,
    reason: view.reason,
    start: view.start,
    end: view.end,
    retryAfter: view.retryAfter,
    contact: view.contact,
  }
  return Object.fromEntries(Object.entries(document).filter((entry): entry is [string, string] => entry[1] !== undefined))
}

/** Every string of the view escaped for one format, so a template cannot output user text unescaped, not even with {{{ }}}. */
function escapedView(view: ViewModel, escape: (text: string) => string): Record<string, unknown> {
  const escapeValue = (value: unknown): unknown =>
    typeof value === 'string' ? escape(value) : Array.isArray(value) ? value.map((item) => escapeValue(item)) : value
  return Object.fromEntries(Object.entries(view).map(([key, value]) => [key, escapeValue(value)]))
}

function renderTemplate(format: Format, text: string, view: ViewModel): string {
  const file = TEMPLATE_FILES[format]
  const data = format === 'html' ? view : escapedView(view, format === 'json' ? escapeJsonString : escapeXml)
  try {
    // The built-in templates are ours; every other one is a tenant's and runs in the sandbox, bounded.
    if (text === loadTemplate(file)) return runTemplate(format, text, data, precompiledTemplate(file))
    return renderSandboxed(format, text, data, MAX_RENDERED_BYTES)
  } catch (error) {
    if (error instanceof RangeError) throw new PageTemplateError(`${file}: the template recurses without end`)
    throw new PageTemplateError(`${file}: ${oneLine(error)}`)
  }
}

export function renderPage(src: PageSource, view: ViewModel): RenderedPage {
  return {
    assets: {...src.assets},
    html: renderTemplate('html', src.html, view),
    json: src.json === undefined ? `${JSON.stringify(maintenanceDocument(view), null, 2)}\n` : renderTemplate('json', src.json, view),
    grpcMessage: grpcMessage(view),
    retryAfter: view.retryAfter,
    status: src.status,
    xml: renderTemplate('xml', src.xml ?? loadTemplate(TEMPLATE_FILES.xml), view),
  }
}

// Text that must come out escaped in every format: a sample render proves a custom template keeps JSON/XML valid.
const SAMPLE_TEXT = `Say "hi" & <wave> 'now' ]]> \\ {{title}}`

function sampleViews(): ViewModel[] {
  const base = {contact: 'ops@example.com', message: SAMPLE_TEXT, namespace: 'shop', reason: SAMPLE_TEXT, start: Date.UTC(2026, 0, 1, 1)}
  const targets = ['ingress/shop', 'service/web']
  return [
    buildViewModel({...base, end: Date.UTC(2026, 0, 1, 3), targets, timezone: 'Europe/Berlin', window: 'sample'}),
    buildViewModel({namespace: 'shop', start: base.start, targets: [], timezone: 'UTC', window: 'sample'}),
  ]
}

function formatProblems(format: Format, text: string): string[] {
  const file = TEMPLATE_FILES[format]
  const {ast, problem} = parseTemplate(text)
  if (!ast) return [`${file}: ${problem}`]
  const found = templateProblems(ast, {helpers: helperNames(format), html: format === 'html'}).map((p) => `${file} ${p}`)
  if (found.length > 0) return found
  for (const view of sampleViews()) {
    let output: string
    try {
      output = renderTemplate(format, text, view)
    } catch (error) {
      return [(error as Error).message]
    }
    if (format === 'json') {
      try {
        JSON.parse(output)
      } catch (error) {
        return [`${file}: does not render valid JSON (${oneLine(error)})`]
      }
    }
    const xmlProblem = format === 'xml' ? xmlWellFormednessProblem(output) : undefined
    if (xmlProblem) return [`${file}: does not render well-formed XML (${xmlProblem})`]
  }
  return []
}

function statusProblems(status: number): string[] {
  const ok = Number.isInteger(status) && (status === 200 || (status >= 400 && status <= 599))
  return ok ? [] : [`status ${status} is not allowed: use 200 or 400-599 (default 503)`]
}

function assetProblems(assets: Record<string, Buffer>): string[] {
  const problems: string[] = []
  for (const name of Object.keys(assets)) {
    if (!ASSET_NAME.test(name)) problems.push(`asset "${name}": names may hold only letters, digits, "-", "_" and "."`)
    else if (RESERVED_ASSET_NAMES.includes(name)) problems.push(`asset "${name}": the name is reserved (${RESERVED_ASSET_NAMES.join(', ')})`)
  }
  return problems
}

/** Templates and assets together, as stored in the page ConfigMap. */
export function pageBytes(src: Pick<PageSource, 'assets' | 'html' | 'json' | 'xml'>): number {
  const text = [src.html, src.json ?? '', src.xml ?? ''].reduce((sum, template) => sum + Buffer.byteLength(template, 'utf8'), 0)
  return Object.values(src.assets).reduce((sum, asset) => sum + asset.length, text)
}

function sizeProblems(src: PageSource): string[] {
  const size = pageBytes(src)
  if (size <= MAX_PAGE_BYTES) return []
  return [`templates and assets take ${size} bytes; at most ${MAX_PAGE_BYTES} (768 KiB of the 1 MiB a ConfigMap holds) leave room for the rendered page`]
}

/**
 * Everything wrong with a page before it is stored: templates that do not parse, use unknown variables or
 * helpers, fail to render, or render invalid JSON/XML; a status or asset the backend cannot serve.
 */
export function compilePage(src: PageSource): {problems: string[]} {
  const problems: string[] = []
  if (src.html.trim() === '') problems.push(`${TEMPLATE_FILES.html}: empty; the HTML template is required`)
  else problems.push(...formatProblems('html', src.html))
  if (src.json !== undefined) problems.push(...formatProblems('json', src.json))
  if (src.xml !== undefined) problems.push(...formatProblems('xml', src.xml))
  problems.push(...statusProblems(src.status), ...assetProblems(src.assets), ...sizeProblems(src))
  return {problems}
}

/** gRPC status messages are short text; a long window message is cut (at a character, never inside one). */
const GRPC_MESSAGE_CHARS = 256

function grpcMessage(view: ViewModel): string {
  const base = view.message ?? 'Down for maintenance'
  const text = [...base].length > GRPC_MESSAGE_CHARS ? `${[...base].slice(0, GRPC_MESSAGE_CHARS - 1).join('')}…` : base
  return view.endLocal === undefined ? text : `${text} (until ${view.endLocal})`
}
