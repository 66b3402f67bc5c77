import {expect} from 'chai'

import type {ApiServer} from '../support/apiserver.js'

import {KubeClient} from '../../src/kube/client.js'
import {endInstant} from '../../src/engine/window-changes.js'
import {createWindow, getWindow, listWindows, patchWindowAnnotations, windowSelector} from '../../src/kube/windows.js'
import {UserError} from '../../src/model/errors.js'
import {type Window} from '../../src/model/window.js'
import {startCluster, windowConfigMap} from '../commands/fixtures.js'

const HOUR = 3_600_000
const START = Date.parse('2026-12-24T21:00:00Z')

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a rejection')
}

describe('kube/windows', () => {
  let server: ApiServer
  let client: KubeClient

  before(async () => {
    server = await startCluster()
    client = await KubeClient.fromOptions({kubeconfig: server.kubeconfigPath})
    server.seed(
      windowConfigMap({end: '2026-12-24T23:00:00Z', name: 'xmas', namespace: 'shop', start: '2026-12-24T21:00:00Z', targets: 'ingress/shop'}),
      windowConfigMap({labels: {team: 'web'}, name: 'front', namespace: 'web', start: '2026-12-25T10:00:00Z', targets: 'service/front'}),
      windowConfigMap({name: 'broken', namespace: 'shop', start: 'yesterday', targets: 'ingress/shop'}),
      {apiVersion: 'v1', data: {}, kind: 'ConfigMap', metadata: {name: 'unrelated', namespace: 'shop'}},
    )
  })

  after(async () => server.close())

  beforeEach(() => server.clearLog())

  it('ANDs the user selector with the window role', () => {
    expect(windowSelector()).to.equal('kubectl-maintenance.io/role=window')
    expect(windowSelector(' team=web ')).to.equal('kubectl-maintenance.io/role=window,team=web')
  })

  it('lists the windows of a namespace, parting valid from invalid, and ignores other ConfigMaps', async () => {
    const listing = await listWindows(client, 'shop')
    expect(listing.windows.map((w) => w.name)).to.deep.equal(['xmas'])
    expect(listing.windows[0]).to.include({end: START + 2 * HOUR, namespace: 'shop', page: 'default', start: START, timezone: 'Europe/Berlin'})
    expect(listing.windows[0].targets).to.deep.equal([{kind: 'ingress', name: 'shop'}])
    expect(listing.invalid.map((bad) => [bad.namespace, bad.name])).to.deep.equal([['shop', 'broken']])
    expect(listing.invalid[0].problems).to.have.length.greaterThan(0)
    expect(listing.configMaps.map((cm) => cm.metadata.name).sort()).to.deep.equal(['broken', 'xmas'])
  })

  it('lists across namespaces and filters with a user selector', async () => {
    expect((await listWindows(client, undefined)).windows.map((w) => w.name).sort()).to.deep.equal(['front', 'xmas'])
    expect((await listWindows(client, undefined, 'team=web')).windows.map((w) => w.name)).to.deep.equal(['front'])
  })

  it('gets a window, and says how to list them when it is missing', async () => {
    expect((await getWindow(client, 'shop', 'xmas')).start).to.equal(START)
    const missing = await rejection(getWindow(client, 'shop', 'nope'))
    expect(missing).to.be.instanceOf(UserError)
    expect(missing.message).to.equal('window "nope" not found in namespace "shop"; list them with kubectl maintenance list -n shop')
    const notAWindow = await rejection(getWindow(client, 'shop', 'unrelated'))
    expect(notAWindow).to.be.instanceOf(UserError)
    expect(notAWindow.message).to.include('is not a maintenance window')
    expect((await rejection(getWindow(client, 'shop', 'broken'))).message).to.include('window "broken" in namespace "shop" is invalid: ')
  })

  const draft: Window = {end: START + HOUR, name: 'created', namespace: 'shop', page: 'default', start: START, targets: [{kind: 'service', name: 'web'}], timezone: 'UTC'}

  it('creates a window; a dry run writes nothing; a taken name is a user error', async () => {
    const dry = await createWindow(client, draft, true)
    expect(dry.metadata.name).to.equal('created')
    expect(server.writes()).to.deep.equal([])
    expect(server.object('v1', 'ConfigMap', 'shop', 'created')).to.equal(undefined)

    await createWindow(client, draft)
    expect((await getWindow(client, 'shop', 'created')).end).to.equal(START + HOUR)
    const again = await rejection(createWindow(client, draft))
    expect(again).to.be.instanceOf(UserError)
    expect(again.message).to.include('a ConfigMap named "created" already exists in namespace "shop"')
  })

  it('merge-patches annotations: a string sets, null removes, a stale resourceVersion conflicts', async () => {
    await patchWindowAnnotations(client, 'shop', 'xmas', {'kubectl-maintenance.io/phase': 'Scheduled', 'kubectl-maintenance.io/end': null})
    const patched = await getWindow(client, 'shop', 'xmas')
    expect(patched.phase).to.equal('Scheduled')
    expect(patched.end).to.equal(undefined)
    const stale = await rejection(patchWindowAnnotations(client, 'shop', 'xmas', {'kubectl-maintenance.io/phase': 'Cancelled'}, {resourceVersion: '1'}))
    expect(stale.message).to.include('Conflict')
    expect((await rejection(patchWindowAnnotations(client, 'shop', 'nope', {}))).message).to.include('window "nope" not found')
  })

  it('ends on a whole second, never at or before the start', () => {
    const window = {...draft, start: START}
    expect(endInstant(window, START + 10 * HOUR + 1)).to.equal(START + 10 * HOUR + 1000)
    expect(endInstant(window, START + 2000)).to.equal(START + 2000)
    expect(endInstant(window, START + 200)).to.equal(START + 1000)
  })
})
