import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createTestPki,
  hasOpenssl,
  mcpbSign,
  splitSigned,
  zipOf,
  type TestIdentity,
  type TestPki,
} from '../test-support/certs.ts';
import { tempDir } from '../test-support/fixtures.ts';
import {
  digestOf,
  failedSignatureReport,
  parseSignedData,
  signatureErrorCode,
  verifySignedData,
  type SignatureReport,
} from './mcpb-signature.ts';

let dir: string;
let pki: TestPki;
let content: Buffer;

beforeAll(async () => {
  dir = await tempDir('mcpb-signature-');
  pki = await createTestPki(dir);
  content = await zipOf({ 'manifest.json': '{"manifest_version":"0.3","name":"demo"}', 'server/index.js': '//\n' });
});

let counter = 0;
/** The DER `mcpb sign` (the real CLI) writes for `content`. */
async function mcpbSignature(signer: TestIdentity, intermediates: TestIdentity[] = []): Promise<Buffer> {
  const file = join(dir, `bundle-${counter++}.mcpb`);
  await writeFile(file, content);
  mcpbSign(file, signer, intermediates);
  const { zip, der } = splitSigned(await readFile(file));
  expect(zip.equals(content)).toBe(true);
  return der;
}

function verify(
  der: Buffer,
  trusted: TestIdentity[] = [],
  options: { content?: Buffer; now?: Date } = {},
): SignatureReport {
  const parsed = parseSignedData(der);
  if (!parsed.ok) return failedSignatureReport(parsed.error);
  const digest = digestOf(parsed.info, options.content ?? content);
  return verifySignedData(
    parsed.info,
    [digest],
    trusted.map((t) => t.x509),
    options.now ? { now: options.now } : {},
  );
}

const outcome = (report: SignatureReport) => ({
  signed: report.signed,
  valid: report.valid,
  trusted: report.trusted,
  code: signatureErrorCode(report),
});

