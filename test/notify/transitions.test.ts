/**
 * The transitions the lifecycle test of webhook.test.ts does not reach (Degraded, Failed in each way a window fails),
 * each made the way it happens in a cluster and seen by a real local HTTP receiver; that a slow receiver never holds up
 * a switch; and that a URL's credentials never reach an Event, a log line or the window.
 */
import {expect} from 'chai'

import {type Desired, gitopsReverter} from '../support/gitops-reverter.js'
import {type Receiver, postsByKey, startReceiver} from '../support/receiver.js'
import {runCommand} from '../support/run-command.js'
import {FakeClock, KINDS, NS, ORIGINAL, Resources, Shop, clientFor, pass, rfc3339, windowConfigMap} from '../reliability/support.js'
import {seedInstallConfig} from './support.js'

const WINDOW = 'db-upgrade'
const HOUR = 3_600_000
const noWait = async () => {}
const SERVICE = KINDS.find((kind) => kind.kind === 'Service')!

function transitions(receiver: Receiver): string[] {
  return receiver.received.map((request) => (request.body as {transition?: string}).transition ?? '(none)')
}

// Modelled on what Argo CD's application controller leaves on an Ingress it applies (tracking id and instance label).
function argoIngress(name: string): Desired {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {annotations: {'argocd.argoproj.io/tracking-id': `storefront:networking.k8s.io/Ingress:${NS}/${name}`}, labels: {'app.kubernetes.io/instance': 'storefront'}, name, namespace: NS},
    spec: {ingressClassName: 'nginx', rules: [{host: `${name}.example.com`, http: {paths: [{backend: {service: {name: `${name}-web`, port: {number: 8080}}}, path: '/', pathType: 'Prefix'}]}}]},
  }
}

// Modelled on a cert-manager-style admission webhook served by a Service of the namespace (here: the shop's db).
const WEBHOOK_ON_DB = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingWebhookConfiguration',
  metadata: {name: 'db-admission'},
  webhooks: [
    {
      admissionReviewVersions: ['v1'],
      clientConfig: {service: {name: 'db', namespace: NS, path: '/validate', port: 443}},
      name: 'validate.db.example.com',
      rules: [{apiGroups: ['example.com'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['widgets']}],
      sideEffects: 'None',
    },
  ],
}

