/**
 * Verifies a publisher's `mcpb sign` signature: a detached CMS SignedData (RFC 5652, the IETF
 * successor of PKCS#7 v1.5) over every byte of the bundle before the signature block.
 *
 * Pure: the caller hands over the DER and the digest(s) of the signed bytes, so a large bundle
 * can be streamed through a hash instead of held in memory. Parsing is asn1js; all cryptography
 * is node:crypto. mcpb's own `verifyMcpbFile` cannot be used: it reports every bundle as unsigned.
 *
 * What `valid` and `trusted` mean here:
 * - valid: the one SignerInfo's signature verifies with the bundled certificate it names, and
 *   its messageDigest attribute is the digest of the signed bytes.
 * - trusted: valid, and the signer certificate chains through the bundled certificates to a
 *   trusted one; every certificate on the way is within its validity period, issuers are CAs,
 *   and the signer is allowed to sign code. This is a subset of RFC 5280 §6 path validation:
 *   no revocation, name constraints or policies. Trust anchors are the catalog's own list, not
 *   the operating system's store.
 */
import {
  constants,
  createHash,
  publicDecrypt,
  verify as verifySignature,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import * as asn1js from 'asn1js';
import type { Certificate, SignatureReport } from './schema-types.gen.ts';

export type { Certificate, SignatureReport };

export const SIGNATURE_ERROR_CODES = [
  /** The file has no signature block. */
  'unsigned',
  /** The block or the DER inside it is not well-formed. */
  'malformed',
  /** The DER is a ContentInfo, but not of type signedData. */
  'not-signed-data',
  /** The signed content is embedded: an `mcpb sign` signature is detached and covers the file. */
  'not-detached',
  /** The signed content type is not id-data, or disagrees with the contentType attribute. */
  'content-type',
  /** Not exactly one SignerInfo. */
  'signer-count',
  'unsupported-algorithm',
  /** The certificate the SignerInfo names is not in the SignedData. */
  'signer-certificate-missing',
  /** The messageDigest attribute is not the digest of the signed bytes: the bundle was changed. */
  'digest-mismatch',
  /** The signature value does not verify with the signer's public key. */
  'signature-invalid',
  /** An RSA key under 2048 bits. */
  'weak-key',
  /** The signer certificate's key usage or extended key usage forbids code signing. */
  'certificate-usage',
  'certificate-expired',
  'certificate-not-yet-valid',
  /** The signed signingTime lies in the future. */
  'signing-time-in-future',
  /** A certificate on the chain was issued by one that may not issue certificates. */
  'issuer-not-ca',
  /** The chain does not reach a trusted certificate. */
  'untrusted',
] as const;
export type SignatureErrorCode = (typeof SIGNATURE_ERROR_CODES)[number];

/** One failure with a stable code (sigstore-js BaseError style); the message says what to do. */
export class SignatureError extends Error {
  override name = 'SignatureError';
  readonly code: SignatureErrorCode;
  constructor(code: SignatureErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * `SignatureReport.error` is a string in the schema; it starts with the code so tools and tests
 * can branch on it without parsing prose: `"<code>: <message>"`.
 */
export function formatSignatureError(error: SignatureError): string {
  return `${error.code}: ${error.message}`;
}

/** The code at the start of `report.error`, if any. */
export function signatureErrorCode(report: SignatureReport): SignatureErrorCode | undefined {
  const code = report.error?.split(':', 1)[0];
  return (SIGNATURE_ERROR_CODES as readonly string[]).includes(code ?? '') ? (code as SignatureErrorCode) : undefined;
}

/** The report for a signature that could not even be parsed or located. */
export function failedSignatureReport(error: SignatureError): SignatureReport {
  return { signed: error.code !== 'unsigned', valid: false, trusted: false, error: formatSignatureError(error) };
}

export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';

export type SignatureScheme =
  | { kind: 'rsa-pkcs1'; hash: DigestAlgorithm }
  | { kind: 'rsa-pss'; hash: DigestAlgorithm; saltLength: number }
  | { kind: 'ecdsa'; hash: DigestAlgorithm };

/** An X.509 certificate with the fields node:crypto does not expose, read from its DER. */
export interface ParsedCertificate {
  x509: X509Certificate;
  /** Read once: node:crypto's getters throw on some malformed certificates they otherwise accept. */
  publicKey: KeyObject;
  description: Certificate;
  /** DER of tbsCertificate.issuer, to match an IssuerAndSerialNumber. */
  issuerDer: Buffer;
  /** DER of tbsCertificate.subject. */
  subjectDer: Buffer;
  /** Content octets of tbsCertificate.serialNumber. */
  serial: Buffer;
  subjectKeyIdentifier?: Buffer;
  /** basicConstraints (RFC 5280 §4.2.1.9); absent means not a CA. */
  ca: boolean;
  pathLength?: number;
  /** keyUsage bits (RFC 5280 §4.2.1.3), bit n at `1 << n`; undefined when the extension is absent. */
  keyUsage?: number;
  /** extKeyUsage OIDs (RFC 5280 §4.2.1.12); undefined when the extension is absent. */
  extendedKeyUsage?: string[];
}

export interface SignedDataInfo {
  /** The digest the caller must compute over the signed bytes. */
  digestAlgorithm: DigestAlgorithm;
  scheme: SignatureScheme;
  signature: Buffer;
  signedAttributes?: {
    /** The DER of signedAttrs with its [0] IMPLICIT tag replaced by SET OF (RFC 5652 §5.4). */
    der: Buffer;
    messageDigest: Buffer;
    signingTime?: Date;
  };
  signer: ParsedCertificate;
  certificates: ParsedCertificate[];
}

export type ParsedSignedData = { ok: true; info: SignedDataInfo } | { ok: false; error: SignatureError };

export interface VerifyOptions {
  /** The verification time; defaults to the current time. */
  now?: Date;
}

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  extKeyUsage: '2.5.29.37',
  anyExtendedKeyUsage: '2.5.29.37.0',
  codeSigning: '1.3.6.1.5.5.7.3.3',
} as const;

/** RFC 5754 §2: the SHA-2 digests CMS uses. SHA-1 and MD5 are refused. */
const DIGESTS: Record<string, DigestAlgorithm> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const DIGEST_OIDS = Object.fromEntries(Object.entries(DIGESTS).map(([oid, name]) => [name, oid])) as Record<
  DigestAlgorithm,
  string
>;
/** RFC 5754 §3.2 (sha*WithRSAEncryption) and §3.3 (ecdsa-with-SHA*). */
const SIGNATURE_ALGORITHMS: Record<string, { kind: 'rsa-pkcs1' | 'ecdsa'; hash: DigestAlgorithm }> = {
  '1.2.840.113549.1.1.11': { kind: 'rsa-pkcs1', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { kind: 'rsa-pkcs1', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { kind: 'rsa-pkcs1', hash: 'sha512' },
  '1.2.840.10045.4.3.2': { kind: 'ecdsa', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { kind: 'ecdsa', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { kind: 'ecdsa', hash: 'sha512' },
};

// RFC 5280 §4.2.1.3 KeyUsage bit positions.
const DIGITAL_SIGNATURE = 1 << 0;
const NON_REPUDIATION = 1 << 1;
const KEY_CERT_SIGN = 1 << 5;

/** A real publisher chain is 2–4 certificates; more is an attempt to make chain building slow. */
const MAX_CERTIFICATES = 32;
const MAX_CHAIN_LENGTH = 8;
const MIN_RSA_BITS = 2048;
/**
 * asn1js by default also tries to decode every OCTET and BIT STRING as nested DER; this code decodes
 * the few it needs explicitly, so hostile input gets no extra parsing. Depth and node-count limits
 * stay at asn1js's defaults.
 */
const ASN1_OPTIONS = { parseEmbedded: false } as const;
/** Clock skew tolerated between the signer and the verifier. */
const SIGNING_TIME_SKEW_MS = 5 * 60 * 1000;

/** Parses the DER of a ContentInfo holding SignedData. Never throws: hostile input is an error result. */
export function parseSignedData(der: Uint8Array): ParsedSignedData {
  try {
    return { ok: true, info: parseContentInfo(der) };
  } catch (error) {
    if (error instanceof SignatureError) return { ok: false, error };
    // A parser (asn1js, or node:crypto's for a certificate) threw on bytes it should have refused:
    // still bad input, not a crash.
    return { ok: false, error: new SignatureError('malformed', `the signature is not well-formed: ${String(error)}`) };
  }
}

/** The digest `info` expects, of bytes already in memory (small bundles, tests). */
export function digestOf(info: Pick<SignedDataInfo, 'digestAlgorithm'>, content: Uint8Array): Buffer {
  return createHash(info.digestAlgorithm).update(content).digest();
}

/**
 * Verifies a parsed signature against the digest of the signed bytes, then its chain against
 * `trusted`.
 * @param contentDigests candidate digests of the signed bytes (the `comment` layout has two: as
 *   stored, and with the zip comment length read as 0); the signature is valid when one matches.
 * @throws SignatureError only for a trust anchor it cannot read, which loadTrustedCertificates
 *   refuses up front; nothing in `info` makes it throw.
 */
export function verifySignedData(
  info: SignedDataInfo,
  contentDigests: readonly Buffer[],
  trusted: readonly X509Certificate[],
  options: VerifyOptions = {},
): SignatureReport {
  const now = options.now ?? new Date();
  const signingTime = info.signedAttributes?.signingTime;
  const report: SignatureReport = {
    signed: true,
    valid: false,
    trusted: false,
    signer: info.signer.description,
    ...(signingTime ? { signingTime: signingTime.toISOString() } : {}),
  };
  const invalid = checkSignature(info, contentDigests);
  if (invalid) return { ...report, error: formatSignatureError(invalid) };
  report.valid = true;

  const anchors = trusted.map(parsedAnchor);
  const { chain, problem } = checkTrust(info, anchors, now);
  if (chain) report.chain = chain.map((cert) => cert.description);
  if (problem) return { ...report, error: formatSignatureError(problem) };
  return { ...report, trusted: true };
}

/** A certificate as the report shows it, in OpenSSL's notation (what `openssl x509 -text` prints). */
function describeCertificate(cert: X509Certificate): Certificate {
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    fingerprint256: cert.fingerprint256,
    notBefore: cert.validFromDate.toISOString(),
    notAfter: cert.validToDate.toISOString(),
  };
}

// --- Verification -------------------------------------------------------------------------

function checkSignature(info: SignedDataInfo, contentDigests: readonly Buffer[]): SignatureError | undefined {
  const key = info.signer.publicKey;
  const keyProblem = checkKey(info.scheme, key);
  if (keyProblem) return keyProblem;
  const attributes = info.signedAttributes;
  if (attributes) {
    // RFC 5652 §5.4: with signed attributes, the signature covers their DER (re-tagged as a SET),
    // and the messageDigest attribute (§11.2) binds it to the content.
    if (!contentDigests.some((digest) => digest.equals(attributes.messageDigest))) {
      return new SignatureError(
        'digest-mismatch',
        'the bundle was changed after it was signed: its digest differs from the signed one. Download it again, or ask the publisher to re-sign it.',
      );
    }
    if (!verifyValue(info.scheme, key, attributes.der, info.signature)) {
      return new SignatureError('signature-invalid', 'the signature does not verify with the signer certificate.');
    }
    return undefined;
  }
  // §5.4 without signed attributes: the signature is over the content itself. node:crypto only
  // verifies a precomputed digest for RSA PKCS#1 v1.5 (public decryption then a DigestInfo
  // compare, RFC 8017 §8.2.2); `mcpb sign` always adds attributes, as `openssl cms -sign` does by default.
  if (info.scheme.kind !== 'rsa-pkcs1') {
    return new SignatureError(
      'unsupported-algorithm',
      'signatures without signed attributes are only supported for RSA PKCS#1 v1.5; sign with `mcpb sign`.',
    );
  }
  const scheme = info.scheme;
  if (!contentDigests.some((digest) => verifyRsaDigest(scheme.hash, key, digest, info.signature))) {
    return new SignatureError(
      'signature-invalid',
      'the signature does not verify over the bundle: it was changed after signing, or signed with another key.',
    );
  }
  return undefined;
}

function checkKey(scheme: SignatureScheme, key: KeyObject): SignatureError | undefined {
  const type = key.asymmetricKeyType;
  const fits = scheme.kind === 'ecdsa' ? type === 'ec' : type === 'rsa' || type === 'rsa-pss';
  if (!fits) {
    return new SignatureError(
      'signature-invalid',
      `the signer certificate holds a ${type ?? 'unknown'} key, which cannot make a ${scheme.kind} signature.`,
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits !== undefined && bits < MIN_RSA_BITS) {
    return new SignatureError(
      'weak-key',
      `the signer's RSA key has ${bits} bits; sign with a key of at least ${MIN_RSA_BITS}.`,
    );
  }
  return undefined;
}

function verifyValue(scheme: SignatureScheme, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    switch (scheme.kind) {
      case 'rsa-pkcs1':
        return verifySignature(scheme.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'rsa-pss':
        // RFC 4056 §3: MGF1 uses the same hash (checked when parsing), which is what node:crypto does.
        return verifySignature(
          scheme.hash,
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.saltLength },
          signature,
        );
      case 'ecdsa':
        // RFC 5753 §2.1.1: the value is a DER ECDSA-Sig-Value, node:crypto's default encoding.
        return verifySignature(scheme.hash, data, key, signature);
    }
  } catch {
    // OpenSSL refuses e.g. a signature of the wrong length by throwing: that is a bad signature.
    return false;
  }
}

function verifyRsaDigest(hash: DigestAlgorithm, key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  // RFC 8017 §9.2: EMSA-PKCS1-v1_5 encodes DigestInfo { AlgorithmIdentifier { oid, NULL }, digest }.
  const digestInfo = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: DIGEST_OIDS[hash] }), new asn1js.Null()] }),
      new asn1js.OctetString({ valueHex: digest }),
    ],
  });
  return recovered.equals(Buffer.from(digestInfo.toBER()));
}

