import {expect} from 'chai'
import {type Server, createServer} from 'node:http'
import {request} from 'node:http'

import {type GateSettings, bypassCookie, bypassDigest, gateKeyConf} from '../../src/render/gate.js'
import {defaultPage, renderPage} from '../../src/render/page.js'
import {buildViewModel} from '../../src/render/view-model.js'
import {CHROMIUM_MISSING, findChromium, launchChromium} from '../support/browser.js'
import {findNginx, NGINX_MISSING, type RunningNginx, servePage} from '../support/nginx.js'
import {freePort} from '../support/ports.js'
import {requireSystemBinary} from '../support/system-binary.js'
import {WINDOW} from './fixtures.js'

const SECRET = 'Sm0ke-tests_may-pass-0123'
const SALT = 'pepper-0123'
const KEY = '00112233445566778899aabbccddeeff'
const TTL = 12 * 3600

interface Answer {
  status: number
  headers: Record<string, string | undefined>
  body: string
}

function send(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, {headers, method}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const flat = Object.fromEntries(Object.entries(res.headers).map(([key, value]) => [key, Array.isArray(value) ? value.join(', ') : value]))
        resolve({body: Buffer.concat(chunks).toString('utf8'), headers: flat, status: res.statusCode ?? 0})
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** The original backend: answers with its own status and says what it got. */
async function startUpstream(): Promise<{server: Server; address: string}> {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      const vary: Record<string, string> = req.url === '/vary' ? {vary: 'Accept-Encoding'} : req.url === '/vary-star' ? {vary: '*'} : {}
      res.writeHead(req.url?.startsWith('/teapot') ? 418 : 200, {'content-type': 'text/plain', ...vary})
      res.end(`upstream saw ${req.method} ${req.url} body=${body.length}`)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const {port} = server.address() as {port: number}
  return {address: `127.0.0.1:${port}`, server}
}

const page = () => renderPage(defaultPage(), buildViewModel(WINDOW))

function settings(overrides: Partial<GateSettings> = {}): GateSettings {
  return {
    allowCidrs: [],
    bypass: {digest: bypassDigest(SALT, SECRET), salt: SALT, secureCookie: true, ttlSeconds: TTL},
    except: [],
    readOnly: false,
    trustForwardedFor: 0,
    ...overrides,
  }
}

/** status + what the body is: the upstream's line, or the page. */
function seen(answer: Answer): string {
  if (answer.body.startsWith('upstream saw')) return `${answer.status} ${answer.body}`
  if (answer.body.startsWith('<!doctype html>') && answer.body.includes(WINDOW.message!)) return `${answer.status} page(html) cache=${answer.headers['cache-control']}`
  if (answer.headers['content-type']?.startsWith('application/json')) return `${answer.status} page(json) cache=${answer.headers['cache-control']}`
  return `${answer.status} ${answer.body.slice(0, 30) || '(empty)'}`
}

describe('render/gate: the gate in nginx.conf, served by real nginx in front of a real upstream', function () {
  this.timeout(30_000)
  let upstream: {server: Server; address: string}
  const running: RunningNginx[] = []
  const now = Date.now()

  before(async function () {
    requireSystemBinary(this, findNginx(), NGINX_MISSING)
    upstream = await startUpstream()
  })

  after(async () => {
    for (const nginx of running) await nginx.stop()
    upstream?.server.close()
  })

  async function gate(overrides: Partial<GateSettings> = {}, address?: string, resolver?: string): Promise<string> {
    const nginx = await servePage(page(), undefined, undefined, {
      keyConf: gateKeyConf(KEY, TTL, now - 3_600_000, now + 86_400_000),
      resolver,
      settings: settings(overrides),
      upstream: address ?? upstream.address,
    })
    running.push(nginx)
    return nginx.url
  }

  describe('bypass', () => {
    let url: string
    before(async () => {
      url = await gate()
    })

    it('answers a visitor without the cookie with the page, as before the gate', async () => {
      expect(seen(await send(url, 'GET', '/', {accept: 'text/html'}))).to.equal('503 page(html) cache=no-store')
      expect(seen(await send(url, 'POST', '/orders', {accept: 'application/json'}, '{}'))).to.equal('503 page(json) cache=no-store')
    })

    it('sets an HttpOnly, Secure, SameSite=Lax cookie that lasts the TTL and redirects to / on the bypass link', async () => {
      const answer = await send(url, 'GET', `/_maintenance/bypass/${SECRET}`)
      expect(answer.status).to.equal(302)
      expect(answer.headers.location).to.equal('/')
      expect(answer.headers['cache-control']).to.equal('no-store')
      const cookie = answer.headers['set-cookie']!
      expect(cookie).to.match(/^maintenance_bypass=[A-Za-z0-9_-]{22}\.\d+; Path=\/; Max-Age=43200; HttpOnly; Secure; SameSite=Lax$/)
      const expires = Number(/\.(\d+);/.exec(cookie)![1])
      // Issued per 1000 s: the cookie expires between TTL - 1000 s and TTL from now.
      expect(expires - Math.floor(Date.now() / 1000)).to.be.within(TTL - 1001, TTL)
    })

    it('answers a wrong secret on the bypass link with the page and no cookie', async () => {
      const answer = await send(url, 'GET', `/_maintenance/bypass/${SECRET.replace('S', 's')}`)
      expect([answer.status, answer.headers['set-cookie']]).to.deep.equal([503, undefined])
    })

    it('proxies with the cookie: the upstream’s own status and body, Vary: Cookie', async () => {
      const {headers} = await send(url, 'GET', `/_maintenance/bypass/${SECRET}`)
      const cookie = headers['set-cookie']!.split(';')[0]
      const answer = await send(url, 'POST', '/teapot?x=1', {cookie}, 'hello')
      expect(seen(answer)).to.equal('418 upstream saw POST /teapot?x=1 body=5')
      expect(answer.headers.vary).to.equal('Cookie')
    })

    it('proxies with the header X-Maintenance-Bypass, for API clients and smoke tests', async () => {
      expect(seen(await send(url, 'DELETE', '/api/items/7', {'x-maintenance-bypass': SECRET}))).to.equal('200 upstream saw DELETE /api/items/7 body=0')
      expect(seen(await send(url, 'GET', '/', {accept: 'application/json', 'x-maintenance-bypass': `${SECRET}x`}))).to.equal('503 page(json) cache=no-store')
    })

    it('passes a valid cookie whatever the header says, and a valid header whatever the cookie says, body and query intact', async () => {
      const cookie = `maintenance_bypass=${bypassCookie(KEY, Math.floor(Date.now() / 1000) + 3600)}`
      const cases: Array<Record<string, string>> = [
          {cookie, 'x-maintenance-bypass': 'a-wrong-secret-of-some-length'},
          {cookie: 'maintenance_bypass=forged', 'x-maintenance-bypass': SECRET},
          {'x-maintenance-bypass': SECRET},
          {cookie: 'maintenance_bypass=forged', 'x-maintenance-bypass': 'a-wrong-secret-of-some-length'},
          {cookie: `maintenance_bypass=${bypassCookie('ffffffffffffffffffffffffffffffff', Math.floor(Date.now() / 1000) + 3600)}`, 'x-maintenance-bypass': 'a-wrong-secret-of-some-length'},
          {cookie: `maintenance_bypass=${bypassCookie(KEY, Math.floor(Date.now() / 1000) - 5)}`, 'x-maintenance-bypass': 'a-wrong-secret-of-some-length'},
      ]
      const rows = await Promise.all(cases.map(async (headers) => seen(await send(url, 'PUT', '/orders/a%2Fb?x=1&y=%20', {accept: 'application/json', ...headers}, 'order=1'))))
      expect(rows).to.deep.equal([
        '200 upstream saw PUT /orders/a%2Fb?x=1&y=%20 body=7',
        '200 upstream saw PUT /orders/a%2Fb?x=1&y=%20 body=7',
        '200 upstream saw PUT /orders/a%2Fb?x=1&y=%20 body=7',
        '503 page(json) cache=no-store',
        '503 page(json) cache=no-store',
        '503 page(json) cache=no-store',
      ])
    })

    it('merges the upstream’s own Vary with Cookie into one field', async () => {
      const answer = await send(url, 'GET', '/vary', {'x-maintenance-bypass': SECRET})
      // A header present is checked instead of the cookie (one secure_link check per request; see README).
      expect([answer.status, answer.headers.vary]).to.deep.equal([200, 'Accept-Encoding, Cookie'])
      const star = await send(url, 'GET', '/vary-star', {cookie: `maintenance_bypass=${bypassCookie(KEY, Math.floor(Date.now() / 1000) + 3600)}`})
      expect([star.status, star.headers.vary]).to.deep.equal([200, '*'])
    })

    it('passes the upstream’s own Content-Type on unchanged (the page’s charset is not added to it), on every way through', async () => {
      const cookie = `maintenance_bypass=${bypassCookie(KEY, Math.floor(Date.now() / 1000) + 3600)}`
      // The last: a header that does not pass with a valid cookie, checked by a request of its own.
      const ways: Array<Record<string, string>> = [{cookie}, {'x-maintenance-bypass': SECRET}, {cookie, 'x-maintenance-bypass': 'a-wrong-secret-of-some-length'}]
      const answers = await Promise.all(ways.map(async (headers) => send(url, 'GET', '/plain', headers)))
      expect(answers.map((answer) => `${seen(answer)} type=${answer.headers['content-type']}`)).to.deep.equal(ways.map(() => '200 upstream saw GET /plain body=0 type=text/plain'))
    })

    it('answers an expired, forged or altered cookie with the page', async () => {
      const seconds = Math.floor(Date.now() / 1000)
      const cookies = {
        altered: bypassCookie(KEY, seconds + 3600).replace(/\d+$/, String(seconds + 999_999)),
        expired: bypassCookie(KEY, seconds - 5),
        forged: bypassCookie('ffffffffffffffffffffffffffffffff', seconds + 3600),
        garbage: 'yes',
      }
      const rows = Object.entries(cookies).map(async ([what, value]) => `${what}: ${seen(await send(url, 'GET', '/', {accept: 'text/html', cookie: `maintenance_bypass=${value}`}))}`)
      expect(await Promise.all(rows)).to.deep.equal(Object.keys(cookies).map((what) => `${what}: 503 page(html) cache=no-store`))
      // The same MAC with a live expiry passes: the rows above fail for the reason named.
      expect(seen(await send(url, 'GET', '/', {cookie: `maintenance_bypass=${bypassCookie(KEY, seconds + 3600)}`}))).to.equal('200 upstream saw GET / body=0')
    })

    it('keeps HEAD and every Accept variant of the page as they were', async () => {
      const head = await send(url, 'HEAD', '/', {accept: 'application/xml'})
      expect([head.status, head.headers['content-type'], head.body]).to.deep.equal([503, 'application/xml; charset=utf-8', ''])
      for (const [accept, type] of [['text/html', 'text/html'], ['application/problem+json', 'application/json'], ['text/xml', 'application/xml'], ['*/*', 'text/html']]) {
        const answer = await send(url, 'GET', '/x', {accept})
        expect([answer.status, answer.headers['content-type'], answer.headers.vary]).to.deep.equal([503, `${type}; charset=utf-8`, 'Accept'])
      }
      expect((await send(url, 'GET', '/_maintenance/healthz')).body).to.equal('ok')
    })

    it('leaves Secure off the cookie when asked, for plain-HTTP setups', async () => {
      const plain = await gate({bypass: {digest: bypassDigest(SALT, SECRET), salt: SALT, secureCookie: false, ttlSeconds: 3600}})
      const cookie = (await send(plain, 'GET', `/_maintenance/bypass/${SECRET}`)).headers['set-cookie']!
      expect(cookie).to.match(/; Max-Age=3600; HttpOnly; SameSite=Lax$/)
    })
  })

  it('passes exempt paths (exact and prefix) through for everyone, and nothing else', async () => {
    const url = await gate({bypass: undefined, except: ['/healthz', '/api/webhooks/*']})
    const rows = await Promise.all(
      ['/healthz', '/healthz/more', '/api/webhooks/stripe', '/api/webhooks', '/api/other'].map(async (path) => `${path}: ${seen(await send(url, 'POST', path, {accept: 'application/json'}, 'e'))}`),
    )
    expect(rows).to.deep.equal([
      '/healthz: 200 upstream saw POST /healthz body=1',
      '/healthz/more: 503 page(json) cache=no-store',
      '/api/webhooks/stripe: 200 upstream saw POST /api/webhooks/stripe body=1',
      '/api/webhooks: 503 page(json) cache=no-store',
      '/api/other: 503 page(json) cache=no-store',
    ])
  })

  it('read-only: GET, HEAD and OPTIONS pass, writes get the page', async () => {
    const url = await gate({bypass: undefined, readOnly: true})
    const rows = await Promise.all(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'].map(async (method) => `${method}: ${seen(await send(url, method, '/cart', {accept: 'application/json'}))}`))
    expect(rows).to.deep.equal([
      'GET: 200 upstream saw GET /cart body=0',
      'HEAD: 200 (empty)',
      'OPTIONS: 200 upstream saw OPTIONS /cart body=0',
      'POST: 503 page(json) cache=no-store',
      'PUT: 503 page(json) cache=no-store',
      'PATCH: 503 page(json) cache=no-store',
      'DELETE: 503 page(json) cache=no-store',
    ])
  })

  it('allow-cidr: the peer address decides; X-Forwarded-For is ignored unless trusted', async () => {
    const peer = await gate({allowCidrs: ['127.0.0.0/8'], bypass: undefined})
    const other = await gate({allowCidrs: ['203.0.113.0/24'], bypass: undefined})
    expect(seen(await send(peer, 'GET', '/'))).to.equal('200 upstream saw GET / body=0')
    expect(seen(await send(other, 'GET', '/', {accept: 'application/json', 'x-forwarded-for': '203.0.113.9'}))).to.equal('503 page(json) cache=no-store')
  })

  it('allow-cidr with --trust-forwarded-for 2: the second address from the right is the client', async () => {
    const url = await gate({allowCidrs: ['203.0.113.0/24'], bypass: undefined, trustForwardedFor: 2})
    const cases = [
      ['203.0.113.9, 10.0.0.1', 'pass'],
      ['198.51.100.1, 203.0.113.9, 10.0.0.1', 'pass'],
      ['203.0.113.9, 198.51.100.1, 10.0.0.1', 'page'],
      ['10.0.0.1', 'page'],
    ]
    const rows = await Promise.all(
      cases.map(async ([forwarded]) => {
        const answer = await send(url, 'GET', '/', {accept: 'application/json', 'x-forwarded-for': forwarded})
        return `${forwarded}: ${answer.status === 200 ? 'pass' : 'page'}`
      }),
    )
    expect(rows).to.deep.equal(cases.map(([forwarded, expected]) => `${forwarded}: ${expected}`))
  })

  it('starts and answers the page when the original backend is down or its name does not resolve', async () => {
    const closed = await freePort()
    const down = await gate({}, `127.0.0.1:${closed}`)
    expect(seen(await send(down, 'GET', '/', {accept: 'application/json', 'x-maintenance-bypass': SECRET}))).to.equal('503 page(json) cache=no-store')
    // A resolver that never answers: the name cannot be resolved, nginx still starts and answers the page.
    const unresolved = await gate({}, 'shop.missing.svc.cluster.local:80', `127.0.0.1:${await freePort()}`)
    expect(seen(await send(unresolved, 'GET', '/', {accept: 'application/json', 'x-maintenance-bypass': SECRET}))).to.equal('503 page(json) cache=no-store')
  })

  describe('in headless Chromium', function () {
    this.timeout(60_000)

    it('one context visits the bypass link and then sees the upstream site; another sees the page', async function () {
      requireSystemBinary(this, findChromium(), CHROMIUM_MISSING)
      // Secure cookies are kept for http://127.0.0.1 (a potentially trustworthy origin), as for HTTPS.
      const url = await gate()
      const chromium = await launchChromium()
      try {
        const owner = await chromium.browser.newContext()
        const visitor = await chromium.browser.newContext()
        const ownerPage = await owner.newPage()
        const first = await ownerPage.goto(`${url}/_maintenance/bypass/${SECRET}`)
        expect([first?.status(), new URL(ownerPage.url()).pathname]).to.deep.equal([200, '/'])
        expect(await ownerPage.textContent('body')).to.equal('upstream saw GET / body=0')
        const next = await ownerPage.goto(`${url}/shop/cart`)
        expect([next?.status(), await ownerPage.textContent('body')]).to.deep.equal([200, 'upstream saw GET /shop/cart body=0'])
        const [cookie] = await owner.cookies()
        expect([cookie.name, cookie.httpOnly, cookie.secure, cookie.sameSite]).to.deep.equal(['maintenance_bypass', true, true, 'Lax'])

        const visitorPage = await visitor.newPage()
        const seenByVisitor = await visitorPage.goto(`${url}/shop/cart`)
        expect(seenByVisitor?.status()).to.equal(503)
        expect(await visitorPage.textContent('body')).to.include(WINDOW.message!)
      } finally {
        await chromium.close()
      }
    })
  })
})
