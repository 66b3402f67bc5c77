import {expect} from 'chai'
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import http2 from 'node:http2'
import https from 'node:https'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {TlsKeyPair} from '../../src/render/backend.js'

import {backendDnsNames, selfSignedCertificate} from '../../src/kube/backend-tls.js'
import {defaultPage, renderPage} from '../../src/render/page.js'
import {buildViewModel} from '../../src/render/view-model.js'
import {NGINX_MISSING, type RunningNginx, findNginx, servePage} from '../support/nginx.js'
import {freePort} from '../support/ports.js'
import {findBinary, requireSystemBinary} from '../support/system-binary.js'

/**
 * Issue 13, part 2: the page backend answers in the protocol the proxy speaks. A second real nginx stands in for
 * the ingress controller, configured as ingress-nginx configures itself for each backend-protocol (grpc_pass for
 * GRPC, proxy_pass http for HTTP), in front of the backend's real nginx.conf. gRPC is checked with node:http2.
 */

const MESSAGE = 'Upgrading the database: back at 23:00 (100% sure)'

interface GrpcAnswer {
  headers: http2.IncomingHttpHeaders
  endStream: boolean
  trailers?: http2.IncomingHttpHeaders
}

/** One unary gRPC call (an empty message) over h2c or TLS, as any gRPC client makes it. */
function grpcCall(url: string): Promise<GrpcAnswer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, {rejectUnauthorized: false})
    session.on('error', reject)
    const stream = session.request({':method': 'POST', ':path': '/argocd.Session/Create', 'content-type': 'application/grpc', te: 'trailers'})
    let answer: GrpcAnswer | undefined
    stream.on('response', (headers, flags) => {
      answer = {endStream: (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0, headers}
    })
    stream.on('trailers', (trailers) => {
      if (answer) answer.trailers = trailers
    })
    stream.on('error', reject)
    stream.on('close', () => {
      session.close()
      if (answer) resolve(answer)
      else reject(new Error('no response'))
    })
    stream.resume()
    stream.end(Buffer.from([0, 0, 0, 0, 0]))
  })
}

/** The status a gRPC client reads: from the trailers, or from the headers of a trailers-only response. */
function grpcStatus(answer: GrpcAnswer): {code: string | undefined; message: string | undefined} {
  const source = answer.trailers ?? (answer.endStream ? answer.headers : {})
  const message = source['grpc-message']
  return {code: source['grpc-status'] as string | undefined, message: typeof message === 'string' ? decodeURIComponent(message) : undefined}
}

function httpsGet(url: string, headers: Record<string, string>): Promise<{status: number; type: string | undefined; body: string}> {
  return new Promise((resolve, reject) => {
    https
      .get(url, {headers, rejectUnauthorized: false}, (res) => {
        let body = ''
        res.on('data', (chunk: Buffer) => (body += chunk.toString()))
        res.on('end', () => resolve({body, status: res.statusCode ?? 0, type: res.headers['content-type']}))
      })
      .on('error', reject)
  })
}

interface Front {
  h2c: string
  tls: string
  stop(): Promise<void>
}

