import {expect} from 'chai'

import {xmlWellFormednessProblem} from '../../src/render/xml-check.js'

describe('render/xml-check', () => {
  const wellFormed = [
    '<?xml version="1.0" encoding="UTF-8"?>\n<maintenance><status>maintenance</status></maintenance>\n',
    '<a x="1" y=\'&amp;&#38;&#x26;\'><!-- c --><b/><![CDATA[ <not> & markup ]]><?pi data?>text &lt;&gt;&quot;&apos;</a>',
    '<ü:root xmlns:ü="urn:x">🚧 עברית</ü:root>',
  ]
  for (const text of wellFormed) {
    it(`accepts ${JSON.stringify(text.slice(0, 50))}`, () => {
      expect(xmlWellFormednessProblem(text)).to.equal(undefined)
    })
  }

  const malformed: Array<[string, string]> = [
    ['<a><b></a></b>', '1:10: unexpected close tag'],
    ['<a>x & y</a>', '1:12'],
    ['<a>x < y</a>', 'disallowed character in tag name'],
    ['<a>]]></a>', 'the string "]]>" is disallowed in char data'],
    ['<a x=1/>', 'unquoted attribute value'],
    ['<a x="1" x="2"/>', 'duplicate attribute: x'],
    ['<a>\u0001</a>', 'disallowed character'],
    ['<a>&#0;</a>', 'malformed character entity'],
    ['<a/><b/>', 'documents may contain only one root'],
    ['<a>', 'unclosed tag: a'],
    ['  <?xml version="1.0"?><a/>', 'an XML declaration must be at the start of the document'],
    ['<a><!-- a -- b --></a>', 'malformed comment'],
    ['text', 'text data outside of root node'],
  ]
  for (const [text, problem] of malformed) {
    it(`refuses ${JSON.stringify(text)}: ${problem}`, () => {
      expect(xmlWellFormednessProblem(text)).to.include(problem)
    })
  }
})
