import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import type {PageContext} from '../../src/render/view-model.js'

export const GOLDEN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '__golden__')

/** Compares with a golden file; UPDATE_GOLDEN=1 rewrites it instead (review the diff before committing). */
export function golden(name: string, actual: string): string {
  const file = path.join(GOLDEN_DIR, name)
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual)
  return readFileSync(file, 'utf8')
}

/** A fixed window: 24 Dec 2026, 21:00-23:00 in Berlin. */
export const WINDOW: PageContext = {
  contact: 'ops@example.com',
  end: Date.parse('2026-12-24T22:00:00Z'),
  message: 'We are upgrading our database to make checkout faster. Your orders and accounts are safe.',
  namespace: 'shop',
  reason: 'Planned database upgrade',
  start: Date.parse('2026-12-24T20:00:00Z'),
  targets: ['ingress/shop', 'service/web'],
  timezone: 'Europe/Berlin',
  window: 'db-upgrade',
}

/** Text that tries to break out of every format it lands in. */
export const HOSTILE = [
  '</script><script>alert(1)</script>',
  `"'><img src=x onerror=alert(1)>`,
  '{{title}} {{{x}}} {{#each targets}}X{{/each}} {{> p}}',
  'ctl:\u0000\u0001\u0008\u000B\u000C\u001B\u007F\uD800\uFFFE.',
  'rtl: מערכת בתחזוקה نعود قريبا \u202Egnp.exe',
  ']]><![CDATA[x]]> <!-- --> &amp; &#0; \\ \u2028\u2029',
  '🚧'.repeat(1024),
].join('\n')

export const HOSTILE_WINDOW: PageContext = {
  ...WINDOW,
  contact: 'javascript:alert(1)',
  message: HOSTILE,
  reason: HOSTILE,
  title: `Maintenance </title><script>alert(2)</script>`,
}

/** What a browser shows of text sent as UTF-8 HTML: lone surrogates became U+FFFD in UTF-8, CR LF and CR become LF, NUL is dropped. */
export function asHtmlParsed(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8').replace(/\r\n?/g, '\n').replaceAll('\u0000', '')
}
