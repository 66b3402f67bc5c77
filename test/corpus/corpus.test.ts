import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {Resources} from '../../src/kube/resources.js'
import {type ApiServer} from '../support/apiserver.js'
import {runCommand} from '../support/run-command.js'
import {KINDS, NS, ORIGINAL, PREFIX, Shop, clientFor, pass, windowConfigMap} from '../reliability/support.js'
import {ATTACKER, Tenancy, expectVictimServedOnTime, expectWarning} from '../security/support.js'
import {type CliCase, type OriginalCase, type TenantCase, type WindowCase, generate, generateArgs, generateBytes, generateObject, loadCorpus, resolveTime} from './format.js'

const corpus = loadCorpus()
const BAD = 'bad'
const CONTROL = 'control'
/** The control window's target, which no corpus window names: the rest of the pass must still switch it. */
const CONTROL_TARGET = KINDS[3]
/** Paths a pass may write while a bad window sits next to the control window. */
const ALLOWED_WRITES = [
  new RegExp(`/namespaces/${NS}/events$`),
  new RegExp(`/namespaces/${NS}/configmaps/(${BAD}|${CONTROL})$`),
  new RegExp(`/namespaces/${NS}/(configmaps|deployments|secrets|services)(/maintenance-[a-z0-9]+)?$`),
  new RegExp(`/namespaces/${NS}/services/${CONTROL_TARGET.name}$`),
]

function writesOutside(server: ApiServer, allowed: RegExp[]): string[] {
  return server
    .writes()
    .filter((write) => !allowed.some((pattern) => pattern.test(write.path)))
    .map((write) => `${write.method} ${write.path}`)
}

function windowEvents(shop: Shop, name: string) {
  return shop.events().filter((event) => event.involvedObject?.kind === 'ConfigMap' && event.involvedObject.name === name)
}

async function runCliCase(server: ApiServer, entry: CliCase): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'corpus-'))
  for (const [file, content] of Object.entries(entry.files ?? {})) writeFileSync(path.join(dir, file), generateBytes(content))
  const argv = entry.argv.flatMap((arg) => generateArgs(arg)).map((arg) => arg.replaceAll('$DIR', dir))
  server.clearLog()
  const result = await runCommand(argv, {env: {KUBECONFIG: server.kubeconfigPath, KUBECTL_MAINTENANCE_NOW: undefined}})
  const shown = `exit ${result.exitCode}, stderr: ${result.stderr.slice(0, 600)}`
  expect(result.exitCode, shown).to.equal(entry.expect.exitCode)
  expect(result.stderr, shown).to.match(new RegExp(entry.expect.stderr, 'i'))
  expect(server.writes().map((w) => `${w.method} ${w.path}`), 'writes').to.have.length(entry.expect.writes ?? 0)
}

function badWindow(entry: WindowCase, now: number) {
  const base = windowConfigMap(BAD, ['ingress/shop'], now - 60_000, now + 3_600_000)
  const annotations = base.metadata.annotations!
  for (const [key, value] of Object.entries(entry.annotations ?? {})) {
    if (value === null) delete annotations[PREFIX + key]
    else annotations[PREFIX + key] = resolveTime(generate(value), now)
  }
  const data = {...(base.data as Record<string, string>)}
  for (const [key, value] of Object.entries(entry.data ?? {})) data[key] = generate(value)
  return {...base, data}
}

