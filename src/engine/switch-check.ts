import type {KubeObject} from './kinds/types.js'
import type {ObservedTarget} from './types.js'

import {type TargetRef, formatTarget} from '../model/target.js'
import {kindModule} from './kinds/index.js'
import {isMaintenanceBackend} from './backend-identity.js'
import {protocolAnnotations, speaksTls} from './kinds/protocol-annotations.js'
import {type JsonRecord, isRecord, nonEmptyArray, recordsOf} from './kinds/shared.js'
import {carriesGrpc, carriesTls} from './kinds/service.js'

/**
 * What happens to one target at the switch, decided before anything is written (SPEC §7): whatever would be
 * recorded as the original must be restorable, what must never be switched is refused, and a switch that would
 * change nothing for visitors is reported rather than silently "done". `now`/`schedule` turn refusals into exit 2;
 * the pass fails the window with a Warning before touching the target.
 */
export type SwitchDecision =
  /** `notes`: what the switch does beyond pointing at the backend, e.g. `tls`, `grpc`, `mirror stopped`. */
  | {verdict: 'switch'; notes: string[]}
  /** Nothing would change for visitors; `note` is e.g. `kept: redirect`. */
  | {verdict: 'skip'; note: string; message: string}
  /** Must not be switched (without --force); `note` is e.g. `refused: webhook`. */
  | {verdict: 'refuse'; note: string; message: string}

/** Services that the API server itself calls: an admission webhook or an aggregated API. */
export interface ProtectedService {
  namespace: string
  name: string
  /** `webhook` or `apiservice`. */
  reason: 'webhook' | 'apiservice'
  /** Who calls it, e.g. `validatingwebhookconfiguration/ingress-nginx-admission`. */
  by: string
}

export interface SwitchContext {
  /** Webhook and APIService Services; undefined when they could not be read (a namespaced install). */
  protectedServices?: ProtectedService[]
  /** Other targets of the namespace, to name the route that serves what a redirect-only route redirects to. */
  neighbours: ObservedTarget[]
  force: boolean
}

const PROTECTED_NAMESPACE = 'kube-system'

export function checkSwitch(target: ObservedTarget, context: SwitchContext): SwitchDecision {
  const {object, ref} = target
  const name = formatTarget(ref)
  if (isMaintenanceBackend(object)) {
    // Not even with --force: a backend switched to a backend serves nothing, and its restore would undo the engine's own object.
    return {message: `${name} is a maintenance backend of kubectl-maintenance itself, not something to put into maintenance; name the Ingress, route or Service your users reach`, note: 'refused: maintenance backend', verdict: 'refuse'}
  }
  const problems = kindModule(ref.kind).validateOriginal(JSON.parse(JSON.stringify(kindModule(ref.kind).captureRouting(object))))
  if (problems.length > 0) {
    return refusal('invalid', `${name} cannot be switched: what would be recorded to restore it could not be restored (${problems.join('; ')})`, false)
  }
  if (ref.kind === 'service') return checkService(target, context)
  const skip = nothingRouted(target, context.neighbours)
  if (skip) return skip
  return {notes: routeNotes(ref, object), verdict: 'switch'}
}

function refusal(reason: string, message: string, force: boolean, notes: string[] = []): SwitchDecision {
  if (force) return {notes: [...notes, `forced: ${reason}`], verdict: 'switch'}
  return {message, note: `refused: ${reason}`, verdict: 'refuse'}
}

function checkService(target: ObservedTarget, context: SwitchContext): SwitchDecision {
  const {object, namespace} = target
  const name = formatTarget(target.ref)
  const spec = (object.spec ?? {}) as JsonRecord
  const instead = 'put the Ingress, IngressRoute or HTTPRoute in front of it into maintenance instead'
  if (spec.type === 'ExternalName') {
    const alias = typeof spec.externalName === 'string' ? ` (an alias of ${spec.externalName})` : ''
    return {message: `${name} is ExternalName${alias}: a DNS alias with no pods to route, so switching it would change nothing; ${instead}`, note: 'kept: externalname', verdict: 'skip'}
  }
  if (!isRecord(spec.selector) || Object.keys(spec.selector).length === 0) {
    return {
      message: `${name} has no selector (its endpoints are managed by hand or by another controller), so switching it would change nothing; ${instead}`,
      note: 'kept: no selector',
      verdict: 'skip',
    }
  }
  const force = `, or pass --force if you mean it`
  if (namespace === PROTECTED_NAMESPACE) {
    return refusal('kube-system', `${name} is in ${PROTECTED_NAMESPACE}: cluster components live there and are never switched${force}`, context.force)
  }
  const callers = (context.protectedServices ?? []).filter((p) => p.namespace === namespace && p.name === target.ref.name)
  const webhook = callers.find((p) => p.reason === 'webhook')
  if (webhook) {
    return refusal(
      'webhook',
      `${name} is called by the API server as an admission webhook (${webhook.by}): switched, every write that webhook checks would fail during the window${force}`,
      context.force,
    )
  }
  const apiService = callers.find((p) => p.reason === 'apiservice')
  if (apiService) {
    return refusal('apiservice', `${name} serves an aggregated API (${apiService.by}): switched, that API would be unavailable during the window${force}`, context.force)
  }
  const ports = recordsOf(spec.ports)
  const notes = [...(ports.some((port) => carriesTls(port)) ? ['tls'] : []), ...(ports.some((port) => carriesGrpc(port) && !carriesTls(port)) ? ['grpc'] : [])]
  return {notes, verdict: 'switch'}
}

