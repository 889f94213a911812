/**
 * Fulcio, Rekor and a timestamp authority on 127.0.0.1, from @sigstore/mock's handlers, each behind a
 * real HTTP server on an ephemeral port, plus the trusted root that makes their output verifiable.
 *
 * The handlers are imported from @sigstore/mock's submodules rather than its index: the index loads
 * nock, which patches node's http module for the whole test process.
 *
 * Clocks: every service is handed one frozen, whole-second `now`. Rekor truncates its integrated time
 * to seconds while the CA, CT log and TSA would otherwise stamp milliseconds, and a certificate or
 * trusted-root start a few hundred milliseconds after the log's truncated time fails verification in
 * about one run in ten (threats.md). `now` is ten seconds ahead of the wall clock because the mock's
 * root and TSA certificates take `new Date()` as their notBefore and must not start after it; no
 * verifier compares anything with the wall clock, only with the logged time.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fulcioHandler, initializeCA, initializeCTLog, type CA } from '@sigstore/mock/dist/fulcio/index.js';
import { initializeTLog, rekorHandler } from '@sigstore/mock/dist/rekor/index.js';
import { initializeTSA, tsaHandler } from '@sigstore/mock/dist/timestamp/index.js';
import type { Handler } from '@sigstore/mock/dist/shared.types.js';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/** Claims of a GitHub Actions OIDC token, as Fulcio maps them into certificate extensions. */
export interface GitHubClaims {
  iss: string;
  /** The mock puts `sub` into the SAN; real Fulcio derives the SAN from job_workflow_ref, so the default mirrors that. */
  sub: string;
  aud: string;
  repository: string;
  repository_id: string;
  repository_owner: string;
  repository_owner_id: string;
  ref: string;
  sha: string;
  event_name: string;
  /** `OWNER/REPO/.github/workflows/FILE@REF`: the Build Signer URI (OID .1.9) is `https://github.com/` + this. */
  job_workflow_ref: string;
  workflow_ref: string;
  run_id: string;
  run_attempt: string;
  [claim: string]: unknown;
}

export const DEFAULT_REPOSITORY = 'mcp-catalog/catalog';
export const DEFAULT_REPOSITORY_ID = '812345678';
export const DEFAULT_WORKFLOW = `https://github.com/${DEFAULT_REPOSITORY}/.github/workflows/publish.yml@refs/heads/main`;

export interface SigstoreServices {
  fulcioURL: string;
  rekorURL: string;
  tsaURL: string;
  /** Trusted root (protobuf JSON, as in sigstore's trusted_root.json) for the three services. */
  trustedRoot: Record<string, unknown>;
  /** The identity `mintToken()` yields with no overrides, as a keyless trust policy pins it. */
  identity: { issuer: string; workflow: string; repositoryId: string };
  /** The frozen whole-second clock of every service. */
  now: Date;
  /** The mock CA itself, for tests that need a certificate with extensions no token can produce. */
  ca: CA;
  /** An unsigned JWT (the mock does not check signatures) with GitHub Actions claims; `sub` follows job_workflow_ref. */
  mintToken(overrides?: Partial<GitHubClaims>): string;
  /** Requests per service, to assert what was called. */
  requests: { fulcio: number; rekor: number; tsa: number };
  close(): Promise<void>;
}

