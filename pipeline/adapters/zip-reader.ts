/**
 * The safe bundle reader, shared by the pipeline's scanner and the installer (style.md, 6).
 *
 * yauzl 3 parses the central directory; local headers are read here, with yauzl's own checks,
 * synchronously. Everything yauzl lets through (threats.md: symlinks, setuid bits, bombs,
 * duplicates, collisions, reserved names, header mismatches, unchecked CRCs) is checked here and
 * reported as archive findings, all of them collected rather than stopping at the first. Names are
 * decoded here too (`decodeStrings: false`), because yauzl's own name checks throw on the first
 * bad name.
 *
 * Nothing is decompressed before its declared sizes have passed the limits, and no entry ever
 * yields more bytes than it declares: small entries are inflated in one call capped at the declared
 * size, large ones stream and stop at it. Memory stays flat whatever the archive claims.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { constants as fsConstants, read as readCallback, readSync } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { locateSignatureBlock, SIGNATURE_TAIL_BYTES, type SignatureBlockResult } from '../core/signature-block.ts';
import {
  ARCHIVE_RULES,
  DEFAULT_ARCHIVE_LIMITS,
  checkCollisions,
  checkEntryCount,
  checkEntryEncoding,
  checkEntryMode,
  checkEntryPath,
  checkEntrySize,
  checkLocalHeader,
  checkTotalSize,
  entryKind,
  entryPermissions,
  findOverlaps,
  printableName,
  type ArchiveLimits,
  type ArchiveRuleId,
  type EntryKind,
  type HeaderFields,
} from '../scan/rules/archive.ts';
import type { RuleDefinition, ScanSink } from '../scan/types.ts';

export { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits };

/** One entry of the central directory, as the reader decoded it. */
export interface BundleEntry {
  /** `/`-separated path, without the trailing `/` of a directory. Not safe to use as-is unless the bundle has no findings. */
  path: string;
  /** Declared uncompressed size. */
  size: number;
  compressedSize: number;
  kind: EntryKind;
  /** Unix permission bits (st_mode & 0o7777); 0 when the archive records none. */
  mode: number;
}

/** An archive rule that fired; the scan stage feeds these into its ScanSink. */
export interface ArchiveFinding {
  rule: RuleDefinition;
  /** The entry's name (control characters escaped), or '' for the archive as a whole. */
  file: string;
  message: string;
}

export interface OpenedBundle {
  /** Size of the whole file in bytes, signature block included. */
  readonly size: number;
  /** Lower-case hex SHA-256 of the whole file. */
  readonly sha256: string;
  readonly signature: SignatureBlockResult;
  /** Every entry read from the central directory, in its order. */
  readonly entries: readonly BundleEntry[];
  /** Archive findings so far; reading entries can add CRC and size findings. */
  readonly findings: readonly ArchiveFinding[];
  readonly stats: { entries: number; uncompressedSize: number };
  /** One regular file's content, at most `maxBytes`; throws ZipReaderError otherwise. */
  read(path: string, maxBytes: number): Promise<Buffer>;
  /**
   * Every regular file once, in central-directory order, one at a time. `content` is set when the
   * file is at most `contentLimit` bytes; `head` holds its first `headBytes` either way. Entries
   * whose findings make decompressing unsafe are skipped.
   */
  forEachFile(
    visit: (entry: BundleEntry, head: Buffer, content: Buffer | undefined) => void | Promise<void>,
    options: { contentLimit: number; headBytes: number },
  ): Promise<void>;
  /** Write the bundle into `dir`, which must not exist; refuses when any reject finding exists. */
  extractTo(dir: string): Promise<void>;
  close(): Promise<void>;
}

export interface OpenBundleOptions {
  limits?: Partial<ArchiveLimits>;
  /**
   * Entries up to this size are inflated in one synchronous call (fast: no stream per entry);
   * larger ones stream. Default 8 MiB. Both paths enforce the same caps.
   */
  inMemoryBytes?: number;
}

export type ZipReaderErrorCode =
  /** The file could not be opened, read or written. */
  | 'io'
  /** No regular file has that path. */
  | 'not-found'
  /** The entry is larger than the caller's cap. */
  | 'too-large'
  /** Archive findings make decompressing the entry unsafe, or its path names more than one entry. */
  | 'unsafe-entry'
  /** The data does not decompress, or not to its declared size and CRC. */
  | 'corrupt-entry'
  /** Extraction refused because of reject findings. */
  | 'refused'
  /** The extraction target already exists. */
  | 'target-exists'
  | 'closed';

/** Runtime failures of the reader (sigstore-js's BaseError pattern); archive problems are findings instead. */
export class ZipReaderError extends Error {
  readonly code: ZipReaderErrorCode;
  constructor({ code, message, cause }: { code: ZipReaderErrorCode; message: string; cause?: unknown }) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.name = 'ZipReaderError';
  }
}

