/**
 * Archive rules: what the safe bundle reader (pipeline/adapters/zip-reader.ts) rejects before
 * anything is decompressed or written. yauzl 3 accepts most of these (threats.md, "What the
 * libraries do and do not do"), and with `decodeStrings: false` it checks no names at all, so
 * every check lives here, as pure functions over names and header fields that report to a sink.
 */
import { defineRules, type ScanSink } from '../types.ts';

const reject = 'reject' as const;

export const ARCHIVE_RULES = defineRules({
  'archive-unreadable': {
    severity: reject,
    summary: 'The file is not a zip, or its central directory, a local header or an entry’s data cannot be read.',
  },
  'archive-path-traversal': { severity: reject, summary: 'An entry name has a `..` segment.' },
  'archive-absolute-path': { severity: reject, summary: 'An entry name starts with `/` or a drive letter.' },
  'archive-backslash': { severity: reject, summary: 'An entry name contains a backslash.' },
  'archive-control-character': {
    severity: reject,
    summary: 'An entry name contains a control character or a bidirectional override.',
  },
  'archive-empty-segment': { severity: reject, summary: 'An entry name is empty or has an empty or `.` segment.' },
  'archive-path-too-long': {
    severity: reject,
    summary: 'An entry name is longer than 4096 bytes, or one of its segments longer than 255.',
  },
  'archive-name-encoding': {
    severity: reject,
    summary: 'An entry name is flagged UTF-8 but is not valid UTF-8.',
  },
  'archive-windows-unsafe-name': {
    severity: reject,
    summary: 'An entry name is reserved or invalid on Windows (CON, NUL, COM1, `<>:"|?*`, a trailing dot or space).',
  },
  'archive-symlink': { severity: reject, summary: 'An entry is a symbolic link.' },
  'archive-special-file': {
    severity: reject,
    summary: 'An entry is a device, FIFO or socket, or its mode contradicts its name.',
  },
  'archive-setuid': { severity: reject, summary: 'An entry has the setuid or setgid bit.' },
  'archive-duplicate-name': {
    severity: reject,
    summary: 'Two entries have the same name, or a file has the name of a directory.',
  },
  'archive-case-collision': {
    severity: reject,
    summary: 'Two entry names differ only in letter case, so they collide on Windows and macOS.',
  },
  'archive-unicode-collision': {
    severity: reject,
    summary: 'Two entry names are the same after Unicode NFC normalisation.',
  },
  'archive-too-many-entries': { severity: reject, summary: 'The archive has more entries than the limit (20000).' },
  'archive-entry-too-large': { severity: reject, summary: 'An entry is larger than the limit (512 MiB).' },
  'archive-total-too-large': {
    severity: reject,
    summary: 'The entries add up to more than the limit (1 GiB) uncompressed.',
  },
  'archive-compression-ratio': {
    severity: reject,
    summary: 'An entry over 1 MiB expands more than 200 times: a zip bomb.',
  },
  'archive-overlapping-entries': {
    severity: reject,
    summary: 'Entries share bytes of the archive: the non-recursive zip bomb.',
  },
  'archive-header-mismatch': {
    severity: reject,
    summary:
      'Redundant records disagree: a local header and the central directory (name, method, sizes), or the central directory and its end record.',
  },
  'archive-encrypted': { severity: reject, summary: 'An entry is encrypted.' },
  'archive-compression-method': {
    severity: reject,
    summary: 'An entry uses a compression method other than stored (0) or deflate (8).',
  },
  'archive-trailing-data': {
    severity: reject,
    summary: 'Bytes follow the zip that are not a well-formed `mcpb sign` signature block.',
  },
  'archive-size-mismatch': {
    severity: reject,
    summary: 'An entry does not decompress to its declared size.',
  },
  'archive-crc-mismatch': { severity: reject, summary: 'An entry’s data does not match its CRC-32.' },
});

export type ArchiveRuleId = keyof typeof ARCHIVE_RULES;

/** Caps that the reader enforces before and while decompressing. */
export interface ArchiveLimits {
  /** Entries in the central directory. */
  maxEntries: number;
  /** Declared uncompressed size of one entry. */
  maxEntryBytes: number;
  /** Declared uncompressed size of all entries together. */
  maxTotalBytes: number;
  /** Uncompressed / compressed size of one entry... */
  maxRatio: number;
  /** ...counted only for entries larger than this. */
  ratioMinBytes: number;
  /** UTF-8 bytes of a whole entry name. */
  maxPathBytes: number;
}

