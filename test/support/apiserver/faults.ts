import {seededRandom} from '../random.js'

/** Fault injection: failing request numbers, a seeded random rate of failures, latency, and RBAC denials. */
export interface RequestIdentity {
  verb: string
  resource?: string
  namespace?: string
}

interface Denial {
  verb: string
  resource: string
  namespace?: string
}

export interface FaultDecision {
  status?: number
  delayMs: number
}


export class Faults {
  private counted = 0
  private failAfterCount?: number
  private failAfterStatus = 500
  private failNumbers = new Map<number, number>()
  private random?: {rate: number; next: () => number; statuses: number[]}
  private latencyMs = 0
  private denials: Denial[] = []

  failAfter(n: number, status = 500): void {
    this.counted = 0
    this.failAfterCount = n
    this.failAfterStatus = status
  }

  failRequests(numbers: number[], status = 500): void {
    this.counted = 0
    this.failNumbers = new Map(numbers.map((number) => [number, status]))
  }

  randomly(options: {rate: number; seed: number; statuses: number[]}): void {
    if (options.statuses.length === 0) throw new Error('faults.randomly needs at least one status')
    this.random = {rate: options.rate, next: seededRandom(options.seed), statuses: options.statuses}
  }

  latency(ms: number): void {
    this.latencyMs = ms
  }

  deny(verb: string, resource: string, namespace?: string): void {
    this.denials.push({verb, resource, namespace})
  }

  clear(): void {
    this.counted = 0
    this.failAfterCount = undefined
    this.failNumbers = new Map()
    this.random = undefined
    this.latencyMs = 0
    this.denials = []
  }

  isDenied(request: RequestIdentity): boolean {
    return this.denials.some(
      (denial) =>
        (denial.verb === '*' || denial.verb === request.verb) &&
        (denial.resource === '*' || denial.resource === request.resource) &&
        (denial.namespace === undefined || denial.namespace === request.namespace),
    )
  }

  /** Counts one request and says whether it fails, and with which status. */
  next(): FaultDecision {
    this.counted++
    const decision: FaultDecision = {delayMs: this.latencyMs}
    if (this.failAfterCount !== undefined && this.counted > this.failAfterCount) decision.status = this.failAfterStatus
    else if (this.failNumbers.has(this.counted)) decision.status = this.failNumbers.get(this.counted)
    else if (this.random) {
      const roll = this.random.next()
      const pick = this.random.next()
      if (roll < this.random.rate) decision.status = this.random.statuses[Math.floor(pick * this.random.statuses.length)]
    }
    return decision
  }
}
