/**
 * What a page is, without rendering it: its stored shape, the names of its files, and the rules for its assets. Kept
 * apart from page.ts so what only reads or stores pages (the page codec, the backend's nginx.conf, completion,
 * status) does not load Handlebars and the template sandbox.
 */

/** A page as stored: templates as text (SPEC §5). `json`/`xml` absent: the built-in shape is served. */
export interface PageSource {
  name: string
  html: string
  json?: string
  xml?: string
  status: number
  assets: Record<string, Buffer>
  /** Which stored version this is (uid@resourceVersion), so a page that failed is not tried again. */
  revision?: string
}

export const TEMPLATE_FILES = {html: 'page.html.hbs', json: 'page.json.hbs', xml: 'page.xml.hbs'} as const

/** Names the backend ConfigMap uses itself, so no asset may take them. */
export const RESERVED_ASSET_NAMES = ['page.html', 'page.json', 'page.xml', 'nginx.conf']
/** ConfigMap key syntax, which also keeps asset names safe inside nginx.conf and URLs. */
export const ASSET_NAME = /^(?!\.{1,2}$)[-._a-zA-Z0-9]{1,253}$/
/** The status a page answers with unless it names another. */
export const DEFAULT_STATUS = 503
