import {execFile} from 'node:child_process'
import {chmodSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

export interface ProcessResult {
  code: number
  stdout: string
  stderr: string
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`
}

/** A fresh directory holding an executable `name` that runs `command` with the arguments it is given. */
export function executableDir(name: string, command: string[]): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'km-path-'))
  const file = path.join(directory, name)
  writeFileSync(file, `#!/bin/sh\nexec ${command.map(shellQuote).join(' ')} "$@"\n`)
  chmodSync(file, 0o755)
  return directory
}

export function run(file: string, args: string[], options: {env?: NodeJS.ProcessEnv; input?: string; cwd?: string} = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, {cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
      const code = error ? Number((error as {code?: number}).code ?? 1) : 0
      resolve({code: Number.isNaN(code) ? 1 : code, stderr, stdout})
    })
    if (options.input !== undefined) child.stdin?.end(options.input)
  })
}

/** A PATH with `directories` first, then what the system needs (sh, node, kubectl). */
export function pathWith(...directories: string[]): string {
  return [...directories, path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(path.delimiter)
}
