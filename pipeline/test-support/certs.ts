/**
 * A throwaway PKI and signed bundles for signature tests, built at test time so no private key is
 * ever committed.
 * Keys come from node:crypto (native, fast); node-forge only builds and signs the X.509
 * certificates, as the real `mcpb sign` reads them with node-forge too.
 *
 *   root CA ── intermediate CA ── leaf (codeSigning)      the normal publisher chain
 *                              ├─ expired leaf (ended five years ago)
 *                              ├─ future leaf (starts in a year)
 *                              ├─ server leaf (serverAuth only: wrong EKU)
 *                              ├─ encipher-only leaf (key usage without digitalSignature)
 *                              └─ weak leaf (RSA 1024)
 *   root CA ── constrained CA (pathLen 0) ── sub CA ── deep leaf   one CA too many
 *   leaf ── rogue (issued by the leaf, which is not a CA)
 *   self-signed leaf; an unrelated root CA (another organisation's trust anchor)
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';
import yazl from 'yazl';
import { REPO_ROOT } from '../core/schema-files.ts';
import { locateSignatureBlock } from '../core/signature-block.ts';

export interface TestIdentity {
  name: string;
  certPem: string;
  /** PKCS#1 PEM, the form `mcpb sign` (node-forge) reads. */
  keyPem: string;
  certPath: string;
  keyPath: string;
  x509: X509Certificate;
}

export interface TestPki {
  dir: string;
  root: TestIdentity;
  intermediate: TestIdentity;
  leaf: TestIdentity;
  expired: TestIdentity;
  future: TestIdentity;
  serverAuth: TestIdentity;
  encipherOnly: TestIdentity;
  weak: TestIdentity;
  constrainedCa: TestIdentity;
  subCa: TestIdentity;
  deepLeaf: TestIdentity;
  rogue: TestIdentity;
  selfSigned: TestIdentity;
  otherRoot: TestIdentity;
}

interface Spec {
  name: string;
  ca: boolean;
  issuer?: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey };
  notBefore?: Date;
  notAfter?: Date;
  eku?: 'codeSigning' | 'serverAuth';
  bits?: number;
  pathLength?: number;
  /** A leaf's key usage; digitalSignature when absent. */
  keyUsage?: 'keyEncipherment';
}

const YEAR = 365 * 24 * 3600 * 1000;
let serial = 0x1000;

