import {expect} from 'chai'
import {spawn} from 'node:child_process'
import path from 'node:path'

import {PROJECT_ROOT} from './support/run-command.js'

describe('npm run demo', function () {
  this.timeout(150_000)

  it('shows a whole window against the in-process cluster and ends with the targets restored and no backend left', async () => {
    // The README's first command: it runs the built CLI (bin/run.js over dist/), which npm test builds first.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts', 'demo.ts')], {
      cwd: PROJECT_ROOT,
      env: {...process.env, DEMO_EXIT: '1', NO_COLOR: '1'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const code = await new Promise<number>((resolve) => child.on('close', (exit) => resolve(exit ?? 1)))
    expect(code, output).to.equal(0)
    expect(output).to.match(/ingress\/shop\s+yes\s+demo-window\s+maintenance-[0-9a-f]{10}\s+1\/1/)
    expect(output).to.match(/GET \/checkout {2}Accept: application\/json\n {2}503 application\/json; charset=utf-8 {2}Retry-After: \w{3}, /)
    expect(output).to.include('diff of the target specs before and after: empty')
    expect(output).to.include('backends left: 0')
    // Commands are echoed as they would be typed: an argument with spaces in quotes.
    expect(output).to.include('--message "We are upgrading the database." --reason "Planned upgrade" --contact ops@example.com')
  })
})
