/**
 * THE verifier of the catalog's sigstore bundles, shared by the build's self-check and the installer.
 * The only module that verifies with @sigstore/verify and @sigstore/bundle.
 *
 * What @sigstore/verify proves, and what this module adds on top:
 * - It proves that the DSSE signature is valid for the bundle's key or certificate, that the
 *   certificate chains to a trusted Fulcio at a logged time, and that the Rekor entry and any
 *   timestamp are genuine. It does NOT pin who signed: its certificate-identity policy matches the
 *   SAN as an unanchored regular expression, and it compares only the issuer extension. So no
 *   policy is handed to it; the identity is compared here, exactly, extension by extension.
 * - A DSSE bundle proves only the statement (sigstore bundle spec, "DSSE"): the statement's subject
 *   digest is compared with the artifact here.
 *
 * Bundle format: https://github.com/sigstore/protobuf-specs/blob/main/protos/sigstore_bundle.proto.
 * Fulcio extensions: https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import { BUNDLE_V03_MEDIA_TYPE, bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import {
  toSignedEntity,
  toTrustMaterial,
  VerificationError as SigstoreVerificationError,
  Verifier,
  type SignedEntity,
  type TrustMaterial,
} from '@sigstore/verify';
import { IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_V1, isSha256Hex, type Statement } from '../core/attestation.ts';
import { publicKeyId } from './signing-key.ts';

/** A trusted root in sigstore's JSON form (`trusted_root.json`, protobuf-specs TrustedRoot). */
export type TrustedRootJson = Readonly<Record<string, unknown>>;

export type TrustPolicy =
  | { mode: 'key'; publicKeyPem: string }
  | {
      mode: 'keyless';
      trustedRoot: TrustedRootJson;
      identity: {
        /** OIDC issuer, e.g. `https://token.actions.githubusercontent.com`. */
        issuer: string;
        /** Full Build Signer URI: `https://github.com/OWNER/REPO/.github/workflows/publish.yml@refs/heads/main`. */
        workflow: string;
        /** GitHub's numeric repository id: a deleted and re-created OWNER/REPO gets a new one. */
        repositoryId: string;
      };
    };

export type SignerIdentity =
  | { mode: 'key'; keyId: string }
  | {
      mode: 'keyless';
      issuer: string;
      workflow: string;
      repositoryId: string;
      /** Commit the workflow ran on (OID .1.13), when the certificate says. */
      sourceRepositoryDigest?: string;
      /** Event that started the run (OID .1.20). */
      trigger?: string;
      /** The run's URL (OID .1.21). */
      runInvocationUri?: string;
    };

export interface VerifiedAttestation {
  statement: Statement;
  signer: SignerIdentity;
}

export type VerificationErrorCode =
  /** Not JSON, not a v0.3 sigstore bundle with a DSSE envelope, or truncated. */
  | 'bundle-malformed'
  /** The envelope was signed, but what it carries is not a single-subject in-toto v1 statement. */
  | 'statement-malformed'
  /** The signature does not match the envelope (tampered payload or signature). */
  | 'signature-invalid'
  /** Validly signed, by someone else: another key, or another issuer, workflow, ref, repository or trigger. */
  | 'identity-mismatch'
  /** The statement is about other bytes. */
  | 'digest-mismatch'
  /** Another predicate type or subject name than the caller expects (a statement used out of place). */
  | 'predicate-mismatch'
  /** The certificate, log entry or timestamp does not chain to the trusted root, or the root cannot be loaded. */
  | 'untrusted-root'
  /** The trust policy itself is unusable (bad public key, bad trusted root, empty identity). */
  | 'policy-invalid';

