import {expect} from 'chai'

import {
  ALL_REFS,
  FakeClock,
  type FaultProxy,
  KINDS,
  ORIGINAL,
  RecordingSleep,
  Resources,
  Shop,
  clientFor,
  convergenceProblems,
  driftedIngressRules,
  expectSafe,
  pass,
  seedCountFromEnv,
  seedFromEnv,
  startFaultProxy,
  windowConfigMap,
} from './support.js'

const WINDOW = 'db-upgrade'
const RATE = 0.2
const MAX_PASSES = 3
/** The product's own retry count; only the delays are shortened (and slept at once). */
const ATTEMPTS = 5

interface RunResult {
  notes: string[]
  passes: Record<string, number>
  proxy: FaultProxy
  sleeps: number[]
}

interface Step {
  name: string
  /** What is still missing for this step to be done; empty when it is. */
  missing: () => string[]
}

/**
 * The lifecycle of the crash sweep, with every request of the engine going through a proxy that fails RATE of them
 * with `statuses` the whole time. Each step must be reached within MAX_PASSES passes, and every pass must leave every
 * target restorable. Returns the passes each step took.
 */
async function lifecycleUnderFaults(statuses: number[], seed: number): Promise<RunResult> {
  const shop = await Shop.start()
  const proxy = await startFaultProxy(shop.server.url)
  const sleep = new RecordingSleep()
  try {
    const clock = new FakeClock(Math.ceil(Date.now() / 1000) * 1000)
    const ingress = shop.target(KINDS[0])!
    const expected = {...shop.specs(), 'ingress/shop': {...ingress.spec, rules: driftedIngressRules(ingress, 'shop-web-v2')}}
    const start = clock.now() + 60_000
    shop.server.seed(windowConfigMap(WINDOW, ALL_REFS, start, start + 3_600_000))
    proxy.setPlan({committedFailures: 0.5, rate: RATE, seed, statuses})

    const passes: Record<string, number> = {}
    /** Why a step needed another pass: printed with the seed, so a slow convergence is explained. */
    const notes: string[] = []
    const reach = async (step: Step) => {
      for (let count = 1; count <= MAX_PASSES; count++) {
        const errors = await pass(clientFor(proxy.kubeconfigPath, {attempts: ATTEMPTS, sleep: sleep.sleep}), {clock, horizonMs: 2000}).then(
          (report) => report.errors,
          (error: Error) => [`the pass stopped: ${error.message}`],
        )
        expectSafe(shop, `seed ${seed}, ${step.name} pass ${count}`)
        if (step.missing().length === 0) {
          passes[step.name] = count
          return
        }
        notes.push(`${step.name} pass ${count} left ${step.missing().join(', ')}${errors.length > 0 ? ` (${errors[0].slice(0, 160)})` : ''}`)
        clock.advance(1000)
      }
      expect(step.missing(), `seed ${seed}: ${step.name} not reached in ${MAX_PASSES} passes`).to.deep.equal([])
    }
    const switched = () => KINDS.filter((kind) => shop.target(kind)?.metadata.annotations?.[ORIGINAL] === undefined).map((kind) => `${kind.ref} not switched`)

    await reach({missing: () => (shop.backendObjects().length === 3 ? [] : [`backend objects: ${shop.backendObjects().join(', ')}`]), name: 'pre-provision'})
    clock.current = start
    await reach({missing: () => [...switched(), ...(shop.phase(WINDOW) === 'Active' ? [] : [`window ${shop.phase(WINDOW)}`])], name: 'switch'})
    await shop.edit(shop.server.kubeconfigPath, Resources.ingresses, 'shop', {spec: {rules: driftedIngressRules(shop.target(KINDS[0])!, 'shop-web-v2')}})
    clock.advance(1000)
    await reach({
      missing: () => {
        const object = shop.target(KINDS[0])!
        return JSON.stringify(object.spec).includes('shop-web-v2') || !object.metadata.annotations?.[ORIGINAL]?.includes('shop-web-v2') ? ['drift not re-switched'] : []
      },
      name: 're-switch',
    })
    clock.advance(1000)
    await shop.setEnd(shop.server.kubeconfigPath, WINDOW, clock.now() - 500)
    await reach({missing: () => convergenceProblems(shop, expected, {[WINDOW]: 'Completed'}), name: 'restore'})
    return {notes, passes, proxy, sleeps: sleep.delays}
  } finally {
    await proxy.close()
    await shop.close()
  }
}

function describeRun(seed: number, result: RunResult): string {
  const injected = Object.entries(result.proxy.injected)
    .map(([status, count]) => `${count}x${status}`)
    .join(' ')
  const passes = Object.entries(result.passes)
    .map(([step, count]) => `${step} ${count}`)
    .join(', ')
  const notes = result.notes.map((note) => `\n        ${note}`).join('')
  return `seed ${seed}: ${result.proxy.requests} requests, injected ${injected || 'none'}; passes per step: ${passes}${notes}`
}

describe('transient API failures: retried within the pass, converged within 3 passes', function () {
  const seeds = seedCountFromEnv(1)
  this.timeout(30_000 + seeds * 10_000)

  const cases: Array<{name: string; statuses: number[]; seed: number}> = [
    {name: '500 Internal Error (half of the failed writes were carried out)', seed: 5001, statuses: [500]},
    {name: '429 Too Many Requests with Retry-After', seed: 4291, statuses: [429]},
    {name: '409 Conflict on writes', seed: 4091, statuses: [409]},
    {name: 'a mix of 500, 429 and 409', seed: 7001, statuses: [500, 429, 409]},
  ]

  for (const {name, seed: defaultSeed, statuses} of cases) {
    it(`${name}: ${Math.round(RATE * 100)}% of requests`, async () => {
      const first = seedFromEnv(defaultSeed)
      for (let seed = first; seed < first + seeds; seed++) {
        const result = await lifecycleUnderFaults(statuses, seed)
        console.log(`      ${describeRun(seed, result)}`)
        const injected = Object.values(result.proxy.injected).reduce((sum, count) => sum + count, 0)
        expect(injected, 'faults were injected').to.be.greaterThan(0)
        if ((result.proxy.injected[500] ?? 0) + (result.proxy.injected[429] ?? 0) > 0) {
          expect(result.sleeps.length, 'retried with backoff within the pass').to.be.greaterThan(0)
        }
        if ((result.proxy.injected[429] ?? 0) > 0) {
          expect(Math.max(...result.sleeps), 'Retry-After: 1 is honoured').to.be.at.least(1000)
        }
      }
    })
  }
})
