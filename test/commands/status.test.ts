import {expect} from 'chai'

import type {ApiServer} from '../support/apiserver.js'

import {runCommand} from '../support/run-command.js'
import {envFor, ingress, installCronJob, type Obj, renderHelp, service, startCluster, windowConfigMap} from './fixtures.js'

function inMaintenance(object: Obj, window: string, backend: string): Obj {
  return {
    ...object,
    metadata: {
      ...object.metadata,
      annotations: {'kubectl-maintenance.io/backend': backend, 'kubectl-maintenance.io/original': '{}', 'kubectl-maintenance.io/window': window},
      labels: {'kubectl-maintenance.io/active': 'true'},
    },
  }
}

function backendDeployment(name: string, namespace: string): Obj {
  const labels = {'app.kubernetes.io/managed-by': 'kubectl-maintenance', 'kubectl-maintenance.io/hash': name.replace('maintenance-', ''), 'kubectl-maintenance.io/role': 'backend'}
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {labels, name, namespace},
    spec: {
      replicas: 1,
      selector: {matchLabels: labels},
      template: {metadata: {labels}, spec: {containers: [{image: 'nginx', name: 'nginx'}]}},
    },
  }
}

async function untilReady(server: ApiServer, namespace: string, name: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const deployment = server.object('apps/v1', 'Deployment', namespace, name) as {status?: {readyReplicas?: number}} | undefined
    if (deployment?.status?.readyReplicas) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`deployment ${namespace}/${name} never became ready`)
}

describe('status', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(
      inMaintenance(ingress('shop', 'shop'), 'xmas', 'maintenance-00000abc12'),
      inMaintenance(ingress('flagged', 'shop'), 'annotation', 'maintenance-00000abc12'),
      inMaintenance(service('api', 'web'), 'api-window', 'maintenance-00000def45'),
      ingress('idle', 'shop'),
      service('web', 'shop'),
      backendDeployment('maintenance-00000abc12', 'shop'),
      windowConfigMap({end: '2026-12-24T23:00:00Z', name: 'xmas', namespace: 'shop', phase: 'Active', start: '2026-12-24T19:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-25T11:00:00Z', name: 'later', namespace: 'shop', phase: 'Scheduled', start: '2026-12-25T10:00:00Z', targets: 'service/web'}),
      windowConfigMap({end: '2026-12-24T12:00:00Z', name: 'done', namespace: 'shop', phase: 'Completed', start: '2026-12-24T10:00:00Z', targets: 'ingress/idle'}),
      windowConfigMap({name: 'api-window', namespace: 'web', phase: 'Active', start: '2026-12-24T19:00:00Z', targets: 'service/api', timezone: 'UTC'}),
    )
    await untilReady(server, 'shop', 'maintenance-00000abc12')
  })

  after(async () => server.close())

  const status = (...argv: string[]) => runCommand(['status', ...argv], {env: {...envFor(server), TZ: 'UTC'}})

  it('without targets shows every target in maintenance or named by a live window', async () => {
    const result = await status('-n', 'shop')
    expect(result.stdout).to.equal(
      [
        'TARGET            IN-MAINTENANCE   WINDOW       BACKEND                  READY    ENDS (CET)',
        'ingress/flagged   yes              annotation   maintenance-00000abc12   1/1      <none>',
        'ingress/shop      yes              xmas         maintenance-00000abc12   1/1      2026-12-25 00:00',
        'service/web       no               later        <none>                   <none>   <none>',
        '',
      ].join('\n'),
    )
    expect(result.exitCode).to.equal(0)
  })

  it('-A adds NAMESPACE first; a backend without Deployment shows <missing>', async () => {
    const result = await status('-A')
    expect(result.stdout).to.equal(
      [
        'NAMESPACE   TARGET            IN-MAINTENANCE   WINDOW       BACKEND                  READY       ENDS (UTC)',
        'shop        ingress/flagged   yes              annotation   maintenance-00000abc12   1/1         <none>',
        'shop        ingress/shop      yes              xmas         maintenance-00000abc12   1/1         2026-12-24 23:00',
        'shop        service/web       no               later        <none>                   <none>      <none>',
        'web         service/api       yes              api-window   maintenance-00000def45   <missing>   <none>',
        '',
      ].join('\n'),
    )
  })

  it('named targets: one not in maintenance, one missing (warned, still exit 0)', async () => {
    const result = await status('-n', 'shop', 'ingress/idle', 'svc/gone', '-o', 'json')
    expect(result.exitCode).to.equal(0)
    expect(result.stderr).to.equal('Warning: service/gone not found in namespace shop\n')
    expect(JSON.parse(result.stdout)).to.deep.equal({
      apiVersion: 'v1',
      items: [
        {backend: null, ends: null, inMaintenance: false, namespace: 'shop', ready: null, target: 'ingress/idle', window: null},
        {backend: null, ends: null, inMaintenance: false, namespace: 'shop', ready: null, target: 'service/gone', window: null},
      ],
      kind: 'List',
    })
  })

  it('-o json gives the end as RFC 3339', async () => {
    const result = await status('-n', 'shop', 'ingress/shop', '-o', 'json')
    expect(result.stdout).to.equal(
      `${JSON.stringify(
        {
          apiVersion: 'v1',
          items: [{backend: 'maintenance-00000abc12', ends: '2026-12-24T23:00:00Z', inMaintenance: true, namespace: 'shop', ready: '1/1', target: 'ingress/shop', window: 'xmas'}],
          kind: 'List',
        },
        null,
        2,
      )}\n`,
    )
  })

  it('exits 2 on a malformed target and on a target name with -A', async () => {
    const malformed = await status('-n', 'shop', 'ingress/')
    expect(malformed.exitCode).to.equal(2)
    expect(malformed.stderr).to.include('target "ingress/" has no name')
    const withAll = await status('-A', 'ingress/shop')
    expect(withAll.exitCode).to.equal(2)
    expect(withAll.stderr).to.include('drop -A and pass -n NAMESPACE')
  })

  it('says so when nothing is in maintenance', async () => {
    const result = await status('-n', 'default')
    expect(result).to.deep.equal({exitCode: 0, stderr: 'No targets in maintenance or scheduled for it in default namespace.\n', stdout: ''})
  })

  it('has help with kubectl-style examples', async () => {
    expect(await renderHelp('status')).to.include('$ kubectl maintenance status ingress/shop -n shop')
  })
})

