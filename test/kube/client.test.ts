import {expect} from 'chai'
import net from 'node:net'

import {ApiError, type KubeClient, type RequestOptions, TransientError, mayRetry} from '../../src/kube/client.js'
import {recordEvent} from '../../src/kube/events.js'
import {Resources} from '../../src/kube/resources.js'
import {createWindow} from '../../src/kube/windows.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'
import {writeKubeconfig} from '../support/apiserver/kubeconfig.js'
import {type FaultProxy, NS, clientFor, startFaultProxy} from '../reliability/support.js'

const MERGE = 'application/merge-patch+json'
const JSON_PATCH = 'application/json-patch+json'
const APPLY = 'application/apply-patch+yaml'

const failed = (code: number) => new TransientError('injected', code, code === 429 ? 'TooManyRequests' : 'InternalError')

describe('KubeClient: which requests are retried', () => {
  const cases: Array<{method: string; options: RequestOptions; code?: number; retried: boolean; why: string}> = [
    {method: 'GET', options: {}, retried: true, why: 'a read'},
    {method: 'PUT', options: {body: {metadata: {name: 'w', resourceVersion: '7'}}}, retried: true, why: 'a PUT of the version read: a repeat conflicts'},
    {method: 'PUT', options: {body: {metadata: {name: 'w'}}}, retried: false, why: 'an unconditional PUT'},
    {method: 'PATCH', options: {body: [{op: 'test', path: '/metadata/resourceVersion', value: '7'}, {op: 'replace', path: '/spec', value: {}}], contentType: JSON_PATCH}, retried: true, why: 'a JSON Patch guarded by a test'},
    {method: 'PATCH', options: {body: [{op: 'remove', path: '/metadata/annotations'}], contentType: JSON_PATCH}, retried: false, why: 'a JSON Patch without a test'},
    {method: 'PATCH', options: {body: {metadata: {annotations: {a: 'b'}, resourceVersion: '7'}}, contentType: MERGE}, retried: true, why: 'a merge patch of the version read'},
    {method: 'PATCH', options: {body: {metadata: {annotations: {a: 'b'}}}, contentType: MERGE}, retried: false, why: 'a merge patch of whatever version is current'},
    {method: 'PATCH', options: {body: {metadata: {name: 'w'}}, contentType: APPLY}, retried: false, why: 'a forced server-side apply'},
    {method: 'DELETE', options: {body: {preconditions: {uid: 'u'}}}, retried: true, why: 'a DELETE with a uid precondition'},
    {method: 'DELETE', options: {body: {propagationPolicy: 'Background'}}, retried: false, why: 'a DELETE by name alone (a repeat could delete a recreated object)'},
    {method: 'POST', options: {body: {metadata: {name: 'w'}}}, retried: false, why: 'a create whose caller takes AlreadyExists as an error'},
    {method: 'POST', options: {body: {metadata: {name: 'w'}}, repeatable: true}, retried: true, why: 'a named create whose caller takes AlreadyExists as done'},
    {method: 'POST', options: {body: {metadata: {generateName: 'w.'}}, repeatable: true}, retried: false, why: 'a create with a generated name: a repeat makes a second object'},
    {code: 429, method: 'POST', options: {body: {metadata: {name: 'w'}}}, retried: true, why: '429: the server did nothing'},
    {code: 429, method: 'PATCH', options: {body: {}, contentType: MERGE}, retried: true, why: '429 on any write'},
  ]
  for (const {code = 500, method, options, retried, why} of cases) {
    it(`${retried ? 'retries' : 'does not retry'} ${method} after ${code}: ${why}`, () => {
      expect(mayRetry(method, options, failed(code))).to.equal(retried)
    })
  }

  it('never retries an answer that is not transient (404, 409, 422)', () => {
    for (const code of [404, 409, 422]) expect(mayRetry('GET', {}, new ApiError('no', code, 'x'))).to.equal(false)
  })
})

