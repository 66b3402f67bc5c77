import {expect} from 'chai'

import {parseLedger} from '../../src/engine/notifications.js'
import {ALL_REFS, FakeClock, NS, PREFIX, Resources, Shop, clientFor, pass, rfc3339, windowConfigMap} from '../reliability/support.js'
import {type Receiver, postsByKey, startReceiver} from '../support/receiver.js'
import {seedInstallConfig} from './support.js'

const WINDOW = 'db-upgrade'
const LEAD_MS = 60_000
const HOUR = 3_600_000
const noWait = async () => {}

interface Run {
  /** Transitions in the order the receiver first saw them. */
  transitions: string[]
  passesThatThrew: number
}

/**
 * The life of a window, each step a CronJob pass followed by the next minute's pass (which must send nothing new):
 * scheduled an hour ahead -> start -> extend by 30m -> end now. With `crash`, the step's first pass is killed (every
 * API request fails from then on) as the test says.
 */
async function lifecycle(shop: Shop, clock: FakeClock, receiver: Receiver, failAfter?: number, targets: readonly string[] = ALL_REFS): Promise<Run> {
  const {server} = shop
  const run: Run = {passesThatThrew: 0, transitions: []}
  const start = clock.now() + LEAD_MS
  server.seed(windowConfigMap(WINDOW, targets, start, start + HOUR))
  let used = 0
  const enginePass = async () => {
    const before = server.requests.length
    if (failAfter !== undefined && used <= failAfter) server.faults.failAfter(failAfter - used)
    try {
      await pass(clientFor(server.kubeconfigPath, {sleep: (ms) => clock.sleep(ms)}), {clock, horizonMs: 2000, outsideSleep: noWait})
    } catch {
      run.passesThatThrew++
    } finally {
      server.faults.clear()
      used += server.requests.length - before
    }
  }
  const step = async () => {
    await enginePass()
    clock.advance(1000)
    await enginePass()
  }
  await step()
  clock.current = start
  await step()
  clock.advance(5000)
  await shop.setEnd(server.kubeconfigPath, WINDOW, start + HOUR + 30 * 60_000)
  await step()
  clock.advance(5000)
  await shop.setEnd(server.kubeconfigPath, WINDOW, clock.now() - 500)
  await step()
  for (const request of receiver.received) {
    const transition = (request.body as {transition?: string}).transition ?? ''
    if (!run.transitions.includes(transition)) run.transitions.push(transition)
  }
  return run
}

const SWEEP_TARGETS = ['service/db']
const SWEEP_STRIDE = Number.parseInt(process.env.NOTIFY_SWEEP_STRIDE ?? '', 10) || 30
const LIFECYCLE = ['Scheduled', 'Announced', 'Active', 'Extended', 'Completed']

function startOfNextSecond(): number {
  return Math.ceil(Date.now() / 1000) * 1000
}

