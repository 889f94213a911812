import { createHash, generateKeyPairSync, sign as signBytes } from 'node:crypto';
import forge from 'node-forge';
import { DSSEBundleBuilder, RekorWitness, type Signer } from '@sigstore/sign';
import { bundleToJSON } from '@sigstore/bundle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACT_PREDICATE_TYPE,
  artifactStatement,
  IN_TOTO_PAYLOAD_TYPE,
  INDEX_PREDICATE_TYPE,
  indexStatement,
  type Statement,
} from '../core/attestation.ts';
import {
  DEFAULT_REPOSITORY,
  DEFAULT_REPOSITORY_ID,
  DEFAULT_WORKFLOW,
  GITHUB_ISSUER,
  startSigstoreServices,
  type SigstoreServices,
} from '../test-support/sigstore-services.ts';
import { keylessSigner, keySigner, type SerializedBundle } from './sigstore-sign.ts';
import { publicKeyId } from './signing-key.ts';
import {
  MAX_BUNDLE_BYTES,
  readFulcioIdentity,
  verifyAttestation,
  VerificationError,
  type TrustPolicy,
  type TrustedRootJson,
} from './sigstore-verify.ts';
import { p256KeyPair as p256 } from '../test-support/keys.ts';

const artifact = Buffer.from('the bytes of weather.mcpb');
const artifactSha256 = createHash('sha256').update(artifact).digest('hex');
const otherBytes = Buffer.from('some other bundle');
const otherSha256 = createHash('sha256').update(otherBytes).digest('hex');
const SUBJECT = 'io.github.example/weather@1.2.0/weather.mcpb';

function statementFor(sha256: string): Statement {
  return artifactStatement({
    name: SUBJECT,
    sha256,
    server: 'io.github.example/weather',
    version: '1.2.0',
    scanReport: { sha256: 'b'.repeat(64), verdict: 'pass', ruleset: { name: 'mcp-catalog-core', version: '1.0.0' } },
    catalog: 'https://catalog.example',
  });
}
const statement = statementFor(artifactSha256);
const EXPECT = { predicateType: ARTIFACT_PREDICATE_TYPE, subjectName: SUBJECT };

async function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (!(error instanceof VerificationError)) throw error;
    return error.code;
  }
  throw new Error('expected a VerificationError');
}

const clone = (bundle: SerializedBundle): SerializedBundle => structuredClone(bundle);

/** The same bundle whose statement now claims `sha256`: what an attacker swapping the artifact would try. */
function withPayloadDigest(bundle: SerializedBundle, sha256: string): SerializedBundle {
  const copy = clone(bundle);
  const payload = JSON.parse(Buffer.from(copy.dsseEnvelope!.payload, 'base64').toString('utf8')) as Statement;
  payload.subject[0]!.digest.sha256 = sha256;
  copy.dsseEnvelope!.payload = Buffer.from(JSON.stringify(payload)).toString('base64');
  return copy;
}

/** The same bundle with one bit of the signature's last byte (inside the DER `s` integer) flipped. */
function withFlippedSignature(bundle: SerializedBundle): SerializedBundle {
  const copy = clone(bundle);
  const signature = copy.dsseEnvelope!.signatures[0]!;
  const bytes = Buffer.from(signature.sig, 'base64');
  bytes[bytes.length - 1]! ^= 0x01;
  signature.sig = bytes.toString('base64');
  return copy;
}

/** A DSSE bundle of any payload and type, signed by `pair` the way keySigner signs. */
async function keyBundleOf(pair: { privateKeyPem: string; publicKeyPem: string }, payload: Buffer, type: string) {
  const signer: Signer = {
    sign: async (data) => ({
      signature: signBytes('sha256', data, pair.privateKeyPem),
      key: { $case: 'publicKey', publicKey: pair.publicKeyPem, hint: publicKeyId(pair.publicKeyPem) },
    }),
  };
  return bundleToJSON(await new DSSEBundleBuilder({ signer, witnesses: [] }).create({ data: payload, type }));
}

