/**
 * A raw ZIP byte builder for hostile archives. yazl refuses to write what the scanner has to
 * catch (traversal names, lying sizes, header mismatches, overlapping entries), so tests and
 * fixture recipes lay the bytes out here, field by field (APPNOTE.TXT 6.3.10, sections 4.3.7,
 * 4.3.12 and 4.3.16). Every field can be overridden; the defaults make a well-formed archive.
 */
import { crc32, constants, deflateRawSync } from 'node:zlib';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
/** Version made by: high byte 3 = Unix (so external attributes carry st_mode), low byte 2.0. */
const MADE_BY_UNIX = (3 << 8) | 20;
const UTF8_FLAG = 0x800;
const DATA_DESCRIPTOR = 0x8;
const DATA_DESCRIPTOR_SIGNATURE = 0x08074b50;
/** 1980-01-01 00:00, the earliest DOS date: fixed so that output bytes are deterministic. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

export interface ZipEntrySpec {
  /** The name in the central directory. A string is written as UTF-8. */
  name: string | Buffer;
  /** The name in the local header, when it should differ. */
  localName?: string | Buffer;
  /** Uncompressed content. */
  data?: Buffer | string;
  /** 0 stored, 8 deflate (default), anything else is written as given with `data` stored raw. */
  method?: number;
  /** The local header's method, when it should differ. */
  localMethod?: number;
  /** The file data exactly as stored, instead of `data` compressed by `method`. */
  raw?: Buffer;
  /** General purpose flags; default sets bit 11 (UTF-8) when the name is not ASCII. */
  flags?: number;
  localFlags?: number;
  versionMadeBy?: number;
  /** Unix st_mode, written to the high 16 bits of the external attributes. */
  mode?: number;
  /** The whole 32-bit external attributes field; overrides `mode`. */
  externalAttributes?: number;
  /** Declared values, in both headers unless the local ones are set too. */
  crc32?: number;
  compressedSize?: number;
  uncompressedSize?: number;
  localCrc32?: number;
  localCompressedSize?: number;
  localUncompressedSize?: number;
  extra?: Buffer;
  localExtra?: Buffer;
  /** The central directory's local header offset, when it should point elsewhere. */
  offset?: number;
  /** Write no local header or data for this entry (use with `offset` to share another's). */
  omitLocal?: boolean;
  /**
   * Stream-writer style (flag bit 3): zeros for CRC and sizes in the local header, and a data
   * descriptor with the real values after the data (APPNOTE 4.3.9).
   */
  dataDescriptor?: boolean;
}

export interface ZipSpec {
  entries: ZipEntrySpec[];
  /** Bytes before the first local header. */
  leading?: Buffer;
  /** Bytes inside the central directory after the last entry, counted in its size. */
  centralDirectoryPadding?: Buffer;
  /** Entry count in the end record; default the number of central directory records. */
  entryCount?: number;
  comment?: Buffer | string;
  /** The end record's comment length, when it should not match the comment. */
  commentLength?: number;
  /** Bytes after the end record. */
  trailing?: Buffer;
}

/** Where each part of a built archive landed, for recipes that patch or point into it. */
export interface ZipLayout {
  bytes: Buffer;
  /** Per entry: offset of its local header and of its file data (-1 when omitted). */
  entries: { localHeader: number; data: number; dataEnd: number }[];
  centralDirectory: number;
  endOfCentralDirectory: number;
}

const bytesOf = (value: Buffer | string | undefined): Buffer =>
  value === undefined ? Buffer.alloc(0) : typeof value === 'string' ? Buffer.from(value, 'utf8') : value;

const isAscii = (name: Buffer): boolean => name.every((byte) => byte < 0x80);

/** The raw file data of an entry, as stored in the archive. */
export function storedData(entry: ZipEntrySpec): Buffer {
  if (entry.raw) return entry.raw;
  const data = bytesOf(entry.data);
  return (entry.method ?? 8) === 8 ? deflateRawSync(data) : data;
}