export async function startSigstoreServices(): Promise<SigstoreServices> {
  const now = new Date(Math.floor(Date.now() / 1000) * 1000 + 10_000);
  const keys = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const requests = { fulcio: 0, rekor: 0, tsa: 0 };

  const fulcio = await listen();
  const rekor = await listen();
  const tsa = await listen();

  // One key per service, as in a real deployment.
  const ctlog = await initializeCTLog(keys(), now);
  const ca = await initializeCA(keys(), ctlog, now);
  const tlog = await initializeTLog(rekor.url, keys(), now);
  const timestamps = await initializeTSA(keys(), now);

  fulcio.serve(fulcioHandler(ca), () => requests.fulcio++);
  // The mock logs a proposed entry verbatim; real Rekor logs its canonical form, which verifiers check.
  rekor.serve(
    rekorHandler({
      publicKey: tlog.publicKey,
      log: (entry) => tlog.log(canonicalDsseEntry(entry)),
      logV2: (request) => tlog.logV2(request),
    }),
    () => requests.rekor++,
  );
  tsa.serve(tsaHandler(timestamps), () => requests.tsa++);

  const validFor = { start: new Date(now.getTime() - 3600_000).toISOString() };
  const b64 = (bytes: ArrayBufferView) =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const logKey = (spki: Buffer) => ({
    rawBytes: spki.toString('base64'),
    keyDetails: 'PKIX_ECDSA_P256_SHA_256',
    validFor,
  });
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: rekor.url,
        hashAlgorithm: 'SHA2_256',
        publicKey: logKey(tlog.publicKey),
        // Rekor's log id is the sha256 of its SPKI public key.
        logId: { keyId: createHash('sha256').update(tlog.publicKey).digest('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: fulcio.url,
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor,
      },
    ],
    ctlogs: [
      {
        baseUrl: 'https://ctfe.sigstore.mock',
        hashAlgorithm: 'SHA2_256',
        publicKey: logKey(ctlog.publicKey),
        logId: { keyId: b64(ctlog.logID) },
      },
    ],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'tsa' },
        uri: tsa.url,
        // Leaf (the signing certificate) first, then its issuer: the order @sigstore/verify expects.
        certChain: {
          certificates: [{ rawBytes: b64(timestamps.intCertificate) }, { rawBytes: b64(timestamps.rootCertificate) }],
        },
        validFor,
      },
    ],
  };

  const identity = { issuer: GITHUB_ISSUER, workflow: DEFAULT_WORKFLOW, repositoryId: DEFAULT_REPOSITORY_ID };

  return {
    fulcioURL: fulcio.url,
    rekorURL: rekor.url,
    tsaURL: tsa.url,
    trustedRoot,
    identity,
    now,
    ca,
    requests,
    mintToken(overrides = {}) {
      const jobWorkflowRef =
        overrides.job_workflow_ref ?? `${DEFAULT_REPOSITORY}/.github/workflows/publish.yml@refs/heads/main`;
      const claims: GitHubClaims = {
        iss: GITHUB_ISSUER,
        aud: 'sigstore',
        repository: DEFAULT_REPOSITORY,
        repository_id: DEFAULT_REPOSITORY_ID,
        repository_owner: DEFAULT_REPOSITORY.split('/')[0]!,
        repository_owner_id: '91234567',
        ref: 'refs/heads/main',
        sha: 'a'.repeat(40),
        event_name: 'push',
        workflow_ref: jobWorkflowRef,
        run_id: '1',
        run_attempt: '1',
        iat: now.getTime() / 1000,
        exp: now.getTime() / 1000 + 300,
        ...overrides,
        job_workflow_ref: jobWorkflowRef,
        sub: overrides.sub ?? `https://github.com/${jobWorkflowRef}`,
      };
      // JSON leaves out claims set to undefined, so a test can take one away.
      const payload = JSON.stringify(claims);
      const part = (text: string) => Buffer.from(text).toString('base64url');
      return `${part('{"alg":"none","typ":"JWT"}')}.${part(payload)}.${part('unsigned')}`;
    },
    close: async () => {
      await Promise.all([fulcio.close(), rekor.close(), tsa.close()]);
    },
  };
}

/**
 * What Rekor stores for a `dsse` v0.0.1 entry (rekor pkg/types/dsse/v0.0.1 `Canonicalize`): hashes of
 * the envelope and payload and the signatures with their verifiers, not the proposed content.
 * Other kinds pass through unchanged.
 */
function canonicalDsseEntry(entry: object): object {
  const proposed = entry as {
    kind?: string;
    apiVersion?: string;
    spec?: { proposedContent?: { envelope: string; verifiers: string[] } };
  };
  const content = proposed.spec?.proposedContent;
  if (proposed.kind !== 'dsse' || proposed.apiVersion !== '0.0.1' || !content) return entry;
  const envelope = JSON.parse(content.envelope) as { payload: string; signatures: { sig: string }[] };
  const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
  return {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256(content.envelope) },
      payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(envelope.payload, 'base64')) },
      signatures: envelope.signatures.map((signature) => ({
        signature: signature.sig,
        verifier: content.verifiers[0],
      })),
    },
  };
}

interface Listener {
  url: string;
  serve(handler: Handler, onRequest: () => void): void;
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 that answers POSTs to the mock handler's path (404 otherwise). The port is bound before
 * the handler exists because the mock Rekor signs its checkpoints with its own host name.
 */
async function listen(): Promise<Listener> {
  let handler: Handler | undefined;
  let count: () => void = () => {};
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      count();
      if (!handler || req.method !== 'POST' || req.url !== handler.path) {
        res.writeHead(404).end();
        return;
      }
      handler.fn(Buffer.concat(chunks).toString('utf8')).then(
        ({ statusCode, response, contentType }) => {
          const body =
            typeof response === 'string'
              ? Buffer.from(response)
              : Buffer.from(response.buffer, response.byteOffset, response.byteLength);
          res.writeHead(statusCode, { 'content-type': contentType ?? 'text/plain', 'content-length': body.length });
          res.end(body);
        },
        (error: Error) => res.writeHead(500).end(error.message),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    serve(served, onRequest) {
      handler = served;
      count = onRequest;
    },
    close: () =>
      new Promise((resolve) => {
        // make-fetch-happen keeps connections alive; close them or server.close() waits for their timeout.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
