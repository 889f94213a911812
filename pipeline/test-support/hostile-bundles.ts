/**
 * Scanner fixture cases that cannot be files in a git checkout: traversal and reserved names,
 * lying headers, bombs, modes. Each recipe is named after its case folder under
 * pipeline/stages/__fixtures__/scan/ (which holds its expected.json) and builds the bundle bytes
 * from the base bundle's files plus its own. Nothing here is ever committed as a blob; even the
 * large ones are a few MB built in milliseconds.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';
import {
  buildZip,
  layoutZip,
  localHeader,
  zeroBomb,
  zeroCrc32,
  type ZipEntrySpec,
  type ZipSpec,
} from './zip-writer.ts';

export interface BundleFile {
  /** `/`-separated path inside the bundle. */
  path: string;
  data: Buffer;
}

export type Recipe = (base: readonly BundleFile[]) => Buffer;

const MiB = 1024 * 1024;

/** The base bundle as zip entries: deflated, mode 0644, Unix host, as `mcpb pack` writes them. */
export function baseEntries(base: readonly BundleFile[]): ZipEntrySpec[] {
  return base.map((file) => ({ name: file.path, data: file.data }));
}

/** The base bundle plus `extra` entries, with optional archive-level fields. */
export function withEntries(
  base: readonly BundleFile[],
  extra: ZipEntrySpec[],
  spec: Omit<ZipSpec, 'entries'> = {},
): Buffer {
  return buildZip({ ...spec, entries: [...baseEntries(base), ...extra] });
}

const text = (s: string) => Buffer.from(s, 'utf8');

/**
 * Deflate data that inflates to `size` bytes at about 130:1 (under the 200 ratio limit), without
 * materialising them: a MiB of mostly zeros with 6 KiB of pseudo-random bytes, sync-flushed and
 * repeated like zeroBomb's blocks. For honest large entries.
 */
export function compressibleDeflate(size: number): { raw: Buffer; crc32: number } {
  const block = Buffer.alloc(MiB);
  let x = 0x2545f491;
  for (let i = 0; i < 6 * 1024; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    block[i] = x >>> 24;
  }
  const whole = deflateRawSync(block, { finishFlush: constants.Z_SYNC_FLUSH });
  const parts: Buffer[] = [];
  let crc = 0;
  for (let left = size; left > 0; left -= MiB) {
    const piece = left >= MiB ? block : block.subarray(0, left);
    parts.push(left >= MiB ? whole : deflateRawSync(piece, { finishFlush: constants.Z_SYNC_FLUSH }));
    crc = crc32(piece, crc);
  }
  parts.push(Buffer.from([0x03, 0x00]));
  return { raw: Buffer.concat(parts), crc32: crc };
}

/** An honest entry of `size` bytes that stays under the ratio limit. */
export function largeEntry(name: string, size: number): ZipEntrySpec {
  const { raw, crc32: crc } = compressibleDeflate(size);
  return { name, raw, crc32: crc, uncompressedSize: size };
}

/** An entry that declares `size` bytes over `stored` bytes of data that is never decompressed. */
function declaredOnly(name: string, size: number, stored: number): ZipEntrySpec {
  return { name, raw: Buffer.alloc(Math.ceil(stored)), uncompressedSize: size, crc32: 0 };
}

/** Enough empty files to make `count` entries with the base bundle. */
function manyEntries(base: readonly BundleFile[], count: number): Buffer {
  const extra: ZipEntrySpec[] = [];
  for (let i = base.length; i < count; i++) extra.push({ name: `data/${i}.txt`, method: 0 });
  return withEntries(base, extra);
}

/** A name of exactly `bytes` bytes (at least 5), in 100-byte folders so no segment is too long. */
function longName(bytes: number): string {
  const folder = `${'d'.repeat(100)}/`;
  const folders = Math.floor((bytes - 5) / folder.length);
  return `${folder.repeat(folders)}${'x'.repeat(bytes - folders * folder.length - 4)}.txt`;
}

/**
 * An entry whose stored data contains a complete second entry: the central directory lists both,
 * so the second entry's bytes are inside the first's (Fifield's overlap, stored for brevity).
 */
