/**
 * The inner loop: the tests of the pure core, the I/O shell and the commands, straight from the TypeScript sources
 * through tsx (no tsc, no lint, no build), without the suites that drive real programs (nginx, Chromium, kubectl,
 * shells), the packaged executable, real Retry-After waits or the soak runs, its files spread over the cores (each test
 * file runs in one worker process, so a file's tests keep their order and share nothing with another file's). `npm test`
 * stays the whole suite, in one process, and what CI runs.
 * Extra arguments go to mocha (e.g. `npm run test:fast -- --grep cancel`).
 */
import {spawnSync} from 'node:child_process'
import {createRequire} from 'node:module'
import {availableParallelism} from 'node:os'

const SUITES = ['test/model/**/*.test.ts', 'test/engine/**/*.test.ts', 'test/render/**/*.test.ts', 'test/kube/**/*.test.ts', 'test/commands/**/*.test.ts', 'test/structure.test.ts']

/** Suites that start real programs or build artefacts, or wait out real Retry-After seconds; they run in `npm test`. */
const SLOW = [
  'test/kube/burst.test.ts',
  'test/render/nginx.test.ts',
  'test/render/browser.test.ts',
  'test/render/gate.test.ts',
  'test/render/protocols.test.ts',
  'test/render/backend-pod.test.ts',
  'test/commands/completion.test.ts',
  'test/commands/preview.test.ts',
  'test/commands/preview-gate.test.ts',
]

/** Single tests that sweep a whole lifecycle (tens of seconds each); they run in `npm test`. */
const SWEEPS = ['converges after a pass killed at any request, for every k of a full lifecycle']

const TARGET_SECONDS = 60

const mocha = createRequire(import.meta.url).resolve('mocha/bin/mocha.js')
const started = process.hrtime.bigint()
const run = spawnSync(process.execPath, [mocha, '--reporter', 'dot', '--parallel', '--jobs', String(Math.max(2, availableParallelism())), ...SLOW.flatMap((file) => ['--ignore', file]), '--invert', '--grep', SWEEPS.map(escapeRegExp).join('|'), ...SUITES, ...process.argv.slice(2)], {
  stdio: 'inherit',
})
const seconds = Number(process.hrtime.bigint() - started) / 1e9
process.stderr.write(`test:fast took ${seconds.toFixed(1)} s (target: under ${TARGET_SECONDS} s)${seconds > TARGET_SECONDS ? ': too slow for the inner loop' : ''}\n`)
process.exit(run.status ?? 1)

function escapeRegExp(text: string): string {
  return text.replaceAll(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`)
}
