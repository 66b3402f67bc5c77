/**
 * What identifies a backend's content: its image, and the hashes of what its ConfigMap serves. Kept apart from
 * backend.ts, which renders backends, so what only reads them (the pass's observation, status) loads no renderer.
 */
import {createHash} from 'node:crypto'

import type {RenderedPage} from './page.js'

import {HASH_LABEL, MANAGED_BY, MANAGED_BY_LABEL, ROLE_LABEL, Role} from '../model/keys.js'

/**
 * nginx's stable line (1.30; 1.27 is no longer maintained), pinned by tag, not digest: the 1.30-alpine tag moves only
 * within nginx 1.30 patch releases and Alpine security fixes, which a page server should get; a digest would freeze
 * known CVEs in place. Whoever needs a digest or a mirror passes `install --image` / `image` (packaging/README.md).
 * The unprivileged build runs as uid 101 and listens on 8080.
 */
export const BACKEND_IMAGE = 'nginxinc/nginx-unprivileged:1.30-alpine'

/** The keys of a backend ConfigMap's data; binaryData holds the assets. */
export const BACKEND_DATA_KEYS = ['nginx.conf', 'page.html', 'page.json', 'page.xml'] as const

/**
 * sha256 over a backend ConfigMap's data and binaryData as stored (binaryData base64, as the API serves it): two
 * ConfigMaps with the same digest serve exactly the same bytes.
 */
export function backendDataDigest(data: Record<string, string> = {}, binaryData: Record<string, string> = {}): string {
  const hash = createHash('sha256')
  for (const [section, entries] of [['data', data], ['binaryData', binaryData]] as const) {
    for (const key of Object.keys(entries).sort()) hash.update(`${section}:${key.length}:${key}:${entries[key].length}:`).update(entries[key])
  }
  return hash.digest('hex')
}

/**
 * The hash a backend ConfigMap's content gives with `image`, the way renderBackend names it; undefined when the
 * ConfigMap does not have a backend's shape (other keys, no status in its nginx.conf).
 */
export function configMapContentHash(data: Record<string, string> = {}, binaryData: Record<string, string> = {}, image: string): string | undefined {
  const keys = Object.keys(data).sort()
  if (keys.join(',') !== BACKEND_DATA_KEYS.join(',')) return undefined
  const status = /error_page [^;]*=(\d{3}) \/_maintenance\/internal\/page/.exec(data['nginx.conf'])?.[1]
  if (status === undefined) return undefined
  const assets = Object.fromEntries(Object.entries(binaryData).map(([name, base64]) => [name, Buffer.from(base64, 'base64')]))
  const page = {assets, html: data['page.html'], json: data['page.json'], status: Number(status), xml: data['page.xml']} as RenderedPage
  return contentHash(page, data['nginx.conf'], image)
}

/** First 10 hex of sha256 over everything the backend serves and runs, so equal content means one backend. */
export function contentHash(page: RenderedPage, nginxConf: string, image: string): string {
  const hash = createHash('sha256')
  const field = (label: string, value: string | Buffer) => {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value
    hash.update(`${label}:${bytes.length}:`).update(bytes)
  }
  field('image', image)
  field('status', String(page.status))
  field('html', page.html)
  field('json', page.json)
  field('xml', page.xml)
  field('nginx.conf', nginxConf)
  for (const name of Object.keys(page.assets).sort()) {
    field('asset', name)
    field('content', page.assets[name])
  }
  return hash.digest('hex').slice(0, 10)
}

export const BACKEND_APP_NAME = 'kubectl-maintenance-backend'

/** The labels of a backend's pods (and of all three objects), which follow from its hash alone. */
export function backendPodLabels(hash: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': BACKEND_APP_NAME,
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [ROLE_LABEL]: Role.backend,
    [HASH_LABEL]: hash,
  }
}
