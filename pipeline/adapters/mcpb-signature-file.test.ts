import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { signatureErrorCode, type SignatureReport } from '../core/mcpb-signature.ts';
import {
  createTestPki,
  hasOpenssl,
  mcpbSign,
  signatureBlock,
  signCommentLayout,
  splitSigned,
  zipOf,
  type TestIdentity,
  type TestPki,
} from '../test-support/certs.ts';
import { tempDir } from '../test-support/fixtures.ts';
import { loadTrustedCertificates, SignatureFileError, verifyMcpbFile } from './mcpb-signature-file.ts';

let dir: string;
let pki: TestPki;
let zip: Buffer;
/** A bundle signed by the real `mcpb sign`: leaf + intermediate, trailing layout. */
let signed: Buffer;

beforeAll(async () => {
  dir = await tempDir('mcpb-signature-file-');
  pki = await createTestPki(dir);
  // Sized so that the EOCD comment length, the 2 bytes the comment layout retry zeroes, straddles
  // the first two 64 KiB read chunks. The blob is stored, so the zip grows byte for byte with it.
  const files = (blob: number) => ({
    'manifest.json': '{"manifest_version":"0.3","name":"demo"}',
    'server/index.js': '//\n',
    'server/blob.bin': randomBytes(blob),
  });
  const overhead = (await zipOf(files(0))).length;
  zip = await zipOf(files(64 * 1024 + 1 - overhead));
  expect(zip.length - 2).toBe(64 * 1024 - 1);
  signed = await mcpbSigned(pki.leaf, [pki.intermediate]);
});

let counter = 0;
async function write(bytes: Buffer): Promise<string> {
  const file = join(dir, `bundle-${counter++}.mcpb`);
  await writeFile(file, bytes);
  return file;
}

async function mcpbSigned(signer: TestIdentity, intermediates: TestIdentity[]): Promise<Buffer> {
  const file = await write(zip);
  mcpbSign(file, signer, intermediates);
  return readFile(file);
}

const outcome = (report: SignatureReport) => ({
  signed: report.signed,
  valid: report.valid,
  trusted: report.trusted,
  layout: report.layout,
  format: report.format,
  code: signatureErrorCode(report),
});

const verify = async (bytes: Buffer, trusted: TestIdentity[] = [pki.root]) =>
  verifyMcpbFile(
    await write(bytes),
    trusted.map((t) => t.x509),
  );