function checkTrust(
  info: SignedDataInfo,
  anchors: ParsedCertificate[],
  now: Date,
): { chain?: ParsedCertificate[]; problem?: SignatureError } {
  const problems: SignatureError[] = [];
  const usage = usageProblem(info.signer);
  if (usage) problems.push(usage);

  // Certificates are checked at the signed signingTime, so a bundle signed while its certificate
  // was valid stays valid afterwards. signingTime is the signer's own claim, not a timestamp
  // authority's: whoever holds an expired key can backdate it. A time in the future is refused.
  const signingTime = info.signedAttributes?.signingTime;
  if (signingTime && signingTime.getTime() > now.getTime() + SIGNING_TIME_SKEW_MS) {
    problems.push(
      new SignatureError(
        'signing-time-in-future',
        `the signature claims to be made at ${signingTime.toISOString()}, in the future. Check the signer's clock and re-sign.`,
      ),
    );
  }
  const at = signingTime && signingTime <= now ? signingTime : now;

  const path = buildPath(info.signer, info.certificates, anchors);
  for (const cert of path.certs) {
    const problem = timeProblem(cert.x509, at);
    if (problem) problems.push(problem);
  }
  if (!path.anchored) {
    problems.push(
      path.problem ??
        new SignatureError(
          'untrusted',
          "the signer's certificate chain does not reach a trusted publisher certificate. Add the publisher's CA (or its certificate) to `trustedPublishers` in catalog.config.json, or pass --trust.",
        ),
    );
  }
  return { ...(path.anchored ? { chain: path.certs } : {}), ...(problems[0] ? { problem: problems[0] } : {}) };
}

