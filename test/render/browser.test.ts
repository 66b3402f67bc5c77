import type {BrowserContext, BrowserContextOptions, Page} from 'playwright-core'

import {expect} from 'chai'
import {mkdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {stripNonXmlChars} from '../../src/render/escape.js'
import {defaultPage, renderPage} from '../../src/render/page.js'
import {buildViewModel} from '../../src/render/view-model.js'
import {CHROMIUM_MISSING, findChromium, launchChromium, type RunningBrowser} from '../support/browser.js'
import {findNginx, NGINX_MISSING, type RunningNginx, servePage} from '../support/nginx.js'
import {requireSystemBinary} from '../support/system-binary.js'
import {asHtmlParsed, HOSTILE, HOSTILE_WINDOW, WINDOW} from './fixtures.js'

const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'artifacts')
/** The browser's clock: 2 h 14 min 5 s before the window's end (22:00 UTC). */
const NOW = Date.parse('2026-12-24T19:45:55Z')

// A string, not a function: tsx would wrap a function's inner helpers in `__name`, which the page does not have.
const LOW_CONTRAST = `(() => {
  const rgba = (css) => (css.match(/[\\d.]+/g) || []).map(Number)
  const channel = (value) => { const c = value / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4 }
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const color = rgba(getComputedStyle(node).backgroundColor)
      if (color.length === 3 || color[3] > 0.99) return color
    }
    return [255, 255, 255]
  }
  const found = []
  for (const element of document.querySelectorAll('h1, h2, p, span, b, a, time')) {
    if (!element.innerText.trim() || element.offsetParent === null) continue
    const [l1, l2] = [luminance(rgba(getComputedStyle(element).color)), luminance(background(element))].sort((a, b) => b - a)
    const ratio = (l1 + 0.05) / (l2 + 0.05)
    if (ratio < 4.5) found.push(element.tagName.toLowerCase() + '.' + element.className + ' ' + ratio.toFixed(2))
  }
  return found
})()`

interface Visit {
  page: Page
  context: BrowserContext
  requests: string[]
  dialogs: string[]
}

