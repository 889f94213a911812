/**
 * The ScanSink that every rule family reports into during one scan, and the pure step that turns
 * what it collected into the report's findings, capabilities and verdict.
 */
import type {
  Capabilities,
  Capability,
  CapabilityUse,
  CodeOrigin,
  Dependency,
  FindingSeverity,
  ScanFinding,
  Verdict,
} from '../core/schema-types.gen.ts';
import type { RuleDefinition, ScanSink } from './types.ts';

const SEVERITY_ORDER: Record<FindingSeverity, number> = { reject: 0, review: 1, info: 2 };
const FILES_PER_CAPABILITY = 10;

export class ScanCollector implements ScanSink {
  readonly findings: ScanFinding[] = [];
  readonly dependencies: Dependency[] = [];
  readonly #capabilities: Record<CodeOrigin, Map<Capability, Set<string>>> = { own: new Map(), dependency: new Map() };

  finding(
    rule: RuleDefinition,
    file: string,
    message: string,
    extra: { origin?: CodeOrigin; pointer?: string } = {},
  ): void {
    const severity = extra.origin === 'dependency' ? (rule.dependencySeverity ?? rule.severity) : rule.severity;
    this.findings.push({
      rule: rule.id,
      severity,
      file,
      ...(extra.pointer !== undefined ? { pointer: extra.pointer } : {}),
      ...(extra.origin ? { origin: extra.origin } : {}),
      message,
    });
  }

  capability(capability: Capability, origin: CodeOrigin, file: string): void {
    const byCapability = this.#capabilities[origin];
    let files = byCapability.get(capability);
    if (!files) byCapability.set(capability, (files = new Set()));
    files.add(file);
  }

  dependency(dependency: Dependency): void {
    this.dependencies.push(dependency);
  }

  capabilities(): Capabilities {
    const list = (byCapability: Map<Capability, Set<string>>): CapabilityUse[] =>
      [...byCapability]
        .map(([capability, files]) => ({
          capability,
          count: files.size,
          files: [...files].sort().slice(0, FILES_PER_CAPABILITY),
        }))
        .sort((a, b) => a.capability.localeCompare(b.capability));
    return { own: list(this.#capabilities.own), dependencies: list(this.#capabilities.dependency) };
  }

  /** Findings in a stable order: most severe first, then by rule, file and pointer. */
  sortedFindings(): ScanFinding[] {
    return [...this.findings].sort(
      (a, b) =>
        SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
        a.rule.localeCompare(b.rule) ||
        a.file.localeCompare(b.file) ||
        (a.pointer ?? '').localeCompare(b.pointer ?? ''),
    );
  }
}

/** Any `reject` finding rejects; any `review` finding needs a maintainer; `info` never blocks. */
export function verdictOf(findings: readonly Pick<ScanFinding, 'severity'>[]): Verdict {
  if (findings.some((f) => f.severity === 'reject')) return 'reject';
  if (findings.some((f) => f.severity === 'review')) return 'review';
  return 'pass';
}