function usageProblem(signer: ParsedCertificate): SignatureError | undefined {
  const eku = signer.extendedKeyUsage;
  if (eku && !eku.includes(OID.codeSigning) && !eku.includes(OID.anyExtendedKeyUsage)) {
    return new SignatureError(
      'certificate-usage',
      'the signer certificate is not for code signing (its extended key usage lacks codeSigning). Sign with a code-signing certificate.',
    );
  }
  if (signer.keyUsage !== undefined && !(signer.keyUsage & (DIGITAL_SIGNATURE | NON_REPUDIATION))) {
    return new SignatureError(
      'certificate-usage',
      'the signer certificate may not make signatures (its key usage lacks digitalSignature).',
    );
  }
  return undefined;
}

function timeProblem(cert: X509Certificate, at: Date): SignatureError | undefined {
  if (at < cert.validFromDate) {
    return new SignatureError(
      'certificate-not-yet-valid',
      `certificate "${cert.subject.replaceAll('\n', ', ')}" is valid only from ${cert.validFromDate.toISOString()}.`,
    );
  }
  if (at > cert.validToDate) {
    return new SignatureError(
      'certificate-expired',
      `certificate "${cert.subject.replaceAll('\n', ', ')}" expired on ${cert.validToDate.toISOString()}; the publisher must re-sign with a current certificate.`,
    );
  }
  return undefined;
}

