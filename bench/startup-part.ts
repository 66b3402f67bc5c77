/** (d) CLI start-up: bench/startup.ts (hyperfine) run as it is; it merges its own "startup" key into results.json. */
import {spawn} from 'node:child_process'
import path from 'node:path'

import {PROJECT_ROOT} from './results.js'

export async function runStartupBench(): Promise<void> {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx')
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(tsx, [path.join(PROJECT_ROOT, 'bench', 'startup.ts')], {cwd: PROJECT_ROOT, stdio: ['ignore', 'inherit', 'inherit']})
    child.once('error', reject)
    child.once('close', resolve)
  })
  if (code !== 0) throw new Error(`bench/startup.ts exited with ${code}`)
}
