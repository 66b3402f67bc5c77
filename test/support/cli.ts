/**
 * `npm run cluster -- --port PORT --kubeconfig FILE [--seed FILE.yaml]... [--crds G,G] [--ready-delay SECONDS] [--namespace NS]
 *   [--latency MS[+JITTER]] [--throttle SHARE]`
 * Starts the in-process API server as a standalone process for the demo and manual checks. `--latency 15+10` models a
 * managed control plane (15-25 ms a request), `--throttle 0.1` a busy one (API Priority and Fairness answers 10 % of
 * requests 429 with Retry-After: 1); both seeded with 1.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {parseAllDocuments} from 'yaml'

import {type ApiServer, startApiServer} from './apiserver.js'

function readSeedObjects(files: string[]): object[] {
  const objects: object[] = []
  for (const file of files) {
    for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0].message}`)
      const value: unknown = document.toJS()
      if (value === null || value === undefined) continue
      if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${file}: every YAML document must be a Kubernetes object`)
      const list = value as {kind?: unknown; items?: unknown}
      if (typeof list.kind === 'string' && list.kind.endsWith('List') && Array.isArray(list.items)) objects.push(...(list.items as object[]))
      else objects.push(value)
    }
  }
  return objects
}

export async function main(argv: string[]): Promise<ApiServer> {
  const {values} = parseArgs({
    args: argv,
    options: {
      port: {type: 'string'},
      host: {type: 'string'},
      kubeconfig: {type: 'string'},
      seed: {type: 'string', multiple: true},
      crds: {type: 'string'},
      'ready-delay': {type: 'string'},
      namespace: {type: 'string'},
      latency: {type: 'string'},
      throttle: {type: 'string'},
    },
    strict: true,
  })
  const readyDelaySeconds = values['ready-delay'] === undefined ? 0 : Number(values['ready-delay'])
  if (!Number.isFinite(readyDelaySeconds) && values['ready-delay'] !== 'Infinity') throw new Error(`--ready-delay must be a number of seconds, got "${values['ready-delay']}"`)
  const seeds = readSeedObjects(values.seed ?? [])
  const server = await startApiServer({
    port: values.port === undefined ? 0 : Number(values.port),
    host: values.host,
    kubeconfigPath: values.kubeconfig,
    crds: values.crds === undefined ? undefined : values.crds.split(',').map((group) => group.trim()).filter(Boolean),
    readyDelayMs: readyDelaySeconds * 1000,
    currentNamespace: values.namespace,
  })
  try {
    if (values.latency !== undefined) {
      const match = /^(\d+)(?:\+(\d+))?$/.exec(values.latency)
      if (!match) throw new Error(`--latency must be milliseconds, optionally plus a jitter (20 or 15+10), got "${values.latency}"`)
      server.faults.latency(Number(match[1]), {jitterMs: Number(match[2] ?? 0), seed: 1})
    }
    if (values.throttle !== undefined) {
      const rate = Number(values.throttle)
      if (!(rate >= 0 && rate <= 1)) throw new Error(`--throttle must be a share of requests between 0 and 1, got "${values.throttle}"`)
      server.faults.throttle({rate, seed: 1})
    }
    server.seed(...seeds)
  } catch (error) {
    await server.close()
    throw error
  }
  return server
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (server) => {
      process.stdout.write(`in-process Kubernetes API server at ${server.url}, kubeconfig ${server.kubeconfigPath}\n`)
      // Closing the server is what ends the process: nothing else keeps the event loop alive.
      const stop = (): void => {
        server.close().catch(() => (process.exitCode = 1))
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    },
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`)
      process.exitCode = 1
    },
  )
}