describe('key mode', () => {
  const pair = p256();
  const policy: TrustPolicy = { mode: 'key', publicKeyPem: pair.publicKeyPem };
  let bundle: SerializedBundle;
  beforeAll(async () => {
    bundle = await keySigner(pair).sign(statement);
  });

  it('verifies against the bytes and returns the statement and the key', async () => {
    const verified = await verifyAttestation(bundle, { bytes: artifact }, policy, EXPECT);
    expect(verified).toEqual({ statement, signer: { mode: 'key', keyId: publicKeyId(pair.publicKeyPem) } });
  });

  it('verifies against a sha256 computed elsewhere (a streamed download), in either case', async () => {
    await expect(verifyAttestation(bundle, { sha256: artifactSha256 }, policy, EXPECT)).resolves.toBeDefined();
    const upper = { sha256: artifactSha256.toUpperCase() };
    await expect(verifyAttestation(bundle, upper, policy, EXPECT)).resolves.toBeDefined();
  });

  it('reads the bundle as parsed JSON, as text or as the bytes of the file', async () => {
    const text = JSON.stringify(bundle);
    await expect(verifyAttestation(text, { bytes: artifact }, policy, EXPECT)).resolves.toBeDefined();
    await expect(verifyAttestation(Buffer.from(text), { bytes: artifact }, policy, EXPECT)).resolves.toBeDefined();
  });

  it('verifies the index statement by its predicate type and subject name', async () => {
    const index = Buffer.from('{"schemaVersion":"1.0.0"}');
    const sha256 = createHash('sha256').update(index).digest('hex');
    const signed = await keySigner(pair).sign(
      indexStatement({ sha256, serial: 42, expires: '2030-01-01T00:00:00Z', catalog: 'https://catalog.example' }),
    );
    const verified = await verifyAttestation(signed, { bytes: index }, policy, {
      predicateType: INDEX_PREDICATE_TYPE,
      subjectName: 'index.json',
    });
    expect(verified.statement.predicate).toEqual({
      catalog: 'https://catalog.example',
      serial: 42,
      expires: '2030-01-01T00:00:00Z',
    });
  });

  it('rejects a tampered payload or signature as signature-invalid', async () => {
    const swapped = withPayloadDigest(bundle, otherSha256);
    expect(await codeOf(verifyAttestation(swapped, { bytes: otherBytes }, policy, EXPECT))).toBe('signature-invalid');
    const flipped = withFlippedSignature(bundle);
    expect(await codeOf(verifyAttestation(flipped, { bytes: artifact }, policy, EXPECT))).toBe('signature-invalid');
    // The payload type is signed too (DSSE PAE).
    const retyped = clone(bundle);
    retyped.dsseEnvelope!.payloadType = 'application/json';
    expect(await codeOf(verifyAttestation(retyped, { bytes: artifact }, policy, EXPECT))).toBe('signature-invalid');
  });

  it('rejects a bundle from another key as identity-mismatch, even when it claims the pinned key', async () => {
    const other = p256();
    const foreign = await keySigner(other).sign(statement);
    expect(await codeOf(verifyAttestation(foreign, { bytes: artifact }, policy, EXPECT))).toBe('identity-mismatch');
    // The hint is not authenticated: naming the pinned key does not help a signature by another key.
    const relabelled = clone(foreign);
    relabelled.verificationMaterial.publicKey = { hint: publicKeyId(pair.publicKeyPem) };
    relabelled.dsseEnvelope!.signatures[0]!.keyid = publicKeyId(pair.publicKeyPem);
    expect(await codeOf(verifyAttestation(relabelled, { bytes: artifact }, policy, EXPECT))).toBe('signature-invalid');
  });

  it('rejects a statement about other bytes as digest-mismatch', async () => {
    expect(await codeOf(verifyAttestation(bundle, { bytes: otherBytes }, policy, EXPECT))).toBe('digest-mismatch');
    expect(await codeOf(verifyAttestation(bundle, { sha256: otherSha256 }, policy, EXPECT))).toBe('digest-mismatch');
  });

  it('rejects another predicate type or subject name as predicate-mismatch', async () => {
    const asIndex = { predicateType: INDEX_PREDICATE_TYPE };
    expect(await codeOf(verifyAttestation(bundle, { bytes: artifact }, policy, asIndex))).toBe('predicate-mismatch');
    const otherName = {
      predicateType: ARTIFACT_PREDICATE_TYPE,
      subjectName: 'io.github.example/weather@1.2.1/weather.mcpb',
    };
    expect(await codeOf(verifyAttestation(bundle, { bytes: artifact }, policy, otherName))).toBe('predicate-mismatch');
  });

  it('rejects a signed envelope that is not a single-subject in-toto statement as statement-malformed', async () => {
    const cases: [Buffer, string][] = [
      [Buffer.from(JSON.stringify(statement)), 'application/json'],
      [Buffer.from('not json'), IN_TOTO_PAYLOAD_TYPE],
      [Buffer.from(JSON.stringify({ ...statement, _type: 'https://in-toto.io/Statement/v0.1' })), IN_TOTO_PAYLOAD_TYPE],
      [
        Buffer.from(JSON.stringify({ ...statement, subject: [...statement.subject, ...statement.subject] })),
        IN_TOTO_PAYLOAD_TYPE,
      ],
      [
        Buffer.from(JSON.stringify({ ...statement, subject: [{ name: SUBJECT, digest: { sha512: 'ab' } }] })),
        IN_TOTO_PAYLOAD_TYPE,
      ],
      [Buffer.from(JSON.stringify({ ...statement, predicateType: undefined })), IN_TOTO_PAYLOAD_TYPE],
    ];
    for (const [payload, type] of cases) {
      const signed = await keyBundleOf(pair, payload, type);
      expect(await codeOf(verifyAttestation(signed, { bytes: artifact }, policy, EXPECT)), payload.toString()).toBe(
        'statement-malformed',
      );
    }
  });

  it('rejects what is not a v0.3 sigstore DSSE bundle as bundle-malformed', async () => {
    const text = JSON.stringify(bundle);
    const withoutMaterial = clone(bundle) as Partial<SerializedBundle>;
    delete withoutMaterial.verificationMaterial;
    const v02 = { ...clone(bundle), mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2' };
    const suffixed = { ...clone(bundle), mediaType: `${bundle.mediaType}x` };
    const messageSignature = {
      mediaType: bundle.mediaType,
      verificationMaterial: bundle.verificationMaterial,
      messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: 'AAAA' }, signature: 'AAAA' },
    };
    const inputs: unknown[] = [
      text.slice(0, text.length / 2),
      Buffer.from(text).subarray(0, 100),
      'not json',
      null,
      42,
      [],
      { hello: 'world' },
      bundle.dsseEnvelope,
      withoutMaterial,
      v02,
      suffixed,
      messageSignature,
      `${text}${' '.repeat(MAX_BUNDLE_BYTES)}`,
    ];
    for (const input of inputs) {
      expect(await codeOf(verifyAttestation(input, { bytes: artifact }, policy, EXPECT))).toBe('bundle-malformed');
    }
  });

  it('refuses an unusable pinned key as policy-invalid', async () => {
    const bad: TrustPolicy = { mode: 'key', publicKeyPem: 'not a key' };
    expect(await codeOf(verifyAttestation(bundle, { bytes: artifact }, bad, EXPECT))).toBe('policy-invalid');
  });
});

