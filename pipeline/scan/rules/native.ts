/**
 * Native binaries and nested archives, recognised by magic bytes, never by file name
 * (threats.md, Archive, last bullet). Both go to review, in the publisher's files and in
 * dependencies alike: a prebuilt `.node` addon in `node_modules` is exactly the kind of code the
 * other rules cannot read, and an archive inside the bundle hides its entries from every rule.
 */
import { defineRules, type FileRules, type ScanSink, type ScannedFile } from '../types.ts';

export const NATIVE_RULES = defineRules({
  'native-binary': {
    severity: 'review',
    summary: 'A native executable or library (ELF, Mach-O, PE) or a WebAssembly module; its code cannot be scanned.',
  },
  'native-nested-archive': {
    severity: 'review',
    summary:
      'An archive inside the bundle (zip, gzip, tar, 7z, rar, xz, bzip2, zstd, cab); its entries are not scanned.',
  },
});

/**
 * Plain loops over constant tables: these run for every file of a bundle, and allocate nothing
 * (array literals and iterators here made up some 7 % of the JavaScript garbage of a scan).
 */
function startsWith(buf: Buffer, bytes: readonly number[], at = 0): boolean {
  if (buf.length < at + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (buf[at + i] !== bytes[i]) return false;
  return true;
}

function startsWithAny(buf: Buffer, magics: readonly (readonly number[])[]): boolean {
  for (let i = 0; i < magics.length; i++) if (startsWith(buf, magics[i]!)) return true;
  return false;
}

/**
 * `0xCAFEBABE` starts both a universal (fat) Mach-O and a Java class file. The next big-endian
 * word is the architecture count of a fat binary (a handful) or minor/major version of a class
 * file (major ≥ 45), so small means Mach-O, as file(1)'s magic does. Class files are bytecode
 * for a JVM the bundle cannot rely on; they are not reported here.
 */
function isFatMachO(head: Buffer): boolean {
  return head.length >= 8 && head.readUInt32BE(4) > 0 && head.readUInt32BE(4) < 0x20;
}

const MZ = [0x4d, 0x5a];
const PE_SIGNATURE = [0x50, 0x45, 0, 0];

/**
 * `MZ` is two bytes and can start a text file, so check the PE header too: e_lfanew at 0x3C
 * points at "PE\0\0". A file over the content limit only has its head: then the offset must at
 * least be plausible.
 */
function isPortableExecutable(head: Buffer, content: Buffer | undefined): boolean {
  if (!startsWith(head, MZ) || head.length < 0x40) return false;
  const peOffset = head.readUInt32LE(0x3c);
  if (content === undefined) return peOffset >= 0x40 && peOffset < 0x10000;
  return startsWith(content, PE_SIGNATURE, peOffset);
}

const ELF = [0x7f, 0x45, 0x4c, 0x46];
const MACH_O = [
  [0xfe, 0xed, 0xfa, 0xce],
  [0xfe, 0xed, 0xfa, 0xcf],
  [0xce, 0xfa, 0xed, 0xfe],
  [0xcf, 0xfa, 0xed, 0xfe],
];
const FAT_MACH_O = [
  [0xca, 0xfe, 0xba, 0xbe],
  [0xca, 0xfe, 0xba, 0xbf],
];
const WASM = [0x00, 0x61, 0x73, 0x6d];

/** What kind of native code the file holds, if any. */
export function nativeKind(head: Buffer, content?: Buffer): string | undefined {
  if (startsWith(head, ELF)) return 'ELF';
  if (startsWithAny(head, MACH_O)) return 'Mach-O';
  if (startsWithAny(head, FAT_MACH_O) && isFatMachO(head)) return 'universal Mach-O';
  if (isPortableExecutable(head, content)) return 'PE (Windows)';
  if (startsWith(head, WASM)) return 'WebAssembly';
  return undefined;
}

const ARCHIVES: { kind: string; magic: readonly number[]; at?: number }[] = [
  { kind: 'zip', magic: [0x50, 0x4b, 0x03, 0x04] },
  { kind: 'zip', magic: [0x50, 0x4b, 0x05, 0x06] },
  { kind: 'zip', magic: [0x50, 0x4b, 0x07, 0x08] },
  { kind: 'gzip', magic: [0x1f, 0x8b, 0x08] },
  { kind: '7z', magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { kind: 'rar', magic: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07] },
  { kind: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { kind: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd] },
  { kind: 'cab', magic: [0x4d, 0x53, 0x43, 0x46, 0, 0, 0, 0] },
];

const BZIP2 = [0x42, 0x5a, 0x68];
const BZIP2_BLOCK = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const BZIP2_END = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];

/** "BZh" + block size digit, then the block magic (pi) or, for an empty stream, the end magic (sqrt pi). */
function isBzip2(head: Buffer): boolean {
  if (!startsWith(head, BZIP2) || head.length < 10) return false;
  const level = head[3]!;
  return level >= 0x31 && level <= 0x39 && (startsWith(head, BZIP2_BLOCK, 4) || startsWith(head, BZIP2_END, 4));
}

/** POSIX and GNU tar put "ustar" at offset 257, past HEAD_BYTES: only files with content are checked. */
const USTAR = [0x75, 0x73, 0x74, 0x61, 0x72];

/** What kind of archive the file is, if any. */
export function archiveKind(head: Buffer, content?: Buffer): string | undefined {
  for (let i = 0; i < ARCHIVES.length; i++) {
    const { kind, magic, at } = ARCHIVES[i]!;
    if (startsWith(head, magic, at)) return kind;
  }
  if (isBzip2(head)) return 'bzip2';
  if (content !== undefined && startsWith(content, USTAR, 257)) return 'tar';
  return undefined;
}

/** Scan one file's magic bytes. Pure: reads the file record, reports to the sink. */
export function scanNative(file: ScannedFile, sink: ScanSink): void {
  const native = nativeKind(file.head, file.content);
  if (native !== undefined) {
    sink.capability('native', file.origin, file.path);
    sink.finding(
      NATIVE_RULES['native-binary'],
      file.path,
      `${native} binary (${file.size} bytes). Its code cannot be scanned; say in the review where it is built from.`,
      { origin: file.origin },
    );
    return;
  }
  const archive = archiveKind(file.head, file.content);
  if (archive !== undefined) {
    sink.finding(
      NATIVE_RULES['native-nested-archive'],
      file.path,
      `${archive} archive inside the bundle (${file.size} bytes). Its entries are not scanned; ship them unpacked.`,
      { origin: file.origin },
    );
  }
}

export const nativeFileRules: FileRules = { scanFile: scanNative };