const MiB = 1024 * 1024;
const WINDOW_BYTES = 256 * 1024;
const STREAM_CHUNK_BYTES = 256 * 1024;
const HASH_CHUNK_BYTES = 1 * MiB;
const DEFAULT_IN_MEMORY_BYTES = 8 * MiB;
const UTF8_FLAG = 0x800;
/** Info-ZIP Unicode Path extra field (APPNOTE 4.6.9). */
const UNICODE_PATH_FIELD = 0x7075;
const DEFLATE = 8;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Findings after which decompressing an entry is unsafe or pointless. */
const UNSAFE_TO_DECODE: ReadonlySet<ArchiveRuleId> = new Set<ArchiveRuleId>([
  'archive-unreadable',
  'archive-encrypted',
  'archive-compression-method',
  'archive-entry-too-large',
  'archive-compression-ratio',
  'archive-overlapping-entries',
  'archive-size-mismatch',
]);

/**
 * yauzl reads through this: one fd, never past `length` (the zip proper, without a signature block
 * or trailing bytes). Small reads (central directory records, local headers, small entries) are
 * served from a window that is refilled with one pread, so listing thousands of entries costs a
 * few dozen system calls rather than several per entry.
 */
class WindowedReader extends yauzl.RandomAccessReader {
  readonly fd: number;
  readonly length: number;
  private readonly window = Buffer.allocUnsafe(WINDOW_BYTES);
  private windowStart = 0;
  private windowLength = 0;
  private scratch = Buffer.alloc(0);

  constructor(fd: number, length: number) {
    super();
    this.fd = fd;
    this.length = length;
  }

  /**
   * `length` bytes at `position`, or fewer at the end. The result is a view into reused memory,
   * valid until the next call: callers copy or consume it synchronously.
   */
  view(position: number, length: number): Buffer {
    const wanted = Math.max(0, Math.min(length, this.length - position));
    const end = position + wanted;
    if (position >= this.windowStart && end <= this.windowStart + this.windowLength) {
      return this.window.subarray(position - this.windowStart, end - this.windowStart);
    }
    if (wanted <= WINDOW_BYTES / 2) {
      this.windowStart = position;
      this.windowLength = this.fill(this.window, Math.min(WINDOW_BYTES, this.length - position), position);
      return this.window.subarray(0, Math.min(wanted, this.windowLength));
    }
    if (this.scratch.length < wanted) this.scratch = Buffer.allocUnsafe(wanted);
    return this.scratch.subarray(0, this.fill(this.scratch, wanted, position));
  }

  /** view() without the intermediate view: yauzl makes several small reads per entry. */
  private copyTo(target: Buffer, offset: number, length: number, position: number): number {
    const start = position - this.windowStart;
    if (start >= 0 && start + length <= this.windowLength)
      return this.window.copy(target, offset, start, start + length);
    return this.view(position, length).copy(target, offset);
  }

  private fill(target: Buffer, length: number, position: number): number {
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, target, done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  /** fs.read semantics, which yauzl relies on to detect a short read (callback(err, bytesRead)). */
  override read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
    callback: (err: Error | null) => void,
  ): void {
    const done = callback as (err: Error | null, bytesRead?: number) => void;
    let bytesRead: number;
    try {
      bytesRead = this.copyTo(buffer, offset, length, position);
    } catch (error) {
      queueMicrotask(() => done(error as Error));
      return;
    }
    // Asynchronous completion, as yauzl expects: calling back synchronously would recurse once per entry.
    queueMicrotask(() => done(null, bytesRead));
  }

  /** Large entries stream in fresh chunks (they are handed to zlib, so they cannot share memory). */
  override _readStreamForRange(start: number, end: number): Readable {
    const fd = this.fd;
    const stop = Math.min(end, this.length);
    let position = start;
    return new Readable({
      highWaterMark: STREAM_CHUNK_BYTES,
      read() {
        const wanted = Math.min(STREAM_CHUNK_BYTES, stop - position);
        if (wanted <= 0) {
          this.push(null);
          return;
        }
        const chunk = Buffer.allocUnsafe(wanted);
        readCallback(fd, chunk, 0, wanted, position, (error, n) => {
          if (error) return this.destroy(error);
          if (n === 0) return void this.push(null);
          position += n;
          this.push(n === wanted ? chunk : chunk.subarray(0, n));
        });
      },
    });
  }

  /** The bundle owns the fd and closes it. */
  override close(callback: (err: Error | null) => void): void {
    setImmediate(callback, null);
  }
}

/** What the end of central directory record says (APPNOTE 4.3.16, zip64: 4.3.14-15). */
interface EndRecord {
  /** File offset just past the record's comment. */
  commentEnd: number;
  entries: number;
  entriesOnDisk: number;
  centralDirectoryOffset: number;
  centralDirectorySize: number;
  /** Where the central directory must end: the zip64 end record, or this record. */
  centralDirectoryEnd: number;
}

interface Item {
  entry: BundleEntry;
  raw: Entry;
  /** The decoded name (directories keep their `/`), used in findings through printableName. */
  name: string;
  /** File offset of the entry's data; -1 when its local header could not be read. */
  dataStart: number;
  unsafe: boolean;
}

type DecodeStatus = 'ok' | 'crc' | 'size' | 'unreadable';

