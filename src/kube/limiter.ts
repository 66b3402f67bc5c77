/**
 * Bounds the requests one process has in flight to the API server, in two lanes: `routing` (reads and the writes that
 * switch and restore targets) and `record` (phases, Events and the schedule feed). A waiting routing request always goes first, and
 * records never hold more than their share of the slots, so a slow or stalled Event can never keep a switch waiting.
 */
export type Lane = 'record' | 'routing'

/**
 * 32 in flight: a burst of 500 switches at 20 ms a request (a managed control plane) takes 500 / 32 x 20 ms = 0.3 s,
 * inside the second it is due. kube-apiserver's API Priority and Fairness gives the `workload-low` priority level,
 * where service accounts land, 100 of the 245 default concurrency shares of its 600 seats (about 245); 32 is an
 * eighth of that, and APF queues rather than fails what a flow sends beyond its fair share. Half the slots at most
 * go to records, so the routing lane always keeps 16. A request rejected with 429 gives its slot back while it waits
 * its Retry-After (KubeClient.request), so under APF rejections the slots still go to requests the server will serve,
 * and when the wait is over it takes the next free slot of its lane, ahead of what queued meanwhile.
 */
export const DEFAULT_CONCURRENCY = 32

export class Limiter {
  private inFlight = 0
  private recordsInFlight = 0
  private readonly waiting: Record<Lane, Array<() => void>> = {record: [], routing: []}

  constructor(
    readonly limit: number = DEFAULT_CONCURRENCY,
    readonly recordLimit: number = Math.max(1, Math.floor(limit / 2)),
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`the request limit must be a whole number of at least 1, not ${limit}`)
  }

  /**
   * Runs `task` once a slot of `lane` is free; the slot is held until the task settles. `first` puts it ahead of what
   * already waits in its lane: a retry has waited its Retry-After once, and must not wait again behind every request
   * queued meanwhile (a switch rejected with 429 would land a whole queue later than the 1 s APF asked for).
   */
  async run<T>(lane: Lane, task: () => Promise<T>, first = false): Promise<T> {
    await this.acquire(lane, first)
    try {
      return await task()
    } finally {
      this.release(lane)
    }
  }

  private acquire(lane: Lane, first: boolean): Promise<void> {
    if ((first || this.waiting[lane].length === 0) && this.fits(lane)) {
      this.take(lane)
      return Promise.resolve()
    }
    return new Promise((resolve) => (first ? this.waiting[lane].unshift(resolve) : this.waiting[lane].push(resolve)))
  }

  private fits(lane: Lane): boolean {
    return this.inFlight < this.limit && (lane === 'routing' || this.recordsInFlight < this.recordLimit)
  }

  private take(lane: Lane): void {
    this.inFlight++
    if (lane === 'record') this.recordsInFlight++
  }

  private release(lane: Lane): void {
    this.inFlight--
    if (lane === 'record') this.recordsInFlight--
    for (const next of ['routing', 'record'] as const) {
      while (this.waiting[next].length > 0 && this.fits(next)) {
        this.take(next)
        this.waiting[next].shift()!()
      }
    }
  }
}
