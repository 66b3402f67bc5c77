import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** Defined by the single-file esbuild bundle, which has no templates/ folder next to it. */
declare const __KM_EMBEDDED_TEMPLATES__: Record<string, string> | undefined

const cache = new Map<string, string>()

/** templates/ of the package: src/render and dist/render are both two levels below the package root. */
export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates')

function embedded(fileName: string): string | undefined {
  return typeof __KM_EMBEDDED_TEMPLATES__ === 'undefined' ? undefined : __KM_EMBEDDED_TEMPLATES__[fileName]
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
