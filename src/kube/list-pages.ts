/**
 * The `continue` token of a list answer, read from its text before the answer is parsed, so the next page can be asked
 * for while this one is parsed (the API server then builds it meanwhile). kube-apiserver writes a list's `metadata`
 * (ListMeta: only strings and numbers) before its `items`; an answer in another shape, or a token that would need
 * unescaping, gives undefined, and the caller checks the token against the parsed answer anyway.
 */
export function continueTokenIn(text: string): string | undefined {
  const head = text.slice(0, 4096)
  const itemsAt = head.indexOf('"items":')
  if (itemsAt === -1) return undefined
  const metadata = /"metadata":\{([^{}]*)\}/.exec(head.slice(0, itemsAt))
  if (!metadata) return undefined
  return /"continue":"([^"\\]+)"/.exec(metadata[1])?.[1]
}
