import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {request} from 'node:http'

import {defaultPage, renderPage} from '../../src/render/page.js'
import {buildViewModel} from '../../src/render/view-model.js'
import {findNginx, NGINX_MISSING, type RunningNginx, servePage} from '../support/nginx.js'
import {requireSystemBinary} from '../support/system-binary.js'
import {WINDOW} from './fixtures.js'

const LOGO = Buffer.from('\u0089PNG\r\n\u001A\n fake png bytes', 'latin1')
const RETRY_AFTER = 'Thu, 24 Dec 2026 22:00:00 GMT'

interface Answer {
  status: number
  headers: Record<string, string | undefined>
  body: Buffer
}

/** A raw request, so that any method (and no Accept header at all) goes out exactly as written. */
function send(url: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, {headers, method}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const flat = Object.fromEntries(Object.entries(res.headers).map(([key, value]) => [key, Array.isArray(value) ? value.join(', ') : value]))
        resolve({body: Buffer.concat(chunks), headers: flat, status: res.statusCode ?? 0})
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

const TYPES = {html: 'text/html; charset=utf-8', json: 'application/json; charset=utf-8', xml: 'application/xml; charset=utf-8'} as const
type Variant = keyof typeof TYPES

/** What a body is, judged from its content. */
function bodyKind(body: Buffer): string {
  const text = body.toString('utf8')
  if (body.length === 0) return 'empty'
  if (body.equals(LOGO)) return 'asset'
  if (text === 'ok') return 'ok'
  if (text.startsWith('<!doctype html>') && text.includes(WINDOW.message!)) return 'html'
  if (text.startsWith('<?xml') && text.includes(`<message>${WINDOW.message}</message>`)) return 'xml'
  try {
    if ((JSON.parse(text) as {status?: string; message?: string}).message === WINDOW.message) return 'json'
  } catch {
    // not JSON
  }
  return `unknown: ${text.slice(0, 40)}`
}

function row(method: string, path: string, accept: string | undefined, answer: Answer): string {
  const h = answer.headers
  const headers = `type=${h['content-type']} cache=${h['cache-control']} vary=${h.vary} retry=${h['retry-after']}`
  return `${method} ${path} [${accept ?? 'none'}] -> ${answer.status} ${headers} body=${bodyKind(answer.body)}`
}

const ACCEPTS: Array<[string | undefined, Variant]> = [
  ['text/html', 'html'],
  ['application/json', 'json'],
  ['application/problem+json', 'json'],
  ['application/xml', 'xml'],
  ['text/xml', 'xml'],
  ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'html'],
  ['*/*', 'html'],
  [undefined, 'html'],
  ['image/png', 'html'],
]
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']

function expectedPageRow(method: string, path: string, accept: string | undefined, variant: Variant, status = 503, retry = RETRY_AFTER): string {
  const body = method === 'HEAD' ? 'empty' : variant
  return `${method} ${path} [${accept ?? 'none'}] -> ${status} type=${TYPES[variant]} cache=no-store vary=Accept retry=${retry} body=${body}`
}

