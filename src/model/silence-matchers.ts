/**
 * Which alerts a window's silence covers. A silence's matchers are AND-ed, so targets of different kinds get one
 * silence each: by default `namespace="<ns>"` and `<kind>=~"<name>|<name>"` (kind: service, ingress, ingressroute,
 * httproute). `install --silence-matchers` replaces that with a template of Alertmanager matchers, e.g.
 * `namespace="{{namespace}}",app=~"{{names}}"`; placeholders are filled after the template is parsed, so a name can
 * never add a matcher.
 */
import {UserError} from './errors.js'
import {type TargetRef} from './target.js'

export interface SilenceMatcher {
  name: string
  value: string
  isRegex: boolean
  isEqual: boolean
}

export const DEFAULT_SILENCE_MATCHERS = 'namespace="{{namespace}}",{{kind}}=~"{{names}}"'

const PLACEHOLDERS = ['namespace', 'window', 'kind', 'names'] as const
type Placeholder = (typeof PLACEHOLDERS)[number]
const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*|\{\{kind\}\})\s*(=~|!~|!=|=)\s*"([^"\\]*)"\s*$/
const MAX_TEMPLATE_LENGTH = 1024

interface TemplateMatcher {
  name: string
  operator: '=' | '!=' | '=~' | '!~'
  value: string
}

/** Parses and checks a template (install time: a bad one is exit 2 and nothing is written). */
export function parseSilenceTemplate(text: string, flag = '--silence-matchers'): TemplateMatcher[] {
  const example = `e.g. ${flag} 'namespace="{{namespace}}",app=~"{{names}}"'`
  if (text.length > MAX_TEMPLATE_LENGTH) throw new UserError(`${flag} is ${text.length} characters long; at most ${MAX_TEMPLATE_LENGTH}`)
  const parts = splitMatchers(text)
  if (parts.length === 0) throw new UserError(`${flag} is empty; give comma-separated Alertmanager matchers, ${example}`)
  const matchers = parts.map((part) => {
    const match = MATCHER.exec(part)
    if (!match) throw new UserError(`${flag}: "${part.trim()}" is not a matcher NAME="VALUE" (or =~, !=, !~ with the value in double quotes), ${example}`)
    const [, name, operator, value] = match
    for (const [, placeholder] of value.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(placeholder)) {
        throw new UserError(`${flag}: unknown placeholder {{${placeholder}}}; use ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`)
      }
    }
    const regex = operator === '=~' || operator === '!~'
    if (!regex && value.includes('{{names}}')) throw new UserError(`${flag}: {{names}} is a list (a regex alternation); use it in a =~ or !~ matcher, ${example}`)
    return {name, operator: operator as TemplateMatcher['operator'], value}
  })
  if (!matchers.some((matcher) => matcher.operator === '=' || matcher.operator === '=~')) {
    throw new UserError(`${flag}: at least one matcher must be = or =~ (Alertmanager refuses a silence of only negative matchers), ${example}`)
  }
  // Filled with sample values, every regex must compile.
  for (const matcher of fill(matchers, {kind: 'service', names: ['web', 'api'], namespace: 'shop', window: 'w'})) {
    if (matcher.isRegex) {
      try {
        new RegExp(matcher.value)
      } catch (error) {
        throw new UserError(`${flag}: ${matcher.name}=~"${matcher.value}" is not a regular expression: ${(error as Error).message}`)
      }
    }
  }
  return matchers
}

function splitMatchers(text: string): string[] {
  // Commas inside quoted values belong to the value.
  const parts: string[] = []
  let current = ''
  let quoted = false
  for (const char of text) {
    if (char === '"') quoted = !quoted
    if (char === ',' && !quoted) {
      parts.push(current)
      current = ''
    } else {
      current += char
    }
  }
  parts.push(current)
  return parts.filter((part) => part.trim() !== '')
}

interface Fill {
  namespace: string
  window: string
  kind: string
  names: string[]
}

function fill(matchers: TemplateMatcher[], values: Fill): SilenceMatcher[] {
  return matchers.map((matcher) => {
    const isRegex = matcher.operator === '=~' || matcher.operator === '!~'
    const value = matcher.value.replaceAll(/\{\{\s*(\w+)\s*\}\}/g, (_all, placeholder: Placeholder) => {
      if (placeholder === 'names') return values.names.map((name) => escapeRegex(name)).join('|')
      const text = values[placeholder]
      return isRegex ? escapeRegex(text) : text
    })
    return {isEqual: matcher.operator === '=' || matcher.operator === '=~', isRegex, name: matcher.name === '{{kind}}' ? values.kind : matcher.name, value}
  })
}

export interface SilenceSpec {
  /** Stable within a window: which of its silences this is (the kind, or `window` when the template names none). */
  group: string
  matchers: SilenceMatcher[]
}

/**
 * The silences a window needs: one per target kind when the template uses {{kind}} ({{names}}: that kind's target
 * names), else one ({{names}}: every target's name).
 */
export function silenceSpecs(template: string | undefined, namespace: string, window: string, targets: TargetRef[]): SilenceSpec[] {
  const parsed = parseSilenceTemplate(template ?? DEFAULT_SILENCE_MATCHERS, 'silence-matchers')
  const perKind = parsed.some((matcher) => matcher.name === '{{kind}}' || /\{\{\s*kind\s*\}\}/.test(matcher.value))
  const kinds = [...new Set(targets.map((target) => target.kind))].sort()
  if (!perKind) return [{group: 'window', matchers: fill(parsed, {kind: '', names: [...new Set(targets.map((target) => target.name))].sort(), namespace, window})}]
  return kinds.map((kind) => ({
    group: kind,
    matchers: fill(parsed, {kind, names: targets.filter((target) => target.kind === kind).map((target) => target.name).sort(), namespace, window}),
  }))
}

function escapeRegex(text: string): string {
  return text.replaceAll(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`)
}
