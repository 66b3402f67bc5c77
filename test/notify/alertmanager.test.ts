import {expect} from 'chai'

import {type GettableSilence} from '../../src/engine/silences.js'
import {FakeClock, NS, Resources, Shop, clientFor, pass, rfc3339, windowConfigMap} from '../reliability/support.js'
import {ALERTMANAGER_MISSING, type RunningAlertmanager, findAlertmanager, startAlertmanager} from '../support/alertmanager.js'
import {runCommand} from '../support/run-command.js'
import {requireSystemBinary} from '../support/system-binary.js'
import {seedInstallConfig} from './support.js'

const WINDOW = 'db-upgrade'
const HOUR = 3_600_000
const GRACE = 5 * 60_000

function recorded(shop: Shop): Record<string, string> {
  const text = (shop.window(WINDOW) as {data?: Record<string, string>} | undefined)?.data?.silences
  return text === undefined ? {} : (JSON.parse(text) as Record<string, string>)
}

function matchersOf(silence: GettableSilence): string[] {
  return silence.matchers.map((m) => `${m.name}${m.isEqual === false ? '!' : '='}${m.isRegex ? '~' : ''}"${m.value}"`).sort()
}

/** Alertmanager keeps times to the millisecond or finer; compare to the second. */
function second(text: string): string {
  return rfc3339(Math.round(Date.parse(text) / 1000) * 1000)
}