const MiB = 1024 * 1024;

/**
 * Deflate tops out near 1032:1. Real bundles compress 3-10x (minified JS, JSON); data files and
 * sparse binaries reach 50-100x. 200 leaves room for those and still catches every bomb, whose
 * point is to be near the maximum. Below 1 MiB a ratio cannot hurt (at most ~1 KiB expands to
 * 1 MiB) and tiny repetitive files (lock files, blank fixtures) often exceed 200, so they are not
 * counted; the per-entry and total caps bound them instead.
 */
export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxEntries: 20_000,
  maxEntryBytes: 512 * MiB,
  maxTotalBytes: 1024 * MiB,
  maxRatio: 200,
  ratioMinBytes: 1 * MiB,
  maxPathBytes: 4096,
});

/** NAME_MAX on Linux, macOS and NTFS: a filesystem fact, not a policy, so not a limit option. */
export const MAX_SEGMENT_BYTES = 255;

type Sink = Pick<ScanSink, 'finding'>;

const ASCII = /^[\x00-\x7f]*$/;

/** C0, DEL, C1 and the bidirectional controls that make a name display as something else. */
const CONTROL = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const CONTROL_ALL = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * A name as findings show it: control and bidi characters escaped, so that a hostile name cannot
 * rewrite a terminal line or reorder the text around it. Plain names come back unchanged.
 */
export function printableName(name: string): string {
  return CONTROL.test(name)
    ? name.replace(CONTROL_ALL, (c) => `\\u{${c.codePointAt(0)!.toString(16).padStart(4, '0')}}`)
    : name;
}

/**
 * Device names that Windows reserves in every folder, whatever the extension (Microsoft, "Naming
 * Files, Paths, and Namespaces"): it lists COM0/LPT0 and the superscript digits too.
 */
const WINDOWS_RESERVED = /^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])$/i;
const WINDOWS_INVALID = /[<>:"|?*]/;

/**
 * Path rules for one entry name, as decoded from the archive. A trailing `/` marks a directory and
 * is not an empty segment. Backslashes are also read as separators for the traversal and absolute
 * checks, because Windows extractors read them so.
 */
export function checkEntryPath(name: string, sink: Sink, limits: Pick<ArchiveLimits, 'maxPathBytes'>): void {
  if (isPlainName(name, limits.maxPathBytes)) return;
  const file = printableName(name);
  const body = name.endsWith('/') ? name.slice(0, -1) : name;
  const slashed = body.replaceAll('\\', '/');
  const report = (rule: ArchiveRuleId, message: string) => sink.finding(ARCHIVE_RULES[rule], file, message);

  if (name.includes('\\')) {
    report('archive-backslash', 'The name contains `\\`, a path separator on Windows. Use `/` between folders.');
  }
  const absolute = name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name);
  if (absolute) {
    report('archive-absolute-path', 'The name is an absolute path. Entry names must be relative to the bundle root.');
  }
  const segments = slashed.split('/');
  if (segments.includes('..')) {
    report('archive-path-traversal', 'The name has a `..` segment, which climbs out of the bundle folder.');
  }
  const relativeSegments = slashed.startsWith('/') ? segments.slice(1) : segments;
  if (body === '' || relativeSegments.some((s) => s === '' || s === '.')) {
    report('archive-empty-segment', 'The name is empty or has an empty or `.` segment (`a//b`, `./a`).');
  }
  if (CONTROL.test(name)) {
    report(
      'archive-control-character',
      'The name contains a control character or a bidirectional override. Rename the file.',
    );
  }
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > limits.maxPathBytes) {
    report('archive-path-too-long', `The name is ${bytes} bytes long; the limit is ${limits.maxPathBytes}.`);
  } else if (segments.some((s) => Buffer.byteLength(s, 'utf8') > MAX_SEGMENT_BYTES)) {
    report('archive-path-too-long', `A segment of the name is over ${MAX_SEGMENT_BYTES} bytes.`);
  }
  const unsafe = segments.find((s) => s !== '.' && s !== '..' && isWindowsUnsafe(s));
  if (unsafe !== undefined) {
    report(
      'archive-windows-unsafe-name',
      `The segment "${printableName(unsafe)}" cannot be created on Windows (a reserved device name, one of <>:"|?*, or a trailing dot or space). Rename it.`,
    );
  }
}