/** nginx as the controller: h2c and TLS listeners, each routing by what the Ingress annotation selects. */
async function startFront(backend: RunningNginx): Promise<Front> {
  const dir = mkdtempSync(path.join(tmpdir(), 'km-front-'))
  mkdirSync(path.join(dir, 'tmp'))
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=shop.example.com', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], {stdio: 'ignore'})
  const [h2cPort, tlsPort] = [await freePort(), await freePort()]
  const upstream = backend.url.replace('http://', '')
  const grpcUpstream = backend.grpcUrl.replace('http://', '')
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `${name}_temp_path ${dir}/tmp/${name};`).join(' ')
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `worker_processes 1; pid ${dir}/tmp/nginx.pid; error_log stderr warn; events {}
http {
  access_log off; ${temp}
  # backend-protocol GRPC (and GRPCS, switched to GRPC): grpc_pass over h2c, as ingress-nginx renders it.
  server { listen 127.0.0.1:${h2cPort} http2; location / { grpc_pass grpc://${grpcUpstream}; } }
  # TLS at the controller (ssl-passthrough switched off), backend-protocol HTTPS switched to HTTP; gRPC on /argocd.
  server {
    listen 127.0.0.1:${tlsPort} ssl http2;
    ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem;
    location /argocd. { grpc_pass grpc://${grpcUpstream}; }
    location / { proxy_pass http://${upstream}; proxy_set_header Host $host; }
  }
}
`,
  )
  const child: ChildProcess = spawn(findNginx()!, ['-p', dir, '-e', 'stderr', '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], {stdio: ['ignore', 'ignore', 'pipe']})
  let errors = ''
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  for (let tries = 0; ; tries++) {
    try {
      await httpsGet(`https://127.0.0.1:${tlsPort}/`, {})
      break
    } catch (error) {
      if (tries > 100 || child.exitCode !== null) throw new Error(`front nginx did not start: ${errors || (error as Error).message}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return {
    h2c: `http://127.0.0.1:${h2cPort}`,
    async stop() {
      child.kill('SIGTERM')
      await exited
      rmSync(dir, {force: true, recursive: true})
    },
    tls: `https://127.0.0.1:${tlsPort}`,
  }
}

describe('render/protocols: the page through the protocol the original used (real nginx, node:http2)', function () {
  this.timeout(20_000)
  let backend: RunningNginx
  let front: Front

  before(async function () {
    requireSystemBinary(this, findNginx(), NGINX_MISSING)
    requireSystemBinary(this, findBinary('openssl'), 'openssl not found: apt-get install openssl')
    const view = buildViewModel({message: MESSAGE, namespace: 'argocd', start: Date.UTC(2026, 11, 24, 20), targets: ['ingress/argocd-server-grpc-ingress'], timezone: 'UTC', window: 'grpc'})
    backend = await servePage(renderPage(defaultPage(), view))
    front = await startFront(backend)
  })

  after(async () => {
    await front?.stop()
    await backend?.stop()
  })

  it('a gRPC caller of the backend h2c port (a Service port for gRPC) reads UNAVAILABLE with the message, trailers-only', async () => {
    const answer = await grpcCall(backend.grpcUrl)
    expect(answer.headers[':status']).to.equal(200)
    expect(answer.headers['content-type']).to.equal('application/grpc')
    expect(answer.endStream, 'trailers-only response').to.equal(true)
    expect(grpcStatus(answer)).to.deep.equal({code: '14', message: MESSAGE})
  })

  it('ingress-nginx backend-protocol GRPC (and Traefik scheme h2c): grpc_pass to the backend answers the gRPC status', async () => {
    expect(grpcStatus(await grpcCall(front.h2c))).to.deep.equal({code: '14', message: MESSAGE})
  })

  it('backend-protocol GRPCS switched to GRPC: a gRPC client over TLS to the controller reads the status', async () => {
    expect(grpcStatus(await grpcCall(`${front.tls}`))).to.deep.equal({code: '14', message: MESSAGE})
  })

  it('backend-protocol HTTPS / ssl-passthrough switched to HTTP: a browser over TLS to the controller gets the page', async () => {
    const answer = await httpsGet(`${front.tls}/login`, {accept: 'text/html'})
    expect(answer.status).to.equal(503)
    expect(answer.type).to.equal('text/html; charset=utf-8')
    expect(answer.body).to.include('Upgrading the database')
  })

  it('an HTTP/2 request that is not gRPC on the h2c port gets the page', async () => {
    const session = http2.connect(backend.grpcUrl)
    const answer = await new Promise<{status: unknown; body: string}>((resolve, reject) => {
      const stream = session.request({':path': '/', accept: 'application/json'})
      let status: unknown
      let body = ''
      stream.on('response', (headers) => (status = headers[':status']))
      stream.on('data', (chunk: Buffer) => (body += chunk.toString()))
      stream.on('end', () => resolve({body, status}))
      stream.on('error', reject)
      stream.end()
    })
    session.close()
    expect(answer.status).to.equal(503)
    expect(JSON.parse(answer.body)).to.have.property('message', MESSAGE)
  })
})

/** What a TLS client of the backend reads, plus the certificate it was shown. */
function httpsRequest(
  url: string,
  options: {method?: string; headers?: Record<string, string>; ca?: string; servername?: string},
): Promise<{status: number; headers: Record<string, unknown>; body: string; subjectAltName?: string}> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      {ca: options.ca, headers: options.headers, method: options.method ?? 'GET', rejectUnauthorized: options.ca !== undefined, servername: options.servername},
      (res) => {
        const subjectAltName = (res.socket as import('node:tls').TLSSocket).getPeerCertificate?.().subjectaltname
        let body = ''
        res.on('data', (chunk: Buffer) => (body += chunk.toString()))
        res.on('end', () => resolve({body, headers: res.headers, status: res.statusCode ?? 0, subjectAltName}))
      },
    )
    request.on('error', reject)
    request.end()
  })
}