function overlapping(base: readonly BundleFile[], quoteOnly: boolean): Buffer {
  const inner: ZipEntrySpec = { name: 'data/inner.txt', data: text('inner\n'), method: 0 };
  // A text prefix, so that the outer file does not start like a zip (a nested archive, for review).
  const prefix = text('a local header follows\n');
  const quoted = Buffer.concat([prefix, localHeader(inner), text('inner\n')]);
  const outer: ZipEntrySpec = { name: 'data/outer.bin', data: quoted, method: 0 };
  const entries = [...baseEntries(base), outer];
  const innerAt = layoutZip({ entries }).entries.at(-1)!.data + prefix.length;
  // The near miss holds the same bytes but lists the inner entry separately, after the outer one.
  const second: ZipEntrySpec = quoteOnly ? inner : { ...inner, omitLocal: true, offset: innerAt };
  return buildZip({ entries: [...entries, second] });
}

export const HOSTILE_BUNDLES: Record<string, Recipe> = {
  'archive-unreadable': (base) =>
    withEntries(base, [
      // Block type 3 is reserved: the central directory is fine, the deflate data is not.
      { name: 'server/data.bin', raw: Buffer.from([0xff, 0xff, 0xff, 0xff]), uncompressedSize: 64, crc32: 0 },
    ]),
  'archive-unreadable.ok': (base) =>
    withEntries(base, [{ name: 'server/data.bin', data: text('deflate data that inflates fine\n') }]),

  'archive-path-traversal': (base) => withEntries(base, [{ name: 'server/../../evil.js', data: text('// x\n') }]),
  'archive-absolute-path': (base) => withEntries(base, [{ name: '/tmp/evil.js', data: text('// x\n') }]),
  'archive-backslash': (base) => withEntries(base, [{ name: 'server\\helper.js', data: text('// x\n') }]),
  'archive-control-character': (base) => withEntries(base, [{ name: 'docs/read\u0007me.txt', data: text('notes\n') }]),
  'archive-empty-segment': (base) => withEntries(base, [{ name: 'server//helper.js', data: text('// x\n') }]),
  'archive-path-too-long': (base) => withEntries(base, [{ name: longName(4097), data: text('deep\n') }]),
  'archive-path-too-long.ok': (base) => withEntries(base, [{ name: longName(4096), data: text('deep\n') }]),
  'archive-name-encoding': (base) =>
    withEntries(base, [{ name: Buffer.from([0x64, 0x6f, 0x63, 0x2f, 0xff, 0xfe, 0x2e, 0x74]), flags: 0x800 }]),
  // CP437 without the UTF-8 flag is legal: 0x82 is "é".
  'archive-name-encoding.ok': (base) =>
    withEntries(base, [{ name: Buffer.from('docs/caf\x82.txt', 'latin1'), flags: 0, data: text('cafe\n') }]),
  'archive-windows-unsafe-name': (base) => withEntries(base, [{ name: 'server/aux.js', data: text('// x\n') }]),

  'archive-symlink': (base) => withEntries(base, [{ name: 'server/link', data: text('/etc/passwd'), mode: 0o120777 }]),
  'archive-special-file': (base) => withEntries(base, [{ name: 'server/pipe', method: 0, mode: 0o010644 }]),
  'archive-setuid': (base) => withEntries(base, [{ name: 'server/run.sh', data: text('#!/bin/sh\n'), mode: 0o104755 }]),
  'archive-setuid.ok': (base) =>
    withEntries(base, [{ name: 'server/run.sh', data: text('#!/bin/sh\n'), mode: 0o100755 }]),

  'archive-duplicate-name': (base) =>
    withEntries(base, [
      { name: 'server/util.js', data: text('// first\n') },
      { name: 'server/util.js', data: text('// second\n') },
    ]),
  'archive-case-collision': (base) =>
    withEntries(base, [
      { name: 'server/Util.js', data: text('// upper\n') },
      { name: 'server/util.js', data: text('// lower\n') },
    ]),
  'archive-unicode-collision': (base) =>
    withEntries(base, [
      { name: 'docs/caf\u00e9.txt', data: text('composed\n') },
      { name: 'docs/cafe\u0301.txt', data: text('decomposed\n') },
    ]),
  'archive-unicode-collision.ok': (base) =>
    withEntries(base, [
      { name: 'docs/caf\u00e9.txt', data: text('accented\n') },
      { name: 'docs/cafe.txt', data: text('plain\n') },
    ]),

  'archive-too-many-entries': (base) => manyEntries(base, 20_001),
  'archive-too-many-entries.ok': (base) => manyEntries(base, 20_000),
  // Declared over the limit, never decompressed; 600 MiB over 3.2 MiB stays under the ratio limit.
  'archive-entry-too-large': (base) => withEntries(base, [declaredOnly('data/big.bin', 600 * MiB, 3.2 * MiB)]),
  // The exact boundary is unit-tested with small limits; inflating 512 MiB here would cost seconds.
  'archive-entry-too-large.ok': (base) => withEntries(base, [largeEntry('data/big.bin', 8 * MiB)]),
  'archive-total-too-large': (base) =>
    withEntries(base, [
      declaredOnly('data/1.bin', 400 * MiB, 2.1 * MiB),
      declaredOnly('data/2.bin', 400 * MiB, 2.1 * MiB),
      declaredOnly('data/3.bin', 400 * MiB, 2.1 * MiB),
    ]),
  'archive-total-too-large.ok': (base) =>
    withEntries(base, [largeEntry('data/1.bin', 8 * MiB), largeEntry('data/2.bin', 8 * MiB)]),
  'archive-compression-ratio': (base) =>
    withEntries(base, [
      { name: 'data/zeros.bin', raw: zeroBomb(4 * MiB), uncompressedSize: 4 * MiB, crc32: zeroCrc32(4 * MiB) },
    ]),
  'archive-compression-ratio.ok': (base) => withEntries(base, [largeEntry('data/mixed.bin', 4 * MiB)]),
  'archive-overlapping-entries': (base) => overlapping(base, false),
  'archive-overlapping-entries.ok': (base) => overlapping(base, true),

  'archive-header-mismatch': (base) =>
    withEntries(base, [{ name: 'server/helper.js', localName: 'server/hidden.js', data: text('// x\n') }]),
  // Streaming writers leave the local CRC and sizes zero and put them in a data descriptor.
  'archive-header-mismatch.ok': (base) =>
    withEntries(base, [{ name: 'server/helper.js', data: text('// x\n'), dataDescriptor: true }]),
  'archive-encrypted': (base) => withEntries(base, [{ name: 'server/secret.js', data: text('// x\n'), flags: 0x1 }]),
  // Bits 1-2 are deflate speed hints, the nearest neighbours of the encryption bit.
  'archive-encrypted.ok': (base) => withEntries(base, [{ name: 'server/helper.js', data: text('// x\n'), flags: 0x6 }]),
  'archive-compression-method': (base) =>
    withEntries(base, [{ name: 'server/data.txt', method: 12, raw: Buffer.from('BZh9'), uncompressedSize: 4 }]),
  'archive-compression-method.ok': (base) =>
    withEntries(base, [{ name: 'server/data.txt', method: 0, data: text('stored\n') }]),
  'archive-trailing-data': (base) => withEntries(base, [], { trailing: Buffer.from('appended garbage\n') }),
  // Bytes after the end record are fine when the record's comment covers them.
  'archive-trailing-data.ok': (base) => withEntries(base, [], { comment: 'built by the mcp-catalog fixtures' }),
  'archive-size-mismatch': (base) =>
    withEntries(base, [{ name: 'server/data.txt', data: text('0123456789'.repeat(20)), uncompressedSize: 100 }]),
  // An empty deflated file (the two-byte empty final block) is a size of 0 honestly declared.
  'archive-size-mismatch.ok': (base) => withEntries(base, [{ name: 'server/empty.txt', data: Buffer.alloc(0) }]),
  'archive-crc-mismatch': (base) =>
    withEntries(base, [{ name: 'server/data.txt', data: text('checked\n'), crc32: 0x12345678 }]),
  // The CRC-32 of nothing is 0, which must not be mistaken for "no CRC".
  'archive-crc-mismatch.ok': (base) => withEntries(base, [{ name: 'server/empty.txt', method: 0, crc32: 0 }]),
};
