/**
 * JSON written by tenants (annotations) is parsed only within limits: a few KB of `[[[[...]]]]` must never reach
 * recursive code (validation, canonical JSON, structuredClone) in the cluster-wide pass. The nesting is measured by
 * a linear scan before JSON.parse sees the text, so the check itself needs no stack.
 */
export interface JsonLimits {
  /** UTF-8 bytes; Kubernetes caps all annotations of an object together at 256 KiB. */
  maxBytes: number
  /** Arrays and objects inside one another; a routing spec needs fewer than 16. */
  maxDepth: number
}

export const ANNOTATION_JSON_LIMITS: JsonLimits = {maxBytes: 256 * 1024, maxDepth: 32}

export type BoundedJson = {ok: true; value: unknown} | {ok: false; problem: string}

/** The deepest nesting of arrays and objects in `text`, outside strings; stops counting once past `stopAbove`. */
export function jsonDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
      continue
    }
    if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      depth++
      if (depth > deepest) {
        deepest = depth
        if (deepest > stopAbove) return deepest
      }
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return deepest
}

/** Parses `text` if it fits the limits; otherwise says which limit it breaks and what would be right. */
export function parseBoundedJson(text: string, limits: JsonLimits = ANNOTATION_JSON_LIMITS): BoundedJson {
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > limits.maxBytes) return {ok: false, problem: `it is ${bytes} bytes, more than the ${limits.maxBytes} allowed`}
  if (jsonDepth(text, limits.maxDepth) > limits.maxDepth) {
    return {ok: false, problem: `it nests deeper than ${limits.maxDepth} levels of arrays and objects`}
  }
  try {
    return {ok: true, value: JSON.parse(text) as unknown}
  } catch (error) {
    return {ok: false, problem: `it is not valid JSON (${(error as Error).message})`}
  }
}