describe('verifySignedData on `mcpb sign` output', () => {
  let der: Buffer;
  beforeAll(async () => {
    der = await mcpbSignature(pki.leaf, [pki.intermediate]);
  });

  it('is valid and trusted through the root, with the whole chain and the signed time', () => {
    const report = verify(der, [pki.root]);
    expect(outcome(report)).toEqual({ signed: true, valid: true, trusted: true, code: undefined });
    expect(report.error).toBeUndefined();
    expect(report.signer?.fingerprint256).toBe(pki.leaf.x509.fingerprint256);
    expect(report.signer?.subject).toBe(pki.leaf.x509.subject);
    expect(report.chain?.map((c) => c.fingerprint256)).toEqual(
      [pki.leaf, pki.intermediate, pki.root].map((i) => i.x509.fingerprint256),
    );
    expect(Math.abs(Date.parse(report.signingTime!) - Date.now())).toBeLessThan(10 * 60 * 1000);
  });

  it('is trusted when the anchor is the intermediate CA, or the pinned publisher certificate', () => {
    expect(verify(der, [pki.intermediate]).chain?.length).toBe(2);
    expect(outcome(verify(der, [pki.intermediate])).trusted).toBe(true);
    const pinned = verify(der, [pki.leaf]);
    expect(outcome(pinned).trusted).toBe(true);
    expect(pinned.chain?.map((c) => c.fingerprint256)).toEqual([pki.leaf.x509.fingerprint256]);
  });

  it('is valid but untrusted without a trust anchor, or with another organisation’s', () => {
    for (const trusted of [[], [pki.otherRoot], [pki.selfSigned]]) {
      const report = verify(der, trusted);
      expect(outcome(report)).toEqual({ signed: true, valid: true, trusted: false, code: 'untrusted' });
      expect(report.chain).toBeUndefined();
    }
  });

  it('is not valid when the content changed', () => {
    const changed = Buffer.from(content);
    changed[10]! ^= 0x01;
    expect(outcome(verify(der, [pki.root], { content: changed }))).toEqual({
      signed: true,
      valid: false,
      trusted: false,
      code: 'digest-mismatch',
    });
  });

  it('accepts any one of several candidate digests (the comment layout retry)', () => {
    const parsed = parseSignedData(der);
    if (!parsed.ok) throw parsed.error;
    const other = digestOf(parsed.info, Buffer.from('other'));
    const right = digestOf(parsed.info, content);
    expect(verifySignedData(parsed.info, [other, right], [pki.root.x509]).trusted).toBe(true);
    expect(signatureErrorCode(verifySignedData(parsed.info, [other], [pki.root.x509]))).toBe('digest-mismatch');
  });

  it('never throws and never trusts a signature with any single byte flipped', () => {
    const trusted = [pki.root.x509];
    const codes = new Set<string | undefined>();
    // Every byte with its low bit flipped, and every fifth with its high bit (tags, lengths):
    // exhaustive enough to have found two crashes, and asn1js takes about 1 ms a parse.
    for (let at = 0; at < der.length; at++) {
      for (const mask of at % 5 === 0 ? [0x01, 0x80] : [0x01]) {
        const flipped = Buffer.from(der);
        flipped[at]! ^= mask;
        const parsed = parseSignedData(flipped);
        const report = parsed.ok
          ? verifySignedData(parsed.info, [digestOf(parsed.info, content)], trusted)
          : failedSignatureReport(parsed.error);
        if (report.trusted) throw new Error(`flipping bit ${mask} of byte ${at} still verifies`);
        codes.add(signatureErrorCode(report));
      }
    }
    expect([...codes]).toEqual(
      expect.arrayContaining(['malformed', 'digest-mismatch', 'signature-invalid', 'untrusted']),
    );
  });

  it('checks certificates at the signed time, and refuses a signing time in the future', () => {
    const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
    expect(outcome(verify(der, [pki.root], { now: tomorrow })).trusted).toBe(true);
    const yesterday = new Date(Date.now() - 24 * 3600 * 1000);
    expect(outcome(verify(der, [pki.root], { now: yesterday }))).toEqual({
      signed: true,
      valid: true,
      trusted: false,
      code: 'signing-time-in-future',
    });
  });
});

describe('verifySignedData on certificates that must not be trusted', () => {
  it('self-signed: valid, trusted only when pinned', async () => {
    const der = await mcpbSignature(pki.selfSigned);
    expect(outcome(verify(der, [pki.root]))).toEqual({ signed: true, valid: true, trusted: false, code: 'untrusted' });
    expect(outcome(verify(der, [pki.selfSigned]))).toEqual({
      signed: true,
      valid: true,
      trusted: true,
      code: undefined,
    });
  });

  it('expired or not yet valid at the signing time', async () => {
    const expired = await mcpbSignature(pki.expired, [pki.intermediate]);
    expect(outcome(verify(expired, [pki.root]))).toEqual({
      signed: true,
      valid: true,
      trusted: false,
      code: 'certificate-expired',
    });
    const future = await mcpbSignature(pki.future, [pki.intermediate]);
    expect(outcome(verify(future, [pki.root])).code).toBe('certificate-not-yet-valid');
  });

  it('a certificate for TLS servers, not code signing', async () => {
    const der = await mcpbSignature(pki.serverAuth, [pki.intermediate]);
    expect(outcome(verify(der, [pki.root]))).toEqual({
      signed: true,
      valid: true,
      trusted: false,
      code: 'certificate-usage',
    });
  });

  it('a certificate issued by a publisher certificate, which is no CA', async () => {
    const der = await mcpbSignature(pki.rogue, [pki.leaf, pki.intermediate]);
    expect(outcome(verify(der, [pki.root]))).toEqual({
      signed: true,
      valid: true,
      trusted: false,
      code: 'issuer-not-ca',
    });
    // Near miss: the legitimate leaf with the same bundled certificates is trusted.
    expect(outcome(verify(await mcpbSignature(pki.leaf, [pki.leaf, pki.intermediate]), [pki.root])).trusted).toBe(true);
  });

  it('a certificate whose key usage forbids signatures', async () => {
    const der = await mcpbSignature(pki.encipherOnly, [pki.intermediate]);
    expect(outcome(verify(der, [pki.root]))).toEqual({
      signed: true,
      valid: true,
      trusted: false,
      code: 'certificate-usage',
    });
  });

  it('a chain with more intermediate CAs than a pathLenConstraint allows', async () => {
    const der = await mcpbSignature(pki.deepLeaf, [pki.subCa, pki.constrainedCa]);
    expect(outcome(verify(der, [pki.root]))).toEqual({
      signed: true,
      valid: true,
      trusted: false,
      code: 'issuer-not-ca',
    });
    // Near miss: trusting the sub CA directly leaves the constrained CA out of the path.
    expect(outcome(verify(der, [pki.subCa])).trusted).toBe(true);
  });

  it('an RSA key under 2048 bits', async () => {
    const der = await mcpbSignature(pki.weak, [pki.intermediate]);
    expect(outcome(verify(der, [pki.root]))).toEqual({ signed: true, valid: false, trusted: false, code: 'weak-key' });
  });
});

