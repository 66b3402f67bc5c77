import {chmodSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

export {type ProcessResult, run} from '../support/process.js'

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

/** A PATH with `directories` first, then what the system needs (sh, node, kubectl). */
export function pathWith(...directories: string[]): string {
  return [...directories, path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(path.delimiter)
}
