/** Escaping for the three body formats. HTML escaping is Handlebars' own. */

// XML 1.0 Char production: TAB, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF. Lone surrogates are not chars.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

const XML_ENTITIES: Record<string, string> = {'"': '&quot;', '&': '&amp;', "'": '&apos;', '<': '&lt;', '>': '&gt;'}

/** Removes what XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/U+FFFF). */
export function stripNonXmlChars(text: string): string {
  return text.replace(NOT_XML_CHAR, '')
}

/** Safe in XML text and in attribute values of either quote; `]]>` cannot survive because `>` is escaped. */
export function escapeXml(text: string): string {
  return stripNonXmlChars(text).replace(/["&'<>]/g, (ch) => XML_ENTITIES[ch])
}

/** The inside of a JSON string literal (without the quotes); `<` and `>` too, so the text is inert if embedded in HTML. */
export function escapeJsonString(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}
