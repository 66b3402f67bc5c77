import {accessSync, constants} from 'node:fs'
import path from 'node:path'

/** A binary on PATH, or in the sbin folders Debian puts daemons in (not on a non-root PATH). */
export function findBinary(name: string, extraDirs: string[] = ['/usr/sbin', '/usr/local/sbin', '/sbin']): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...extraDirs]) {
    const candidate = path.join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/**
 * For suites that need a real program: a missing one fails the suite with how to install it, unless
 * SKIP_SYSTEM_TESTS=1 says this machine is known to lack it; then the suite is skipped with the reason logged.
 */
export function requireSystemBinary(context: Mocha.Context, binary: string | undefined, missing: string): string {
  if (binary) return binary
  if (process.env.SKIP_SYSTEM_TESTS === '1') {
    console.log(`      skipped (SKIP_SYSTEM_TESTS=1): ${missing}`)
    context.skip()
  }
  throw new Error(missing)
}