function issue(spec: Spec): { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey; keyPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: spec.bits ?? 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  // Positive, unique serials; a leading 0x01 byte keeps DER from needing a sign-padding zero.
  cert.serialNumber = `01${(serial++).toString(16).padStart(6, '0')}`;
  cert.validity.notBefore = spec.notBefore ?? new Date(Date.now() - YEAR);
  cert.validity.notAfter = spec.notAfter ?? new Date(Date.now() + 5 * YEAR);
  const subject = [
    { name: 'commonName', value: spec.name },
    { name: 'organizationName', value: 'MCP Catalog Tests' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(spec.issuer ? spec.issuer.cert.subject.attributes : subject);
  const extensions: object[] = [
    {
      name: 'basicConstraints',
      cA: spec.ca,
      critical: true,
      ...(spec.pathLength === undefined ? {} : { pathLenConstraint: spec.pathLength }),
    },
    spec.ca
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }
      : { name: 'keyUsage', [spec.keyUsage ?? 'digitalSignature']: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ];
  if (spec.eku) extensions.push({ name: 'extKeyUsage', [spec.eku]: true });
  cert.setExtensions(extensions);
  cert.sign(spec.issuer?.key ?? key, forge.md.sha256.create());
  return { cert, key, keyPem };
}

/** Builds the PKI and writes `<name>.cert.pem` / `<name>.key.pem` into `dir`. About a second of work. */
export async function createTestPki(dir: string): Promise<TestPki> {
  const now = Date.now();
  const write = async (name: string, made: ReturnType<typeof issue>): Promise<TestIdentity> => {
    const certPem = forge.pki.certificateToPem(made.cert);
    const certPath = join(dir, `${name}.cert.pem`);
    const keyPath = join(dir, `${name}.key.pem`);
    await writeFile(certPath, certPem);
    await writeFile(keyPath, made.keyPem, { mode: 0o600 });
    return { name, certPem, keyPem: made.keyPem, certPath, keyPath, x509: new X509Certificate(certPem) };
  };
  const root = issue({ name: 'Test Root CA', ca: true });
  const intermediate = issue({ name: 'Test Intermediate CA', ca: true, issuer: root });
  const leaf = issue({ name: 'Acme Publisher', ca: false, issuer: intermediate, eku: 'codeSigning' });
  const expired = issue({
    name: 'Expired Publisher',
    ca: false,
    issuer: intermediate,
    eku: 'codeSigning',
    notBefore: new Date(now - 6 * YEAR),
    notAfter: new Date(now - 5 * YEAR),
  });
  const future = issue({
    name: 'Future Publisher',
    ca: false,
    issuer: intermediate,
    eku: 'codeSigning',
    notBefore: new Date(now + YEAR),
    notAfter: new Date(now + 2 * YEAR),
  });
  const serverAuth = issue({ name: 'TLS Server', ca: false, issuer: intermediate, eku: 'serverAuth' });
  const encipherOnly = issue({
    name: 'Encipher-Only Publisher',
    ca: false,
    issuer: intermediate,
    eku: 'codeSigning',
    keyUsage: 'keyEncipherment',
  });
  const constrainedCa = issue({ name: 'Constrained CA', ca: true, issuer: root, pathLength: 0 });
  const subCa = issue({ name: 'Sub CA', ca: true, issuer: constrainedCa });
  const deepLeaf = issue({ name: 'Deep Publisher', ca: false, issuer: subCa, eku: 'codeSigning' });
  const weak = issue({ name: 'Weak Publisher', ca: false, issuer: intermediate, eku: 'codeSigning', bits: 1024 });
  const rogue = issue({ name: 'Rogue Publisher', ca: false, issuer: leaf, eku: 'codeSigning' });
  const selfSigned = issue({ name: 'Self-Signed Publisher', ca: false, eku: 'codeSigning' });
  const otherRoot = issue({ name: 'Other Root CA', ca: true });
  return {
    dir,
    root: await write('root', root),
    intermediate: await write('intermediate', intermediate),
    leaf: await write('leaf', leaf),
    expired: await write('expired', expired),
    future: await write('future', future),
    serverAuth: await write('server-auth', serverAuth),
    encipherOnly: await write('encipher-only', encipherOnly),
    weak: await write('weak', weak),
    constrainedCa: await write('constrained-ca', constrainedCa),
    subCa: await write('sub-ca', subCa),
    deepLeaf: await write('deep-leaf', deepLeaf),
    rogue: await write('rogue', rogue),
    selfSigned: await write('self-signed', selfSigned),
    otherRoot: await write('other-root', otherRoot),
  };
}

/** A small real zip (yazl), optionally with an incompressible entry so it spans several read chunks. */
export async function zipOf(files: Record<string, string | Buffer>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) {
    zip.addBuffer(Buffer.from(content), name, { compress: typeof content === 'string' });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Signs `file` in place with the real `mcpb sign` CLI, run by this Node (the system one may be too old). */
export function mcpbSign(file: string, signer: TestIdentity, intermediates: readonly TestIdentity[] = []): void {
  const cli = join(REPO_ROOT, 'node_modules/@anthropic-ai/mcpb/dist/cli/cli.js');
  const args = ['sign', file, '--cert', signer.certPath, '--key', signer.keyPath];
  if (intermediates.length > 0) args.push('--intermediate', ...intermediates.map((i) => i.certPath));
  execFileSync(process.execPath, [cli, ...args], { stdio: 'pipe' });
}

/** The zip and the DER of a file signed in the trailing layout. */
export function splitSigned(bytes: Buffer): { zip: Buffer; der: Buffer } {
  const located = locateSignatureBlock(bytes, bytes.length);
  if (located.kind !== 'signed') throw new Error(`not a signed bundle: ${located.kind}`);
  return { zip: bytes.subarray(0, located.block.start), der: located.block.pkcs7 };
}

/** `header | uint32 LE length | DER | footer`, as `mcpb sign` writes it (or with the legacy DXT markers). */
export function signatureBlock(der: Buffer, format: 'mcpb' | 'dxt' = 'mcpb'): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32LE(der.length);
  const [header, footer] = format === 'mcpb' ? ['MCPB_SIG_V1', 'MCPB_SIG_END'] : ['DXT_SIG_V1', 'DXT_SIG_END'];
  return Buffer.concat([Buffer.from(header), length, der, Buffer.from(footer)]);
}

/** A copy of `zip` (which must end in an EOCD record with no comment) with the comment length set. */
export function withCommentLength(zip: Buffer, length: number): Buffer {
  const copy = Buffer.from(zip);
  if (copy.readUInt32LE(copy.length - 22) !== 0x06054b50) throw new Error('the zip does not end in a bare EOCD record');
  copy.writeUInt16LE(length, copy.length - 2);
  return copy;
}

/**
 * A bundle in the `comment` layout (the zip comment length covers the signature block), which
 * mcpb 2.x does not write yet. `as-stored`: the signature covers the zip with the comment length
 * already set; `zero-comment`: it covers the zip as it was before the length was set.
 */
export async function signCommentLayout(
  zip: Buffer,
  file: string,
  signer: TestIdentity,
  intermediates: readonly TestIdentity[],
  variant: 'as-stored' | 'zero-comment',
): Promise<Buffer> {
  await writeFile(file, zip);
  mcpbSign(file, signer, intermediates);
  let signed = await readFile(file);
  let blockLength = signed.length - zip.length;
  if (variant === 'zero-comment')
    return Buffer.concat([withCommentLength(zip, blockLength), signed.subarray(zip.length)]);
  // The signed bytes include the length of the block that signs them; RSA signatures and
  // UTCTime have fixed sizes, so the second signature is (almost always) the same length.
  for (let attempt = 0; attempt < 3; attempt++) {
    const covered = withCommentLength(zip, blockLength);
    await writeFile(file, covered);
    mcpbSign(file, signer, intermediates);
    signed = await readFile(file);
    if (signed.length - covered.length === blockLength) return signed;
    blockLength = signed.length - covered.length;
  }
  throw new Error('the signature block length did not settle');
}

/** Whether the machine has the openssl CLI, for the interoperability tests that compare with it. */
export const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
