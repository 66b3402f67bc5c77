import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** Defined by the single-file esbuild bundle, which has no templates/ folder next to it: JSON of file name -> text. */
declare const __KM_EMBEDDED_TEMPLATES__: string | undefined
/** Defined by the bundle too, as JSON: each template precompiled by Handlebars at build time (the source of its spec). */
declare const __KM_PRECOMPILED_TEMPLATES__: string | undefined

/** How each file of templates/ is compiled: the page formats other than HTML are escaped by the caller instead. */
export const TEMPLATE_COMPILE_OPTIONS: Record<string, {noEscape?: boolean; strict?: boolean}> = {
  'nginx.conf.hbs': {noEscape: true, strict: true},
  'page.html.hbs': {},
  'page.json.hbs': {noEscape: true},
  'page.xml.hbs': {noEscape: true},
}

const cache = new Map<string, string>()

let embeddedTexts: Record<string, string> | undefined
let precompiledSpecs: Record<string, string> | undefined

/** templates/ of the package: src/render and dist/render are both two levels below the package root. */
export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates')

function embedded(fileName: string): string | undefined {
  if (typeof __KM_EMBEDDED_TEMPLATES__ === 'undefined') return undefined
  embeddedTexts ??= JSON.parse(__KM_EMBEDDED_TEMPLATES__) as Record<string, string>
  return embeddedTexts[fileName]
}

/** The text of one file of templates/ (e.g. "page.html.hbs"), read once. */
export function loadTemplate(fileName: string): string {
  let text = cache.get(fileName)
  if (text === undefined) {
    text = embedded(fileName) ?? readFileSync(path.join(TEMPLATES_DIR, fileName), 'utf8')
    cache.set(fileName, text)
  }
  return text
}

/**
 * Handlebars' precompiled form of a file of templates/ (JavaScript source of its template spec, compiled with
 * TEMPLATE_COMPILE_OPTIONS), in the bundle; undefined elsewhere. Compiling the built-in templates took a tenth of a
 * pass, and every pass is a fresh process.
 */
export function precompiledTemplate(fileName: string): string | undefined {
  if (typeof __KM_PRECOMPILED_TEMPLATES__ === 'undefined') return undefined
  precompiledSpecs ??= JSON.parse(__KM_PRECOMPILED_TEMPLATES__) as Record<string, string>
  return precompiledSpecs[fileName]
}
