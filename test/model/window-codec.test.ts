import {expect} from 'chai'
import {parse} from 'yaml'

import type {Window} from '../../src/model/window.js'

import {MAX_TEXT_BYTES, configMapToWindow, validateWindow, windowToConfigMap} from '../../src/model/window-codec.js'

const at = (iso: string): number => Date.parse(iso)

/** A window; `undefined` in `extra` removes a field, as a decoded window has no such keys. */
function oneOff(extra: Partial<Window> = {}): Window {
  const window: Window = {
    end: at('2026-11-23T03:00:00Z'),
    name: 'ingress-shop-20261123-0200',
    namespace: 'shop',
    page: 'default',
    start: at('2026-11-23T01:00:00Z'),
    targets: [
      {kind: 'ingress', name: 'shop'},
      {kind: 'service', name: 'web'},
    ],
    timezone: 'Europe/Berlin',
    ...extra,
  }
  return Object.fromEntries(Object.entries(window).filter(([, value]) => value !== undefined)) as Window
}

/** A window ConfigMap as a user would write it with kubectl, with the given annotations and data. */
function handWritten(annotations: Record<string, string>, data?: Record<string, string>): unknown {
  return {
    apiVersion: 'v1',
    data,
    kind: 'ConfigMap',
    metadata: {
      annotations,
      labels: {'kubectl-maintenance.io/role': 'window'},
      name: 'nightly',
      namespace: 'shop',
    },
  }
}

const VALID = {
  'kubectl-maintenance.io/start': '2026-11-23T01:00:00Z',
  'kubectl-maintenance.io/targets': 'ingress/shop',
}

function problemsOf(annotations: Record<string, string>, data?: Record<string, string>): string[] {
  const {window, problems} = configMapToWindow(handWritten(annotations, data))
  expect(window, 'no window when there are problems').to.equal(undefined)
  return problems
}

