/**
 * Renders a template a tenant wrote with bounded time, memory and output, synchronously (the planner is pure and
 * synchronous). The template runs in a worker thread with V8 resource limits; the caller sends the job on a
 * MessagePort, blocks in Atomics.wait on shared state with a timeout, and takes the answer with
 * receiveMessageOnPort. A worker that does not answer in time (a runaway loop, or it ran out of memory and died) is
 * terminated, which stops its JavaScript wherever it is, and the next job gets a fresh one.
 */
import {createRequire} from 'node:module'
import {fileURLToPath} from 'node:url'
import {MessageChannel, type MessagePort, Worker, receiveMessageOnPort} from 'node:worker_threads'

import {DONE_SLOT, READY_SLOT, type RenderJob, type RenderReply} from './template-protocol.js'
import {type TemplateFormat} from './template-runtime.js'

/** Defined by the bundle and the executable: the worker's source with Handlebars inlined (scripts/build-bundle.ts). */
declare const __KM_TEMPLATE_WORKER__: string | undefined

export interface SandboxLimits {
  /** Wall time one render may take. */
  timeoutMs: number
  /** V8 heap the worker may use; past it V8 kills the worker. */
  heapMb: number
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {heapMb: 64, timeoutMs: 250}
/** Starting a worker loads Handlebars; on a busy node that takes far longer than a render may. */
const STARTUP_TIMEOUT_MS = 15_000

/** A template that broke a limit or failed: `reason` is one line for a Warning Event or an error message. */
export class TemplateLimitError extends Error {
  constructor(
    readonly reason: string,
    readonly kind: 'time' | 'memory' | 'size' | 'recursion' | 'error',
  ) {
    super(reason)
    this.name = 'TemplateLimitError'
  }
}

interface Running {
  worker: Worker
  port: MessagePort
  flags: Int32Array
}

let limits: SandboxLimits = DEFAULT_SANDBOX_LIMITS
let running: Running | undefined
let lastId = 0
let workersStarted = 0

/** How many renders the sandbox ran and how many workers it started (each timeout costs one), for tests and benchmarks. */
export function sandboxStats(): {renders: number; workersStarted: number} {
  return {renders: lastId, workersStarted}
}

/** For tests and benchmarks: other limits from now on (the next job starts a worker with them). */
export function setSandboxLimits(next: Partial<SandboxLimits>): void {
  limits = {...limits, ...next}
  stopSandbox()
}

export function sandboxLimits(): SandboxLimits {
  return limits
}

/** Ends the worker (if any); the next render starts a new one. */
export function stopSandbox(): void {
  if (!running) return
  void running.worker.terminate()
  running.port.close()
  running = undefined
}

function workerOptions(port: MessagePort, state: SharedArrayBuffer) {
  return {
    resourceLimits: {maxOldGenerationSizeMb: limits.heapMb, maxYoungGenerationSizeMb: 8, stackSizeMb: 1},
    // The worker needs no stdio, no environment, no command-line arguments of its parent.
    env: {},
    argv: [],
    stdout: true,
    stderr: true,
    transferList: [port],
    workerData: {port, state},
  }
}

let devSource: string | undefined

/**
 * Running from TypeScript sources (tests, `tsx`): workers do not get tsx's loader, so the worker is bundled here
 * with esbuild (which tsx itself depends on), the same way the bundle build does.
 */
function sourceWorker(workerFile: string): string {
  if (devSource === undefined) {
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild')
    const result = esbuild.buildSync({bundle: true, entryPoints: [workerFile], format: 'cjs', platform: 'node', target: 'node20', write: false})
    devSource = result.outputFiles[0].text
  }
  return devSource
}

function startWorker(): Running {
  workersStarted++
  const state = new SharedArrayBuffer(8)
  const flags = new Int32Array(state)
  const {port1, port2} = new MessageChannel()
  const options = workerOptions(port2, state)
  let worker: Worker
  if (typeof __KM_TEMPLATE_WORKER__ === 'string') worker = new Worker(__KM_TEMPLATE_WORKER__, {...options, eval: true})
  else if (import.meta.url.endsWith('.ts')) {
    worker = new Worker(sourceWorker(fileURLToPath(new URL('template-worker.ts', import.meta.url))), {...options, eval: true})
  } else worker = new Worker(new URL('template-worker.js', import.meta.url), options)
  // Without a listener, a worker's error (out of memory) would be rethrown in this thread.
  worker.on('error', () => {})
  worker.unref()
  port1.unref()
  if (Atomics.wait(flags, READY_SLOT, 0, STARTUP_TIMEOUT_MS) === 'timed-out') {
    void worker.terminate()
    throw new TemplateLimitError(`the template sandbox did not start within ${STARTUP_TIMEOUT_MS / 1000}s`, 'error')
  }
  return {flags, port: port1, worker}
}

/** Renders one template within the limits; throws TemplateLimitError with the reason otherwise. */
export function renderSandboxed(format: TemplateFormat, text: string, data: unknown, maxOutputBytes: number): string {
  running ??= startWorker()
  const {flags, port, worker} = running
  const id = ++lastId
  const job: RenderJob = {data, format, id, maxOutputBytes, text}
  port.postMessage(job)
  const deadline = Date.now() + limits.timeoutMs
  // Atomics.wait returns early when the slot holds another id (an answer to a job that timed out before).
  while (Atomics.load(flags, DONE_SLOT) !== id) {
    const left = deadline - Date.now()
    if (left <= 0) break
    Atomics.wait(flags, DONE_SLOT, Atomics.load(flags, DONE_SLOT), left)
  }
  let reply: RenderReply | undefined
  for (let message = receiveMessageOnPort(port); message; message = receiveMessageOnPort(port)) {
    if ((message.message as RenderReply).id === id) reply = message.message as RenderReply
  }
  if (!reply) {
    const died = worker.threadId === -1
    stopSandbox()
    if (died) throw new TemplateLimitError(`rendering ran out of memory (more than ${limits.heapMb} MiB)`, 'memory')
    throw new TemplateLimitError(`rendering took longer than ${limits.timeoutMs} ms and was stopped`, 'time')
  }
  if ('output' in reply) return reply.output
  if (reply.failure === 'size') {
    throw new TemplateLimitError(`renders ${reply.bytes} bytes, more than the ${maxOutputBytes} a ConfigMap holds`, 'size')
  }
  if (reply.failure === 'recursion') throw new TemplateLimitError('the template recurses without end', 'recursion')
  throw new TemplateLimitError(reply.message, 'error')
}
