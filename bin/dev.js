#!/usr/bin/env -S node --import tsx
// The CLI straight from src/ (development), ending errors as the built bundle does (src/cli/top-level.ts).
import {Config, flush, run} from '@oclif/core'

import {handleTopLevel} from '../src/cli/top-level.js'

let config
try {
  config = await Config.load({development: true, root: new URL('..', import.meta.url).pathname})
  await run(process.argv.slice(2), config)
  await flush()
} catch (error) {
  await handleTopLevel(error, config)
}
