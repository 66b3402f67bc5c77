#!/usr/bin/env node
// The built bundle (npm run build): oclif's manifest is built in and a command's modules load only when it runs, so
// `npm link`'s kubectl-maintenance starts as fast as the executable. Its CommonJS variant runs with V8's code cache
// (src/bundle/code-cache.ts: Node 20 has none for ES modules); without that variant, the ESM bundle; without a build
// (a clone before npm install), oclif runs the compiled commands the usual way.
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const script = new URL('../dist/kubectl-maintenance.cjs', import.meta.url)
const codeCache = new URL('../dist/bundle/code-cache.js', import.meta.url)
const bundle = new URL('../dist/kubectl-maintenance.mjs', import.meta.url)
if (existsSync(script) && existsSync(codeCache)) {
  const {runWithCodeCache} = await import(codeCache.href)
  runWithCodeCache(fileURLToPath(script))
} else if (existsSync(bundle)) {
  await import(bundle.href)
} else {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