export async function openBundle(path: string, options: OpenBundleOptions = {}): Promise<OpenedBundle> {
  const limits: ArchiveLimits = { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits };
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw ioError(`cannot open ${path}`, error);
  }
  try {
    const bundle = new Bundle(handle, limits, options.inMemoryBytes ?? DEFAULT_IN_MEMORY_BYTES);
    await bundle.load();
    return bundle;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error instanceof ZipReaderError ? error : ioError(`cannot read ${path}`, error);
  }
}

class Bundle implements OpenedBundle {
  size = 0;
  sha256 = '';
  signature: SignatureBlockResult = { kind: 'none' };
  entries: BundleEntry[] = [];
  findings: ArchiveFinding[] = [];
  stats = { entries: 0, uncompressedSize: 0 };

  private readonly handle: FileHandle;
  private readonly limits: ArchiveLimits;
  private readonly inMemoryBytes: number;
  private items: Item[] = [];
  private byPath: Map<string, Item[]> | undefined;
  private reader: WindowedReader | undefined;
  private zipfile: ZipFile | undefined;
  /** Set when the total size is over the limit: then nothing is decompressed at all. */
  private tooLarge = false;
  private readonly reported = new Set<string>();
  private closed = false;

  constructor(handle: FileHandle, limits: ArchiveLimits, inMemoryBytes: number) {
    this.handle = handle;
    this.limits = limits;
    this.inMemoryBytes = inMemoryBytes;
  }

