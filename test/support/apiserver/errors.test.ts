import {expect} from 'chai'

import {type ApiServer, startApiServer} from '../apiserver.js'
import {CM, call, configMap, get, patch, post, put} from './test-client.js'

describe('in-process API server: Status error bodies', () => {
  let server: ApiServer
  beforeEach(async () => {
    server = await startApiServer()
  })
  afterEach(() => server.close())

  it('answers 404 NotFound with the exact kube-apiserver Status for a missing object', async () => {
    const reply = await get(server, `${CM}/x`)
    expect(reply.status).to.equal(404)
    expect(reply.body).to.deep.equal({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "x" not found',
      reason: 'NotFound',
      details: {name: 'x', kind: 'configmaps'},
      code: 404,
    })
  })

  it('qualifies the resource with its group in NotFound messages and details', async () => {
    const reply = await get(server, '/apis/networking.k8s.io/v1/namespaces/default/ingresses/shop')
    expect(reply.body.message).to.equal('ingresses.networking.k8s.io "shop" not found')
    expect(reply.body.details).to.deep.equal({name: 'shop', group: 'networking.k8s.io', kind: 'ingresses'})
  })

  it('answers 404 naming the namespace when creating in a namespace that does not exist', async () => {
    const reply = await post(server, '/api/v1/namespaces/missing/configmaps', configMap('a', 'missing'))
    expect(reply.status).to.equal(404)
    expect(reply.body).to.deep.include({message: 'namespaces "missing" not found', reason: 'NotFound', details: {name: 'missing', kind: 'namespaces'}})
  })

  it('answers 409 AlreadyExists for a second create of the same name', async () => {
    await post(server, CM, configMap('a'))
    const reply = await post(server, CM, configMap('a'))
    expect(reply.status).to.equal(409)
    expect(reply.body).to.deep.include({reason: 'AlreadyExists', message: 'configmaps "a" already exists', details: {name: 'a', kind: 'configmaps'}})
  })

  it('answers 409 Conflict with the apiserver message for a stale resourceVersion', async () => {
    const created = await post(server, CM, configMap('a'))
    const stale = created.body
    await put(server, `${CM}/a`, {...stale, data: {v: '1'}})
    const reply = await put(server, `${CM}/a`, {...stale, data: {v: '2'}})
    expect(reply.status).to.equal(409)
    expect(reply.body).to.deep.include({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
      details: {name: 'a', kind: 'configmaps'},
    })
  })

  it('answers 422 Invalid with one cause per field error', async () => {
    const reply = await post(server, CM, configMap('Bad_Name'))
    expect(reply.status).to.equal(422)
    expect(reply.body.reason).to.equal('Invalid')
    expect(reply.body.message).to.match(/^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/)
    expect(reply.body.details).to.deep.include({name: 'Bad_Name', kind: 'ConfigMap'})
    const causes = (reply.body.details as {causes: unknown[]}).causes
    expect(causes).to.have.length(1)
    expect(causes[0]).to.deep.include({reason: 'FieldValueInvalid', field: 'metadata.name'})
  })

  it('answers 403 Forbidden naming user, verb, resource, group and namespace for a denied request', async () => {
    server.faults.deny('list', 'ingresses', 'default')
    const reply = await get(server, '/apis/networking.k8s.io/v1/namespaces/default/ingresses')
    expect(reply.status).to.equal(403)
    expect(reply.body).to.deep.include({
      reason: 'Forbidden',
      message: 'ingresses.networking.k8s.io is forbidden: User "kubernetes-admin" cannot list resource "ingresses" in API group "networking.k8s.io" in the namespace "default"',
    })
  })

  it('answers 415 UnsupportedMediaType for a strategic merge patch of a custom resource', async () => {
    const reply = await patch(server, '/apis/traefik.io/v1alpha1/namespaces/default/ingressroutes/r', {spec: {}}, 'application/strategic-merge-patch+json')
    expect(reply.status).to.equal(415)
    expect(reply.body).to.deep.equal({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      reason: 'UnsupportedMediaType',
      code: 415,
    })
  })

  it('answers 429 TooManyRequests with Retry-After: 1', async () => {
    server.faults.failRequests([1], 429)
    const reply = await get(server, CM)
    expect(reply.status).to.equal(429)
    expect(reply.headers.get('retry-after')).to.equal('1')
    expect(reply.body).to.deep.include({reason: 'TooManyRequests', code: 429, details: {retryAfterSeconds: 1}})
  })

  it('answers 500 InternalError with the cause', async () => {
    server.faults.failRequests([1])
    const reply = await get(server, CM)
    expect(reply.status).to.equal(500)
    expect(reply.body).to.deep.include({reason: 'InternalError', message: 'Internal error occurred: injected fault', details: {causes: [{message: 'injected fault'}]}})
  })

  it('answers 405 MethodNotAllowed for a verb the endpoint does not have', async () => {
    const onCollection = await call(server, 'PUT', CM, configMap('a'))
    expect(onCollection.status).to.equal(405)
    expect(onCollection.body.reason).to.equal('MethodNotAllowed')
    expect(onCollection.body.message).to.match(/is not supported on resources of kind "configmaps"$/)
    const getReview = await get(server, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')
    expect(getReview.status).to.equal(405)
  })

  it('answers 400 BadRequest for a body that is not JSON', async () => {
    const reply = await call(server, 'POST', CM, '{not json')
    expect(reply.status).to.equal(400)
    expect(reply.body.reason).to.equal('BadRequest')
  })
})
