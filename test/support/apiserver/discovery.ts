/** Discovery documents (/api, /apis, /apis/G, /apis/G/V, /version) listing exactly the served resources. */
import type {JsonObject} from './json.js'
import {ADMISSION_POLICIES, ADMISSION_POLICY_KINDS, RESOURCES, type ResourceDef, isCrdGroup} from './resources.js'

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:02:27Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
}

export function isServed(def: ResourceDef, servedCrdGroups: ReadonlySet<string>): boolean {
  // ValidatingAdmissionPolicy is optional like a CRD group: a server before Kubernetes 1.30 lacks it (but has webhooks).
  if (ADMISSION_POLICY_KINDS.includes(def.kind)) return servedCrdGroups.has(ADMISSION_POLICIES)
  return !isCrdGroup(def.group) || servedCrdGroups.has(def.group)
}

function servedResources(served: ReadonlySet<string>): ResourceDef[] {
  return RESOURCES.filter((def) => isServed(def, served))
}

export function apiVersions(serverAddress: string): JsonObject {
  return {kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress}]}
}

function groupVersions(served: ReadonlySet<string>): Map<string, string[]> {
  const groups = new Map<string, string[]>()
  for (const def of servedResources(served)) {
    if (def.group === '') continue
    const versions = groups.get(def.group) ?? []
    if (!versions.includes(def.version)) versions.push(def.version)
    groups.set(def.group, versions)
  }
  return groups
}

function groupDocument(name: string, versions: string[]): JsonObject {
  const entries = versions.map((version) => ({groupVersion: `${name}/${version}`, version}))
  return {name, versions: entries, preferredVersion: entries[0]}
}

export function apiGroupList(served: ReadonlySet<string>): JsonObject {
  const groups = [...groupVersions(served).entries()].map(([name, versions]) => groupDocument(name, versions))
  return {kind: 'APIGroupList', apiVersion: 'v1', groups}
}

export function apiGroup(name: string, served: ReadonlySet<string>): JsonObject | undefined {
  const versions = groupVersions(served).get(name)
  return versions && {kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(name, versions)}
}

function resourceEntries(def: ResourceDef): JsonObject[] {
  const main: JsonObject = {name: def.plural, singularName: def.singular, namespaced: def.namespaced, kind: def.kind, verbs: def.verbs}
  if (def.shortNames.length > 0) main.shortNames = def.shortNames
  if (def.categories) main.categories = def.categories
  const entries = [main]
  if (def.statusSubresource) entries.push({name: `${def.plural}/status`, singularName: '', namespaced: def.namespaced, kind: def.kind, verbs: ['get', 'patch', 'update']})
  if (def.kind === 'Deployment') {
    entries.push({name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update']})
  }
  if (def.kind === 'Namespace') entries.push({name: 'namespaces/finalize', singularName: '', namespaced: false, kind: 'Namespace', verbs: ['update']})
  return entries
}

export function apiResourceList(group: string, version: string, served: ReadonlySet<string>): JsonObject | undefined {
  const defs = servedResources(served).filter((def) => def.group === group && def.version === version)
  if (defs.length === 0) return undefined
  return {kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: defs.flatMap(resourceEntries)}
}
