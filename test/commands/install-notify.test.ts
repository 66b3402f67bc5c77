import {expect} from 'chai'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {KubeConfig} from '@kubernetes/client-node'
import {KubeClient} from '../../src/kube/client.js'
import {readInstallConfig} from '../../src/kube/install-config.js'
import {readConfig} from '../../src/kube/kubeconfig.js'
import {type ApiServer, startApiServer} from '../support/apiserver.js'
import {runCommand} from '../support/run-command.js'

const NS = 'kubectl-maintenance'
const CONFIG = 'kubectl-maintenance-config'
type Stored = {data?: Record<string, string>; rules?: unknown[]}

describe('install --notify-url / --alertmanager-url', () => {
  let server: ApiServer
  let scratch: string
  let env: Record<string, string>

  before(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'km-install-notify-'))
    writeFileSync(path.join(scratch, 'kubectl-maintenance.mjs'), 'console.log("bundle")\n')
  })

  after(() => rmSync(scratch, {force: true, recursive: true}))

  beforeEach(async () => {
    server = await startApiServer({namespaces: ['default']})
    env = {KUBECONFIG: server.kubeconfigPath, KUBECTL_MAINTENANCE_BUNDLE: path.join(scratch, 'kubectl-maintenance.mjs')}
  })

  afterEach(async () => server.close())

  const install = (...argv: string[]) => runCommand(['install', ...argv], {env})
  const configMap = () => server.object('v1', 'ConfigMap', NS, CONFIG) as Stored | undefined
  const secret = () => server.object('v1', 'Secret', NS, CONFIG) as Stored | undefined
  const passConfig = async () => {
    const loaded = readConfig(KubeConfig, {kubeconfig: server.kubeconfigPath})
    return readInstallConfig(new KubeClient(loaded.config, loaded.namespace, loaded.contextName), NS)
  }

  it('writes URLs without credentials, the format, grace and matchers into the ConfigMap; no Secret', async () => {
    const result = await install(
      '--notify-url', 'https://hooks.example.com/maintenance',
      '--alertmanager-url', 'http://alertmanager.monitoring:9093',
      '--silence-grace', '10m',
      '--silence-matchers', 'namespace="{{namespace}}",app=~"{{names}}"',
    )
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(configMap()?.data).to.deep.equal({
      'alertmanager-url': 'http://alertmanager.monitoring:9093/',
      keep: '7d',
      'max-backends': '10',
      'notify-format': 'generic',
      'notify-url': 'https://hooks.example.com/maintenance',
      'silence-grace': '600s',
      'silence-matchers': 'namespace="{{namespace}}",app=~"{{names}}"',
    })
    expect(secret()).to.equal(undefined)
    const {config, problems} = await passConfig()
    expect(problems).to.deep.equal([])
    expect(config.notify).to.deep.equal({format: 'generic', url: 'https://hooks.example.com/maintenance'})
    expect(config.alertmanager).to.deep.equal({graceMs: 600_000, matchers: 'namespace="{{namespace}}",app=~"{{names}}"', url: 'http://alertmanager.monitoring:9093/'})
  })

  it('keeps URLs with credentials (user info, a query token, a Slack webhook) in a Secret only the engine may read', async () => {
    const notifyUrl = 'https://hooks.slack.com/services/T000/B000/XXXXSECRET'
    const alertmanagerUrl = 'https://ops:s3cret@alertmanager.example.com/?token=abc'
    const result = await install('--notify-url', notifyUrl, '--notify-format', 'slack', '--alertmanager-url', alertmanagerUrl)
    expect(result.exitCode, result.stderr).to.equal(0)
    expect(JSON.stringify(configMap())).to.not.match(/XXXXSECRET|s3cret|token=abc/)
    expect(configMap()?.data).to.include({'credentials-secret': CONFIG, 'notify-format': 'slack'})
    const stored = secret()!
    const decoded = Object.fromEntries(Object.entries(stored.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]))
    expect(decoded).to.deep.equal({'alertmanager-url': alertmanagerUrl, 'notify-url': notifyUrl})
    const role = server.object('rbac.authorization.k8s.io/v1', 'Role', NS, CONFIG) as Stored
    expect(role.rules).to.deep.equal([{apiGroups: [''], resourceNames: [CONFIG], resources: ['secrets'], verbs: ['get']}])
    expect(server.object('rbac.authorization.k8s.io/v1', 'RoleBinding', NS, CONFIG)).to.not.equal(undefined)
    const {config} = await passConfig()
    expect(config.notify).to.deep.equal({format: 'slack', url: notifyUrl})
    expect(config.alertmanager?.url).to.equal(alertmanagerUrl)

    // Installed again without them: the Secret and its Role are pruned, the ConfigMap says nothing of them.
    const again = await install()
    expect(again.exitCode, again.stderr).to.equal(0)
    expect(secret()).to.equal(undefined)
    expect(server.object('rbac.authorization.k8s.io/v1', 'Role', NS, CONFIG)).to.equal(undefined)
    expect(configMap()?.data).to.deep.equal({keep: '7d', 'max-backends': '10'})
    expect((await passConfig()).config.notify).to.equal(undefined)
  })

  for (const [argv, message] of [
    [['--notify-url', 'ftp://hooks.example.com/x'], /--notify-url "ftp:\/\/hooks\.example\.com\/…" must use http or https, not ftp/],
    [['--notify-url', 'hooks.example.com/x'], /--notify-url "hooks\.example\.com\/x" is not a URL; give an absolute http\(s\) URL/],
    [['--notify-url', 'https://hooks.example.com/x#frag'], /has a #fragment/],
    [['--notify-url', 'https://hooks.example.com/x', '--notify-format', 'teams'], /--notify-format "teams" is not one of generic, slack/],
    [['--notify-format', 'slack'], /--notify-format needs --notify-url/],
    [['--alertmanager-url', 'http://am:9093', '--silence-grace', 'soon'], /--silence-grace: cannot read "soon" as a duration/],
    [['--silence-grace', '5m'], /--silence-grace needs --alertmanager-url/],
    [['--alertmanager-url', 'http://am:9093', '--silence-matchers', 'namespace'], /--silence-matchers: "namespace" is not a matcher NAME="VALUE"/],
    [['--alertmanager-url', 'http://am:9093', '--silence-matchers', 'app="{{names}}"'], /\{\{names\}\} is a list/],
    [['--alertmanager-url', 'http://am:9093', '--silence-matchers', 'app!="x"'], /at least one matcher must be = or =~/],
    [['--alertmanager-url', 'http://am:9093', '--silence-matchers', 'app=~"{{team}}"'], /unknown placeholder \{\{team\}\}/],
    [['--alertmanager-url', 'http://am:9093', '--silence-matchers', 'app=~"(unclosed"'], /is not a regular expression/],
    [['--keep', 'forever'], /--keep: cannot read "forever" as a duration/],
    [['--keep', '-1d'], /--keep: /],
    [['--notify-url', 'https://hooks.example.com/x', '--keep', '7 days'], /--keep: /],
  ] as Array<[string[], RegExp]>) {
    it(`refuses ${argv.join(' ')}: exit 2, nothing written`, async () => {
      const result = await install(...argv)
      expect(result.exitCode, result.stderr).to.equal(2)
      expect(result.stderr).to.match(message)
      expect(server.writes()).to.deep.equal([])
    })
  }

  it('never prints the credentials of a refused URL', async () => {
    const result = await install('--notify-url', 'gopher://user:pw@hooks.example.com/x?token=abc')
    expect(result.exitCode).to.equal(2)
    expect(result.stderr).to.not.match(/pw|token=abc/)
  })
})