describe('overdue windows and the CronJob health (issue 14 item 5)', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(
      installCronJob(),
      ingress('shop', 'shop', {annotations: {'kubectl-maintenance.io/window': 'stale'}, labels: {'kubectl-maintenance.io/active': 'true'}}),
      windowConfigMap({end: '2026-12-24T18:00:00Z', name: 'stale', namespace: 'shop', phase: 'Active', start: '2026-12-24T17:30:00Z', targets: 'ingress/shop'}),
      windowConfigMap({end: '2026-12-24T23:00:00Z', name: 'unstarted', namespace: 'shop', phase: 'Scheduled', start: '2026-12-24T19:30:00Z', targets: 'ingress/other'}),
      windowConfigMap({end: '2026-12-24T23:00:00Z', name: 'on-time', namespace: 'shop', phase: 'Scheduled', start: '2026-12-24T20:00:30Z', targets: 'ingress/third'}),
    )
    const uid = (server.object('batch/v1', 'CronJob', 'kubectl-maintenance', 'kubectl-maintenance') as {metadata: {uid: string}}).metadata.uid
    server.seed({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {name: 'kubectl-maintenance-29001080', namespace: 'kubectl-maintenance', ownerReferences: [{apiVersion: 'batch/v1', controller: true, kind: 'CronJob', name: 'kubectl-maintenance', uid}]},
      spec: {template: {spec: {containers: [{image: 'kubectl-maintenance:test', name: 'reconcile'}], restartPolicy: 'Never'}}},
    })
    // Status is written through the status subresource, as the CronJob and Job controllers do (a create drops it).
    await setStatus('cronjobs/kubectl-maintenance', {lastScheduleTime: '2026-12-24T18:00:00Z', lastSuccessfulTime: '2026-12-24T17:00:00Z'})
    await setStatus('jobs/kubectl-maintenance-29001080', {conditions: [{lastTransitionTime: '2026-12-24T18:01:00Z', message: 'Job has reached the specified backoff limit', reason: 'BackoffLimitExceeded', status: 'True', type: 'Failed'}], failed: 1, startTime: '2026-12-24T18:00:00Z'})
  })

  async function setStatus(path: string, status: object): Promise<void> {
    const response = await fetch(`${server.url}/apis/batch/v1/namespaces/kubectl-maintenance/${path}/status`, {
      body: JSON.stringify({status}),
      headers: {'Content-Type': 'application/merge-patch+json'},
      method: 'PATCH',
    })
    expect(response.status, await response.text()).to.equal(200)
  }

  after(async () => server.close())

  const run = (...argv: string[]) => runCommand([...argv, '-n', 'shop'], {env: envFor(server)})

  it('status does not say yes for a window that ended 2 hours ago: overdue, with when the CronJob last ran and succeeded', async () => {
    const result = await run('status')
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(result.stdout, result.stderr).to.match(/^ingress\/shop +overdue +stale /m)
    expect(result.stderr).to.include('window stale in namespace shop is overdue: it should have ended 2h ago, at 2026-12-24 19:00 CET')
    expect(result.stderr).to.include(
      'CronJob kubectl-maintenance/kubectl-maintenance last ran 2h ago (2026-12-24T18:00:00Z), last succeeded 3h ago (2026-12-24T17:00:00Z); its latest Job kubectl-maintenance-29001080 failed',
    )
  })

  it('list marks windows that should have started or ended more than a minute ago, not one due in 30 seconds', async () => {
    const result = await run('list')
    expect(result.stdout).to.match(/^stale .* Active \(overdue\) /m)
    expect(result.stdout).to.match(/^unstarted .* Scheduled \(overdue\) /m)
    expect(result.stdout).to.match(/^on-time .* Scheduled +default/m)
    expect(result.stderr).to.include('window unstarted is overdue: it should have started 30m ago, at 2026-12-24 20:30 CET')
    expect(result.stderr).to.include('last succeeded 3h ago (2026-12-24T17:00:00Z)')
  })
})
