import {UserError} from './errors.js'

export const TARGET_KINDS = ['ingress', 'ingressroute', 'httproute', 'service'] as const
export type TargetKind = (typeof TARGET_KINDS)[number]

export interface TargetRef {
  kind: TargetKind
  name: string
}

const KIND_ALIASES: Record<string, TargetKind> = {
  httproute: 'httproute',
  httproutes: 'httproute',
  ing: 'ingress',
  ingress: 'ingress',
  ingresses: 'ingress',
  ingressroute: 'ingressroute',
  ingressroutes: 'ingressroute',
  service: 'service',
  services: 'service',
  svc: 'service',
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const VALID_FORMS = 'ingress/NAME, ingressroute/NAME, httproute/NAME or service/NAME (alias svc/NAME)'

export function isDns1123Subdomain(name: string): boolean {
  return name.length > 0 && name.length <= 253 && DNS1123_SUBDOMAIN.test(name)
}

/** Parses `kind/name` as kubectl users write it: kind case-insensitive, plural forms accepted. */
export function parseTarget(text: string): TargetRef {
  const slash = text.indexOf('/')
  if (slash < 0) {
    throw new UserError(`target "${text}" has no kind: write it as ${VALID_FORMS}, e.g. ingress/${text || 'shop'}`)
  }
  const kindText = text.slice(0, slash)
  const name = text.slice(slash + 1)
  const kind = resolveKind(kindText)
  if (!kind) {
    throw new UserError(`target "${text}": kind "${kindText}" is not supported; supported kinds: ${VALID_FORMS}`)
  }
  if (name === '') {
    throw new UserError(`target "${text}" has no name: write it as ${kind}/NAME, e.g. ${kind}/shop`)
  }
  if (!isDns1123Subdomain(name)) {
    throw new UserError(
      `target "${text}": "${name}" is not a valid Kubernetes name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit), e.g. ${kind}/${name.toLowerCase().replaceAll(/[^a-z0-9.-]/g, '-').replaceAll(/^[-.]+|[-.]+$/g, '') || 'shop'}`,
    )
  }
  return {kind, name}
}

export function resolveKind(text: string): TargetKind | undefined {
  return KIND_ALIASES[text.toLowerCase()]
}

export function formatTarget(ref: TargetRef): string {
  return `${ref.kind}/${ref.name}`
}

/** `ingress/shop, service/web` for people; the annotation and table columns join with ',' alone. */
export function formatTargets(refs: TargetRef[], separator = ', '): string {
  return refs.map((ref) => formatTarget(ref)).join(separator)
}

export function sameTarget(a: TargetRef, b: TargetRef): boolean {
  return a.kind === b.kind && a.name === b.name
}