export class VerificationError extends Error {
  override name = 'VerificationError';
  readonly code: VerificationErrorCode;
  constructor(code: VerificationErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** Largest bundle accepted as text or bytes; ours are a few kilobytes. */
export const MAX_BUNDLE_BYTES = 1 << 20;

/**
 * Verifies a sigstore bundle against the trust policy and returns the statement it signs. Throws a
 * VerificationError unless everything holds: well-formed bundle, valid signature chaining to the
 * policy, the policy's exact identity, the expected predicate type (and subject name), and a
 * subject digest equal to the artifact's.
 *
 * `bundleJson` is the parsed JSON, or its text or bytes as read from `.sigstore.json`.
 */
export async function verifyAttestation(
  bundleJson: unknown,
  subject: { bytes: Uint8Array } | { sha256: string },
  policy: TrustPolicy,
  expect: { predicateType: string; subjectName?: string },
): Promise<VerifiedAttestation> {
  const bundle = parseBundle(bundleJson);
  const trust = trustFor(policy);
  const entity = signedEntity(bundle);
  checkKeyMaterial(entity, policy);
  verifySignature(entity, trust, policy);
  const signer: SignerIdentity =
    policy.mode === 'key'
      ? { mode: 'key', keyId: publicKeyId(policy.publicKeyPem) }
      : keylessIdentity(certificateBytes(bundle), policy.identity);
  const statement = parseStatement(bundle);
  checkPredicate(statement, expect);
  checkDigest(statement, subject);
  return { statement, signer };
}

/** Sigstore's public-good trusted root through TUF (network, cached), for the installer. */
export async function loadPublicGoodTrustedRoot(options: { cachePath?: string } = {}): Promise<TrustedRootJson> {
  try {
    // Loaded on demand: the TUF client and its HTTP stack are only needed when no root is pinned.
    const { getTrustedRoot } = await import('@sigstore/tuf');
    const root = await getTrustedRoot(options.cachePath === undefined ? {} : { cachePath: options.cachePath });
    return TrustedRoot.toJSON(root) as TrustedRootJson;
  } catch (cause) {
    throw new VerificationError(
      'untrusted-root',
      `could not load sigstore's trusted root through TUF (${(cause as Error).message}). Check the network, or pin a trusted_root.json.`,
      { cause },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Bundle

function parseBundle(input: unknown): Bundle {
  let json = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
    if (size > MAX_BUNDLE_BYTES) throw malformed(`it is ${size} bytes, over the ${MAX_BUNDLE_BYTES}-byte limit`);
    try {
      json = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
    } catch (cause) {
      throw malformed('it is not JSON (truncated download?)', cause);
    }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw malformed('it is not a JSON object');
  const mediaType = (json as { mediaType?: unknown }).mediaType;
  // Only the version the signer writes: older versions allow an inclusion promise without a proof.
  if (mediaType !== BUNDLE_V03_MEDIA_TYPE) {
    throw malformed(`its mediaType is ${JSON.stringify(mediaType)}, expected ${BUNDLE_V03_MEDIA_TYPE}`);
  }
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (cause) {
    const fields = (cause as { fields?: string[] }).fields;
    throw malformed(fields ? `invalid fields: ${fields.join(', ')}` : (cause as Error).message, cause);
  }
  if (bundle.content.$case !== 'dsseEnvelope') throw malformed('it holds a message signature, not a DSSE envelope');
  return bundle;
}

function signedEntity(bundle: Bundle): SignedEntity {
  try {
    return toSignedEntity(bundle);
  } catch (cause) {
    // A certificate or timestamp that is not DER.
    throw malformed((cause as Error).message, cause);
  }
}

function malformed(why: string, cause?: unknown): VerificationError {
  return new VerificationError(
    'bundle-malformed',
    `The sigstore bundle is unusable: ${why}. Download it again; if it persists, the catalog's build is broken.`,
    { cause },
  );
}

// ---------------------------------------------------------------------------------------------
// Trust and signature

const KEY_MODE_ROOT = TrustedRoot.fromJSON({});
/** Parsed roots by object: the build verifies every artifact against the same root. Roots are treated as immutable. */
const trustCache = new WeakMap<object, TrustMaterial>();

function trustFor(policy: TrustPolicy): TrustMaterial {
  if (policy.mode === 'key') {
    let keyId: string;
    let publicKey: KeyObject;
    try {
      keyId = publicKeyId(policy.publicKeyPem);
      publicKey = createPublicKey(policy.publicKeyPem);
    } catch (cause) {
      throw new VerificationError('policy-invalid', `the pinned public key is unusable: ${(cause as Error).message}`, {
        cause,
      });
    }
    // The finder knows only the pinned key, valid at any time: key bundles carry no timestamp.
    return toTrustMaterial(KEY_MODE_ROOT, (hint) => {
      if (hint !== keyId) throw mismatch(`the bundle names key ${JSON.stringify(hint)}, the catalog pins key ${keyId}`);
      return { publicKey, validFor: () => true };
    });
  }
  const { issuer, workflow, repositoryId } = policy.identity;
  if (![issuer, workflow, repositoryId].every((value) => typeof value === 'string' && value.length > 0)) {
    throw new VerificationError(
      'policy-invalid',
      'the keyless identity needs a non-empty issuer, workflow and repositoryId.',
    );
  }
  const cached = trustCache.get(policy.trustedRoot);
  if (cached) return cached;
  let trust: TrustMaterial;
  try {
    trust = toTrustMaterial(TrustedRoot.fromJSON(policy.trustedRoot));
  } catch (cause) {
    throw new VerificationError('policy-invalid', `the trusted root is unusable: ${(cause as Error).message}`, {
      cause,
    });
  }
  trustCache.set(policy.trustedRoot, trust);
  return trust;
}

/**
 * The bundle must be of the policy's kind and, in key mode, name the pinned key. The hint is not
 * authenticated; it only lets a bundle from another key fail as identity-mismatch rather than as a
 * bad signature.
 */
function checkKeyMaterial(entity: SignedEntity, policy: TrustPolicy): void {
  if (policy.mode === 'key') {
    if (entity.key.$case !== 'public-key') {
      throw mismatch('the bundle is signed keyless (a Fulcio certificate), but this catalog pins a public key');
    }
    const expected = publicKeyId(policy.publicKeyPem);
    if (entity.key.hint !== expected) {
      throw mismatch(`the bundle names key ${JSON.stringify(entity.key.hint)}, the catalog pins key ${expected}`);
    }
  } else if (entity.key.$case !== 'certificate') {
    throw mismatch('the bundle is signed with a plain key, but this catalog pins a keyless (GitHub Actions) identity');
  }
}

function verifySignature(entity: SignedEntity, trust: TrustMaterial, policy: TrustPolicy): void {
  // Keyless: one Rekor entry, one timestamp (the entry's), one SCT: @sigstore/verify's defaults.
  // Key mode: nothing but the signature; the pinned key is the whole trust.
  const options = policy.mode === 'key' ? { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 } : {};
  try {
    new Verifier(trust, options).verify(entity);
  } catch (cause) {
    throw fromSigstore(cause);
  }
}

function fromSigstore(error: unknown): VerificationError {
  // Our own errors, thrown from the key finder, pass through as they are.
  if (error instanceof VerificationError) return error;
  const message = (error as Error).message;
  if (error instanceof SigstoreVerificationError) {
    switch (error.code) {
      case 'SIGNATURE_ERROR':
      // The Rekor entry records another envelope: the payload or signature changed after logging.
      case 'TLOG_BODY_ERROR':
        return new VerificationError(
          'signature-invalid',
          `The signature does not match the attestation (${message}): it was altered after signing. Do not use this artifact.`,
          { cause: error },
        );
      case 'PUBLIC_KEY_ERROR':
        return mismatch(message, error);
      case 'NOT_IMPLEMENTED_ERROR':
        return malformed(message, error);
      default:
        return new VerificationError(
          'untrusted-root',
          `The signature does not chain to the trusted root (${error.code}: ${message}). Update the trusted root, or do not use this artifact.`,
          { cause: error },
        );
    }
  }
  return new VerificationError('signature-invalid', `The signature could not be verified: ${message}.`, {
    cause: error,
  });
}

function mismatch(why: string, cause?: unknown): VerificationError {
  return new VerificationError(
    'identity-mismatch',
    `The attestation was not signed by this catalog's signer: ${why}. A fork, another workflow or branch signed it; do not use this artifact.`,
    { cause },
  );
}

// ---------------------------------------------------------------------------------------------
// Keyless identity: the Fulcio certificate's SAN and extensions, compared exactly.

const OID_SAN = '2.5.29.17';
const OID_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const OID_TRIGGER_V1 = '1.3.6.1.4.1.57264.1.2';
const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
const OID_BUILD_SIGNER_URI = '1.3.6.1.4.1.57264.1.9';
const OID_SOURCE_REPOSITORY_DIGEST = '1.3.6.1.4.1.57264.1.13';
const OID_SOURCE_REPOSITORY_ID = '1.3.6.1.4.1.57264.1.15';
const OID_BUILD_TRIGGER = '1.3.6.1.4.1.57264.1.20';
const OID_RUN_INVOCATION_URI = '1.3.6.1.4.1.57264.1.21';

/**
 * Events whose runs must never sign: a pull_request_target run executes the base branch's workflow
 * file, so its Build Signer URI is the same `…/publish.yml@refs/heads/main` as a real publish.
 */
const REFUSED_TRIGGERS: ReadonlySet<string> = new Set(['pull_request', 'pull_request_target']);

/** The leaf certificate as stored: v0.3 bundles carry exactly one, never a chain. */
function certificateBytes(bundle: Bundle): Uint8Array {
  const content = bundle.verificationMaterial.content;
  if (content.$case !== 'certificate') throw mismatch('the bundle has no Fulcio certificate');
  return content.certificate.rawBytes;
}

/** The identity fields of a Fulcio certificate, as encoded (absent when the certificate lacks them). */
export interface FulcioIdentity {
  /** The SAN's single URI. */
  san?: string;
  /** OIDC issuer, legacy raw-bytes form (.1.1). */
  issuerV1?: string;
  /** OIDC issuer, DER UTF8String form (.1.8). */
  issuerV2?: string;
  buildSignerUri?: string;
  repositoryId?: string;
  sourceRepositoryDigest?: string;
  /** Build Trigger (.1.20), or the legacy GitHub Workflow Trigger (.1.2). */
  trigger?: string;
  runInvocationUri?: string;
}

/**
 * Reads the identity fields of a Fulcio certificate (DER) without trusting their encoding: a repeated
 * extension, a SAN that is not exactly one URI, or a .1.8-and-later value that is not a lone DER
 * UTF8String is an identity-mismatch. Verifies nothing about the chain.
 */
export function readFulcioIdentity(der: Uint8Array): FulcioIdentity {
  let cert: X509Certificate;
  try {
    cert = X509Certificate.parse(Buffer.from(der));
  } catch (cause) {
    throw malformed('its certificate is not DER', cause);
  }
  const extensions = extensionValues(cert);
  const identity: FulcioIdentity = {};
  const set = <K extends keyof FulcioIdentity>(key: K, value: string | undefined) => {
    if (value !== undefined) identity[key] = value;
  };
  set('san', subjectAlternativeNameUri(extensions.get(OID_SAN)));
  set('issuerV1', rawString(extensions.get(OID_ISSUER_V1), 'issuer (.1.1)'));
  set('issuerV2', derUtf8String(extensions.get(OID_ISSUER_V2), 'issuer (.1.8)'));
  set('buildSignerUri', derUtf8String(extensions.get(OID_BUILD_SIGNER_URI), 'Build Signer URI (.1.9)'));
  set('repositoryId', derUtf8String(extensions.get(OID_SOURCE_REPOSITORY_ID), 'Source Repository Identifier (.1.15)'));
  set(
    'sourceRepositoryDigest',
    derUtf8String(extensions.get(OID_SOURCE_REPOSITORY_DIGEST), 'Source Repository Digest (.1.13)'),
  );
  set(
    'trigger',
    derUtf8String(extensions.get(OID_BUILD_TRIGGER), 'Build Trigger (.1.20)') ??
      rawString(extensions.get(OID_TRIGGER_V1), 'trigger (.1.2)'),
  );
  set('runInvocationUri', derUtf8String(extensions.get(OID_RUN_INVOCATION_URI), 'Run Invocation URI (.1.21)'));
  return identity;
}

function keylessIdentity(
  der: Uint8Array,
  want: { issuer: string; workflow: string; repositoryId: string },
): SignerIdentity {
  const found = readFulcioIdentity(der);
  // Plain string equality throughout: a policy value is never a pattern.
  same('SAN', found.san, want.workflow);
  if (found.issuerV1 === undefined && found.issuerV2 === undefined)
    throw mismatch('the certificate names no OIDC issuer');
  if (found.issuerV2 !== undefined) same('issuer (.1.8)', found.issuerV2, want.issuer);
  if (found.issuerV1 !== undefined) same('issuer (.1.1)', found.issuerV1, want.issuer);
  same('Build Signer URI (.1.9)', found.buildSignerUri, want.workflow);
  same('Source Repository Identifier (.1.15)', found.repositoryId, want.repositoryId);
  if (found.trigger !== undefined && REFUSED_TRIGGERS.has(found.trigger)) {
    throw mismatch(`the signing run was triggered by ${found.trigger}, which never publishes`);
  }
  const identity: SignerIdentity = {
    mode: 'keyless',
    issuer: want.issuer,
    workflow: want.workflow,
    repositoryId: want.repositoryId,
  };
  if (found.sourceRepositoryDigest !== undefined) identity.sourceRepositoryDigest = found.sourceRepositoryDigest;
  if (found.trigger !== undefined) identity.trigger = found.trigger;
  if (found.runInvocationUri !== undefined) identity.runInvocationUri = found.runInvocationUri;
  return identity;
}

function same(what: string, actual: string | undefined, expected: string): void {
  if (actual !== expected) {
    throw mismatch(
      `its ${what} is ${actual === undefined ? 'missing' : JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`,
    );
  }
}

/** extnValue contents by OID. RFC 5280 §4.2: an extension appears at most once; a repeat is refused. */
function extensionValues(cert: X509Certificate): Map<string, Uint8Array> {
  const values = new Map<string, Uint8Array>();
  for (const extension of cert.extensions) {
    const oid = extension.subs[0]!.toOID();
    if (values.has(oid)) throw mismatch(`the certificate repeats extension ${oid}`);
    values.set(oid, extension.subs[extension.subs.length - 1]!.value);
  }
  return values;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Fulcio's legacy extensions (.1.1 to .1.6) hold the raw string bytes. */
function rawString(value: Uint8Array | undefined, what: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    return UTF8.decode(value);
  } catch (cause) {
    throw mismatch(`its ${what} is not UTF-8`, cause);
  }
}

/** Fulcio's extensions from .1.8 on hold a DER-encoded UTF8String, and nothing after it. */
function derUtf8String(value: Uint8Array | undefined, what: string): string | undefined {
  if (value === undefined) return undefined;
  const { offset, result } = asn1js.fromBER(value);
  if (offset !== value.byteLength || result.error || !(result instanceof asn1js.Utf8String)) {
    throw mismatch(`its ${what} is not a DER UTF8String`);
  }
  return result.valueBlock.value;
}

/** The SAN must be exactly one uniformResourceIdentifier ([6] IA5String), as Fulcio issues for workflows. */
function subjectAlternativeNameUri(value: Uint8Array | undefined): string | undefined {
  if (value === undefined) return undefined;
  const { offset, result } = asn1js.fromBER(value);
  if (offset !== value.byteLength || result.error || !(result instanceof asn1js.Sequence)) {
    throw mismatch('its SAN is not a DER sequence');
  }
  const names = result.valueBlock.value;
  const only = names[0];
  if (
    names.length !== 1 ||
    !only ||
    only.idBlock.tagClass !== 3 ||
    only.idBlock.tagNumber !== 6 ||
    only.idBlock.isConstructed
  ) {
    throw mismatch('its SAN is not a single URI');
  }
  const bytes = (only as asn1js.Primitive).valueBlock.valueHexView;
  if (!bytes.every((byte) => byte < 0x80)) throw mismatch('its SAN URI is not ASCII');
  return Buffer.from(bytes).toString('ascii');
}

// ---------------------------------------------------------------------------------------------
// Statement

function parseStatement(bundle: Bundle): Statement {
  if (bundle.content.$case !== 'dsseEnvelope') throw malformed('it holds no DSSE envelope');
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw badStatement(`the payload type is ${JSON.stringify(envelope.payloadType)}, not ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(envelope.payload));
  } catch (cause) {
    throw badStatement('the payload is not UTF-8 JSON', cause);
  }
  const statement = value as Partial<Statement> | null;
  if (typeof statement !== 'object' || statement === null || statement._type !== IN_TOTO_STATEMENT_V1) {
    throw badStatement(`it is not an in-toto statement (_type ${IN_TOTO_STATEMENT_V1})`);
  }
  if (typeof statement.predicateType !== 'string') throw badStatement('it has no predicateType');
  const subjects = statement.subject;
  // One subject per statement is what the catalog signs; anything else is not ours.
  if (!Array.isArray(subjects) || subjects.length !== 1) throw badStatement('it does not have exactly one subject');
  const first = subjects[0] as Partial<Statement['subject'][number]> | undefined;
  if (typeof first?.name !== 'string' || !isSha256Hex(first.digest?.sha256)) {
    throw badStatement('its subject lacks a name or a lowercase hex sha256 digest');
  }
  return statement as Statement;
}

function badStatement(why: string, cause?: unknown): VerificationError {
  return new VerificationError('statement-malformed', `The signed attestation is not a catalog statement: ${why}.`, {
    cause,
  });
}

function checkPredicate(statement: Statement, expect: { predicateType: string; subjectName?: string }): void {
  if (statement.predicateType !== expect.predicateType) {
    throw new VerificationError(
      'predicate-mismatch',
      `The attestation is a ${JSON.stringify(statement.predicateType)}, expected ${JSON.stringify(expect.predicateType)}: it belongs to another file.`,
    );
  }
  const name = statement.subject[0]!.name;
  if (expect.subjectName !== undefined && name !== expect.subjectName) {
    throw new VerificationError(
      'predicate-mismatch',
      `The attestation is about ${JSON.stringify(name)}, expected ${JSON.stringify(expect.subjectName)}: it belongs to another file.`,
    );
  }
}

function checkDigest(statement: Statement, subject: { bytes: Uint8Array } | { sha256: string }): void {
  const actual =
    'bytes' in subject ? createHash('sha256').update(subject.bytes).digest('hex') : subject.sha256.toLowerCase();
  const signed = statement.subject[0]!.digest.sha256;
  if (actual !== signed) {
    throw new VerificationError(
      'digest-mismatch',
      `The file's sha256 is ${actual}, but the signed attestation is for ${signed}: the file was altered or replaced. Do not use it.`,
    );
  }
}
