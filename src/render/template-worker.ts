/**
 * The template sandbox's worker thread: renders one job at a time and answers on the port it was given, then wakes
 * the waiting main thread through the shared state (see template-sandbox.ts for the protocol).
 */
import {type MessagePort, workerData} from 'node:worker_threads'

import {DONE_SLOT, READY_SLOT, type RenderJob, type RenderReply} from './template-protocol.js'
import {runTemplate} from './template-runtime.js'

const {port, state} = workerData as {port: MessagePort; state: SharedArrayBuffer}
const flags = new Int32Array(state)

function render(job: RenderJob): RenderReply {
  try {
    const output = runTemplate(job.format, job.text, job.data)
    const bytes = Buffer.byteLength(output, 'utf8')
    if (bytes > job.maxOutputBytes) return {bytes, failure: 'size', id: job.id, message: `renders ${bytes} bytes`}
    return {id: job.id, output}
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return {failure: error instanceof RangeError ? 'recursion' : 'error', id: job.id, message}
  }
}

port.on('message', (job: RenderJob) => {
  port.postMessage(render(job))
  Atomics.store(flags, DONE_SLOT, job.id)
  Atomics.notify(flags, DONE_SLOT)
})

Atomics.store(flags, READY_SLOT, 1)
Atomics.notify(flags, READY_SLOT)
