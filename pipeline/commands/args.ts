/** What every command returns, and the error for a bad command line (exit code 2). */
export interface CommandResult {
  stdout: string;
  exitCode: number;
}

export class UsageError extends Error {
  override name = 'UsageError';
}
