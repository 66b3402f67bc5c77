import {expect} from 'chai'

import {PREFIX} from '../reliability/support.js'
import {ATTACKER, VICTIM, expectVictimServedOnTime, expectWarning, useTenancy} from './support.js'

/** A marked Ingress of the attacker whose original is `text`, as if a window had switched it. */
function markedIngress(text: string): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      annotations: {[`${PREFIX}backend`]: 'maintenance-0123456789', [`${PREFIX}original`]: text, [`${PREFIX}window`]: 'gone'},
      labels: {[`${PREFIX}active`]: 'true'},
      name: 'trap',
      namespace: ATTACKER,
    },
    spec: {defaultBackend: {service: {name: 'maintenance-0123456789', port: {number: 80}}}},
  }
}

describe('security: a deeply nested original annotation', function () {
  this.timeout(60_000)
  const tenancy = useTenancy()

  const inputs: Array<[string, string]> = [
    ['5000 nested arrays', `${'['.repeat(5000)}${']'.repeat(5000)}`],
    ['3000 nested objects', `${'{"spec":'.repeat(3000)}1${'}'.repeat(3000)}`],
  ]

  for (const [what, text] of inputs) {
    it(`does not stop the pass (${what}): the victim is served on time, the attacker is told why`, async () => {
      expect(text.length).to.be.below(40_000)
      tenancy().server.seed(markedIngress(text))
      const outcome = await tenancy().pass()
      expectVictimServedOnTime(tenancy(), outcome)
      // The attacker's object is left as it is, and the pass says it could not do everything.
      const trap = tenancy().object('networking.k8s.io/v1', 'Ingress', ATTACKER, 'trap')!
      expect(trap.metadata.annotations?.[`${PREFIX}original`]).to.equal(text)
      expect(outcome.report.errors.join('\n')).to.match(/mallory.*ingress\/trap/)
      expectWarning(tenancy(), /original annotation.*nest(ed|s) deeper than/)
      expect(tenancy().phase(VICTIM, 'db-upgrade')).to.equal('Completed')
    })
  }
})
