import {expect} from 'chai'

import {PREFIX} from '../reliability/support.js'
import {ATTACKER, START_AFTER_MS, VICTIM, WINDOW_MS, expectVictimServedOnTime, expectWarning, windowIn, useTenancy} from './support.js'

const INSTALL_NS = 'kubectl-maintenance'

function installConfig(data: Record<string, string>): object[] {
  return [
    {apiVersion: 'v1', kind: 'Namespace', metadata: {name: INSTALL_NS}},
    {apiVersion: 'v1', data, kind: 'ConfigMap', metadata: {labels: {'app.kubernetes.io/managed-by': 'kubectl-maintenance'}, name: 'kubectl-maintenance-config', namespace: INSTALL_NS}},
  ]
}

describe('security: caps on what one namespace costs', function () {
  this.timeout(60_000)
  const tenancy = useTenancy()

  const backendDeployments = () =>
    tenancy().server.writes().filter((w) => w.method === 'POST' && w.path.endsWith(`/namespaces/${ATTACKER}/deployments`) && w.status === 201).length

  const inputs: Array<[string, (start: number) => number]> = [
    ['25 windows in progress with distinct messages', (start) => start],
    ['25 windows starting within the lead time (backends made ahead)', (start) => start + 60_000],
  ]

  for (const [what, startOf] of inputs) {
    it(`makes at most the default 10 backends per namespace (${what}) and fails the rest with why`, async () => {
      const start = startOf(tenancy().t0 + START_AFTER_MS)
      for (let i = 0; i < 25; i++) {
        tenancy().server.seed(windowIn(ATTACKER, `flood-${String(i).padStart(2, '0')}`, ['ingress/shop'], start, start + WINDOW_MS, `message number ${i}`))
      }
      tenancy().server.clearLog()
      const outcome = await tenancy().pass()
      expectVictimServedOnTime(tenancy(), outcome)
      expect(backendDeployments(), 'backend Deployments created in the attacker namespace').to.be.at.most(10)
      const failed = Array.from({length: 25}, (_, i) => `flood-${String(i).padStart(2, '0')}`).filter((name) => tenancy().phase(ATTACKER, name) === 'Failed')
      expect(failed, 'windows beyond the cap').to.have.length(15)
      expectWarning(tenancy(), /namespace mallory already has 10 maintenance backends, the most one namespace may have \(install --max-backends 10\)/)
    })
  }

  it('honours install --max-backends from the kubectl-maintenance-config ConfigMap', async () => {
    tenancy().server.seed(...installConfig({'max-backends': '3'}))
    const start = tenancy().t0 + START_AFTER_MS
    for (let i = 0; i < 6; i++) tenancy().server.seed(windowIn(ATTACKER, `flood-${i}`, ['ingress/shop'], start, start + WINDOW_MS, `message ${i}`))
    tenancy().server.clearLog()
    const outcome = await tenancy().pass()
    expectVictimServedOnTime(tenancy(), outcome)
    expect(backendDeployments()).to.equal(3)
    expectWarning(tenancy(), /already has 3 maintenance backends.*--max-backends 3/)
  })

  it('serves only the namespaces install --namespace-selector chooses', async () => {
    tenancy().server.seed(...installConfig({'max-backends': '10', 'namespace-selector': 'maintenance=on'}))
    const namespace = tenancy().object('v1', 'Namespace', '', VICTIM) as unknown as {metadata: Record<string, unknown>}
    expect(namespace).to.not.equal(undefined)
    await tenancy().client().patch({group: '', kind: 'Namespace', namespaced: false, plural: 'namespaces', version: 'v1'}, undefined, VICTIM, 'merge', {
      metadata: {labels: {maintenance: 'on'}},
    })
    const start = tenancy().t0 + START_AFTER_MS
    tenancy().server.seed(windowIn(ATTACKER, 'ignored', ['ingress/shop'], start, start + WINDOW_MS))
    tenancy().server.clearLog()
    const outcome = await tenancy().pass()
    expectVictimServedOnTime(tenancy(), outcome)
    expect(tenancy().server.writes().filter((w) => w.path.includes(`/namespaces/${ATTACKER}/`)), 'nothing written in an unselected namespace').to.deep.equal([])
    expect(tenancy().phase(ATTACKER, 'ignored')).to.equal(undefined)
    expect(tenancy().object('networking.k8s.io/v1', 'Ingress', ATTACKER, 'shop')!.metadata.annotations?.[`${PREFIX}original`]).to.equal(undefined)
  })
})