describe('KubeClient against a server that fails writes after carrying them out', () => {
  let server: ApiServer
  let proxy: FaultProxy
  let client: KubeClient

  beforeEach(async () => {
    server = await startApiServer({namespaces: [NS]})
    proxy = await startFaultProxy(server.url)
    client = clientFor(proxy.kubeconfigPath, {attempts: 3, baseDelayMs: 1})
    proxy.setPlan({committedFailures: 1, rate: 1, seed: 1, statuses: [500]})
  })
  afterEach(async () => {
    await proxy.close()
    await server.close()
  })

  it('sends a window create once and reports the server error, not a taken name', async () => {
    const window = {name: 'w', namespace: NS, page: 'default', start: Date.parse('2026-12-24T21:00:00Z'), targets: [{kind: 'ingress' as const, name: 'shop'}], timezone: 'UTC'}
    const error = await createWindow(client, window).then(() => undefined, (caught: unknown) => caught)
    expect(error).to.be.instanceOf(ApiError)
    expect((error as ApiError).code).to.equal(500)
    expect(proxy.requests).to.equal(1)
    expect(server.objects('v1', 'ConfigMap', NS).map((cm) => (cm.metadata as {name: string}).name)).to.include('w')
  })

  it('retries an Event create, which names the event, and records it once', async () => {
    const involved = {apiVersion: 'v1', kind: 'ConfigMap', name: 'w', namespace: NS, uid: 'uid-w'}
    const error = await recordEvent(client, involved, 'MaintenanceStarted', 'in maintenance', 'Normal', Date.parse('2026-12-24T21:00:00Z')).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect((error as ApiError).code).to.equal(500)
    expect(proxy.requests).to.equal(3)
    expect(server.objects('v1', 'Event', NS).map((event) => event.reason)).to.deep.equal(['MaintenanceStarted'])
  })

  it('creates an object whose repeat answers AlreadyExists once, and reports it created', async () => {
    proxy.setPlan({committedFailures: 1, rate: 0, seed: 1, statuses: [500]})
    const body = {apiVersion: 'v1', data: {a: 'b'}, kind: 'ConfigMap', metadata: {name: 'c', namespace: NS}}
    expect(await client.createIfAbsent(Resources.configMaps, NS, body)).to.equal(true)
    expect(await client.createIfAbsent(Resources.configMaps, NS, body)).to.equal(false)
    expect(server.objects('v1', 'ConfigMap', NS).filter((cm) => (cm.metadata as {name: string}).name === 'c')).to.have.length(1)
  })
})

describe('KubeClient over a kept-alive connection the server closes as idle', () => {
  let server: net.Server
  let kubeconfig: string
  const received: string[] = []

  before(async () => {
    let connections = 0
    // The first connection answers one request with keep-alive, then resets when the next request arrives on it:
    // what a server does when its idle timeout fires just as the client reuses the connection.
    server = net.createServer((socket) => {
      const connection = ++connections
      let requests = 0
      socket.on('data', (chunk) => {
        requests++
        if (connection === 1 && requests === 2) {
          socket.resetAndDestroy()
          return
        }
        received.push(`${connection}: ${chunk.toString('utf8').split('\r\n')[0]}`)
        const body = JSON.stringify({apiVersion: 'v1', kind: 'Event', metadata: {name: `e${received.length}`, namespace: NS}})
        socket.write(`HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body}`)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    kubeconfig = writeKubeconfig(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, {namespace: NS})
  })

  after(() => server.close())

  it('sends a create again on a new connection, though a create without a name is never retried otherwise', async () => {
    const client = clientFor(kubeconfig)
    const event = {apiVersion: 'v1', kind: 'Event', metadata: {generateName: 'shop.', namespace: NS}}
    await client.create(Resources.events, NS, event)
    await client.create(Resources.events, NS, event)
    expect(received).to.deep.equal([`1: POST /api/v1/namespaces/${NS}/events?fieldManager=kubectl-maintenance HTTP/1.1`, `2: POST /api/v1/namespaces/${NS}/events?fieldManager=kubectl-maintenance HTTP/1.1`])
  })
})
