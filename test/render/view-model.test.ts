import {expect} from 'chai'

import {buildViewModel, DEFAULT_TITLE, VIEW_VARIABLES} from '../../src/render/view-model.js'

const base = {namespace: 'shop', targets: ['ingress/shop', 'service/web'], window: 'upgrade'}

describe('render/view-model', () => {
  it('builds every SPEC §5 variable for a window with an end', () => {
    const view = buildViewModel({
      ...base,
      contact: 'ops@example.com',
      end: Date.parse('2026-12-24T22:00:00Z'),
      message: 'Upgrading the database',
      reason: 'Planned',
      start: Date.parse('2026-12-24T20:00:00Z'),
      timezone: 'Europe/Berlin',
    })
    expect(view).to.deep.equal({
      contact: 'ops@example.com',
      end: '2026-12-24T22:00:00Z',
      endLocal: 'Thursday 24 Dec, 23:00 CET',
      message: 'Upgrading the database',
      namespace: 'shop',
      reason: 'Planned',
      retryAfter: 'Thu, 24 Dec 2026 22:00:00 GMT',
      start: '2026-12-24T20:00:00Z',
      startLocal: 'Thursday 24 Dec, 21:00 CET',
      targets: ['ingress/shop', 'service/web'],
      timezone: 'Europe/Berlin',
      title: DEFAULT_TITLE,
      unscheduled: false,
      window: 'upgrade',
    })
    expect(Object.keys(view).sort()).to.deep.equal([...VIEW_VARIABLES].sort())
  })

  it('leaves end, endLocal and retryAfter undefined for an open-ended window, and blank texts absent', () => {
    const view = buildViewModel({...base, message: '   ', start: Date.parse('2026-12-24T20:00:00Z'), timezone: 'UTC', title: 'Back soon'})
    expect(view.end).to.equal(undefined)
    expect(view.endLocal).to.equal(undefined)
    expect(view.retryAfter).to.equal(undefined)
    expect(view.message).to.equal(undefined)
    expect(view.title).to.equal('Back soon')
    expect(Object.keys(view)).to.include.members(['end', 'endLocal', 'retryAfter', 'message', 'reason', 'contact'])
  })
})
