/**
 * `npx tsx bench/burst-profile.ts [latencyMs jitterMs throttleRate] [--out DIR]`: the burst of (f) once, with the
 * in-process API server (this process) under the V8 CPU profiler during the measured pass only. Writes DIR/burst.cpuprofile
 * (open it in Chrome DevTools), DIR/requests.json (the pass's request log) and prints the API server's CPU time per
 * request and the functions that took it. A tool for finding where the server's time goes, not part of `npm run bench`.
 */
import {mkdirSync, writeFileSync} from 'node:fs'
import {Session} from 'node:inspector/promises'
import {loadavg} from 'node:os'
import path from 'node:path'

import {measureBurst} from './burst.js'

interface ProfileNode {
  id: number
  callFrame: {functionName: string; url: string; lineNumber: number}
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

const args = process.argv.slice(2)
const outIndex = args.indexOf('--out')
const outDir = outIndex >= 0 ? args.splice(outIndex, 2)[1] : '/tmp/burst-profile'
const [latencyMs = 0, jitterMs = 0, throttleRate = 0] = args.map(Number)
mkdirSync(outDir, {recursive: true})

const session = new Session()
session.connect()
let cpuAtStart = process.cpuUsage()
let wallAtStart = 0

const run = await measureBurst((line) => process.stdout.write(`${line}\n`), {
  aroundPass: {
    async after(server) {
      const cpu = process.cpuUsage(cpuAtStart)
      const wallMs = Date.now() - wallAtStart
      const {profile} = (await session.post('Profiler.stop')) as {profile: Profile}
      writeFileSync(path.join(outDir, 'burst.cpuprofile'), JSON.stringify(profile))
      const requests = server.requests
      writeFileSync(path.join(outDir, 'requests.json'), JSON.stringify(requests))
      const cpuMs = (cpu.user + cpu.system) / 1000
      const answered = requests.length
      process.stdout.write(
        `measured pass: ${answered} requests in ${wallMs} ms; API server process CPU ${cpuMs.toFixed(0)} ms (user ${(cpu.user / 1000).toFixed(0)}, system ${(cpu.system / 1000).toFixed(0)}), ` +
          `${(cpuMs / answered).toFixed(3)} ms a request; load average ${loadavg().map((value) => value.toFixed(2)).join(' ')}\n`,
      )
      printTop(profile)
    },
    async before() {
      await session.post('Profiler.enable')
      await session.post('Profiler.setSamplingInterval', {interval: 200})
      await session.post('Profiler.start')
      cpuAtStart = process.cpuUsage()
      wallAtStart = Date.now()
    },
  },
  jitterMs,
  latencyMs,
  seed: 19,
  throttleRate,
})
process.stdout.write(`switch last ${run.start.latenessMs.max} ms, median ${run.start.latenessMs.median} ms; restore last ${run.end.latenessMs.max} ms, median ${run.end.latenessMs.median} ms\n`)
session.disconnect()

/** Self time by function and, inclusive, by source file of the API server. */
function printTop(profile: Profile): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const self = new Map<number, number>()
  profile.samples.forEach((id, index) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)))
  const total = [...self.values()].reduce((sum, value) => sum + value, 0)
  const idle = [...self].filter(([id]) => ['(idle)', '(program)'].includes(byId.get(id)!.callFrame.functionName)).reduce((sum, [, value]) => sum + value, 0)
  const name = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*\/(wt-[^/]+|node_modules)\//, '')}:${node.callFrame.lineNumber + 1}`
  const selfByName = new Map<string, number>()
  const inclusiveByFile = new Map<string, number>()
  for (const [id, micros] of self) {
    selfByName.set(name(byId.get(id)!), (selfByName.get(name(byId.get(id)!)) ?? 0) + micros)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const file = byId.get(at)!.callFrame.url.replace(/^.*\/(wt-[^/]+|node_modules)\//, '')
      const fn = `${file}#${byId.get(at)!.callFrame.functionName}`
      if (!seen.has(fn)) inclusiveByFile.set(fn, (inclusiveByFile.get(fn) ?? 0) + micros)
      seen.add(fn)
    }
  }
  process.stdout.write(`profile: ${(total / 1000).toFixed(0)} ms sampled, of which idle/program ${(idle / 1000).toFixed(0)} ms\n`)
  process.stdout.write('self time, top 40:\n')
  for (const [fn, micros] of [...selfByName].sort((a, b) => b[1] - a[1]).slice(0, 40)) process.stdout.write(`  ${(micros / 1000).toFixed(1).padStart(8)} ms  ${fn}\n`)
  process.stdout.write('inclusive time of functions of test/support, top 40:\n')
  for (const [fn, micros] of [...inclusiveByFile].filter(([fn]) => fn.includes('test/support') || fn.includes('node:')).sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    process.stdout.write(`  ${(micros / 1000).toFixed(1).padStart(8)} ms  ${fn}\n`)
  }
}