describe('model/window-codec', () => {
  describe('windowToConfigMap', () => {
    it('writes SPEC §3 exactly', () => {
      const cm = windowToConfigMap(
        oneOff({contact: '#ops', message: 'Upgrading the database', phase: 'Scheduled', phaseMessage: 'starts 2026-11-23 02:00 CET', reason: 'Upgrade'}),
      )
      expect(cm).to.deep.equal({
        apiVersion: 'v1',
        data: {contact: '#ops', message: 'Upgrading the database', reason: 'Upgrade'},
        kind: 'ConfigMap',
        metadata: {
          annotations: {
            'kubectl-maintenance.io/end': '2026-11-23T03:00:00Z',
            'kubectl-maintenance.io/page': 'default',
            'kubectl-maintenance.io/phase': 'Scheduled',
            'kubectl-maintenance.io/phase-message': 'starts 2026-11-23 02:00 CET',
            'kubectl-maintenance.io/start': '2026-11-23T01:00:00Z',
            'kubectl-maintenance.io/targets': 'ingress/shop,service/web',
            'kubectl-maintenance.io/timezone': 'Europe/Berlin',
          },
          labels: {'app.kubernetes.io/managed-by': 'kubectl-maintenance', 'kubectl-maintenance.io/role': 'window'},
          name: 'ingress-shop-20261123-0200',
          namespace: 'shop',
        },
      })
    })

    it('omits what is absent: no end for an open-ended window, no data without texts', () => {
      const cm = windowToConfigMap(oneOff({end: undefined}))
      expect(cm.metadata.annotations).to.not.have.property('kubectl-maintenance.io/end')
      expect(cm.metadata.annotations).to.not.have.property('kubectl-maintenance.io/every')
      expect(cm.metadata.annotations).to.not.have.property('kubectl-maintenance.io/phase')
      expect(cm).to.not.have.property('data')
    })

    it('leaves server-set metadata out so the object can be created', () => {
      const cm = windowToConfigMap(oneOff({creationTimestamp: '2026-11-01T00:00:00Z', resourceVersion: '42', uid: 'abc'}))
      expect(Object.keys(cm.metadata).sort()).to.deep.equal(['annotations', 'labels', 'name', 'namespace'])
    })
  })

  describe('round trip: window -> ConfigMap -> window', () => {
    const windows: Array<[string, Window]> = [
      ['one-off with every optional field', oneOff({contact: 'ops@example.com', message: 'Back soon <3 "quoted"', phase: 'Active', phaseMessage: 'in maintenance', reason: 'Upgrade'})],
      ['open-ended', oneOff({end: undefined, page: 'outage'})],
      ['recurring', oneOff({duration: '2h', end: undefined, every: '0 2 * * 0'})],
      ['recurring with an end', oneOff({duration: '1h30m', end: at('2027-01-01T00:00:00Z'), every: '30 2 * * *', timezone: 'America/New_York'})],
      ['millisecond start, unicode message', oneOff({message: 'Wartung 🛠️ — bald zurück', start: at('2026-11-23T01:00:00.250Z')})],
    ]
    for (const [what, window] of windows) {
      it(what, () => {
        expect(configMapToWindow(windowToConfigMap(window))).to.deep.equal({problems: [], window})
      })
    }

    it('keeps resourceVersion, uid and creationTimestamp of a ConfigMap read from the cluster', () => {
      const cm = windowToConfigMap(oneOff())
      const stored = {...cm, metadata: {...cm.metadata, creationTimestamp: '2026-11-01T00:00:00Z', resourceVersion: '42', uid: 'u-1'}}
      expect(configMapToWindow(stored).window).to.deep.equal(oneOff({creationTimestamp: '2026-11-01T00:00:00Z', resourceVersion: '42', uid: 'u-1'}))
    })
  })

  describe('a ConfigMap written by hand with kubectl', () => {
    it('is read leniently: spaces around commas, kind aliases, offsets, default page and timezone', () => {
      const cm = parse(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: nightly
  namespace: shop
  labels:
    kubectl-maintenance.io/role: window
  annotations:
    kubectl-maintenance.io/targets: " Ingresses/shop , svc/web,HTTPRoute/api , "
    kubectl-maintenance.io/start: "2026-11-23T02:00:00+01:00"
    kubectl-maintenance.io/end: "2026-11-23T04:00:00+01:00"
data:
  message: "Back at 04:00"
`)
      expect(configMapToWindow(cm)).to.deep.equal({
        problems: [],
        window: {
          end: at('2026-11-23T03:00:00Z'),
          message: 'Back at 04:00',
          name: 'nightly',
          namespace: 'shop',
          page: 'default',
          start: at('2026-11-23T01:00:00Z'),
          targets: [
            {kind: 'ingress', name: 'shop'},
            {kind: 'service', name: 'web'},
            {kind: 'httproute', name: 'api'},
          ],
          timezone: 'UTC',
        },
      })
    })

    it('canonical zone and cron: europe/berlin and @Weekly', () => {
      const {window} = configMapToWindow(
        handWritten({
          ...VALID,
          'kubectl-maintenance.io/duration': '1h',
          'kubectl-maintenance.io/every': ' @Weekly ',
          'kubectl-maintenance.io/timezone': 'europe/berlin',
        }),
      )
      expect(window?.timezone).to.equal('Europe/Berlin')
      expect(window?.every).to.equal('@weekly')
    })

    it('with five problems reports all five at once', () => {
      const cm = parse(`
apiVersion: v1
kind: ConfigMap
metadata:
  name: broken
  namespace: shop
  labels:
    kubectl-maintenance.io/role: window
  annotations:
    kubectl-maintenance.io/targets: "ingress/other-ns/shop"
    kubectl-maintenance.io/start: "tomorrow 02:00"
    kubectl-maintenance.io/timezone: "CET"
    kubectl-maintenance.io/every: "0 0 2 * * 0"
    kubectl-maintenance.io/duration: "2h"
data:
  message: "${'x'.repeat(MAX_TEXT_BYTES + 1)}"
`)
      const {window, problems} = configMapToWindow(cm)
      expect(window).to.equal(undefined)
      expect(problems).to.have.length(5)
      expect(problems[0]).to.contain('kubectl-maintenance.io/start "tomorrow 02:00" is not an RFC 3339 time')
      expect(problems[1]).to.contain('target "ingress/other-ns/shop": write kind/name; a window names targets of its own namespace only')
      expect(problems[2]).to.contain('timezone: time zone "CET" is an abbreviation').and.to.contain('Europe/Berlin')
      expect(problems[3]).to.contain('every: cron "0 0 2 * * 0" has 6 fields (seconds are not supported)')
      expect(problems[4]).to.equal('message is 4097 bytes; at most 4096 bytes (4 KiB) are allowed')
    })
  })

  describe('each problem, one at a time', () => {
    const cases: Array<[string, Record<string, string>, string, Record<string, string>?]> = [
      ['missing start', {'kubectl-maintenance.io/start': ''}, 'annotation kubectl-maintenance.io/start is missing: set it to an RFC 3339 time, e.g. 2026-11-23T01:00:00Z'],
      ['start without offset', {'kubectl-maintenance.io/start': '2026-11-23T01:00:00'}, 'is not an RFC 3339 time with offset or Z'],
      ['invalid end', {'kubectl-maintenance.io/end': 'soon'}, 'annotation kubectl-maintenance.io/end "soon" is not an RFC 3339 time'],
      ['end not after start', {'kubectl-maintenance.io/end': '2026-11-23T01:00:00Z'}, 'end 2026-11-23T01:00:00Z is not after start 2026-11-23T01:00:00Z'],
      ['unknown zone', {'kubectl-maintenance.io/timezone': 'Europe/Atlantis'}, 'timezone: unknown time zone "Europe/Atlantis"'],
      ['fixed offset zone', {'kubectl-maintenance.io/timezone': 'UTC+1'}, 'timezone: "UTC+1" is a fixed offset'],
      ['invalid cron', {'kubectl-maintenance.io/duration': '2h', 'kubectl-maintenance.io/every': '0 25 * * *'}, 'every: cron "0 25 * * *" is not valid'],
      ['every without duration', {'kubectl-maintenance.io/every': '0 2 * * 0'}, 'every is set but duration is not'],
      ['duration without every', {'kubectl-maintenance.io/duration': '2h'}, 'duration is set but every is not'],
      ['invalid duration', {'kubectl-maintenance.io/duration': '0m', 'kubectl-maintenance.io/every': '0 2 * * 0'}, 'duration: "0m": duration must be greater than zero'],
      ['no targets', {'kubectl-maintenance.io/targets': ' , '}, 'annotation kubectl-maintenance.io/targets is missing or empty'],
      ['target without kind', {'kubectl-maintenance.io/targets': 'shop'}, 'target "shop" has no kind'],
      ['target of an unknown kind', {'kubectl-maintenance.io/targets': 'deployment/shop'}, 'kind "deployment" is not supported'],
      ['target with a bad name', {'kubectl-maintenance.io/targets': 'ingress/Shop_1'}, '"Shop_1" is not a valid Kubernetes name'],
      ['duplicated target, through an alias', {'kubectl-maintenance.io/targets': 'svc/web,service/web'}, 'target service/web is listed more than once'],
      ['target in another namespace', {'kubectl-maintenance.io/targets': 'ingress/other-ns/x'}, 'a window names targets of its own namespace only'],
      [
        'more than 100 targets',
        {'kubectl-maintenance.io/targets': Array.from({length: 101}, (_, i) => `ingress/shop-${i}`).join(',')},
        '101 targets; at most 100 per window: split them into several windows',
      ],
      ['invalid phase', {'kubectl-maintenance.io/phase': 'Running'}, 'phase "Running" is not one of Scheduled, Active, Degraded, Completed, Cancelled, Failed'],
      ['page name not DNS-1123', {'kubectl-maintenance.io/page': 'My_Page'}, 'page "My_Page" is not a valid page name'],
      ['reason over 4 KiB (UTF-8 bytes)', {}, 'reason is 4098 bytes; at most 4096 bytes (4 KiB) are allowed', {reason: 'é'.repeat(2049)}],
      ['contact over 4 KiB', {}, 'contact is 5000 bytes', {contact: 'c'.repeat(5000)}],
    ]
    for (const [what, annotations, expected, data] of cases) {
      it(what, () => {
        const problems = problemsOf({...VALID, ...annotations}, data)
        expect(problems, problems.join('\n')).to.have.length(1)
        expect(problems[0]).to.contain(expected)
      })
    }

    it('malformed and duplicated targets are reported together', () => {
      const problems = problemsOf({...VALID, 'kubectl-maintenance.io/targets': 'ingress/shop,foo/bar,ing/shop'})
      expect(problems).to.have.length(2)
      expect(problems[0]).to.contain('kind "foo" is not supported')
      expect(problems[1]).to.contain('ingress/shop is listed more than once')
    })

    it('exactly 4 KiB of text is fine', () => {
      expect(configMapToWindow(handWritten(VALID, {message: 'x'.repeat(MAX_TEXT_BYTES)})).problems).to.deep.equal([])
    })

    it('something that is not a ConfigMap', () => {
      expect(configMapToWindow('nope')).to.deep.equal({problems: ['not a ConfigMap: it has no metadata']})
      expect(configMapToWindow(null).window).to.equal(undefined)
    })
  })

  describe('validateWindow (what commands build, before writing)', () => {
    it('a valid window has no problems', () => {
      expect(validateWindow(oneOff(), at('2026-11-01T00:00:00Z'))).to.deep.equal([])
      expect(validateWindow(oneOff({duration: '2h', end: undefined, every: '0 2 * * 0'}), at('2026-11-01T00:00:00Z'))).to.deep.equal([])
    })

    it('reports every problem of a built window', () => {
      const problems = validateWindow(
        oneOff({end: at('2026-11-23T00:00:00Z'), page: 'Bad Page', targets: [], timezone: 'EST', duration: '2h'}),
      )
      expect(problems).to.deep.equal([
        'no targets: name at least one, e.g. ingress/shop',
        'end 2026-11-23T00:00:00Z is not after start 2026-11-23T01:00:00Z',
        'timezone: time zone "EST" is an abbreviation or legacy name, not a place: use an IANA name such as America/New_York (see the tz database)',
        'page "Bad Page" is not a valid page name: use "default" or lowercase letters, digits and \'-\', e.g. outage',
        'duration is set but every is not: a recurring window needs both (e.g. every "0 2 * * 0", duration 2h); a one-off window uses end',
      ])
    })

    it('a start that is not a time', () => {
      expect(validateWindow(oneOff({start: Number.NaN}))).to.deep.equal(['start is not a valid time'])
    })

    it('with now: a recurring window whose end comes before its next occurrence never runs', () => {
      const w = oneOff({duration: '2h', end: at('2026-11-29T00:00:00Z'), every: '0 2 * * 0', start: at('2026-11-23T01:00:00Z')})
      expect(validateWindow(w, at('2026-11-23T00:00:00Z'))).to.deep.equal([
        'every "0 2 * * 0" has no occurrence between now and the end 2026-11-29T00:00:00Z',
      ])
      expect(validateWindow(w)).to.deep.equal([])
    })
  })
})