/** node-forge's PKCS#7 builder, the one `mcpb sign` uses, driven to make what mcpb never makes. */
function forgeSignature(options: { detached?: boolean; signers?: TestIdentity[]; certificates?: TestIdentity[] }) {
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(content.toString('binary'));
  for (const cert of options.certificates ?? [pki.leaf, pki.intermediate]) {
    p7.addCertificate(forge.pki.certificateFromPem(cert.certPem));
  }
  for (const signer of options.signers ?? [pki.leaf]) {
    p7.addSigner({
      key: forge.pki.privateKeyFromPem(signer.keyPem),
      certificate: forge.pki.certificateFromPem(signer.certPem),
      digestAlgorithm: forge.pki.oids.sha256!,
      authenticatedAttributes: [
        { type: forge.pki.oids.contentType!, value: forge.pki.oids.data! },
        { type: forge.pki.oids.messageDigest! },
        { type: forge.pki.oids.signingTime! },
      ],
    });
  }
  p7.sign({ detached: options.detached ?? true });
  return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
}

describe('parseSignedData on structures mcpb does not make', () => {
  it('the forge baseline verifies (near miss for the cases below)', () => {
    expect(outcome(verify(forgeSignature({}), [pki.root])).trusted).toBe(true);
  });

  it('refuses embedded content', () => {
    expect(outcome(verify(forgeSignature({ detached: false }), [pki.root])).code).toBe('not-detached');
  });

  it('refuses two signers', () => {
    const der = forgeSignature({ signers: [pki.leaf, pki.selfSigned], certificates: [pki.leaf, pki.selfSigned] });
    expect(outcome(verify(der, [pki.root])).code).toBe('signer-count');
  });

  it('refuses a signature without its signer certificate', () => {
    const der = forgeSignature({ certificates: [pki.intermediate] });
    expect(outcome(verify(der, [pki.root]))).toEqual({
      signed: true,
      valid: false,
      trusted: false,
      code: 'signer-certificate-missing',
    });
  });

  it('refuses a ContentInfo that is not SignedData', () => {
    const data = new asn1js.Sequence({
      value: [
        new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.7.1' }),
        new asn1js.Constructed({
          idBlock: { tagClass: 3, tagNumber: 0 },
          value: [new asn1js.OctetString({ valueHex: content })],
        }),
      ],
    });
    expect(outcome(verify(Buffer.from(data.toBER()), [pki.root])).code).toBe('not-signed-data');
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['not DER', Buffer.from('MCPB signature, honest')],
    ['truncated', Buffer.from('3082ffff0000', 'hex')],
    ['trailing bytes', Buffer.concat([Buffer.from(new asn1js.Sequence().toBER()), Buffer.from([0])])],
    ['a bare INTEGER', Buffer.from(new asn1js.Integer({ value: 7 }).toBER())],
  ])('reports %s DER as malformed, without throwing', (_name, der) => {
    expect(outcome(verify(der, [pki.root]))).toEqual({ signed: true, valid: false, trusted: false, code: 'malformed' });
  });

  it('reports hostile nesting as malformed', () => {
    // 200 nested indefinite-length SEQUENCEs: over asn1js's depth limit.
    const nested = Buffer.concat([Buffer.from('3080'.repeat(200), 'hex'), Buffer.alloc(400)]);
    expect(outcome(verify(nested, [pki.root])).code).toBe('malformed');
  });
});

