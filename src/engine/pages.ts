import {createHash} from 'node:crypto'

import type {ViewModel} from '../render/view-model.js'

import {DEFAULT_PAGE} from '../model/keys.js'
import {type RenderedPage, compilePage, defaultPage, renderPage} from '../render/page.js'
import {type PageSource} from '../render/page-source.js'

/** A page in the target's namespace wins over one of the same name in the install namespace (SPEC §2). */
export function resolvePage(
  pages: Map<string, Map<string, PageSource>>,
  name: string,
  namespace: string,
  installNamespace: string,
): PageSource | undefined {
  if (name === DEFAULT_PAGE) return defaultPage()
  return pages.get(namespace)?.get(name) ?? pages.get(installNamespace)?.get(name)
}

/**
 * Why each page version failed (its checks, or a render that broke a limit), so a hostile page costs one bounded
 * attempt per process, not one per window and poll: the pass plans again every 500 ms while it waits.
 */
const failedPages = new Map<string, string>()
const checkedPages = new Set<string>()

function pageKey(page: PageSource): string {
  if (page.revision !== undefined) return page.revision
  const hash = createHash('sha256')
  for (const part of [page.name, String(page.status), page.html, page.json ?? '', page.xml ?? '']) hash.update(`${part.length}:${part}`)
  return `${page.name}#${hash.digest('hex')}`
}

/**
 * A custom page rendered for one window, after the checks `page create` makes (a page written by hand skipped
 * them): throws the reason when the page is invalid or broke a limit, now or earlier in this process.
 */
export function renderCheckedPage(page: PageSource, view: ViewModel, trusted: boolean): RenderedPage {
  if (trusted) return renderPage(page, view)
  const id = pageKey(page)
  const failed = failedPages.get(id)
  if (failed !== undefined) throw new Error(failed)
  try {
    if (!checkedPages.has(id)) {
      const invalid = compilePage(page).problems
      if (invalid.length > 0) throw new Error(invalid.join('; '))
      checkedPages.add(id)
    }
    return renderPage(page, view)
  } catch (error) {
    failedPages.set(id, (error as Error).message)
    throw error
  }
}