describe('webhook notifications (real local receiver)', function () {
  this.timeout(300_000)
  let shop: Shop
  let receiver: Receiver

  afterEach(async () => {
    await shop?.close()
    await receiver?.close()
  })

  it('POSTs exactly one event per transition over a full lifecycle, with the idempotency key in header and body, recorded on the window', async () => {
    shop = await Shop.start()
    receiver = await startReceiver()
    seedInstallConfig(shop, {'notify-url': receiver.url})
    const clock = new FakeClock(startOfNextSecond())
    const run = await lifecycle(shop, clock, receiver)
    expect(run.passesThatThrew).to.equal(0)
    expect(run.transitions).to.deep.equal(LIFECYCLE)
    expect([...postsByKey(receiver).values()]).to.deep.equal([1, 1, 1, 1, 1])
    const window = shop.window(WINDOW)!
    const uid = (window.metadata as {uid?: string}).uid
    const first = receiver.received[0]
    expect(first.method).to.equal('POST')
    expect(first.path).to.equal('/hooks/maintenance')
    expect(first.headers['content-type']).to.equal('application/json')
    const body = first.body as Record<string, unknown>
    expect(first.headers['idempotency-key']).to.equal(body.idempotencyKey)
    expect(body.idempotencyKey).to.match(new RegExp(`^${uid}/\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ/Scheduled$`))
    expect(body).to.include({message: 'Upgrading the database', timezone: 'Europe/Berlin', transition: 'Scheduled'})
    expect(body.window).to.deep.equal({name: WINDOW, namespace: NS, uid})
    expect(body.targets).to.deep.equal(ALL_REFS)
    const extended = receiver.received.find((request) => (request.body as {transition: string}).transition === 'Extended')!.body as {occurrence: {end: string}}
    expect(extended.occurrence.end, 'the extension says the new end').to.equal(rfc3339(Date.parse((first.body as {occurrence: {start: string}}).occurrence.start) + HOUR + 30 * 60_000))
    const ledger = parseLedger((window as {data?: Record<string, string>}).data?.notifications)
    expect(ledger.map((entry) => entry.transition)).to.deep.equal(LIFECYCLE)
    expect(ledger.map((entry) => entry.key)).to.deep.equal([...postsByKey(receiver).keys()])
  })

  it('retries a receiver that fails twice, then succeeds: one delivered event, no Warning', async () => {
    shop = await Shop.start()
    let failures = 0
    receiver = await startReceiver(() => (failures++ < 2 ? {body: 'try later', status: 503} : undefined))
    seedInstallConfig(shop, {'notify-url': receiver.url})
    const clock = new FakeClock(startOfNextSecond())
    await lifecycle(shop, clock, receiver)
    const counts = postsByKey(receiver)
    const [firstKey] = counts.keys()
    expect(counts.get(firstKey), 'the first event was tried three times in its pass').to.equal(3)
    expect([...counts.values()].slice(1)).to.deep.equal([1, 1, 1, 1])
    expect(shop.events('NotificationFailed')).to.deep.equal([])
  })

  it('a receiver that keeps failing becomes a Warning Event, and never delays the switch', async () => {
    shop = await Shop.start()
    receiver = await startReceiver(() => ({body: 'down', status: 500}))
    seedInstallConfig(shop, {'notify-url': receiver.url})
    const clock = new FakeClock(startOfNextSecond())
    const start = clock.now() + LEAD_MS
    shop.server.seed(windowConfigMap(WINDOW, ALL_REFS, start, start + HOUR))
    clock.current = start
    await pass(clientFor(shop.server.kubeconfigPath), {clock, outsideSleep: noWait})
    expect(shop.phase(WINDOW)).to.equal('Active')
    const warnings = shop.events('NotificationFailed')
    expect(warnings.length).to.equal(1)
    expect(warnings[0].type).to.equal('Warning')
    expect(warnings[0].message).to.match(/notifying http:\/\/127\.0\.0\.1:\d+\/… of Active failed .*answered 500: down; the next pass tries again/)
    expect(receiver.received.length, 'three attempts').to.equal(3)
    expect((shop.window(WINDOW) as {data?: Record<string, string>}).data?.notifications, 'nothing recorded as sent').to.equal(undefined)
  })

  it('--notify-format slack, URL from the Secret: a {text, blocks} body with the key in the header and a context block', async () => {
    shop = await Shop.start()
    receiver = await startReceiver()
    seedInstallConfig(shop, {'notify-format': 'slack'}, {'notify-url': `${receiver.url}?token=abc`})
    const clock = new FakeClock(startOfNextSecond())
    shop.server.seed(windowConfigMap(WINDOW, ['service/db'], clock.now() - 1000, clock.now() + HOUR))
    await pass(clientFor(shop.server.kubeconfigPath), {clock, outsideSleep: noWait})
    expect(receiver.received.length).to.equal(1)
    const [request] = receiver.received
    expect(request.path).to.equal('/hooks/maintenance?token=abc')
    const body = request.body as {text: string; blocks: Array<{type: string; elements?: Array<{text: string}>}>}
    expect(body.text).to.equal(`Maintenance started: ${NS}/${WINDOW}`)
    expect(body.blocks.map((block) => block.type)).to.deep.equal(['section', 'context'])
    expect(body.blocks[1].elements?.[0].text).to.include(String(request.headers['idempotency-key']))
  })

  it('cancel before the start: Cancelled for the occurrence that was scheduled, then nothing more', async () => {
    shop = await Shop.start()
    receiver = await startReceiver()
    seedInstallConfig(shop, {'notify-url': receiver.url})
    const clock = new FakeClock(startOfNextSecond())
    const start = clock.now() + 48 * HOUR
    shop.server.seed(windowConfigMap(WINDOW, ['service/db'], start, start + HOUR))
    const enginePass = () => pass(clientFor(shop.server.kubeconfigPath), {clock, outsideSleep: noWait})
    await enginePass()
    await shop.edit(shop.server.kubeconfigPath, Resources.configMaps, WINDOW, {metadata: {annotations: {[`${PREFIX}phase`]: 'Cancelled'}}})
    await enginePass()
    await enginePass()
    expect(receiver.received.map((request) => (request.body as {transition: string}).transition)).to.deep.equal(['Scheduled', 'Cancelled'])
    expect(String(receiver.received[1].headers['idempotency-key'])).to.match(new RegExp(`/${rfc3339(start)}/Cancelled$`))
  })

  it('two passes at once (a command and the CronJob) send each transition once: the claim on the window decides', async () => {
    let most = 0
    for (let i = 0; i < 8; i++) {
      shop = await Shop.start()
      receiver = await startReceiver()
      seedInstallConfig(shop, {'notify-url': receiver.url})
      const clock = new FakeClock(startOfNextSecond())
      const start = clock.now() + LEAD_MS
      shop.server.seed(windowConfigMap(WINDOW, ['service/db'], start, start + HOUR))
      const both = () => Promise.all([0, 1].map(() => pass(clientFor(shop.server.kubeconfigPath), {clock, outsideSleep: noWait})))
      await both()
      clock.current = start
      await both()
      clock.advance(5000)
      await shop.setEnd(shop.server.kubeconfigPath, WINDOW, clock.now() - 500)
      await both()
      const counts = postsByKey(receiver)
      expect(receiver.received.map((request) => (request.body as {transition: string}).transition), `run ${i}`).to.deep.equal(['Scheduled', 'Announced', 'Active', 'Completed'])
      most = Math.max(most, ...counts.values())
      const ledger = parseLedger((shop.window(WINDOW) as {data?: Record<string, string>}).data?.notifications)
      expect(ledger.map((entry) => [entry.transition, entry.claimed ?? false]), `run ${i}`).to.deep.equal([['Scheduled', false], ['Announced', false], ['Active', false], ['Completed', false]])
      await shop.close()
      await receiver.close()
    }
    expect(most).to.equal(1)
  })

  it('with a crash after every webhook request: each transition reaches the receiver, at most a second time and only with the same key', async () => {
    const clean = await Shop.start()
    const cleanReceiver = await startReceiver()
    seedInstallConfig(clean, {'notify-url': cleanReceiver.url})
    await lifecycle(clean, new FakeClock(startOfNextSecond()), cleanReceiver)
    const total = cleanReceiver.received.length
    await clean.close()
    await cleanReceiver.close()

    for (let j = 0; j < total; j++) {
      shop = await Shop.start()
      receiver = await startReceiver()
      seedInstallConfig(shop, {'notify-url': receiver.url})
      // The pass dies right after the receiver answered the j-th POST: nothing it writes afterwards lands.
      receiver.onAnswered = (_request, index) => {
        if (index === j) shop.server.faults.failAfter(0)
      }
      const run = await lifecycle(shop, new FakeClock(startOfNextSecond()), receiver)
      const counts = postsByKey(receiver)
      expect(run.transitions, `j=${j}`).to.deep.equal(LIFECYCLE)
      const keys = [...counts.keys()]
      const crashedKey = String(receiver.received[j].headers['idempotency-key'])
      // The crashed one was sent but not recorded: its claim holds for CLAIM_TTL_MS, after which a pass sends it once
      // more (same key) if it is still due.
      for (const key of keys) expect(counts.get(key), `j=${j}, ${key}`).to.be.within(1, key === crashedKey ? 2 : 1)
      await shop.close()
      await receiver.close()
    }
  })

  it('with a crash after every API request of the engine: each transition is sent, at most once more with the same key', async function () {
    // A few minutes sampled; every request (NOTIFY_SWEEP_STRIDE=1) takes about a quarter of an hour.
    this.timeout(SWEEP_STRIDE === 1 ? 3_600_000 : 600_000)
    const clean = await Shop.start()
    const cleanReceiver = await startReceiver()
    seedInstallConfig(clean, {'notify-url': cleanReceiver.url})
    const before = clean.server.requests.length
    // One target keeps the sweep short; what it proves is about the window's records, not the kinds.
    await lifecycle(clean, new FakeClock(startOfNextSecond()), cleanReceiver, undefined, SWEEP_TARGETS)
    const log = clean.server.requests.slice(before)
    const apiRequests = log.length
    await clean.close()
    await cleanReceiver.close()
    // Every request near a ledger write (where a crash makes a repeat), and every STRIDE-th elsewhere; the soak run
    // (NOTIFY_SWEEP_STRIDE=1) tries every k.
    const ledgerWrites = log.flatMap((entry, index) => (entry.method === 'PATCH' && JSON.stringify(entry.body ?? '').includes('notifications') ? [index] : []))
    const points = new Set<number>()
    for (let k = 0; k <= apiRequests; k += SWEEP_STRIDE) points.add(k)
    for (const index of ledgerWrites) for (let k = index - 1; k <= index + 1; k++) if (k >= 0 && k <= apiRequests) points.add(k)
    expect(ledgerWrites.length, 'the clean lifecycle claimed, then recorded, each transition').to.equal(2 * LIFECYCLE.length)

    let duplicated = 0
    let unrecorded = 0
    let tried = 0
    for (const k of [...points].sort((a, b) => a - b)) {
      shop = await Shop.start()
      receiver = await startReceiver()
      seedInstallConfig(shop, {'notify-url': receiver.url})
      const run = await lifecycle(shop, new FakeClock(startOfNextSecond()), receiver, k, SWEEP_TARGETS)
      expect(run.transitions, `k=${k}`).to.deep.equal(LIFECYCLE)
      const counts = [...postsByKey(receiver).values()]
      expect(counts.every((count) => count === 1 || count === 2), `k=${k}: ${counts.join(',')}`).to.equal(true)
      expect(counts.filter((count) => count === 2).length, `k=${k}: one crash repeats at most one event`).to.be.at.most(1)
      duplicated += counts.filter((count) => count === 2).length
      unrecorded += parseLedger((shop.window(WINDOW) as {data?: Record<string, string>}).data?.notifications).filter((entry) => entry.claimed).length
      tried++
      await shop.close()
      await receiver.close()
    }
    console.log(
      `      webhook crash sweep: ${tried} crash points of ${apiRequests + 1} (stride ${SWEEP_STRIDE}, and around each of the ${ledgerWrites.length} ledger writes); ` +
        `${duplicated} repeated an event (same key), ${unrecorded} left one sent under its claim`,
    )
    expect(duplicated + unrecorded, 'some crash fell between a POST and its record').to.be.greaterThan(0)
  })
})
