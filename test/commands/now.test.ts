import {expect} from 'chai'

import type {ApiServer} from '../support/apiserver.js'

import {runCommand} from '../support/run-command.js'
import {deleteConfigMap, envFor, ingress, renderHelp, service, startCluster} from './fixtures.js'

type Stored = {metadata: {annotations: Record<string, string>}; data?: Record<string, string>}
const BERLIN = ['--timezone', 'Europe/Berlin']

describe('now', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(ingress('shop', 'shop'), ingress('late', 'shop'), service('web', 'shop'))
  })

  after(async () => server.close())

  beforeEach(() => server.clearLog())

  const now = (...argv: string[]) => runCommand(['now', ...argv, '-n', 'shop'], {env: envFor(server)})

  it('creates an open-ended window starting now and switches the target at once, printing before -> after', async () => {
    const result = await now('service/web', ...BERLIN, '--reason', 'Disk full')
    expect(result.stdout).to.match(
      /^window service-web-20261224-2100 created: service\/web from 2026-12-24 21:00 CET until ended\nservice\/web: app=web -> pods of maintenance-[0-9a-f]{10}\n$/,
    )
    expect(result.stderr).to.equal('')
    expect(result.exitCode).to.equal(0)
    const stored = server.object('v1', 'ConfigMap', 'shop', 'service-web-20261224-2100') as Stored
    expect(stored.metadata.annotations).to.deep.include({
      'kubectl-maintenance.io/page': 'default',
      'kubectl-maintenance.io/start': '2026-12-24T20:00:00Z',
      'kubectl-maintenance.io/targets': 'service/web',
      'kubectl-maintenance.io/timezone': 'Europe/Berlin',
    })
    expect(stored.metadata.annotations['kubectl-maintenance.io/phase']).to.equal('Active')
    expect(stored.data).to.deep.equal({reason: 'Disk full'})
    const switched = server.object('v1', 'Service', 'shop', 'web') as {metadata: {labels: Record<string, string>}}
    expect(switched.metadata.labels['kubectl-maintenance.io/active']).to.equal('true')

    const ended = await runCommand(['end', 'service/web', '-n', 'shop'], {env: envFor(server)})
    expect(ended.exitCode).to.equal(0)
    expect(ended.stdout).to.match(/^window service-web-20261224-2100 ended at 2026-12-24 21:00 CET\n/)
    const restored = server.object('v1', 'Service', 'shop', 'web') as {metadata: {labels?: Record<string, string>}; spec: {selector: unknown}}
    expect(restored.spec.selector).to.deep.equal({app: 'web'})
    expect(restored.metadata.labels?.['kubectl-maintenance.io/active']).to.equal(undefined)
    await deleteConfigMap(server, 'shop', 'service-web-20261224-2100')
  })

  it('--for sets the end and warns that without the CronJob nothing restores it then', async () => {
    const result = await now('ingress/shop', ...BERLIN, '--for', '30m', '--name', 'quick', '-o', 'name')
    expect(result.stdout).to.equal('window/quick\n')
    expect(result.stderr).to.include(
      "Warning: no CronJob kubectl-maintenance in namespace kubectl-maintenance: nothing will restore the targets at the window's end (end it by hand with kubectl maintenance end quick); run kubectl maintenance install\n",
    )
    const stored = server.object('v1', 'ConfigMap', 'shop', 'quick') as Stored
    expect(stored.metadata.annotations['kubectl-maintenance.io/end']).to.equal('2026-12-24T20:30:00Z')
    await deleteConfigMap(server, 'shop', 'quick')
  })

  it('--until reads a local time in --timezone', async () => {
    const result = await now('ingress/late', ...BERLIN, '--until', '23:00', '--name', 'until')
    expect(result.stdout).to.match(/^window until created: ingress\/late from 2026-12-24 21:00 CET to 2026-12-24 23:00 CET\ningress\/late: late:80 -> maintenance-[0-9a-f]{10}:80\n$/)
    await deleteConfigMap(server, 'shop', 'until')
  })

  const badInputs: Array<[string, string[], string]> = [
    ['a target that does not exist', ['ingress/nope'], 'ingress/nope not found in namespace shop'],
    ['a malformed target', ['ingress'], 'target "ingress" has no kind'],
    ['a zero --for', ['ingress/shop', '--for', '0s'], '--for'],
    ['both --for and --until', ['ingress/shop', '--for', '1h', '--until', '23:00'], '--'],
    ['an --until in the past', ['ingress/shop', '--until', '2026-12-24 20:00', ...BERLIN], '--until 2026-12-24 20:00 CET is not in the future'],
    ['a bad --timeout', ['ingress/shop', '--timeout', 'soon'], '--timeout: '],
    ['an unknown page', ['ingress/shop', '--page', 'nope'], 'page "nope" not found'],
    ['a --name that is not DNS-1123', ['ingress/shop', '--name', '-x-'], '--name "-x-"'],
    ['a message over 4 KiB', ['ingress/shop', '--message', 'é'.repeat(2049)], '--message is 4098 bytes'],
  ]
  for (const [title, argv, message] of badInputs) {
    it(`exits 2 and writes nothing for ${title}`, async () => {
      const result = await now(...argv)
      expect(result.stderr).to.include(message)
      expect(result.exitCode).to.equal(2)
      expect(server.writes()).to.deep.equal([])
    })
  }

  it('has help with kubectl-style examples', async () => {
    expect(await renderHelp('now')).to.include('$ kubectl maintenance now ingress/shop -n shop --for 30m --message "Back in half an hour"')
  })
})
