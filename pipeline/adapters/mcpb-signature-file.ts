/**
 * File side of publisher signature verification: finds the `mcpb sign` block at the end of a
 * bundle, streams the signed bytes through the digest the signature names, and hands both to the
 * pure verifier in core/mcpb-signature.ts. Memory stays flat however large the bundle is.
 */
import { createHash, X509Certificate, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import {
  failedSignatureReport,
  parseCertificate,
  parseSignedData,
  SignatureError,
  verifySignedData,
  type DigestAlgorithm,
  type SignatureReport,
  type VerifyOptions,
} from '../core/mcpb-signature.ts';
import { locateSignatureBlock, SIGNATURE_TAIL_BYTES, type SignatureBlock } from '../core/signature-block.ts';

/** A trust list or bundle that cannot be read: the command could not run (exit 2), not a bad signature. */
export class SignatureFileError extends Error {
  override name = 'SignatureFileError';
}

/**
 * Verifies the publisher signature of the bundle at `path` against `trusted`.
 * I/O errors on the bundle itself (missing, unreadable) throw SignatureFileError; everything about
 * its content, however hostile, is reported.
 */
export async function verifyMcpbFile(
  path: string,
  trusted: readonly X509Certificate[],
  options: VerifyOptions = {},
): Promise<SignatureReport> {
  const { tail, size } = await readTail(path);
  const located = locateSignatureBlock(tail, size);
  if (located.kind === 'none') {
    return failedSignatureReport(new SignatureError('unsigned', 'the bundle has no `mcpb sign` signature block.'));
  }
  if (located.kind === 'malformed') {
    return failedSignatureReport(new SignatureError('malformed', `the signature block is broken: ${located.reason}.`));
  }
  const { block } = located;
  const where = { layout: block.layout, format: block.format } as const;
  const parsed = parseSignedData(block.pkcs7);
  if (!parsed.ok) return { ...failedSignatureReport(parsed.error), ...where };
  const digests = await digestSignedBytes(path, block, parsed.info.digestAlgorithm);
  return { ...verifySignedData(parsed.info, digests, trusted, options), ...where };
}

/**
 * Reads PEM files of trusted publisher certificates (each may hold several, e.g. a CA bundle).
 * Throws SignatureFileError naming the file when one is missing or holds no usable certificate.
 */
export async function loadTrustedCertificates(pemPaths: readonly string[]): Promise<X509Certificate[]> {
  const certificates: X509Certificate[] = [];
  for (const path of pemPaths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new SignatureFileError(`cannot read trusted certificate file ${path}: ${(error as Error).message}`);
    }
    const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) {
      throw new SignatureFileError(
        `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----). Trust a publisher with its certificate or its CA's, not a key.`,
      );
    }
    blocks.forEach((pem, index) => {
      try {
        const cert = new X509Certificate(pem);
        // The verifier reads extensions node:crypto does not expose; refuse what it could not read.
        parseCertificate(cert.raw);
        certificates.push(cert);
      } catch (error) {
        throw new SignatureFileError(`certificate ${index + 1} in ${path} cannot be read: ${(error as Error).message}`);
      }
    });
  }
  return certificates;
}

async function readTail(path: string): Promise<{ tail: Buffer; size: number }> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new SignatureFileError(`cannot open ${path}: ${(error as Error).message}`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new SignatureFileError(`${path} is not a regular file.`);
    const length = Math.min(stat.size, SIGNATURE_TAIL_BYTES);
    const tail = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(tail, read, length - read, stat.size - length + read);
      if (bytesRead === 0) throw new SignatureFileError(`${path} shrank while being read.`);
      read += bytesRead;
    }
    return { tail, size: stat.size };
  } finally {
    await handle.close();
  }
}

/**
 * Digests bytes [0, block.start) in one pass. For the `comment` layout a second digest reads the
 * 2-byte EOCD comment length as 0: a signer may have signed the zip before pointing its comment at
 * the block (threats.md: verify as stored first, then with the comment length reset).
 */
async function digestSignedBytes(path: string, block: SignatureBlock, algorithm: DigestAlgorithm): Promise<Buffer[]> {
  const asStored = createHash(algorithm);
  const patch = block.layout === 'comment' ? block.commentLengthOffset : undefined;
  const withZeroComment: Hash | undefined = patch === undefined ? undefined : createHash(algorithm);
  let position = 0;
  for await (const chunk of createReadStream(path, { start: 0, end: block.start - 1 }) as AsyncIterable<Buffer>) {
    asStored.update(chunk);
    if (withZeroComment && patch !== undefined) {
      const from = Math.max(patch, position);
      const to = Math.min(patch + 2, position + chunk.length);
      if (from < to) {
        const copy = Buffer.from(chunk);
        copy.fill(0, from - position, to - position);
        withZeroComment.update(copy);
      } else {
        withZeroComment.update(chunk);
      }
    }
    position += chunk.length;
  }
  if (position !== block.start) throw new SignatureFileError(`${path} changed while being read.`);
  return withZeroComment ? [asStored.digest(), withZeroComment.digest()] : [asStored.digest()];
}
