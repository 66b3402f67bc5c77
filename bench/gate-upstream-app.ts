/**
 * The application-like upstream of bench (j), run in a process of its own: `tsx bench/gate-upstream-app.ts PORT [WAIT_MS]`.
 * node:http without a framework answers every request with an HTML page built for it: a shop's product list from
 * in-memory data, every value escaped and every price formatted, as a template engine would (about 6 KB). With
 * WAIT_MS it first awaits that long, as an application waiting on its database does. No framework and no I/O make it
 * the cheapest application page Node serves: what a real one spends per request only adds to the upstream's share.
 * Prints "listening" once it accepts connections.
 */
import {createServer} from 'node:http'
import {setTimeout as sleep} from 'node:timers/promises'

const PRODUCTS = 24

const [portArgument, waitArgument = '0'] = process.argv.slice(2)
const port = Number(portArgument)
const waitMs = Number(waitArgument)
if (!Number.isInteger(port) || port <= 0 || !Number.isFinite(waitMs) || waitMs < 0) {
  process.stderr.write('usage: gate-upstream-app.ts PORT [WAIT_MS]\n')
  process.exit(2)
}

const CATEGORIES = ['Kitchen', 'Garden', 'Tools', 'Lighting', 'Storage', 'Textiles']
const products = Array.from({length: PRODUCTS}, (_, index) => ({
  category: CATEGORIES[index % CATEGORIES.length],
  id: 1000 + index,
  name: `${['Oak', 'Steel', 'Linen', 'Clay', 'Glass', 'Cork'][index % 6]} ${['bowl', 'lamp', 'shelf', 'basket', 'hook', 'tray'][(index * 5) % 6]} "No. ${index + 1}" <${index % 3 === 0 ? 'new' : 'classic'}> & co`,
  priceCents: 1299 + ((index * 7919) % 20_000),
  rating: 3 + ((index * 37) % 20) / 10,
  stock: (index * 13) % 17,
}))
const price = new Intl.NumberFormat('de-DE', {currency: 'EUR', style: 'currency'})

const ESCAPES: Record<string, string> = {'"': '&quot;', '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;'}
function escapeHtml(text: string): string {
  return text.replaceAll(/["&'<>]/g, (character) => ESCAPES[character])
}

function renderShopPage(requestPath: string, now: Date): string {
  const rows = products.map(
    (product) =>
      `<li class="product" data-id="${product.id}"><a href="/shop/products/${product.id}">${escapeHtml(product.name)}</a>` +
      `<span class="category">${escapeHtml(product.category)}</span><span class="price">${escapeHtml(price.format(product.priceCents / 100))}</span>` +
      `<span class="rating" title="${product.rating.toFixed(1)} of 5">${'★'.repeat(Math.round(product.rating))}</span>` +
      `<span class="stock">${product.stock > 0 ? `${product.stock} in stock` : 'sold out'}</span></li>`,
  )
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Shop: ${escapeHtml(requestPath)}</title>` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/static/shop.css"></head>` +
    `<body><header><nav>${CATEGORIES.map((category) => `<a href="/shop/${category.toLowerCase()}">${escapeHtml(category)}</a>`).join('')}</nav></header>` +
    `<main><p class="path">You are at ${escapeHtml(requestPath)}</p><ul class="products">${rows.join('\n')}</ul></main>` +
    `<footer>Rendered ${now.toISOString()}</footer></body></html>\n`
  )
}

const server = createServer(async (request, response) => {
  if (waitMs > 0) await sleep(waitMs)
  const body = renderShopPage(new URL(request.url ?? '/', 'http://upstream').pathname, new Date())
  response.writeHead(200, {'Cache-Control': 'private, no-cache', 'Content-Length': Buffer.byteLength(body), 'Content-Type': 'text/html; charset=utf-8'})
  response.end(request.method === 'HEAD' ? undefined : body)
})
server.listen(port, '127.0.0.1', () => process.stdout.write('listening\n'))
