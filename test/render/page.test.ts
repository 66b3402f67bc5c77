import {expect} from 'chai'
import {createHash} from 'node:crypto'

import type {PageSource} from '../../src/render/page-source.js'

import {stripNonXmlChars} from '../../src/render/escape.js'
import {compilePage, defaultPage, maintenanceDocument, PageTemplateError, renderPage} from '../../src/render/page.js'
import {loadTemplate} from '../../src/render/templates.js'
import {buildViewModel} from '../../src/render/view-model.js'
import {xmlWellFormednessProblem} from '../../src/render/xml-check.js'
import {golden, HOSTILE, HOSTILE_WINDOW, WINDOW} from './fixtures.js'

const view = buildViewModel(WINDOW)
const openEnded = buildViewModel({...WINDOW, end: undefined})

/** Text of one element of our own XML, entities resolved. */
function xmlText(xml: string, tag: string): string | undefined {
  const found = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml)
  const entities: Record<string, string> = {amp: '&', apos: "'", gt: '>', lt: '<', quot: '"'}
  return found?.[1].replace(/&(amp|apos|gt|lt|quot);/g, (_, name: string) => entities[name])
}

function custom(overrides: Partial<PageSource>): PageSource {
  return {assets: {}, html: '<p>{{message}}</p>', name: 'custom', status: 503, ...overrides}
}

