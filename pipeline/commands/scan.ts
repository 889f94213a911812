/**
 * `catalog scan <file.mcpb|https-url> [--json] [--trust cert.pem]... [--osv-url URL] [--offline]`
 *
 * Exit codes: 0 pass, 1 reject, 3 review (needs a maintainer), 2 the scan could not run.
 */
import { join } from 'node:path';
import { loadTrustedCertificates } from '../adapters/mcpb-signature-file.ts';
import { createOsvClient } from '../adapters/osv.ts';
import type { ScanReport, Verdict } from '../core/schema-types.gen.ts';
import { scanBundleFile } from '../scan/scan-file.ts';
import { UsageError, type CommandResult } from './args.ts';

export const EXIT_CODES: Record<Verdict, number> = { pass: 0, reject: 1, review: 3 };

export interface ScanOptions {
  target: string;
  json: boolean;
  /** PEM files of trusted publisher certificates (`--trust` and the config's `trustedPublishers`). */
  trust: string[];
  osvUrl?: string;
  offline: boolean;
  /** Where downloaded bundles are cached by sha256. */
  cacheDir: string;
}

export async function scanCommand(options: ScanOptions): Promise<CommandResult> {
  if (!options.target) throw new UsageError('scan takes one .mcpb file or https:// URL.');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(options.target) && !options.target.startsWith('https://')) {
    throw new UsageError(`scan fetches https:// URLs only, not ${options.target}.`);
  }
  let path = options.target;
  if (path.startsWith('https://')) {
    // Loaded only for URLs: node:https costs a local scan about 15 ms of start-up.
    const { fetchArtifact } = await import('../adapters/artifact-fetch.ts');
    path = (await fetchArtifact(path, undefined, { cacheDir: join(options.cacheDir, 'artifacts') })).path;
  }
  const report = await scanBundleFile(path, {
    osv: options.offline ? undefined : createOsvClient(options.osvUrl ? { baseUrl: options.osvUrl } : {}),
    trusted: await loadTrustedCertificates(options.trust),
  });
  return {
    stdout: options.json ? JSON.stringify(report, null, 2) : formatReport(report),
    exitCode: EXIT_CODES[report.verdict],
  };
}

/** Text from the bundle reaches a terminal: control characters are shown, never interpreted. */
const printable = (text: string) =>
  text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

function formatReport(report: ScanReport): string {
  const name = report.manifest ? `${report.manifest.name} ${report.manifest.version}` : '(no readable manifest)';
  const lines = [
    `${report.verdict.toUpperCase()}  ${printable(name)}  sha256:${report.sha256}  ${report.size} bytes`,
    `rule set ${report.ruleset.name} ${report.ruleset.version}; ${report.stats?.entries ?? 0} entries, ${report.dependencies.length} dependencies, ${report.tools.length} tools`,
  ];
  for (const origin of ['own', 'dependencies'] as const) {
    const uses = report.capabilities[origin];
    if (uses.length)
      lines.push(`capabilities (${origin}): ${uses.map((u) => `${u.capability} ×${u.count}`).join(', ')}`);
  }
  if (report.signature) {
    const s = report.signature;
    lines.push(
      `signature: ${!s.signed ? 'unsigned' : !s.valid ? 'INVALID' : s.trusted ? 'valid, trusted' : 'valid, not trusted'}`,
    );
  }
  for (const finding of report.findings) {
    const where = finding.file ? `${printable(finding.file)}${finding.pointer ? `#${finding.pointer}` : ''}: ` : '';
    lines.push(`  ${finding.severity.padEnd(6)} ${finding.rule}  ${where}${printable(finding.message)}`);
  }
  return lines.join('\n');
}
