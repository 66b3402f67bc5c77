import {expect} from 'chai'

import {ATTACKER, START_AFTER_MS, WINDOW_MS, expectVictimServedOnTime, expectWarning, windowIn, useTenancy} from './support.js'

const PAGES = 120
const PAGE_BYTES = 900 * 1024

function page(name: string, files: {html: string; json?: string}, binaryData?: Record<string, string>): object {
  return {
    apiVersion: 'v1',
    data: {'page.html.hbs': files.html, ...(files.json === undefined ? {} : {'page.json.hbs': files.json})},
    ...(binaryData ? {binaryData} : {}),
    kind: 'ConfigMap',
    metadata: {labels: {'app.kubernetes.io/managed-by': 'kubectl-maintenance', 'kubectl-maintenance.io/role': 'page'}, name: `maintenance-page-${name}`, namespace: ATTACKER},
  }
}

describe('security: 120 page ConfigMaps of ~0.9 MB', function () {
  // Seeding 120 x 0.9 MB into the in-process API server takes a while on a busy machine; the pass itself is timed below.
  this.timeout(300_000)
  const tenancy = useTenancy()

  const filler = 'x'.repeat(PAGE_BYTES)
  // Just under the 1 MiB a ConfigMap holds: over the page cap (model/limits.ts), and the backend would not fit either.
  const almostMiB = 1024 * 1024 - 2500
  const inputs: Array<[string, (i: number) => object, object]> = [
    [
      'in templates; the window uses one whose HTML makes the backend too big',
      (i) => page(`big-${i}`, {html: `<p>${filler}</p>`}),
      page('chosen', {html: `<p>${'y'.repeat(almostMiB)}</p>`}),
    ],
    [
      'in assets; the window uses one whose assets make the backend too big',
      (i) => page(`asset-${i}`, {html: '<p>hi</p>'}, {'logo.png': Buffer.alloc(PAGE_BYTES, i).toString('base64')}),
      page('chosen', {html: '<img src="/_maintenance/assets/a.png">'}, {'a.png': Buffer.alloc(almostMiB, 1).toString('base64')}),
    ],
  ]

  for (const [what, unrelated, chosen] of inputs) {
    it(`reads only the page a window refers to, never every page (${what})`, async () => {
      for (let i = 0; i < PAGES; i++) tenancy().server.seed(unrelated(i))
      tenancy().server.seed(chosen)
      const start = tenancy().t0 + START_AFTER_MS
      const sale = windowIn(ATTACKER, 'sale', ['ingress/shop'], start, start + WINDOW_MS) as {metadata: {annotations: Record<string, string>}}
      sale.metadata.annotations['kubectl-maintenance.io/page'] = 'chosen'
      tenancy().server.seed(sale)
      tenancy().server.clearLog()
      const outcome = await tenancy().pass()
      expectVictimServedOnTime(tenancy(), outcome)
      const pageReads = tenancy().server.requests.filter((r) => r.method === 'GET' && (/maintenance-page-/.test(r.path) || /role[^&]*page/.test(decodeURIComponent(r.query.labelSelector ?? ''))))
      expect([...new Set(pageReads.map((r) => r.path))], 'the only page read').to.deep.equal([`/api/v1/namespaces/${ATTACKER}/configmaps/maintenance-page-chosen`])
      const configMapLists = tenancy().server.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/configmaps'))
      expect(configMapLists.every((r) => /role( in \((schedule|window)(,(schedule|window))*\)|=(window|backend|schedule))$/.test(decodeURIComponent(r.query.labelSelector ?? ''))), 'ConfigMap lists select windows, backends or schedule feeds only').to.equal(true)
      expect(configMapLists.every((r) => r.query.limit !== undefined), 'and are paginated').to.equal(true)
      expect(tenancy().phase(ATTACKER, 'sale')).to.equal('Failed')
      expectWarning(tenancy(), /page "chosen" cannot be rendered: .*(more than the 1048576 a ConfigMap holds|at most \d+ fit next to the page in a ConfigMap|templates and assets take \d+ bytes; at most \d+)/)
    })
  }
})