describe('render/page', () => {
  describe('the default page', () => {
    it('renders the golden HTML, JSON and XML', () => {
      const page = renderPage(defaultPage(), view)
      expect(page.html).to.equal(golden('default-page.html', page.html))
      expect(page.json).to.equal(golden('default-page.json', page.json))
      expect(page.xml).to.equal(golden('default-page.xml', page.xml))
      expect(page.status).to.equal(503)
      expect(page.retryAfter).to.equal('Thu, 24 Dec 2026 22:00:00 GMT')
    })

    it('shows title, message, reason, the local end, a countdown anchor and a mailto contact', () => {
      const {html} = renderPage(defaultPage(), view)
      expect(html).to.include('<html lang="en">')
      expect(html).to.match(/<header>[\s\S]*<main[\s\S]*<footer>/)
      expect(html).to.include('<h1>Down for maintenance</h1>')
      expect(html).to.include(WINDOW.message)
      expect(html).to.include('Planned database upgrade')
      expect(html).to.include('<time datetime="2026-12-24T22:00:00Z">Back by Thursday 24 Dec, 23:00 CET</time>')
      expect(html).to.include('data-end="2026-12-24T22:00:00Z"')
      expect(html).to.include('<a href="mailto:ops@example.com" dir="auto">ops@example.com</a>')
    })

    it('says "We\'ll be back soon" and has no countdown when the window is open-ended', () => {
      const {html} = renderPage(defaultPage(), openEnded)
      expect(html).to.include("We'll be back soon")
      expect(html).not.to.include('data-end="')
      expect(html).not.to.include('id="countdown"')
      expect(html).not.to.include('Back by')
    })

    it('is one self-contained file under 16 KB: no URL to fetch but the inline script, allowed by its CSP hash', () => {
      const {html} = renderPage(defaultPage(), view)
      expect(Buffer.byteLength(html)).to.be.below(16 * 1024)
      expect(html).not.to.match(/\b(?:src|href)="(?!mailto:|data:)/)
      expect(html).not.to.match(/url\(|@import|@font-face/)
      const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]
      const hash = createHash('sha256').update(script).digest('base64')
      expect(html).to.include(`script-src 'sha256-${hash}'`)
    })

    it('serialises the JSON (absent fields left out), and templates/page.json.hbs renders the same document', () => {
      for (const v of [view, openEnded, buildViewModel({...WINDOW, contact: undefined, message: undefined, reason: undefined})]) {
        const page = renderPage(defaultPage(), v)
        expect(JSON.parse(page.json)).to.deep.equal(maintenanceDocument(v))
        const fromTemplate = renderPage({...defaultPage(), json: loadTemplate('page.json.hbs')}, v)
        expect(JSON.parse(fromTemplate.json)).to.deep.equal(JSON.parse(page.json))
      }
      expect(JSON.parse(renderPage(defaultPage(), openEnded).json)).to.deep.equal({
        contact: 'ops@example.com',
        message: WINDOW.message,
        reason: 'Planned database upgrade',
        start: '2026-12-24T20:00:00Z',
        status: 'maintenance',
      })
    })

    it('renders XML of the same shape, with an XML declaration, absent fields left out', () => {
      const {xml} = renderPage(defaultPage(), openEnded)
      expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<maintenance>')).to.equal(true)
      expect(xmlWellFormednessProblem(xml)).to.equal(undefined)
      expect(xml).not.to.include('<end>')
      expect(xml).not.to.include('<retryAfter>')
      expect(xmlText(xml, 'status')).to.equal('maintenance')
    })

    it('compiles without problems', () => {
      expect(compilePage(defaultPage()).problems).to.deep.equal([])
      expect(compilePage({...defaultPage(), json: loadTemplate('page.json.hbs')}).problems).to.deep.equal([])
    })
  })

  describe('hostile text stays inert in all three formats', () => {
    const page = renderPage(defaultPage(), buildViewModel(HOSTILE_WINDOW))
    const withJsonTemplate = renderPage({...defaultPage(), json: loadTemplate('page.json.hbs')}, buildViewModel(HOSTILE_WINDOW))

    it('JSON parses and round-trips the message, serialised or templated', () => {
      expect(JSON.parse(page.json).message).to.equal(HOSTILE)
      expect(JSON.parse(withJsonTemplate.json).message).to.equal(HOSTILE)
      expect(JSON.parse(withJsonTemplate.json).contact).to.equal('javascript:alert(1)')
    })

    it('XML is well-formed and carries the message minus what XML cannot hold', () => {
      expect(xmlWellFormednessProblem(page.xml)).to.equal(undefined)
      expect(xmlText(page.xml, 'message')).to.equal(stripNonXmlChars(HOSTILE))
      expect(page.xml).not.to.match(/<message>[^<]*\]\]>/)
    })

    it('HTML has the text escaped, the one script of its own, no Handlebars evaluated and no javascript: link', () => {
      expect(page.html.match(/<script/g)).to.have.length(1)
      expect(page.html).not.to.include('<img')
      expect(page.html).to.include('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
      expect(page.html).to.include('{{title}} {{{x}}} {{#each targets}}X{{/each}} {{&gt; p}}')
      expect(page.html).to.include('<title>Maintenance &lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;</title>')
      expect(page.html).not.to.match(/href="javascript:/i)
      expect(page.html).to.include('<span dir="auto">javascript:alert(1)</span>')
    })
  })

  describe('custom templates', () => {
    it('JSON templates get values escaped for a JSON string, even through {{{ }}}', () => {
      const json = '{"m": "{{message}}", "raw": "{{{message}}}", "targets": [{{#each targets}}"{{this}}"{{#unless @last}}, {{/unless}}{{/each}}]}'
      const page = renderPage(custom({json}), buildViewModel({...WINDOW, message: 'a "b" \\ c\n</x>'}))
      expect(JSON.parse(page.json)).to.deep.equal({m: 'a "b" \\ c\n</x>', raw: 'a "b" \\ c\n</x>', targets: ['ingress/shop', 'service/web']})
    })

    it('XML templates get values escaped for XML, and the built-in XML when there is none', () => {
      const page = renderPage(custom({xml: '<r a="{{message}}">{{{message}}}</r>'}), buildViewModel({...WINDOW, message: `<&"'>\u0001`}))
      expect(page.xml).to.equal('<r a="&lt;&amp;&quot;&apos;&gt;">&lt;&amp;&quot;&apos;&gt;</r>')
      expect(renderPage(custom({}), view).xml).to.equal(renderPage(defaultPage(), view).xml)
    })

    it('a template that fails while rendering throws a PageTemplateError naming the file', () => {
      expect(() => renderPage(custom({html: '{{> missing}}'}), view)).to.throw(PageTemplateError, 'page.html.hbs: The partial missing could not be found')
      expect(() => renderPage(custom({html: '{{#if}}'}), view)).to.throw(PageTemplateError, /^page\.html\.hbs: /)
      expect(() => renderPage(custom({json: '{{nope 1}}'}), view)).to.throw(PageTemplateError, 'page.json.hbs: Missing helper: "nope"')
    })

    it('a template that recurses without end is an error, not a crash', () => {
      const html = '{{#*inline "loop"}}{{> loop}}{{/inline}}{{> loop}}'
      expect(() => renderPage(custom({html}), view)).to.throw(PageTemplateError, 'page.html.hbs: the template recurses without end')
      expect(compilePage(custom({html})).problems.join('\n')).to.include('partials and decorators are not available')
    })
  })

  describe('compilePage', () => {
    const cases: Array<[string, Partial<PageSource>, string[]]> = [
      ['every SPEC variable, helpers and block params', {
        html: '{{title}}{{#each targets as |t i|}}{{t}}{{i}}{{this}}{{../window}}{{@index}}{{/each}}{{#with reason}}{{this}}{{/with}}{{#if (contactHref contact)}}{{lookup targets 0}}{{/if}}{{startLocal}}{{endLocal}}{{timezone}}{{retryAfter}}{{namespace}}{{start}}{{end}}{{message}}',
      }, []],
      ['an unknown variable', {html: '<p>{{mesage}}</p>'}, ['page.html.hbs line 1: unknown variable "mesage" (known: title, message, reason, contact, start, end, startLocal, endLocal, timezone, retryAfter, namespace, targets, window, unscheduled)']],
      ['an unknown variable in a block', {html: '{{#if message}}\n{{user.name}}{{/if}}'}, ['page.html.hbs line 2: unknown variable "user.name" (known: title, message, reason, contact, start, end, startLocal, endLocal, timezone, retryAfter, namespace, targets, window, unscheduled)']],
      ['an unknown variable of the outer scope inside #each', {html: '{{#each targets}}{{../windw}}{{/each}}'}, ['page.html.hbs line 1: unknown variable "../windw" (known: title, message, reason, contact, start, end, startLocal, endLocal, timezone, retryAfter, namespace, targets, window, unscheduled)']],
      ['an unknown helper', {html: '{{upper message}}'}, ['page.html.hbs line 1: unknown helper "upper" (available: if, unless, each, with, lookup, contactHref)']],
      ['a helper of HTML only in JSON', {json: '{"c": "{{contactHref contact}}"}'}, ['page.json.hbs line 1: unknown helper "contactHref" (available: if, unless, each, with, lookup)']],
      ['unescaped HTML', {html: '<p>{{{message}}}</p>'}, ['page.html.hbs line 1: {{{message}}} inserts text without HTML escaping (so does {{&message}}): use {{message}}']],
      ['unescaped HTML through a helper, however it is written', {html: '{{{lookup this "message"}}}\n{{& message}}\n{{~{ reason }~}}\n{{{@root.message}}}\n{{{contactHref contact}}}'}, [
        'page.html.hbs line 1: {{{lookup …}}} inserts text without HTML escaping (so does {{&lookup …}}): use {{lookup …}}',
        'page.html.hbs line 2: {{{message}}} inserts text without HTML escaping (so does {{&message}}): use {{message}}',
        'page.html.hbs line 3: {{{reason}}} inserts text without HTML escaping (so does {{&reason}}): use {{reason}}',
        'page.html.hbs line 4: {{{@root.message}}} inserts text without HTML escaping (so does {{&@root.message}}): use {{@root.message}}',
        'page.html.hbs line 5: {{{contactHref …}}} inserts text without HTML escaping (so does {{&contactHref …}}): use {{contactHref …}}',
      ]],
      ['a value helper opening a block, whose output skips escaping', {html: '{{#lookup this "message"}}{{/lookup}}{{{{lookup this "reason"}}}}{{{{/lookup}}}}'}, [
        'page.html.hbs line 1: {{#lookup}} cannot open a block (its output would skip escaping): only if, unless, each, with can',
        'page.html.hbs line 1: {{#lookup}} cannot open a block (its output would skip escaping): only if, unless, each, with can',
      ]],
      ['blocks nested past the limit', {html: `${'{{#each @root.targets}}'.repeat(40)}x${'{{/each}}'.repeat(40)}`}, ['page.html.hbs line 1: blocks nest more than 10 deep; flatten the template']],
      ['a long else-if chain is not nesting', {html: `{{#if message}}m${Array.from({length: 12}, () => '{{else if reason}}r').join('')}{{/if}}`}, []],
      ['subexpressions nested past the limit', {html: `{{#if ${'(lookup '.repeat(12)}targets 0${')'.repeat(12)}}}x{{/if}}`}, ['page.html.hbs line 1: subexpressions nest more than 10 deep']],
      ['a page that renders more than fits the backend', {html: `${'{{#each @root}}'.repeat(3)}${'<p>x</p>'.repeat(75)}${'{{/each}}'.repeat(3)}`}, ['page.html.hbs: renders 1646400 bytes, more than the 1048576 a ConfigMap holds']],
      ['a parse error', {html: '<p>{{#if message}}</p>'}, ["page.html.hbs: Parse error on line 1: Expecting 'OPEN_INVERSE_CHAIN', 'INVERSE', 'OPEN_ENDBLOCK', got 'EOF'"]],
      ['a partial', {html: '{{> header}}'}, ['page.html.hbs line 1: partials and decorators are not available in page templates']],
      ['an empty HTML template', {html: ' \n'}, ['page.html.hbs: empty; the HTML template is required']],
      ['XML that is not well-formed', {xml: '<a>{{message}}</b>'}, ['page.xml.hbs: does not render well-formed XML (1:79: unexpected close tag.)']],
      ['a template error at render time', {html: '{{#each}}x{{/each}}'}, ['page.html.hbs: Must pass iterator to #each']],
      ['a status that cannot carry a page', {status: 204}, ['status 204 is not allowed: use 200 or 400-599 (default 503)']],
      ['asset names', {assets: {'../x': Buffer.from('x'), 'nginx.conf': Buffer.from('x'), 'ok.png': Buffer.from('x')}}, [
        'asset "../x": names may hold only letters, digits, "-", "_" and "."',
        'asset "nginx.conf": the name is reserved (page.html, page.json, page.xml, nginx.conf)',
      ]],
      ['too large', {assets: {'big.bin': Buffer.alloc(800 * 1024)}}, [`templates and assets take ${800 * 1024 + 18} bytes; at most 786432 (768 KiB of the 1 MiB a ConfigMap holds) leave room for the rendered page`]],
    ]
    it('JSON that does not parse (the parser\'s words vary by Node version)', () => {
      const {problems} = compilePage(custom({json: '{"message": {{message}} }'}))
      expect(problems).to.have.length(1)
      expect(problems[0]).to.match(/^page\.json\.hbs: does not render valid JSON \(.*Unexpected token/)
    })

    for (const [what, overrides, problems] of cases) {
      it(what, () => {
        expect(compilePage(custom(overrides)).problems).to.deep.equal(problems)
      })
    }
  })
})