describe('keyless', () => {
  let services: SigstoreServices;
  let policy: Extract<TrustPolicy, { mode: 'keyless' }>;
  let bundle: SerializedBundle;
  const signWith = (claims: Parameters<SigstoreServices['mintToken']>[0] = {}, tsaURL?: string) =>
    keylessSigner({
      fulcioURL: services.fulcioURL,
      rekorURL: services.rekorURL,
      ...(tsaURL ? { tsaURL } : {}),
      identityToken: async () => services.mintToken(claims),
      fetchOptions: { retry: 0, timeout: 5000 },
    }).sign(statement);
  const verify = (signed: unknown, overrides: Partial<typeof policy> = {}) =>
    verifyAttestation(signed, { bytes: artifact }, { ...policy, ...overrides }, EXPECT);
  const withIdentity = (identity: Partial<typeof policy.identity>) => ({
    identity: { ...policy.identity, ...identity },
  });

  beforeAll(async () => {
    services = await startSigstoreServices();
    policy = { mode: 'keyless', trustedRoot: services.trustedRoot, identity: services.identity };
    bundle = await signWith();
  });
  afterAll(() => services.close());

  it('verifies a bundle signed through Fulcio and Rekor on 127.0.0.1, and names the run', async () => {
    const verified = await verify(bundle);
    expect(verified.statement).toEqual(statement);
    expect(verified.signer).toEqual({
      mode: 'keyless',
      issuer: GITHUB_ISSUER,
      workflow: services.identity.workflow,
      repositoryId: services.identity.repositoryId,
      sourceRepositoryDigest: 'a'.repeat(40),
      trigger: 'push',
      runInvocationUri: `https://github.com/${DEFAULT_REPOSITORY}/actions/runs/1/attempts/1`,
    });
    await expect(verifyAttestation(bundle, { sha256: artifactSha256 }, policy, EXPECT)).resolves.toBeDefined();
  });

  it('verifies a bundle that also carries an RFC 3161 timestamp', async () => {
    const stamped = await signWith({}, services.tsaURL);
    expect(stamped.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
    await expect(verify(stamped)).resolves.toBeDefined();
    // The timestamp is verified, not just carried: a root without the TSA refuses it.
    const root = { ...services.trustedRoot, timestampAuthorities: [] };
    expect(await codeOf(verify(stamped, { trustedRoot: root }))).toBe('untrusted-root');
  });

  it('rejects a tampered payload or signature as signature-invalid', async () => {
    const swapped = withPayloadDigest(bundle, otherSha256);
    expect(await codeOf(verifyAttestation(swapped, { bytes: otherBytes }, policy, EXPECT))).toBe('signature-invalid');
    expect(await codeOf(verify(withFlippedSignature(bundle)))).toBe('signature-invalid');
  });

  it('rejects a statement about other bytes as digest-mismatch', async () => {
    expect(await codeOf(verifyAttestation(bundle, { bytes: otherBytes }, policy, EXPECT))).toBe('digest-mismatch');
  });

  it('rejects a key-mode bundle under a keyless policy, and a keyless bundle under a key policy', async () => {
    const pair = p256();
    const keyBundle = await keySigner(pair).sign(statement);
    expect(await codeOf(verify(keyBundle))).toBe('identity-mismatch');
    const keyPolicy: TrustPolicy = { mode: 'key', publicKeyPem: pair.publicKeyPem };
    expect(await codeOf(verifyAttestation(bundle, { bytes: artifact }, keyPolicy, EXPECT))).toBe('identity-mismatch');
  });

  describe('pins the identity exactly', () => {
    const repo = DEFAULT_REPOSITORY;
    const cases: [string, Parameters<SigstoreServices['mintToken']>[0]][] = [
      ['a fork', { job_workflow_ref: `someone/catalog/.github/workflows/publish.yml@refs/heads/main` }],
      ['another workflow of the repository', { job_workflow_ref: `${repo}/.github/workflows/pr.yml@refs/heads/main` }],
      ['another branch', { job_workflow_ref: `${repo}/.github/workflows/publish.yml@refs/heads/evil` }],
      ['a pull_request run', { job_workflow_ref: `${repo}/.github/workflows/publish.yml@refs/pull/7/merge` }],
      ['a tag', { job_workflow_ref: `${repo}/.github/workflows/publish.yml@refs/tags/v1` }],
      [
        'a ref the pinned one is a prefix of',
        { job_workflow_ref: `${repo}/.github/workflows/publish.yml@refs/heads/main-evil` },
      ],
      [
        'a path the pinned one is a suffix of',
        { job_workflow_ref: `evil/x/y/${repo}/.github/workflows/publish.yml@refs/heads/main` },
      ],
      // An unescaped regular expression would let `.` match any character.
      ['a dot matched as a wildcard', { job_workflow_ref: `${repo}/.github/workflows/publishXyml@refs/heads/main` }],
      [
        'a SAN that differs from the Build Signer URI',
        { sub: 'https://github.com/someone/else/.github/workflows/x.yml@refs/heads/main' },
      ],
      [
        'a Build Signer URI that differs from the SAN',
        { sub: DEFAULT_WORKFLOW, job_workflow_ref: `someone/catalog/.github/workflows/publish.yml@refs/heads/main` },
      ],
      ['another issuer', { iss: 'https://token.example.com' }],
      ['an issuer the pinned one is a prefix of', { iss: `${GITHUB_ISSUER}.evil.example` }],
      // Same OWNER/REPO, re-created after deletion: GitHub gives it a new id.
      ['a resurrected repository', { repository_id: '999999999' }],
      ['a repository id the pinned one is a prefix of', { repository_id: `${DEFAULT_REPOSITORY_ID}0` }],
      ['no repository id', { repository_id: undefined }],
      // pull_request_target runs the base branch's workflow file: same Build Signer URI as a real publish.
      ['a pull_request_target run of the pinned workflow', { event_name: 'pull_request_target' }],
      ['a pull_request run of the pinned workflow', { event_name: 'pull_request' }],
    ];
    for (const [name, claims] of cases) {
      it(`rejects ${name} as identity-mismatch`, async () => {
        expect(await codeOf(verify(await signWith(claims)))).toBe('identity-mismatch');
      });
    }

    it('takes each policy value literally', async () => {
      const pattern = services.identity.workflow.replace('publish.yml', 'publish.*');
      expect(await codeOf(verify(bundle, withIdentity({ workflow: pattern })))).toBe('identity-mismatch');
      expect(await codeOf(verify(bundle, withIdentity({ workflow: `^${services.identity.workflow}$` })))).toBe(
        'identity-mismatch',
      );
      expect(await codeOf(verify(bundle, withIdentity({ issuer: 'https://token.actions' })))).toBe('identity-mismatch');
      expect(await codeOf(verify(bundle, withIdentity({ repositoryId: '81234567' })))).toBe('identity-mismatch');
    });
  });

  describe('reads both issuer extensions', () => {
    /**
     * A bundle whose certificate the mock CA issues with exactly these extensions, logged in the
     * mock Rekor: for issuer encodings no OIDC token produces.
     */
    async function signWithExtensions(extensions: { oid: string; value: string; legacy?: boolean }[]) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const signer: Signer = {
        sign: async (data) => {
          const der = await services.ca.issueCertificate({
            publicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
            subjectAltName: services.identity.workflow,
            extensions,
          });
          const pem = new forge.util.ByteStringBuffer(
            Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('binary'),
          );
          return {
            signature: signBytes('sha256', data, privateKey),
            key: {
              $case: 'x509Certificate',
              certificate: forge.pem.encode({ type: 'CERTIFICATE', body: pem.getBytes() }),
            },
          };
        },
      };
      const builder = new DSSEBundleBuilder({
        signer,
        witnesses: [new RekorWitness({ rekorBaseURL: services.rekorURL, entryType: 'dsse' })],
      });
      return bundleToJSON(
        await builder.create({ data: Buffer.from(JSON.stringify(statement)), type: IN_TOTO_PAYLOAD_TYPE }),
      );
    }
    const workflow = () => ({ oid: '1.3.6.1.4.1.57264.1.9', value: services.identity.workflow });
    const repositoryId = () => ({ oid: '1.3.6.1.4.1.57264.1.15', value: services.identity.repositoryId });

    it('accepts a certificate with only the legacy issuer (.1.1)', async () => {
      const signed = await signWithExtensions([
        { oid: '1.3.6.1.4.1.57264.1.1', value: GITHUB_ISSUER, legacy: true },
        workflow(),
        repositoryId(),
      ]);
      await expect(verify(signed)).resolves.toBeDefined();
    });

    it('rejects a certificate whose two issuer extensions disagree, either way round', async () => {
      for (const [v1, v2] of [
        [GITHUB_ISSUER, 'https://token.example.com'],
        ['https://token.example.com', GITHUB_ISSUER],
      ]) {
        const signed = await signWithExtensions([
          { oid: '1.3.6.1.4.1.57264.1.1', value: v1!, legacy: true },
          { oid: '1.3.6.1.4.1.57264.1.8', value: v2! },
          workflow(),
          repositoryId(),
        ]);
        expect(await codeOf(verify(signed))).toBe('identity-mismatch');
      }
    });

    it('rejects a certificate with no issuer, or a .1.8 issuer that is raw bytes rather than DER', async () => {
      const none = await signWithExtensions([workflow(), repositoryId()]);
      expect(await codeOf(verify(none))).toBe('identity-mismatch');
      const raw = await signWithExtensions([
        { oid: '1.3.6.1.4.1.57264.1.8', value: GITHUB_ISSUER, legacy: true },
        workflow(),
        repositoryId(),
      ]);
      expect(await codeOf(verify(raw))).toBe('identity-mismatch');
    });
  });

  describe('trusts only the trusted root', () => {
    const root = () => services.trustedRoot as Record<string, unknown>;

    it('rejects a certificate from a CA the root does not hold', async () => {
      expect(await codeOf(verify(bundle, { trustedRoot: { ...root(), certificateAuthorities: [] } }))).toBe(
        'untrusted-root',
      );
    });

    it('rejects a certificate issued before the root trusts its CA', async () => {
      const [ca] = root().certificateAuthorities as Record<string, unknown>[];
      const later = { ...ca, validFor: { start: new Date(services.now.getTime() + 3600_000).toISOString() } };
      expect(await codeOf(verify(bundle, { trustedRoot: { ...root(), certificateAuthorities: [later] } }))).toBe(
        'untrusted-root',
      );
    });

    it('rejects a log entry from a log the root does not hold, or no log entry at all', async () => {
      expect(await codeOf(verify(bundle, { trustedRoot: { ...root(), tlogs: [] } }))).toBe('untrusted-root');
      const unlogged = clone(bundle);
      unlogged.verificationMaterial.tlogEntries = [];
      expect(await codeOf(verify(unlogged))).toBe('untrusted-root');
    });

    it('rejects a certificate without an SCT from a CT log the root holds', async () => {
      expect(await codeOf(verify(bundle, { trustedRoot: { ...root(), ctlogs: [] } }))).toBe('untrusted-root');
    });

    it('refuses an unusable root or identity as policy-invalid', async () => {
      const [ca] = root().certificateAuthorities as Record<string, unknown>[];
      const broken: TrustedRootJson = {
        ...root(),
        certificateAuthorities: [{ ...ca, certChain: { certificates: [{ rawBytes: 'AAAA' }] } }],
      };
      expect(await codeOf(verify(bundle, { trustedRoot: broken }))).toBe('policy-invalid');
      expect(await codeOf(verify(bundle, withIdentity({ workflow: '' })))).toBe('policy-invalid');
      expect(await codeOf(verify(bundle, withIdentity({ repositoryId: '' })))).toBe('policy-invalid');
    });
  });
});

