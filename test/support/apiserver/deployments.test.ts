import {expect} from 'chai'

import {type ApiServer, startApiServer} from '../apiserver.js'
import {deployment, dig, get, patch, post, watchEvents} from './test-client.js'

const DEPLOY = '/apis/apps/v1/namespaces/default/deployments'
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('in-process API server: Deployment readiness', () => {
  let server: ApiServer
  afterEach(() => server.close())

  it('reports replicas but no ready replicas until the ready delay has passed, then Available and NewReplicaSetAvailable', async () => {
    server = await startApiServer({readyDelayMs: 150})
    const created = await post(server, DEPLOY, {...deployment('web'), spec: {...(deployment('web').spec as object), replicas: 2}})
    expect(created.body.status).to.deep.include({observedGeneration: 1, replicas: 2, updatedReplicas: 2})
    expect(dig(created.body, 'status.readyReplicas')).to.equal(undefined)
    await sleep(300)
    const ready = (await get(server, `${DEPLOY}/web`)).body
    expect(ready.status).to.deep.include({observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2})
    const conditions = (dig(ready, 'status.conditions') as Record<string, unknown>[]).map((condition) => [condition.type, condition.status, condition.reason])
    expect(conditions).to.deep.equal([
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ])
  })

  it('emits a MODIFIED watch event when the rollout completes after a template change', async () => {
    server = await startApiServer({readyDelayMs: 50})
    server.seed(deployment('web'))
    const rv = String(dig((await get(server, DEPLOY)).body, 'metadata.resourceVersion'))
    const events = await watchEvents(server, `${DEPLOY}?watch=1&resourceVersion=${rv}&fieldSelector=metadata.name%3Dweb`, 2, async () => {
      await patch(server, `${DEPLOY}/web`, {spec: {template: {spec: {containers: [{name: 'web', image: 'nginx:1.28'}]}}}}, 'application/strategic-merge-patch+json')
    })
    expect(events.map((event) => [event.type, dig(event, 'object.metadata.generation'), dig(event, 'object.status.readyReplicas')])).to.deep.equal([
      ['MODIFIED', 2, undefined],
      ['MODIFIED', 2, 1],
    ])
  })

  it('never becomes ready with setReadyDelay(Infinity), and becomes ready once the delay is lowered', async () => {
    server = await startApiServer()
    server.setReadyDelay(Number.POSITIVE_INFINITY)
    await post(server, DEPLOY, deployment('web'))
    await sleep(50)
    expect(dig(server.object('apps/v1', 'Deployment', 'default', 'web'), 'status.readyReplicas')).to.equal(undefined)
    server.setReadyDelay(0)
    await sleep(50)
    expect(dig(server.object('apps/v1', 'Deployment', 'default', 'web'), 'status.readyReplicas')).to.equal(1)
  })

  it('seeds Deployments already rolled out', async () => {
    server = await startApiServer({readyDelayMs: 60_000})
    server.seed(deployment('web'))
    expect(dig(server.object('apps/v1', 'Deployment', 'default', 'web'), 'status.availableReplicas')).to.equal(1)
  })
})
