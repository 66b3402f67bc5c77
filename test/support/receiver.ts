/**
 * A real local HTTP receiver for webhook notifications: records every request (method, headers, JSON body) and
 * answers as told: 200, a failure for the first N requests, a redirect, a slow or oversized answer.
 */
import http from 'node:http'
import type {AddressInfo} from 'node:net'

export interface Received {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  body: unknown
}

export type Answer = (request: Received, index: number) => {status: number; body?: string; headers?: Record<string, string>; delayMs?: number} | undefined

export interface Receiver {
  url: string
  received: Received[]
  /** Called with each request just before it is answered (a test kills the pass there: after the request, before the pass hears back). */
  onAnswered?: (request: Received, index: number) => void
  answer: Answer
  close(): Promise<void>
}

export async function startReceiver(answer: Answer = () => undefined): Promise<Receiver> {
  const receiver: Receiver = {answer, close: async () => {}, received: [], url: ''}
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {
        // Kept as text: the test says what it expected.
      }
      const received: Received = {body, headers: request.headers, method: request.method ?? '', path: request.url ?? ''}
      const index = receiver.received.push(received) - 1
      const planned = receiver.answer(received, index) ?? {status: 200, body: 'ok'}
      const reply = () => {
        receiver.onAnswered?.(received, index)
        response.writeHead(planned.status, {'Content-Type': 'text/plain', ...planned.headers})
        response.end(planned.body ?? '')
      }
      if (planned.delayMs) setTimeout(reply, planned.delayMs)
      else reply()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const {port} = server.address() as AddressInfo
  receiver.url = `http://127.0.0.1:${port}/hooks/maintenance`
  receiver.close = async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return receiver
}

/** POSTs by idempotency key, in the order first seen. */
export function postsByKey(receiver: Receiver): Map<string, number> {
  const counts = new Map<string, number>()
  for (const request of receiver.received) {
    if (request.method !== 'POST') continue
    const key = String(request.headers['idempotency-key'])
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}
