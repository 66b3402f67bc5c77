import {expect} from 'chai'

import {jsonDepth, parseBoundedJson} from '../../src/model/bounded-json.js'

describe('parseBoundedJson', () => {
  const limits = {maxBytes: 1000, maxDepth: 4}

  it('parses JSON within the limits', () => {
    expect(parseBoundedJson('{"a":[{"b":[1]}]}', limits)).to.deep.equal({ok: true, value: {a: [{b: [1]}]}})
  })

  it('measures nesting outside strings only, escapes included', () => {
    expect(jsonDepth('"[[[[[["')).to.equal(0)
    expect(jsonDepth(String.raw`["\"[[[[", [[1]]]`)).to.equal(3)
    expect(jsonDepth('{"a":{"b":{}}}')).to.equal(3)
  })

  const refused: Array<[string, string, RegExp]> = [
    ['too deep arrays', '[[[[[1]]]]]', /nests deeper than 4 levels/],
    ['too deep objects', '{"a":{"a":{"a":{"a":{"a":1}}}}}', /nests deeper than 4 levels/],
    ['500 brackets, unbalanced', '['.repeat(500), /nests deeper than 4 levels/],
    ['too big', `"${'x'.repeat(1000)}"`, /is 1002 bytes, more than the 1000 allowed/],
    ['too big in UTF-8 though short in UTF-16', `"${'é'.repeat(600)}"`, /is 1202 bytes/],
    ['not JSON', '{"a":', /not valid JSON/],
  ]
  for (const [what, text, problem] of refused) {
    it(`refuses ${what} and says which limit`, () => {
      const result = parseBoundedJson(text, limits)
      expect(result.ok).to.equal(false)
      if (!result.ok) expect(result.problem).to.match(problem)
    })
  }
})
