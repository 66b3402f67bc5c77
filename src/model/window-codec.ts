import {ANNOTATION_JSON_LIMITS, parseBoundedJson} from './bounded-json.js'
import {parseDuration} from './duration.js'
import {decodeGate, encodeGate} from './gate.js'
import {isCustomPageName} from './page-name.js'
import {UserError} from './errors.js'
import {DEFAULT_PAGE, MANAGED_BY, MANAGED_BY_LABEL, ROLE_LABEL, Role, WindowAnnotation, WindowData} from './keys.js'
import {formatSkipList, parseAnnounce, parseSkipList} from './exceptions.js'
import {nextOccurrence, parseCron} from './recurrence.js'
import {type TargetRef, formatTarget, formatTargets, parseTarget, sameTarget} from './target.js'
import {parseRfc3339, toRfc3339Utc} from './time.js'
import {PHASES, type Phase, type Window} from './window.js'
import {parseZone, zoneProblem} from './zone.js'

/** Largest message, reason or contact, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 4096
export const MAX_TARGETS = 100

/** A window ConfigMap as written to the API (SPEC §3). Type aliases, not interfaces, so it fits KubeObject. */
export type ConfigMapObject = {
  apiVersion: 'v1'
  kind: 'ConfigMap'
  metadata: {
    name: string
    namespace: string
    labels: Record<string, string>
    annotations: Record<string, string>
  }
  data?: Record<string, string>
}

type Field = 'gate' | 'targets' | 'start' | 'end' | 'timezone' | 'page' | 'every' | 'duration' | 'phase' | 'message' | 'reason' | 'contact' | 'announce' | 'skip' | 'paused'

interface Problem {
  field: Field
  message: string
}

const TEXT_FIELDS = ['message', 'reason', 'contact'] as const
const NO_TARGETS = 'no targets: name at least one, e.g. ingress/shop'

/**
 * The ConfigMap that stores a window. Absent optional fields are omitted; server-set metadata (resourceVersion, uid,
 * creationTimestamp) is left out so the object can be created as is.
 */
export function windowToConfigMap(w: Window): ConfigMapObject {
  const annotations: Record<string, string> = {
    [WindowAnnotation.targets]: formatTargets(w.targets, ','),
    [WindowAnnotation.start]: toRfc3339Utc(w.start),
  }
  if (w.end !== undefined) annotations[WindowAnnotation.end] = toRfc3339Utc(w.end)
  annotations[WindowAnnotation.timezone] = w.timezone
  annotations[WindowAnnotation.page] = w.page
  if (w.every !== undefined) annotations[WindowAnnotation.every] = w.every
  if (w.duration !== undefined) annotations[WindowAnnotation.duration] = w.duration
  if (w.extends !== undefined) annotations[WindowAnnotation.extends] = w.extends
  if (w.gitopsPause === false) annotations[WindowAnnotation.gitopsPause] = 'false'
  if (w.phase !== undefined) annotations[WindowAnnotation.phase] = w.phase
  if (w.phaseMessage !== undefined) annotations[WindowAnnotation.phaseMessage] = w.phaseMessage
  if (w.force) annotations[WindowAnnotation.force] = 'true'
  if (w.gate !== undefined) annotations[WindowAnnotation.gate] = encodeGate(w.gate)
  if (w.announce !== undefined) annotations[WindowAnnotation.announce] = w.announce
  if (w.skip !== undefined && w.skip.length > 0) annotations[WindowAnnotation.skip] = formatSkipList(w.skip)
  if (w.paused !== undefined) annotations[WindowAnnotation.paused] = toRfc3339Utc(w.paused)
  const data: Record<string, string> = {}
  for (const field of TEXT_FIELDS) {
    const value = w[field]
    if (value !== undefined) data[WindowData[field]] = value
  }
  if (w.history !== undefined) data[WindowData.history] = w.history
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      annotations,
      labels: {[MANAGED_BY_LABEL]: MANAGED_BY, [ROLE_LABEL]: Role.window},
      name: w.name,
      namespace: w.namespace,
    },
    ...(Object.keys(data).length > 0 ? {data} : {}),
  }
}

