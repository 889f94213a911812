/**
 * Every way the installer stops, as a stable kebab-case code (printed in `--json` output and
 * asserted by the tests) with its exit code. Messages say what to do; `file` and `field` name
 * where the problem is.
 */

/** Exit codes, documented in `--help` and installer/README.md. */
export const EXIT = {
  ok: 0,
  /** A check failed: integrity, freshness, policy, compatibility, a client config we must not touch. */
  refused: 1,
  /** Bad command line, or a value the user must give is missing or invalid. */
  usage: 2,
  /** The policy needs an approval first; the request link is printed. */
  needsApproval: 3,
  /** The installer could not do its work (network, file system). */
  failed: 4,
  /** doctor: at least one server is unhealthy or its tools changed. */
  unhealthy: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const USAGE_CODES = new Set([
  'usage',
  'unknown-command',
  'missing-value',
  'invalid-value',
  'index-required',
  'not-installed',
  'server-not-found',
]);
const FAILED_CODES = new Set(['download-failed', 'index-unreachable', 'io', 'registry-unreachable', 'internal']);

export class InstallerError extends Error {
  override name = 'InstallerError';
  readonly code: string;
  readonly file: string | undefined;
  readonly field: string | undefined;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  constructor(
    code: string,
    message: string,
    options: { file?: string; field?: string; hint?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.file = options.file;
    this.field = options.field;
    this.hint = options.hint;
    this.details = options.details;
  }

  get exitCode(): ExitCode {
    if (this.code === 'approval-required') return EXIT.needsApproval;
    if (USAGE_CODES.has(this.code)) return EXIT.usage;
    if (FAILED_CODES.has(this.code)) return EXIT.failed;
    return EXIT.refused;
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.file !== undefined) out.file = this.file;
    if (this.field !== undefined) out.field = this.field;
    if (this.hint !== undefined) out.hint = this.hint;
    if (this.details !== undefined) Object.assign(out, this.details);
    return out;
  }
}

/** Several problems found together (collected, not stopping at the first). */
export class InstallerErrors extends InstallerError {
  readonly problems: InstallerError[];
  constructor(problems: InstallerError[]) {
    super(problems[0]!.code, problems.map((p) => p.message).join('\n'), {
      ...(problems[0]!.file !== undefined ? { file: problems[0]!.file } : {}),
    });
    this.problems = problems;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), problems: this.problems.map((p) => p.toJSON()) };
  }
}
