import {expect} from 'chai'

import type {ApiServer} from '../support/apiserver.js'

import {runCommand} from '../support/run-command.js'
import {envFor, ingress, installCronJob, startCluster} from './fixtures.js'

const SECRET = 'Our-own-bypass-secret_2026'

describe('schedule/now --bypass and the bypass command', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(ingress('shop', 'shop'), installCronJob())
  })

  after(async () => server.close())

  beforeEach(() => server.clearLog())

  const run = (...argv: string[]) => runCommand(argv, {env: envFor(server)})
  const schedule = (...argv: string[]) => run('schedule', 'ingress/shop', '-n', 'shop', '--start', '2026-12-24 22:00', '--duration', '2h', '--timezone', 'UTC', ...argv)

  it('keeps the secret in a Secret owned by the window, the gate (with a salted digest only) on the window, and prints it with bypass', async () => {
    const result = await schedule('--name', 'with-bypass', '--bypass-secret', SECRET, '--except', '/healthz', '--except', '/api/webhooks/*', '--read-only', '--bypass-ttl', '2h')
    expect([result.exitCode, result.stderr]).to.deep.equal([0, 'bypass: kubectl maintenance bypass with-bypass -n shop prints the link and the header\n'])
    const window = server.object('v1', 'ConfigMap', 'shop', 'with-bypass') as {metadata: {uid: string; annotations: Record<string, string>}}
    const gate = JSON.parse(window.metadata.annotations['kubectl-maintenance.io/gate']) as {bypass: Record<string, unknown>}
    expect(Object.keys(gate)).to.deep.equal(['bypass', 'except', 'readOnly'])
    expect(Object.keys(gate.bypass)).to.deep.equal(['digest', 'salt', 'ttlSeconds'])
    expect(gate.bypass.ttlSeconds).to.equal(7200)
    expect(JSON.stringify(window)).not.to.include(SECRET)
    const secret = server.object('v1', 'Secret', 'shop', 'maintenance-bypass-with-bypass') as {data: Record<string, string>; metadata: {ownerReferences: Array<{uid: string; kind: string}>}}
    expect(Buffer.from(secret.data.secret, 'base64').toString()).to.equal(SECRET)
    expect(secret.metadata.ownerReferences.map((ref) => [ref.kind, ref.uid])).to.deep.equal([['ConfigMap', window.metadata.uid]])

    expect(await run('bypass', 'with-bypass', '-n', 'shop')).to.deep.equal({
      exitCode: 0,
      stderr: '',
      stdout: `link path: /_maintenance/bypass/${SECRET}\nheader:    X-Maintenance-Bypass: ${SECRET}\ncookie:    lasts 2h\n`,
    })
    expect((await run('bypass', 'with-bypass', '-n', 'shop', '-o', 'header')).stdout).to.equal(`X-Maintenance-Bypass: ${SECRET}\n`)
  })

  it('makes a random 32-character secret with --bypass', async () => {
    expect((await schedule('--name', 'random', '--bypass')).exitCode).to.equal(0)
    const path = (await run('bypass', 'random', '-n', 'shop', '-o', 'path')).stdout
    expect(path).to.match(/^\/_maintenance\/bypass\/[A-Za-z0-9_-]{32}\n$/)
  })

  it('exits 2 on a window without a bypass', async () => {
    expect((await schedule('--name', 'read-only', '--read-only')).exitCode).to.equal(0)
    const result = await run('bypass', 'read-only', '-n', 'shop')
    expect([result.exitCode, result.stderr]).to.deep.equal([2, 'error: window read-only has no bypass: create it with --bypass (or --bypass-secret) to get one\n'])
  })

  it('says why a target switched by the enable annotation has no gate, and what to use instead (exit 2)', async () => {
    const result = await run('bypass', 'annotation', '-n', 'shop')
    expect(result.exitCode).to.equal(2)
    expect(result.stderr).to.equal(
      'error: targets switched by the annotation kubectl-maintenance.io/enabled have no gate (no bypass, exempt paths or read-only): that path has no window to keep ' +
        'the gate on and no Secret for a bypass secret. Remove the annotation and use a window: kubectl maintenance now TARGET --bypass (or --except PATH, --read-only)\n',
    )
  })

  const bad: Array<[string, string[], string]> = [
    ['a short secret', ['--bypass-secret', 'too-short'], 'the bypass secret must be 16 to 128 characters'],
    ['a secret that is not URL-safe', ['--bypass-secret', 'has/slash/and?query=1234'], 'URL-safe'],
    ['an exemption that is not a path', ['--except', 'healthz'], '--except "healthz" is not a path'],
    ['an exemption with a query', ['--except', '/a?b'], 'is not a path'],
    ['a TTL that is not a duration', ['--bypass', '--bypass-ttl', 'soon'], '--bypass-ttl'],
    ['a TTL under an hour', ['--bypass', '--bypass-ttl', '10m'], 'shorter than 1h'],
    ['a CIDR that is not one', ['--allow-cidr', '10.0.0.0/33'], '--allow-cidr "10.0.0.0/33" is not an address or CIDR'],
    ['--trust-forwarded-for without --allow-cidr', ['--read-only', '--trust-forwarded-for', '1'], 'only matters with --allow-cidr'],
    ['--bypass-ttl without a bypass', ['--read-only', '--bypass-ttl', '2h'], 'need --bypass'],
  ]
  for (const [why, flags, message] of bad) {
    it(`exits 2 on ${why}, writing nothing`, async () => {
      const result = await schedule(...flags)
      expect(result.exitCode).to.equal(2)
      expect(result.stderr).to.include(message)
      expect(server.writes()).to.have.length(0)
    })
  }

  it('now --bypass with a bad secret exits 2 and writes nothing', async () => {
    const result = await run('now', 'ingress/shop', '-n', 'shop', '--bypass-secret', 'x', '--no-wait')
    expect(result.exitCode).to.equal(2)
    expect(server.writes()).to.have.length(0)
  })
})