describe('readFulcioIdentity', () => {
  const UTF8 = (text: string) =>
    forge.asn1.toDer(forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.UTF8, false, text)).getBytes();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const forgeKeys = {
    privateKey: forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  };

  /** A self-signed certificate with these extensions (node-forge writes `value` strings as raw extnValue bytes). */
  function certificate(extensions: object[]): Uint8Array {
    const cert = forge.pki.createCertificate();
    cert.publicKey = forgeKeys.publicKey;
    cert.serialNumber = '01';
    cert.validity.notBefore = new Date(0);
    cert.validity.notAfter = new Date(3600_000);
    cert.setSubject([{ name: 'commonName', value: 'test' }]);
    cert.setIssuer([{ name: 'commonName', value: 'test' }]);
    cert.setExtensions(extensions);
    cert.sign(forgeKeys.privateKey, forge.md.sha256.create());
    return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  }
  const san = (...altNames: object[]) => ({ name: 'subjectAltName', altNames });
  const uri = (value: string) => ({ type: 6, value });
  const codeOfRead = (der: Uint8Array) => codeOf(() => readFulcioIdentity(der));

  it('reads every identity field, DER and legacy', () => {
    const der = certificate([
      san(uri('https://github.com/o/r/.github/workflows/publish.yml@refs/heads/main')),
      { id: '1.3.6.1.4.1.57264.1.1', value: 'https://issuer.example' },
      { id: '1.3.6.1.4.1.57264.1.8', value: UTF8('https://issuer.example') },
      {
        id: '1.3.6.1.4.1.57264.1.9',
        value: UTF8('https://github.com/o/r/.github/workflows/publish.yml@refs/heads/main'),
      },
      { id: '1.3.6.1.4.1.57264.1.13', value: UTF8('c'.repeat(40)) },
      { id: '1.3.6.1.4.1.57264.1.15', value: UTF8('123') },
      { id: '1.3.6.1.4.1.57264.1.2', value: 'push' },
      { id: '1.3.6.1.4.1.57264.1.21', value: UTF8('https://github.com/o/r/actions/runs/1/attempts/1') },
    ]);
    expect(readFulcioIdentity(der)).toEqual({
      san: 'https://github.com/o/r/.github/workflows/publish.yml@refs/heads/main',
      issuerV1: 'https://issuer.example',
      issuerV2: 'https://issuer.example',
      buildSignerUri: 'https://github.com/o/r/.github/workflows/publish.yml@refs/heads/main',
      sourceRepositoryDigest: 'c'.repeat(40),
      repositoryId: '123',
      trigger: 'push',
      runInvocationUri: 'https://github.com/o/r/actions/runs/1/attempts/1',
    });
  });

  it('refuses a SAN that is not exactly one URI', async () => {
    expect(await codeOfRead(certificate([san(uri('https://a.example'), uri('https://b.example'))]))).toBe(
      'identity-mismatch',
    );
    expect(await codeOfRead(certificate([san({ type: 1, value: 'someone@example.com' })]))).toBe('identity-mismatch');
  });

  it('refuses a repeated extension', async () => {
    const twice = certificate([
      {
        id: '1.3.6.1.4.1.57264.1.9',
        value: UTF8('https://github.com/o/r/.github/workflows/publish.yml@refs/heads/main'),
      },
      {
        id: '1.3.6.1.4.1.57264.1.9',
        value: UTF8('https://github.com/evil/r/.github/workflows/publish.yml@refs/heads/main'),
      },
    ]);
    expect(await codeOfRead(twice)).toBe('identity-mismatch');
  });

  it('refuses a .1.8-and-later value that is not a lone DER UTF8String, and a legacy value that is not UTF-8', async () => {
    const ia5 = forge.asn1
      .toDer(forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.IA5STRING, false, 'x'))
      .getBytes();
    for (const value of ['https://issuer.example', `${UTF8('https://issuer.example')}\u0000`, ia5]) {
      expect(await codeOfRead(certificate([{ id: '1.3.6.1.4.1.57264.1.8', value }]))).toBe('identity-mismatch');
    }
    expect(await codeOfRead(certificate([{ id: '1.3.6.1.4.1.57264.1.1', value: '\u00ff\u00fe' }]))).toBe(
      'identity-mismatch',
    );
  });

  it('refuses bytes that are not a certificate as bundle-malformed', async () => {
    expect(await codeOfRead(Buffer.from('not a certificate'))).toBe('bundle-malformed');
  });
});