  private report(rule: RuleDefinition, file: string, message: string, item?: Item): void {
    // Reading the same entry twice (forEachFile, then read) must not report it twice.
    const key = `${rule.id}\0${file}\0${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.findings.push({ rule, file, message });
    if (item && UNSAFE_TO_DECODE.has(rule.id as ArchiveRuleId)) item.unsafe = true;
  }

  private sinkFor(item?: Item): Pick<ScanSink, 'finding'> {
    return { finding: (rule, file, message) => this.report(rule, file, message, item) };
  }

  async load(): Promise<void> {
    const { size } = await this.handle.stat();
    this.size = size;
    this.sha256 = this.hash();
    const tailLength = Math.min(size, SIGNATURE_TAIL_BYTES);
    this.signature = locateSignatureBlock(await this.readAt(size - tailLength, tailLength), size);

    let zipEnd = size;
    if (this.signature.kind === 'signed') zipEnd = this.signature.block.zipEnd;
    else if (this.signature.kind === 'malformed') {
      this.report(
        ARCHIVE_RULES['archive-trailing-data'],
        '',
        `The file ends in a signature footer but the block is malformed: ${this.signature.reason}. Sign the bundle again with \`mcpb sign\`.`,
      );
    }
    const end = await this.findEndRecord(zipEnd);
    if (end && end.commentEnd < zipEnd) {
      if (this.signature.kind !== 'malformed') {
        this.report(
          ARCHIVE_RULES['archive-trailing-data'],
          '',
          `${zipEnd - end.commentEnd} bytes follow the end of the zip and are not a signature block. Remove them.`,
        );
      }
      zipEnd = end.commentEnd;
    }

    this.reader = new WindowedReader(this.handle.fd, zipEnd);
    try {
      this.zipfile = await yauzl.fromRandomAccessReaderPromise(this.reader, zipEnd, {
        autoClose: false,
        lazyEntries: true,
        // Our own name decoding and checks, so that every bad name is reported, not just the first.
        decodeStrings: false,
        // Stored-size lies are a finding (checkEntrySize), and streams are counted here; yauzl's
        // check would stop the listing at the first lying entry.
        validateEntrySizes: false,
      });
    } catch (error) {
      this.report(ARCHIVE_RULES['archive-unreadable'], '', `Not a readable zip archive: ${messageOf(error)}.`);
      return;
    }
    const zipfile = this.zipfile;
    this.stats.entries = zipfile.entryCount;
    checkEntryCount(zipfile.entryCount, this.limits, this.sinkFor());

    const listing = await readCentralDirectory(zipfile, this.limits.maxEntries);
    if (isIoError(listing.error)) throw ioError('cannot read the central directory', listing.error);
    if (listing.error) {
      this.report(
        ARCHIVE_RULES['archive-unreadable'],
        '',
        `The central directory cannot be read after ${listing.entries.length} entries: ${messageOf(listing.error)}.`,
      );
    } else if (end && listing.entries.length === zipfile.entryCount) {
      this.checkCentralDirectory(end, listing.entries);
    }

    let total = 0;
    for (const raw of listing.entries) {
      const item = this.inspect(raw);
      total += item.entry.size;
      this.items.push(item);
      this.entries.push(item.entry);
    }
    this.stats.uncompressedSize = total;
    checkCollisions(
      this.items.map((item) => item.name),
      this.sinkFor(),
    );
    checkTotalSize(total, this.limits, this.sinkFor());
    this.tooLarge = total > this.limits.maxTotalBytes;
    this.readLocalHeaders(end?.centralDirectoryOffset ?? zipEnd);
  }

  /** Name, type, encoding and size checks of one central directory record. */
  private inspect(raw: Entry): Item {
    const decoded = decodeName(raw);
    const kind = entryKind(decoded.name, raw.externalFileAttributes);
    const item: Item = {
      entry: {
        path: kind === 'directory' ? decoded.name.slice(0, -1) : decoded.name,
        size: raw.uncompressedSize,
        compressedSize: raw.compressedSize,
        kind,
        mode: entryPermissions(raw.externalFileAttributes),
      },
      raw,
      name: decoded.name,
      dataStart: -1,
      unsafe: false,
    };
    const sink = this.sinkFor(item);
    const file = printableName(decoded.name);
    checkEntryPath(decoded.name, sink, this.limits);
    if (decoded.invalidUtf8) {
      sink.finding(
        ARCHIVE_RULES['archive-name-encoding'],
        file,
        'The name is flagged as UTF-8 but is not valid UTF-8; extractors will each spell it differently.',
      );
    }
    if (decoded.headerName !== undefined) {
      // The ignored spelling matters to extractors that ignore the Unicode Path field (Python's zipfile).
      checkEntryPath(decoded.headerName, sink, this.limits);
      sink.finding(
        ARCHIVE_RULES['archive-header-mismatch'],
        file,
        `The Info-ZIP Unicode Path field names the entry differently from its header ("${printableName(decoded.headerName)}").`,
      );
    }
    checkEntryMode(decoded.name, raw.externalFileAttributes, sink);
    checkEntryEncoding(decoded.name, raw.generalPurposeBitFlag, raw.compressionMethod, sink);
    checkEntrySize(
      decoded.name,
      {
        size: raw.uncompressedSize,
        compressedSize: raw.compressedSize,
        method: raw.compressionMethod,
        encrypted: raw.isEncrypted(),
      },
      this.limits,
      sink,
    );
    return item;
  }

  /**
   * Local headers, in file order so that the window serves most of them: where each entry's data
   * starts, whether the header agrees with the central directory, and whether entries overlap.
   */
  private readLocalHeaders(centralDirectoryOffset: number): void {
    const reader = this.reader!;
    const ordered = [...this.items].sort(
      (a, b) => a.raw.relativeOffsetOfLocalHeader - b.raw.relativeOffsetOfLocalHeader,
    );
    const ranges: { item: Item; start: number; end: number }[] = [];
    for (const item of ordered) {
      const { raw } = item;
      let local: LocalHeader;
      try {
        local = readLocalHeader(reader, raw);
      } catch (error) {
        if (isIoError(error)) throw ioError('cannot read a local header', error);
        this.report(
          ARCHIVE_RULES['archive-unreadable'],
          printableName(item.name),
          `The local header cannot be read: ${messageOf(error)}.`,
          item,
        );
        continue;
      }
      item.dataStart = local.dataStart;
      checkLocalHeader(
        item.name,
        {
          name: raw.fileNameRaw,
          flags: raw.generalPurposeBitFlag,
          method: raw.compressionMethod,
          crc32: raw.crc32,
          compressedSize: raw.compressedSize,
          uncompressedSize: raw.uncompressedSize,
        },
        local,
        this.sinkFor(item),
      );
      ranges.push({ item, start: raw.relativeOffsetOfLocalHeader, end: local.dataStart + raw.compressedSize });
    }
    for (const { item, start, end } of findOverlaps(ranges, centralDirectoryOffset)) {
      this.report(
        ARCHIVE_RULES['archive-overlapping-entries'],
        printableName(item.name),
        end > centralDirectoryOffset
          ? `The entry's data (bytes ${start}-${end}) runs into the central directory at ${centralDirectoryOffset}.`
          : `The entry's bytes (${start}-${end}) overlap another entry's: a zip bomb. Repack the bundle with a standard zip tool.`,
        item,
      );
    }
  }

  /**
   * yauzl reads as many records as the end record's count says; Python's zipfile reads as many as
   * fit in the declared central directory size. Records beyond the count are hidden from one of
   * them, so the two must agree, and the directory must end where the end record starts.
   */
  private checkCentralDirectory(end: EndRecord, entries: readonly Entry[]): void {
    let bytes = 0;
    for (const e of entries) bytes += 46 + e.fileNameLength + e.extraFieldLength + e.fileCommentLength;
    const problems: string[] = [];
    if (bytes !== end.centralDirectorySize) {
      problems.push(`its ${entries.length} records take ${bytes} bytes but it declares ${end.centralDirectorySize}`);
    }
    if (end.centralDirectoryOffset + end.centralDirectorySize !== end.centralDirectoryEnd) {
      problems.push('it does not end where the end record starts');
    }
    if (end.entriesOnDisk !== end.entries) {
      problems.push(`the end record counts ${end.entriesOnDisk} and ${end.entries} entries`);
    }
    if (problems.length > 0) {
      this.report(
        ARCHIVE_RULES['archive-header-mismatch'],
        '',
        `The central directory is inconsistent: ${problems.join('; ')}. Tools would list different entries.`,
      );
    }
  }

  /**
   * The last end record whose comment fits before `zipEnd`, searching backwards as yauzl does.
   * Bytes between its comment's end and `zipEnd` are trailing data.
   */
  private async findEndRecord(zipEnd: number): Promise<EndRecord | undefined> {
    const span = Math.min(zipEnd, 22 + 0xffff + 20);
    const base = zipEnd - span;
    const buffer = await this.readAt(base, span);
    for (let at = buffer.length - 22; at >= 0; at--) {
      if (buffer.readUInt32LE(at) !== 0x06054b50) continue;
      const commentEnd = base + at + 22 + buffer.readUInt16LE(at + 20);
      if (commentEnd > zipEnd) continue;
      const record: EndRecord = {
        commentEnd,
        entriesOnDisk: buffer.readUInt16LE(at + 8),
        entries: buffer.readUInt16LE(at + 10),
        centralDirectorySize: buffer.readUInt32LE(at + 12),
        centralDirectoryOffset: buffer.readUInt32LE(at + 16),
        centralDirectoryEnd: base + at,
      };
      // A zip64 locator right before the record points at the zip64 end record, which then rules.
      if (at >= 20 && buffer.readUInt32LE(at - 20) === 0x07064b50) {
        const zip64At = Number(buffer.readBigUInt64LE(at - 20 + 8));
        const zip64 = zip64At + 56 <= zipEnd ? await this.readAt(zip64At, 56) : Buffer.alloc(0);
        if (zip64.length === 56 && zip64.readUInt32LE(0) === 0x06064b50) {
          record.entriesOnDisk = Number(zip64.readBigUInt64LE(24));
          record.entries = Number(zip64.readBigUInt64LE(32));
          record.centralDirectorySize = Number(zip64.readBigUInt64LE(40));
          record.centralDirectoryOffset = Number(zip64.readBigUInt64LE(48));
          record.centralDirectoryEnd = zip64At;
        }
      }
      return record;
    }
    return undefined;
  }

  /**
   * Synchronous reads: hashing is CPU-bound, and asynchronous 1 MiB reads only add a thread-pool
   * round trip each (measured: a third of the time to open a 50 MB bundle was spent waiting).
   */
  private hash(): string {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(HASH_CHUNK_BYTES);
    for (let position = 0; position < this.size;) {
      const bytesRead = readSync(this.handle.fd, buffer, 0, buffer.length, position);
      if (bytesRead === 0) throw new Error('the file shrank while it was being read');
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    return hash.digest('hex');
  }

  private async readAt(position: number, length: number): Promise<Buffer> {
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buffer, done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buffer.subarray(0, done);
  }

  /**
   * Decompress one entry into `sink`, never past its declared size, and check size and CRC.
   * Problems become findings; the status says whether the bytes delivered can be trusted.
   */
  private async decode(item: Item, sink: (chunk: Buffer) => void | Promise<void>): Promise<DecodeStatus> {
    if (this.fitsInMemory(item)) {
      const { status, data } = this.decodeInMemory(item);
      if (data) await sink(data);
      return status;
    }
    return this.decodeStreaming(item, sink);
  }

  private fitsInMemory({ raw }: Item): boolean {
    return raw.uncompressedSize <= this.inMemoryBytes && raw.compressedSize <= this.inMemoryBytes + 64 * 1024;
  }

  private sizeMismatch(item: Item, actual: string): DecodeStatus {
    this.report(
      ARCHIVE_RULES['archive-size-mismatch'],
      printableName(item.name),
      `The entry declares ${item.raw.uncompressedSize} bytes but decompresses to ${actual}.`,
      item,
    );
    return 'size';
  }

  private crcResult(item: Item, actual: number): DecodeStatus {
    const expected = item.raw.crc32;
    if (actual === expected) return 'ok';
    this.report(
      ARCHIVE_RULES['archive-crc-mismatch'],
      printableName(item.name),
      `The entry's CRC-32 is ${hex(actual)} but the archive declares ${hex(expected)}: the data is corrupt or was altered.`,
    );
    return 'crc';
  }

  private unreadable(item: Item, error: unknown): DecodeStatus {
    this.report(
      ARCHIVE_RULES['archive-unreadable'],
      printableName(item.name),
      `The entry's data cannot be decompressed: ${messageOf(error)}.`,
      item,
    );
    return 'unreadable';
  }

  /**
   * decode() of an entry that fits in memory, in one synchronous call: no stream, no promise, so
   * thousands of small entries cost little more than their inflating. `data` is set when the
   * bytes can be delivered (status ok or crc: a CRC mismatch is reported and the bytes still seen).
   */
  private decodeInMemory(item: Item): { status: DecodeStatus; data?: Buffer } {
    const { raw } = item;
    const size = raw.uncompressedSize;
    let stored: Buffer;
    try {
      stored = this.reader!.view(item.dataStart, raw.compressedSize);
    } catch (error) {
      throw ioError(`cannot read ${printableName(item.name)}`, error);
    }
    if (stored.length < raw.compressedSize)
      return { status: this.unreadable(item, new Error('the data is truncated')) };
    let data: Buffer;
    if (raw.compressionMethod === DEFLATE) {
      try {
        // One more byte than declared is enough to know the entry lies; zlib stops there.
        data = inflateRawSync(stored, { maxOutputLength: size + 1, chunkSize: Math.max(64, size + 1) });
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
          return { status: this.sizeMismatch(item, 'more') };
        return { status: this.unreadable(item, error) };
      }
    } else {
      data = Buffer.from(stored);
    }
    if (data.length !== size)
      return { status: this.sizeMismatch(item, data.length > size ? 'more' : `${data.length}`) };
    return { status: this.crcResult(item, crc32(data)), data };
  }

  private async decodeStreaming(item: Item, sink: (chunk: Buffer) => void | Promise<void>): Promise<DecodeStatus> {
    const { raw } = item;
    const size = raw.uncompressedSize;
    const deflated = raw.compressionMethod === DEFLATE;
    let stream: Readable;
    try {
      stream = await openRawStream(this.zipfile!, item.dataStart, raw.compressedSize, deflated);
    } catch (error) {
      return this.unreadable(item, error);
    }
    let total = 0;
    let crc = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        total += chunk.length;
        // Leaving the loop destroys the stream: inflating stops within one chunk of the cap.
        if (total > size) return this.sizeMismatch(item, 'more');
        crc = crc32(chunk, crc);
        await sink(chunk);
      }
    } catch (error) {
      if (isIoError(error)) throw ioError(`cannot read ${printableName(item.name)}`, error);
      return this.unreadable(item, error);
    }
    if (total < size) return this.sizeMismatch(item, `${total}`);
    return this.crcResult(item, crc);
  }

  private assertOpen(): void {
    if (this.closed) throw new ZipReaderError({ code: 'closed', message: 'The bundle is closed.' });
  }

  private decodable(item: Item): boolean {
    return !item.unsafe && item.dataStart >= 0;
  }

  async read(path: string, maxBytes: number): Promise<Buffer> {
    this.assertOpen();
    this.byPath ??= groupByPath(this.items);
    const matches = (this.byPath.get(path) ?? []).filter((item) => item.entry.kind === 'file');
    const item = matches[0];
    if (!item) throw new ZipReaderError({ code: 'not-found', message: `The bundle has no file ${path}.` });
    if (matches.length > 1 || !this.decodable(item)) {
      throw new ZipReaderError({
        code: 'unsafe-entry',
        message: `${path} cannot be read safely: ${matches.length > 1 ? 'the bundle has it twice' : 'see the archive findings'}.`,
      });
    }
    if (item.entry.size > maxBytes) {
      throw new ZipReaderError({
        code: 'too-large',
        message: `${path} is ${item.entry.size} bytes; at most ${maxBytes} are read.`,
      });
    }
    const collector = new Collector(item.entry.size, true, 0);
    const status = await this.decode(item, (chunk) => collector.push(chunk));
    if (status !== 'ok') {
      throw new ZipReaderError({
        code: 'corrupt-entry',
        message: `${path} is corrupt (${status}); see the archive findings.`,
      });
    }
    return collector.result().content!;
  }

  async forEachFile(
    visit: (entry: BundleEntry, head: Buffer, content: Buffer | undefined) => void | Promise<void>,
    options: { contentLimit: number; headBytes: number },
  ): Promise<void> {
    this.assertOpen();
    // Over the total limit nothing is streamed: the limit is there to bound exactly this loop.
    // read() still works, capped by its caller, so the manifest can be checked.
    if (this.tooLarge) return;
    for (const item of this.items) {
      if (item.entry.kind !== 'file' || !this.decodable(item)) continue;
      const keep = item.entry.size <= options.contentLimit;
      let head: Buffer;
      let content: Buffer | undefined;
      // A CRC mismatch is reported, and the bytes are still scanned: they are what an extractor
      // that does not check CRCs would install.
      if (this.fitsInMemory(item)) {
        // Synchronous, so the loop does not wait on a promise per entry (thousands in node_modules).
        const { data } = this.decodeInMemory(item);
        if (!data) continue;
        content = keep ? data : undefined;
        // Without the content, keep a copy of the head only, so the entry's memory can go.
        head = keep ? data.subarray(0, options.headBytes) : Buffer.from(data.subarray(0, options.headBytes));
      } else {
        const collector = new Collector(item.entry.size, keep, options.headBytes);
        const status = await this.decodeStreaming(item, (chunk) => collector.push(chunk));
        if (status !== 'ok' && status !== 'crc') continue;
        ({ head, content } = collector.result());
      }
      const pending = visit(item.entry, head, content);
      if (pending) await pending;
    }
  }

  async extractTo(dir: string): Promise<void> {
    this.assertOpen();
    const blocking = this.findings.filter((f) => f.rule.severity === 'reject');
    if (blocking.length > 0 || this.tooLarge) {
      const first = blocking[0];
      throw new ZipReaderError({
        code: 'refused',
        message: `Refusing to extract: the bundle has ${blocking.length} reject finding(s)${first ? `, first ${first.rule.id} on "${first.file}"` : ''}.`,
      });
    }
    try {
      await mkdir(dirname(dir), { recursive: true, mode: 0o700 });
      await mkdir(dir, { mode: 0o755 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new ZipReaderError({
          code: 'target-exists',
          message: `${dir} already exists; extract into a new folder.`,
        });
      }
      throw ioError(`cannot create ${dir}`, error);
    }
    try {
      for (const item of this.items) await this.extractOne(dir, item);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error instanceof ZipReaderError ? error : ioError(`cannot extract into ${dir}`, error);
    }
  }

  private async extractOne(dir: string, item: Item): Promise<void> {
    const { path, kind, mode } = item.entry;
    const target = join(dir, ...path.split('/'));
    const inside = relative(dir, target);
    // The findings already rule these out; this is the last line, should a check ever regress.
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside) || (kind !== 'file' && kind !== 'directory')) {
      throw new ZipReaderError({ code: 'refused', message: `Refusing to extract "${printableName(item.name)}".` });
    }
    if (kind === 'directory') {
      await mkdir(target, { recursive: true, mode: 0o755 });
      return;
    }
    if (!this.decodable(item)) {
      throw new ZipReaderError({ code: 'unsafe-entry', message: `${path} cannot be decompressed safely.` });
    }
    // Folders are ours (created fresh above, no symlinks in the archive); O_EXCL|O_NOFOLLOW
    // still refuse to write through anything that appeared in between.
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | (fsConstants.O_NOFOLLOW ?? 0);
    const file = await open(target, flags, mode & 0o111 ? 0o755 : 0o644);
    try {
      const status = await this.decode(item, (chunk) => writeAll(file, chunk));
      if (status !== 'ok') {
        throw new ZipReaderError({
          code: 'corrupt-entry',
          message: `${path} is corrupt (${status}); nothing was kept.`,
        });
      }
    } finally {
      await file.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.zipfile?.close();
    await this.handle.close();
  }
}

