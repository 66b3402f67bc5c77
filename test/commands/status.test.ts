import {expect} from 'chai'

import type {ApiServer} from '../support/apiserver.js'

import {runCommand} from '../support/run-command.js'
import {envFor, ingress, type Obj, renderHelp, service, startCluster, windowConfigMap} from './fixtures.js'

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