describe('Alertmanager silences (the real prometheus-alertmanager on loopback)', function () {
  this.timeout(60_000)
  let alertmanager: RunningAlertmanager
  let shop: Shop
  let clock: FakeClock

  before(async function () {
    alertmanager = await startAlertmanager(requireSystemBinary(this, findAlertmanager(), ALERTMANAGER_MISSING))
  })

  after(async () => {
    await alertmanager?.stop()
  })

  beforeEach(async () => {
    shop = await Shop.start()
    clock = new FakeClock(Date.now())
  })

  afterEach(async () => {
    await shop?.close()
  })

  const enginePass = () => pass(clientFor(shop.server.kubeconfigPath), {clock})
  const silence = (id: string) => alertmanager.api<GettableSilence>(`silence/${id}`)

  it('silences each target kind during the window, moves the end on extend, re-creates one deleted by hand, expires them at the end', async () => {
    seedInstallConfig(shop, {'alertmanager-url': alertmanager.url})
    // Ten seconds back, so the end set later to half a second ago is never in the start's second (times are kept to
    // the second; an end equal to the start is an invalid window, which fails).
    const start = clock.now() - 10_000
    const end = start + HOUR
    shop.server.seed(windowConfigMap(WINDOW, ['ingress/shop', 'service/db'], start, end))
    const report = await enginePass()
    expect(report.errors).to.deep.equal([])
    expect(shop.phase(WINDOW)).to.equal('Active')

    const ids = recorded(shop)
    expect(Object.keys(ids).sort()).to.deep.equal(['ingress', 'service'])
    const ingress = await silence(ids.ingress)
    const service = await silence(ids.service)
    expect(ingress.status.state).to.equal('active')
    expect(matchersOf(ingress)).to.deep.equal(['ingress=~"shop"', `namespace="${NS}"`])
    expect(matchersOf(service)).to.deep.equal(['namespace="shop"', 'service=~"db"'])
    expect(second(ingress.endsAt)).to.equal(rfc3339(end + GRACE))
    expect(ingress.createdBy).to.equal('kubectl-maintenance')
    const uid = (shop.window(WINDOW)!.metadata as {uid?: string}).uid
    expect(ingress.comment).to.include(`window ${NS}/${WINDOW} (uid ${uid})`)

    // A second pass changes nothing: the same silences, no new one.
    const before = (await alertmanager.api<GettableSilence[]>('silences')).length
    await enginePass()
    expect(recorded(shop)).to.deep.equal(ids)
    expect((await alertmanager.api<GettableSilence[]>('silences')).length).to.equal(before)

    // extend: the window's end moves 30 minutes; so do the silences'.
    const extended = end + 30 * 60_000
    await shop.setEnd(shop.server.kubeconfigPath, WINDOW, extended)
    clock.current = Date.now()
    await enginePass()
    const afterExtend = recorded(shop)
    for (const id of Object.values(afterExtend)) {
      const moved = await silence(id)
      expect(moved.status.state).to.equal('active')
      expect(second(moved.endsAt)).to.equal(rfc3339(extended + GRACE))
    }

    // Someone expires the service silence by hand while the window is active: the next pass makes it again.
    const expire = await fetch(`${alertmanager.url}/api/v2/silence/${afterExtend.service}`, {method: 'DELETE'})
    expect(expire.status).to.equal(200)
    expect((await silence(afterExtend.service)).status.state).to.equal('expired')
    clock.current = Date.now()
    await enginePass()
    const recreated = recorded(shop)
    expect(recreated.service).to.not.equal(afterExtend.service)
    expect((await silence(recreated.service)).status.state).to.equal('active')
    expect(matchersOf(await silence(recreated.service))).to.deep.equal(['namespace="shop"', 'service=~"db"'])

    // end: the window ends now; its silences are expired and the ids leave the window.
    clock.current = Date.now()
    await shop.setEnd(shop.server.kubeconfigPath, WINDOW, clock.now() - 500)
    await enginePass()
    expect(shop.phase(WINDOW)).to.equal('Completed')
    for (const id of Object.values(recreated)) expect((await silence(id)).status.state, id).to.equal('expired')
    expect(recorded(shop)).to.deep.equal({})
  })

  it('follows the install-level matcher template and grace, and never expires a silence that is not its own', async () => {
    seedInstallConfig(shop, {'alertmanager-url': alertmanager.url, 'silence-grace': '10m', 'silence-matchers': 'namespace="{{namespace}}",app=~"{{names}}"'})
    // Someone else's silence, whose id a tenant writes onto their window.
    const foreign = await fetch(`${alertmanager.url}/api/v2/silences`, {
      body: JSON.stringify({comment: 'on-call', createdBy: 'alice', endsAt: rfc3339(Date.now() + HOUR), matchers: [{isRegex: false, name: 'team', value: 'payments'}], startsAt: rfc3339(Date.now())}),
      headers: {'Content-Type': 'application/json'},
      method: 'POST',
    })
    const foreignId = ((await foreign.json()) as {silenceID: string}).silenceID
    // Ten seconds back, so the end set later to half a second ago is never in the start's second (times are kept to
    // the second; an end equal to the start is an invalid window, which fails).
    const start = clock.now() - 10_000
    const end = start + HOUR
    const window = windowConfigMap(WINDOW, ['ingress/shop', 'service/db'], start, end)
    ;(window as unknown as {data: Record<string, string>}).data.silences = JSON.stringify({window: foreignId})
    shop.server.seed(window)
    const started = await enginePass()
    expect(shop.phase(WINDOW), `the pass said: ${JSON.stringify(started.errors)}`).to.equal('Active')
    const ids = recorded(shop)
    expect(Object.keys(ids)).to.deep.equal(['window'])
    expect(ids.window, 'a silence of its own, not the foreign one').to.not.equal(foreignId)
    const own = await silence(ids.window)
    expect(matchersOf(own)).to.deep.equal(['app=~"db|shop"', 'namespace="shop"'])
    expect(second(own.endsAt)).to.equal(rfc3339(end + 10 * 60_000))

    // The tenant writes the foreign id onto their window again before it ends.
    await shop.edit(shop.server.kubeconfigPath, Resources.configMaps, WINDOW, {data: {silences: JSON.stringify({window: foreignId})}})
    clock.current = Date.now()
    await shop.setEnd(shop.server.kubeconfigPath, WINDOW, clock.now() - 500)
    const ended = await enginePass()
    expect((await silence(foreignId)).status.state, "the on-call's silence stays").to.equal('active')
    expect(shop.phase(WINDOW), `the pass said: ${JSON.stringify(ended.errors)}`).to.equal('Completed')
    expect(recorded(shop)).to.deep.equal({})
  })

  it('two passes at once at the start: whatever silences they made for the window, none is left active after end', async () => {
    seedInstallConfig(shop, {'alertmanager-url': alertmanager.url})
    const start = clock.now() - 10_000
    shop.server.seed(windowConfigMap(WINDOW, ['service/db'], start, start + HOUR))
    await Promise.all([enginePass(), enginePass(), enginePass()])
    const uid = (shop.window(WINDOW)!.metadata as {uid?: string}).uid!
    const ours = async () => (await alertmanager.api<GettableSilence[]>('silences')).filter((s) => s.comment.includes(uid) && s.status.state !== 'expired')
    // However the race went, the losing pass's silence is made here too, as that pass makes it: unrecorded on the window.
    const recordedOne = await silence(recorded(shop).service)
    const other = await fetch(`${alertmanager.url}/api/v2/silences`, {
      body: JSON.stringify({comment: recordedOne.comment, createdBy: recordedOne.createdBy, endsAt: recordedOne.endsAt, matchers: recordedOne.matchers, startsAt: rfc3339(Date.now())}),
      headers: {'Content-Type': 'application/json'},
      method: 'POST',
    })
    expect(other.status).to.equal(200)
    expect((await ours()).length, 'the recorded one and at least one other').to.be.at.least(2)
    clock.current = Date.now()
    await shop.setEnd(shop.server.kubeconfigPath, WINDOW, clock.now() - 500)
    await enginePass()
    expect(shop.phase(WINDOW)).to.equal('Completed')
    expect((await ours()).map((s) => s.id), 'no silence of the window outlives it').to.deep.equal([])
  })

  it('cancel of an active window ends it (Completed) and expires its silence at once', async () => {
    seedInstallConfig(shop, {'alertmanager-url': alertmanager.url})
    const start = Date.now() - 10_000
    shop.server.seed(windowConfigMap(WINDOW, ['service/db'], start, start + HOUR))
    const env = {KUBECONFIG: shop.server.kubeconfigPath, KUBECTL_MAINTENANCE_NOW: undefined}
    const reconciled = await runCommand(['reconcile', '-n', NS], {env})
    expect(reconciled.exitCode, reconciled.stderr).to.equal(0)
    const {service: id} = recorded(shop)
    expect((await silence(id)).status.state).to.equal('active')
    const cancelled = await runCommand(['cancel', WINDOW, '-n', NS], {env})
    expect(cancelled.exitCode, cancelled.stderr).to.equal(0)
    expect(shop.phase(WINDOW)).to.equal('Completed')
    expect((await silence(id)).status.state).to.equal('expired')
    expect(recorded(shop)).to.deep.equal({})
  })

  it('a window edited into an invalid one while active: Failed, and its silences expired', async () => {
    seedInstallConfig(shop, {'alertmanager-url': alertmanager.url})
    const start = clock.now() - 10_000
    shop.server.seed(windowConfigMap(WINDOW, ['service/db'], start, start + HOUR))
    await enginePass()
    const {service: id} = recorded(shop)
    expect((await silence(id)).status.state).to.equal('active')
    // A tenant's edit: the targets annotation emptied.
    await shop.edit(shop.server.kubeconfigPath, Resources.configMaps, WINDOW, {metadata: {annotations: {'kubectl-maintenance.io/targets': ''}}})
    clock.current = Date.now()
    await enginePass()
    expect(shop.phase(WINDOW)).to.equal('Failed')
    expect((await silence(id)).status.state, 'the silence ends with the window').to.equal('expired')
    expect(recorded(shop)).to.deep.equal({})
  })

  it('the commands do it at once: reconcile makes the silence, extend moves its end, end expires it', async () => {
    seedInstallConfig(shop, {'alertmanager-url': alertmanager.url})
    const start = Date.now() - 1000
    const end = start + HOUR
    shop.server.seed(windowConfigMap(WINDOW, ['service/db'], start, end))
    const env = {KUBECONFIG: shop.server.kubeconfigPath, KUBECTL_MAINTENANCE_NOW: undefined}
    const cli = (...argv: string[]) => runCommand([...argv, '-n', NS], {env})

    const reconciled = await cli('reconcile')
    expect(reconciled.exitCode, reconciled.stderr).to.equal(0)
    const {service: id} = recorded(shop)
    expect((await silence(id)).status.state).to.equal('active')
    expect(second((await silence(id)).endsAt)).to.equal(rfc3339(end + GRACE))

    const extended = await cli('extend', WINDOW, '--by', '30m')
    expect(extended.exitCode, extended.stderr).to.equal(0)
    const afterExtend = recorded(shop).service
    expect((await silence(afterExtend)).status.state).to.equal('active')
    expect(second((await silence(afterExtend)).endsAt)).to.equal(rfc3339(end + 30 * 60_000 + GRACE))

    const ended = await cli('end', WINDOW)
    expect(ended.exitCode, ended.stderr).to.equal(0)
    expect(shop.phase(WINDOW)).to.equal('Completed')
    expect((await silence(afterExtend)).status.state).to.equal('expired')
    expect(recorded(shop)).to.deep.equal({})
  })
})