/** Buffers an entry's content when it is kept, otherwise only its first bytes. */
class Collector {
  private readonly size: number;
  private readonly keep: boolean;
  private readonly headBytes: number;
  private readonly headBuffer: Buffer;
  private content: Buffer | undefined;
  private filled = 0;

  constructor(size: number, keep: boolean, headBytes: number) {
    this.size = size;
    this.keep = keep;
    this.headBytes = headBytes;
    this.headBuffer = keep ? Buffer.alloc(0) : Buffer.allocUnsafe(Math.min(headBytes, size));
  }

  push(chunk: Buffer): void {
    if (this.keep) {
      // The in-memory path delivers the whole entry in one fresh buffer: keep it without a copy.
      if (this.filled === 0 && chunk.length === this.size) this.content = chunk;
      else {
        this.content ??= Buffer.allocUnsafe(this.size);
        chunk.copy(this.content, this.filled);
      }
    } else if (this.filled < this.headBuffer.length) {
      chunk.copy(this.headBuffer, this.filled, 0, this.headBuffer.length - this.filled);
    }
    this.filled += chunk.length;
  }

  result(): { head: Buffer; content: Buffer | undefined } {
    if (!this.keep)
      return { head: this.headBuffer.subarray(0, Math.min(this.filled, this.headBuffer.length)), content: undefined };
    const content = this.content ?? Buffer.alloc(0);
    return { head: content.subarray(0, this.headBytes), content };
  }
}