describe.skipIf(!hasOpenssl)('interoperability with `openssl cms -sign`', () => {
  let contentPath: string;
  beforeAll(async () => {
    contentPath = join(dir, 'content.zip');
    await writeFile(contentPath, content);
  });

  const opensslSign = (signer: { certPath: string; keyPath: string }, extra: string[] = []) => {
    const out = join(dir, `openssl-${counter++}.der`);
    execFileSync(
      'openssl',
      [
        'cms',
        '-sign',
        '-binary',
        '-in',
        contentPath,
        '-signer',
        signer.certPath,
        '-inkey',
        signer.keyPath,
        '-outform',
        'DER',
        '-out',
        out,
        ...extra,
      ],
      { stdio: 'pipe' },
    );
    return readFile(out);
  };

  /** A self-signed code-signing certificate for a key type node-forge cannot certify. */
  const opensslIdentity = (name: string, keyArgs: string[]) => {
    const certPath = join(dir, `${name}.cert.pem`);
    const keyPath = join(dir, `${name}.key.pem`);
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-nodes',
        ...keyArgs,
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '30',
        '-subj',
        `/CN=${name}`,
        '-addext',
        'extendedKeyUsage=codeSigning',
      ],
      { stdio: 'pipe' },
    );
    return { certPath, keyPath };
  };

  it.each([
    ['RSA PKCS#1 v1.5 with signed attributes', []],
    ['SHA-384', ['-md', 'sha384']],
    ['SHA-512', ['-md', 'sha512']],
    ['RSASSA-PSS', ['-keyopt', 'rsa_padding_mode:pss']],
    ['a subjectKeyIdentifier signer', ['-keyid']],
    ['no signed attributes', ['-noattr']],
  ])('verifies %s, chained to the root', async (_name, extra) => {
    const der = await opensslSign(pki.leaf, ['-certfile', pki.intermediate.certPath, ...extra]);
    const report = verify(der, [pki.root]);
    expect(outcome(report)).toEqual({ signed: true, valid: true, trusted: true, code: undefined });
    expect(outcome(verify(der, [pki.root], { content: Buffer.concat([content, Buffer.from([0])]) })).valid).toBe(false);
  });

  it.each([
    ['ECDSA P-256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
    ['ECDSA P-384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']],
  ])('verifies %s with a pinned certificate', async (name, keyArgs) => {
    const identity = opensslIdentity(name.replace(/\W/g, ''), keyArgs);
    const der = await opensslSign(identity);
    const x509 = new X509Certificate(await readFile(identity.certPath));
    const parsed = parseSignedData(der);
    if (!parsed.ok) throw parsed.error;
    const report = verifySignedData(parsed.info, [digestOf(parsed.info, content)], [x509]);
    expect(outcome(report)).toEqual({ signed: true, valid: true, trusted: true, code: undefined });
    const other = digestOf(parsed.info, Buffer.from('tampered'));
    expect(signatureErrorCode(verifySignedData(parsed.info, [other], [x509]))).toBe('digest-mismatch');
  });
});
