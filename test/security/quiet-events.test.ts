import {expect} from 'chai'

import {PREFIX} from '../reliability/support.js'
import {ATTACKER, START_AFTER_MS, type Tenancy, VICTIM, WINDOW_MS, expectVictimServedOnTime, expectWarning, windowIn, useTenancy} from './support.js'

function ingress(name: string, annotations: Record<string, string>): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {annotations, labels: {[`${PREFIX}active`]: 'true'}, name, namespace: ATTACKER},
    spec: {defaultBackend: {service: {name: 'maintenance-0123456789', port: {number: 80}}}},
  }
}

const READY_AFTER_MS = 2000

/** A cluster-wide pass reads the backends (one Deployment list) each time it observes the cluster. */
function backendReads(tenancy: Tenancy): number {
  return tenancy.server.requests.filter((request) => request.method === 'GET' && request.path === '/apis/apps/v1/deployments').length
}

describe('security: one bad object while the pass polls', function () {
  this.timeout(60_000)
  const tenancy = useTenancy()

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
      tenancy().server.seed(object)
      // A window of the victim's that is due at once, whose backend becomes ready only 2 s into the pass (on the
      // pass's clock): the pass polls every 500 ms meanwhile, with the bad object there each time.
      tenancy().server.seed(windowIn(VICTIM, 'hotfix', ['ingressroute/api'], tenancy().t0, tenancy().t0 + START_AFTER_MS + WINDOW_MS, 'Hotfix'))
      let readsWhileWaiting = 0
      tenancy().clock.at(tenancy().t0 + READY_AFTER_MS, () => {
        readsWhileWaiting = backendReads(tenancy())
      })
      tenancy().backendsReadyAt(tenancy().t0 + READY_AFTER_MS)
      const first = await tenancy().pass()
      expect(readsWhileWaiting, 'reads of the cluster while the backend was not ready').to.be.at.least(READY_AFTER_MS / 500)
      const hotfix = first.changes.find((change) => change.line.startsWith(`${VICTIM}/ingressroute/api switched`))
      expect(hotfix?.at, 'the waiting window switched at the poll its backend became ready at').to.equal(tenancy().t0 + READY_AFTER_MS)
      expectVictimServedOnTime(tenancy(), first)
      const warning = expectWarning(tenancy(), why)
      expect(warning.involvedObject?.name).to.equal('noisy')
      const aboutNoisy = () => tenancy().events(ATTACKER).filter((event) => event.involvedObject?.name === 'noisy')
      expect(aboutNoisy(), 'Events about the bad object after one pass').to.have.length(1)
      expect(aboutNoisy()[0].count).to.equal(1)

      const second = await tenancy().pass(0)
      expect(second.report.errors.join('\n')).to.match(/noisy/)
      expect(aboutNoisy(), 'Events about the bad object after two passes').to.have.length(1)
      expect(aboutNoisy()[0].count).to.equal(2)
      expect((aboutNoisy()[0] as {lastTimestamp?: string}).lastTimestamp).to.be.a('string')
    })
  }
})