/**
 * Walks from the signer towards a trust anchor: at each step the issuer is a trusted certificate
 * if one fits, else a certificate bundled in the SignedData. The walk ends at a certificate that
 * is itself trusted (equal DER), so a pinned publisher certificate, self-signed or not, anchors.
 */
function buildPath(
  signer: ParsedCertificate,
  bundled: readonly ParsedCertificate[],
  anchors: readonly ParsedCertificate[],
): { certs: ParsedCertificate[]; anchored: boolean; problem?: SignatureError } {
  const certs = [signer];
  let problem: SignatureError | undefined;
  const onPath = (cert: ParsedCertificate) => certs.some((c) => c.x509.fingerprint256 === cert.x509.fingerprint256);
  while (certs.length <= MAX_CHAIN_LENGTH) {
    const current = certs[certs.length - 1]!;
    if (anchors.some((anchor) => anchor.x509.fingerprint256 === current.x509.fingerprint256)) {
      return { certs, anchored: true };
    }
    let next: ParsedCertificate | undefined;
    for (const candidate of [...anchors, ...bundled]) {
      if (onPath(candidate) || !issued(current, candidate)) continue;
      const refusal = issuerProblem(candidate, certs.length - 1);
      if (refusal) {
        problem ??= refusal;
        continue;
      }
      next = candidate;
      break;
    }
    if (!next) return { certs, anchored: false, ...(problem ? { problem } : {}) };
    certs.push(next);
  }
  return { certs, anchored: false, ...(problem ? { problem } : {}) };
}

/**
 * `subject` names `issuer` as its issuer and carries its signature (RFC 5280 §6.1.3 (a)(1), (a)(4)).
 * OpenSSL's check_issued also refuses an issuer whose key usage lacks keyCertSign; a byte-equal
 * name is accepted too, so that such a certificate reaches issuerProblem and is reported as what it is.
 */
