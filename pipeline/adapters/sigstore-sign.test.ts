import { X509Certificate } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { artifactStatement, IN_TOTO_PAYLOAD_TYPE } from '../core/attestation.ts';
import { startSigstoreServices, type SigstoreServices } from '../test-support/sigstore-services.ts';
import {
  githubActionsIdentity,
  keylessSigner,
  keySigner,
  SigningError,
  type KeylessSignerOptions,
  type SerializedBundle,
} from './sigstore-sign.ts';
import { publicKeyId } from './signing-key.ts';
import { p256KeyPair as p256, signingErrorCode as codeOf } from '../test-support/keys.ts';

const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';

const statement = artifactStatement({
  name: 'io.github.example/weather@1.2.0/weather.mcpb',
  sha256: 'a'.repeat(64),
  server: 'io.github.example/weather',
  version: '1.2.0',
  scanReport: { sha256: 'b'.repeat(64), verdict: 'pass', ruleset: { name: 'mcp-catalog-core', version: '1.0.0' } },
  catalog: 'https://catalog.example',
});

function payloadOf(bundle: SerializedBundle): unknown {
  return JSON.parse(Buffer.from(bundle.dsseEnvelope!.payload, 'base64').toString('utf8'));
}

/** A port with nothing listening: connections are refused at once. */
async function closedPortURL(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('keySigner', () => {
  it('writes a v0.3 DSSE bundle with the in-toto statement, a public-key hint, and no witnesses', async () => {
    const pair = p256();
    const signer = keySigner(pair);
    const bundle = await signer.sign(statement);
    const keyId = publicKeyId(pair.publicKeyPem);
    expect(signer.description).toBe(`key ${keyId}`);
    expect(bundle.mediaType).toBe(BUNDLE_V03);
    expect(bundle.dsseEnvelope?.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    expect(payloadOf(bundle)).toEqual(statement);
    expect(bundle.dsseEnvelope?.signatures).toEqual([{ keyid: keyId, sig: expect.any(String) }]);
    // Protobuf JSON leaves out empty lists: no tlogEntries, no rfc3161Timestamps.
    expect(bundle.verificationMaterial).toEqual({ publicKey: { hint: keyId }, timestampVerificationData: {} });
    // It round-trips through JSON unchanged: what is written to .sigstore.json is what was built.
    expect(JSON.parse(JSON.stringify(bundle))).toEqual(bundle);
  });

  it('refuses an unusable key up front', async () => {
    const a = p256();
    expect(await codeOf(() => keySigner({ ...a, privateKeyPem: 'nope' }))).toBe('key-invalid');
    expect(await codeOf(() => keySigner({ ...a, publicKeyPem: p256().publicKeyPem }))).toBe('key-mismatch');
  });
});

describe('keylessSigner', () => {
  let services: SigstoreServices;
  beforeAll(async () => {
    services = await startSigstoreServices();
  });
  afterAll(() => services.close());

  const options = (overrides: Partial<KeylessSignerOptions> = {}): KeylessSignerOptions => ({
    fulcioURL: services.fulcioURL,
    rekorURL: services.rekorURL,
    identityToken: async () => services.mintToken(),
    fetchOptions: { retry: 0, timeout: 5000 },
    ...overrides,
  });

  it('gets a Fulcio certificate for the token and logs the envelope in Rekor, over HTTP', async () => {
    const before = { ...services.requests };
    const bundle = await keylessSigner(options()).sign(statement);
    expect(services.requests.fulcio - before.fulcio).toBe(1);
    expect(services.requests.rekor - before.rekor).toBe(1);
    expect(services.requests.tsa - before.tsa).toBe(0);
    expect(bundle.mediaType).toBe(BUNDLE_V03);
    expect(payloadOf(bundle)).toEqual(statement);
    // v0.3: the leaf certificate alone, not a chain.
    expect(bundle.verificationMaterial.x509CertificateChain).toBeUndefined();
    const certificate = new X509Certificate(Buffer.from(bundle.verificationMaterial.certificate!.rawBytes, 'base64'));
    expect(certificate.subjectAltName).toBe(`URI:${services.identity.workflow}`);
    const [entry] = bundle.verificationMaterial.tlogEntries;
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
    expect(entry?.kindVersion).toEqual({ kind: 'dsse', version: '0.0.1' });
    expect(entry?.inclusionPromise).toBeDefined();
    expect(entry?.inclusionProof).toBeDefined();
    expect(entry?.integratedTime).toBe(String(services.now.getTime() / 1000));
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? []).toEqual([]);
  });

  it('adds an RFC 3161 timestamp when a TSA is configured', async () => {
    const before = services.requests.tsa;
    const bundle = await keylessSigner(options({ tsaURL: services.tsaURL })).sign(statement);
    expect(services.requests.tsa - before).toBe(1);
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
  });

  it('reports a missing identity token as identity-unavailable', async () => {
    const failing = options({
      identityToken: () => Promise.reject(new Error('no token here')),
    });
    expect(await codeOf(keylessSigner(failing).sign(statement))).toBe('identity-unavailable');
  });

  it('reports a token that is not a JWT as identity-unavailable, without echoing the token', async () => {
    const token = 'secret-token-value';
    try {
      await keylessSigner(options({ identityToken: async () => token })).sign(statement);
      expect.unreachable();
    } catch (error) {
      expect((error as SigningError).code).toBe('identity-unavailable');
      expect(JSON.stringify({ m: (error as Error).message, c: String((error as Error).cause) })).not.toContain(token);
    }
  });

  it('names the service that failed', async () => {
    const down = await closedPortURL();
    expect(await codeOf(keylessSigner(options({ fulcioURL: down })).sign(statement))).toBe('certificate-failed');
    expect(await codeOf(keylessSigner(options({ rekorURL: down })).sign(statement))).toBe('transparency-log-failed');
    expect(await codeOf(keylessSigner(options({ tsaURL: down })).sign(statement))).toBe('timestamp-failed');
    // A server answers, but with an error status (Rekor has no /api/v2/signingCert: 404).
    const refused = options({ fulcioURL: services.rekorURL });
    expect(await codeOf(keylessSigner(refused).sign(statement))).toBe('certificate-failed');
  });
});

describe('githubActionsIdentity', () => {
  const saved = { url: process.env.ACTIONS_ID_TOKEN_REQUEST_URL, token: process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN };
  afterEach(() => {
    for (const [name, value] of [
      ['ACTIONS_ID_TOKEN_REQUEST_URL', saved.url],
      ['ACTIONS_ID_TOKEN_REQUEST_TOKEN', saved.token],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('is unavailable outside GitHub Actions', async () => {
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    expect(await codeOf(githubActionsIdentity()())).toBe('identity-unavailable');
  });

  it('asks the Actions token service for a token with audience sigstore', async () => {
    const seen: { url?: string; headers?: IncomingHttpHeaders } = {};
    const server = createServer((req, res) => {
      seen.url = req.url;
      seen.headers = req.headers;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: 'the.oidc.token' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      process.env.ACTIONS_ID_TOKEN_REQUEST_URL = `http://127.0.0.1:${port}/token?api-version=2.0`;
      process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'request-token';
      expect(await githubActionsIdentity()()).toBe('the.oidc.token');
      expect(new URL(seen.url!, 'http://x').searchParams.get('audience')).toBe('sigstore');
      expect(seen.headers?.authorization).toBe('Bearer request-token');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
