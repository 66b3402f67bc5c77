import {expect} from 'chai'

import type {TargetRef} from '../../src/model/target.js'

import {generateWindowName, validateWindowName} from '../../src/model/window-name.js'

const CHRISTMAS_EVE = Date.parse('2026-12-24T21:00:00Z') // 22:00 in Berlin, 16:00 in New York
const shop: TargetRef[] = [{kind: 'ingress', name: 'shop'}, {kind: 'service', name: 'web'}]

describe('model/window-name', () => {
  describe('generateWindowName', () => {
    it('is <kind>-<name>-<yyyymmdd-hhmm> of the first target, in the window\'s zone', () => {
      expect(generateWindowName(shop, CHRISTMAS_EVE, 'Europe/Berlin', new Set())).to.equal('ingress-shop-20261224-2200')
      expect(generateWindowName(shop, CHRISTMAS_EVE, 'America/New_York', new Set())).to.equal('ingress-shop-20261224-1600')
      expect(generateWindowName(shop, CHRISTMAS_EVE, 'Asia/Tokyo', new Set())).to.equal('ingress-shop-20261225-0600')
    })

    it('turns dots of a target name into dashes', () => {
      expect(generateWindowName([{kind: 'httproute', name: 'api.v2'}], CHRISTMAS_EVE, 'UTC', new Set())).to.equal('httproute-api-v2-20261224-2100')
    })

    it('shortens a long target name to fit 63 characters, never the date', () => {
      const name = generateWindowName([{kind: 'ingressroute', name: 'a'.repeat(200)}], CHRISTMAS_EVE, 'Europe/Berlin', new Set())
      expect(name).to.have.length(63)
      expect(name).to.match(/^ingressroute-a+-20261224-2200$/)
      expect(validateWindowName(name)).to.equal(undefined)
    })

    it('does not leave a dash where the cut falls', () => {
      // "ingress-" + 40 a's + "-": the cut after 49 characters ends on the dash, which is dropped.
      const name = generateWindowName([{kind: 'ingress', name: `${'a'.repeat(40)}-${'b'.repeat(30)}`}], CHRISTMAS_EVE, 'Europe/Berlin', new Set())
      expect(name).to.equal(`ingress-${'a'.repeat(40)}-20261224-2200`)
      expect(validateWindowName(name)).to.equal(undefined)
    })

    it('appends -2, -3... when the name is taken', () => {
      const taken = new Set(['ingress-shop-20261224-2200'])
      expect(generateWindowName(shop, CHRISTMAS_EVE, 'Europe/Berlin', taken)).to.equal('ingress-shop-20261224-2200-2')
      taken.add('ingress-shop-20261224-2200-2')
      expect(generateWindowName(shop, CHRISTMAS_EVE, 'Europe/Berlin', taken)).to.equal('ingress-shop-20261224-2200-3')
    })

    it('a taken long name still fits 63 characters with its suffix and keeps the date', () => {
      const targets: TargetRef[] = [{kind: 'service', name: 'x'.repeat(100)}]
      const first = generateWindowName(targets, CHRISTMAS_EVE, 'Europe/Berlin', new Set())
      const taken = new Set([first])
      for (let i = 2; i <= 11; i++) {
        const next = generateWindowName(targets, CHRISTMAS_EVE, 'Europe/Berlin', taken)
        expect(next).to.have.length.at.most(63)
        expect(next).to.match(new RegExp(`-20261224-2200-${i}$`))
        expect(validateWindowName(next)).to.equal(undefined)
        expect(taken.has(next)).to.equal(false)
        taken.add(next)
      }
    })
  })

  describe('validateWindowName', () => {
    it('accepts a DNS-1123 label', () => {
      expect(validateWindowName('ingress-shop-20261224-2200')).to.equal(undefined)
      expect(validateWindowName('a')).to.equal(undefined)
      expect(validateWindowName('x'.repeat(63))).to.equal(undefined)
    })

    const bad: Array<[string, string]> = [
      ['', 'window name is empty'],
      ['x'.repeat(64), 'has 64 characters; at most 63 are allowed'],
      ['Shop', 'is not a DNS-1123 label'],
      ['shop_window', 'is not a DNS-1123 label'],
      ['-shop', 'is not a DNS-1123 label'],
      ['shop-', 'is not a DNS-1123 label'],
      ['shop.window', 'is not a DNS-1123 label'],
    ]
    for (const [name, expected] of bad) {
      it(`refuses "${name.length > 20 ? `${name.slice(0, 10)}...` : name}"`, () => {
        expect(validateWindowName(name)).to.contain(expected)
      })
    }
  })
})
