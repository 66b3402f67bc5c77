import {expect} from 'chai'

import {contactHref} from '../../src/render/contact.js'

describe('render/contact', () => {
  const cases: Array<[string | undefined, string]> = [
    ['ops@example.com', 'mailto:ops@example.com'],
    ['  Ops.Team+maint@Example.COM ', 'mailto:Ops.Team+maint@example.com'],
    ['mailto:ops@example.com', 'mailto:ops@example.com'],
    ['https://status.example.com/incidents?id=1&x=2', 'https://status.example.com/incidents?id=1&x=2'],
    ['http://status.example.com', 'http://status.example.com/'],
    ['+49 30 1234-5678', 'tel:+493012345678'],
    ['javascript:alert(1)', ''],
    ['JavaScript:alert(document.cookie)//ops@example.com', ''],
    ['data:text/html,<script>alert(1)</script>', ''],
    ['https://example.com/"><script>alert(1)</script>', ''],
    ['ops@example.com?subject=<x>', ''],
    ['call the on-call engineer', ''],
    ['', ''],
    [undefined, ''],
  ]
  for (const [contact, href] of cases) {
    it(`${JSON.stringify(contact)} -> ${JSON.stringify(href)}`, () => {
      expect(contactHref(contact)).to.equal(href)
    })
  }
})
