import {DateTime} from 'luxon'

import type {TargetRef} from './target.js'

/**
 * Window names are DNS-1123 labels (at most 63 characters), stricter than the subdomains ConfigMaps allow: the name
 * is written into target annotations and events, and a label is safe everywhere.
 */
export const MAX_WINDOW_NAME = 63
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const EXAMPLE = 'ingress-shop-20261224-2200'

/** Why `name` cannot name a window, or undefined when it can. */
export function validateWindowName(name: string): string | undefined {
  if (name === '') return `window name is empty; use lowercase letters, digits and '-', e.g. ${EXAMPLE}`
  if (name.length > MAX_WINDOW_NAME) return `window name "${name}" has ${name.length} characters; at most ${MAX_WINDOW_NAME} are allowed`
  if (!DNS1123_LABEL.test(name)) {
    return `window name "${name}" is not a DNS-1123 label: use lowercase letters, digits and '-', starting and ending with a letter or digit, e.g. ${EXAMPLE}`
  }
  return undefined
}

/**
 * `<kind>-<name>-<yyyymmdd-hhmm>` of the first target, the start read in the window's zone. A long target name is
 * shortened, never the date; a name in `taken` gets `-2`, `-3`... still within 63 characters.
 */
export function generateWindowName(targets: TargetRef[], start: number, zone: string, taken: Set<string>): string {
  const first = targets[0]
  const stamp = DateTime.fromMillis(start, {zone}).toFormat('yyyyMMdd-HHmm')
  for (let counter = 1; ; counter++) {
    const suffix = counter === 1 ? '' : `-${counter}`
    const room = MAX_WINDOW_NAME - stamp.length - suffix.length - 1
    const prefix = first ? labelPart(`${first.kind}-${first.name}`, room) : 'window'
    const name = `${prefix}-${stamp}${suffix}`
    if (!taken.has(name)) return name
  }
}

/** Dots become dashes (target names may be subdomains), cut to `room` characters without a trailing dash. */
function labelPart(text: string, room: number): string {
  return text
    .toLowerCase()
    .replaceAll(/[^a-z0-9-]+/g, '-')
    .slice(0, room)
    .replace(/-+$/, '')
}
