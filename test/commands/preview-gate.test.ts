import {expect} from 'chai'
import {type ChildProcess, spawn} from 'node:child_process'
import {chmodSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {type Server, createServer} from 'node:http'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {findNginx} from '../support/nginx.js'
import {freePort} from '../support/ports.js'
import {runCommand} from '../support/run-command.js'
import {requireSystemBinary} from '../support/system-binary.js'

const SECRET = 'preview-bypass-secret-01'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('preview --upstream: the gate without a cluster', function () {
  this.timeout(60_000)
  let upstream: Server
  let upstreamUrl: string
  let dir: string
  let nginx: ChildProcess | undefined

  before(async () => {
    upstream = createServer((req, res) => res.end(`the real site: ${req.method} ${req.url}`))
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()))
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as {port: number}).port}`
    dir = mkdtempSync(path.join(tmpdir(), 'km-preview-gate-'))
    chmodSync(dir, 0o755)
  })

  after(async () => {
    nginx?.kill('SIGTERM')
    upstream.close()
    rmSync(dir, {force: true, recursive: true})
  })

  const preview = (...argv: string[]) => runCommand(['preview', ...argv], {env: {HOME: dir, KUBECONFIG: undefined}})

  it('writes an nginx.conf that proxies the bypass, exemptions and nothing else to the upstream', async function () {
    const binary = findNginx()
    requireSystemBinary(this, binary, 'nginx not found')
    const port = await freePort()
    const out = path.join(dir, 'out')
    const result = await preview('--out', out, '--port', String(port), '--upstream', upstreamUrl, '--bypass-secret', SECRET, '--insecure-cookie', '--except', '/status')
    expect(result.exitCode).to.equal(0)
    expect(result.stderr).to.include(`Bypass: /_maintenance/bypass/${SECRET}`)
    expect(result.stdout.split('\n')).to.include(path.join(out, 'gate.conf'))
    expect(readFileSync(path.join(out, 'nginx.conf'), 'utf8')).not.to.include(SECRET)
    nginx = spawn(binary!, ['-p', out, '-e', 'stderr', '-c', 'nginx.conf', '-g', 'daemon off;'], {stdio: 'ignore'})
    const url = `http://127.0.0.1:${port}`
    for (let tries = 0; tries < 100; tries++) {
      if (await fetch(`${url}/_maintenance/healthz`).then((r) => r.ok, () => false)) break
      await sleep(50)
    }
    expect((await fetch(`${url}/`)).status).to.equal(503)
    expect(await (await fetch(`${url}/status`)).text()).to.equal('the real site: GET /status')
    const link = await fetch(`${url}/_maintenance/bypass/${SECRET}`, {redirect: 'manual'})
    expect(link.status).to.equal(302)
    const cookie = link.headers.get('set-cookie')!.split(';')[0]
    expect(await (await fetch(`${url}/shop`, {headers: {cookie}})).text()).to.equal('the real site: GET /shop')
    expect(await (await fetch(`${url}/api`, {headers: {'x-maintenance-bypass': SECRET}, method: 'POST'})).text()).to.equal('the real site: POST /api')
  })

  const bad: Array<[string, string[], string]> = [
    ['an upstream that is not http://ADDRESS:PORT', ['--out', 'x', '--upstream', 'https://example.com', '--read-only'], 'is not http://ADDRESS:PORT'],
    ['gate flags without --upstream', ['--out', 'x', '--read-only'], 'need --upstream'],
    ['--upstream without a gate', ['--out', 'x', '--upstream', 'http://127.0.0.1:3000'], 'passes nothing'],
    ['a short bypass secret', ['--out', 'x', '--upstream', 'http://127.0.0.1:3000', '--bypass-secret', 'short'], '16 to 128 characters'],
  ]
  for (const [why, argv, message] of bad) {
    it(`exits 2 on ${why}, writing nothing`, async () => {
      const result = await preview(...argv.map((arg) => (arg === 'x' ? path.join(dir, 'never') : arg)))
      expect([result.exitCode, result.stderr.includes(message)]).to.deep.equal([2, true])
      expect(() => readFileSync(path.join(dir, 'never', 'nginx.conf'))).to.throw()
    })
  }
})
