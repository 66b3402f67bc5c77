import {seededRandom} from '../random.js'

/**
 * Fault injection: failing request numbers, a seeded random rate of failures, latency (fixed plus seeded jitter, to
 * model a managed control plane), API Priority and Fairness rejections on a seeded share of requests, and RBAC denials.
 */
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

interface Failing extends Denial {
  status: number
}

export interface FaultDecision {
  status?: number
  /** Rejected by API Priority and Fairness: answer 429 with this Retry-After, as kube-apiserver does. */
  throttledSeconds?: number
  delayMs: number
}

export interface LatencyOptions {
  /** Added to the fixed latency: uniform in [0, jitterMs), from a generator seeded with `seed`. */
  jitterMs?: number
  seed?: number
}

export interface ThrottleOptions {
  /** Share of requests rejected, 0 to 1. */
  rate: number
  seed: number
  /** kube-apiserver always answers 1. */
  retryAfterSeconds?: number
}


export class Faults {
  private counted = 0
  private failAfterCount?: number
  private failAfterStatus = 500
  private failNumbers = new Map<number, number>()
  private random?: {rate: number; next: () => number; statuses: number[]}
  private latencyMs = 0
  private jitter?: {ms: number; next: () => number}
  private throttling?: {rate: number; next: () => number; retryAfterSeconds: number}
  private denials: Denial[] = []
  private failing: Failing[] = []
  private throttledRules: Array<Denial & {remaining: number; retryAfterSeconds: number}> = []

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

  latency(ms: number, options: LatencyOptions = {}): void {
    this.latencyMs = ms
    this.jitter = options.jitterMs ? {ms: options.jitterMs, next: seededRandom(options.seed ?? 1)} : undefined
  }

  throttle(options: ThrottleOptions): void {
    if (!(options.rate >= 0 && options.rate <= 1)) throw new Error(`faults.throttle: rate must be between 0 and 1, not ${options.rate}`)
    this.throttling = {next: seededRandom(options.seed), rate: options.rate, retryAfterSeconds: options.retryAfterSeconds ?? 1}
  }

  deny(verb: string, resource: string, namespace?: string): void {
    this.denials.push({verb, resource, namespace})
  }

  /** Answers every matching request with `status` (a 503 for one resource: a struggling storage or webhook). */
  failFor(status: number, verb: string, resource: string, namespace?: string): void {
    this.failing.push({namespace, resource, status, verb})
  }

  /**
   * API Priority and Fairness rejecting the matching requests (429 with Retry-After, before authorization, as a
   * FlowSchema matching them sends them to a saturated priority level), the first `times` of them (default: every one).
   */
  throttleFor(verb: string, resource: string, options: {namespace?: string; times?: number; retryAfterSeconds?: number} = {}): void {
    this.throttledRules.push({namespace: options.namespace, remaining: options.times ?? Number.POSITIVE_INFINITY, resource, retryAfterSeconds: options.retryAfterSeconds ?? 1, verb})
  }

  /** The Retry-After (seconds) of a request a throttleFor() rule rejects, counting it; undefined: not rejected. */
  throttledFor(request: RequestIdentity): number | undefined {
    const rule = this.throttledRules.find((candidate) => candidate.remaining > 0 && matches(candidate, request))
    if (!rule) return undefined
    rule.remaining--
    return rule.retryAfterSeconds
  }

  clear(): void {
    this.counted = 0
    this.failAfterCount = undefined
    this.failNumbers = new Map()
    this.random = undefined
    this.latencyMs = 0
    this.jitter = undefined
    this.throttling = undefined
    this.denials = []
    this.failing = []
    this.throttledRules = []
  }

  isDenied(request: RequestIdentity): boolean {
    return this.denials.some((denial) => matches(denial, request))
  }

  failureFor(request: RequestIdentity): number | undefined {
    return this.failing.find((failing) => matches(failing, request))?.status
  }

  /** Counts one request and says whether it fails, and with which status. */
  next(): FaultDecision {
    this.counted++
    const decision: FaultDecision = {delayMs: this.latencyMs + (this.jitter ? Math.floor(this.jitter.next() * this.jitter.ms) : 0)}
    if (this.throttling && this.throttling.next() < this.throttling.rate) {
      decision.throttledSeconds = this.throttling.retryAfterSeconds
      return decision
    }
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

function matches(rule: Denial, request: RequestIdentity): boolean {
  return (
    (rule.verb === '*' || rule.verb === request.verb) &&
    (rule.resource === '*' || rule.resource === request.resource) &&
    (rule.namespace === undefined || rule.namespace === request.namespace)
  )
}
