#!/usr/bin/env node
// The built single-file bundle (dist/kubectl-maintenance.mjs, made by npm run build): oclif's manifest is built in and a
// command's modules load only when it runs, so `npm link`'s kubectl-maintenance starts as fast as the executable.
// Without a build (a clone before npm install), oclif runs the compiled commands the usual way.
import {existsSync} from 'node:fs'

const bundle = new URL('../dist/kubectl-maintenance.mjs', import.meta.url)
if (existsSync(bundle)) {
  await import(bundle.href)
} else {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
