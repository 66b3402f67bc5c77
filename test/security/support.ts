/**
 * The hostile-tenant harness: one in-process API server with two tenants. The victim ("shop") has a window that
 * starts and ends within one pass; the attacker ("mallory") has edit rights in its own namespace only and writes
 * whatever it likes there. Every attack test runs one CronJob-like pass (-A, a horizon) on a fake clock and checks
 * the promises of issue 12: the victim's window switches and restores on time, the pass ends within 30 s of CPU time
 * (this process's: the engine and the in-process API server; wall time would also count whatever else the machine
 * runs), nothing the engine did not create is deleted, and the attacker gets a Warning Event that says why.
 */
import {expect} from 'chai'

import {KubeClient} from '../../src/kube/client.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {KubeConfig} from '@kubernetes/client-node'
import {type PassReport, reconcile} from '../../src/kube/reconcile.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'
import {shopTargets} from '../fixtures/targets.js'
import {FakeClock, type Obj, PREFIX, rfc3339} from '../reliability/support.js'

export const VICTIM = 'shop'
export const ATTACKER = 'mallory'
/** The victim's window opens this long after the pass starts and lasts WINDOW_MS. */
export const START_AFTER_MS = 5000
export const WINDOW_MS = 15_000
/** What "on time" means for a transition on the fake clock. */
export const ON_TIME_MS = 1000
/** The CPU time one pass may take, whatever the attacker wrote. */
export const PASS_BUDGET_MS = 30_000

export type Event = Obj & {reason?: string; type?: string; message?: string; count?: number; involvedObject?: {kind?: string; name?: string}}

export function windowIn(namespace: string, name: string, targets: string[], start: number, end: number, message = 'Upgrading the database'): Obj {
  return {
    apiVersion: 'v1',
    data: {message},
    kind: 'ConfigMap',
    metadata: {
      annotations: {
        [`${PREFIX}end`]: rfc3339(end),
        [`${PREFIX}page`]: 'default',
        [`${PREFIX}start`]: rfc3339(start),
        [`${PREFIX}targets`]: targets.join(','),
        [`${PREFIX}timezone`]: 'UTC',
      },
      labels: {'app.kubernetes.io/managed-by': 'kubectl-maintenance', [`${PREFIX}role`]: 'window'},
      name,
      namespace,
    },
  }
}

/** CPU time (user + system, ms) this process has spent since `start` (a process.cpuUsage() reading). */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const spent = process.cpuUsage(start)
  return (spent.user + spent.system) / 1000
}

export interface PassOutcome {
  report: PassReport
  /** Each change with the fake-clock time it was made at. */
  changes: Array<{at: number; line: string}>
  /** CPU time (user + system) this process spent during the pass. */
  cpuMs: number
  threw?: Error
}

export class Tenancy {
  readonly clock: FakeClock
  readonly t0: number

  private constructor(readonly server: ApiServer) {
    // Windows are stored to the second: start the fake clock on one.
    this.t0 = Math.ceil(Date.now() / 1000) * 1000
    this.clock = new FakeClock(this.t0)
  }

  /** Both tenants with the shop targets of all four kinds; the victim has a window due within the pass. */
  static async start(): Promise<Tenancy> {
    const server = await startApiServer({readyDelayMs: 0})
    server.seed(...shopTargets(VICTIM), ...shopTargets(ATTACKER))
    const tenancy = new Tenancy(server)
    server.seed(windowIn(VICTIM, 'db-upgrade', ['ingress/shop', 'service/db'], tenancy.t0 + START_AFTER_MS, tenancy.t0 + START_AFTER_MS + WINDOW_MS))
    return tenancy
  }

