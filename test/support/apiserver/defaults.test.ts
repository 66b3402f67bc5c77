import {expect} from 'chai'

import {type ApiServer, startApiServer} from '../apiserver.js'
import {deployment, dig, get, patch, post, put} from './test-client.js'

const SVC = '/api/v1/namespaces/default/services'

describe('in-process API server: defaults applied on create', () => {
  let server: ApiServer
  beforeEach(async () => {
    server = await startApiServer()
  })
  afterEach(() => server.close())

  it('defaults a Service like kube-apiserver, allocating a clusterIP from 10.96.0.0/12', async () => {
    const reply = await post(server, SVC, {metadata: {name: 'web'}, spec: {selector: {app: 'web'}, ports: [{name: 'http', port: 80}]}})
    expect(reply.status).to.equal(201)
    const clusterIP = String(dig(reply.body, 'spec.clusterIP'))
    expect(clusterIP).to.match(/^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/)
    expect(reply.body.spec).to.deep.equal({
      selector: {app: 'web'},
      ports: [{name: 'http', port: 80, protocol: 'TCP', targetPort: 80}],
      type: 'ClusterIP',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      clusterIP,
      clusterIPs: [clusterIP],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
    })
    expect(reply.body.status).to.deep.equal({loadBalancer: {}})
  })

  it('keeps the allocated clusterIP on an update that omits it, and rejects changing it with 422', async () => {
    const created = await post(server, SVC, {metadata: {name: 'web'}, spec: {ports: [{port: 80}]}})
    const kept = await put(server, `${SVC}/web`, {metadata: {name: 'web'}, spec: {ports: [{port: 81}]}})
    expect(dig(kept.body, 'spec.clusterIP')).to.equal(dig(created.body, 'spec.clusterIP'))
    const changed = await patch(server, `${SVC}/web`, {spec: {clusterIP: '10.96.200.200', clusterIPs: ['10.96.200.200']}}, 'application/merge-patch+json')
    expect(changed.status).to.equal(422)
    expect(changed.body.message).to.equal('Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.200.200"}: may not change once set')
  })

  it('defaults a Deployment, its pod template and containers', async () => {
    const reply = await post(server, '/apis/apps/v1/namespaces/default/deployments', deployment('web'))
    expect(reply.body.spec).to.deep.equal({
      replicas: 1,
      selector: {matchLabels: {app: 'web'}},
      strategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: '25%', maxSurge: '25%'}},
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: {
        metadata: {labels: {app: 'web'}},
        spec: {
          containers: [{name: 'web', image: 'nginx:1.27', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent'}],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: {},
          schedulerName: 'default-scheduler',
        },
      },
    })
  })

  it('pulls :latest and untagged images Always', async () => {
    const reply = await post(server, '/apis/apps/v1/namespaces/default/deployments', deployment('web', 'nginx'))
    expect(dig(reply.body, 'spec.template.spec.containers[0].imagePullPolicy')).to.equal('Always')
  })

  it('defaults a Namespace with the kubernetes finalizer, phase Active and the metadata.name label', async () => {
    const reply = await post(server, '/api/v1/namespaces', {metadata: {name: 'shop'}})
    expect(reply.body.spec).to.deep.equal({finalizers: ['kubernetes']})
    expect(reply.body.status).to.deep.equal({phase: 'Active'})
    expect(dig(reply.body, 'metadata.labels')).to.deep.equal({'kubernetes.io/metadata.name': 'shop'})
  })

  it('applies the Gateway API CRD schema defaults to an HTTPRoute', async () => {
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {name: 'web'},
      spec: {parentRefs: [{name: 'gw'}], rules: [{backendRefs: [{name: 'web', port: 80}]}]},
    }
    const reply = await post(server, '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes', route)
    expect(reply.status).to.equal(201)
    expect(dig(reply.body, 'spec.parentRefs[0]')).to.deep.equal({name: 'gw', group: 'gateway.networking.k8s.io', kind: 'Gateway'})
    expect(dig(reply.body, 'spec.rules[0].backendRefs[0]')).to.deep.equal({name: 'web', port: 80, group: '', kind: 'Service', weight: 1})
    expect(dig(reply.body, 'spec.rules[0].matches')).to.deep.equal([{path: {type: 'PathPrefix', value: '/'}}])
  })

  it('returns the same defaulted object on a later GET', async () => {
    const created = await post(server, SVC, {metadata: {name: 'web'}, spec: {ports: [{port: 80}]}})
    expect((await get(server, `${SVC}/web`)).body).to.deep.equal(created.body)
  })
})