/**
 * Reads a window ConfigMap, written by this tool or by hand with kubectl or GitOps: whitespace around the commas of
 * `targets` is ignored, kinds take their aliases (svc, ingresses...), times may carry any offset (stored as UTC),
 * and a missing page or timezone means `default` and UTC. Every problem is reported at once, so one edit can fix
 * them all; `window` is set only when there are none.
 */
export function configMapToWindow(cm: unknown): {window?: Window; problems: string[]} {
  if (!isRecord(cm) || !isRecord(cm.metadata)) return {problems: ['not a ConfigMap: it has no metadata']}
  const metadata = cm.metadata
  const annotations = stringRecord(metadata.annotations)
  const data = stringRecord(cm.data)
  const problems: Problem[] = []
  const annotation = (key: string): string | undefined => annotations[key]

  const name = typeof metadata.name === 'string' ? metadata.name : ''
  const decoded: Window = {
    name,
    namespace: typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : 'default',
    page: annotation(WindowAnnotation.page)?.trim() || DEFAULT_PAGE,
    start: decodeTime(annotation(WindowAnnotation.start), WindowAnnotation.start, true, 'start', problems) ?? Number.NaN,
    targets: decodeTargets(annotation(WindowAnnotation.targets), problems),
    timezone: normalized(parseZone, annotation(WindowAnnotation.timezone)?.trim() || 'UTC'),
  }
  if (annotation(WindowAnnotation.gitopsPause)?.trim() === 'false') decoded.gitopsPause = false
  const end = decodeTime(annotation(WindowAnnotation.end), WindowAnnotation.end, false, 'end', problems)
  if (end !== undefined) decoded.end = end
  if (annotation(WindowAnnotation.force)?.trim() === 'true') decoded.force = true
  const gateText = annotation(WindowAnnotation.gate)
  if (gateText !== undefined) {
    const parsed = parseBoundedJson(gateText, ANNOTATION_JSON_LIMITS)
    const result = parsed.ok ? decodeGate(parsed.value) : {problems: [`annotation ${WindowAnnotation.gate}: ${parsed.problem}`]}
    for (const message of result.problems) problems.push({field: 'gate', message})
    if (result.gate) decoded.gate = result.gate
  }
  decodeExceptions(annotation, decoded, problems)
  const optional = {
    duration: annotation(WindowAnnotation.duration)?.trim(),
    every: optionalNormalized(parseCron, annotation(WindowAnnotation.every)),
    extends: annotation(WindowAnnotation.extends)?.trim() || undefined,
    phase: annotation(WindowAnnotation.phase)?.trim() as Phase | undefined,
    phaseMessage: annotation(WindowAnnotation.phaseMessage),
  }
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(decoded, {[key]: value})
  }
  for (const field of TEXT_FIELDS) {
    const value = data[WindowData[field]]
    if (value !== undefined) decoded[field] = value
  }
  // What the engine recorded of the world outside (sent notifications, silence ids): read raw, parsed within limits.
  const outside = {notifications: data[WindowData.notifications], silences: data[WindowData.silences]}
  if (outside.notifications !== undefined || outside.silences !== undefined) decoded.outside = outside
  // Kept as text: list and status never parse it; only the phase writes and `history` do.
  if (data[WindowData.history] !== undefined) decoded.history = data[WindowData.history]
  for (const key of ['resourceVersion', 'uid', 'creationTimestamp'] as const) {
    const value = metadata[key]
    if (typeof value === 'string') decoded[key] = value
  }

  // Entries that did not parse are left out of `targets`; "no targets" would only repeat what was said about them.
  const targetsReported = problems.some((problem) => problem.field === 'targets')
  const checks = windowProblems(decoded).filter((problem) => !(targetsReported && problem.message === NO_TARGETS))
  const all = [...problems, ...checks]
  const messages = [...new Set(all.map((problem) => problem.message))]
  return messages.length === 0 ? {problems: [], window: decoded} : {problems: bounded(messages)}
}

/** Problems reported, at most; the rest are counted. */
export const MAX_PROBLEMS = 10
/** A quoted value longer than this is shown by its start and its length. */
const MAX_QUOTED_CHARS = 80
const MAX_PROBLEM_CHARS = 1000

