/** The input was wrong: exit 2, nothing written. The message says what is wrong and what would be right. */
export class UserError extends Error {
  readonly exitCode = 2
  constructor(message: string) {
    super(message)
    this.name = 'UserError'
  }
}

/** The cluster failed: exit 1, with the API's reason. */
export class ClusterError extends Error {
  readonly exitCode = 1
  constructor(
    message: string,
    readonly status?: number,
    readonly reason?: string,
  ) {
    super(message)
    this.name = 'ClusterError'
  }
}

/**
 * Several failures at once, as kubectl prints an aggregate error: the summary, then each failure, every one on its own
 * line, which the CLI prints as its own `error: ...` line (src/cli/errors.ts).
 */
export function eachOnItsLine(summary: string, failures: string[]): string {
  return [summary, ...failures.map((failure) => failure.replaceAll(/\s*\n\s*/g, ' '))].join('\n')
}