/** Characters that no path rule cares about. ASCII, so a name of them is as many bytes as characters. */
const PLAIN_CHARACTERS = /^[A-Za-z0-9._@+=,~/-]*$/;
/** In such a name, what can still be wrong: an empty, `.` or `..` segment, a trailing dot, a device name. */
const PLAIN_SUSPECT = /(?:^|\/)(?:\.{0,2}|[^/]*\.|(?:CON|PRN|AUX|NUL|COM\d|LPT\d)(?:\.[^/]*)?)(?:\/|$)/i;

/**
 * Most names in a real bundle (thousands of `node_modules` files) break no rule: two regular
 * expressions tell so without splitting the name, which keeps the per-entry cost of a scan low.
 */
function isPlainName(name: string, maxPathBytes: number): boolean {
  const body = name.endsWith('/') ? name.slice(0, -1) : name;
  return (
    body.length > 0 &&
    body.length <= MAX_SEGMENT_BYTES &&
    name.length <= maxPathBytes &&
    PLAIN_CHARACTERS.test(body) &&
    !PLAIN_SUSPECT.test(body)
  );
}

function isWindowsUnsafe(segment: string): boolean {
  if (WINDOWS_INVALID.test(segment)) return true;
  if (segment.endsWith('.') || segment.endsWith(' ')) return true;
  // Windows ignores the extension and trailing spaces: `con.txt` and `NUL .js` are devices too.
  const stem = segment.split('.', 1)[0]!.trimEnd();
  return WINDOWS_RESERVED.test(stem);
}

/** Unix file types, from the high 16 bits of the external attributes (st_mode). */
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const SETUID_SETGID = 0o6000;

export type EntryKind = 'file' | 'directory' | 'symlink' | 'special';

/**
 * What an entry is. The Unix mode is honoured whatever "version made by" says, because extractors
 * that restore symlinks (Info-ZIP, yauzl-based ones) look at the bits, not at the host byte.
 */
export function entryKind(name: string, externalAttributes: number): EntryKind {
  const type = (externalAttributes >>> 16) & S_IFMT;
  if (type === S_IFLNK) return 'symlink';
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) return 'special';
  const named = name.endsWith('/') ? 'directory' : 'file';
  if (type === S_IFDIR && named === 'file') return 'special';
  if (type === S_IFREG && named === 'directory') return 'special';
  return named;
}

/** Permission bits of an entry, 0 when the archive records no Unix mode. */
export function entryPermissions(externalAttributes: number): number {
  return (externalAttributes >>> 16) & 0o7777;
}

export function checkEntryMode(name: string, externalAttributes: number, sink: Sink): void {
  const file = printableName(name);
  const kind = entryKind(name, externalAttributes);
  if (kind === 'symlink') {
    sink.finding(
      ARCHIVE_RULES['archive-symlink'],
      file,
      'The entry is a symbolic link. Bundles must contain the files themselves.',
    );
  } else if (kind === 'special') {
    const mode = ((externalAttributes >>> 16) & S_IFMT).toString(8).padStart(6, '0');
    sink.finding(
      ARCHIVE_RULES['archive-special-file'],
      file,
      `The entry has file type ${mode}, which is not a regular file matching its name.`,
    );
  }
  if (entryPermissions(externalAttributes) & SETUID_SETGID) {
    sink.finding(
      ARCHIVE_RULES['archive-setuid'],
      file,
      'The entry has the setuid or setgid bit. Clear it (chmod ug-s).',
    );
  }
}

const STORED = 0;
const DEFLATE = 8;
const ENCRYPTED = 0x1;
const STRONG_ENCRYPTION = 0x40;

