/**
 * Handlebars compile and render of one page template, the only code that runs a template: inside the template
 * sandbox's worker for pages tenants write, in-process for the built-in templates. It imports nothing but Handlebars
 * and the contact helper, so the worker stays small.
 */
import Handlebars from 'handlebars'

import {contactHref} from './contact.js'

export type TemplateFormat = 'html' | 'json' | 'xml'

export type CompileOptions = {noEscape?: boolean; strict?: boolean}

export const HTML_HELPERS: Record<string, (value: unknown) => string> = {
  contactHref: (value) => contactHref(typeof value === 'string' ? value : undefined),
}

/** Compiled templates by format and text: a pass renders the same page for many windows, and compiling dominates. */
const compiled = new Map<string, Handlebars.TemplateDelegate>()

function compiledTemplate(format: TemplateFormat, text: string, precompiled?: string): Handlebars.TemplateDelegate {
  const key = `${format}\u0000${text}`
  let template = compiled.get(key)
  if (!template) {
    const handlebars = Handlebars.create()
    handlebars.unregisterHelper('log')
    const helpers = format === 'html' ? HTML_HELPERS : {}
    for (const [name, helper] of Object.entries(helpers)) handlebars.registerHelper(name, helper)
    template = compileTemplate(handlebars, text, {noEscape: format !== 'html'}, precompiled)
    compiled.set(key, template)
  }
  return template
}

/**
 * `text` compiled, or `precompiled` (what Handlebars.precompile made of that same text with those options at build
 * time: the source of a template spec) brought to life without compiling the template again.
 */
export function compileTemplate(handlebars: typeof Handlebars, text: string, options: CompileOptions, precompiled?: string): Handlebars.TemplateDelegate {
  if (precompiled === undefined) return handlebars.compile(text, options)
  // The spec is JavaScript Handlebars generated at build time from our own templates/, never a tenant's text.
  const spec = new Function(`return ${precompiled}`)() as Parameters<typeof handlebars.template>[0]
  return handlebars.template(spec)
}

/**
 * Renders `text` over `data` (already escaped for JSON/XML by the caller); throws what Handlebars throws.
 * `precompiled`: the build-time form of `text` when it is a built-in template (templates.ts precompiledTemplate).
 */
export function runTemplate(format: TemplateFormat, text: string, data: unknown, precompiled?: string): string {
  return compiledTemplate(format, text, precompiled)(data, {allowProtoMethodsByDefault: false, allowProtoPropertiesByDefault: false})
}