describe('webhook notifications: Degraded, Failed, a slow receiver, credentials (real local receiver)', function () {
  this.timeout(60_000)
  let shop: Shop
  let receiver: Receiver

  afterEach(async () => {
    await shop?.close()
    await receiver?.close()
  })

  it('Degraded when a GitOps controller keeps reverting a target, once, then Completed at the end', async () => {
    shop = await Shop.start()
    receiver = await startReceiver()
    seedInstallConfig(shop, {'notify-url': receiver.url})
    const argo = gitopsReverter(shop.server, 'argocd-controller', argoIngress('store'), 'ingresses')
    await argo.sync()
    const start = Date.now() - 10_000
    shop.server.seed(windowConfigMap(WINDOW, ['ingress/store'], start, start + HOUR))
    const enginePass = () => pass(clientFor(shop.server.kubeconfigPath), {outsideSleep: noWait})
    for (let round = 0; round < 6; round++) {
      await enginePass()
      await argo.sync()
    }
    expect(shop.phase(WINDOW)).to.equal('Degraded')
    await shop.setEnd(shop.server.kubeconfigPath, WINDOW, Date.now() - 500)
    await enginePass()
    await enginePass()
    expect(shop.phase(WINDOW)).to.equal('Completed')
    expect(transitions(receiver)).to.deep.equal(['Active', 'Degraded', 'Completed'])
    expect([...postsByKey(receiver).values()]).to.deep.equal([1, 1, 1])
    const degraded = receiver.received[1].body as {phaseMessage?: string; message?: string}
    expect(JSON.stringify(degraded)).to.include('argocd-controller')
  })

  it('Failed when the target turns out to be refused at the start (an admission webhook Service), after Scheduled and Announced', async () => {
    shop = await Shop.start()
    receiver = await startReceiver()
    seedInstallConfig(shop, {'notify-url': receiver.url})
    const clock = new FakeClock(Math.ceil(Date.now() / 1000) * 1000)
    const start = clock.now() + 60_000
    shop.server.seed(windowConfigMap(WINDOW, ['service/db'], start, start + HOUR))
    // Cluster-wide, as the CronJob of a ClusterRole install: only such a pass reads admission webhooks.
    const enginePass = () => pass(clientFor(shop.server.kubeconfigPath), {clock, namespace: undefined, outsideSleep: noWait})
    await enginePass()
    shop.server.seed(WEBHOOK_ON_DB)
    clock.current = start
    await enginePass()
    clock.advance(60_000)
    await enginePass()
    expect(shop.phase(WINDOW)).to.equal('Failed')
    expect(shop.target(SERVICE)?.metadata.annotations?.[ORIGINAL], 'never switched').to.equal(undefined)
    expect(transitions(receiver)).to.deep.equal(['Scheduled', 'Announced', 'Failed'])
    expect(String(receiver.received[2].headers['idempotency-key'])).to.match(new RegExp(`/${rfc3339(start)}/Failed$`))
  })

  it('Failed when a scheduled window is edited into an invalid one, once', async () => {
    shop = await Shop.start()
    receiver = await startReceiver()
    seedInstallConfig(shop, {'notify-url': receiver.url})
    const clock = new FakeClock(Math.ceil(Date.now() / 1000) * 1000)
    const start = clock.now() + 2 * HOUR
    shop.server.seed(windowConfigMap(WINDOW, ['service/db'], start, start + HOUR))
    const enginePass = () => pass(clientFor(shop.server.kubeconfigPath), {clock, outsideSleep: noWait})
    await enginePass()
    // Someone writes an end before the start.
    await shop.setEnd(shop.server.kubeconfigPath, WINDOW, start - HOUR)
    clock.advance(60_000)
    await enginePass()
    clock.advance(60_000)
    await enginePass()
    expect(shop.phase(WINDOW)).to.equal('Failed')
    expect(transitions(receiver)).to.deep.equal(['Scheduled', 'Announced', 'Failed'])
    const failed = receiver.received[2]
    expect(String(failed.headers['idempotency-key'])).to.match(new RegExp(`/${rfc3339(start)}/Failed$`))
    expect((failed.body as {window?: {name?: string}}).window?.name).to.equal(WINDOW)
  })

  it('Failed closes an occurrence announced as Active when the window is edited into an invalid one', async () => {
    shop = await Shop.start()
    receiver = await startReceiver()
    seedInstallConfig(shop, {'notify-url': receiver.url})
    const clock = new FakeClock(Math.ceil(Date.now() / 1000) * 1000)
    const start = clock.now() - 10_000
    shop.server.seed(windowConfigMap(WINDOW, ['service/db'], start, start + HOUR))
    const enginePass = () => pass(clientFor(shop.server.kubeconfigPath), {clock, outsideSleep: noWait})
    await enginePass()
    await shop.edit(shop.server.kubeconfigPath, Resources.configMaps, WINDOW, {metadata: {annotations: {'kubectl-maintenance.io/timezone': 'Mars/Olympus'}}})
    clock.advance(60_000)
    await enginePass()
    clock.advance(60_000)
    await enginePass()
    expect(shop.phase(WINDOW)).to.equal('Failed')
    expect(shop.target(SERVICE)?.metadata.annotations?.[ORIGINAL], 'restored').to.equal(undefined)
    expect(transitions(receiver)).to.deep.equal(['Active', 'Failed'])
    expect(String(receiver.received[1].headers['idempotency-key'])).to.match(new RegExp(`/${rfc3339(start)}/Failed$`))
    expect((receiver.received[1].body as {phaseMessage?: string}).phaseMessage).to.include('Mars/Olympus')
  })

  it('a receiver that holds every request for seconds holds up no switch: a window starting meanwhile is switched on time', async () => {
    shop = await Shop.start()
    const HOLD_MS = 4000
    const seenWhenHeld: Array<{transition: string; secondActive: boolean}> = []
    receiver = await startReceiver(() => ({delayMs: HOLD_MS, status: 200}))
    receiver.onAnswered = (request) => {
      seenWhenHeld.push({transition: (request.body as {transition: string}).transition, secondActive: shop.phase('second') === 'Active'})
    }
    seedInstallConfig(shop, {'notify-url': receiver.url})
    const now = Date.now()
    shop.server.seed(windowConfigMap(WINDOW, ['service/db'], now - 10_000, now + HOUR), windowConfigMap('second', ['ingress/shop'], now + 1500, now + HOUR))
    // One real-time pass that waits for the second window's start, as the CronJob's does within its horizon.
    const report = await pass(clientFor(shop.server.kubeconfigPath), {horizonMs: 3000, outsideSleep: noWait})
    expect(report.errors).to.deep.equal([])
    const switchedAt = shop.server.requests.find((entry) => entry.method === 'PATCH' && entry.path.endsWith('/ingresses/shop') && entry.status < 300)
    expect(switchedAt, 'the second window switched its Ingress').to.not.equal(undefined)
    expect(shop.phase('second')).to.equal('Active')
    // The first window's Active was held for HOLD_MS from just after its switch; the second started 1.5s in.
    const first = seenWhenHeld.find((seen) => seen.transition === 'Active')
    expect(first, 'the receiver answered the first Active').to.not.equal(undefined)
    expect(seenWhenHeld[0].secondActive, 'the second window was Active before the receiver answered the first POST').to.equal(true)
  })

  it('retries with backoff in real time (250 ms, then 1 s) and delivers on the third attempt, with the same key', async () => {
    shop = await Shop.start()
    const arrivals: number[] = []
    receiver = await startReceiver(() => {
      arrivals.push(performance.now())
      return arrivals.length <= 2 ? {body: 'busy', status: 503} : undefined
    })
    seedInstallConfig(shop, {'notify-url': receiver.url})
    const now = Date.now()
    shop.server.seed(windowConfigMap(WINDOW, ['service/db'], now - 10_000, now + HOUR))
    const result = await runCommand(['reconcile', '-n', NS], {env: {KUBECONFIG: shop.server.kubeconfigPath, KUBECTL_MAINTENANCE_NOW: undefined}})
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(transitions(receiver)).to.deep.equal(['Active', 'Active', 'Active'])
    expect(new Set(receiver.received.map((request) => request.headers['idempotency-key'])).size).to.equal(1)
    // Lower bounds only (less a few ms for the timer granularity of libuv): however loaded the machine, never shorter.
    expect(arrivals[1] - arrivals[0]).to.be.at.least(245)
    expect(arrivals[2] - arrivals[1]).to.be.at.least(995)
    expect(shop.events('NotificationFailed')).to.deep.equal([])
  })

  it('a URL with credentials (from the Secret) reaches the receiver, never an Event, the pass output or the window', async () => {
    shop = await Shop.start()
    receiver = await startReceiver(() => ({body: 'down', status: 500}))
    const port = new URL(receiver.url).port
    const secretUrl = `http://hook-user:s3cr3t-pw@127.0.0.1:${port}/hooks/maintenance?token=t0k3n-abc`
    seedInstallConfig(shop, {}, {'notify-url': secretUrl})
    const now = Date.now()
    shop.server.seed(windowConfigMap(WINDOW, ['service/db'], now - 10_000, now + HOUR))
    const result = await runCommand(['reconcile', '-n', NS], {env: {KUBECONFIG: shop.server.kubeconfigPath, KUBECTL_MAINTENANCE_NOW: undefined}})
    expect(shop.phase(WINDOW)).to.equal('Active')
    expect(receiver.received.length, 'three attempts').to.equal(3)
    expect(receiver.received[0].path).to.equal('/hooks/maintenance?token=t0k3n-abc')
    expect(receiver.received[0].headers.authorization).to.equal(`Basic ${Buffer.from('hook-user:s3cr3t-pw').toString('base64')}`)
    const warnings = shop.events('NotificationFailed')
    expect(warnings).to.have.length(1)
    expect(warnings[0].message).to.match(new RegExp(`notifying http://127\\.0\\.0\\.1:${port}/… of Active failed`))
    const everything = [result.stdout, result.stderr, JSON.stringify(shop.server.objects('v1', 'Event', NS)), JSON.stringify(shop.window(WINDOW))].join('\n')
    for (const secret of ['s3cr3t-pw', 't0k3n-abc', 'hook-user']) expect(everything, secret).to.not.include(secret)
  })

  it('a Secret holding something that is not a URL: the pass says so without printing it', async () => {
    shop = await Shop.start()
    seedInstallConfig(shop, {}, {'notify-url': 'hooks.slack.com/services/T000/B000/xoxb-s3cr3t'})
    const now = Date.now()
    shop.server.seed(windowConfigMap(WINDOW, ['service/db'], now - 10_000, now + HOUR))
    const result = await runCommand(['reconcile', '-n', NS], {env: {KUBECONFIG: shop.server.kubeconfigPath, KUBECTL_MAINTENANCE_NOW: undefined}})
    expect(shop.phase(WINDOW)).to.equal('Active')
    const said = [result.stdout, result.stderr, JSON.stringify(shop.server.objects('v1', 'Event')), JSON.stringify(shop.server.objects('v1', 'Event', NS))].join('\n')
    expect(said).to.include('notify-url')
    expect(said).to.not.include('xoxb-s3cr3t')
    expect(said).to.not.include('T000/B000')
  })

  it('tenant text in the body is bounded: a 4 KiB message in every field leaves a body of bounded size', async () => {
    shop = await Shop.start()
    receiver = await startReceiver()
    seedInstallConfig(shop, {'notify-url': receiver.url})
    const now = Date.now()
    const big = 'é'.repeat(2048)
    const window = windowConfigMap(WINDOW, ['service/db'], now - 10_000, now + HOUR)
    ;(window as unknown as {data: Record<string, string>}).data = {contact: big, message: big, reason: big}
    shop.server.seed(window)
    await pass(clientFor(shop.server.kubeconfigPath), {outsideSleep: noWait})
    expect(transitions(receiver)).to.deep.equal(['Active'])
    const body = receiver.received[0].body as Record<string, unknown>
    expect(Buffer.byteLength(JSON.stringify(body))).to.be.below(16 * 1024)
    for (const field of ['message', 'reason', 'contact']) expect(body[field], field).to.equal(`${'é'.repeat(1000)}…`)
  })
})
