import {expect} from 'chai'

import type {PageSource} from '../../src/render/page-source.js'

import {renderCheckedPage} from '../../src/engine/pages.js'
import {sandboxStats} from '../../src/render/template-sandbox.js'
import {buildViewModel} from '../../src/render/view-model.js'

const view = buildViewModel({
  namespace: 'shop',
  start: Date.UTC(2026, 0, 1),
  targets: Array.from({length: 30}, (_, i) => `service/s${i}`),
  timezone: 'UTC',
  window: 'w',
})

function page(html: string, revision: string): PageSource {
  return {assets: {}, html, name: 'p', revision, status: 503}
}

describe('engine/pages renderCheckedPage', function () {
  this.timeout(30_000)

  it('a page version that broke a limit is remembered: later renders fail at once, without running it again', () => {
    // Passes the checks (2 sample targets), runs away over the 30 targets of this window.
    const runaway = page(`${'{{#each @root.targets}}'.repeat(8)}x${'{{/each}}'.repeat(8)}`, 'uid-1@7')
    expect(() => renderCheckedPage(runaway, view, false)).to.throw('page.html.hbs: rendering took longer than 250 ms and was stopped')
    const before = sandboxStats()
    for (let i = 0; i < 5; i++) expect(() => renderCheckedPage(runaway, view, false)).to.throw('rendering took longer than 250 ms')
    expect(sandboxStats(), 'no render and no new worker for the remembered failure').to.deep.equal(before)
  })

  it('a new resourceVersion of the page is tried again', () => {
    const fixed = page('<p>{{message}}</p>', 'uid-1@8')
    expect(renderCheckedPage(fixed, buildViewModel({message: '<b>', namespace: 'shop', targets: [], timezone: 'UTC', window: 'w'}), false).html).to.equal('<p>&lt;b&gt;</p>')
  })
})