async function runWindowCase(entry: WindowCase): Promise<void> {
  const shop = await Shop.start()
  try {
    const now = Date.now()
    for (const page of entry.pages ?? []) {
      const data = Object.fromEntries(Object.entries(page.data).map(([key, value]) => [key, generate(value)]))
      shop.server.seed({
        apiVersion: 'v1',
        data,
        kind: 'ConfigMap',
        metadata: {labels: {'app.kubernetes.io/managed-by': 'kubectl-maintenance', [`${PREFIX}role`]: 'page'}, name: page.name, namespace: NS},
      })
    }
    shop.server.seed(windowConfigMap(CONTROL, [CONTROL_TARGET.ref], now - 60_000, now + 3_600_000))
    shop.server.seed(badWindow(entry, now))
    const others = KINDS.filter((kind) => kind !== CONTROL_TARGET)
    const before = others.map((kind) => shop.target(kind))
    shop.server.clearLog()

    const report = await pass(clientFor(shop.server.kubeconfigPath))
    const phase = shop.phase(BAD)
    const message = shop.window(BAD)?.metadata.annotations?.[`${PREFIX}phase-message`] ?? ''
    const shown = `phase ${phase}: ${message.slice(0, 300)}; errors: ${report.errors.join('; ').slice(0, 300)}`
    expect(phase, shown).to.equal(entry.expect.phase)
    if (entry.expect.message) expect(message, shown).to.match(new RegExp(entry.expect.message, 'i'))

    const expectedEvent = entry.expect.event ?? (entry.expect.phase === 'Failed' ? 'MaintenanceFailed' : 'none')
    const events = windowEvents(shop, BAD)
    if (expectedEvent === 'none') expect(events.map((e) => e.reason)).to.deep.equal([])
    else {
      expect(events.map((e) => e.reason), shown).to.deep.equal([expectedEvent])
      if (entry.expect.phase === 'Failed') expect(events[0].type).to.equal('Warning')
    }

    // The rest of the pass is unaffected: the control window switched its target in this very pass.
    expect(shop.phase(CONTROL), 'control window').to.equal('Active')
    expect(shop.target(CONTROL_TARGET)?.metadata.annotations?.[ORIGINAL], 'control target switched').to.be.a('string')
    expect(report.errors, 'pass errors').to.deep.equal([])

    if (entry.expect.phase === 'Active') {
      expect(shop.target(KINDS[0])?.metadata.annotations?.[ORIGINAL], 'the window switched its target').to.be.a('string')
      return
    }
    expect(others.map((kind) => shop.target(kind)), 'nothing else touched').to.deep.equal(before)
    expect(writesOutside(shop.server, ALLOWED_WRITES), 'writes outside the windows, events and the control target').to.deep.equal([])

    // Settled: the next pass writes nothing about the bad window (no Event every minute).
    shop.server.clearLog()
    await pass(clientFor(shop.server.kubeconfigPath))
    expect(shop.server.writes().map((w) => `${w.method} ${w.path}`), 'second pass').to.deep.equal([])
  } finally {
    await shop.close()
  }
}

async function runOriginalCase(entry: OriginalCase): Promise<void> {
  const shop = await Shop.start()
  try {
    const originals = shop.specs()
    const now = Date.now()
    shop.server.seed(windowConfigMap('w', KINDS.map((kind) => kind.ref), now - 60_000, now + 3_600_000))
    expect((await pass(clientFor(shop.server.kubeconfigPath))).errors).to.deep.equal([])
    const tampered = KINDS.find((kind) => kind.ref === entry.target)
    if (!tampered) throw new Error(`${entry.name}: unknown target ${entry.target}`)
    const client = clientFor(shop.server.kubeconfigPath)
    const resource = {HTTPRoute: Resources.httpRoutes, Ingress: Resources.ingresses, IngressRoute: Resources.ingressRoutes, Service: Resources.services}[tampered.kind]
    await client.patch(resource, NS, tampered.name, 'merge', {metadata: {annotations: {[ORIGINAL]: generate(entry.original)}}})
    await client.patch(Resources.configMaps, NS, 'w', 'merge', {metadata: {annotations: {[`${PREFIX}end`]: new Date(Math.floor(Date.now() / 1000) * 1000 - 1000).toISOString().replace('.000Z', 'Z')}}})
    const switched = shop.target(tampered)

    const result = await runCommand(['reconcile', '-n', NS], {env: {KUBECONFIG: shop.server.kubeconfigPath}})
    const shown = `exit ${result.exitCode}, stderr: ${result.stderr.slice(0, 600)}`
    expect(result.exitCode, shown).to.equal(entry.expect.exitCode)

    expect(shop.target(tampered), 'the tampered target is left on the maintenance page, never restored from the tampered original').to.deep.equal(switched)
    const refused = shop.events('MaintenanceRestoreRefused').filter((event) => event.involvedObject?.name === tampered.name)
    expect(refused, shown).to.have.length.greaterThan(0)
    expect(refused[0].type).to.equal('Warning')
    expect(refused[0].message, 'the Event names the problem').to.match(new RegExp(entry.expect.event, 'i'))
    expect(result.stderr, 'the failure names the target').to.include(entry.target)
    for (const kind of KINDS.filter((other) => other !== tampered)) {
      expect(shop.target(kind)?.spec, `${kind.ref} restored although ${entry.target} was refused`).to.deep.equal(originals[kind.ref])
    }
    expect(shop.backendObjects(), 'the refused target keeps its backend').to.have.length(3)
  } finally {
    await shop.close()
  }
}

