/** The machine a result was measured on: numbers without it mean little. */
import {readFileSync} from 'node:fs'
import {availableParallelism} from 'node:os'

export interface Machine {
  nproc: number
  cpuModel: string
  memoryGiB: number
  node: string
  platform: string
  date: string
}

function firstMatch(file: string, pattern: RegExp): string | undefined {
  try {
    return pattern.exec(readFileSync(file, 'utf8'))?.[1]?.trim()
  } catch {
    return undefined
  }
}

export function describeMachine(now = new Date()): Machine {
  const memoryKb = Number(firstMatch('/proc/meminfo', /^MemTotal:\s+(\d+) kB/m) ?? Number.NaN)
  return {
    cpuModel: firstMatch('/proc/cpuinfo', /^model name\s*:(.*)$/m) ?? 'unknown',
    date: now.toISOString(),
    memoryGiB: Math.round((memoryKb / 1024 / 1024) * 10) / 10,
    node: process.version,
    nproc: availableParallelism(),
    platform: `${process.platform} ${process.arch}`,
  }
}