/** nginx as a controller that speaks TLS to its upstream: backend-protocol HTTPS (proxy_pass https) and GRPCS (grpc_pass grpcs). */
async function startTlsFront(backendTls: string): Promise<{http: string; h2c: string; stop(): Promise<void>}> {
  const dir = mkdtempSync(path.join(tmpdir(), 'km-front-tls-'))
  mkdirSync(path.join(dir, 'tmp'))
  const [httpPort, h2cPort] = [await freePort(), await freePort()]
  const upstream = backendTls.replace('https://', '')
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `${name}_temp_path ${dir}/tmp/${name};`).join(' ')
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `worker_processes 1; pid ${dir}/tmp/nginx.pid; error_log stderr warn; events {}
http {
  access_log off; ${temp}
  # backend-protocol HTTPS, as ingress-nginx renders it: TLS to the upstream, certificate not verified (its default).
  server { listen 127.0.0.1:${httpPort}; location / { proxy_pass https://${upstream}; proxy_set_header Host $host; } }
  # backend-protocol GRPCS: gRPC over TLS to the upstream.
  server { listen 127.0.0.1:${h2cPort} http2; location / { grpc_pass grpcs://${upstream}; } }
}
`,
  )
  const child: ChildProcess = spawn(findNginx()!, ['-p', dir, '-e', 'stderr', '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], {stdio: ['ignore', 'ignore', 'pipe']})
  let errors = ''
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  for (let tries = 0; ; tries++) {
    try {
      await fetch(`http://127.0.0.1:${httpPort}/_maintenance/healthz`)
      break
    } catch (error) {
      if (tries > 100 || child.exitCode !== null) throw new Error(`front nginx did not start: ${errors || (error as Error).message}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return {
    h2c: `http://127.0.0.1:${h2cPort}`,
    http: `http://127.0.0.1:${httpPort}`,
    async stop() {
      child.kill('SIGTERM')
      await exited
      rmSync(dir, {force: true, recursive: true})
    },
  }
}

describe('render/protocols: TLS upstreams get the page from the backend TLS listener, with the certificate the engine generates', function () {
  this.timeout(20_000)
  const NAME = 'maintenance-0123456789'
  const NAMESPACE = 'argocd'
  const END = Date.UTC(2026, 11, 24, 23)
  let pair: TlsKeyPair
  let grpcMessage: string | undefined
  let backend: RunningNginx
  let front: Awaited<ReturnType<typeof startTlsFront>>

  before(async function () {
    requireSystemBinary(this, findNginx(), NGINX_MISSING)
    // The certificate is dated from the real clock: TLS clients check its validity against theirs.
    pair = await selfSignedCertificate(NAME, NAMESPACE, Date.now())
    const view = buildViewModel({end: END, message: MESSAGE, namespace: NAMESPACE, start: Date.UTC(2026, 11, 24, 20), targets: ['service/argocd-server'], timezone: 'UTC', window: 'tls'})
    const page = renderPage(defaultPage(), view)
    grpcMessage = page.grpcMessage
    backend = await servePage(page, undefined, pair)
    front = await startTlsFront(backend.tlsUrl!)
  })

  after(async () => {
    await front?.stop()
    await backend?.stop()
  })

  const variants: Array<[string | undefined, string, (body: string) => void]> = [
    ['text/html,application/xhtml+xml,*/*;q=0.8', 'text/html; charset=utf-8', (body) => expect(body).to.include('Upgrading the database')],
    ['application/json', 'application/json; charset=utf-8', (body) => expect(JSON.parse(body)).to.have.property('message', MESSAGE)],
    ['application/xml', 'application/xml; charset=utf-8', (body) => expect(body).to.match(/^<\?xml/)],
    [undefined, 'text/html; charset=utf-8', (body) => expect(body).to.include('<html')],
  ]
  for (const [accept, type, check] of variants) {
    it(`a TLS caller of the backend (a Service port 443 switched to 8443), Accept ${accept ?? '(none)'}: 503 ${type.split(';')[0]}`, async () => {
      const answer = await httpsRequest(`${backend.tlsUrl}/login`, {headers: accept ? {accept} : {}})
      expect(answer.status).to.equal(503)
      expect(answer.headers['content-type']).to.equal(type)
      expect(answer.headers['retry-after']).to.equal('Thu, 24 Dec 2026 23:00:00 GMT')
      expect(answer.headers['cache-control']).to.equal('no-store')
      expect(answer.headers.vary).to.equal('Accept')
      check(answer.body)
    })
  }

  it('HEAD over TLS: the same headers, no body', async () => {
    const answer = await httpsRequest(`${backend.tlsUrl}/`, {method: 'HEAD'})
    expect(answer.status).to.equal(503)
    expect(answer.headers['retry-after']).to.equal('Thu, 24 Dec 2026 23:00:00 GMT')
    expect(answer.body).to.equal('')
  })

  it('the certificate is valid for the backend Service DNS names: a client that trusts it verifies the handshake', async () => {
    const answer = await httpsRequest(`${backend.tlsUrl}/`, {ca: pair.certificate, servername: `${NAME}.${NAMESPACE}.svc`})
    expect(answer.status).to.equal(503)
    expect(answer.subjectAltName).to.equal(backendDnsNames(NAME, NAMESPACE).map((name) => `DNS:${name}`).join(', '))
    const wrongName = await httpsRequest(`${backend.tlsUrl}/`, {ca: pair.certificate, servername: 'shop.example.com'}).then(
      () => 'accepted',
      (error: Error) => error.message,
    )
    expect(wrongName).to.match(/altnames/)
  })

  it('ingress-nginx backend-protocol HTTPS (proxy_pass https://): visitors of the controller get the page', async () => {
    for (const [accept, type, check] of variants) {
      const response = await fetch(`${front.http}/cart`, {headers: accept ? {accept} : {}})
      expect(response.status, accept).to.equal(503)
      expect(response.headers.get('content-type')).to.equal(type)
      expect(response.headers.get('retry-after')).to.equal('Thu, 24 Dec 2026 23:00:00 GMT')
      check(await response.text())
    }
  })

  it('backend-protocol GRPCS (grpc_pass grpcs://, and a grpcs Service port): a gRPC caller reads UNAVAILABLE with the message', async () => {
    expect(grpcMessage).to.include(MESSAGE)
    expect(grpcStatus(await grpcCall(front.h2c))).to.deep.equal({code: '14', message: grpcMessage})
    expect(grpcStatus(await grpcCall(backend.tlsUrl!))).to.deep.equal({code: '14', message: grpcMessage})
  })
})
