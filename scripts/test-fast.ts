/**
 * The inner loop: the tests of the pure core, the I/O shell and the commands, straight from the TypeScript sources
 * through tsx (no tsc, no lint, no build), without the suites that drive real programs (nginx, Chromium, kubectl,
 * shells), the packaged executable or the soak runs. `npm test` stays the whole suite and what CI runs.
 * Extra arguments go to mocha (e.g. `npm run test:fast -- --grep cancel`).
 */
import {spawnSync} from 'node:child_process'
import {createRequire} from 'node:module'

const SUITES = ['test/model/**/*.test.ts', 'test/engine/**/*.test.ts', 'test/render/**/*.test.ts', 'test/kube/**/*.test.ts', 'test/commands/**/*.test.ts', 'test/structure.test.ts']

/** Suites that start real programs or build artefacts; they run in `npm test`. */
const SLOW = ['test/render/nginx.test.ts', 'test/render/browser.test.ts', 'test/commands/completion.test.ts', 'test/commands/preview.test.ts']

/** Single tests that sweep a whole lifecycle (tens of seconds each); they run in `npm test`. */
const SWEEPS = ['converges after a pass killed at any request, for every k of a full lifecycle']

const TARGET_SECONDS = 60

const mocha = createRequire(import.meta.url).resolve('mocha/bin/mocha.js')
const started = process.hrtime.bigint()
const run = spawnSync(process.execPath, [mocha, '--reporter', 'dot', ...SLOW.flatMap((file) => ['--ignore', file]), '--invert', '--grep', SWEEPS.map(escapeRegExp).join('|'), ...SUITES, ...process.argv.slice(2)], {
  stdio: 'inherit',
})
const seconds = Number(process.hrtime.bigint() - started) / 1e9
process.stderr.write(`test:fast took ${seconds.toFixed(1)} s (target: under ${TARGET_SECONDS} s)${seconds > TARGET_SECONDS ? ': too slow for the inner loop' : ''}\n`)
process.exit(run.status ?? 1)

function escapeRegExp(text: string): string {
  return text.replaceAll(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`)
}