/**
 * yauzl's openReadStreamLowLevel with a promise. Not its openReadStreamLowLevelPromise: in 3.4.0
 * that wrapper calls openReadStream with the low-level arguments and fails on every call.
 */
function openRawStream(
  zipfile: ZipFile,
  dataStart: number,
  compressedSize: number,
  inflate: boolean,
): Promise<Readable> {
  return new Promise((resolve, reject) => {
    // The last argument (uncompressedSize) is only used by validateEntrySizes, which is off: decode() counts.
    zipfile.openReadStreamLowLevel(dataStart, compressedSize, 0, compressedSize, inflate, null, (error, stream) =>
      error ? reject(error) : resolve(stream),
    );
  });
}

interface LocalHeader extends HeaderFields {
  /** File offset of the entry's data. */
  dataStart: number;
}

const LOCAL_HEADER_BYTES = 30;

/**
 * The local header of an entry (APPNOTE 4.3.7), read and checked as yauzl's readLocalFileHeader
 * does (same signature and bounds checks, same messages), but synchronously from the reader's
 * window: yauzl's version costs two asynchronous reads and two buffers per entry, which a bundle
 * with thousands of entries feels. `name` is a view into the window, valid until the next read.
 */
function readLocalHeader(reader: WindowedReader, raw: Entry): LocalHeader {
  const at = raw.relativeOffsetOfLocalHeader;
  const fixed = reader.view(at, LOCAL_HEADER_BYTES);
  if (fixed.length < LOCAL_HEADER_BYTES) throw new Error('unexpected EOF');
  const signature = fixed.readUInt32LE(0);
  if (signature !== 0x04034b50) throw new Error(`invalid local file header signature: 0x${signature.toString(16)}`);
  const nameLength = fixed.readUInt16LE(26);
  const extraLength = fixed.readUInt16LE(28);
  const dataStart = at + LOCAL_HEADER_BYTES + nameLength + extraLength;
  if (dataStart + raw.compressedSize > reader.length) {
    throw new Error(`file data overflows file bounds: ${dataStart} + ${raw.compressedSize} > ${reader.length}`);
  }
  const header = {
    flags: fixed.readUInt16LE(6),
    method: fixed.readUInt16LE(8),
    crc32: fixed.readUInt32LE(14),
    compressedSize: fixed.readUInt32LE(18),
    uncompressedSize: fixed.readUInt32LE(22),
  };
  // Read after the fixed fields: this view may refill the window that `fixed` points into.
  const variable = reader.view(at + LOCAL_HEADER_BYTES, nameLength + extraLength);
  if (variable.length < nameLength + extraLength) throw new Error('unexpected EOF');
  return { ...header, name: variable.subarray(0, nameLength), dataStart };
}