/** The refs a route entry sends traffic to, by kind: HTTPRoute rules' backendRefs, IngressRoute routes' services. */
const ROUTE_FIELDS: Partial<Record<TargetRef['kind'], {list: string; refs: string; filters?: string}>> = {
  httproute: {filters: 'filters', list: 'rules', refs: 'backendRefs'},
  ingressroute: {list: 'routes', refs: 'services'},
}

function nothingRouted(target: ObservedTarget, neighbours: ObservedTarget[]): SwitchDecision | undefined {
  const fields = ROUTE_FIELDS[target.ref.kind]
  if (!fields) return undefined
  const entries = recordsOf((target.object.spec ?? {})[fields.list])
  if (entries.some((entry) => nonEmptyArray(entry[fields.refs]))) return undefined
  const name = formatTarget(target.ref)
  const redirects = entries.some((entry) =>
    target.ref.kind === 'httproute' ? recordsOf(entry.filters).some((filter) => filter.type === 'RequestRedirect') : nonEmptyArray(entry.middlewares),
  )
  const servers = servingNeighbours(target, neighbours)
  const serving =
    servers.length > 0
      ? `the traffic for its hosts is served by ${servers.join(', ')}: put ${servers.length === 1 ? 'that one' : 'those'} into maintenance`
      : 'put the route that serves the traffic into maintenance'
  if (redirects) {
    const how = target.ref.kind === 'httproute' ? 'RequestRedirect filters' : 'middlewares'
    return {
      message: `${name} has no backends, only ${how}: it keeps redirecting during the window, which is usually what you want; ${serving}`,
      note: 'kept: redirect',
      verdict: 'skip',
    }
  }
  return {message: `${name} has no backends, so switching it would change nothing; ${serving}`, note: 'kept: no backends', verdict: 'skip'}
}

/** Routes of the same kind and namespace that have backends and share a host with the target (or name none). */
function servingNeighbours(target: ObservedTarget, neighbours: ObservedTarget[]): string[] {
  const fields = ROUTE_FIELDS[target.ref.kind]!
  const mine = hostsOf(target.ref.kind, target.object)
  return neighbours
    .filter((other) => other.ref.kind === target.ref.kind && other.namespace === target.namespace && other.ref.name !== target.ref.name)
    .filter((other) => recordsOf((other.object.spec ?? {})[fields.list]).some((entry) => nonEmptyArray(entry[fields.refs])))
    .filter((other) => {
      const theirs = hostsOf(other.ref.kind, other.object)
      return mine.length === 0 || theirs.length === 0 || theirs.some((host) => mine.includes(host))
    })
    .map((other) => formatTarget(other.ref))
    .sort()
}

function hostsOf(kind: TargetRef['kind'], object: KubeObject): string[] {
  const spec = (object.spec ?? {}) as JsonRecord
  if (kind === 'httproute') return Array.isArray(spec.hostnames) ? spec.hostnames.filter((host): host is string => typeof host === 'string') : []
  return recordsOf(spec.routes).flatMap((route) => (typeof route.match === 'string' ? [...route.match.matchAll(/Host\(\s*`([^`]+)`/g)].map((match) => match[1]) : []))
}

/** What the switch of a route kind does besides pointing at the backend, for the routing summary and messages. */
function routeNotes(ref: TargetRef, object: KubeObject): string[] {
  const notes: string[] = []
  const spec = (object.spec ?? {}) as JsonRecord
  if (ref.kind === 'ingress') {
    const annotations = object.metadata.annotations ?? {}
    if (speaksTls(annotations)) notes.push('tls')
    if (/^grpcs?$/i.test(annotations['nginx.ingress.kubernetes.io/backend-protocol']?.trim() ?? '')) notes.push('grpc')
    else if (Object.keys(protocolAnnotations(object)).length > 0 && !notes.includes('tls')) notes.push('protocol')
  }
  if (ref.kind === 'ingressroute') {
    const services = recordsOf(spec.routes).flatMap((route) => recordsOf(route.services))
    if (services.some((svc) => svc.scheme === 'https' || svc.serversTransport !== undefined || svc.port === 443 || (typeof svc.port === 'string' && svc.port.startsWith('https')))) notes.push('tls')
    if (services.some((svc) => svc.scheme === 'h2c')) notes.push('grpc')
  }
  if (ref.kind === 'httproute') {
    const mirrors = recordsOf(spec.rules).some((rule) => nonEmptyArray(rule.backendRefs) && recordsOf(rule.filters).some((filter) => filter.type === 'RequestMirror'))
    if (mirrors) notes.push('mirror stopped')
  }
  return notes
}

/** The decisions of one window's targets, as `now`/`schedule` report them: refusals fail, skips fail only when nothing switches. */
export function summarizeDecisions(decisions: Array<{target: TargetRef; decision: SwitchDecision}>): {errors: string[]; warnings: string[]} {
  const refused = decisions.flatMap(({decision}) => (decision.verdict === 'refuse' ? [`${decision.message} (${decision.note})`] : []))
  const skipped = decisions.flatMap(({decision}) => (decision.verdict === 'skip' ? [`${decision.message} (${decision.note})`] : []))
  const switches = decisions.some(({decision}) => decision.verdict === 'switch')
  if (refused.length > 0) return {errors: [...refused, ...(switches ? [] : skipped)], warnings: switches ? skipped : []}
  return switches ? {errors: [], warnings: skipped} : {errors: skipped, warnings: []}
}
