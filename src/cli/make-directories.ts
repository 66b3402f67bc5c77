import {mkdirSync, statSync} from 'node:fs'
import path from 'node:path'

/**
 * `mkdir -p`, one level at a time. Node's `mkdirSync(dir, {recursive: true})` never returns when mkdir(2) answers
 * ENOENT for a directory whose parent exists, as procfs and sysfs do (`preview --out /proc/x` hung): here each level
 * is tried once, and the first error other than "exists" is thrown as mkdir(2) gave it, with that level's path.
 */
export function makeDirectories(dir: string): void {
  const levels: string[] = []
  for (let level = path.resolve(dir); ; level = path.dirname(level)) {
    levels.unshift(level)
    if (path.dirname(level) === level) break
  }
  for (const level of levels) {
    try {
      mkdirSync(level)
    } catch (error) {
      // A file at a level makes the next level fail with ENOTDIR, as mkdir -p says; only the last level is checked here.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
  const last = levels.at(-1) as string
  if (!statSync(last).isDirectory()) throw Object.assign(new Error(`EEXIST: file already exists, mkdir '${last}'`), {code: 'EEXIST', path: last, syscall: 'mkdir'})
}