describe('render/browser: the default page in headless Chromium, served by real nginx', function () {
  this.timeout(60_000)
  let browser: RunningBrowser | undefined
  const sites: Record<'ended' | 'open' | 'hostile', RunningNginx | undefined> = {ended: undefined, hostile: undefined, open: undefined}
  const visits: Visit[] = []

  before(async function () {
    requireSystemBinary(this, findNginx(), NGINX_MISSING)
    requireSystemBinary(this, findChromium(), CHROMIUM_MISSING)
    mkdirSync(ARTIFACTS, {recursive: true})
    sites.ended = await servePage(renderPage(defaultPage(), buildViewModel(WINDOW)))
    sites.open = await servePage(renderPage(defaultPage(), buildViewModel({...WINDOW, end: undefined})))
    sites.hostile = await servePage(renderPage(defaultPage(), buildViewModel(HOSTILE_WINDOW)))
    browser = await launchChromium()
  })

  afterEach(async () => {
    for (const visit of visits.splice(0)) await visit.context.close()
  })

  after(async () => {
    await browser?.close()
    for (const site of Object.values(sites)) await site?.stop()
  })

  /** Opens a path of a site with the clock fixed at NOW; every request is logged and anything but the page is refused. */
  async function visit(site: RunningNginx, options: BrowserContextOptions, clock = NOW): Promise<Visit> {
    const context = await browser!.browser.newContext(options)
    const page = await context.newPage()
    const requests: string[] = []
    const dialogs: string[] = []
    const pageUrl = `${site.url}/shop/checkout?step=2`
    await context.route('**', async (route) => {
      requests.push(route.request().url())
      await (route.request().url() === pageUrl ? route.continue() : route.abort())
    })
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message())
      await dialog.dismiss()
    })
    if (options.javaScriptEnabled !== false) await page.clock.install({time: clock})
    const response = await page.goto(pageUrl)
    expect(response?.status()).to.equal(503)
    const result = {context, dialogs, page, requests}
    visits.push(result)
    return result
  }

  const noHorizontalScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)
  const countdown = (page: Page) => page.locator('#countdown').innerText().then((text) => text.replace(/\s+/g, ' ').trim())

  /** WCAG contrast of every visible text element against its first opaque background; below AA (4.5) is listed. */
  const lowContrast = (page: Page) => page.evaluate(LOW_CONTRAST) as Promise<string[]>

  for (const [width, height] of [[375, 812], [1440, 900]]) {
    for (const colorScheme of ['light', 'dark'] as const) {
      it(`${width}x${height} ${colorScheme}: shows message, end, contact and a live countdown, and fetches nothing else`, async () => {
        const {page, requests} = await visit(sites.ended!, {colorScheme, viewport: {height, width}})
        expect(await page.locator('h1').innerText()).to.equal('Down for maintenance')
        expect(await page.locator('main .lead').isVisible()).to.equal(true)
        expect(await page.locator('main .lead').innerText()).to.equal(WINDOW.message)
        expect(await page.locator('main .reason').innerText()).to.match(/Planned database upgrade/)
        expect(await page.locator('time[datetime="2026-12-24T22:00:00Z"]').innerText()).to.equal('Back by Thursday 24 Dec, 23:00 CET')
        expect(await page.locator('footer a').getAttribute('href')).to.equal('mailto:ops@example.com')
        expect(await page.locator('footer a').isVisible()).to.equal(true)
        expect(await countdown(page)).to.equal('02 HOURS 14 MIN 05 SEC')
        await page.clock.runFor(2000)
        expect(await countdown(page)).to.equal('02 HOURS 14 MIN 03 SEC')
        expect(await noHorizontalScroll(page)).to.equal(true)
        expect(await lowContrast(page)).to.deep.equal([])
        expect(await page.evaluate(() => document.querySelectorAll('header, main, footer').length)).to.equal(3)
        await page.screenshot({fullPage: true, path: path.join(ARTIFACTS, `page-${width}x${height}-${colorScheme}.png`)})
        expect(requests).to.deep.equal([`${sites.ended!.url}/shop/checkout?step=2`])
      })
    }
  }

  it('counts days when the end is days away, and says "any moment now" once it has passed', async () => {
    const {page} = await visit(sites.ended!, {viewport: {height: 640, width: 320}}, NOW - 3 * 86_400_000)
    expect(await countdown(page)).to.equal('3 DAYS 02 HOURS 14 MIN 05 SEC')
    expect(await noHorizontalScroll(page)).to.equal(true)
    await page.screenshot({fullPage: true, path: path.join(ARTIFACTS, 'page-320x640-days.png')})
    await page.clock.fastForward(3 * 86_400_000 + (2 * 3600 + 14 * 60 + 6) * 1000)
    expect(await page.locator('#countdown').isHidden()).to.equal(true)
    expect(await page.locator('#countdown-note').innerText()).to.equal('Any moment now. This page will reload by itself.')
  })

  it('without JavaScript shows the static end time and no countdown', async () => {
    const {page, requests} = await visit(sites.ended!, {javaScriptEnabled: false, viewport: {height: 812, width: 375}})
    expect(await page.locator('time[datetime="2026-12-24T22:00:00Z"]').isVisible()).to.equal(true)
    expect(await page.locator('time[datetime="2026-12-24T22:00:00Z"]').innerText()).to.equal('Back by Thursday 24 Dec, 23:00 CET')
    expect(await page.locator('#countdown').isHidden()).to.equal(true)
    await page.screenshot({fullPage: true, path: path.join(ARTIFACTS, 'page-375x812-nojs.png')})
    expect(requests).to.have.length(1)
  })

  it('an open-ended window says "We\'ll be back soon" without a countdown', async () => {
    const {page, requests} = await visit(sites.open!, {colorScheme: 'dark', viewport: {height: 812, width: 375}})
    expect(await page.getByText("We'll be back soon").isVisible()).to.equal(true)
    expect(await page.locator('#countdown').count()).to.equal(0)
    expect(await noHorizontalScroll(page)).to.equal(true)
    expect(await lowContrast(page)).to.deep.equal([])
    await page.screenshot({fullPage: true, path: path.join(ARTIFACTS, 'page-375x812-open-ended.png')})
    expect(requests).to.have.length(1)
    // the contrast check itself: pale grey on white is caught
    await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<p class="pale" style="color:#aaa;background:#fff">pale</p>'))
    expect(await lowContrast(page)).to.deep.equal(['p.pale 2.32'])
  })

  it('hostile text is shown as text: no dialog, no injected element, no javascript: link, no horizontal scroll at 320 px', async () => {
    const {page, dialogs, requests} = await visit(sites.hostile!, {viewport: {height: 640, width: 320}})
    await page.clock.runFor(1500)
    expect(dialogs).to.deep.equal([])
    expect(await page.evaluate(() => ({images: document.images.length, links: document.links.length, scripts: document.scripts.length}))).to.deep.equal({images: 0, links: 0, scripts: 1})
    expect(await page.locator('main .lead').textContent()).to.equal(asHtmlParsed(HOSTILE))
    expect(await page.title()).to.equal(HOSTILE_WINDOW.title)
    expect(await page.locator('footer span').textContent()).to.equal('javascript:alert(1)')
    expect(await noHorizontalScroll(page)).to.equal(true)
    await page.screenshot({path: path.join(ARTIFACTS, 'page-320x640-hostile.png')})
    expect(requests).to.have.length(1)
  })

  it("hostile text keeps the XML well-formed for Chromium's DOMParser", async () => {
    const {page} = await visit(sites.ended!, {})
    const xml = renderPage(defaultPage(), buildViewModel(HOSTILE_WINDOW)).xml
    const parsed = await page.evaluate((text) => {
      const document = new DOMParser().parseFromString(text, 'application/xml')
      return {errors: document.getElementsByTagName('parsererror').length, message: document.getElementsByTagName('message')[0]?.textContent}
    }, xml)
    expect(parsed).to.deep.equal({errors: 0, message: stripNonXmlChars(HOSTILE)})
  })
})