describe('verifyMcpbFile', () => {
  it('verifies a bundle signed by `mcpb sign` against the root CA', async () => {
    const report = await verify(signed);
    expect(outcome(report)).toEqual({
      signed: true,
      valid: true,
      trusted: true,
      layout: 'trailing',
      format: 'mcpb',
      code: undefined,
    });
    expect(report.signer?.fingerprint256).toBe(pki.leaf.x509.fingerprint256);
    expect(report.chain).toHaveLength(3);
  });

  it('is valid but untrusted without the publisher’s CA', async () => {
    expect(outcome(await verify(signed, [pki.otherRoot]))).toMatchObject({
      valid: true,
      trusted: false,
      code: 'untrusted',
    });
  });

  it('reports an expired publisher certificate', async () => {
    const expired = await mcpbSigned(pki.expired, [pki.intermediate]);
    expect(outcome(await verify(expired))).toMatchObject({ valid: true, trusted: false, code: 'certificate-expired' });
  });

  it('is invalid when any byte of the signed region changes', async () => {
    const eocd = zip.length - 22;
    // First byte, a local header name, deep inside the blob, the central directory, and the
    // EOCD's comment length (its last two bytes, the last before the block).
    for (const at of [0, 31, 40_000, eocd - 30, eocd + 20, eocd + 21]) {
      const tampered = Buffer.from(signed);
      tampered[at]! ^= 0x01;
      const report = await verify(tampered);
      expect({ at, ...outcome(report) }).toMatchObject({ at, signed: true, valid: false, trusted: false });
      // An edited comment length (the EOCD's last two bytes) no longer ends at the block: malformed.
      expect(signatureErrorCode(report)).toBe(at >= eocd + 20 ? 'malformed' : 'digest-mismatch');
    }
  });

  it('is invalid, and does not throw, when a byte of the DER inside the file changes', async () => {
    const { der } = splitSigned(signed);
    const derStart = zip.length + 'MCPB_SIG_V1'.length + 4;
    for (const at of [0, 1, 4, 100, der.length - 300, der.length - 20, der.length - 1]) {
      const tampered = Buffer.from(signed);
      tampered[derStart + at]! ^= 0x01;
      expect(outcome(await verify(tampered))).toMatchObject({ signed: true, trusted: false, layout: 'trailing' });
    }
  });

  it('verifies the legacy DXT_SIG markers around the same DER', async () => {
    const { der } = splitSigned(signed);
    const legacy = Buffer.concat([zip, signatureBlock(der, 'dxt')]);
    expect(outcome(await verify(legacy))).toEqual({
      signed: true,
      valid: true,
      trusted: true,
      layout: 'trailing',
      format: 'dxt',
      code: undefined,
    });
  });

  it.each(['as-stored', 'zero-comment'] as const)('verifies the comment layout, signed %s', async (variant) => {
    const bundle = await signCommentLayout(
      zip,
      join(dir, `comment-${variant}.mcpb`),
      pki.leaf,
      [pki.intermediate],
      variant,
    );
    expect(bundle.readUInt16LE(zip.length - 2)).toBe(bundle.length - zip.length);
    expect(outcome(await verify(bundle))).toEqual({
      signed: true,
      valid: true,
      trusted: true,
      layout: 'comment',
      format: 'mcpb',
      code: undefined,
    });
    const tampered = Buffer.from(bundle);
    tampered[100]! ^= 0x01;
    expect(outcome(await verify(tampered))).toMatchObject({ valid: false, layout: 'comment', code: 'digest-mismatch' });
  });

  it('does not read the comment length as 0 for the trailing layout', async () => {
    // A zip with a real 3-byte comment, signed while its comment length still read 0, then set to 3:
    // the layout is trailing (the comment ends where the block starts), so there is no retry.
    const signedAsZero = Buffer.concat([zip, Buffer.from('abc')]);
    const file = await write(signedAsZero);
    mcpbSign(file, pki.leaf, [pki.intermediate]);
    const bytes = await readFile(file);
    // As signed, bytes sit between the zip and the block: no layout allows that.
    expect(outcome(await verify(bytes)).code).toBe('malformed');
    bytes.writeUInt16LE(3, zip.length - 2);
    expect(outcome(await verify(bytes))).toMatchObject({ valid: false, layout: 'trailing', code: 'digest-mismatch' });
  });

  it('reports an unsigned bundle', async () => {
    expect(outcome(await verify(zip))).toEqual({
      signed: false,
      valid: false,
      trusted: false,
      layout: undefined,
      format: undefined,
      code: 'unsigned',
    });
  });

  it.each([
    ['a footer without its header', () => Buffer.concat([zip, Buffer.from('MCPB_SIG_END')])],
    [
      'a length that does not reach the footer',
      () => {
        const block = Buffer.from(signatureBlock(splitSigned(signed).der));
        block.writeUInt32LE(block.readUInt32LE(11) + 1, 11);
        return Buffer.concat([zip, block]);
      },
    ],
    ['no zip before the block', () => signatureBlock(splitSigned(signed).der)],
  ])('reports a malformed block: %s', async (_name, build) => {
    expect(outcome(await verify(build()))).toMatchObject({
      signed: true,
      valid: false,
      trusted: false,
      code: 'malformed',
    });
  });

  it('reports garbage DER in a well-formed block, with the block’s layout', async () => {
    const bundle = Buffer.concat([zip, signatureBlock(Buffer.from('not a PKCS#7 signature'))]);
    expect(outcome(await verify(bundle))).toEqual({
      signed: true,
      valid: false,
      trusted: false,
      layout: 'trailing',
      format: 'mcpb',
      code: 'malformed',
    });
  });

  it('throws SignatureFileError for a missing file or a directory', async () => {
    await expect(verifyMcpbFile(join(dir, 'missing.mcpb'), [])).rejects.toBeInstanceOf(SignatureFileError);
    await expect(verifyMcpbFile(dir, [])).rejects.toBeInstanceOf(SignatureFileError);
  });
});

describe('loadTrustedCertificates', () => {
  it('reads every certificate of every file', async () => {
    const bundle = join(dir, 'ca-bundle.pem');
    await writeFile(bundle, `# our CAs\n${pki.root.certPem}\n${pki.otherRoot.certPem}`);
    const certs = await loadTrustedCertificates([bundle, pki.intermediate.certPath]);
    expect(certs.map((c) => c.fingerprint256)).toEqual(
      [pki.root, pki.otherRoot, pki.intermediate].map((i) => i.x509.fingerprint256),
    );
  });

  it('names the file that is missing, holds no certificate, or a broken one', async () => {
    const broken = join(dir, 'broken.pem');
    await writeFile(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    for (const path of [join(dir, 'nope.pem'), pki.leaf.keyPath, broken]) {
      const error = await loadTrustedCertificates([pki.root.certPath, path]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SignatureFileError);
      expect((error as Error).message).toContain(path);
    }
  });
});

describe.skipIf(!hasOpenssl)('agreement with `openssl cms -verify`', () => {
  const opensslVerifies = async (bytes: Buffer) => {
    const { zip: content, der } = splitSigned(bytes);
    const contentPath = await write(content);
    const derPath = await write(der);
    try {
      execFileSync(
        'openssl',
        // -purpose any: OpenSSL 3.0 has no code-signing purpose for CMS; chain and signature are what is compared.
        [
          'cms',
          '-verify',
          '-binary',
          '-inform',
          'DER',
          '-in',
          derPath,
          '-content',
          contentPath,
          '-CAfile',
          pki.root.certPath,
          '-purpose',
          'any',
          '-out',
          '/dev/null',
        ],
        { stdio: 'pipe' },
      );
      return true;
    } catch {
      return false;
    }
  };

  it('agrees on a bundle signed by `mcpb sign`, and on a tampered one', async () => {
    expect(await opensslVerifies(signed)).toBe(true);
    expect((await verify(signed)).trusted).toBe(true);
    const tampered = Buffer.from(signed);
    tampered[1000]! ^= 0x01;
    expect(await opensslVerifies(tampered)).toBe(false);
    expect((await verify(tampered)).valid).toBe(false);
  });
});
