/**
 * `kubectl-maintenance` straight from src/ (through tsx), whatever dist/ and oclif.manifest.json hold, so tests of the
 * completion scripts run the commands as they are now, not as they were at the last build.
 *   node --import tsx test/packaging/cli-from-src.ts ARGS...
 */
import {flush, handle, run} from '@oclif/core'

import {loadSourceConfig} from './source-config.js'

try {
  await run(process.argv.slice(2), await loadSourceConfig())
  await flush()
} catch (error) {
  await handle(error as Error)
}