function issued(subject: ParsedCertificate, issuer: ParsedCertificate): boolean {
  try {
    const named = subject.x509.checkIssued(issuer.x509) || subject.issuerDer.equals(issuer.subjectDer);
    return named && subject.x509.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** RFC 5280 §6.1.4 (k), (l), (n): an issuer is a CA, may sign certificates, and respects its path length. */
function issuerProblem(issuer: ParsedCertificate, intermediatesBelow: number): SignatureError | undefined {
  const name = issuer.x509.subject.replaceAll('\n', ', ');
  if (!issuer.ca || (issuer.keyUsage !== undefined && !(issuer.keyUsage & KEY_CERT_SIGN))) {
    return new SignatureError('issuer-not-ca', `certificate "${name}" issued a certificate but is not a CA.`);
  }
  if (issuer.pathLength !== undefined && intermediatesBelow > issuer.pathLength) {
    return new SignatureError(
      'issuer-not-ca',
      `CA "${name}" allows ${issuer.pathLength} intermediate CA(s) below it; the chain has ${intermediatesBelow}.`,
    );
  }
  return undefined;
}

// --- Parsing (RFC 5652) -------------------------------------------------------------------

type Node = asn1js.AsnType;

const malformed = (message: string) => new SignatureError('malformed', message);

function parseContentInfo(der: Uint8Array): SignedDataInfo {
  const { offset, result } = asn1js.fromBER(der, ASN1_OPTIONS);
  if (offset === -1 || result.error)
    throw malformed(`the signature is not valid DER (${result.error || 'decode error'}).`);
  if (offset !== der.length) throw malformed('the signature has bytes after its DER.');
  assertDer(result);

  // §3: ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT ANY }
  const [contentType, content] = sequence(result, 'ContentInfo', 2, 2);
  if (oidOf(contentType, 'ContentInfo.contentType') !== OID.signedData) {
    throw new SignatureError('not-signed-data', 'the signature is a CMS ContentInfo, but not SignedData.');
  }
  const signedData = explicit(content!, 0, 'ContentInfo.content');

  // §5.1: SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo,
  //   certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos SET }
  const fields = sequence(signedData, 'SignedData', 4, 6);
  let at = 3;
  const certificatesNode = isContext(fields[at], 0) ? fields[at++] : undefined;
  const crlsNode = isContext(fields[at], 1) ? fields[at++] : undefined;
  const signerInfos = fields[at++];
  if (at !== fields.length || !signerInfos) throw malformed('SignedData has unexpected fields.');
  const digestAlgorithms = childrenOf(fields[1]!, 'SignedData.digestAlgorithms', asn1js.Set).map(parseDigestAlgorithm);

  // §5.2: EncapsulatedContentInfo ::= SEQUENCE { eContentType, eContent [0] EXPLICIT OCTET STRING OPTIONAL }
  const [eContentType, eContent] = sequence(fields[2]!, 'EncapsulatedContentInfo', 1, 2);
  const signedType = oidOf(eContentType, 'eContentType');
  if (signedType !== OID.data) {
    throw new SignatureError('content-type', `the signed content type is ${signedType}, not id-data.`);
  }
  if (eContent) {
    throw new SignatureError('not-detached', 'the signature embeds its content instead of signing the bundle bytes.');
  }

  // §10.2.2: CertificateChoices. Only plain X.509 certificates (a universal SEQUENCE) serve a code
  // signature; attribute certificates and `other` formats are refused rather than skipped.
  const certificateNodes = certificatesNode ? childrenOf(certificatesNode, 'certificates') : [];
  if (certificateNodes.length > MAX_CERTIFICATES)
    throw malformed(`the signature holds over ${MAX_CERTIFICATES} certificates.`);
  if (!certificateNodes.every((node) => node instanceof asn1js.Sequence)) {
    throw malformed('the signature holds a certificate that is not X.509.');
  }
  const certificates = certificateNodes.map((node) => parseCertificate(rawOf(node), node));

  // §5.1: signerInfos SET OF SignerInfo. mcpb signs with one signer; a second one could be a
  // different identity than the one shown, so anything else is refused rather than guessed at.
  const signers = childrenOf(signerInfos, 'signerInfos', asn1js.Set);
  if (signers.length !== 1) {
    throw new SignatureError('signer-count', `the signature has ${signers.length} signers; expected exactly one.`);
  }
  const { version: signerVersion, ...signer } = parseSignerInfo(signers[0]!, signedType, certificates);
  if (!digestAlgorithms.includes(signer.digestAlgorithm)) {
    throw malformed("SignedData.digestAlgorithms does not list the signer's digest algorithm (RFC 5652 §5.1).");
  }
  // §5.1 fixes the version from the content: 5 with `other` revocation info, 3 with a version-3
  // SignerInfo, else 1 (attribute certificates, versions 3 and 4, are refused above).
  const otherCrls = crlsNode ? childrenOf(crlsNode, 'crls').some((crl) => isContext(crl, 1)) : false;
  const version = otherCrls ? 5 : signerVersion === 3 ? 3 : 1;
  if (integerOf(fields[0]!, 'SignedData.version') !== version) {
    throw malformed(`SignedData.version must be ${version} (RFC 5652 §5.1).`);
  }
  return { ...signer, certificates };
}

/**
 * §5.3: SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, signedAttrs [0] IMPLICIT OPTIONAL,
 *   signatureAlgorithm, signature OCTET STRING, unsignedAttrs [1] IMPLICIT OPTIONAL }
 */
function parseSignerInfo(
  node: Node,
  signedType: string,
  certificates: ParsedCertificate[],
): Omit<SignedDataInfo, 'certificates'> & { version: number } {
  const fields = sequence(node, 'SignerInfo', 5, 7);
  let at = 3;
  const signedAttrsNode = isContext(fields[at], 0) ? fields[at++] : undefined;
  const signatureAlgorithm = fields[at++];
  const signatureNode = fields[at++];
  if (isContext(fields[at], 1)) at++;
  if (at !== fields.length || !signatureAlgorithm || !signatureNode)
    throw malformed('SignerInfo has unexpected fields.');

  const { signer, version } = findSigner(fields[1]!, certificates);
  if (integerOf(fields[0]!, 'SignerInfo.version') !== version) {
    throw malformed(`SignerInfo.version must be ${version} for its kind of signer identifier (RFC 5652 §5.3).`);
  }
  const digestAlgorithm = parseDigestAlgorithm(fields[2]!);
  const scheme = parseSignatureAlgorithm(signatureAlgorithm, digestAlgorithm);
  const signature = octetsOf(signatureNode, 'SignerInfo.signature');
  const signedAttributes = signedAttrsNode ? parseSignedAttributes(signedAttrsNode, signedType) : undefined;
  return { version, digestAlgorithm, scheme, signature, signer, ...(signedAttributes ? { signedAttributes } : {}) };
}

/**
 * §5.3 SignerIdentifier ::= CHOICE { issuerAndSerialNumber, subjectKeyIdentifier [0] IMPLICIT },
 * with the SignerInfo version each choice requires (1 and 3).
 */
function findSigner(sid: Node, certificates: ParsedCertificate[]): { signer: ParsedCertificate; version: number } {
  let signer: ParsedCertificate | undefined;
  let version = 1;
  if (isContext(sid, 0) && !sid.idBlock.isConstructed) {
    const keyId = Buffer.from((sid as asn1js.Primitive).valueBlock.valueHexView);
    signer = certificates.find((cert) => cert.subjectKeyIdentifier?.equals(keyId));
    version = 3;
  } else {
    // §10.2.4: IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber INTEGER }
    const [issuer, serialNumber] = sequence(sid, 'IssuerAndSerialNumber', 2, 2);
    if (!(issuer instanceof asn1js.Sequence) || !(serialNumber instanceof asn1js.Integer)) {
      throw malformed('IssuerAndSerialNumber is not a Name and an INTEGER.');
    }
    const issuerDer = rawOf(issuer);
    const serial = Buffer.from(serialNumber.valueBlock.valueHexView);
    signer = certificates.find((cert) => cert.issuerDer.equals(issuerDer) && cert.serial.equals(serial));
  }
  if (!signer) {
    throw new SignatureError(
      'signer-certificate-missing',
      'the signature does not include the certificate of its signer. Re-sign with `mcpb sign --cert`.',
    );
  }
  return { signer, version };
}

/** RFC 5754 §2: SHA-2 AlgorithmIdentifiers have absent parameters, and NULL ones must be accepted. */
function parseDigestAlgorithm(node: Node): DigestAlgorithm {
  const [algorithm, parameters] = sequence(node, 'DigestAlgorithmIdentifier', 1, 2);
  const oid = oidOf(algorithm, 'digestAlgorithm');
  const digest = DIGESTS[oid];
  if (!digest) throw new SignatureError('unsupported-algorithm', `digest algorithm ${oid} is not SHA-256/384/512.`);
  if (parameters && !(parameters instanceof asn1js.Null)) throw malformed(`digest algorithm ${oid} has parameters.`);
  return digest;
}

function parseSignatureAlgorithm(node: Node, digest: DigestAlgorithm): SignatureScheme {
  const [algorithm, parameters] = sequence(node, 'SignatureAlgorithmIdentifier', 1, 2);
  const oid = oidOf(algorithm, 'signatureAlgorithm');
  if (oid === OID.rsassaPss) return parsePssParameters(parameters, digest);
  // RFC 3370 §3.2: rsaEncryption signs with the SignerInfo's digest algorithm (what mcpb writes).
  const scheme: SignatureScheme | undefined =
    oid === OID.rsaEncryption ? { kind: 'rsa-pkcs1', hash: digest } : SIGNATURE_ALGORITHMS[oid];
  if (!scheme) throw new SignatureError('unsupported-algorithm', `signature algorithm ${oid} is not supported.`);
  if (scheme.hash !== digest) {
    throw new SignatureError('unsupported-algorithm', `signature algorithm ${oid} does not use the digest ${digest}.`);
  }
  // RFC 4055 §5: RSA parameters are NULL (absent accepted); RFC 5758 §3.2: ECDSA's are absent.
  const allowsNull = scheme.kind === 'rsa-pkcs1';
  if (parameters && !(allowsNull && parameters instanceof asn1js.Null)) {
    throw malformed(`signature algorithm ${oid} has unexpected parameters.`);
  }
  return scheme;
}

/**
 * RFC 4055 §3.1: RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0], maskGenAlgorithm [1],
 * saltLength [2], trailerField [3] }, all EXPLICIT with SHA-1 defaults, which are refused.
 * RFC 4056 §3 requires the hash to be the SignerInfo's digest algorithm.
 */
function parsePssParameters(node: Node | undefined, digest: DigestAlgorithm): SignatureScheme {
  if (!node) throw new SignatureError('unsupported-algorithm', 'RSASSA-PSS without parameters means SHA-1.');
  const fields = childrenOf(node, 'RSASSA-PSS-params', asn1js.Sequence);
  const field = (n: number) => fields.find((f) => isContext(f, n));
  const hashNode = field(0);
  const hash = hashNode ? parseDigestAlgorithm(explicit(hashNode, 0, 'hashAlgorithm')) : undefined;
  const mgfNode = field(1);
  let mgfHash: DigestAlgorithm | undefined;
  if (mgfNode) {
    const [mgf, mgfParameters] = sequence(explicit(mgfNode, 1, 'maskGenAlgorithm'), 'maskGenAlgorithm', 2, 2);
    if (oidOf(mgf, 'maskGenAlgorithm') === OID.mgf1) mgfHash = parseDigestAlgorithm(mgfParameters!);
  }
  const saltNode = field(2);
  const saltLength = saltNode ? integerOf(explicit(saltNode, 2, 'saltLength'), 'saltLength') : 20;
  const trailerNode = field(3);
  const trailer = trailerNode ? integerOf(explicit(trailerNode, 3, 'trailerField'), 'trailerField') : 1;
  if (hash !== digest || mgfHash !== digest || trailer !== 1) {
    throw new SignatureError(
      'unsupported-algorithm',
      `RSASSA-PSS is supported with hash and MGF1 both ${digest} and the standard trailer.`,
    );
  }
  return { kind: 'rsa-pss', hash: digest, saltLength };
}

/** §5.3 signedAttrs, with the attributes of §11.1–11.3, each present at most once with one value. */
function parseSignedAttributes(node: Node, signedType: string): NonNullable<SignedDataInfo['signedAttributes']> {
  const values = new Map<string, Node>();
  for (const attribute of childrenOf(node, 'signedAttrs')) {
    // §5.3: Attribute ::= SEQUENCE { attrType OBJECT IDENTIFIER, attrValues SET OF AttributeValue }
    const [type, set] = sequence(attribute, 'Attribute', 2, 2);
    const oid = oidOf(type, 'attrType');
    const attributeValues = childrenOf(set!, `attribute ${oid}`, asn1js.Set);
    if (oid !== OID.contentType && oid !== OID.messageDigest && oid !== OID.signingTime) continue;
    if (values.has(oid) || attributeValues.length !== 1) {
      throw malformed(`signed attribute ${oid} must appear once with one value (RFC 5652 §11).`);
    }
    values.set(oid, attributeValues[0]!);
  }

  // §11.1: contentType is required with signed attributes, and must match eContentType.
  const contentType = values.get(OID.contentType);
  if (!contentType) throw malformed('the signed attributes lack contentType (RFC 5652 §11.1).');
  if (oidOf(contentType, 'contentType') !== signedType) {
    throw new SignatureError('content-type', 'the contentType attribute disagrees with the signed content type.');
  }
  // §11.2: messageDigest is required with signed attributes.
  const digestNode = values.get(OID.messageDigest);
  if (!digestNode) throw malformed('the signed attributes lack messageDigest (RFC 5652 §11.2).');
  const messageDigest = octetsOf(digestNode, 'messageDigest');
  // §11.3: SigningTime ::= Time, a UTCTime or GeneralizedTime (asn1js's GeneralizedTime extends UTCTime).
  const timeNode = values.get(OID.signingTime);
  let signingTime: Date | undefined;
  if (timeNode) {
    if (!(timeNode instanceof asn1js.UTCTime)) throw malformed('signingTime is not a UTCTime or GeneralizedTime.');
    signingTime = timeNode.toDate();
    if (Number.isNaN(signingTime.getTime())) throw malformed('signingTime is not a valid time.');
  }

  // §5.4: "the DER encoding of the SignedAttributes value" is signed, with the EXPLICIT SET OF tag
  // rather than the [0] IMPLICIT tag it carries inside SignerInfo.
  const der = Buffer.from(rawOf(node));
  if (der[0] !== 0xa0) throw malformed('signedAttrs does not use the [0] tag.');
  der[0] = 0x31;
  return { der, messageDigest, ...(signingTime ? { signingTime } : {}) };
}

/** Trust anchors are parsed once per certificate object, however many bundles they verify. */
const anchorCache = new WeakMap<X509Certificate, ParsedCertificate>();
function parsedAnchor(cert: X509Certificate): ParsedCertificate {
  let parsed = anchorCache.get(cert);
  if (!parsed) {
    parsed = parseCertificate(cert.raw);
    anchorCache.set(cert, parsed);
  }
  return parsed;
}

/**
 * RFC 5280 §4.1: reads what node:crypto's X509Certificate does not expose. Throws `malformed` on a
 * certificate that either parser refuses.
 */
export function parseCertificate(der: Buffer, decoded?: Node): ParsedCertificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(der);
  } catch (error) {
    throw malformed(`a certificate in the signature is not valid X.509: ${(error as Error).message}`);
  }
  let publicKey: KeyObject;
  let description: Certificate;
  try {
    // Found by fuzzing: OpenSSL parses certificates whose key or validity times node:crypto then
    // cannot read (the getters throw, or the dates are invalid).
    publicKey = x509.publicKey;
    description = describeCertificate(x509);
  } catch (error) {
    throw malformed(`a certificate in the signature is unreadable: ${(error as Error).message}`);
  }
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
  const [tbs] = sequence(decoded ?? decode(der, 'a certificate'), 'Certificate', 3, 3);
  // TBSCertificate ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, serialNumber, signature, issuer,
  //   validity, subject, subjectPublicKeyInfo, issuerUniqueID [1], subjectUniqueID [2], extensions [3] }
  const fields = sequence(tbs!, 'TBSCertificate', 6, 10);
  const base = isContext(fields[0], 0) ? 1 : 0;
  const serialNumber = fields[base];
  const issuer = fields[base + 2];
  const subject = fields[base + 4];
  if (
    !(serialNumber instanceof asn1js.Integer) ||
    !(issuer instanceof asn1js.Sequence) ||
    !(subject instanceof asn1js.Sequence)
  ) {
    throw malformed('a certificate has no serial number, issuer or subject.');
  }
  const parsed: ParsedCertificate = {
    x509,
    publicKey,
    description,
    issuerDer: rawOf(issuer),
    subjectDer: rawOf(subject),
    serial: Buffer.from(serialNumber.valueBlock.valueHexView),
    ca: false,
  };
  const extensionsNode = fields.find((field) => isContext(field, 3));
  if (!extensionsNode) return parsed;
  for (const extension of childrenOf(explicit(extensionsNode, 3, 'extensions'), 'Extensions', asn1js.Sequence)) {
    // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    const parts = sequence(extension, 'Extension', 2, 3);
    const oid = oidOf(parts[0], 'extnID');
    const value = octetsOf(parts[parts.length - 1]!, 'extnValue');
    if (oid === OID.subjectKeyIdentifier) {
      parsed.subjectKeyIdentifier = octetsOf(decode(value, 'subjectKeyIdentifier'), 'subjectKeyIdentifier');
    } else if (oid === OID.basicConstraints) {
      // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
      for (const field of childrenOf(decode(value, 'basicConstraints'), 'basicConstraints', asn1js.Sequence)) {
        if (field instanceof asn1js.Boolean) parsed.ca = field.valueBlock.value;
        else if (field instanceof asn1js.Integer) parsed.pathLength = integerOf(field, 'pathLenConstraint');
      }
    } else if (oid === OID.keyUsage) {
      const bits = decode(value, 'keyUsage');
      if (!(bits instanceof asn1js.BitString)) throw malformed('keyUsage is not a BIT STRING.');
      const bytes = bits.valueBlock.valueHexView;
      let mask = 0;
      for (let bit = 0; bit < Math.min(bytes.length * 8, 16); bit++) {
        if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) mask |= 1 << bit;
      }
      parsed.keyUsage = mask;
    } else if (oid === OID.extKeyUsage) {
      parsed.extendedKeyUsage = childrenOf(decode(value, 'extKeyUsage'), 'extKeyUsage', asn1js.Sequence).map(
        (purpose) => oidOf(purpose, 'KeyPurposeId'),
      );
    }
  }
  return parsed;
}

