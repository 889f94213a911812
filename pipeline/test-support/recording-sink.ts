/** A ScanSink for rule unit tests: it records which rule fired on which file and pointer. */
import type { RuleDefinition, ScanSink } from '../scan/types.ts';

export interface Seen {
  rule: string;
  file: string;
  pointer: string | undefined;
}

export function recordingSink(): ScanSink & { seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    finding: (rule: RuleDefinition, file: string, _message: string, extra?: { pointer?: string }) =>
      seen.push({ rule: rule.id, file, pointer: extra?.pointer }),
    capability: () => {},
    dependency: () => {},
  };
}
