import {expect} from 'chai'
import {writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {gunzipSync} from 'node:zlib'
import {parseAllDocuments} from 'yaml'

import type {ApiServer} from '../support/apiserver.js'

import {readGzippedBundle} from '../../src/install/bundle-source.js'
import {startCluster} from '../commands/fixtures.js'
import {run} from '../support/process.js'
import {runCommand} from '../support/run-command.js'
import {findBinary, requireSystemBinary} from '../support/system-binary.js'

describe('install --dry-run -o yaml (issue 14, small defects)', () => {
  let server: ApiServer
  let yaml: string

  before(async function () {
    this.timeout(120_000)
    server = await startCluster()
    const result = await runCommand(['install', '--dry-run', '-o', 'yaml'], {env: {KUBECONFIG: server.kubeconfigPath}})
    expect(result.exitCode, result.stderr).to.equal(0)
    yaml = result.stdout
  })

  after(async () => server.close())

  it('prints no line of hundreds of kilobytes: the bundle is a literal block of 76-character lines', () => {
    const longest = Math.max(...yaml.split('\n').map((line) => line.length))
    expect(longest).to.be.below(1000)
    const bundle = parseAllDocuments(yaml)
      .map((document) => document.toJS() as {binaryData?: Record<string, string>})
      .find((object) => object.binaryData)
    const folded = Object.values(bundle?.binaryData ?? {})[0]
    expect(folded.split('\n').slice(0, -1).every((line) => line.length === 76)).to.equal(true)
    // Line breaks are ignored by base64 decoding (Go's encoding/base64, which the API server's JSON decoding uses): the bundle as built.
    expect(gunzipSync(Buffer.from(folded.replaceAll('\n', ''), 'base64')).equals(gunzipSync(readGzippedBundle()))).to.equal(true)
  })

  it('is what kubectl apply -f takes', async function () {
    this.timeout(120_000)
    const kubectl = requireSystemBinary(this, findBinary('kubectl'), 'kubectl not found: .ci/run installs kubectl 1.32 (Debian kubernetes-client is 1.20, too old)')
    const file = path.join(tmpdir(), `km-install-${process.pid}.yaml`)
    writeFileSync(file, yaml)
    const applied = await run(kubectl, ['apply', '--dry-run=client', '-f', file, '-o', 'json'], {env: {...process.env, KUBECONFIG: server.kubeconfigPath}})
    expect(applied.code, applied.stderr).to.equal(0)
    const list = JSON.parse(applied.stdout) as {items: Array<{binaryData?: Record<string, string>}>}
    const bundle = list.items.find((item) => item.binaryData)
    expect(gunzipSync(Buffer.from(Object.values(bundle?.binaryData ?? {})[0].replaceAll('\n', ''), 'base64')).equals(gunzipSync(readGzippedBundle()))).to.equal(true)
  })
})
