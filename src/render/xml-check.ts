/**
 * A strict check that a document is well-formed XML 1.0 (no DTD support), enough to refuse a custom
 * page.xml.hbs that would render broken XML. Returns what is wrong and where, or undefined when well-formed.
 */
const NAME_START = 'A-Za-z_:\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}'
const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`
// XML's NameChar includes combining marks (U+0300-U+036F) on purpose.
// eslint-disable-next-line no-misleading-character-class
const NAME = new RegExp(`[${NAME_START}][${NAME_CHAR}]*`, 'uy')
const SPACE = /[ \t\r\n]*/y
const BAD_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u
const REFERENCE = /&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9A-Fa-f]+));/y
const XML_DECLARATION = /<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]+\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\3)?[ \t\r\n]*\?>/y

class XmlError extends Error {}

function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff)
}

class Reader {
  pos = 0
  constructor(readonly text: string) {}

  fail(what: string): never {
    const before = this.text.slice(0, this.pos)
    const line = before.split('\n').length
    const column = this.pos - before.lastIndexOf('\n')
    throw new XmlError(`line ${line}, column ${column}: ${what}`)
  }

  startsWith(token: string): boolean {
    return this.text.startsWith(token, this.pos)
  }

  expect(token: string): void {
    if (!this.startsWith(token)) this.fail(`expected "${token}"`)
    this.pos += token.length
  }

  match(pattern: RegExp): RegExpExecArray | undefined {
    pattern.lastIndex = this.pos
    const found = pattern.exec(this.text)
    if (!found) return undefined
    this.pos += found[0].length
    return found
  }

  space(): boolean {
    const start = this.pos
    this.match(SPACE)
    return this.pos > start
  }

  name(): string {
    return this.match(NAME)?.[0] ?? this.fail('expected a name')
  }

  until(token: string, what: string): string {
    const end = this.text.indexOf(token, this.pos)
    if (end < 0) this.fail(`unterminated ${what}`)
    const inside = this.text.slice(this.pos, end)
    this.pos = end + token.length
    return inside
  }

  reference(): void {
    const found = this.match(REFERENCE) ?? this.fail('"&" must start &amp; &lt; &gt; &quot; &apos; or a character reference')
    const code = found[2] ? Number.parseInt(found[2], 10) : found[3] ? Number.parseInt(found[3], 16) : undefined
    if (code !== undefined && !isXmlChar(code)) this.fail('character reference to a character XML does not allow')
  }

  misc(): void {
    for (;;) {
      this.space()
      if (this.startsWith('<!--')) this.comment()
      else if (this.startsWith('<?')) this.instruction()
      else return
    }
  }

  comment(): void {
    this.expect('<!--')
    const body = this.until('-->', 'comment')
    if (body.includes('--') || body.endsWith('-')) this.fail('"--" inside a comment')
  }

  instruction(): void {
    this.expect('<?')
    const target = this.name()
    if (target.toLowerCase() === 'xml') this.fail('the XML declaration must come first')
    this.until('?>', 'processing instruction')
  }

  attributes(): void {
    const seen = new Set<string>()
    for (;;) {
      const spaced = this.space()
      if (this.startsWith('>') || this.startsWith('/>')) return
      if (!spaced) this.fail('expected a space before an attribute')
      const name = this.name()
      if (seen.has(name)) this.fail(`attribute "${name}" given twice`)
      seen.add(name)
      this.space()
      this.expect('=')
      this.space()
      const quote = this.text[this.pos]
      if (quote !== '"' && quote !== "'") this.fail('attribute values must be quoted')
      this.pos++
      while (this.text[this.pos] !== quote) {
        const ch = this.text[this.pos]
        if (ch === undefined) this.fail('unterminated attribute value')
        if (ch === '<') this.fail('"<" inside an attribute value')
        if (ch === '&') this.reference()
        else this.pos++
      }
      this.pos++
    }
  }

  element(): void {
    this.expect('<')
    const name = this.name()
    this.attributes()
    if (this.startsWith('/>')) {
      this.pos += 2
      return
    }
    this.expect('>')
    this.content()
    this.expect('</')
    if (this.name() !== name) this.fail(`closing tag does not match <${name}>`)
    this.space()
    this.expect('>')
  }

  content(): void {
    for (;;) {
      const ch = this.text[this.pos]
      if (ch === undefined) this.fail('unexpected end of document')
      if (this.startsWith('</')) return
      if (this.startsWith('<![CDATA[')) {
        this.pos += 9
        this.until(']]>', 'CDATA section')
      } else if (this.startsWith('<!--')) this.comment()
      else if (this.startsWith('<?')) this.instruction()
      else if (ch === '<') this.element()
      else if (ch === '&') this.reference()
      else if (this.startsWith(']]>')) this.fail('"]]>" in text')
      else this.pos++
    }
  }

  document(): void {
    const bad = BAD_CHAR.exec(this.text)
    if (bad) {
      this.pos = bad.index
      this.fail(`character U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`)
    }
    if (this.startsWith('\uFEFF')) this.pos++
    if (this.startsWith('<?xml') && !this.match(XML_DECLARATION)) this.fail('malformed XML declaration')
    this.misc()
    if (this.startsWith('<!DOCTYPE')) this.fail('DOCTYPE is not supported')
    if (!this.startsWith('<')) this.fail('expected the root element')
    this.element()
    this.misc()
    if (this.pos < this.text.length) this.fail('content after the root element')
  }
}

export function xmlWellFormednessProblem(text: string): string | undefined {
  try {
    new Reader(text).document()
    return undefined
  } catch (error) {
    if (error instanceof XmlError) return error.message
    throw error
  }
}
