/**
 * `npm run demo`: a whole maintenance window for a newcomer with no cluster. Starts the in-process API server
 * seeded with a demo namespace, schedules a window 5 seconds ahead for 20 seconds with the real CLI, runs
 * `reconcile` as the CronJob would, serves the page the backend would serve (with nginx when it is installed),
 * and shows that the targets come back exactly as they were. DEMO_EXIT=1 exits at the end instead of waiting.
 */
import {spawn} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {shopTargets} from '../test/fixtures/targets.js'
import {startApiServer} from '../test/support/apiserver.js'
import {type RunningNginx, findNginx, servePage} from '../test/support/nginx.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const cli = path.join(root, 'bin', 'run.js')
const NS = 'demo'
const TARGETS = [
  {apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'shop', ref: 'ingress/shop'},
  {apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', name: 'api', ref: 'ingressroute/api'},
  {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', name: 'web', ref: 'httproute/web'},
  {apiVersion: 'v1', kind: 'Service', name: 'db', ref: 'service/db'},
]

const bold = (text: string) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\u001B[1m${text}\u001B[0m` : text)
const step = (text: string) => console.log(`\n${bold(`==> ${text}`)}`)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Runs the real CLI as a user would; asynchronously, since the API server it talks to lives in this process. */
async function run(args: string[], kubeconfig: string): Promise<string> {
  const child = spawn(process.execPath, [cli, ...args, '--kubeconfig', kubeconfig], {stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    output += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const code = await new Promise<number>((resolve) => child.on('close', (exit) => resolve(exit ?? 1)))
  console.log(`$ kubectl maintenance ${args.map(shellWord).join(' ')}\n${output.trimEnd()}`)
  if (code !== 0) throw new Error(`kubectl maintenance ${args[0]} exited ${code}`)
  return stdout
}

/** An argument as it would be typed into a shell, so the commands the demo echoes can be pasted as they are. */
function shellWord(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg
  return /["$`\\!]/.test(arg) ? `'${arg.replaceAll("'", String.raw`'\''`)}'` : `"${arg}"`
}

async function main(): Promise<void> {
  const server = await startApiServer({readyDelayMs: 1500})
  server.seed(...shopTargets(NS))
  const before = TARGETS.map((t) => server.object(t.apiVersion, t.kind, NS, t.name)?.spec)
  step('An in-process Kubernetes API server is running')
  console.log(`kubeconfig: ${server.kubeconfigPath}\nserver:     ${server.url}`)
  console.log(`namespace ${NS} holds ${TARGETS.map((t) => t.ref).join(', ')}`)

  step('Before: nothing is in maintenance')
  await run(['status', ...TARGETS.map((t) => t.ref), '-n', NS], server.kubeconfigPath)

  step('Schedule a window starting in 5 seconds, for 20 seconds')
  await run(['schedule', ...TARGETS.map((t) => t.ref), '-n', NS, '--start', '+5s', '--duration', '20s', '--name', 'demo-window',
    '--message', 'We are upgrading the database.', '--reason', 'Planned upgrade', '--contact', 'ops@example.com'], server.kubeconfigPath)

  step('Run one reconcile pass as the CronJob does (reconcile -A --horizon 55s)')
  const pass = spawn(process.execPath, [cli, 'reconcile', '-A', '--horizon', '55s', '--kubeconfig', server.kubeconfigPath], {stdio: ['ignore', 'pipe', 'pipe']})
  pass.stdout.on('data', (chunk: Buffer) => process.stdout.write(`  [reconcile] ${chunk.toString().trimEnd().replaceAll('\n', '\n  [reconcile] ')}\n`))
  pass.stderr.on('data', (chunk: Buffer) => process.stderr.write(`  [reconcile] ${chunk}`))
  const passDone = new Promise<number>((resolve) => pass.on('exit', (code) => resolve(code ?? 1)))

  while (server.object('v1', 'ConfigMap', NS, 'demo-window')?.metadata && !isActive(server.object('v1', 'ConfigMap', NS, 'demo-window'))) {
    await sleep(250)
  }
  step('During: every target points at the maintenance backend')
  await run(['status', ...TARGETS.map((t) => t.ref), '-n', NS], server.kubeconfigPath)
  const nginx = await servePageOf(server.objects('v1', 'ConfigMap', NS))

  const code = await passDone
  await nginx?.stop()
  step('After: the window ended, the pass restored every target and removed the backend')
  await run(['status', ...TARGETS.map((t) => t.ref), '-n', NS], server.kubeconfigPath)
  await run(['list', '-n', NS], server.kubeconfigPath)
  const after = TARGETS.map((t) => server.object(t.apiVersion, t.kind, NS, t.name)?.spec)
  const changed = TARGETS.filter((_, i) => JSON.stringify(before[i]) !== JSON.stringify(after[i])).map((t) => t.ref)
  console.log(changed.length === 0 ? 'diff of the target specs before and after: empty' : `specs differ: ${changed.join(', ')}`)
  const leftovers = server.objects('apps/v1', 'Deployment', NS).length
  console.log(`backends left: ${leftovers}`)

  if (code !== 0 || changed.length > 0 || leftovers > 0) {
    await server.close()
    throw new Error('the demo did not end clean')
  }
  if (process.env.DEMO_EXIT === '1') {
    await server.close()
    return
  }
  step('The demo cluster is still running; try')
  console.log(`  export KUBECONFIG=${server.kubeconfigPath}
  kubectl get ingress,svc,configmaps -n ${NS}
  kubectl get events -n ${NS}
  node bin/run.js now ingress/shop -n ${NS} --for 2m --message "Back soon"
  node bin/run.js status -n ${NS}
  node bin/run.js end ingress/shop -n ${NS}
Press Ctrl-C to stop.`)
  await new Promise<void>((resolve) => {
    process.on('SIGINT', resolve)
    process.on('SIGTERM', resolve)
  })
  await server.close()
}

function isActive(cm: Record<string, unknown> | undefined): boolean {
  const annotations = (cm?.metadata as {annotations?: Record<string, string>} | undefined)?.annotations
  return annotations?.['kubectl-maintenance.io/phase'] === 'Active'
}

/** Serves exactly the bodies of the backend ConfigMap with real nginx on 127.0.0.1, and asks it like a browser and an API client would. */
async function servePageOf(configMaps: Record<string, unknown>[]): Promise<RunningNginx | undefined> {
  const backend = configMaps.find((cm) => (cm.metadata as {labels?: Record<string, string>}).labels?.['kubectl-maintenance.io/role'] === 'backend') as
    | {data: Record<string, string>}
    | undefined
  if (!backend) return undefined
  if (!findNginx()) {
    step('The page (nginx is not installed: apt-get install nginx to see it served)')
    console.log(backend.data['page.json'])
    return undefined
  }
  const {retryAfter} = JSON.parse(backend.data['page.json']) as {retryAfter?: string}
  const nginx = await servePage({assets: {}, html: backend.data['page.html'], json: backend.data['page.json'], retryAfter, status: 503, xml: backend.data['page.xml']})
  step(`The maintenance page, served by nginx at ${nginx.url} with the backend's own bodies`)
  for (const accept of ['text/html', 'application/json', 'application/xml']) {
    const response = await fetch(`${nginx.url}/checkout?step=2`, {headers: {Accept: accept}})
    const body = await response.text()
    console.log(`GET /checkout  Accept: ${accept}\n  ${response.status} ${response.headers.get('content-type')}  Retry-After: ${response.headers.get('retry-after')}\n  ${body.slice(0, 100).replaceAll('\n', ' ')}…`)
  }
  return nginx
}

await main().catch((error: Error) => {
  console.error(`demo failed: ${error.message}`)
  process.exit(1)
})
process.exit(0)
