import {expect} from 'chai'

import type {ApiServer} from '../../support/apiserver.js'

import {runCommand} from '../../support/run-command.js'
import {envFor, startCluster, unreachableKubeconfig} from '../fixtures.js'

function page(name: string, namespace: string, options: {data?: Record<string, string>; assets?: string[]; status?: string; labels?: Record<string, string>} = {}): object {
  return {
    apiVersion: 'v1',
    ...(options.assets ? {binaryData: Object.fromEntries(options.assets.map((asset) => [asset, 'AAEC']))} : {}),
    data: options.data ?? {'page.html.hbs': '<p>{{message}}</p>'},
    kind: 'ConfigMap',
    metadata: {
      ...(options.status ? {annotations: {'kubectl-maintenance.io/status': options.status}} : {}),
      labels: {'kubectl-maintenance.io/role': 'page', ...options.labels},
      name: `maintenance-page-${name}`,
      namespace,
    },
  }
}

describe('page list', () => {
  let server: ApiServer

  before(async () => {
    server = await startCluster()
    server.seed(
      page('black-friday', 'shop', {assets: ['logo.png', 'site.css'], data: {'page.html.hbs': 'x', 'page.json.hbs': '{}'}, labels: {team: 'sales'}}),
      page('company', 'shop'),
      page('company', 'kubectl-maintenance', {status: '200'}),
      page('holiday', 'kubectl-maintenance', {data: {'page.html.hbs': 'x', 'page.xml.hbs': '<x/>'}}),
      page('front', 'web'),
      page('no-html', 'shop', {data: {}}),
      {apiVersion: 'v1', data: {'page.html.hbs': 'x'}, kind: 'ConfigMap', metadata: {name: 'maintenance-page-unlabelled', namespace: 'shop'}},
    )
  })

  after(async () => server.close())

  const list = (...argv: string[]) => runCommand(['page', 'list', ...argv], {env: envFor(server)})

  it('lists the pages a namespace can use: its own and the shared ones, with status, formats and asset count', async () => {
    const result = await list('-n', 'shop')
    expect(result).to.deep.equal({
      exitCode: 0,
      stderr: '',
      stdout: [
        'NAME           SCOPE       STATUS   FORMATS     ASSETS',
        'black-friday   namespace   503      html,json   2',
        'company        namespace   503      html        0',
        'company        shared      200      html        0',
        'holiday        shared      503      html,xml    0',
        '',
      ].join('\n'),
    })
  })

  it('-o wide adds where each page lives', async () => {
    const result = await list('-n', 'web', '-o', 'wide')
    expect(result.stdout).to.equal(
      [
        'NAME      SCOPE       STATUS   FORMATS    ASSETS   NAMESPACE             CONFIGMAP',
        'company   shared      200      html       0        kubectl-maintenance   maintenance-page-company',
        'front     namespace   503      html       0        web                   maintenance-page-front',
        'holiday   shared      503      html,xml   0        kubectl-maintenance   maintenance-page-holiday',
        '',
      ].join('\n'),
    )
  })

  it('-A lists every page with its namespace, by namespace then name', async () => {
    const result = await list('-A')
    expect(result.stdout).to.equal(
      [
        'NAMESPACE             NAME           STATUS   FORMATS     ASSETS',
        'kubectl-maintenance   company        200      html        0',
        'kubectl-maintenance   holiday        503      html,xml    0',
        'shop                  black-friday   503      html,json   2',
        'shop                  company        503      html        0',
        'web                   front          503      html        0',
        '',
      ].join('\n'),
    )
  })

  it('-o name prints configmap/NAME; -l filters on labels too', async () => {
    expect((await list('-n', 'shop', '-o', 'name')).stdout).to.equal(
      'configmap/maintenance-page-black-friday\nconfigmap/maintenance-page-company\nconfigmap/maintenance-page-company\nconfigmap/maintenance-page-holiday\n',
    )
    expect((await list('-A', '-l', 'team=sales', '-o', 'name')).stdout).to.equal('configmap/maintenance-page-black-friday\n')
  })

  it('-o json prints a List of the page ConfigMaps as stored', async () => {
    const result = await list('-n', 'web', '-o', 'json')
    const stored = (namespace: string, name: string) => ({apiVersion: 'v1', kind: 'ConfigMap', ...server.object('v1', 'ConfigMap', namespace, `maintenance-page-${name}`)})
    expect(JSON.parse(result.stdout)).to.deep.equal({
      apiVersion: 'v1',
      items: [stored('kubectl-maintenance', 'company'), stored('web', 'front'), stored('kubectl-maintenance', 'holiday')],
      kind: 'List',
    })
  })

  it('says so on stderr when there is nothing', async () => {
    const result = await list('-n', 'default', '-l', 'team=none')
    expect(result).to.deep.equal({exitCode: 0, stderr: 'No resources found in default namespace.\n', stdout: ''})
  })

  it('exits 2 on an unknown output format', async () => {
    const result = await list('-o', 'xml')
    expect(result.exitCode).to.equal(2)
    expect(result.stdout).to.equal('')
  })

  it('exits 1 with the reason when the cluster cannot be reached', async () => {
    const result = await runCommand(['page', 'list', '--kubeconfig', unreachableKubeconfig()])
    expect(result.exitCode).to.equal(1)
    expect(result.stderr).to.include('cannot reach the cluster at http://127.0.0.1:1')
  })
})
