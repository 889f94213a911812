/**
 * The one shape of a reported problem. Every check, schema or semantic, produces these;
 * tests assert `code` and `path`, never the wording.
 */
import type { Issue } from './schema-types.gen.ts';

export type { Issue };
export type Severity = Issue['severity'];

/** A problem found inside one document, before we know which file it came from. */
export interface Finding {
  code: string;
  path: string;
  message: string;
  severity?: Severity;
  /** Known position, for findings that have no JSON pointer (syntax errors). */
  line?: number;
  column?: number;
}

export function toIssue(file: string, finding: Finding): Issue {
  const { code, path, message, severity = 'error', line, column } = finding;
  return { code, severity, file, path, ...(line ? { line, column } : {}), message };
}

export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

/** Stable order: by file, then line, then path, so output and snapshots do not depend on I/O order. */
export function sortIssues(issues: Issue[]): Issue[] {
  return issues.sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.path.localeCompare(b.path) ||
      a.code.localeCompare(b.code),
  );
}

/** RFC 6901 JSON pointer from path segments. */
export function pointer(...segments: (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

export function parsePointer(path: string): string[] {
  if (path === '') return [];
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}