/**
 * The problems are written back onto the window (phase-message) and into an Event: a hand-written value of 200 KB,
 * or thousands of bad targets, echoed in full would make that write exceed the 256 KiB the API server allows for
 * annotations, and the window could never be marked Failed.
 */
function bounded(messages: string[]): string[] {
  const elided = messages.slice(0, MAX_PROBLEMS).map((message) => {
    const short = message.replace(/"([^"]*)"/g, (quoted, value: string) => (value.length > MAX_QUOTED_CHARS ? `"${value.slice(0, 40)}…" (${value.length} characters)` : quoted))
    // An unquoted echo (a suggested fix built from the value) is cut too.
    return short.length > MAX_PROBLEM_CHARS ? `${short.slice(0, MAX_PROBLEM_CHARS)}…` : short
  })
  const more = messages.length - elided.length
  return more > 0 ? [...elided, `and ${more} more problem${more === 1 ? '' : 's'}`] : elided
}

/**
 * What is wrong with a window that commands built, checked again before it is written. With `now`, a recurring
 * window must also have an occurrence still to come.
 */
export function validateWindow(w: Window, now?: number): string[] {
  const problems = windowProblems(w)
  if (!Number.isFinite(w.start)) problems.unshift({field: 'start', message: 'start is not a valid time'})
  if (w.end !== undefined && !Number.isFinite(w.end)) problems.unshift({field: 'end', message: 'end is not a valid time'})
  if (now !== undefined && problems.length === 0) {
    const never = neverOccursProblem(w, now)
    if (never) problems.push({field: 'every', message: never})
  }
  return problems.map((problem) => problem.message)
}

/** Checks of a decoded window; fields that failed to decode (non-finite times) were reported by the decoder. */
function windowProblems(w: Window): Problem[] {
  const problems: Problem[] = []
  const add = (field: Field, message: string | undefined) => {
    if (message !== undefined) problems.push({field, message})
  }
  for (const message of targetProblems(w.targets)) add('targets', message)
  if (Number.isFinite(w.start) && w.end !== undefined && Number.isFinite(w.end) && w.end <= w.start) {
    add('end', `end ${toRfc3339Utc(w.end)} is not after start ${toRfc3339Utc(w.start)}`)
  }
  const zone = zoneProblem(w.timezone)
  add('timezone', zone === undefined ? undefined : `timezone: ${zone}`)
  add('page', pageProblem(w.page))
  if (w.every !== undefined) add('every', parseProblem(() => parseCron(w.every as string), 'every'))
  if (w.duration !== undefined) add('duration', parseProblem(() => parseDuration(w.duration as string), 'duration'))
  if (w.every !== undefined && w.duration === undefined) add('duration', 'every is set but duration is not: a recurring window needs both (e.g. every "0 2 * * 0", duration 2h)')
  if (w.duration !== undefined && w.every === undefined) add('every', 'duration is set but every is not: a recurring window needs both (e.g. every "0 2 * * 0", duration 2h); a one-off window uses end')
  if (w.announce !== undefined) add('announce', parseProblem(() => parseAnnounce(w.announce as string), 'announce'))
  if (w.skip !== undefined && w.skip.length > 0 && w.every === undefined) add('skip', 'skip dates are set but every is not: only a recurring window has occurrences to skip')
  if (w.paused !== undefined && w.every === undefined) add('paused', 'paused is set but every is not: only a recurring window can be paused; cancel a one-off window instead')
  if (w.paused !== undefined && !Number.isFinite(w.paused)) add('paused', 'paused is not a valid time')
  if (w.phase !== undefined && !(PHASES as readonly string[]).includes(w.phase)) add('phase', `phase "${w.phase}" is not one of ${PHASES.join(', ')}`)
  for (const field of TEXT_FIELDS) {
    const bytes = Buffer.byteLength(w[field] ?? '', 'utf8')
    if (bytes > MAX_TEXT_BYTES) add(field, `${field} is ${bytes} bytes; at most ${MAX_TEXT_BYTES} bytes (4 KiB) are allowed`)
  }
  return problems
}

