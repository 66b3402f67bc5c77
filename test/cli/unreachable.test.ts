import {expect} from 'chai'
import {writeFileSync} from 'node:fs'
import {type Server, type Socket, createServer} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {DEFAULT_REQUEST_TIMEOUT_MS, parseRequestTimeout} from '../../src/cli/request-timeout.js'
import {NOW} from '../commands/fixtures.js'
import {freePort} from '../support/ports.js'
import {runCommand} from '../support/run-command.js'

function kubeconfigFor(server: string, name: string): string {
  const file = path.join(tmpdir(), `km-${name}-${process.pid}.yaml`)
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: me, user: {token: t}}]',
      'contexts: [{name: c, context: {cluster: c, user: me, namespace: shop}}]',
      'current-context: c',
    ].join('\n'),
  )
  return file
}

const pageFile = path.join(tmpdir(), `km-page-${process.pid}.html`)
writeFileSync(pageFile, '<html><body>{{message}}</body></html>')

/** Every command that talks to the cluster, with arguments that pass every check made before the first request. */
const CLUSTER_COMMANDS: string[][] = [
  ['list'],
  ['list', '-A', '-o', 'name'],
  ['status'],
  ['status', 'ingress/shop'],
  ['schedule', 'ingress/shop', '--start', '+1h', '--duration', '1h'],
  ['now', 'ingress/shop', '--for', '10m'],
  ['end', 'window/w1'],
  ['end', 'ingress/shop'],
  ['cancel', 'w1'],
  ['extend', 'w1', '--by', '10m'],
  ['reconcile'],
  ['install'],
  ['gitops', 'argocd', 'ingress/shop'],
  ['page', 'list'],
  ['page', 'show', 'custom'],
  ['page', 'create', 'custom', '--html', pageFile],
  ['page', 'delete', 'custom'],
]

// The bound is a correctness bound (the command gives up), not a speed target: generous on a loaded machine.
const REQUEST_TIMEOUT_S = 1
const SLACK_MS = 2000

describe('a cluster that cannot answer', function () {
  this.timeout(CLUSTER_COMMANDS.length * (REQUEST_TIMEOUT_S * 1000 + SLACK_MS) * 3)

  describe('a server that accepts connections and never answers', () => {
    let hung: Server
    const sockets: Socket[] = []
    let server: string
    let kubeconfig: string

    before(async () => {
      hung = createServer((socket) => {
        sockets.push(socket)
      })
      await new Promise<void>((resolve) => {
        hung.listen(0, '127.0.0.1', resolve)
      })
      const address = hung.address()
      server = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
      kubeconfig = kubeconfigFor(server, 'hung')
      // Loads the command modules once, so the timings below measure the commands, not the first import.
      for (const argv of CLUSTER_COMMANDS) await runCommand(argv, {env: {KUBECONFIG: kubeconfigFor('http://127.0.0.1:1', 'warm-up')}})
    })

    after(async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => {
        hung.close(resolve)
      })
    })

    for (const argv of CLUSTER_COMMANDS) {
      it(`${argv.join(' ')} exits 1 within --request-timeout ${REQUEST_TIMEOUT_S}s + 2s, naming the server`, async () => {
        const started = Date.now()
        const result = await runCommand([...argv, '--request-timeout', `${REQUEST_TIMEOUT_S}s`], {env: {KUBECONFIG: kubeconfig, KUBECTL_MAINTENANCE_NOW: NOW}})
        const elapsed = Date.now() - started
        expect(result.exitCode, result.stderr).to.equal(1)
        expect(result.stderr).to.include(server)
        expect(result.stderr).to.match(/^error: .*no answer within 1s/m)
        expect(elapsed).to.be.below(REQUEST_TIMEOUT_S * 1000 + SLACK_MS)
      })
    }

    it('now --timeout bounds the whole command, whatever --request-timeout says', async () => {
      const started = Date.now()
      const result = await runCommand(['now', 'ingress/shop', '--for', '10m', '--timeout', '1s', '--request-timeout', '0'], {env: {KUBECONFIG: kubeconfig, KUBECTL_MAINTENANCE_NOW: NOW}})
      expect(result.exitCode, result.stderr).to.equal(1)
      expect(result.stderr).to.include(server)
      expect(Date.now() - started).to.be.below(1000 + 5000 + SLACK_MS)
    })
  })

  describe('a server that refuses connections', () => {
    let server: string
    let kubeconfig: string

    before(async () => {
      server = `http://127.0.0.1:${await freePort()}`
      kubeconfig = kubeconfigFor(server, 'refused')
    })

    for (const argv of CLUSTER_COMMANDS) {
      it(`${argv.join(' ')} exits 1 at once, naming the server`, async () => {
        const started = Date.now()
        const result = await runCommand(argv, {env: {KUBECONFIG: kubeconfig, KUBECTL_MAINTENANCE_NOW: NOW}})
        expect(result.exitCode, result.stderr).to.equal(1)
        expect(result.stderr).to.match(new RegExp(`^error: cannot reach the cluster at ${server.replaceAll('.', String.raw`\.`)}: ECONNREFUSED`, 'm'))
        expect(Date.now() - started).to.be.below(DEFAULT_REQUEST_TIMEOUT_MS)
      })
    }
  })

  describe('--request-timeout', () => {
    it('reads kubectl durations; 0 is no timeout; a bare number is seconds; the default is 30s', () => {
      expect(parseRequestTimeout('5s')).to.equal(5000)
      expect(parseRequestTimeout('1m30s')).to.equal(90_000)
      expect(parseRequestTimeout('500ms')).to.equal(500)
      expect(parseRequestTimeout('7')).to.equal(7000)
      expect(parseRequestTimeout('0')).to.equal(0)
      expect(parseRequestTimeout(undefined)).to.equal(30_000)
    })

    it('refuses anything else with exit 2 before any request', async () => {
      const result = await runCommand(['list', '--request-timeout', 'soon'], {env: {KUBECONFIG: kubeconfigFor('http://127.0.0.1:1', 'bad')}})
      expect(result.exitCode).to.equal(2)
      expect(result.stderr).to.equal('error: invalid --request-timeout "soon": give a duration such as 5s, 1m or 1m30s (0 waits forever)\n')
    })
  })
})
