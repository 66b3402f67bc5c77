import {expect} from 'chai'

import {HttpFailure, MAX_RESPONSE_BYTES, request} from '../../src/notify/http.js'
import {type Receiver, startReceiver} from '../support/receiver.js'

async function failure(promise: Promise<unknown>): Promise<HttpFailure> {
  try {
    await promise
  } catch (error) {
    expect(error).to.be.instanceOf(HttpFailure)
    return error as HttpFailure
  }
  expect.fail('the request should have failed')
}

describe('notify/http: the receiver is not trusted', () => {
  let receiver: Receiver
  afterEach(async () => receiver?.close())

  it('does not follow a redirect (it could point the privileged pass anywhere), and does not retry it', async () => {
    receiver = await startReceiver((request) => (request.path === '/hooks/maintenance' ? {headers: {Location: '/elsewhere'}, status: 302} : undefined))
    const error = await failure(request('POST', receiver.url, {body: '{}'}))
    expect(error.message).to.match(/answered 302 \(a redirect, not followed\)/)
    expect(error.retryable).to.equal(false)
    expect(receiver.received.map((r) => r.path)).to.deep.equal(['/hooks/maintenance'])
  })

  it('reads at most 64 KiB of an answer', async () => {
    receiver = await startReceiver(() => ({body: 'x'.repeat(10 * MAX_RESPONSE_BYTES), status: 200}))
    const answer = await request('POST', receiver.url, {body: '{}'})
    expect(answer.body.length).to.equal(MAX_RESPONSE_BYTES)
  })

  it('gives up on a receiver that does not answer in time, as a failure worth retrying', async () => {
    receiver = await startReceiver(() => ({delayMs: 2000, status: 200}))
    const error = await failure(request('POST', receiver.url, {body: '{}', timeoutMs: 200}))
    expect(error.message).to.match(/no answer within 0\.2s/)
    expect(error.retryable).to.equal(true)
  })

  it('sends user info as Basic authorization, never in a message', async () => {
    receiver = await startReceiver(() => ({body: 'nope', status: 401}))
    const url = receiver.url.replace('http://', 'http://hook:s3cret@') + '?token=abc'
    const error = await failure(request('POST', url, {body: '{}'}))
    expect(receiver.received[0].headers.authorization).to.equal(`Basic ${Buffer.from('hook:s3cret').toString('base64')}`)
    expect(receiver.received[0].path).to.equal('/hooks/maintenance?token=abc')
    expect(error.message).to.not.match(/s3cret|token=abc/)
    expect(error.message).to.match(/answered 401: nope/)
    expect(error.retryable).to.equal(false)
  })

  it('a refused connection is a failure worth retrying', async () => {
    receiver = await startReceiver()
    const url = receiver.url
    await receiver.close()
    const error = await failure(request('POST', url, {body: '{}'}))
    expect(error.retryable).to.equal(true)
    expect(error.message).to.match(/ECONNREFUSED/)
  })
})