/** The 30-byte local file header plus name and extra field (APPNOTE 4.3.7). */
export function localHeader(entry: ZipEntrySpec, stored = storedData(entry)): Buffer {
  const name = bytesOf(entry.localName ?? entry.name);
  const extra = entry.localExtra ?? entry.extra ?? Buffer.alloc(0);
  const data = bytesOf(entry.data);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(LOCAL_HEADER, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(entry.localFlags ?? defaultFlags(entry), 6);
  header.writeUInt16LE(entry.localMethod ?? entry.method ?? 8, 8);
  header.writeUInt16LE(0, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  const deferred = entry.dataDescriptor ? 0 : undefined;
  header.writeUInt32LE(entry.localCrc32 ?? deferred ?? entry.crc32 ?? crc32(data), 14);
  header.writeUInt32LE(entry.localCompressedSize ?? deferred ?? entry.compressedSize ?? stored.length, 18);
  header.writeUInt32LE(entry.localUncompressedSize ?? deferred ?? entry.uncompressedSize ?? data.length, 22);
  header.writeUInt16LE(name.length, 26);
  header.writeUInt16LE(extra.length, 28);
  return Buffer.concat([header, name, extra]);
}

function defaultFlags(entry: ZipEntrySpec): number {
  return (entry.flags ?? (isAscii(bytesOf(entry.name)) ? 0 : UTF8_FLAG)) | (entry.dataDescriptor ? DATA_DESCRIPTOR : 0);
}

function dataDescriptor(entry: ZipEntrySpec, stored: Buffer): Buffer {
  const data = bytesOf(entry.data);
  const descriptor = Buffer.alloc(16);
  descriptor.writeUInt32LE(DATA_DESCRIPTOR_SIGNATURE, 0);
  descriptor.writeUInt32LE(entry.crc32 ?? crc32(data), 4);
  descriptor.writeUInt32LE(entry.compressedSize ?? stored.length, 8);
  descriptor.writeUInt32LE(entry.uncompressedSize ?? data.length, 12);
  return descriptor;
}

function centralHeader(entry: ZipEntrySpec, stored: Buffer, offset: number): Buffer {
  const name = bytesOf(entry.name);
  const extra = entry.extra ?? Buffer.alloc(0);
  const data = bytesOf(entry.data);
  const isDirectory = name.at(-1) === 0x2f;
  const mode = entry.mode ?? (isDirectory ? 0o040755 : 0o100644);
  const header = Buffer.alloc(46);
  header.writeUInt32LE(CENTRAL_HEADER, 0);
  header.writeUInt16LE(entry.versionMadeBy ?? MADE_BY_UNIX, 4);
  header.writeUInt16LE(20, 6);
  header.writeUInt16LE(defaultFlags(entry), 8);
  header.writeUInt16LE(entry.method ?? 8, 10);
  header.writeUInt16LE(0, 12);
  header.writeUInt16LE(DOS_DATE, 14);
  header.writeUInt32LE(entry.crc32 ?? crc32(data), 16);
  header.writeUInt32LE(entry.compressedSize ?? stored.length, 20);
  header.writeUInt32LE(entry.uncompressedSize ?? data.length, 24);
  header.writeUInt16LE(name.length, 28);
  header.writeUInt16LE(extra.length, 30);
  header.writeUInt16LE(0, 32);
  header.writeUInt16LE(0, 34);
  header.writeUInt16LE(0, 36);
  header.writeUInt32LE(entry.externalAttributes ?? ((mode << 16) | (isDirectory ? 0x10 : 0)) >>> 0, 38);
  header.writeUInt32LE(entry.offset ?? offset, 42);
  return Buffer.concat([header, name, extra]);
}

/** Lay out an archive and report where everything went. */
export function layoutZip(spec: ZipSpec): ZipLayout {
  const parts: Buffer[] = [];
  let at = 0;
  const push = (part: Buffer) => {
    parts.push(part);
    at += part.length;
  };
  if (spec.leading) push(spec.leading);
  const placed: ZipLayout['entries'] = [];
  const central: Buffer[] = [];
  for (const entry of spec.entries) {
    const stored = storedData(entry);
    if (entry.omitLocal) {
      placed.push({ localHeader: -1, data: -1, dataEnd: -1 });
      central.push(centralHeader(entry, stored, entry.offset ?? 0));
      continue;
    }
    const localAt = at;
    push(localHeader(entry, stored));
    placed.push({ localHeader: localAt, data: at, dataEnd: at + stored.length });
    push(stored);
    if (entry.dataDescriptor) push(dataDescriptor(entry, stored));
    central.push(centralHeader(entry, stored, localAt));
  }
  const centralAt = at;
  for (const record of central) push(record);
  if (spec.centralDirectoryPadding) push(spec.centralDirectoryPadding);
  const comment = bytesOf(spec.comment);
  const end = Buffer.alloc(22);
  const count = spec.entryCount ?? spec.entries.length;
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(at - centralAt, 12);
  end.writeUInt32LE(centralAt, 16);
  end.writeUInt16LE(spec.commentLength ?? comment.length, 20);
  const endAt = at;
  push(end);
  push(comment);
  if (spec.trailing) push(spec.trailing);
  return { bytes: Buffer.concat(parts), entries: placed, centralDirectory: centralAt, endOfCentralDirectory: endAt };
}

export function buildZip(spec: ZipSpec): Buffer {
  return layoutZip(spec).bytes;
}

/**
 * A raw deflate stream that inflates to `size` zero bytes, built without ever holding them: one
 * MiB of zeros deflated with a sync flush (a non-final, byte-aligned block sequence) is repeated,
 * then a final empty fixed-Huffman block (bits 1,01 + end-of-block = bytes 03 00) closes it.
 * Back-references in the repeated copies point at earlier zeros, so every copy stays valid.
 * About 1 KiB per MiB: a 1 GiB bomb is 1 MiB of test data.
 */
export function zeroBomb(size: number): Buffer {
  const MiB = 1024 * 1024;
  const flushed = (n: number) => deflateRawSync(Buffer.alloc(n), { finishFlush: constants.Z_SYNC_FLUSH });
  const whole = flushed(MiB);
  const parts: Buffer[] = [];
  for (let left = size; left > 0; left -= MiB) parts.push(left >= MiB ? whole : flushed(left));
  parts.push(Buffer.from([0x03, 0x00]));
  return Buffer.concat(parts);
}

/** The CRC-32 of `size` zero bytes, computed a MiB at a time. */
export function zeroCrc32(size: number): number {
  const MiB = Buffer.alloc(1024 * 1024);
  let crc = 0;
  for (let left = size; left > 0; left -= MiB.length)
    crc = crc32(left >= MiB.length ? MiB : MiB.subarray(0, left), crc);
  return crc;
}
