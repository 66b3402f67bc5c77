import type {PageSource} from '../render/page.js'

import {DEFAULT_PAGE} from '../model/keys.js'
import {defaultPage} from '../render/page.js'

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
