import {expect} from 'chai'

import {
  ALL_REFS,
  FakeClock,
  KINDS,
  NS,
  ORIGINAL,
  Resources,
  Shop,
  clientFor,
  convergenceProblems,
  driftedIngressRules,
  expectSafe,
  pass,
  rfc3339,
  windowConfigMap,
} from './support.js'

const WINDOW = 'db-upgrade'
const LEAD_MS = 60_000
const MAX_CLEAN_PASSES = 3

interface LifecycleRun {
  /** Requests the engine's passes made (edits by "someone else" not counted). */
  engineRequests: number
  passesThatThrew: number
  /** Whether a target was in maintenance after some pass: the crash hit a switched cluster. */
  sawMaintenance: boolean
}

/**
 * The whole life of a window, each step a separate engine pass as the CronJob would run them:
 * schedule -> pre-provision -> switch 4 kinds at start -> drift by someone else -> re-switch -> end -> restore + GC.
 * With `failAfter`, the API server fails every request of the engine after its k-th (counted from the first pass);
 * the other party's edits always go through, as they come from elsewhere.
 */
async function runLifecycle(shop: Shop, clock: FakeClock, failAfter?: number): Promise<LifecycleRun> {
  const {server} = shop
  const run: LifecycleRun = {engineRequests: 0, passesThatThrew: 0, sawMaintenance: false}
  const start = clock.now() + LEAD_MS
  server.seed(windowConfigMap(WINDOW, ALL_REFS, start, start + 3_600_000))

  const enginePass = async (step: string) => {
    const before = server.requests.length
    if (failAfter !== undefined) server.faults.failAfter(Math.max(0, failAfter - run.engineRequests))
    try {
      await pass(clientFor(server.kubeconfigPath, {sleep: (ms) => clock.sleep(ms)}), {clock, horizonMs: 2000})
    } catch {
      run.passesThatThrew++
    } finally {
      server.faults.clear()
      run.engineRequests += server.requests.length - before
    }
    expectSafe(shop, `k=${failAfter ?? 'none'}, after the ${step} pass`)
    if (KINDS.some((kind) => shop.target(kind)?.metadata.annotations?.[ORIGINAL] !== undefined)) run.sawMaintenance = true
  }

  await enginePass('pre-provision')
  clock.current = start
  await enginePass('switch')
  const ingress = shop.target(KINDS[0])!
  await shop.edit(server.kubeconfigPath, Resources.ingresses, 'shop', {spec: {rules: driftedIngressRules(ingress, 'shop-web-v2')}})
  clock.advance(1000)
  await enginePass('re-switch')
  clock.advance(1000)
  await shop.setEnd(server.kubeconfigPath, WINDOW, clock.now() - 500)
  await enginePass('restore')
  return run
}

/** What every target must be at the end: its original, with the drifted path's new value as that path's original. */
function expectedSpecs(shop: Shop): Record<string, unknown> {
  const specs = shop.specs()
  const ingress = shop.target(KINDS[0])!
  specs['ingress/shop'] = {...ingress.spec, rules: driftedIngressRules(ingress, 'shop-web-v2')}
  return specs
}

/**
 * The window's history must hold exactly one entry per phase change that reached the API server (a successful write
 * of the phase annotation), in order: nothing lost, nothing repeated, whatever request the crash hit.
 */
function historyProblems(shop: Shop, k: number | string): string[] {
  const path = `/api/v1/namespaces/${NS}/configmaps/${WINDOW}`
  const written = shop.server.requests
    .filter((entry) => entry.method === 'PATCH' && entry.path === path && entry.status < 300 && !entry.dryRun)
    .map((entry) => (entry.body as {metadata?: {annotations?: Record<string, string>}} | undefined)?.metadata?.annotations?.['kubectl-maintenance.io/phase'])
    .filter((phase): phase is string => phase !== undefined)
  const window = shop.server.object('v1', 'ConfigMap', NS, WINDOW) as {data?: {history?: string}}
  const history = (JSON.parse(window.data?.history ?? '[]') as Array<{phase: string; by: string}>).map((entry) => entry.phase)
  const problems: string[] = []
  if (JSON.stringify(history) !== JSON.stringify(written)) problems.push(`k=${k}: history ${history.join(' > ')} but the phase writes were ${written.join(' > ')}`)
  if (history.at(-1) !== 'Completed') problems.push(`k=${k}: history ends with ${history.at(-1)}, not Completed`)
  return problems
}

function startOfNextSecond(): number {
  return Math.ceil(Date.now() / 1000) * 1000
}

describe('crash anywhere in a full lifecycle, then converge', function () {
  this.timeout(600_000)

  it('keeps every target restorable after every pass and converges within 3 clean passes, for every k', async () => {
    const clean = await Shop.start()
    const expected = expectedSpecs(clean)
    const baseline = await runLifecycle(clean, new FakeClock(startOfNextSecond()))
    expect(baseline.passesThatThrew).to.equal(0)
    expect(convergenceProblems(clean, expected, {[WINDOW]: 'Completed'}), 'a clean lifecycle converges by itself').to.deep.equal([])
    expect(clean.events('MaintenanceStarted').length, 'the clean lifecycle switched').to.be.greaterThan(0)
    expect(historyProblems(clean, 'none')).to.deep.equal([])
    await clean.close()

    let tried = 0
    let mostCleanPasses = 0
    let crashedInMaintenance = 0
    for (let k = 0; k <= baseline.engineRequests; k++) {
      const shop = await Shop.start()
      const clock = new FakeClock(startOfNextSecond())
      try {
        const run = await runLifecycle(shop, clock, k)
        if (run.sawMaintenance) crashedInMaintenance++
        let problems = convergenceProblems(shop, expected, {[WINDOW]: 'Completed'})
        let cleanPasses = 0
        while (problems.length > 0 && cleanPasses < MAX_CLEAN_PASSES) {
          clock.advance(1000)
          cleanPasses++
          const report = await pass(clientFor(shop.server.kubeconfigPath, {sleep: (ms) => clock.sleep(ms)}), {clock, horizonMs: 2000})
          expect(report.errors, `k=${k}, clean pass ${cleanPasses}`).to.deep.equal([])
          expectSafe(shop, `k=${k}, after clean pass ${cleanPasses}`)
          problems = convergenceProblems(shop, expected, {[WINDOW]: 'Completed'})
        }
        expect(problems, `k=${k}: not converged after ${MAX_CLEAN_PASSES} clean passes (window ${rfc3339(clock.now())})`).to.deep.equal([])
        expect(historyProblems(shop, k)).to.deep.equal([])
        mostCleanPasses = Math.max(mostCleanPasses, cleanPasses)
        tried++
      } finally {
        await shop.close()
      }
    }
    console.log(
      `      crash sweep: ${tried} values of k tried (0..${baseline.engineRequests}, the request count of a clean lifecycle); ` +
        `${crashedInMaintenance} of them with targets in maintenance; at most ${mostCleanPasses} clean pass(es) needed to converge`,
    )
    expect(tried).to.equal(baseline.engineRequests + 1)
    expect(crashedInMaintenance, 'the sweep reaches the switched state').to.be.greaterThan(tried / 2)
  })
})