// --- asn1js accessors: each throws `malformed` naming the structure it expected -----------

/**
 * asn1js decodes BER leniently: a constructed value whose children run past its declared length
 * still decodes. DER (X.690 §10.1) has exactly one encoding, so every length must be definite,
 * minimal, and equal to what its content takes; this keeps bytes outside the signed fields from
 * being rewritten unnoticed.
 */
function assertDer(node: Node): void {
  const { lenBlock, idBlock } = node;
  const length = lenBlock.length;
  let minimalLengthBytes = 1;
  if (length >= 0x80) for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) minimalLengthBytes++;
  if (
    lenBlock.isIndefiniteForm ||
    lenBlock.blockLength !== minimalLengthBytes ||
    idBlock.blockLength + lenBlock.blockLength + length !== node.valueBeforeDecodeView.length
  ) {
    throw malformed('the signature is BER, not DER: a length is indefinite, not minimal, or wrong.');
  }
  if (idBlock.isConstructed) {
    for (const child of childrenOf(node, 'a constructed value')) assertDer(child);
  }
}

function decode(der: Uint8Array, what: string): Node {
  const { offset, result } = asn1js.fromBER(der, ASN1_OPTIONS);
  if (offset === -1 || result.error || offset !== der.length) throw malformed(`${what} is not valid DER.`);
  return result;
}

