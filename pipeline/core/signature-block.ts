/**
 * Where an `mcpb sign` signature sits in a bundle file. Pure: it looks at the file's last bytes.
 *
 * `mcpb sign` (mcpb 2.x, src/node/sign.ts) appends
 *   "MCPB_SIG_V1" | uint32 LE length | DER PKCS#7 SignedData | "MCPB_SIG_END"
 * after the zip; the signature covers every byte before the block. Legacy `.dxt` files use
 * DXT_SIG_V1 / DXT_SIG_END. A coming mcpb release instead sets the zip comment length to cover
 * the block, so the zip stays well-formed: then the signed bytes are the ones before the block,
 * either as stored or with the comment length read as 0 (threats.md says to try both).
 */

const MARKERS = [
  { format: 'mcpb', header: Buffer.from('MCPB_SIG_V1'), footer: Buffer.from('MCPB_SIG_END') },
  { format: 'dxt', header: Buffer.from('DXT_SIG_V1'), footer: Buffer.from('DXT_SIG_END') },
] as const;

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_SIZE = 22;
/** A PKCS#7 block with a certificate chain is a few KB; anything near this is not a signature. */
export const MAX_SIGNATURE_BYTES = 1024 * 1024;
/** Bytes of the file's end that locateSignatureBlock needs: the block plus a maximal zip comment. */
export const SIGNATURE_TAIL_BYTES = MAX_SIGNATURE_BYTES + 64 + 0xffff + EOCD_SIZE;

export interface SignatureBlock {
  format: 'mcpb' | 'dxt';
  layout: 'trailing' | 'comment';
  /** DER PKCS#7 SignedData. */
  pkcs7: Buffer;
  /** File offset of the block's first byte: the signature covers bytes [0, start). */
  start: number;
  /** The zip archive proper is bytes [0, zipEnd): what the zip reader must be given. */
  zipEnd: number;
  /** `comment` layout only: file offset of the 2-byte EOCD comment length, to read as 0 on retry. */
  commentLengthOffset?: number;
}

export type SignatureBlockResult =
  | { kind: 'none' }
  | { kind: 'signed'; block: SignatureBlock }
  /** The file ends in a signature footer, but the block around it is not well-formed. */
  | { kind: 'malformed'; reason: string };

/**
 * @param tail the last min(fileSize, SIGNATURE_TAIL_BYTES) bytes of the file
 * @param fileSize the whole file's size
 */
export function locateSignatureBlock(tail: Buffer, fileSize: number): SignatureBlockResult {
  const base = fileSize - tail.length;
  for (const { format, header, footer } of MARKERS) {
    if (tail.length < footer.length || !tail.subarray(tail.length - footer.length).equals(footer)) continue;
    const footerAt = tail.length - footer.length;
    // The DER could contain the header bytes by chance, so a candidate only counts when its
    // length field lands exactly on the footer.
    let headerAt = tail.lastIndexOf(header, footerAt - header.length - 4);
    while (headerAt >= 0) {
      const lengthAt = headerAt + header.length;
      if (tail.readUInt32LE(lengthAt) === footerAt - lengthAt - 4) break;
      headerAt = headerAt === 0 ? -1 : tail.lastIndexOf(header, headerAt - 1);
    }
    if (headerAt < 0) {
      return {
        kind: 'malformed',
        reason: `the file ends in ${footer} but no matching ${header} with a consistent length precedes it`,
      };
    }
    const pkcs7 = Buffer.from(tail.subarray(headerAt + header.length + 4, footerAt));
    if (pkcs7.length === 0) return { kind: 'malformed', reason: 'the signature block is empty' };
    if (pkcs7.length > MAX_SIGNATURE_BYTES) return { kind: 'malformed', reason: 'the signature block is over 1 MiB' };
    const start = base + headerAt;
    const eocd = findEndOfCentralDirectory(tail, headerAt, base, fileSize);
    if (!eocd)
      return { kind: 'malformed', reason: 'no zip end-of-central-directory record ends at the signature block' };
    return {
      kind: 'signed',
      block:
        eocd.layout === 'trailing'
          ? { format, layout: 'trailing', pkcs7, start, zipEnd: start }
          : {
              format,
              layout: 'comment',
              pkcs7,
              start,
              zipEnd: fileSize,
              commentLengthOffset: eocd.commentLengthOffset,
            },
    };
  }
  return { kind: 'none' };
}

/**
 * The EOCD record whose comment ends where the block starts (trailing layout) or at the end of
 * the file (comment layout), searching backwards from the block.
 */
function findEndOfCentralDirectory(
  tail: Buffer,
  blockAt: number,
  base: number,
  fileSize: number,
): { layout: 'trailing' | 'comment'; commentLengthOffset: number } | undefined {
  for (let at = blockAt - EOCD_SIZE; at >= 0 && blockAt - at <= 0xffff + EOCD_SIZE; at--) {
    if (tail.readUInt32LE(at) !== EOCD_SIGNATURE) continue;
    const commentLength = tail.readUInt16LE(at + 20);
    const commentEnd = base + at + EOCD_SIZE + commentLength;
    if (commentEnd === base + blockAt) return { layout: 'trailing', commentLengthOffset: base + at + 20 };
    if (commentEnd === fileSize) return { layout: 'comment', commentLengthOffset: base + at + 20 };
  }
  return undefined;
}