/** Encryption and method: either one means the reader cannot (and must not try to) decode the data. */
export function checkEntryEncoding(name: string, flags: number, method: number, sink: Sink): void {
  const file = printableName(name);
  if (flags & (ENCRYPTED | STRONG_ENCRYPTION)) {
    sink.finding(ARCHIVE_RULES['archive-encrypted'], file, 'The entry is encrypted. Bundles must not be encrypted.');
  }
  if (method !== STORED && method !== DEFLATE) {
    sink.finding(
      ARCHIVE_RULES['archive-compression-method'],
      file,
      `The entry uses compression method ${method}. Repack with deflate (8) or store (0).`,
    );
  }
}

/** Declared sizes, checked before a single byte is inflated. */
export function checkEntrySize(
  name: string,
  entry: { size: number; compressedSize: number; method: number; encrypted: boolean },
  limits: Pick<ArchiveLimits, 'maxEntryBytes' | 'maxRatio' | 'ratioMinBytes'>,
  sink: Sink,
): void {
  const file = printableName(name);
  if (entry.size > limits.maxEntryBytes) {
    sink.finding(
      ARCHIVE_RULES['archive-entry-too-large'],
      file,
      `The entry is ${entry.size} bytes uncompressed; the limit is ${limits.maxEntryBytes}.`,
    );
  }
  if (entry.size > limits.ratioMinBytes && entry.size > entry.compressedSize * limits.maxRatio) {
    const ratio = entry.compressedSize === 0 ? 'infinitely' : `${Math.round(entry.size / entry.compressedSize)} times`;
    sink.finding(
      ARCHIVE_RULES['archive-compression-ratio'],
      file,
      `The entry expands ${ratio} (${entry.compressedSize} to ${entry.size} bytes); the limit is ${limits.maxRatio}.`,
    );
  }
  // A stored entry's data is its content, so the two sizes must agree; yauzl checks this only when
  // validateEntrySizes is on, and then stops reading the central directory at the first one.
  if (entry.method === STORED && !entry.encrypted && entry.size !== entry.compressedSize) {
    sink.finding(
      ARCHIVE_RULES['archive-size-mismatch'],
      file,
      `The entry is stored uncompressed but declares ${entry.compressedSize} bytes of data for ${entry.size} bytes of content.`,
    );
  }
}

export function checkEntryCount(count: number, limits: Pick<ArchiveLimits, 'maxEntries'>, sink: Sink): void {
  if (count > limits.maxEntries) {
    sink.finding(
      ARCHIVE_RULES['archive-too-many-entries'],
      '',
      `The archive has ${count} entries; the limit is ${limits.maxEntries}. Only the first ${limits.maxEntries} were read.`,
    );
  }
}

export function checkTotalSize(total: number, limits: Pick<ArchiveLimits, 'maxTotalBytes'>, sink: Sink): void {
  if (total > limits.maxTotalBytes) {
    sink.finding(
      ARCHIVE_RULES['archive-total-too-large'],
      '',
      `The entries add up to ${total} bytes uncompressed; the limit is ${limits.maxTotalBytes}. No entry is decompressed.`,
    );
  }
}

/**
 * Duplicates, case and NFC collisions, and files that are also folders. Every parent folder of an
 * entry counts as a name too: `A/x` and `a/y` put two folders in one place on a case-insensitive
 * filesystem. Case folding is deliberately broad (upper, then lower case), as a filesystem's own
 * folding is at most as broad.
 */
