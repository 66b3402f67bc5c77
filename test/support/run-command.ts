import {Config} from '@oclif/core'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export interface CommandResult {
  stdout: string
  stderr: string
  exitCode: number
}

let config: Promise<Config> | undefined

/**
 * The streams' own writers, put back after every command: a command still running when mocha gave up on its test (a
 * timeout) may end during another one, and putting back what it found would leave stdout captured for good, mocha's
 * report included.
 */
const STDOUT_WRITE = process.stdout.write.bind(process.stdout)
const STDERR_WRITE = process.stderr.write.bind(process.stderr)

/** Finds the command file for argv the way users type it (`page create x` -> src/commands/page/create.ts). */
function resolveCommand(argv: string[]): {file: string; rest: string[]} {
  for (let words = Math.min(argv.length, 3); words > 0; words--) {
    const file = path.join(PROJECT_ROOT, 'src', 'commands', ...argv.slice(0, words)) + '.ts'
    if (existsSync(file)) return {file, rest: argv.slice(words)}
  }
  throw new Error(`no command file for: ${argv.join(' ')}`)
}

/**
 * Runs a command in-process from src/ (no build), capturing what it writes and its exit code as oclif's
 * entry point would set it. Commands resolve like the installed CLI does, with spaces between topic and command.
 */
export async function runCommand(argv: string[], options: {env?: Record<string, string | undefined>} = {}): Promise<CommandResult> {
  config ??= Config.load({root: PROJECT_ROOT})
  const loaded = await config
  const {file, rest} = resolveCommand(argv)
  const command = (await import(file)) as {default: {run(argv: string[], config: Config): Promise<unknown>}}

  const out: string[] = []
  const err: string[] = []
  const savedEnv: Record<string, string | undefined> = {}
  for (const [key, value] of Object.entries(options.env ?? {})) {
    savedEnv[key] = process.env[key]
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(chunk.toString())
    return true
  }) as typeof process.stdout.write
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(chunk.toString())
    return true
  }) as typeof process.stderr.write

  let exitCode = 0
  try {
    await command.default.run(rest, loaded)
  } catch (error) {
    const failure = error as {oclif?: {exit?: number}; message?: string; code?: string}
    exitCode = failure.oclif?.exit ?? 1
    if (failure.code !== 'EEXIT' && failure.message) err.push(`Error: ${failure.message}\n`)
  } finally {
    process.stdout.write = STDOUT_WRITE
    process.stderr.write = STDERR_WRITE
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
  return {exitCode, stderr: err.join(''), stdout: out.join('')}
}
