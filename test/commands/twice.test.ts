import {expect} from 'chai'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {ApiServer} from '../support/apiserver.js'

import {runCommand} from '../support/run-command.js'
import {envFor, ingress, startCluster} from './fixtures.js'

/**
 * Twice is once (issue 14): every command run a second time with the same arguments either writes nothing to the
 * cluster (the request log of the in-process API server has no write) or exits 2 having written nothing. Commands run
 * in order against one cluster, so each finds what the ones before made; each is run twice in a row. `extend --by`
 * is relative by definition (each run adds), so extend is run with --until.
 */
describe('every command twice (issue 14 item 6)', function () {
  this.timeout(120_000)
  let server: ApiServer
  let scratch: string

  before(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'km-twice-'))
    writeFileSync(path.join(scratch, 'page.html.hbs'), '<h1>{{title}}</h1><p>{{message}}</p>\n')
    writeFileSync(path.join(scratch, 'kubectl-maintenance.mjs'), 'console.log("bundle")\n')
    server = await startCluster()
    server.seed(ingress('shop', 'shop'), ingress('api', 'shop'), ingress('web', 'shop'))
  })

  // Each run reads the real clock (the backend's readiness is timed by the server's), on the second as commands write.
  const env = () => ({...envFor(server, new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z')), KUBECTL_MAINTENANCE_BUNDLE: path.join(scratch, 'kubectl-maintenance.mjs')})
  const versions = () => JSON.stringify(snapshot())
  const snapshot = () =>
    [['v1', 'ConfigMap'], ['v1', 'ServiceAccount'], ['batch/v1', 'CronJob'], ['rbac.authorization.k8s.io/v1', 'ClusterRole'], ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding']].flatMap(([apiVersion, kind]) =>
      server.objects(apiVersion, kind).map((o) => `${kind}/${(o.metadata as {name: string}).name}@${(o.metadata as {resourceVersion: string}).resourceVersion}`),
    )

  after(async () => {
    await server.close()
    rmSync(scratch, {force: true, recursive: true})
  })

  const commands: Array<{title: string; argv: () => string[]; second: 'no write' | 'no change' | 'exit 2'}> = [
    // install applies with server-side apply, a PATCH by design (as kubectl apply): the second run changes no object.
    {title: 'install --keep', argv: () => ['install', '--keep', '3d'], second: 'no change'},
    {title: 'page create', argv: () => ['page', 'create', 'outage', '--html', path.join(scratch, 'page.html.hbs'), '-n', 'shop'], second: 'exit 2'},
    {title: 'schedule ingress/web', argv: () => ['schedule', 'ingress/web', '-n', 'shop', '--start', '2030-01-01 02:00', '--duration', '1h', '--timezone', 'UTC'], second: 'exit 2'},
    {title: 'now ingress/shop', argv: () => ['now', 'ingress/shop', 'ingress/api', '-n', 'shop', '--for', '1h', '--name', 'outage-now'], second: 'no write'},
    {title: 'set-page outage-now', argv: () => ['set-page', 'outage-now', 'outage', '-n', 'shop'], second: 'no write'},
    {title: 'extend outage-now', argv: () => ['extend', 'outage-now', '--until', '2030-01-01T00:00:00Z', '-n', 'shop'], second: 'no write'},
    {title: 'gitops argocd', argv: () => ['gitops', 'argocd', 'ingress/shop', '-n', 'shop'], second: 'no write'},
    {title: 'end outage-now', argv: () => ['end', 'outage-now', '-n', 'shop'], second: 'no write'},
    {title: 'cancel ingress-web-20300101-0200', argv: () => ['cancel', 'ingress-web-20300101-0200', '-n', 'shop'], second: 'no write'},
    {title: 'page delete', argv: () => ['page', 'delete', 'outage', '-n', 'shop'], second: 'exit 2'},
    {title: 'uninstall --yes', argv: () => ['uninstall', '--yes'], second: 'no write'},
  ]

  for (const {argv, second, title} of commands) {
    it(`${title}: the second run ${second === 'exit 2' ? 'exits 2 and writes nothing' : second === 'no change' ? 'changes no object' : 'writes nothing'}`, async () => {
      const first = await runCommand(argv(), {env: env()})
      expect(first.exitCode, `first run: ${first.stderr}`).to.equal(0)
      server.clearLog()
      const before = versions()
      const again = await runCommand(argv(), {env: env()})
      expect(again.exitCode, `second run: ${again.stderr}`).to.equal(second === 'exit 2' ? 2 : 0)
      const writes = server.writes()
      if (second === 'no change') {
        expect(writes.every((entry) => entry.method === 'PATCH' && entry.contentType === 'application/apply-patch+yaml'), JSON.stringify(writes.map((entry) => entry.contentType))).to.equal(true)
        expect(versions()).to.equal(before)
      } else {
        expect(writes.map((entry) => `${entry.method} ${entry.path}`), again.stdout + again.stderr).to.deep.equal([])
      }
    })
  }
})