function targetProblems(targets: TargetRef[]): string[] {
  const problems: string[] = []
  if (targets.length === 0) problems.push(NO_TARGETS)
  if (targets.length > MAX_TARGETS) problems.push(`${targets.length} targets; at most ${MAX_TARGETS} per window: split them into several windows`)
  targets.forEach((target, index) => {
    if (targets.findIndex((other) => sameTarget(other, target)) < index) problems.push(`target ${formatTarget(target)} is listed more than once`)
    else problems.push(...parseProblems(() => parseTarget(formatTarget(target))))
  })
  return [...new Set(problems)]
}

function pageProblem(page: string): string | undefined {
  if (page === DEFAULT_PAGE) return undefined
  if (isCustomPageName(page)) return undefined
  return `page "${page}" is not a valid page name: use "${DEFAULT_PAGE}" or lowercase letters, digits and '-', e.g. outage`
}

function neverOccursProblem(w: Window, now: number): string | undefined {
  if (w.every === undefined) return undefined
  const next = nextOccurrence(w.every, w.timezone, Math.max(now, w.start - 1))
  if (next === undefined) return `every "${w.every}" never occurs in ${w.timezone}`
  if (w.end !== undefined && next >= w.end) return `every "${w.every}" has no occurrence between now and the end ${toRfc3339Utc(w.end)}`
  return undefined
}

function decodeExceptions(annotation: (key: string) => string | undefined, decoded: Window, problems: Problem[]): void {
  const announce = annotation(WindowAnnotation.announce)?.trim()
  if (announce !== undefined && announce !== '') decoded.announce = announce
  const skip = annotation(WindowAnnotation.skip)
  if (skip !== undefined && skip.trim() !== '') {
    const [problem] = parseProblems(() => (decoded.skip = parseSkipList(skip)))
    if (problem !== undefined) problems.push({field: 'skip', message: `annotation ${WindowAnnotation.skip}: ${problem}`})
  }
  const paused = decodeTime(annotation(WindowAnnotation.paused), WindowAnnotation.paused, false, 'paused', problems)
  if (paused !== undefined) decoded.paused = paused
}

function decodeTime(text: string | undefined, key: string, required: boolean, field: Field, problems: Problem[]): number | undefined {
  if (text === undefined || text.trim() === '') {
    if (required) problems.push({field, message: `annotation ${key} is missing: set it to an RFC 3339 time, e.g. 2026-11-23T01:00:00Z`})
    return undefined
  }
  const ms = parseRfc3339(text)
  if (ms === undefined) {
    problems.push({field, message: `annotation ${key} "${text}" is not an RFC 3339 time with offset or Z, e.g. 2026-11-23T01:00:00Z`})
    return field === 'end' || field === 'paused' ? Number.NaN : undefined
  }
  return ms
}

function decodeTargets(text: string | undefined, problems: Problem[]): TargetRef[] {
  const entries = (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
  if (entries.length === 0) {
    problems.push({field: 'targets', message: `annotation ${WindowAnnotation.targets} is missing or empty: list kind/name, comma-separated, e.g. ingress/shop,service/web`})
  }
  const targets: TargetRef[] = []
  for (const entry of entries) {
    if (entry.split('/').length > 2) {
      problems.push({
        field: 'targets',
        message: `target "${entry}": write kind/name; a window names targets of its own namespace only (create it in the target's namespace)`,
      })
      continue
    }
    const [problem] = parseProblems(() => targets.push(parseTarget(entry)))
    if (problem !== undefined) problems.push({field: 'targets', message: problem})
  }
  return targets
}

/** The parsed form of a valid value (europe/berlin -> Europe/Berlin); an invalid one as is, for validation to report. */
function normalized(parse: (text: string) => string, text: string): string {
  try {
    return parse(text)
  } catch {
    return text
  }
}

function optionalNormalized(parse: (text: string) => string, text: string | undefined): string | undefined {
  return text === undefined ? undefined : normalized(parse, text.trim())
}

function parseProblem(parse: () => unknown, field: string): string | undefined {
  const [problem] = parseProblems(parse)
  return problem === undefined ? undefined : `${field}: ${problem}`
}

function parseProblems(parse: () => unknown): string[] {
  try {
    parse()
    return []
  } catch (error) {
    if (error instanceof UserError) return [error.message]
    throw error
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function stringRecord(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {}
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
}