export function checkCollisions(names: readonly string[], sink: Sink): void {
  const explicit = new Set<string>();
  const directories = new Set<string>();
  const files: string[] = [];
  const nodes = new Set<string>();
  for (const name of names) {
    const isDirectory = name.endsWith('/');
    const body = isDirectory ? name.slice(0, -1) : name;
    if (explicit.has(name)) {
      sink.finding(
        ARCHIVE_RULES['archive-duplicate-name'],
        printableName(name),
        'Another entry has the same name; extractors disagree on which one wins. Remove the duplicate.',
      );
    }
    explicit.add(name);
    if (isDirectory) directories.add(body);
    else files.push(body);
    nodes.add(body);
    // Deepest parent first: once one is known, so are all of its ancestors.
    for (let slash = body.lastIndexOf('/'); slash > 0; slash = body.lastIndexOf('/', slash - 1)) {
      const parent = body.slice(0, slash);
      if (nodes.has(parent)) {
        directories.add(parent);
        break;
      }
      directories.add(parent);
      nodes.add(parent);
    }
  }
  for (const file of files) {
    if (directories.has(file)) {
      sink.finding(
        ARCHIVE_RULES['archive-duplicate-name'],
        printableName(file),
        'The name is both a file and a folder of other entries.',
      );
    }
  }
  // ASCII is its own NFC form, and its case folding is plain lower case: skip the slow paths.
  // When every name is ASCII (parents are parts of names), no two nodes can be NFC-equal, and
  // the NFC map is skipped too: real bundles have thousands of names.
  const allAscii = names.every((name) => ASCII.test(name));
  const byNfc = new Map<string, string>();
  const byFold = new Map<string, string>();
  for (const node of nodes) {
    const ascii = allAscii || ASCII.test(node);
    const nfc = ascii ? node : node.normalize('NFC');
    const seenNfc = allAscii ? undefined : byNfc.get(nfc);
    if (seenNfc === undefined) {
      if (!allAscii) byNfc.set(nfc, node);
    } else if (seenNfc !== node) {
      sink.finding(
        ARCHIVE_RULES['archive-unicode-collision'],
        printableName(node),
        `The name is "${printableName(seenNfc)}" in another Unicode normalisation form; macOS treats them as one. Keep one spelling.`,
      );
      continue;
    }
    const fold = ascii ? nfc.toLowerCase() : nfc.toUpperCase().toLowerCase();
    const seenFold = byFold.get(fold);
    if (seenFold === undefined) byFold.set(fold, nfc);
    else if (seenFold !== nfc) {
      sink.finding(
        ARCHIVE_RULES['archive-case-collision'],
        printableName(node),
        `The name differs from "${printableName(seenFold)}" only in letter case; they collide on Windows and macOS.`,
      );
    }
  }
}

export interface ByteRange {
  /** Offset of the local header. */
  start: number;
  /** End of the file data (exclusive). */
  end: number;
}

/**
 * Ranges that overlap an earlier range, or run into the central directory at `limit`. Sorting by
 * start and tracking the furthest end finds every entry that shares bytes with another in
 * O(n log n); Fifield's overlapping-file bomb ("A better zip bomb", 2019) is the case in point.
 */
export function findOverlaps<T extends ByteRange>(ranges: readonly T[], limit: number): T[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const overlapping: T[] = [];
  let furthest = -1;
  for (const range of sorted) {
    if (range.start < furthest || range.end > limit) overlapping.push(range);
    furthest = Math.max(furthest, range.end);
  }
  return overlapping;
}

/** The fields that a local header repeats from the central directory (APPNOTE 4.3.7, 4.4.4). */
export interface HeaderFields {
  name: Buffer;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
}

const DATA_DESCRIPTOR = 0x8;
const ZIP64_MARKER = 0xffffffff;

/**
 * Streaming extractors read local headers and never look at the central directory, so a
 * disagreement shows them a different archive from the one that was scanned.
 */
export function checkLocalHeader(displayName: string, central: HeaderFields, local: HeaderFields, sink: Sink): void {
  const differences: string[] = [];
  if (!central.name.equals(local.name)) {
    differences.push(`the name ("${printableName(local.name.toString('utf8'))}")`);
  }
  if (central.method !== local.method) differences.push(`the compression method (${local.method})`);
  if ((central.flags & ENCRYPTED) !== (local.flags & ENCRYPTED)) differences.push('the encryption flag');
  // With a data descriptor (flag bit 3) the local fields are zero by design, and zip64 puts
  // 0xFFFFFFFF there; only compare what the local header actually claims.
  if (!(local.flags & DATA_DESCRIPTOR)) {
    if (local.crc32 !== central.crc32) differences.push('the CRC-32');
    if (local.compressedSize !== ZIP64_MARKER && local.compressedSize !== central.compressedSize) {
      differences.push('the compressed size');
    }
    if (local.uncompressedSize !== ZIP64_MARKER && local.uncompressedSize !== central.uncompressedSize) {
      differences.push('the uncompressed size');
    }
  }
  if (differences.length > 0) {
    sink.finding(
      ARCHIVE_RULES['archive-header-mismatch'],
      printableName(displayName),
      `The local header disagrees with the central directory on ${differences.join(', ')}. Repack the bundle with a standard zip tool.`,
    );
  }
}
