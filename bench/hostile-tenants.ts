/**
 * (f) A pass with hostile tenants (issue 12), beside the same pass without them. Two tenants: the victim ("shop")
 * with an Ingress and a Service in an active window, the attacker ("mallory") with edit rights in its own namespace.
 * Three clusters, each measured the same way (two passes to settle, then MEASURED_PASSES passes in their own process,
 * peak RSS by /usr/bin/time):
 *   clean     the two tenants, nothing hostile;
 *   pages     + 120 unrelated page ConfigMaps of ~0.9 MB each in the attacker's namespace (target: peak RSS <= 200 MiB);
 *   hostile   + pages, a deeply nested original, a role=backend ConfigMap named like a platform Deployment, a planted
 *             maintenance-<hash> ConfigMap with its own nginx.conf, and 25 active windows with distinct messages.
 * The hostile pass exits 1 by design (it reports what it could not do); its exit code is recorded.
 */
import {loadavg} from 'node:os'

import {startApiServer} from '../test/support/apiserver.js'
import {describeCommand, runPass} from './cli-pass.js'
import {type KubeObject, ingress, pad, windowConfigMap} from './fixtures.js'
import {median, round} from './stats.js'

export const PEAK_RSS_TARGET_MIB = 200
const VICTIM = 'shop'
const ATTACKER = 'mallory'
const PAGES = 120
const PAGE_BYTES = 900 * 1024
const MEASURED_PASSES = 3
const SETTLE_PASSES = 2

export interface ScenarioResult {
  scenario: 'clean' | 'pages' | 'hostile'
  objects: number
  wallMs: {median: number; runs: number[]}
  maxRssMiB: {median: number; max: number}
  exitCodes: Array<number | null>
  /** The victim's Ingress is in maintenance after the passes (it must be). */
  victimSwitched: boolean
}

export interface HostileTenantsResult {
  date: string
  command: string
  peakRssTargetMiB: number
  scenarios: ScenarioResult[]
  loadAverage1m: number
}

function tenant(namespace: string): KubeObject[] {
  return [
    {apiVersion: 'v1', kind: 'Namespace', metadata: {name: namespace}},
    ingress(namespace, 'shop'),
    {apiVersion: 'v1', kind: 'Service', metadata: {name: 'db', namespace}, spec: {ports: [{port: 5432, targetPort: 5432}], selector: {app: 'db'}}},
  ]
}

function unrelatedPages(): KubeObject[] {
  const body = `<html><body>${'x'.repeat(PAGE_BYTES)}</body></html>`
  return Array.from({length: PAGES}, (_, i) => ({
    apiVersion: 'v1',
    data: {'page.html.hbs': body},
    kind: 'ConfigMap',
    metadata: {labels: {'app.kubernetes.io/managed-by': 'kubectl-maintenance', 'kubectl-maintenance.io/role': 'page'}, name: `maintenance-page-big-${pad(i)}`, namespace: ATTACKER},
  }))
}

function otherAttacks(now: number): KubeObject[] {
  const nested = `${'['.repeat(5000)}${']'.repeat(5000)}`
  return [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        annotations: {'kubectl-maintenance.io/backend': 'maintenance-0123456789', 'kubectl-maintenance.io/original': nested},
        labels: {'kubectl-maintenance.io/active': 'true'},
        name: 'trap',
        namespace: ATTACKER,
      },
      spec: {defaultBackend: {service: {name: 'maintenance-0123456789', port: {number: 80}}}},
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {labels: {app: 'payments'}, name: 'payments', namespace: ATTACKER},
      spec: {replicas: 1, selector: {matchLabels: {app: 'payments'}}, template: {metadata: {labels: {app: 'payments'}}, spec: {containers: [{image: 'payments:1', name: 'app'}]}}},
    },
    {apiVersion: 'v1', data: {'nginx.conf': 'events {}'}, kind: 'ConfigMap', metadata: {labels: {'kubectl-maintenance.io/role': 'backend'}, name: 'payments', namespace: ATTACKER}},
    {
      apiVersion: 'v1',
      data: {'nginx.conf': 'http { server { location / { proxy_pass http://payments.shop; } } }'},
      kind: 'ConfigMap',
      metadata: {
        labels: {'app.kubernetes.io/managed-by': 'kubectl-maintenance', 'kubectl-maintenance.io/hash': 'abcdef0123', 'kubectl-maintenance.io/role': 'backend'},
        name: 'maintenance-abcdef0123',
        namespace: ATTACKER,
      },
    },
    ...Array.from({length: 25}, (_, i) =>
      windowConfigMap({end: now + 3_600_000, message: `flood ${i}`, name: `flood-${pad(i)}`, namespace: ATTACKER, start: now - 1000, targets: ['ingress/shop']}),
    ),
  ]
}

async function measureScenario(scenario: ScenarioResult['scenario'], log: (line: string) => void): Promise<ScenarioResult & {command: string}> {
  const now = Math.floor(Date.now() / 1000) * 1000
  const server = await startApiServer({readyDelayMs: 0})
  try {
    const objects = [
      ...tenant(VICTIM),
      ...tenant(ATTACKER),
      windowConfigMap({end: now + 3_600_000, name: 'db-upgrade', namespace: VICTIM, start: now - 1000, targets: ['ingress/shop', 'service/db']}),
      ...(scenario === 'clean' ? [] : unrelatedPages()),
      ...(scenario === 'hostile' ? otherAttacks(now) : []),
    ]
    server.seed(...objects)
    const args = ['reconcile', '-A', '--horizon', '55s', '--kubeconfig', server.kubeconfigPath]
    for (let pass = 0; pass < SETTLE_PASSES; pass++) await runPass(args)
    const runs = []
    for (let index = 0; index < MEASURED_PASSES; index++) {
      const run = await runPass(args)
      runs.push(run)
      log(`  (f) ${scenario} pass ${index + 1}: ${Math.round(run.wallMs)} ms, ${(run.maxRssKb / 1024).toFixed(1)} MiB peak RSS, exit ${run.exitCode}`)
    }
    const victim = server.object('networking.k8s.io/v1', 'Ingress', VICTIM, 'shop') as {metadata: {labels?: Record<string, string>}} | undefined
    const rss = runs.map((run) => run.maxRssKb / 1024)
    return {
      command: await describeCommand(args),
      exitCodes: runs.map((run) => run.exitCode),
      maxRssMiB: {max: round(Math.max(...rss)), median: round(median(rss))},
      objects: objects.length,
      scenario,
      victimSwitched: victim?.metadata.labels?.['kubectl-maintenance.io/active'] === 'true',
      wallMs: {median: round(median(runs.map((run) => run.wallMs)), 0), runs: runs.map((run) => Math.round(run.wallMs))},
    }
  } finally {
    await server.close()
  }
}

export async function measureHostileTenants(log: (line: string) => void): Promise<HostileTenantsResult> {
  const loadAverage1m = round(loadavg()[0], 2)
  const scenarios: ScenarioResult[] = []
  let command = ''
  for (const scenario of ['clean', 'pages', 'hostile'] as const) {
    const {command: ran, ...result} = await measureScenario(scenario, log)
    command = ran
    scenarios.push(result)
  }
  return {command, date: new Date().toISOString(), loadAverage1m, peakRssTargetMiB: PEAK_RSS_TARGET_MIB, scenarios}
}
