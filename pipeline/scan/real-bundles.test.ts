/**
 * The scanner on real bundles, built by `npm run bundles:build` with the real `mcpb pack` from
 * published MCP servers (bundles/README.md), and signed with the real `mcpb sign` and a throwaway
 * CA chain. False positives matter: each popular server must come out `pass` or `review`, and the
 * exact findings are recorded in bundles/sources/<name>/expected-scan.json so that any new one is
 * looked at by a person before it lands; each review finding carries the reason a maintainer
 * would agree with it.
 *
 * The default set is built (and so tested) always; the rest of the corpus (`corpus: "full"`) is
 * tested once `npm run bundles:build -- --all` has built it, as the benchmark and the corpus CI
 * job do.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyMcpbFile } from '../adapters/mcpb-signature-file.ts';
import { createOsvClient } from '../adapters/osv.ts';
import { REPO_ROOT } from '../core/schema-files.ts';
import { existsSync } from 'node:fs';
import { buildBundle, bundlePath, isFullCorpusOnly, SOURCES_DIR, sourceNames } from '../../scripts/build-bundles.ts';
import { createTestPki, mcpbSign, type TestPki } from '../test-support/certs.ts';
import { readJson, tempDir } from '../test-support/fixtures.ts';
import { startOsvServer, type OsvTestServer } from '../test-support/osv-server.ts';
import { scanBundleFile } from './scan-file.ts';

interface ExpectedScan {
  verdict: 'pass' | 'review';
  /** `severity rule file` of every finding. */
  findings: string[];
  /** For each review finding, why it is a true one. */
  why?: Record<string, string>;
  dependencies: number;
  tools: string[];
}

/** The default set, and whatever of the full corpus has been built. */
const names = sourceNames({ all: true }).filter((name) => !isFullCorpusOnly(name) || existsSync(bundlePath(name)));
let osv: OsvTestServer;
let pki: TestPki;
let work: string;

beforeAll(async () => {
  osv = await startOsvServer({ recordsDir: join(REPO_ROOT, 'pipeline/adapters/__fixtures__/osv/records') });
  work = await tempDir('real-bundles-');
  pki = await createTestPki(work);
}, 120_000);
afterAll(() => osv.close());

describe.each(names)('%s', (name) => {
  it('scans to its recorded verdict and findings, never reject', async () => {
    const { path } = await buildBundle(name);
    const report = await scanBundleFile(path, { osv: createOsvClient({ baseUrl: osv.url, retries: 0 }) });
    const expected = await readJson<ExpectedScan>(join(SOURCES_DIR, name, 'expected-scan.json'));
    expect(report.verdict).not.toBe('reject');
    const findings = report.findings.map((f) => `${f.severity} ${f.rule} ${f.file}`);
    expect({
      verdict: report.verdict,
      findings,
      dependencies: report.dependencies.length,
      tools: report.tools.map((t) => t.name),
    }).toEqual({ ...expected, why: undefined });
    // Every review finding says why a maintainer would agree with it, and nothing else does.
    expect(Object.keys(expected.why ?? {}).sort()).toEqual(findings.filter((f) => f.startsWith('review ')).sort());
    // A first run builds the bundle (npm ci and mcpb pack) before scanning it.
  }, 300_000);

  it('verifies after the real `mcpb sign` with a CA chain, and not after one flipped byte', async () => {
    const signed = join(work, `${name}.mcpb`);
    await copyFile((await buildBundle(name)).path, signed);
    mcpbSign(signed, pki.leaf, [pki.intermediate]);
    const report = await verifyMcpbFile(signed, [pki.root.x509]);
    expect(report).toMatchObject({ signed: true, valid: true, trusted: true, layout: 'trailing', format: 'mcpb' });
    expect(report.signer?.subject).toContain('Acme Publisher');

    const bytes = await readFile(signed);
    bytes[Math.floor(bytes.length / 3)]! ^= 0x01;
    const flipped = join(work, `${name}.flipped.mcpb`);
    await writeFile(flipped, bytes);
    expect(await verifyMcpbFile(flipped, [pki.root.x509])).toMatchObject({ signed: true, valid: false });
    // The scan reads the same signature: a tampered bundle is rejected whatever else it holds.
    const scanned = await scanBundleFile(flipped, { osv: createOsvClient({ baseUrl: osv.url, retries: 0 }) });
    expect(scanned.verdict).toBe('reject');
    expect(scanned.findings.map((f) => f.rule)).toContain('signature-invalid');
  });
});
