/**
 * Native binaries and nested archives, recognised by magic bytes, never by file name
 * (threats.md, Archive, last bullet). Both go to review, in the publisher's files and in
 * dependencies alike: a prebuilt `.node` addon in `node_modules` is exactly the kind of code the
 * other rules cannot read, and an archive inside the bundle hides its entries from every rule.
 *
 * Binaries are reported once per package, with their paths and platforms: a package's prebuilds
 * for a dozen platforms are one thing to vet, and a maintainer acknowledges them per package
 * (the finding's `file` is the package folder, or "" for the publisher's own files), so a new
 * package with binaries still needs its own look. Archives in a bundled package's test data are
 * inert data: only code can unpack them, and code is scanned; they are info.
 */
import {
  defineRules,
  isDependencyFixture,
  packageRootOf,
  type CodeOrigin,
  type FileRules,
  type ScanSink,
  type ScannedFile,
} from '../types.ts';

export const NATIVE_RULES = defineRules({
  'native-binary': {
    severity: 'review',
    summary:
      'Native executables or libraries (ELF, Mach-O, PE) or WebAssembly modules, one finding per package with its files and platforms; their code cannot be scanned.',
  },
  'native-nested-archive': {
    severity: 'review',
    summary:
      'An archive inside the bundle (zip, gzip, tar, 7z, rar, xz, bzip2, zstd, cab); its entries are not scanned.',
  },
  'native-dependency-test-archive': {
    severity: 'info',
    summary: "An archive in a bundled package's test data: inert, since only scanned code could unpack it.",
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

const ELF_MACHINES: Record<number, string> = { 0x03: 'x86', 0x28: 'arm', 0x3e: 'x64', 0xb7: 'arm64', 0xf3: 'riscv64' };
const MACH_O_CPUS: Record<number, string> = { 0x07: 'x86', 0x01000007: 'x64', 0x0c: 'arm', 0x0100000c: 'arm64' };
const PE_MACHINES: Record<number, string> = { 0x014c: 'x86', 0x8664: 'x64', 0xaa64: 'arm64', 0x01c4: 'arm' };

/** A prebuild folder named for its platform, as node-gyp-build and prebuildify lay them out (`prebuilds/android-arm64/`). */
const PLATFORM_FOLDER =
  /(?:^|\/)((?:android|darwin|linux|win32|ios|freebsd|openbsd|netbsd|sunos|aix)-(?:arm64|x64|arm|ia32|x86|riscv64|ppc64|s390x|loong64)(?:-[\w.]+)?)\//;

/**
 * `linux-x64`, `darwin-arm64`, `win32-x64`, … from the folder the package put it in, else from the
 * binary's own header; `wasm` for WebAssembly.
 */
export function platformOf(kind: string, head: Buffer, content: Buffer | undefined, path = ''): string {
  const folder = PLATFORM_FOLDER.exec(path)?.[1];
  if (folder !== undefined && kind !== 'WebAssembly') return folder;
  if (kind === 'WebAssembly') return 'wasm';
  if (kind === 'ELF' && head.length >= 20) {
    const machine = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
    return `linux-${ELF_MACHINES[machine] ?? 'unknown'}`;
  }
  if (kind === 'Mach-O' && head.length >= 8) {
    const littleEndian = head[0] === 0xce || head[0] === 0xcf;
    const cpu = littleEndian ? head.readUInt32LE(4) : head.readUInt32BE(4);
    return `darwin-${MACH_O_CPUS[cpu] ?? 'unknown'}`;
  }
  if (kind === 'universal Mach-O') return 'darwin-universal';
  if (kind === 'PE (Windows)' && content !== undefined) {
    const machine = content.readUInt16LE(content.readUInt32LE(0x3c) + 4);
    return `win32-${PE_MACHINES[machine] ?? 'unknown'}`;
  }
  return kind === 'PE (Windows)' ? 'win32-unknown' : 'unknown';
}

/** Paths listed in a package's native-binary message; the count says how many more there are. */
const LISTED_BINARIES = 10;

interface PackageBinaries {
  origin: CodeOrigin;
  files: string[];
  platforms: Set<string>;
  bytes: number;
}

/**
 * The native family for one scan: nested archives are reported as they stream by, binaries are
 * collected per package and reported in `finish`.
 */
export class NativeFileRules implements FileRules {
  readonly #packages = new Map<string, PackageBinaries>();

  scanFile(file: ScannedFile, sink: ScanSink): void {
    const native = nativeKind(file.head, file.content);
    if (native !== undefined) {
      sink.capability('native', file.origin, file.path);
      // The publisher's own files are one "package", whatever folders they sit in.
      const root = file.origin === 'own' ? '' : (packageRootOf(file.path) ?? '');
      const key = `${file.origin}\0${root}`;
      let entry = this.#packages.get(key);
      if (!entry) this.#packages.set(key, (entry = { origin: file.origin, files: [], platforms: new Set(), bytes: 0 }));
      entry.files.push(file.path);
      entry.platforms.add(platformOf(native, file.head, file.content, file.path));
      entry.bytes += file.size;
      return;
    }
    const archive = archiveKind(file.head, file.content);
    if (archive !== undefined) {
      const fixture = isDependencyFixture(file);
      sink.finding(
        NATIVE_RULES[fixture ? 'native-dependency-test-archive' : 'native-nested-archive'],
        file.path,
        fixture
          ? `${archive} archive in a package's test data (${file.size} bytes).`
          : `${archive} archive inside the bundle (${file.size} bytes). Its entries are not scanned; ship them unpacked.`,
        { origin: file.origin },
      );
    }
  }

  finish(sink: ScanSink): void {
    for (const [key, { origin, files, platforms, bytes }] of [...this.#packages].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const sorted = files.sort();
      // The publisher's own binaries are named by the folder that holds them all, so that an
      // acknowledgement of them does not also cover every package's.
      const root = origin === 'own' ? commonFolder(sorted) : key.slice(key.indexOf('\0') + 1);
      const listed = sorted.slice(0, LISTED_BINARIES).join(', ');
      const more = sorted.length > LISTED_BINARIES ? ` and ${sorted.length - LISTED_BINARIES} more` : '';
      const what = origin === 'own' ? `the publisher's own files${root ? ` (${root})` : ''}` : root;
      sink.finding(
        NATIVE_RULES['native-binary'],
        root,
        `${sorted.length} native binar${sorted.length === 1 ? 'y' : 'ies'} in ${what} (${bytes} bytes; platforms ${[...platforms].sort().join(', ')}): ${listed}${more}. ` +
          'Their code cannot be scanned; say in the review where they are built from.',
        { origin },
      );
    }
  }
}

/** The deepest folder that holds every path ("" for the bundle root). */
function commonFolder(paths: readonly string[]): string {
  let common = paths[0]!.split('/').slice(0, -1);
  for (const path of paths) {
    const folders = path.split('/').slice(0, -1);
    let i = 0;
    while (i < common.length && i < folders.length && common[i] === folders[i]) i++;
    common = common.slice(0, i);
  }
  return common.join('/');
}

/** Scan one file alone, reporting its binary at once (for unit tests of a single file). */
export function scanNative(file: ScannedFile, sink: ScanSink): void {
  const rules = new NativeFileRules();
  rules.scanFile(file, sink);
  rules.finish(sink);
}
