/** Label and field selectors with the grammar and errors of k8s.io/apimachinery/pkg/labels and fields. */
import {type JsonObject, isObject, objectAt} from './json.js'
import type {ResourceDef} from './resources.js'
import {badRequest} from './status.js'

type LabelOperator = 'exists' | 'notexists' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt'

interface LabelRequirement {
  key: string
  operator: LabelOperator
  values: string[]
}

export type LabelSelector = LabelRequirement[]

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/

/** Splits on commas that are not inside `in (...)` value sets. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const char of text) {
    if (char === '(') depth++
    if (char === ')') depth--
    if (char === ',' && depth === 0) {
      parts.push(current)
      current = ''
    } else current += char
  }
  parts.push(current)
  return parts.map((part) => part.trim()).filter((part) => part !== '')
}

function unparsable(text: string, why: string): never {
  throw badRequest(`unable to parse requirement: ${why}: ${JSON.stringify(text)}`)
}

function checkKey(key: string, source: string): string {
  if (!LABEL_KEY.test(key) || key.split('/').at(-1)!.length > 63) unparsable(source, `invalid label key "${key}"`)
  return key
}

function checkValue(value: string, source: string): string {
  if (!LABEL_VALUE.test(value) || value.length > 63) unparsable(source, `invalid label value: "${value}"`)
  return value
}

function parseRequirement(text: string): LabelRequirement {
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text)
  if (setMatch) {
    const values = setMatch[3].split(',').map((value) => checkValue(value.trim(), text))
    return {key: checkKey(setMatch[1], text), operator: setMatch[2] as 'in' | 'notin', values}
  }
  const binary = /^([^!=<>\s]+)\s*(==|!=|=|>|<)\s*(.*)$/.exec(text)
  if (binary) {
    const operator = ({'==': '=', '=': '=', '!=': '!=', '>': 'gt', '<': 'lt'} as const)[binary[2] as '==' | '=' | '!=' | '>' | '<']
    const value = binary[3].trim()
    if ((operator === 'gt' || operator === 'lt') && !/^-?\d+$/.test(value)) unparsable(text, 'for > and < operators, a single integer value is required')
    return {key: checkKey(binary[1], text), operator, values: [checkValue(value, text)]}
  }
  if (text.startsWith('!')) return {key: checkKey(text.slice(1).trim(), text), operator: 'notexists', values: []}
  return {key: checkKey(text, text), operator: 'exists', values: []}
}

export function parseLabelSelector(text: string | undefined): LabelSelector {
  if (!text) return []
  return splitTopLevel(text).map(parseRequirement)
}

function matchesRequirement(labels: Record<string, string>, requirement: LabelRequirement): boolean {
  const has = Object.hasOwn(labels, requirement.key)
  const value = labels[requirement.key]
  switch (requirement.operator) {
    case 'exists':
      return has
    case 'notexists':
      return !has
    case '=':
    case 'in':
      return has && requirement.values.includes(value)
    case '!=':
    case 'notin':
      return !has || !requirement.values.includes(value)
    case 'gt':
      return has && /^-?\d+$/.test(value) && Number(value) > Number(requirement.values[0])
    case 'lt':
      return has && /^-?\d+$/.test(value) && Number(value) < Number(requirement.values[0])
  }
}

export function labelsOf(object: JsonObject): Record<string, string> {
  const labels = objectAt(object, 'metadata', 'labels') ?? {}
  return Object.fromEntries(Object.entries(labels).filter(([, value]) => typeof value === 'string')) as Record<string, string>
}

export function matchesLabels(object: JsonObject, selector: LabelSelector): boolean {
  const labels = labelsOf(object)
  return selector.every((requirement) => matchesRequirement(labels, requirement))
}

/** A metav1.LabelSelector (matchLabels/matchExpressions) as a parsed selector. */
export function fromLabelSelectorObject(selector: unknown): LabelSelector {
  if (!isObject(selector)) return []
  const requirements: LabelSelector = []
  for (const [key, value] of Object.entries(objectAt(selector, 'matchLabels') ?? {})) requirements.push({key, operator: '=', values: [String(value)]})
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []
  for (const expression of expressions) {
    if (!isObject(expression)) continue
    const operator = String(expression.operator).toLowerCase()
    const values = Array.isArray(expression.values) ? expression.values.map(String) : []
    const mapped: LabelOperator = operator === 'doesnotexist' ? 'notexists' : (operator as LabelOperator)
    requirements.push({key: String(expression.key), operator: mapped, values})
  }
  return requirements
}

interface FieldRequirement {
  field: string
  negate: boolean
  value: string
}

export type FieldSelector = FieldRequirement[]

const EVENT_FIELDS = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
]

const EVENTS_V1_FIELDS = ['regarding.kind', 'regarding.namespace', 'regarding.name', 'regarding.uid', 'regarding.apiVersion', 'regarding.resourceVersion', 'regarding.fieldPath', 'reason', 'reportingController', 'type']

function supportedFields(def: ResourceDef): string[] {
  const common = ['metadata.name', 'metadata.namespace']
  if (def.plural === 'events') return [...common, ...(def.group === '' ? EVENT_FIELDS : EVENTS_V1_FIELDS)]
  if (def.kind === 'Namespace') return [...common, 'status.phase']
  if (def.kind === 'Pod') return [...common, 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'status.phase', 'status.podIP', 'status.nominatedNodeName']
  return common
}

export function parseFieldSelector(text: string | undefined, def: ResourceDef): FieldSelector {
  if (!text) return []
  const allowed = supportedFields(def)
  return splitTopLevel(text).map((part) => {
    const match = /^([^!=]+)(==|!=|=)(.*)$/.exec(part)
    if (!match) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`)
    const field = match[1].trim()
    if (!allowed.includes(field)) {
      if (def.custom) throw badRequest(`"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`)
      throw badRequest(`field label not supported: ${field}`)
    }
    return {field, negate: match[2] === '!=', value: match[3].trim()}
  })
}

function fieldValue(object: JsonObject, field: string): string {
  const path = field === 'source' ? ['source', 'component'] : field.split('.')
  let current: unknown = object
  for (const key of path) current = isObject(current) ? current[key] : undefined
  return current === undefined || current === null ? '' : String(current)
}

export function matchesFields(object: JsonObject, selector: FieldSelector): boolean {
  return selector.every((requirement) => (fieldValue(object, requirement.field) === requirement.value) !== requirement.negate)
}
