/**
 * The signer: wraps an in-toto statement into a DSSE envelope and a sigstore bundle
 * (https://github.com/sigstore/protobuf-specs/blob/main/protos/sigstore_bundle.proto), media type
 * `application/vnd.dev.sigstore.bundle.v0.3+json`. The only module that imports @sigstore/sign.
 *
 * - Key mode (forks without OIDC, local builds): the DSSE signature is made with a P-256 key from
 *   `signing-key.ts`, and the bundle carries only a public-key hint (`publicKeyId`); no Fulcio
 *   certificate, no transparency log, no timestamp.
 * - Keyless (publish.yml): an ephemeral key certified by Fulcio for the workflow's OIDC identity,
 *   the envelope logged in Rekor (a `dsse` entry), optionally an RFC 3161 timestamp.
 *
 * Every @sigstore/sign error is wrapped once, here, into a SigningError.
 */
import { sign as signBytes } from 'node:crypto';
import { DSSEBundleBuilder, FulcioSigner, InternalError, RekorWitness, TSAWitness } from '@sigstore/sign';
import type { Signer, Witness } from '@sigstore/sign';
import { bundleToJSON, type SerializedBundle } from '@sigstore/bundle';
import { IN_TOTO_PAYLOAD_TYPE, type Statement } from '../core/attestation.ts';
import { checkKeyPair, publicKeyId, SigningError, type KeyPairPem } from './signing-key.ts';

export { SigningError, type SigningErrorCode } from './signing-key.ts';
export type { SerializedBundle } from '@sigstore/bundle';

export interface AttestationSigner {
  /** For logs: which key or which services sign. */
  readonly description: string;
  /** The sigstore bundle of `statement`, as the plain JSON object written to `.sigstore.json`. */
  sign(statement: Statement): Promise<SerializedBundle>;
}

export function keySigner(pair: KeyPairPem): AttestationSigner {
  const { privateKey } = checkKeyPair(pair);
  const hint = publicKeyId(pair.publicKeyPem);
  // ECDSA over SHA-256, DER-encoded (node's default dsaEncoding): what sigstore verifiers expect for P-256.
  const signer: Signer = {
    sign: async (data) => ({
      signature: signBytes('sha256', data, privateKey),
      key: { $case: 'publicKey', publicKey: pair.publicKeyPem, hint },
    }),
  };
  return attestationSigner(`key ${hint}`, new DSSEBundleBuilder({ signer, witnesses: [] }));
}

export interface KeylessSignerOptions {
  fulcioURL: string;
  rekorURL: string;
  /** An RFC 3161 timestamp authority; adds a second, independent signing time to the bundle. */
  tsaURL?: string;
  /** Called once per signature: an OIDC identity token Fulcio accepts (audience `sigstore`). */
  identityToken: () => Promise<string>;
  /** Per request to Fulcio, Rekor and the TSA. Defaults: 2 retries, 30 s. */
  fetchOptions?: { retry?: number; timeout?: number };
}

export function keylessSigner(options: KeylessSignerOptions): AttestationSigner {
  const fetchOptions = { retry: options.fetchOptions?.retry ?? 2, timeout: options.fetchOptions?.timeout ?? 30_000 };
  const signer = new FulcioSigner({
    fulcioBaseURL: options.fulcioURL,
    identityProvider: { getToken: options.identityToken },
    ...fetchOptions,
  });
  const witnesses: Witness[] = [
    // `dsse` entries (not the legacy `intoto`): Rekor stores the envelope's hash and signature.
    new RekorWitness({ rekorBaseURL: options.rekorURL, entryType: 'dsse', ...fetchOptions }),
  ];
  if (options.tsaURL) witnesses.push(new TSAWitness({ tsaBaseURL: options.tsaURL, ...fetchOptions }));
  // certificateChain: false keeps the v0.3 bundle (leaf certificate only; the root comes from the trusted root).
  const builder = new DSSEBundleBuilder({ signer, witnesses, certificateChain: false });
  return attestationSigner(`keyless via ${options.fulcioURL} and ${options.rekorURL}`, builder);
}

/**
 * The GitHub Actions OIDC token for Fulcio (audience `sigstore`). Needs `permissions: id-token: write`
 * in the job; @actions/core also masks the token in the log.
 */
export function githubActionsIdentity(): () => Promise<string> {
  return async () => {
    if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
      throw new SigningError(
        'identity-unavailable',
        'no GitHub Actions OIDC token: give the publish job `permissions: id-token: write`, or sign with a key (`"signing": { "mode": "key" }` in catalog.config.json).',
      );
    }
    try {
      const { getIDToken } = await import('@actions/core');
      return await getIDToken('sigstore');
    } catch (cause) {
      throw new SigningError(
        'identity-unavailable',
        `GitHub Actions refused an OIDC token: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
  };
}

function attestationSigner(description: string, builder: DSSEBundleBuilder): AttestationSigner {
  return {
    description,
    async sign(statement) {
      try {
        const bundle = await builder.create({
          data: Buffer.from(JSON.stringify(statement), 'utf8'),
          type: IN_TOTO_PAYLOAD_TYPE,
        });
        return bundleToJSON(bundle);
      } catch (error) {
        throw wrap(error);
      }
    },
  };
}

type ServiceCode = 'identity-unavailable' | 'certificate-failed' | 'transparency-log-failed' | 'timestamp-failed';

const INTERNAL_CODES: Record<InternalError['code'], ServiceCode> = {
  IDENTITY_TOKEN_READ_ERROR: 'identity-unavailable',
  IDENTITY_TOKEN_PARSE_ERROR: 'identity-unavailable',
  CA_CREATE_SIGNING_CERTIFICATE_ERROR: 'certificate-failed',
  TLOG_CREATE_ENTRY_ERROR: 'transparency-log-failed',
  TLOG_FETCH_ENTRY_ERROR: 'transparency-log-failed',
  TSA_CREATE_TIMESTAMP_ERROR: 'timestamp-failed',
};

const HINTS: Record<ServiceCode, string> = {
  'identity-unavailable': 'In GitHub Actions the job needs `permissions: id-token: write`.',
  'certificate-failed': 'Fulcio did not issue a certificate: check its URL and that it accepts the token.',
  'transparency-log-failed': 'Rekor did not log the signature: check its URL, or retry later.',
  'timestamp-failed': 'The timestamp authority did not answer: check its URL, or retry later.',
};

function wrap(error: unknown): SigningError {
  if (error instanceof SigningError) return error;
  if (!(error instanceof InternalError)) {
    return new SigningError('signing-failed', `Signing failed: ${(error as Error).message}`, { cause: error });
  }
  // The identity provider's own SigningError comes back as the cause.
  if (error.cause instanceof SigningError) return error.cause;
  if (error.code === 'IDENTITY_TOKEN_PARSE_ERROR') {
    // @sigstore/sign puts the whole token into this message (and its cause); neither is passed on.
    return new SigningError(
      'identity-unavailable',
      `The identity token is not a JWT with a subject. ${HINTS['identity-unavailable']}`,
    );
  }
  const code = INTERNAL_CODES[error.code];
  const detail = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return new SigningError(code, `${error.message}${detail}. ${HINTS[code]}`, { cause: error });
}
