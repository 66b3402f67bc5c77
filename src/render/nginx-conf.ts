import Handlebars from 'handlebars'
import path from 'node:path'

import {type GateRender, gateTemplateValues} from './gate.js'
import {ASSET_NAME} from './page-source.js'
import {compileTemplate} from './template-runtime.js'
import {TEMPLATE_COMPILE_OPTIONS, loadTemplate, precompiledTemplate} from './templates.js'

const NGINX_TEMPLATE = 'nginx.conf.hbs'

export interface NginxOptions {
  status: number
  /** HTTP-date for Retry-After; absent: no header. */
  retryAfter?: string
  /** Asset file names, served from `<contentRoot>/assets/<name>` at /_maintenance/assets/<name>. */
  assets: string[]
  /** Directory holding page.html, page.json, page.xml and assets/. */
  contentRoot: string
  /** Writable directory for nginx's temp files (an emptyDir in the pod). */
  tempRoot: string
  /** nginx `listen` value: "8080" or "127.0.0.1:18080". */
  listen: string
  /** Where HTTP/2 cleartext (h2c) is served, for gRPC callers; absent: not served. */
  grpcListen?: string
  /** Sent as grpc-message (percent-encoded as gRPC asks) with grpc-status 14 UNAVAILABLE. */
  grpcMessage?: string
  pidFile: string
  /** Where TLS is served (HTTP/1.1 and HTTP/2 by ALPN), for proxies that speak HTTPS to their upstream; absent: not served. */
  tlsListen?: string
  /** Directory holding tls.crt and tls.key (PEM), required with tlsListen. */
  tlsRoot?: string
  /** The gate: what passes through to the original backend; absent: every request gets the page. */
  gate?: GateRender
}

const CONTENT_TYPES: Record<string, string> = {
  avif: 'image/avif',
  css: 'text/css',
  gif: 'image/gif',
  htm: 'text/html',
  html: 'text/html',
  ico: 'image/x-icon',
  jpeg: 'image/jpeg',
  jpg: 'image/jpeg',
  js: 'application/javascript',
  json: 'application/json',
  mjs: 'application/javascript',
  otf: 'font/otf',
  pdf: 'application/pdf',
  png: 'image/png',
  svg: 'image/svg+xml',
  ttf: 'font/ttf',
  txt: 'text/plain',
  webp: 'image/webp',
  woff: 'font/woff',
  woff2: 'font/woff2',
  xml: 'application/xml',
}

export function assetContentType(name: string): string {
  return CONTENT_TYPES[path.extname(name).slice(1).toLowerCase()] ?? 'application/octet-stream'
}

// Values land inside double-quoted nginx strings: no quote, backslash, `$` (variables), `;`, braces or control characters.
const SAFE_PATH = /^\/[^"\\$;{}\p{Cc}]*$/u
const SAFE_LISTEN = /^(?:(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|localhost):)?\d{1,5}$/
const HTTP_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/

function checked(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new Error(`nginx.conf: ${what} ${JSON.stringify(value)} cannot be used`)
  return value
}

/** The internal code the catch-all returns; error_page turns it (and 405/413) into the page with the real status. */
function triggerCode(status: number): number {
  return status >= 400 && status <= 599 ? status : 503
}

let nginxTemplate: Handlebars.TemplateDelegate | undefined

/**
 * gRPC's Percent-Encoded: every byte outside printable ASCII, and `%`, as %XX. Stricter here: everything but
 * letters, digits, space and `.,:()-_` is encoded, so the value is also safe inside a double-quoted nginx string.
 */
export function grpcPercentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9 .,:()_-]/.test(String.fromCodePoint(byte)) && byte < 0x80 ? String.fromCodePoint(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('')
}

export function renderNginxConf(o: NginxOptions): string {
  if (!Number.isInteger(o.status) || o.status < 200 || o.status > 599) throw new Error(`nginx.conf: status ${o.status} cannot be served`)
  const trigger = triggerCode(o.status)
  nginxTemplate ??= compileTemplate(Handlebars.create(), loadTemplate(NGINX_TEMPLATE), TEMPLATE_COMPILE_OPTIONS[NGINX_TEMPLATE], precompiledTemplate(NGINX_TEMPLATE))
  return nginxTemplate({
    assets: o.assets.map((name) => ({name: checked(name, ASSET_NAME, 'asset name'), type: assetContentType(name)})),
    gate: o.gate ? gateTemplateValues(o.gate, o.listen) : undefined,
    contentRoot: checked(o.contentRoot.replace(/\/+$/, '') || '/', SAFE_PATH, 'content root'),
    errorCodes: [...new Set([trigger, 404, 405, 413, ...(o.gate ? [502, 504] : [])])].sort((a, b) => a - b).join(' '),
    grpcListen: o.grpcListen === undefined ? undefined : checked(o.grpcListen, SAFE_LISTEN, 'gRPC listen address'),
    grpcMessage: grpcPercentEncode(o.grpcMessage ?? 'Down for maintenance'),
    listen: checked(o.listen, SAFE_LISTEN, 'listen address'),
    pidFile: checked(o.pidFile, SAFE_PATH, 'pid file'),
    retryAfter: o.retryAfter === undefined ? undefined : checked(o.retryAfter, HTTP_DATE, 'Retry-After'),
    status: o.status,
    tempRoot: checked(o.tempRoot.replace(/\/+$/, '') || '/', SAFE_PATH, 'temp root'),
    tlsListen: o.tlsListen === undefined ? undefined : checked(o.tlsListen, SAFE_LISTEN, 'TLS listen address'),
    tlsRoot: o.tlsListen === undefined ? undefined : checked((o.tlsRoot ?? '').replace(/\/+$/, '') || '/', SAFE_PATH, 'TLS directory'),
    trigger,
  })
}
