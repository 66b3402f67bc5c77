import {expect} from 'chai'

import {KubeClient} from '../../src/kube/client.js'
import {loadConfig} from '../../src/kube/kubeconfig.js'
import {Resources} from '../../src/kube/resources.js'
import {CLUSTER_GRANTS, ENGINE_GRANTS, PAGE_READER_GRANTS, policyRules, rulesAllow} from '../../src/install/rbac.js'
import {type ApiServer, type RequestLogEntry, startApiServer} from '../support/apiserver.js'
import {runCommand} from '../support/run-command.js'
import {shopTargets} from '../fixtures/targets.js'
import {type ApiCall, apiCall, customPage, ingress, legacyIngressRoute, rfc3339, windowConfigMap} from './cluster-fixtures.js'

const INSTALL_NS = 'kubectl-maintenance'
const HOUR = 3_600_000

function key(call: ApiCall): string {
  return `${call.verb} ${call.resource}${call.group ? `.${call.group}` : ''}`
}

/**
 * A whole lifecycle as the CronJob runs it (the reconcile command, with the CronJob's environment): windows start
 * (backends created, every target kind switched, a shared page from the install namespace, an enable annotation, an
 * invalid window marked Failed), then end (restored, backends deleted). Returns every request reconcile made.
 */
async function lifecycle(server: ApiServer, scope: string[], seeds: object[], windows: Array<{name: string; targets: string; page?: string}>, namespace = 'shop'): Promise<RequestLogEntry[]> {
  const now = Date.now()
  server.seed(...seeds, ...windows.map((w) => windowConfigMap(namespace, w.name, w.targets, now - 60_000, now + HOUR, w.page)))
  const env = {KUBECONFIG: server.kubeconfigPath, KUBECTL_MAINTENANCE_NAMESPACE: INSTALL_NS}
  const calls: RequestLogEntry[] = []
  const reconcile = async () => {
    server.clearLog()
    const result = await runCommand(['reconcile', ...scope], {env})
    calls.push(...server.requests)
    return result
  }

  const started = await reconcile()
  expect(started.stdout, started.stderr).to.match(/switched to backend/)
  // The schedule feed is among what the pass writes, so its requests are among those checked against the table.
  expect(server.object('v1', 'ConfigMap', namespace, 'kubectl-maintenance-schedule'), 'the pass wrote the schedule feed').to.not.equal(undefined)
  const loaded = await loadConfig({kubeconfig: server.kubeconfigPath})
  const admin = new KubeClient(loaded.config, loaded.namespace, loaded.contextName)
  for (const w of windows) {
    await admin.patch(Resources.configMaps, namespace, w.name, 'merge', {metadata: {annotations: {'kubectl-maintenance.io/end': rfc3339(Date.now() - 1000)}}})
  }
  await admin.patch(Resources.ingresses, namespace, 'flagged', 'merge', {metadata: {annotations: {'kubectl-maintenance.io/enabled': null}}}).catch(() => undefined)
  const ended = await reconcile()
  expect(ended.stdout, ended.stderr).to.match(/restored/)
  expect(server.objects('apps/v1', 'Deployment', namespace)).to.deep.equal([])
  return calls
}

describe('the CronJob RBAC covers exactly what reconcile calls', function () {
  this.timeout(60_000)
  const used = new Map<string, ApiCall>()
  const servers: ApiServer[] = []

  after(async () => {
    for (const server of servers) await server.close()
  })

  async function start(crds: string[]): Promise<ApiServer> {
    const server = await startApiServer({crds, namespaces: ['default', INSTALL_NS], readyDelayMs: 0})
    servers.push(server)
    return server
  }

  function expectAllowed(calls: RequestLogEntry[], allowedFor: (call: ApiCall) => boolean): void {
    const denied = new Set<string>()
    for (const entry of calls) {
      const call = apiCall(entry)
      if (!call) continue
      used.set(key(call), call)
      if (!allowedFor(call)) denied.add(`${key(call)}${call.namespace ? ` in ${call.namespace}` : ' (cluster-wide)'}`)
    }
    expect([...denied], 'calls the role does not allow').to.deep.equal([])
  }

  const clusterRules = policyRules([...ENGINE_GRANTS, ...CLUSTER_GRANTS])
  const invalid = windowConfigMap('shop', 'broken', 'ingress/shop', Date.now())
  ;(invalid.metadata.annotations as Record<string, string>)['kubectl-maintenance.io/start'] = 'tomorrow'

  // Install settings that choose namespaces by label, and a target whose original cannot be used: its Warning repeats
  // in the second pass, so the Event counts up.
  const selected = shopTargets('shop').map((object) => (object.kind === 'Namespace' ? {...object, metadata: {labels: {maintenance: 'on'}, name: 'shop'}} : object))
  const settings = {
    apiVersion: 'v1',
    data: {'max-backends': '10', 'namespace-selector': 'maintenance=on'},
    kind: 'ConfigMap',
    metadata: {name: 'kubectl-maintenance-config', namespace: INSTALL_NS},
  }
  const tampered = ingress('shop', 'tampered', {'kubectl-maintenance.io/backend': 'maintenance-0123456789', 'kubectl-maintenance.io/original': '{not json'})

  it('all namespaces, every target kind, a shared page, an enable annotation, an invalid window (ClusterRole)', async () => {
    const server = await start(['traefik.io', 'gateway.networking.k8s.io'])
    const calls = await lifecycle(
      server,
      ['-A'],
      [...selected, settings, tampered, customPage(INSTALL_NS, 'sorry'), ingress('shop', 'flagged', {'kubectl-maintenance.io/enabled': 'true'}), invalid],
      [
        {name: 'db', targets: 'ingress/shop,ingressroute/api,httproute/web', page: 'sorry'},
        {name: 'svc', targets: 'service/db'},
      ],
    )
    expectAllowed(calls, (call) => rulesAllow(clusterRules, call.group, call.resource, call.verb))
  })

  it('a cluster serving only the legacy Traefik group (ClusterRole)', async () => {
    const server = await start(['traefik.containo.us'])
    const calls = await lifecycle(server, ['-A'], [{apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'shop'}}, legacyIngressRoute('shop', 'old')], [{name: 'old', targets: 'ingressroute/old'}])
    expectAllowed(calls, (call) => rulesAllow(clusterRules, call.group, call.resource, call.verb))
  })

  it('the namespaced variant: only its namespace, plus reading pages in the install namespace (Roles)', async () => {
    const server = await start(['traefik.io', 'gateway.networking.k8s.io'])
    const calls = await lifecycle(
      server,
      ['-n', 'shop'],
      [...shopTargets('shop'), customPage(INSTALL_NS, 'sorry')],
      [{name: 'db', targets: 'ingress/shop,service/db', page: 'sorry'}],
    )
    const rolesByNamespace: Record<string, ReturnType<typeof policyRules>> = {[INSTALL_NS]: policyRules(PAGE_READER_GRANTS), shop: policyRules(ENGINE_GRANTS)}
    expectAllowed(calls, (call) => call.namespace !== undefined && rulesAllow(rolesByNamespace[call.namespace] ?? [], call.group, call.resource, call.verb))
  })

  it('grants nothing the lifecycles above did not use', () => {
    const unused = policyRules([...ENGINE_GRANTS, ...CLUSTER_GRANTS]).flatMap((rule) =>
      rule.verbs.map((verb) => `${verb} ${rule.resources[0]}${rule.apiGroups[0] ? `.${rule.apiGroups[0]}` : ''}`).filter((granted) => !used.has(granted)),
    )
    expect(unused).to.deep.equal([])
  })
})
