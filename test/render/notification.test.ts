import {expect} from 'chai'

import {notificationKey} from '../../src/engine/notifications.js'
import {parseTarget} from '../../src/model/target.js'
import {mrkdwn, notificationBody, notificationEvent} from '../../src/render/notification.js'

const START = Date.parse('2026-11-23T01:00:00Z')
const END = START + 7_200_000
const WINDOW = {
  contact: 'ops@example.com',
  end: END,
  message: '<!channel> upgrade & restart',
  name: 'db',
  namespace: 'shop',
  page: 'default',
  phase: 'Active' as const,
  start: START,
  targets: [parseTarget('ingress/shop')],
  timezone: 'Europe/Berlin',
  uid: 'u-1',
}
const NOTIFICATION = {end: END, key: notificationKey('u-1', START, 'Active'), occurrence: START, transition: 'Active' as const, window: {name: 'db', namespace: 'shop', uid: 'u-1'}}

describe('render/notification', () => {
  it('the generic body is the event: key, transition, window, occurrence in UTC and local time, the texts', () => {
    const body = JSON.parse(notificationBody(notificationEvent(NOTIFICATION, WINDOW, START + 1000), 'generic'))
    expect(body).to.deep.equal({
      contact: 'ops@example.com',
      idempotencyKey: 'u-1/2026-11-23T01:00:00Z/Active',
      message: '<!channel> upgrade & restart',
      occurrence: {end: '2026-11-23T03:00:00Z', endLocal: body.occurrence.endLocal, start: '2026-11-23T01:00:00Z', startLocal: body.occurrence.startLocal},
      phase: 'Active',
      phaseMessage: null,
      reason: null,
      sentAt: '2026-11-23T01:00:01Z',
      targets: ['ingress/shop'],
      timezone: 'Europe/Berlin',
      transition: 'Active',
      window: {name: 'db', namespace: 'shop', uid: 'u-1'},
    })
    expect(body.occurrence.startLocal).to.include('02:00')
  })

  it('the slack body is {text, blocks} with the tenant text escaped, so it cannot mention @channel or make links', () => {
    const body = JSON.parse(notificationBody(notificationEvent(NOTIFICATION, WINDOW, START), 'slack'))
    expect(Object.keys(body).sort()).to.deep.equal(['blocks', 'text'])
    expect(body.text).to.equal('Maintenance started: shop/db')
    const section = body.blocks[0].text.text as string
    expect(section).to.include('&lt;!channel&gt; upgrade &amp; restart')
    expect(section).to.not.include('<!channel>')
    expect(body.blocks[1].elements[0].text).to.include('u-1/2026-11-23T01:00:00Z/Active')
    expect(mrkdwn('<https://evil|click>')).to.equal('&lt;https://evil|click&gt;')
  })

  it('long tenant text is cut', () => {
    const body = JSON.parse(notificationBody(notificationEvent(NOTIFICATION, {...WINDOW, message: 'x'.repeat(5000)}, START), 'generic'))
    expect(body.message.length).to.equal(1001)
  })
})
