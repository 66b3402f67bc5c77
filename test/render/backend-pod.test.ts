/**
 * The gated backend exactly as the engine makes it (Deployment command, ConfigMap files, Secret files), run by real
 * nginx as its pod would run it.
 *
 * The one rewrite: every absolute path the pod mounts (/etc/maintenance, /etc/maintenance-tls, /tmp) and the pod's
 * /etc/resolv.conf get the temp directory as prefix, in the container's shell command and in the files, and nothing
 * else changes. The pod's network is a fresh network namespace (`unshare --net`, root), so the backend listens on its
 * real ports (8080, 8100, ...); a DNS server on 127.0.0.1:53 stands for cluster DNS (the fake resolv.conf names it) and
 * answers the original Service's cluster DNS name with 127.0.0.1, where the original listens on its Service port.
 * nginx runs as the pod's user and group (101), with the Secret's files 0440 and group 101 as fsGroup makes them.
 */
import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {backendTlsSecret, renderBackend} from '../../src/render/backend.js'
import {type GateSettings, bypassDigest} from '../../src/render/gate.js'
import {defaultPage, renderPage} from '../../src/render/page.js'
import {buildViewModel} from '../../src/render/view-model.js'
import {gateSecretConf, selfSignedCertificate} from '../../src/kube/backend-tls.js'
import {findNginx, NGINX_MISSING} from '../support/nginx.js'
import {requireSystemBinary} from '../support/system-binary.js'
import {WINDOW} from './fixtures.js'

