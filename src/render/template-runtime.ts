/**
 * Handlebars compile and render of one page template, the only code that runs a template: inside the template
 * sandbox's worker for pages tenants write, in-process for the built-in templates. It imports nothing but Handlebars
 * and the contact helper, so the worker stays small.
 */
import Handlebars from 'handlebars'

import {contactHref} from './contact.js'

export type TemplateFormat = 'html' | 'json' | 'xml'

export const HTML_HELPERS: Record<string, (value: unknown) => string> = {
  contactHref: (value) => contactHref(typeof value === 'string' ? value : undefined),
}

/** Compiled templates by format and text: a pass renders the same page for many windows, and compiling dominates. */
const compiled = new Map<string, Handlebars.TemplateDelegate>()

function compiledTemplate(format: TemplateFormat, text: string): Handlebars.TemplateDelegate {
  const key = `${format}\u0000${text}`
  let template = compiled.get(key)
  if (!template) {
    const handlebars = Handlebars.create()
    handlebars.unregisterHelper('log')
    const helpers = format === 'html' ? HTML_HELPERS : {}
    for (const [name, helper] of Object.entries(helpers)) handlebars.registerHelper(name, helper)
    template = handlebars.compile(text, {noEscape: format !== 'html'})
    compiled.set(key, template)
  }
  return template
}

/** Renders `text` over `data` (already escaped for JSON/XML by the caller); throws what Handlebars throws. */
export function runTemplate(format: TemplateFormat, text: string, data: unknown): string {
  return compiledTemplate(format, text)(data, {allowProtoMethodsByDefault: false, allowProtoPropertiesByDefault: false})
}