describe('render/nginx: the backend nginx.conf served by real nginx', function () {
  this.timeout(30_000)
  let nginx: RunningNginx | undefined

  before(async function () {
    requireSystemBinary(this, findNginx(), NGINX_MISSING)
    nginx = await servePage(renderPage({...defaultPage(), assets: {'logo.png': LOGO}}, buildViewModel(WINDOW)))
  })

  after(async () => {
    await nginx?.stop()
  })

  async function observe(paths: string[]): Promise<string[]> {
    const rows: string[] = []
    for (const path of paths) {
      for (const [accept] of ACCEPTS) {
        for (const method of METHODS) {
          const answer = await send(nginx!.url, method, path, accept === undefined ? {} : {accept})
          rows.push(row(method, path, accept, answer))
        }
      }
    }
    return rows
  }

  for (const path of ['/', '/any/path?q=1', '/index.html', '/_maintenance/', '/_maintenance/internal/page.json']) {
    it(`answers ${path} with the page by Accept, status 503, for every method`, async () => {
      const expected = [path].flatMap((p) => ACCEPTS.flatMap(([accept, variant]) => METHODS.map((m) => expectedPageRow(m, p, accept, variant))))
      expect(await observe([path])).to.deep.equal(expected)
    })
  }

  it('answers /_maintenance/healthz 200 "ok" to every method and Accept', async () => {
    const path = '/_maintenance/healthz'
    const expected = ACCEPTS.flatMap(([accept]) =>
      METHODS.map((m) => `${m} ${path} [${accept ?? 'none'}] -> 200 type=text/plain; charset=utf-8 cache=no-store vary=undefined retry=undefined body=${m === 'HEAD' ? 'empty' : 'ok'}`),
    )
    expect(await observe([path])).to.deep.equal(expected)
  })

  it('serves an asset to GET and HEAD with its type; other methods get the page', async () => {
    const path = '/_maintenance/assets/logo.png'
    const expected = ACCEPTS.flatMap(([accept, variant]) =>
      METHODS.map((m) =>
        m === 'GET' || m === 'HEAD'
          ? `${m} ${path} [${accept ?? 'none'}] -> 200 type=image/png cache=no-store vary=undefined retry=undefined body=${m === 'HEAD' ? 'empty' : 'asset'}`
          : expectedPageRow(m, path, accept, variant),
      ),
    )
    expect(await observe([path])).to.deep.equal(expected)
  })

  it('answers a missing asset 404 text/plain, so a page author sees the broken reference', async () => {
    const answer = await send(nginx!.url, 'GET', '/_maintenance/assets/missing.png', {})
    expect([answer.status, answer.headers['content-type'], answer.body.toString()]).to.deep.equal([404, 'text/plain; charset=utf-8', 'asset not found'])
  })

  const negotiation: Array<[string, Variant]> = [
    ['text/html;q=0, application/json', 'json'],
    ['text/html; q=0.0, application/xml', 'xml'],
    ['text/html;level=1;q=0, text/xml', 'xml'],
    ['application/json;q=0', 'html'],
    ['application/json; q=0.000, text/xml', 'xml'],
    ['application/json; q=0.5', 'json'],
    ['application/json, text/html;q=0.1', 'html'],
    ['APPLICATION/JSON', 'json'],
    ['application/vnd.api+json', 'json'],
    ['text/plain, application/xml;q=0.2', 'xml'],
    ['text/htmlx', 'html'],
    ['application/jsonx', 'html'],
    ['application/xml-dtd', 'html'],
    ['text/*', 'html'],
  ]
  for (const [accept, variant] of negotiation) {
    it(`Accept: ${accept} -> ${variant}`, async () => {
      const answer = await send(nginx!.url, 'GET', '/', {accept})
      expect([answer.status, answer.headers['content-type'], bodyKind(answer.body)]).to.deep.equal([503, TYPES[variant], variant])
    })
  }

  it('answers a POST with a body larger than nginx accepts with the page, not 413', async () => {
    const answer = await send(nginx!.url, 'POST', '/upload', {accept: 'application/json', 'content-type': 'application/octet-stream'}, Buffer.alloc(256 * 1024))
    expect([answer.status, answer.headers['content-type'], bodyKind(answer.body)]).to.deep.equal([503, TYPES.json, 'json'])
  })

  it('does not tell its version', async () => {
    const answer = await send(nginx!.url, 'GET', '/', {})
    expect(answer.headers.server).to.equal('nginx')
  })

  describe('other pages', () => {
    it('an open-ended window has no Retry-After', async () => {
      const open = await servePage(renderPage(defaultPage(), buildViewModel({...WINDOW, end: undefined})))
      try {
        const answer = await send(open.url, 'GET', '/x', {accept: 'application/json'})
        expect(row('GET', '/x', 'application/json', answer)).to.equal(expectedPageRow('GET', '/x', 'application/json', 'json', 503, 'undefined'))
      } finally {
        await open.stop()
      }
    })

    for (const status of [200, 429]) {
      it(`a page with status ${status} answers every method with it`, async () => {
        const page = await servePage(renderPage({...defaultPage(), status}, buildViewModel(WINDOW)))
        try {
          const rows = []
          for (const method of METHODS) rows.push(row(method, '/x', 'text/xml', await send(page.url, method, '/x', {accept: 'text/xml'})))
          expect(rows).to.deep.equal(METHODS.map((m) => expectedPageRow(m, '/x', 'text/xml', 'xml', status)))
        } finally {
          await page.stop()
        }
      })
    }

    it('runs as a non-root user, as the unprivileged pod does', async function () {
      const root = process.getuid?.() === 0
      const page = await servePage(renderPage(defaultPage(), buildViewModel(WINDOW)), root ? {gid: 65_534, uid: 65_534} : undefined)
      try {
        const user = execFileSync('ps', ['-o', 'uid=', '-p', String(page.pid)], {encoding: 'utf8'}).trim()
        expect(user).not.to.equal('0')
        const answer = await send(page.url, 'POST', '/x', {accept: 'text/html'}, Buffer.alloc(64 * 1024))
        expect([answer.status, bodyKind(answer.body)]).to.deep.equal([503, 'html'])
      } finally {
        await page.stop()
      }
    })
  })
})
