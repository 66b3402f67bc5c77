/**
 * HTTP to receivers outside the cluster, which the pass does not trust: every request has a timeout, a response is
 * read only up to a cap, and a redirect is an answer (never followed: it could point the privileged pass anywhere).
 * Credentials in the URL's user info go into an Authorization header (fetch refuses them in the URL) and never
 * into a message.
 */
import {redact} from '../model/notify-config.js'

export const REQUEST_TIMEOUT_MS = 5000
export const MAX_RESPONSE_BYTES = 64 * 1024

export interface HttpAnswer {
  status: number
  /** The body as text, cut at MAX_RESPONSE_BYTES. */
  body: string
}

export class HttpFailure extends Error {
  constructor(
    message: string,
    /** Whether trying again may help (network, timeout, 5xx, 429); a 4xx or a redirect will not change. */
    readonly retryable: boolean,
  ) {
    super(message)
  }
}

export async function request(method: string, url: string, options: {body?: string; headers?: Record<string, string>; timeoutMs?: number} = {}): Promise<HttpAnswer> {
  const target = new URL(url)
  const headers: Record<string, string> = {Accept: 'application/json', 'User-Agent': 'kubectl-maintenance', ...options.headers}
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'
  if (target.username !== '' || target.password !== '') {
    headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`
    target.username = ''
    target.password = ''
  }
  const where = `${method} ${redact(url)}`
  let response: Response
  try {
    response = await fetch(target, {body: options.body, headers, method, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS)})
  } catch (error) {
    const cause = (error as {cause?: {code?: string; message?: string}}).cause
    const why = (error as Error).name === 'TimeoutError' ? `no answer within ${(options.timeoutMs ?? REQUEST_TIMEOUT_MS) / 1000}s` : (cause?.code ?? cause?.message ?? (error as Error).message)
    throw new HttpFailure(`${where}: ${why}`, true)
  }
  const body = await readCapped(response)
  if (response.status >= 300 && response.status < 400) {
    throw new HttpFailure(`${where}: answered ${response.status} (a redirect, not followed); configure the final URL`, false)
  }
  if (response.status >= 400) {
    const retryable = response.status >= 500 || response.status === 429 || response.status === 408
    throw new HttpFailure(`${where}: answered ${response.status}${body.trim() === '' ? '' : `: ${body.trim().slice(0, 200)}`}`, retryable)
  }
  return {body, status: response.status}
}

async function readCapped(response: Response): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < MAX_RESPONSE_BYTES) {
      const {done, value} = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.length
    }
  } catch {
    // A body cut off mid-way is read as far as it came; the status already says how it went.
  } finally {
    await reader.cancel().catch(() => {})
  }
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8')
}
