import type {KubeObject} from '../model/kube-object.js'
import type {PageSource} from './page-source.js'

import {MANAGED_BY, MANAGED_BY_LABEL, PAGE_CONFIGMAP_PREFIX, PageAnnotation, ROLE_LABEL, Role} from '../model/keys.js'
import {DEFAULT_STATUS, TEMPLATE_FILES} from './page-source.js'

/** The custom page ConfigMap of SPEC §5, to and from what `page create` reads and the engine renders. */
export type PageConfigMap = KubeObject & {data?: Record<string, string>; binaryData?: Record<string, string>}

/** What `page create` stores: templates as text, assets as bytes; status absent means the default (503). */
export interface PageFiles {
  name: string
  namespace: string
  html: string
  json?: string
  xml?: string
  status?: number
  assets: Record<string, Buffer>
}

export function pageConfigMapName(name: string): string {
  return PAGE_CONFIGMAP_PREFIX + name
}

export function pageConfigMap(files: PageFiles): PageConfigMap {
  const data: Record<string, string> = {[TEMPLATE_FILES.html]: files.html}
  if (files.json !== undefined) data[TEMPLATE_FILES.json] = files.json
  if (files.xml !== undefined) data[TEMPLATE_FILES.xml] = files.xml
  const assetNames = Object.keys(files.assets).sort()
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      ...(files.status === undefined ? {} : {annotations: {[PageAnnotation.status]: String(files.status)}}),
      labels: {[MANAGED_BY_LABEL]: MANAGED_BY, [ROLE_LABEL]: Role.page},
      name: pageConfigMapName(files.name),
      namespace: files.namespace,
    },
    ...(assetNames.length > 0 ? {binaryData: Object.fromEntries(assetNames.map((name) => [name, files.assets[name].toString('base64')]))} : {}),
    data,
  }
}

/** The page a ConfigMap holds, read the way the engine reads it; undefined when it is not a page (no HTML template). */
export function pageFromConfigMap(configMap: PageConfigMap): PageSource | undefined {
  const {name} = configMap.metadata
  const html = configMap.data?.[TEMPLATE_FILES.html]
  if (!name.startsWith(PAGE_CONFIGMAP_PREFIX) || html === undefined) return undefined
  const status = Number.parseInt(configMap.metadata.annotations?.[PageAnnotation.status] ?? String(DEFAULT_STATUS), 10)
  const assets = Object.fromEntries(Object.entries(configMap.binaryData ?? {}).map(([file, base64]) => [file, Buffer.from(base64, 'base64')]))
  return {
    assets,
    html,
    json: configMap.data?.[TEMPLATE_FILES.json],
    name: name.slice(PAGE_CONFIGMAP_PREFIX.length),
    ...(configMap.metadata.uid && configMap.metadata.resourceVersion ? {revision: `${configMap.metadata.uid}@${configMap.metadata.resourceVersion}`} : {}),
    status,
    xml: configMap.data?.[TEMPLATE_FILES.xml],
  }
}
