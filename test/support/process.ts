import {execFile} from 'node:child_process'

export interface ProcessResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs a program to its end and collects its output; asynchronous, so an in-process API server keeps answering it. */
export function run(file: string, args: string[], options: {env?: NodeJS.ProcessEnv; input?: string; cwd?: string} = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, {cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
      const code = error ? Number((error as {code?: number}).code ?? 1) : 0
      resolve({code: Number.isNaN(code) ? 1 : code, stderr, stdout})
    })
    if (options.input !== undefined) child.stdin?.end(options.input)
  })
}
