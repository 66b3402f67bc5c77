import {expect} from 'chai'

import {escapeJsonString, escapeXml, stripNonXmlChars} from '../../src/render/escape.js'

describe('render/escape', () => {
  it('escapeXml escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">&'</a>]]>`)).to.equal('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;]]&gt;')
  })

  it('stripNonXmlChars drops control characters, lone surrogates and U+FFFE/U+FFFF but keeps TAB, LF, CR and astral chars', () => {
    expect(stripNonXmlChars('a\u0000b\u0001c\u0008\u000B\u000C\u001Fd\t\n\re\uD800f\uFFFE\uFFFF🚧')).to.equal('abcd\t\n\ref🚧')
  })

  it('escapeJsonString gives the inside of a JSON string that parses back to the input', () => {
    const input = 'quote " backslash \\ newline \n nul \u0000 sep \u2028 tag </script> emoji 🚧'
    const escaped = escapeJsonString(input)
    expect(escaped).not.to.match(/[<>\u2028\u2029\p{Cc}]/u)
    expect(JSON.parse(`"${escaped}"`)).to.equal(input)
  })
})
