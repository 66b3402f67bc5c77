import {expect} from 'chai'

import type {KubeClient} from '../../src/kube/client.js'

import {runCommand} from '../support/run-command.js'
import {
  ALL_REFS,
  KINDS,
  ORIGINAL,
  Shop,
  clientFor,
  convergenceProblems,
  expectSafe,
  pass,
  seedCountFromEnv,
  seedFromEnv,
  startFaultProxy,
  windowConfigMap,
} from './support.js'

const SCHEDULED = 'nightly'
const NOW_WINDOW = 'hotfix'
/** Seeded latency per request (ms) so that the two writers interleave differently for every seed. */
const LATENCY: [number, number] = [0, 12]

/** The original annotation a single pass writes on each kind: what any number of concurrent writers must agree on. */
async function referenceOriginals(): Promise<Record<string, unknown>> {
  const shop = await Shop.start()
  try {
    shop.server.seed(windowConfigMap('solo', ALL_REFS, Date.now() - 2000, Date.now() + 3_600_000))
    const report = await pass(clientFor(shop.server.kubeconfigPath))
    expect(report.errors).to.deep.equal([])
    return Object.fromEntries(KINDS.map((kind) => [kind.ref, JSON.parse(shop.target(kind)?.metadata.annotations?.[ORIGINAL] ?? 'null')]))
  } finally {
    await shop.close()
  }
}

/** No double switch: a stored original is exactly the one a single pass stores (the true original), never a backend. */
function expectTrueOriginals(shop: Shop, reference: Record<string, unknown>, context: string): void {
  expectSafe(shop, context)
  for (const kind of KINDS) {
    const stored = shop.target(kind)?.metadata.annotations?.[ORIGINAL]
    if (stored !== undefined) expect(JSON.parse(stored), `${context}: ${kind.ref} original`).to.deep.equal(reference[kind.ref])
  }
}

function cli(kubeconfig: string, ...argv: string[]): Promise<{stdout: string; stderr: string; exitCode: number}> {
  return runCommand([...argv, '--kubeconfig', kubeconfig, '-n', 'shop'])
}

describe('concurrent writers: `now` and the CronJob, two passes at once', function () {
  const seedCount = seedCountFromEnv(20)
  this.timeout(60_000 + seedCount * 10_000)
  let reference: Record<string, unknown>

  before(async () => {
    reference = await referenceOriginals()
  })

  it('lose no original, never double-switch and leave no orphan backend, over many seeds', async () => {
    const first = seedFromEnv(9000)
    const seeds = Array.from({length: seedCount}, (_, index) => first + index)
    console.log(`      seeds: ${seeds.join(', ')}`)
    let collisions = 0
    for (const seed of seeds) {
      const shop = await Shop.start()
      const proxy = await startFaultProxy(shop.server.url)
      const engine = (): KubeClient => clientFor(proxy.kubeconfigPath)
      try {
        proxy.setPlan({latencyMs: LATENCY, rate: 0, seed, statuses: [500]})
        const originals = shop.specs()
        const start = Math.floor(Date.now() / 1000) * 1000 - 2000
        shop.server.seed(windowConfigMap(SCHEDULED, ALL_REFS, start, start + 3_600_000))

        // The CronJob's pass while a user runs `now` on two of the same targets.
        const [now] = await Promise.all([cli(proxy.kubeconfigPath, 'now', 'ingress/shop', 'service/db', '--name', NOW_WINDOW, '--force', '--timeout', '20s'), pass(engine())])
        expect(now.exitCode, `seed ${seed}: now: ${now.stderr}`).to.equal(0)
        expectTrueOriginals(shop, reference, `seed ${seed}, now + reconcile`)

        // Two passes at once (a CronJob run overlapping a manual `reconcile`).
        const reports = await Promise.all([pass(engine()), pass(engine())])
        expect(reports.flatMap((report) => report.errors), `seed ${seed}`).to.deep.equal([])
        expectTrueOriginals(shop, reference, `seed ${seed}, two passes`)
        for (const kind of KINDS) expect(shop.target(kind)?.metadata.annotations?.[ORIGINAL], `seed ${seed}: ${kind.ref} in maintenance`).to.be.a('string')

        // `end` of one window while the CronJob ends the other.
        await shop.setEnd(shop.server.kubeconfigPath, SCHEDULED, Date.now())
        const [ended] = await Promise.all([cli(proxy.kubeconfigPath, 'end', NOW_WINDOW), pass(engine())])
        expect(ended.exitCode, `seed ${seed}: end: ${ended.stderr}`).to.equal(0)
        expectTrueOriginals(shop, reference, `seed ${seed}, end + reconcile`)

        collisions += shop.server.requests.filter((request) => request.method !== 'GET' && (request.status === 409 || request.status === 422)).length
        const final = await pass(engine())
        expect(final.errors, `seed ${seed}: final pass`).to.deep.equal([])
        expect(convergenceProblems(shop, originals, {[NOW_WINDOW]: 'Completed', [SCHEDULED]: 'Completed'}), `seed ${seed}`).to.deep.equal([])
      } finally {
        await proxy.close()
        await shop.close()
      }
    }
    console.log(`      ${collisions} writes were refused as stale or already done (the writers collided)`)
  })
})
