/** Order statistics for benchmark samples (nearest-rank percentiles: every reported value was observed). */
export interface Summary {
  count: number
  min: number
  median: number
  p95: number
  max: number
  mean: number
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1]
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

export function summarize(values: number[]): Summary {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length
  return {
    count: values.length,
    max: round(Math.max(...values)),
    mean: round(mean),
    median: round(median(values)),
    min: round(Math.min(...values)),
    p95: round(percentile(values, 95)),
  }
}
