import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import path from 'node:path'

import type {ApiServer} from '../../support/apiserver.js'

import {PROJECT_ROOT, runCommand} from '../../support/run-command.js'
import {envFor, startCluster, unreachableKubeconfig} from '../fixtures.js'

function page(name: string, namespace: string, data: Record<string, string>): object {
  return {apiVersion: 'v1', data, kind: 'ConfigMap', metadata: {labels: {'kubectl-maintenance.io/role': 'page'}, name: `maintenance-page-${name}`, namespace}}
}

describe('page show', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(
      page('company', 'shop', {'page.html.hbs': '<h1>Shop: {{message}}</h1>\n', 'page.json.hbs': '{"shop": "{{message}}"}'}),
      page('company', 'kubectl-maintenance', {'page.html.hbs': '<h1>Company: {{message}}</h1>\n', 'page.xml.hbs': '<company/>\n'}),
    )
  })

  after(async () => server.close())

  const show = (...argv: string[]) => runCommand(['page', 'show', ...argv], {env: envFor(server)})

  it("prints the namespace's own page, byte for byte, and says where it came from on stderr", async () => {
    expect(await show('company', '-n', 'shop')).to.deep.equal({
      exitCode: 0,
      stderr: 'page company: ConfigMap maintenance-page-company of namespace shop\n',
      stdout: '<h1>Shop: {{message}}</h1>\n',
    })
    expect((await show('company', '-n', 'shop', '--format', 'json')).stdout).to.equal('{"shop": "{{message}}"}')
  })

  it('falls back to the shared page of the install namespace', async () => {
    expect(await show('company', '-n', 'web', '--format', 'xml')).to.deep.equal({
      exitCode: 0,
      stderr: 'page company: shared ConfigMap maintenance-page-company of namespace kubectl-maintenance (namespace web has no page of that name)\n',
      stdout: '<company/>\n',
    })
  })

  it('says on stderr when the page has no template for a format, and prints nothing', async () => {
    const result = await show('company', '-n', 'web', '--format', 'json')
    expect(result.stdout).to.equal('')
    expect(result.stderr).to.equal(
      'page company: shared ConfigMap maintenance-page-company of namespace kubectl-maintenance (namespace web has no page of that name)\n' +
        'page company has no page.json.hbs: visitors asking for JSON get the built-in JSON document\n',
    )
    expect(result.exitCode).to.equal(0)
  })

  it('shows the built-in templates for "default" without a cluster', async () => {
    const result = await runCommand(['page', 'show', 'default', '--kubeconfig', unreachableKubeconfig()])
    expect(result).to.deep.equal({exitCode: 0, stderr: '', stdout: readFileSync(path.join(PROJECT_ROOT, 'templates', 'page.html.hbs'), 'utf8')})
    const xml = await runCommand(['page', 'show', 'default', '--format', 'xml', '--kubeconfig', unreachableKubeconfig()])
    expect(xml.stdout).to.equal(readFileSync(path.join(PROJECT_ROOT, 'templates', 'page.xml.hbs'), 'utf8'))
    const json = await runCommand(['page', 'show', 'default', '--format', 'json', '--kubeconfig', unreachableKubeconfig()])
    expect(json).to.deep.equal({exitCode: 0, stderr: '', stdout: readFileSync(path.join(PROJECT_ROOT, 'templates', 'page.json.hbs'), 'utf8')})
  })

  it('exits 2 when the page exists neither in the namespace nor shared', async () => {
    expect(await show('gone', '-n', 'shop')).to.deep.equal({
      exitCode: 2,
      stderr: 'error: page "gone" not found: no ConfigMap maintenance-page-gone in namespace shop nor in kubectl-maintenance; see kubectl maintenance page list -n shop\n',
      stdout: '',
    })
  })

  it('exits 2 on an unknown format', async () => {
    expect((await show('company', '--format', 'yaml')).exitCode).to.equal(2)
  })
})
