import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SignatureFileError } from '../adapters/mcpb-signature-file.ts';
import { signatureErrorCode, type SignatureReport } from '../core/mcpb-signature.ts';
import { validateSchema } from '../core/schema-validator.ts';
import { createTestPki, mcpbSign, zipOf, type TestPki } from '../test-support/certs.ts';
import { runCli, tempDir } from '../test-support/fixtures.ts';
import { EXIT_UNTRUSTED, verifyMcpbCommand } from './verify-mcpb.ts';

let dir: string;
let pki: TestPki;
let signedPath: string;
let unsignedPath: string;
let tamperedPath: string;

beforeAll(async () => {
  dir = await tempDir('verify-mcpb-');
  pki = await createTestPki(dir);
  const zip = await zipOf({ 'manifest.json': '{"manifest_version":"0.3","name":"demo"}' });
  unsignedPath = join(dir, 'unsigned.mcpb');
  signedPath = join(dir, 'signed.mcpb');
  tamperedPath = join(dir, 'tampered.mcpb');
  await writeFile(unsignedPath, zip);
  await writeFile(signedPath, zip);
  mcpbSign(signedPath, pki.leaf, [pki.intermediate]);
  const tampered = readFileSync(signedPath);
  tampered[5]! ^= 0x01;
  await writeFile(tamperedPath, tampered);
});

describe('verifyMcpbCommand', () => {
  it('exits 0 for a valid signature from a trusted publisher, trusted through --trust or the config', async () => {
    for (const trust of [{ trust: [pki.root.certPath] }, { trust: [], configTrust: [pki.intermediate.certPath] }]) {
      const result = await verifyMcpbCommand({ file: signedPath, ...trust, json: true });
      expect(result.exitCode).toBe(0);
      const report = JSON.parse(result.stdout) as SignatureReport;
      expect(report).toMatchObject({ signed: true, valid: true, trusted: true, layout: 'trailing', format: 'mcpb' });
    }
  });

  it('exits 3 for a valid signature from an unknown publisher', async () => {
    const result = await verifyMcpbCommand({ file: signedPath, trust: [pki.otherRoot.certPath], json: true });
    expect(result.exitCode).toBe(EXIT_UNTRUSTED);
    expect(signatureErrorCode(JSON.parse(result.stdout) as SignatureReport)).toBe('untrusted');
  });

  it('exits 1 for a tampered or unsigned bundle', async () => {
    for (const [file, code] of [
      [tamperedPath, 'digest-mismatch'],
      [unsignedPath, 'unsigned'],
    ] as const) {
      const result = await verifyMcpbCommand({ file, trust: [pki.root.certPath], json: true });
      expect(result.exitCode).toBe(1);
      expect(signatureErrorCode(JSON.parse(result.stdout) as SignatureReport)).toBe(code);
    }
  });

  it('prints the JSON the scan report schema describes', async () => {
    for (const file of [signedPath, tamperedPath, unsignedPath]) {
      const { stdout } = await verifyMcpbCommand({ file, trust: [pki.root.certPath], json: true });
      // The SignatureReport definition is checked through the scan report that embeds it.
      expect(validateSchema('scan-report', scanReportWith(JSON.parse(stdout)))).toEqual([]);
    }
  });

  it('prints readable lines without --json', async () => {
    const { stdout, exitCode } = await verifyMcpbCommand({ file: signedPath, trust: [pki.root.certPath] });
    expect(exitCode).toBe(0);
    expect(stdout).toContain(pki.leaf.x509.fingerprint256);
    expect(stdout.split('\n').length).toBeGreaterThan(3);
  });

  it('throws (exit 2 in the CLI) when the bundle or a trust file is missing', async () => {
    await expect(
      verifyMcpbCommand({ file: join(dir, 'missing.mcpb'), trust: [pki.root.certPath] }),
    ).rejects.toBeInstanceOf(SignatureFileError);
    await expect(verifyMcpbCommand({ file: signedPath, trust: [join(dir, 'missing.pem')] })).rejects.toBeInstanceOf(
      SignatureFileError,
    );
  });
});

describe('catalog verify-mcpb', () => {
  it('exits 0, 1, 3 and 2 as documented', () => {
    const run = (...args: string[]) => runCli(['verify-mcpb', ...args]).status;
    expect(run(signedPath, '--trust', pki.root.certPath, '--json')).toBe(0);
    expect(run(tamperedPath, '--trust', pki.root.certPath)).toBe(1);
    expect(run(signedPath, '--trust', pki.otherRoot.certPath)).toBe(EXIT_UNTRUSTED);
    expect(run(join(dir, 'missing.mcpb'), '--trust', pki.root.certPath)).toBe(2);
  });
});

function scanReportWith(signature: unknown): unknown {
  return {
    verdict: 'pass',
    sha256: '0'.repeat(64),
    size: 0,
    manifest: null,
    findings: [],
    capabilities: { own: [], dependencies: [] },
    tools: [],
    dependencies: [],
    signature,
    ruleset: { name: 'test', version: '0.0.0' },
  };
}