const SECRET = 'Pod-smoke_tests-0123456'
const SALT = 'pod-salt-0123'
const SCRIPT = fileURLToPath(new URL('../support/pod-netns.mjs', import.meta.url))
const MOUNTED = /(?<![\w.-])(\/etc\/maintenance-tls|\/etc\/maintenance|\/etc\/resolv\.conf|\/tmp)(?=[/"' ;]|$)/gm

/** The one rewrite: the temp directory in front of every path the pod mounts. */
function prefixed(text: string, root: string): string {
  return text.replaceAll(MOUNTED, (mounted) => `${root}${mounted}`)
}

interface Container {
  command: string[]
  args: string[]
  volumeMounts: {mountPath: string; name: string}[]
}
interface Volume {
  name: string
  configMap?: {items: {key: string; path: string}[]}
  secret?: {defaultMode: number}
  emptyDir?: object
}
interface PodObjects {
  deployment: {spec: {template: {spec: {containers: Container[]; volumes: Volume[]; securityContext: {runAsUser: number; runAsGroup: number; fsGroup: number}}}}}
  configMap: {data: Record<string, string>; binaryData?: Record<string, string>}
  secret: {data: Record<string, string>}
}

/** Writes each volume where its mount says (under `root`), as the kubelet would, and returns the shell to run. */
function materialise(objects: PodObjects, root: string, resolvConf: string): {shell: string; uid: number; gid: number} {
  const pod = objects.deployment.spec.template.spec
  const [container] = pod.containers
  const {fsGroup, runAsGroup, runAsUser} = pod.securityContext
  for (const mount of container.volumeMounts) {
    const volume = pod.volumes.find(({name}) => name === mount.name)!
    const dir = prefixed(mount.mountPath, root)
    mkdirSync(dir, {recursive: true})
    if (volume.configMap) {
      for (const item of volume.configMap.items) {
        const file = path.join(dir, item.path)
        mkdirSync(path.dirname(file), {recursive: true})
        const text = objects.configMap.data[item.key]
        writeFileSync(file, text === undefined ? Buffer.from(objects.configMap.binaryData![item.key], 'base64') : prefixed(text, root), {mode: 0o644})
      }
    } else if (volume.secret) {
      for (const [key, base64] of Object.entries(objects.secret.data)) {
        writeFileSync(path.join(dir, key), prefixed(Buffer.from(base64, 'base64').toString('utf8'), root), {mode: volume.secret.defaultMode})
        chownSync(path.join(dir, key), 0, fsGroup)
      }
    } else if (volume.emptyDir) {
      chownSync(dir, runAsUser, runAsGroup)
    }
  }
  mkdirSync(path.join(root, 'etc'), {recursive: true})
  writeFileSync(path.join(root, 'etc', 'resolv.conf'), resolvConf, {mode: 0o644})
  for (let dir = root; dir !== path.dirname(root) && dir.startsWith(root); dir = path.dirname(dir)) chmodSync(dir, 0o755)
  expect(container.command).to.deep.equal(['/bin/sh'])
  expect(container.args[0]).to.equal('-c')
  return {gid: runAsGroup, shell: prefixed(container.args[1], root), uid: runAsUser}
}

interface Step {
  port: number
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string
  cookieFrom?: number
}
interface PodAnswer {
  status: number
  headers: Record<string, string | string[]>
  body: string
  error?: string
}

function runPod(objects: PodObjects, dns: Record<string, string>, upstreams: number[], requests: Step[]): {answers: PodAnswer[]; stderr: string} {
  const root = mkdtempSync(path.join(tmpdir(), 'km-pod-'))
  try {
    const resolvConf = 'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 127.0.0.1\noptions ndots:5\n'
    const {gid, shell, uid} = materialise(objects, root, resolvConf)
    const input = path.join(root, 'input.json')
    writeFileSync(input, JSON.stringify({dns, gid, requests, shell, uid, upstreams}))
    const run = spawnSync('unshare', ['--net', '--', process.execPath, SCRIPT, input], {encoding: 'utf8', timeout: 30_000})
    if (run.status !== 0) throw new Error(`pod run failed (${run.status}): ${run.stderr}`)
    return JSON.parse(run.stdout) as {answers: PodAnswer[]; stderr: string}
  } finally {
    rmSync(root, {force: true, recursive: true})
  }
}

function canUnshare(): boolean {
  return spawnSync('unshare', ['--net', '--', 'true']).status === 0
}

/** status + what the body is. */
function seen(answer: PodAnswer): string {
  if (answer.error) return answer.error
  if (answer.body.startsWith('upstream')) return `${answer.status} ${answer.body}`
  if (answer.body.includes(WINDOW.message!)) return `${answer.status} page`
  if (answer.body.includes('<title>')) return `${answer.status} ${/<title>([^<]*)</.exec(answer.body)![1]}`
  return `${answer.status} ${answer.body.slice(0, 40) || '(empty)'}`
}

describe('render/backend: a gated backend run as its pod runs it (Deployment command, ConfigMap and Secret files)', function () {
  this.timeout(60_000)

  before(function () {
    requireSystemBinary(this, findNginx(), NGINX_MISSING)
    if (process.getuid?.() !== 0 || !canUnshare()) {
      // CI runs as root, where this works; say so rather than pass silently.
      throw new Error('this test needs root and `unshare --net` (util-linux) to give the backend a network namespace of its own')
    }
  })

  it('starts from the container command, writes the resolver from resolv.conf, serves the page and lets a bypass through', async () => {
    const settings: GateSettings = {
      allowCidrs: [],
      bypass: {digest: bypassDigest(SALT, SECRET), salt: SALT, secureCookie: false, ttlSeconds: 3600},
      except: ['/healthz'],
      readOnly: false,
      trustForwardedFor: 0,
    }
    const now = Date.now()
    const manifests = renderBackend({
      gate: {settings, upstreams: [{address: 'web.shop.svc.cluster.local:80', key: 'shop/web:80'}]},
      gateUntil: now + 86_400_000,
      namespace: 'shop',
      page: renderPage(defaultPage(), buildViewModel(WINDOW)),
    })
    const secret = backendTlsSecret(manifests, 'shop', 'uid-1', await selfSignedCertificate(manifests.name, 'shop', now), gateSecretConf(manifests, now))
    const gatePort = manifests.gate!.upstreamPorts['shop/web:80']
    const {answers, stderr} = runPod({...manifests, secret} as unknown as PodObjects, {'web.shop.svc.cluster.local': '127.0.0.1'}, [80], [
      {headers: {accept: 'text/html'}, path: '/', port: 8080},
      {headers: {accept: 'text/html'}, path: '/shop', port: gatePort},
      {path: `/_maintenance/bypass/${SECRET}`, port: gatePort},
      {cookieFrom: 2, method: 'POST', path: '/teapot', port: gatePort, body: 'abc'},
      {headers: {'x-maintenance-bypass': SECRET}, path: '/api/items', port: gatePort},
      {method: 'POST', path: '/healthz', port: gatePort},
      {cookieFrom: 2, headers: {'x-maintenance-bypass': 'a-wrong-secret-of-some-length'}, path: '/both', port: gatePort},
      {body: 'abcd', headers: {cookie: 'maintenance_bypass=forged', 'x-maintenance-bypass': SECRET}, method: 'PUT', path: '/both?x=1', port: gatePort},
      {headers: {accept: 'text/html', 'x-maintenance-bypass': 'a-wrong-secret-of-some-length'}, path: '/both', port: gatePort},
      {headers: {'x-maintenance-bypass': SECRET}, path: '/vary', port: gatePort},
    ])
    expect(answers.map((answer) => seen(answer)), stderr).to.deep.equal([
      '503 page',
      '503 page',
      '302 302 Found',
      '418 upstream :80 saw POST /teapot body=3',
      '200 upstream :80 saw GET /api/items body=0',
      '200 upstream :80 saw POST /healthz body=0',
      '200 upstream :80 saw GET /both body=0',
      '200 upstream :80 saw PUT /both?x=1 body=4',
      '503 page',
      '200 upstream :80 saw GET /vary body=0',
    ])
    expect(answers.at(-1)!.headers.vary).to.equal('Accept-Encoding, Cookie')
    expect(answers[2].headers['set-cookie']).to.match(/^maintenance_bypass=[\w-]{22}\.\d+; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax$/)
  })

  it('reaches each of several weighted original backends through its own port (the proxy in front keeps the weights)', async () => {
    const settings: GateSettings = {allowCidrs: [], bypass: {digest: bypassDigest(SALT, SECRET), salt: SALT, secureCookie: false, ttlSeconds: 3600}, except: [], readOnly: false, trustForwardedFor: 0}
    const now = Date.now()
    const manifests = renderBackend({
      gate: {
        settings,
        upstreams: [
          {address: 'api-v1.shop.svc.cluster.local:80', key: 'shop/api-v1:80'},
          {address: 'api-v2.shop.svc.cluster.local:9000', key: 'shop/api-v2:http'},
        ],
      },
      gateUntil: now + 86_400_000,
      namespace: 'shop',
      page: renderPage(defaultPage(), buildViewModel(WINDOW)),
    })
    const secret = backendTlsSecret(manifests, 'shop', 'uid-1', await selfSignedCertificate(manifests.name, 'shop', now), gateSecretConf(manifests, now))
    const ports = manifests.gate!.upstreamPorts
    expect(ports).to.deep.equal({'shop/api-v1:80': 8100, 'shop/api-v2:http': 8101})
    const dns = {'api-v1.shop.svc.cluster.local': '127.0.0.1', 'api-v2.shop.svc.cluster.local': '127.0.0.1'}
    const {answers, stderr} = runPod({...manifests, secret} as unknown as PodObjects, dns, [80, 9000], [
      {headers: {'x-maintenance-bypass': SECRET}, path: '/v1', port: 8100},
      {headers: {'x-maintenance-bypass': SECRET}, path: '/v2', port: 8101},
      {headers: {accept: 'text/html'}, path: '/v2', port: 8101},
    ])
    expect(answers.map((answer) => seen(answer)), stderr).to.deep.equal(['200 upstream :80 saw GET /v1 body=0', '200 upstream :9000 saw GET /v2 body=0', '503 page'])
  })
})