  client(): KubeClient {
    const loaded = readConfig(KubeConfig, {kubeconfig: this.server.kubeconfigPath, namespace: VICTIM})
    return new KubeClient(loaded.config, loaded.namespace, loaded.contextName, {attempts: 3, baseDelayMs: 1, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms))})
  }

  /** One CronJob pass: every namespace, a horizon that covers the victim's window. */
  async pass(horizonMs = START_AFTER_MS + WINDOW_MS + 5000): Promise<PassOutcome> {
    const changes: PassOutcome['changes'] = []
    const started = process.cpuUsage()
    let report: PassReport = {changes: [], errors: [], planned: [], waitingOn: []}
    let threw: Error | undefined
    try {
      report = await reconcile(this.client(), {
        clock: this.clock,
        horizonMs,
        onChange: (line) => changes.push({at: this.clock.now(), line}),
        waitForTransitions: true,
      })
    } catch (error) {
      threw = error as Error
    }
    return {changes, cpuMs: cpuMsSince(started), report, threw}
  }

  /**
   * The backends the pass creates become ready when the pass's clock reaches `at`, not after some real time: how
   * many polls the pass makes before then is the same on a fast machine and a loaded one.
   */
  backendsReadyAt(at: number): void {
    this.server.setReadyDelay(Number.POSITIVE_INFINITY)
    this.clock.at(at, async () => {
      this.server.setReadyDelay(0)
      const backends = () => this.server.objects('apps/v1', 'Deployment').filter((d) => (d as Obj).metadata.labels?.[`${PREFIX}role`] === 'backend') as Array<Obj & {status?: {readyReplicas?: number}}>
      for (let tick = 0; backends().some((d) => d.status?.readyReplicas === undefined); tick++) {
        if (tick > 1000) throw new Error('backends did not become ready after setReadyDelay(0)')
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
    })
  }

  object(apiVersion: string, kind: string, namespace: string, name: string): Obj | undefined {
    return this.server.object(apiVersion, kind, namespace, name) as Obj | undefined
  }

  objects(apiVersion: string, kind: string, namespace: string): Obj[] {
    return this.server.objects(apiVersion, kind, namespace) as Obj[]
  }

  events(namespace: string): Event[] {
    return this.server.objects('v1', 'Event', namespace) as Event[]
  }

  warnings(namespace: string): Event[] {
    return this.events(namespace).filter((event) => event.type === 'Warning')
  }

  phase(namespace: string, window: string): string | undefined {
    return this.object('v1', 'ConfigMap', namespace, window)?.metadata.annotations?.[`${PREFIX}phase`]
  }

  /** Names of every object of these kinds in a namespace, to compare before and after a pass. */
  inventory(namespace: string): string[] {
    const kinds: Array<[string, string]> = [
      ['v1', 'ConfigMap'],
      ['v1', 'Service'],
      ['apps/v1', 'Deployment'],
      ['networking.k8s.io/v1', 'Ingress'],
    ]
    return kinds.flatMap(([apiVersion, kind]) => this.objects(apiVersion, kind, namespace).map((o) => `${kind}/${o.metadata.name}#${String((o.metadata as {uid?: string}).uid)}`)).sort()
  }

  close(): Promise<void> {
    return this.server.close()
  }
}

/**
 * The victim's promises: its window went Active at its start and Completed at its end, both within ON_TIME_MS on the
 * fake clock, its targets are restored, and the pass took less than PASS_BUDGET_MS of CPU time.
 */
export function expectVictimServedOnTime(tenancy: Tenancy, outcome: PassOutcome): void {
  expect(outcome.threw, `the pass threw: ${outcome.threw?.stack}`).to.equal(undefined)
  expect(outcome.cpuMs, 'CPU time of the pass').to.be.below(PASS_BUDGET_MS)
  const start = tenancy.t0 + START_AFTER_MS
  const end = start + WINDOW_MS
  const switched = outcome.changes.find((change) => change.line.startsWith(`${VICTIM}/ingress/shop switched`))
  const restored = outcome.changes.find((change) => change.line.startsWith(`${VICTIM}/ingress/shop restored`))
  expect(switched, `victim switched; changes: ${outcome.changes.map((c) => c.line).join(' | ')}`).to.not.equal(undefined)
  expect(switched!.at - start, 'switch lateness (ms)').to.be.within(0, ON_TIME_MS)
  expect(restored, 'victim restored').to.not.equal(undefined)
  expect(restored!.at - end, 'restore lateness (ms)').to.be.within(0, ON_TIME_MS)
  expect(tenancy.phase(VICTIM, 'db-upgrade')).to.equal('Completed')
  const ingress = tenancy.object('networking.k8s.io/v1', 'Ingress', VICTIM, 'shop')!
  expect(ingress.metadata.annotations?.[`${PREFIX}original`]).to.equal(undefined)
  expect(JSON.stringify(ingress.spec)).to.include('shop-web')
}

/** The attacker was told: a Warning Event in its namespace whose message matches `why`. */
export function expectWarning(tenancy: Tenancy, why: RegExp): Event {
  const warnings = tenancy.warnings(ATTACKER)
  const match = warnings.find((event) => why.test(event.message ?? ''))
  expect(match, `a Warning matching ${why}; got: ${warnings.map((e) => `${e.reason}: ${e.message}`).join(' | ')}`).to.not.equal(undefined)
  return match!
}

/**
 * A fresh Tenancy for each test of the describe block this is called in, closed after the test. Hooks the block adds
 * after this call run after the Tenancy has started. Call the returned function inside a test for the current one.
 */
export function useTenancy(): () => Tenancy {
  let current: Tenancy | undefined
  beforeEach(async () => {
    current = await Tenancy.start()
  })
  afterEach(async () => {
    await current?.close()
    current = undefined
  })
  return () => {
    if (!current) throw new Error('useTenancy(): the Tenancy exists only inside a test of the block that called useTenancy()')
    return current
  }
}