function readCentralDirectory(zipfile: ZipFile, max: number): Promise<{ entries: Entry[]; error?: Error }> {
  return new Promise((resolve) => {
    const entries: Entry[] = [];
    zipfile.on('entry', (entry: Entry) => {
      entries.push(entry);
      // Past the cap nothing more is read: the too-many-entries finding is already there.
      if (entries.length >= max) resolve({ entries });
      else zipfile.readEntry();
    });
    zipfile.once('end', () => resolve({ entries }));
    // Stays attached: an unhandled 'error' event would crash the process.
    zipfile.on('error', (error: Error) => resolve({ entries, error }));
    zipfile.readEntry();
  });
}

/**
 * The entry's name: UTF-8 when flag bit 11 says so, CP437 otherwise (APPNOTE appendix D), or the
 * Info-ZIP Unicode Path field (0x7075) when its CRC matches the header name, as yauzl's own
 * decoding would. `headerName` is set when the header spells a different name.
 */
function decodeName(raw: Entry): { name: string; invalidUtf8: boolean; headerName?: string } {
  const flags = raw.generalPurposeBitFlag;
  const bytes = raw.fileNameRaw;
  const header = flags & UTF8_FLAG ? bytes.toString('utf8') : cp437(bytes);
  const invalidUtf8 = (flags & UTF8_FLAG) !== 0 && !isUtf8(bytes);
  if (!raw.extraFields.some((field) => field.id === UNICODE_PATH_FIELD)) return { name: header, invalidUtf8 };
  const unicodePath = yauzl.getFileNameLowLevel(flags, bytes, raw.extraFields, true);
  // yauzl ignores the field when its CRC does not match the header name.
  if (unicodePath === yauzl.getFileNameLowLevel(flags, bytes, [], true)) return { name: header, invalidUtf8 };
  // Info-ZIP's zip writes the local-charset bytes without the UTF-8 flag plus the same name in the
  // 0x7075 field: on a UTF-8 system that is one name spelled twice, not a disagreement.
  if (isUtf8(bytes) && bytes.toString('utf8') === unicodePath) return { name: unicodePath, invalidUtf8 };
  return { name: unicodePath, invalidUtf8, headerName: header };
}

