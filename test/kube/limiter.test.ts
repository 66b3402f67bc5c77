import {expect} from 'chai'

import {DEFAULT_CONCURRENCY, Limiter} from '../../src/kube/limiter.js'

/** A task that stays in flight until released, recording the order tasks started in. */
class Gate {
  readonly started: string[] = []
  private readonly releases = new Map<string, () => void>()

  task(name: string): () => Promise<string> {
    return () =>
      new Promise<string>((resolve) => {
        this.started.push(name)
        this.releases.set(name, () => resolve(name))
      })
  }

  release(name: string): void {
    this.releases.get(name)!()
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('Limiter: requests in flight, routing before records', () => {
  it('never runs more than its limit at once, and starts the next as soon as a slot frees', async () => {
    const limiter = new Limiter(3)
    let inFlight = 0
    let peak = 0
    const task = async () => {
      inFlight++
      peak = Math.max(peak, inFlight)
      await new Promise((resolve) => setTimeout(resolve, 5))
      inFlight--
    }
    await Promise.all(Array.from({length: 20}, (_unused, index) => limiter.run(index % 3 === 0 ? 'record' : 'routing', task)))
    expect(peak).to.equal(3)
  })

  it('gives records at most half the slots, and a waiting switch the next free slot before any waiting record', async () => {
    const limiter = new Limiter(4)
    const gate = new Gate()
    const done = [
      ...['e1', 'e2', 'e3', 'e4'].map((name) => limiter.run('record', gate.task(name))),
      ...['s1', 's2', 's3'].map((name) => limiter.run('routing', gate.task(name))),
    ]
    await tick()
    expect(gate.started, 'records hold 2 of 4 slots; routing takes the other 2').to.deep.equal(['e1', 'e2', 's1', 's2'])
    gate.release('e1')
    await tick()
    expect(gate.started.at(-1), 'the freed slot goes to the waiting switch').to.equal('s3')
    for (const name of ['e2', 's1', 's2', 's3']) gate.release(name)
    await tick()
    expect(gate.started.slice(5)).to.deep.equal(['e3', 'e4'])
    gate.release('e3')
    gate.release('e4')
    await Promise.all(done)
  })

  it('puts a retry ahead of what waits in its lane, and still behind nothing else: records keep waiting for routing', async () => {
    const limiter = new Limiter(2, 1)
    const gate = new Gate()
    const done = [
      limiter.run('routing', gate.task('s1')),
      limiter.run('routing', gate.task('s2')),
      limiter.run('routing', gate.task('s3')),
      limiter.run('record', gate.task('e1')),
    ]
    await tick()
    done.push(limiter.run('routing', gate.task('s1 again'), true), limiter.run('record', gate.task('e1 again'), true))
    await tick()
    expect(gate.started).to.deep.equal(['s1', 's2'])
    gate.release('s1')
    await tick()
    expect(gate.started.at(-1), 'the retry takes the freed slot before s3, queued earlier').to.equal('s1 again')
    gate.release('s2')
    await tick()
    expect(gate.started.at(-1), 'then the routing that waited').to.equal('s3')
    gate.release('s1 again')
    await tick()
    expect(gate.started.at(-1), 'a record retry goes ahead of the record that waited, once no routing waits').to.equal('e1 again')
    for (const name of ['s3', 'e1 again']) gate.release(name)
    await tick()
    gate.release('e1')
    await Promise.all(done)
  })

  it('releases the slot of a task that fails', async () => {
    const limiter = new Limiter(1)
    await limiter.run('routing', () => Promise.reject(new Error('refused'))).catch(() => undefined)
    expect(await limiter.run('routing', () => Promise.resolve('ran'))).to.equal('ran')
  })

  it('defaults to 32 in flight and refuses a limit that is not a whole number of at least 1', () => {
    expect(new Limiter().limit).to.equal(DEFAULT_CONCURRENCY).and.equal(32)
    expect(() => new Limiter(0)).to.throw('the request limit must be a whole number of at least 1, not 0')
  })
})