function childrenOf(node: Node, what: string, type?: typeof asn1js.Sequence | typeof asn1js.Set): Node[] {
  if (type ? !(node instanceof type) : !node.idBlock.isConstructed)
    throw malformed(`${what} is not a constructed value.`);
  const value = (node as asn1js.Constructed).valueBlock.value;
  if (!Array.isArray(value)) throw malformed(`${what} has no content.`);
  return value as Node[];
}

function sequence(node: Node | undefined, what: string, min: number, max: number): Node[] {
  if (!(node instanceof asn1js.Sequence)) throw malformed(`${what} is not a SEQUENCE.`);
  const value = childrenOf(node, what, asn1js.Sequence);
  if (value.length < min || value.length > max) throw malformed(`${what} has ${value.length} fields.`);
  return value;
}

function isContext(node: Node | undefined, tag: number): node is Node {
  return node !== undefined && node.idBlock.tagClass === 3 && node.idBlock.tagNumber === tag;
}

function explicit(node: Node, tag: number, what: string): Node {
  if (!isContext(node, tag)) throw malformed(`${what} is not tagged [${tag}].`);
  const inner = childrenOf(node, what);
  if (inner.length !== 1) throw malformed(`${what} must hold exactly one value.`);
  return inner[0]!;
}

function oidOf(node: Node | undefined, what: string): string {
  if (!(node instanceof asn1js.ObjectIdentifier)) throw malformed(`${what} is not an OBJECT IDENTIFIER.`);
  return node.valueBlock.toString();
}

function octetsOf(node: Node, what: string): Buffer {
  // DER never uses the constructed form of OCTET STRING.
  if (!(node instanceof asn1js.OctetString) || node.idBlock.isConstructed)
    throw malformed(`${what} is not an OCTET STRING.`);
  return Buffer.from(node.valueBlock.valueHexView);
}

function integerOf(node: Node, what: string): number {
  if (!(node instanceof asn1js.Integer)) throw malformed(`${what} is not an INTEGER.`);
  const value = node.valueBlock.valueDec;
  if (!Number.isSafeInteger(value) || value < 0) throw malformed(`${what} is out of range.`);
  return value;
}

function rawOf(node: Node): Buffer {
  return Buffer.from(node.valueBeforeDecodeView);
}
