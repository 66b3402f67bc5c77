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
    ['<a><b></a></b>', 'closing tag does not match <b>'],
    ['<a>x & y</a>', '"&" must start'],
    ['<a>x < y</a>', 'expected a name'],
    ['<a>]]></a>', '"]]>" in text'],
    ['<a x=1/>', 'attribute values must be quoted'],
    ['<a x="1" x="2"/>', 'attribute "x" given twice'],
    ['<a>\u0001</a>', 'character U+0001 is not allowed'],
    ['<a>&#0;</a>', 'character reference to a character XML does not allow'],
    ['<a/><b/>', 'content after the root element'],
    ['<a>', 'unexpected end of document'],
    ['  <?xml version="1.0"?><a/>', 'the XML declaration must come first'],
    ['<a><!-- a -- b --></a>', '"--" inside a comment'],
    ['text', 'expected the root element'],
  ]
  for (const [text, problem] of malformed) {
    it(`refuses ${JSON.stringify(text)}: ${problem}`, () => {
      expect(xmlWellFormednessProblem(text)).to.include(problem)
    })
  }
})
