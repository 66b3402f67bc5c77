import {expect} from 'chai'

import {PREFIX} from '../reliability/support.js'
import {ATTACKER, type Tenancy, Tenancy as Harness, expectVictimServedOnTime, expectWarning} from './support.js'

function ingress(name: string, annotations: Record<string, string>): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {annotations, labels: {[`${PREFIX}active`]: 'true'}, name, namespace: ATTACKER},
    spec: {defaultBackend: {service: {name: 'maintenance-0123456789', port: {number: 80}}}},
  }
}

describe('security: one bad object while the pass polls', function () {
  this.timeout(60_000)
  let tenancy: Tenancy

  beforeEach(async () => {
    tenancy = await Harness.start()
  })

  afterEach(async () => {
    await tenancy.close()
  })

  const inputs: Array<[string, object, RegExp]> = [
    ['an original that is not JSON', ingress('noisy', {[`${PREFIX}backend`]: 'maintenance-0123456789', [`${PREFIX}original`]: '{"defaultBackend":'}), /not valid JSON/],
    [
      'an original of the wrong shape',
      ingress('noisy', {[`${PREFIX}backend`]: 'maintenance-0123456789', [`${PREFIX}original`]: JSON.stringify([{defaultBackend: 'payments'}])}),
      /cannot restore ingress\/noisy: original must be an object/,
    ],
  ]

  for (const [what, object, why] of inputs) {
    it(`is one Warning Event whose count grows, not one per poll (${what})`, async () => {
      tenancy.server.seed(object)
      // Backends take a moment to become ready, so the pass polls every 500 ms while the bad object is there.
      tenancy.server.setReadyDelay(30)
      const first = await tenancy.pass()
      expectVictimServedOnTime(tenancy, first)
      const warning = expectWarning(tenancy, why)
      expect(warning.involvedObject?.name).to.equal('noisy')
      const aboutNoisy = () => tenancy.events(ATTACKER).filter((event) => event.involvedObject?.name === 'noisy')
      expect(aboutNoisy(), 'Events about the bad object after one pass').to.have.length(1)
      expect(aboutNoisy()[0].count).to.equal(1)

      const second = await tenancy.pass(0)
      expect(second.report.errors.join('\n')).to.match(/noisy/)
      expect(aboutNoisy(), 'Events about the bad object after two passes').to.have.length(1)
      expect(aboutNoisy()[0].count).to.equal(2)
      expect((aboutNoisy()[0] as {lastTimestamp?: string}).lastTimestamp).to.be.a('string')
    })
  }
})
