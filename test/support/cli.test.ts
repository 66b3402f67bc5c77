import {expect} from 'chai'
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {PROJECT_ROOT} from './run-command.js'

function startCli(args: string[]): {child: ChildProcess; firstLine: Promise<string>; exit: Promise<{code: number | null; stderr: string}>} {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'test/support/cli.ts'), ...args], {cwd: PROJECT_ROOT})
  let stdout = ''
  let stderr = ''
  const firstLine = new Promise<string>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.includes('\n')) resolve(stdout)
    })
  })
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exit = new Promise<{code: number | null; stderr: string}>((resolve) => child.on('exit', (code) => resolve({code, stderr})))
  return {child, firstLine, exit}
}

describe('in-process API server standalone CLI', function () {
  this.timeout(30_000)
  const dir = mkdtempSync(path.join(tmpdir(), 'cluster-cli-'))

  it('seeds objects from multi-document YAML, writes the kubeconfig, prints one line, and stops on SIGTERM', async () => {
    const seed = path.join(dir, 'seed.yaml')
    writeFileSync(seed, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  a: "1"\n')
    const kubeconfig = path.join(dir, 'kubeconfig')
    const cli = startCli(['--port', '0', '--kubeconfig', kubeconfig, '--seed', seed, '--crds', 'traefik.io', '--namespace', 'shop'])
    const line = await cli.firstLine
    const match = /^in-process Kubernetes API server at (http:\/\/127\.0\.0\.1:\d+), kubeconfig (.+)\n$/.exec(line)
    expect(match, line).to.not.equal(null)
    expect(match![2]).to.equal(kubeconfig)
    expect(readFileSync(kubeconfig, 'utf8')).to.contain(`server: ${match![1]}`).and.contain('namespace: shop')
    const settings = (await (await fetch(`${match![1]}/api/v1/namespaces/shop/configmaps/settings`)).json()) as {data: unknown}
    expect(settings.data).to.deep.equal({a: '1'})
    expect((await fetch(`${match![1]}/apis/gateway.networking.k8s.io/v1`)).status).to.equal(404)
    cli.child.kill('SIGTERM')
    expect((await cli.exit).code).to.equal(0)
  })

  it('models a busy managed control plane with --latency and --throttle, and refuses values it cannot read', async () => {
    const cli = startCli(['--port', '0', '--kubeconfig', path.join(dir, 'kc3'), '--latency', '50+10', '--throttle', '1'])
    const url = /at (http:\/\/[\d.:]+),/.exec(await cli.firstLine)![1]
    const started = Date.now()
    const reply = await fetch(`${url}/api/v1/namespaces`)
    expect(Date.now() - started).to.be.at.least(45)
    expect(reply.status).to.equal(429)
    expect(reply.headers.get('retry-after')).to.equal('1')
    cli.child.kill('SIGTERM')
    await cli.exit
    const wrong = startCli(['--port', '0', '--kubeconfig', path.join(dir, 'kc4'), '--throttle', '10%'])
    const {code, stderr} = await wrong.exit
    expect(code).to.equal(1)
    expect(stderr).to.contain('--throttle must be a share of requests between 0 and 1, got "10%"')
  })

  it('refuses a seed object whose namespace does not exist, naming it', async () => {
    const seed = path.join(dir, 'orphan.yaml')
    writeFileSync(seed, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: nowhere\n')
    const cli = startCli(['--port', '0', '--kubeconfig', path.join(dir, 'kc2'), '--seed', seed])
    const {code, stderr} = await cli.exit
    expect(code).to.equal(1)
    expect(stderr).to.contain('namespaces "nowhere" not found')
  })
})