/** One CronJob pass over the victim and the hostile tenant (test/security/support.ts): the victim is served on time. */
async function runTenantCase(entry: TenantCase): Promise<void> {
  const tenancy = await Tenancy.start()
  try {
    const objects = (generateObject(entry.objects, tenancy.t0) as Array<{metadata?: Record<string, unknown>}>).map((object) => ({
      ...object,
      metadata: {...object.metadata, namespace: ATTACKER},
    }))
    tenancy.server.seed(...objects)
    const before = tenancy.inventory(ATTACKER)
    tenancy.server.clearLog()
    const outcome = await tenancy.pass()
    expectVictimServedOnTime(tenancy, outcome)
    // Nothing that was there before is gone or replaced, except a planted backend object the pass said it replaced.
    const after = new Set(tenancy.inventory(ATTACKER))
    const replaced = tenancy.warnings(ATTACKER).filter((event) => event.reason === 'BackendReplaced').map((event) => `${event.involvedObject?.kind}/${event.involvedObject?.name}#`)
    const lost = before.filter((entry) => !after.has(entry) && !replaced.some((prefix) => entry.startsWith(prefix)))
    expect(lost, 'objects of the attacker that the pass deleted').to.deep.equal([])
    expectWarning(tenancy, new RegExp(entry.expect.warning))
    for (const name of entry.expect.failed ?? []) expect(tenancy.phase(ATTACKER, name), name).to.equal('Failed')
  } finally {
    await tenancy.close()
  }
}

describe('bad input corpus', function () {
  this.timeout(60_000)
  let server: Shop

  before(async () => {
    server = await Shop.start()
    const now = Date.now()
    server.server.seed(windowConfigMap('existing', ['ingress/shop'], now - 60_000, now + 3_600_000))
  })

  after(async () => {
    await server.close()
  })

  it(`holds at least 40 cases, each with a name and an expected outcome (${corpus.length} cases)`, () => {
    expect(corpus.length).to.be.at.least(40)
    const names = corpus.map((entry) => entry.name)
    expect(new Set(names).size, 'unique names').to.equal(names.length)
    for (const entry of corpus) expect(entry.expect, entry.name).to.be.an('object')
  })

  for (const entry of corpus) {
    const title = `${entry.file}: ${entry.name}`
    if (entry.type === 'cli') it(title, () => runCliCase(server.server, entry))
    else if (entry.type === 'window') it(title, () => runWindowCase(entry))
    else if (entry.type === 'original') it(title, () => runOriginalCase(entry))
    else if (entry.type === 'tenant') it(title, () => runTenantCase(entry))
    else it(title, () => expect.fail(`unknown case type in ${(entry as {file: string}).file}`))
  }
})
