import {expect} from 'chai'

import {pageConfigMap, pageFromConfigMap} from '../../src/render/page-codec.js'

describe('pageConfigMap and pageFromConfigMap', () => {
  it('stores templates as data, assets as base64 binaryData keyed by name, and the status as an annotation', () => {
    const configMap = pageConfigMap({
      assets: {'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0]), 'a.css': Buffer.from('p{}')},
      html: '<h1>{{message}}</h1>',
      json: '{"m": "{{message}}"}',
      name: 'sale',
      namespace: 'shop',
      status: 200,
    })
    expect(configMap).to.deep.equal({
      apiVersion: 'v1',
      binaryData: {'a.css': 'cHt9', 'logo.png': 'iVBORwA='},
      data: {'page.html.hbs': '<h1>{{message}}</h1>', 'page.json.hbs': '{"m": "{{message}}"}'},
      kind: 'ConfigMap',
      metadata: {
        annotations: {'kubectl-maintenance.io/status': '200'},
        labels: {'app.kubernetes.io/managed-by': 'kubectl-maintenance', 'kubectl-maintenance.io/role': 'page'},
        name: 'maintenance-page-sale',
        namespace: 'shop',
      },
    })
    expect(pageFromConfigMap(configMap)).to.deep.equal({
      assets: {'a.css': Buffer.from('p{}'), 'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0])},
      html: '<h1>{{message}}</h1>',
      json: '{"m": "{{message}}"}',
      name: 'sale',
      status: 200,
      xml: undefined,
    })
  })

  it('leaves out the status annotation and binaryData when not given; reads the status as 503 then', () => {
    const configMap = pageConfigMap({assets: {}, html: 'x', name: 'plain', namespace: 'shop'})
    expect(configMap.metadata).to.not.have.property('annotations')
    expect(configMap).to.not.have.property('binaryData')
    expect(pageFromConfigMap(configMap)?.status).to.equal(503)
  })

  it('is not a page without an HTML template or without the name prefix', () => {
    expect(pageFromConfigMap({data: {}, metadata: {name: 'maintenance-page-x'}})).to.equal(undefined)
    expect(pageFromConfigMap({data: {'page.html.hbs': 'x'}, metadata: {name: 'other'}})).to.equal(undefined)
  })
})