/**
 * CP437 as Python's codec and the code page define it: bytes below 0x80 are ASCII, controls
 * included. yauzl's table shows 0x01-0x1F as their glyphs (☺, •, ♪), which would hide a BEL or an
 * ESC from the control character check while Info-ZIP writes the raw byte to disk.
 */
function cp437(bytes: Buffer): string {
  const latin1 = bytes.toString('latin1');
  // The common case: printable ASCII is the same in CP437 and Latin-1 (a regex beats a byte loop).
  if (PRINTABLE_ASCII.test(latin1)) return latin1;
  const glyphs = yauzl.getFileNameLowLevel(0, bytes, [], true);
  return Array.from(glyphs, (glyph, i) =>
    bytes[i]! < 0x20 || bytes[i] === 0x7f ? String.fromCharCode(bytes[i]!) : glyph,
  ).join('');
}

function groupByPath(items: readonly Item[]): Map<string, Item[]> {
  const map = new Map<string, Item[]>();
  for (const item of items) {
    const list = map.get(item.entry.path);
    if (list) list.push(item);
    else map.set(item.entry.path, [item]);
  }
  return map;
}

async function writeAll(file: FileHandle, chunk: Buffer): Promise<void> {
  for (let done = 0; done < chunk.length;) {
    const { bytesWritten } = await file.write(chunk, done, chunk.length - done);
    done += bytesWritten;
  }
}

function ioError(message: string, cause: unknown): ZipReaderError {
  return new ZipReaderError({ code: 'io', message: `${message}: ${messageOf(cause)}`, cause });
}

/** A failed system call (EIO, EBADF…), as opposed to bytes that yauzl or zlib cannot make sense of. */
function isIoError(error: unknown): boolean {
  return typeof (error as NodeJS.ErrnoException | undefined)?.syscall === 'string';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
