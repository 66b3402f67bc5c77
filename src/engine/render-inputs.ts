import {createHash} from 'node:crypto'

import type {PageSource} from '../render/page-source.js'
import type {ObservedBackend} from './types.js'

import {loadTemplate} from '../render/templates.js'

/**
 * A backend remembers what it was rendered from: the digest of every input of its page (the window's text, times,
 * targets, timezone, the page's stored version, the image and the renderer's templates), as an annotation on its
 * ConfigMap. A steady pass that finds the backend of an active window's inputs already made, complete and ready
 * serves it without rendering the page again; any change of an input (message, page, end, a page edit, an upgrade of
 * the templates) gives another digest, and the page is rendered as before.
 *
 * The annotation sits on a ConfigMap in the tenant's namespace, so it is trusted no further than the backend itself
 * is today: only a backend of the window's own namespace is looked up, only when it is the one backend there claiming
 * those inputs, and only when every object of it carries the engine's marks and its ConfigMap's content matches the
 * hash in its name (ownership.ts). A forged digest can therefore point a window at another page of the same
 * namespace, which a tenant with edit rights there can already do by editing the target; it cannot reach another
 * namespace or keep a target from being switched.
 */

/** Raised when what the engine renders changes beyond the templates (nginx.conf's layout, the view model). */
const RENDER_FORMAT = '1'

const DIGEST_PATTERN = /^[0-9a-f]{64}$/
const TEMPLATE_FILES = ['nginx.conf.hbs', 'page.html.hbs', 'page.json.hbs', 'page.xml.hbs']

let rendererIdentity: string | undefined

/** The renderer itself, once per process: its format and the text of the built-in templates. */
function renderer(): string {
  if (rendererIdentity === undefined) {
    const hash = createHash('sha256').update(`format:${RENDER_FORMAT}:`)
    for (const file of TEMPLATE_FILES) {
      const text = loadTemplate(file)
      hash.update(`${file}:${text.length}:`).update(text)
    }
    rendererIdentity = hash.digest('hex')
  }
  return rendererIdentity
}

/** A page's identity: its stored version (uid@resourceVersion, which any edit changes), else its whole content. */
function pageIdentity(page: PageSource): string {
  if (page.revision !== undefined) return `${page.name}@${page.revision}`
  const hash = createHash('sha256')
  for (const part of [page.name, String(page.status), page.html, page.json ?? '', page.xml ?? '']) hash.update(`${part.length}:`).update(part)
  for (const name of Object.keys(page.assets).sort()) hash.update(`asset:${name.length}:${name}:${page.assets[name].length}:`).update(page.assets[name])
  return hash.digest('hex')
}

/** The digest of everything a backend's content follows from. `context` is the page's context as JSON text. */
export function renderInputsDigest(image: string, page: PageSource, context: string): string {
  const parts = [renderer(), image, pageIdentity(page), context, process.versions.tz ?? '']
  const hash = createHash('sha256')
  for (const part of parts) hash.update(`${part.length}:`).update(part)
  return hash.digest('hex')
}

/** The annotation as read from a tenant-writable ConfigMap: a digest, or nothing. */
export function readRenderInputs(value: unknown): string | undefined {
  return typeof value === 'string' && DIGEST_PATTERN.test(value) ? value : undefined
}

/**
 * Whether `backend` can be served for the inputs its ConfigMap claims, without rendering: ready, and every object the
 * engine's (marks, content matching the name's hash, Deployment and Service owned by that ConfigMap).
 */
export function trustedForInputs(backend: ObservedBackend): boolean {
  const {configMap, deployment, service} = backend
  if (!backend.ready || !configMap || configMap.foreign !== undefined || !configMap.matchesName || configMap.renderInputs === undefined) return false
  if (!deployment || deployment.foreign !== undefined || deployment.ownerUid !== configMap.uid) return false
  return service !== undefined && service.foreign === undefined && service.ownerUid === configMap.uid
}
