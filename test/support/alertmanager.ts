/**
 * The real Alertmanager (Debian package prometheus-alertmanager) on loopback, with its own storage and a minimal
 * configuration, clustering off: what the silence tests talk to.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {freePort} from './ports.js'
import {findBinary} from './system-binary.js'

export const ALERTMANAGER_MISSING = 'prometheus-alertmanager not found: apt-get install prometheus-alertmanager (.ci/run installs it)'

export function findAlertmanager(): string | undefined {
  return findBinary('prometheus-alertmanager', ['/usr/bin', '/usr/sbin']) ?? findBinary('alertmanager')
}

export interface RunningAlertmanager {
  url: string
  /** GET /api/v2/<path> as JSON. */
  api<T = unknown>(apiPath: string): Promise<T>
  stop(): Promise<void>
}

const CONFIG = `route:
  receiver: 'null'
receivers:
  - name: 'null'
`

export async function startAlertmanager(binary: string): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(path.join(tmpdir(), 'alertmanager-'))
  writeFileSync(path.join(dir, 'alertmanager.yml'), CONFIG)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn(
    binary,
    [`--config.file=${path.join(dir, 'alertmanager.yml')}`, `--storage.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    {stdio: ['ignore', 'ignore', 'pipe']},
  )
  let log = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const api = async <T>(apiPath: string): Promise<T> => {
    const response = await fetch(`${url}/api/v2/${apiPath}`)
    if (!response.ok) throw new Error(`GET ${apiPath}: ${response.status} ${await response.text()}`)
    return (await response.json()) as T
  }
  const deadline = Date.now() + 20_000
  for (;;) {
    try {
      const status = await api<{cluster?: {status?: string}}>('status')
      if (status.cluster) break
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL')
        throw new Error(`alertmanager did not start on ${url}:\n${log}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  return {
    api,
    async stop() {
      child.kill('SIGTERM')
      await exited
      rmSync(dir, {force: true, recursive: true})
    },
    url,
  }
}
