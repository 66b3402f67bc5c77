import {expect} from 'chai'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parse} from 'yaml'

import type {ApiServer} from '../../support/apiserver.js'

import {runCommand} from '../../support/run-command.js'
import {customPage, deleteConfigMap, envFor, renderHelp, startCluster, unreachableKubeconfig} from '../fixtures.js'

const KNOWN = 'known: title, message, reason, contact, start, end, startLocal, endLocal, timezone, retryAfter, namespace, targets, window, unscheduled'

describe('page create', () => {
  let server: ApiServer
  const dir = mkdtempSync(path.join(tmpdir(), 'km-page-create-'))
  const file = (name: string, content: string | Buffer) => {
    const where = path.join(dir, name)
    mkdirSync(path.dirname(where), {recursive: true})
    writeFileSync(where, content)
    return where
  }
  const html = file('page.html.hbs', '<h1>{{title}}</h1>\n{{#if message}}<p>{{message}}</p>{{/if}}\n<img src="/_maintenance/assets/logo.png">\n')
  const json = file('page.json.hbs', '{"down": true, "message": "{{message}}"}\n')
  const xml = file('page.xml.hbs', '<down>{{message}}</down>\n')
  const logo = file('img/logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff]))

  before(async () => {
    server = await startCluster()
    server.seed(customPage('taken', 'shop'), {apiVersion: 'v1', data: {}, kind: 'ConfigMap', metadata: {name: 'maintenance-page-clash', namespace: 'shop'}})
  })

  after(async () => {
    await server.close()
    rmSync(dir, {force: true, recursive: true})
  })

  beforeEach(() => server.clearLog())

  const create = (...argv: string[]) => runCommand(['page', 'create', ...argv], {env: envFor(server)})

  it('stores the page ConfigMap of SPEC §5: templates as data, assets in binaryData by file name, the status annotation', async () => {
    const result = await create('sale', '-n', 'shop', '--html', html, '--json', json, '--xml', xml, '--asset', logo, '--status', '200')
    expect(result).to.deep.equal({
      exitCode: 0,
      stderr: '',
      stdout: 'page sale created: ConfigMap maintenance-page-sale in namespace shop, html,json,xml, 1 asset, status 200\n',
    })
    const stored = server.object('v1', 'ConfigMap', 'shop', 'maintenance-page-sale') as {metadata: Record<string, unknown>; data: unknown; binaryData: unknown}
    expect(stored.metadata.labels).to.deep.equal({'app.kubernetes.io/managed-by': 'kubectl-maintenance', 'kubectl-maintenance.io/role': 'page'})
    expect(stored.metadata.annotations).to.deep.equal({'kubectl-maintenance.io/status': '200'})
    expect(stored.data).to.deep.equal({
      'page.html.hbs': '<h1>{{title}}</h1>\n{{#if message}}<p>{{message}}</p>{{/if}}\n<img src="/_maintenance/assets/logo.png">\n',
      'page.json.hbs': '{"down": true, "message": "{{message}}"}\n',
      'page.xml.hbs': '<down>{{message}}</down>\n',
    })
    expect(stored.binaryData).to.deep.equal({'logo.png': 'iVBORw0KGgr/'})
    expect(server.writes()).to.have.length(1)
    await deleteConfigMap(server, 'shop', 'maintenance-page-sale')
  })

  it('without --status stores no annotation (503); in the install namespace the page is shared', async () => {
    const result = await create('company', '-n', 'kubectl-maintenance', '--html', html)
    expect(result.stdout).to.equal('page company created: ConfigMap maintenance-page-company shared with every namespace, html, 0 assets, status 503\n')
    const stored = server.object('v1', 'ConfigMap', 'kubectl-maintenance', 'maintenance-page-company') as {metadata: Record<string, unknown>}
    expect(stored.metadata).to.not.have.property('annotations')
    await deleteConfigMap(server, 'kubectl-maintenance', 'maintenance-page-company')
  })

  it('defaults to the context namespace and prints configmap/NAME with -o name', async () => {
    const result = await create('plain', '--html', html, '-o', 'name')
    expect(result.stdout).to.equal('configmap/maintenance-page-plain\n')
    expect(server.object('v1', 'ConfigMap', 'default', 'maintenance-page-plain')).to.not.equal(undefined)
    await deleteConfigMap(server, 'default', 'maintenance-page-plain')
  })

  it('--dry-run -o yaml prints what the server would store and writes nothing', async () => {
    const result = await create('sale', '-n', 'shop', '--html', html, '--asset', logo, '--dry-run', '-o', 'yaml')
    expect(result.exitCode).to.equal(0)
    const printed = parse(result.stdout) as {kind: string; metadata: {name: string; namespace: string}; binaryData: unknown; data: Record<string, string>}
    expect(printed.kind).to.equal('ConfigMap')
    expect(printed.metadata).to.include({name: 'maintenance-page-sale', namespace: 'shop'})
    expect(printed.binaryData).to.deep.equal({'logo.png': 'iVBORw0KGgr/'})
    expect(Object.keys(printed.data)).to.deep.equal(['page.html.hbs'])
    expect(server.writes()).to.deep.equal([])
    expect(server.object('v1', 'ConfigMap', 'shop', 'maintenance-page-sale')).to.equal(undefined)
  })

  it('--dry-run says so in the table output', async () => {
    const result = await create('sale', '-n', 'shop', '--html', html, '--dry-run')
    expect(result.stdout).to.equal('page sale created (dry run): ConfigMap maintenance-page-sale in namespace shop, html, 0 assets, status 503\n')
    expect(server.writes()).to.deep.equal([])
  })

  const notUtf8 = file('latin1.html.hbs', Buffer.from([0x3c, 0x70, 0x3e, 0xe9, 0x3c, 0x2f, 0x70, 0x3e]))
  const bigAsset = file('big.bin', Buffer.alloc(700 * 1024, 1))
  const bigHtml = file('big.html.hbs', `<p>{{message}}</p>${'x'.repeat(250 * 1024)}`)
  const badInputs: Array<{why: string; argv: string[]; message: string}> = [
    {argv: ['Bad_Name', '--html', html], message: 'page name "Bad_Name" is not a DNS-1123 label: use lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. black-friday', why: 'a name that is not a DNS label'},
    {argv: ['default', '--html', html], message: 'page name "default" is reserved for the built-in page; choose another name', why: 'the reserved name'},
    {argv: ['a'.repeat(47), '--html', html], message: `page name "${'a'.repeat(47)}" is 47 characters long; at most 46 fit in its ConfigMap name maintenance-page-NAME`, why: 'a name too long'},
    {argv: ['x', '--html', path.join(dir, 'nope.hbs')], message: `--html ${path.join(dir, 'nope.hbs')}: no such file`, why: 'a missing file'},
    {argv: ['x', '--html', dir], message: `--html ${dir}: is a directory, not a file`, why: 'a directory'},
    {argv: ['x', '--html', notUtf8], message: `--html ${notUtf8}: not UTF-8 text; save the template as UTF-8`, why: 'a template that is not UTF-8'},
    {argv: ['x', '--html', html, '--status', 'abc'], message: '--status abc: use an HTTP status of 200 or 400-599 (default 503)', why: 'a status that is not a number'},
    {argv: ['x', '--html', html, '--status', '302'], message: '--status 302: use an HTTP status of 200 or 400-599 (default 503)', why: 'a redirect status'},
    {argv: ['x', '--html', html, '--status', '600'], message: '--status 600: use an HTTP status of 200 or 400-599 (default 503)', why: 'a status above 599'},
    {argv: ['x', '--html', file('unknown.hbs', '<p>{{mesage}}</p>')], message: `page x is not valid; nothing was written\nerror: page x: page.html.hbs line 1: unknown variable "mesage" (${KNOWN})`, why: 'an unknown variable'},
    {argv: ['x', '--html', file('throws.hbs', '{{#with}}{{/with}}')], message: 'page x is not valid; nothing was written\nerror: page x: page.html.hbs: #with requires exactly one argument', why: 'a template that throws'},
    {argv: ['x', '--html', file('partial.hbs', '{{> page}}')], message: 'page x is not valid; nothing was written\nerror: page x: page.html.hbs line 1: partials and decorators are not available in page templates', why: 'a (recursive) partial'},
    {argv: ['x', '--html', file('parse.hbs', '{{#if message}}')], message: 'page x is not valid; nothing was written\nerror: page x: page.html.hbs: Parse error on line 1:', why: 'a template that does not parse'},
    {argv: ['x', '--html', html, '--json', file('bad.json.hbs', '{"m": {{message}}}')], message: 'page x is not valid; nothing was written\nerror: page x: page.json.hbs: Parse error', why: 'a JSON template that does not parse'},
    {argv: ['x', '--html', html, '--json', file('bad2.json.hbs', '{"m": "{{message}}",}')], message: 'page x is not valid; nothing was written\nerror: page x: page.json.hbs: does not render valid JSON', why: 'a JSON template rendering invalid JSON'},
    {argv: ['x', '--html', html, '--xml', file('bad.xml.hbs', '<a>{{message}}</b>')], message: 'page x is not valid; nothing was written\nerror: page x: page.xml.hbs: does not render well-formed XML', why: 'an XML template rendering broken XML'},
    {argv: ['x', '--html', html, '--asset', file('my logo.png', 'x')], message: `--asset ${path.join(dir, 'my logo.png')}: the file name "my logo.png" cannot be a ConfigMap key; rename it to letters, digits, "-", "_" and "." only`, why: 'an asset name that is no ConfigMap key'},
    {argv: ['x', '--html', html, '--asset', logo, '--asset', file('other/logo.png', 'y')], message: `--asset ${path.join(dir, 'other/logo.png')}: another asset is already named "logo.png"; asset file names must differ`, why: 'two assets of the same name'},
    {argv: ['x', '--html', html, '--asset', file('assets/page.html', 'y')], message: 'page x is not valid; nothing was written\nerror: page x: asset "page.html": the name is reserved (page.html, page.json, page.xml, nginx.conf)', why: 'an asset with a reserved name'},
    {argv: ['x', '--html', bigHtml, '--asset', bigAsset], message: `page x is not valid; nothing was written\nerror: page x: templates and assets take ${700 * 1024 + 250 * 1024 + 18} bytes; at most 786432 (768 KiB of the 1 MiB a ConfigMap holds) leave room for the rendered page`, why: 'a page too large for a ConfigMap'},
    {argv: ['taken', '-n', 'shop', '--html', html], message: 'page "taken" already exists in namespace shop (ConfigMap maintenance-page-taken); delete it first with kubectl maintenance page delete taken -n shop', why: 'a page that exists'},
    {argv: ['clash', '-n', 'shop', '--html', html], message: 'a ConfigMap named maintenance-page-clash already exists in namespace shop and is not a page; choose another page name', why: 'a ConfigMap of that name that is not a page'},
  ]
  for (const {why, argv, message} of badInputs) {
    it(`exits 2 and writes nothing on ${why}`, async () => {
      const result = await create(...argv)
      expect(result.exitCode).to.equal(2)
      expect(result.stdout).to.equal('')
      // Handlebars' and JSON.parse's own words follow the prefix of these messages.
      if (message.endsWith(':') || message.endsWith('error') || message.endsWith('JSON') || message.endsWith('XML')) {
        expect(result.stderr).to.satisfy((stderr: string) => stderr.startsWith(`error: ${message}`))
      } else {
        expect(result.stderr).to.equal(`error: ${message}\n`)
      }
      expect(server.writes()).to.deep.equal([])
    })
  }

  it('exits 2 without --html', async () => {
    const result = await create('x')
    expect(result.exitCode).to.equal(2)
    expect(result.stderr).to.include('required flag --html not set')
  })

  it('checks every input before contacting the cluster', async () => {
    const result = await runCommand(['page', 'create', 'x', '--html', path.join(dir, 'nope.hbs'), '--kubeconfig', unreachableKubeconfig()])
    expect(result.exitCode).to.equal(2)
  })

  it('exits 1 with the reason when the cluster cannot be reached', async () => {
    const result = await runCommand(['page', 'create', 'x', '--html', html, '--kubeconfig', unreachableKubeconfig()])
    expect(result.exitCode).to.equal(1)
    expect(result.stderr).to.include('cannot reach the cluster at http://127.0.0.1:1')
  })

  it('has help naming the template variables and how to share a page', async () => {
    const help = await renderHelp('page/create')
    expect(help).to.include('title, message, reason, contact, start, end, startLocal, endLocal, timezone, retryAfter, namespace, targets, window')
    expect(help).to.include('create it in namespace kubectl-maintenance')
  })
})
