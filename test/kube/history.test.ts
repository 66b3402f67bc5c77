import {KubeConfig} from '@kubernetes/client-node'
import {expect} from 'chai'

import {KubeClient} from '../../src/kube/client.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {type PassReport, reconcile} from '../../src/kube/reconcile.js'
import {Resources} from '../../src/kube/resources.js'
import {MAX_HISTORY_ENTRIES, appendHistory, parseHistory} from '../../src/model/history.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'
import {runCommand} from '../support/run-command.js'
import {shopTargets} from '../fixtures/targets.js'
import {FakeClock, NS, type Obj, rfc3339, windowConfigMap} from '../reliability/support.js'

type Entry = {time: string; phase: string; message: string; by: string}

describe('the history kept on the window (against the in-process API server)', function () {
  this.timeout(60_000)
  let server: ApiServer
  let client: KubeClient
  let clock: FakeClock

  const pass = (): Promise<PassReport> => reconcile(client, {clock, horizonMs: 0, namespace: NS, waitForTransitions: true})
  const history = (name: string): Entry[] => JSON.parse((server.object('v1', 'ConfigMap', NS, name) as Obj & {data?: {history?: string}}).data?.history ?? '[]') as Entry[]
  const env = () => ({KUBECONFIG: server.kubeconfigPath, KUBECTL_MAINTENANCE_NOW: rfc3339(clock.now())})

  beforeEach(async () => {
    server = await startApiServer({readyDelayMs: 0})
    server.seed(...shopTargets(NS))
    const loaded = readConfig(KubeConfig, {kubeconfig: server.kubeconfigPath, namespace: NS})
    client = new KubeClient(loaded.config, loaded.namespace, loaded.contextName, {attempts: 3, baseDelayMs: 1, sleep: async () => {}})
    clock = new FakeClock(Date.parse('2026-12-24T20:00:00Z'))
  })

  afterEach(async () => server.close())

  it('records each transition of a lifecycle once, with time, phase, message and who, in the same write as the phase', async () => {
    const start = clock.now() + 60_000
    server.seed(windowConfigMap('db', ['ingress/shop'], start, start + 120_000))
    await pass()
    clock.current = start
    await pass()
    await pass()
    clock.current = start + 120_000
    await pass()
    const entries = history('db')
    expect(entries.map((e) => [e.time, e.phase, e.by])).to.deep.equal([
      ['2026-12-24T20:00:00Z', 'Scheduled', 'in-process'],
      ['2026-12-24T20:01:00Z', 'Active', 'in-process'],
      ['2026-12-24T20:03:00Z', 'Completed', 'in-process'],
    ])
    expect(entries[1].message).to.equal('ingress/shop in maintenance until 2026-12-24 21:03 CET')
    const phaseWrites = server.writes().filter((w) => w.method === 'PATCH' && w.path.endsWith('/configmaps/db'))
    expect(phaseWrites).to.have.length(3)
    for (const write of phaseWrites) {
      const body = write.body as {data?: {history?: string}; metadata?: {resourceVersion?: string}}
      expect(body.data?.history, 'history in the phase write').to.be.a('string')
      expect(body.metadata?.resourceVersion, 'written on the version read').to.be.a('string')
    }
  })

  it('`history` prints it as a table in the window timezone, and as json/yaml; the CLI user is named for a cancel', async () => {
    server.seed(windowConfigMap('later', ['ingress/shop'], clock.now() + 3_600_000, clock.now() + 7_200_000))
    await pass()
    const cancel = await runCommand(['cancel', 'later', '-n', NS], {env: env()})
    expect(cancel.exitCode, cancel.stderr).to.equal(0)
    const table = await runCommand(['history', 'later', '-n', NS], {env: env()})
    expect(table).to.deep.equal({
      exitCode: 0,
      stderr: '',
      stdout: [
        'TIME                   PHASE       BY           MESSAGE',
        '2026-12-24 21:00 CET   Scheduled   in-process   starts 2026-12-24 22:00 CET',
        '2026-12-24 21:00 CET   Cancelled   in-process   cancelled at 2026-12-24 21:00 CET',
        '',
      ].join('\n'),
    })
    const json = await runCommand(['history', 'later', '-n', NS, '-o', 'json'], {env: env()})
    expect((JSON.parse(json.stdout) as {items: Entry[]}).items.map((e) => e.phase)).to.deep.equal(['Scheduled', 'Cancelled'])
    const missing = await runCommand(['history', 'nope', '-n', NS], {env: env()})
    expect(missing.exitCode).to.equal(2)
  })

  it('treats a planted history as hostile: junk entries are dropped, the transition is still recorded, the pass does not fail', async () => {
    const planted = windowConfigMap('db', ['ingress/shop'], clock.now() + 60_000, clock.now() + 120_000) as Obj & {data: Record<string, string>}
    planted.data.history = JSON.stringify([{by: 'x', message: 'kept', phase: 'Scheduled', time: '2026-12-01T00:00:00Z'}, {evil: true}, 'no', {by: 1}])
    server.seed(planted)
    expect((await pass()).errors).to.deep.equal([])
    expect(history('db').map((e) => e.message)).to.deep.equal(['kept', 'starts 2026-12-24 21:01 CET'])
    await client.patch(Resources.configMaps, NS, 'db', 'merge', {data: {history: '['.repeat(5000)}, metadata: {annotations: {'kubectl-maintenance.io/phase': null}}})
    expect((await pass()).errors).to.deep.equal([])
    expect(history('db').map((e) => e.phase)).to.deep.equal(['Scheduled'])
  })

  it('keeps the last 50 entries', () => {
    let text: string | undefined
    for (let i = 0; i < 60; i++) text = appendHistory(text, {at: Date.UTC(2026, 0, 1, 0, i), by: 'cronjob', message: `m${i}`, phase: 'Active'})
    const {entries} = parseHistory(text)
    expect(entries).to.have.length(MAX_HISTORY_ENTRIES)
    expect(entries[0].message).to.equal('m10')
    expect(entries.at(-1)?.message).to.equal('m59')
  })

  it('names the CronJob `cronjob`: a client loaded in the cluster acts as it', () => {
    const config = new KubeConfig()
    config.loadFromOptions({clusters: [{name: 'c', server: 'https://10.0.0.1'}], contexts: [{cluster: 'c', name: 'inClusterContext', user: 'inClusterUser'}], currentContext: 'inClusterContext', users: [{name: 'inClusterUser'}]})
    expect(new KubeClient(config, 'default', 'inClusterContext').actor()).to.equal('cronjob')
  })
})
