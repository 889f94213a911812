import { describe, expect, it } from 'vitest';
import type { RuleDefinition } from '../types.ts';
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
  type HeaderFields,
} from './archive.ts';

type Sink = { finding(rule: RuleDefinition, file: string, message: string): void };

/** Run a check and return what it reported, as [rule id, file] pairs. */
function reported(check: (sink: Sink) => void): [string, string][] {
  const out: [string, string][] = [];
  check({ finding: (rule, file) => out.push([rule.id, file]) });
  return out;
}
const rulesOf = (check: (sink: Sink) => void) => [...new Set(reported(check).map(([rule]) => rule))].sort();
const pathRules = (name: string) => rulesOf((sink) => checkEntryPath(name, sink, DEFAULT_ARCHIVE_LIMITS));
const unix = (mode: number) => (mode << 16) >>> 0;

describe('ARCHIVE_RULES', () => {
  it('are all archive- rules that reject', () => {
    for (const [id, rule] of Object.entries(ARCHIVE_RULES)) {
      expect(id).toMatch(/^archive-/);
      expect(rule.severity).toBe('reject');
    }
  });
});

describe('checkEntryPath', () => {
  it.each([
    ['../evil.js', ['archive-path-traversal']],
    ['server/../../evil.js', ['archive-path-traversal']],
    ['a/..', ['archive-path-traversal']],
    ['..\\evil.js', ['archive-backslash', 'archive-path-traversal']],
    ['/etc/passwd', ['archive-absolute-path']],
    ['C:/Windows/x.dll', ['archive-absolute-path', 'archive-windows-unsafe-name']],
    ['c:x', ['archive-absolute-path', 'archive-windows-unsafe-name']],
    ['\\\\server\\share', ['archive-absolute-path', 'archive-backslash', 'archive-empty-segment']],
    ['a\\b', ['archive-backslash']],
    ['a\nb', ['archive-control-character']],
    ['a\u0000b', ['archive-control-character']],
    ['a\u007fb', ['archive-control-character']],
    ['a\u0085b', ['archive-control-character']],
    ['evil\u202etxt.js', ['archive-control-character']],
    ['a//b', ['archive-empty-segment']],
    ['./a', ['archive-empty-segment']],
    ['a/./b', ['archive-empty-segment']],
    ['', ['archive-empty-segment']],
    ['/', ['archive-absolute-path', 'archive-empty-segment']],
    ['CON', ['archive-windows-unsafe-name']],
    ['lib/con.txt', ['archive-windows-unsafe-name']],
    ['lib/NUL .js', ['archive-windows-unsafe-name']],
    ['COM1', ['archive-windows-unsafe-name']],
    ['com0.log', ['archive-windows-unsafe-name']],
    ['LPT9.tar.gz', ['archive-windows-unsafe-name']],
    ['COM¹', ['archive-windows-unsafe-name']],
    ['CONIN$', ['archive-windows-unsafe-name']],
    ['aux/readme.md', ['archive-windows-unsafe-name']],
    ['a<b', ['archive-windows-unsafe-name']],
    ['what?', ['archive-windows-unsafe-name']],
    ['say"hi"', ['archive-windows-unsafe-name']],
    ['pipe|x', ['archive-windows-unsafe-name']],
    ['star*', ['archive-windows-unsafe-name']],
    ['name.', ['archive-windows-unsafe-name']],
    ['name ', ['archive-windows-unsafe-name']],
  ])('%j fires %j', (name, rules) => {
    expect(pathRules(name)).toEqual(rules);
  });

  it.each([
    'server/index.js',
    'server/',
    '..data/notes..txt',
    '.config/settings.json',
    '.github/',
    'a...b',
    'café ünïcode.txt',
    'CONSOLE.txt',
    'com10',
    'LPT',
    'nul-device.js',
    'auxiliary/x',
    'Cx/y',
    'x/C:y'.replace(':', '_'),
    '日本語/ファイル.txt',
  ])('%j fires nothing', (name) => {
    expect(pathRules(name)).toEqual([]);
  });

  it('limits the whole path and each segment', () => {
    const limits = { maxPathBytes: 50 };
    const check = (name: string) => rulesOf((sink) => checkEntryPath(name, sink, limits));
    expect(check('a'.repeat(50))).toEqual([]);
    expect(check('a'.repeat(51))).toEqual(['archive-path-too-long']);
    // UTF-8 bytes count, not characters: 25 × 2 = 50, 17 × 3 = 51.
    expect(check('é'.repeat(25))).toEqual([]);
    expect(check('語'.repeat(17))).toEqual(['archive-path-too-long']);
    expect(pathRules(`${'a'.repeat(255)}/b`)).toEqual([]);
    expect(pathRules(`${'a'.repeat(256)}/b`)).toEqual(['archive-path-too-long']);
    expect(pathRules('a/'.repeat(2048))).toEqual([]);
    expect(pathRules('a/'.repeat(2048) + 'b')).toEqual(['archive-path-too-long']);
  });

  it('reports the name with control characters escaped', () => {
    expect(reported((sink) => checkEntryPath('a\u001b[2Jb', sink, DEFAULT_ARCHIVE_LIMITS))).toEqual([
      ['archive-control-character', 'a\\u{001b}[2Jb'],
    ]);
  });
});

describe('printableName', () => {
  it('escapes control and bidi characters only', () => {
    expect(printableName('plain/name é.txt')).toBe('plain/name é.txt');
    expect(printableName('a\nb\u202e')).toBe('a\\u{000a}b\\u{202e}');
  });
});

describe('entryKind and checkEntryMode', () => {
  const modeRules = (name: string, mode: number) => rulesOf((sink) => checkEntryMode(name, unix(mode), sink));

  it.each([
    ['link', 0o120777, 'symlink', ['archive-symlink']],
    ['fifo', 0o010644, 'special', ['archive-special-file']],
    ['char', 0o020644, 'special', ['archive-special-file']],
    ['block', 0o060644, 'special', ['archive-special-file']],
    ['socket', 0o140755, 'special', ['archive-special-file']],
    ['odd-type', 0o030644, 'special', ['archive-special-file']],
    ['dir-mode-on-a-file-name', 0o040755, 'special', ['archive-special-file']],
    ['file-mode-on-a-dir-name/', 0o100644, 'special', ['archive-special-file']],
    ['run', 0o104755, 'file', ['archive-setuid']],
    ['run', 0o102755, 'file', ['archive-setuid']],
    ['dir/', 0o042755, 'directory', ['archive-setuid']],
  ])('%s with mode %o is a %s and fires %j', (name, mode, kind, rules) => {
    expect(entryKind(name, unix(mode))).toBe(kind);
    expect(modeRules(name, mode)).toEqual(rules);
  });

  it.each([
    ['file', 0o100644, 'file'],
    ['run', 0o100755, 'file'],
    ['sticky', 0o101755, 'file'],
    ['dir/', 0o040755, 'directory'],
    // mcpb pack writes permission bits with no file type; DOS archives write no mode at all.
    ['typeless', 0o000644, 'file'],
    ['dos', 0, 'file'],
    ['dos-dir/', 0, 'directory'],
  ])('%s with mode %o is a %s and fires nothing', (name, mode, kind) => {
    expect(entryKind(name, unix(mode))).toBe(kind);
    expect(modeRules(name, mode)).toEqual([]);
  });

  it('reads the DOS attributes as no mode', () => {
    expect(entryPermissions(0x10)).toBe(0);
    expect(entryPermissions(unix(0o100755) | 0x20)).toBe(0o755);
  });
});

describe('checkEntryEncoding', () => {
  const encodingRules = (flags: number, method: number) =>
    rulesOf((sink) => checkEntryEncoding('x', flags, method, sink));

  it('fires on encryption (traditional and strong)', () => {
    expect(encodingRules(0x1, 8)).toEqual(['archive-encrypted']);
    expect(encodingRules(0x41, 8)).toEqual(['archive-encrypted']);
  });
  it('fires on methods other than stored and deflate', () => {
    for (const method of [1, 9, 12, 14, 93, 99])
      expect(encodingRules(0, method)).toEqual(['archive-compression-method']);
  });
  it('accepts stored and deflate with any other flag bits', () => {
    expect(encodingRules(0x0806, 8)).toEqual([]);
    expect(encodingRules(0x0008, 0)).toEqual([]);
  });
});

describe('checkEntrySize', () => {
  const MiB = 1024 * 1024;
  const sizeRules = (size: number, compressedSize: number, method = 8, encrypted = false) =>
    rulesOf((sink) => checkEntrySize('x', { size, compressedSize, method, encrypted }, DEFAULT_ARCHIVE_LIMITS, sink));

  it('limits one entry', () => {
    expect(sizeRules(512 * MiB, 100 * MiB)).toEqual([]);
    expect(sizeRules(512 * MiB + 1, 100 * MiB)).toEqual(['archive-entry-too-large']);
  });
  it('limits the ratio of entries over the floor', () => {
    expect(sizeRules(200 * 10_000, 10_000)).toEqual([]);
    expect(sizeRules(200 * 10_000 + 1, 10_000)).toEqual(['archive-compression-ratio']);
    expect(sizeRules(2 * MiB, 0)).toEqual(['archive-compression-ratio']);
  });
  it('does not count the ratio of entries up to the floor', () => {
    expect(sizeRules(MiB, 1)).toEqual([]);
    expect(sizeRules(MiB + 1, 1)).toEqual(['archive-compression-ratio']);
  });
  it('requires stored entries to declare equal sizes', () => {
    expect(sizeRules(10, 10, 0)).toEqual([]);
    expect(sizeRules(10, 11, 0)).toEqual(['archive-size-mismatch']);
    expect(sizeRules(10, 22, 0, true)).toEqual([]);
  });
});

describe('checkEntryCount and checkTotalSize', () => {
  it('fire just past their limits', () => {
    expect(rulesOf((sink) => checkEntryCount(20_000, DEFAULT_ARCHIVE_LIMITS, sink))).toEqual([]);
    expect(reported((sink) => checkEntryCount(20_001, DEFAULT_ARCHIVE_LIMITS, sink))).toEqual([
      ['archive-too-many-entries', ''],
    ]);
    expect(rulesOf((sink) => checkTotalSize(1024 ** 3, DEFAULT_ARCHIVE_LIMITS, sink))).toEqual([]);
    expect(reported((sink) => checkTotalSize(1024 ** 3 + 1, DEFAULT_ARCHIVE_LIMITS, sink))).toEqual([
      ['archive-total-too-large', ''],
    ]);
  });
});

describe('checkCollisions', () => {
  const collisions = (...names: string[]) => reported((sink) => checkCollisions(names, sink));

  it('reports duplicates, on the later entry', () => {
    expect(collisions('manifest.json', 'a.js', 'manifest.json')).toEqual([['archive-duplicate-name', 'manifest.json']]);
    expect(collisions('dir/', 'dir/')).toEqual([['archive-duplicate-name', 'dir/']]);
  });
  it('reports a file that is also a folder', () => {
    expect(collisions('server', 'server/index.js')).toEqual([['archive-duplicate-name', 'server']]);
    expect(collisions('server/', 'server')).toEqual([['archive-duplicate-name', 'server']]);
  });
  it('reports case collisions, folders included', () => {
    expect(collisions('README.md', 'readme.md')).toEqual([['archive-case-collision', 'readme.md']]);
    expect(collisions('Lib/a.js', 'lib/b.js')).toEqual([['archive-case-collision', 'lib']]);
    expect(collisions('STRASSE', 'straße')).toEqual([['archive-case-collision', 'straße']]);
  });
  it('reports NFC collisions, and not also as case collisions', () => {
    expect(collisions('caf\u00e9.txt', 'cafe\u0301.txt')).toEqual([['archive-unicode-collision', 'cafe\u0301.txt']]);
    expect(collisions('Caf\u00e9/a', 'cafe\u0301/b')).toEqual([['archive-case-collision', 'cafe\u0301']]);
    // A non-ASCII name whose NFC form is ASCII (KELVIN SIGN → K), in either order.
    expect(collisions('K.txt', '\u212a.txt')).toEqual([['archive-unicode-collision', '\u212a.txt']]);
    expect(collisions('\u212a/a', 'K/b')).toEqual([['archive-unicode-collision', 'K']]);
  });
  it('accepts near misses', () => {
    expect(collisions('a/b', 'a/c', 'a/', 'a.txt', 'a.txt.bak', 'util.js', 'utils.js', 'café', 'cafe')).toEqual([]);
  });
});

describe('findOverlaps', () => {
  const r = (start: number, end: number) => ({ start, end });

  it('finds ranges that start inside an earlier one', () => {
    const a = r(0, 100);
    const b = r(50, 150);
    const c = r(200, 300);
    expect(findOverlaps([c, b, a], 1000)).toEqual([b]);
  });
  it('finds entries sharing one local header, and ranges inside a long earlier one', () => {
    const a = r(0, 1000);
    const b = r(0, 1000);
    const c = r(300, 400);
    const d = r(500, 600);
    expect(findOverlaps([a, b, c, d], 2000)).toEqual([b, c, d]);
  });
  it('finds data running into the central directory', () => {
    const a = r(0, 100);
    const b = r(100, 201);
    expect(findOverlaps([a, b], 200)).toEqual([b]);
  });
  it('accepts adjacent ranges', () => {
    expect(findOverlaps([r(0, 100), r(100, 200), r(216, 300)], 300)).toEqual([]);
  });
});

describe('checkLocalHeader', () => {
  const central: HeaderFields = {
    name: Buffer.from('a.js'),
    flags: 0,
    method: 8,
    crc32: 0x1234,
    compressedSize: 10,
    uncompressedSize: 20,
  };
  const mismatch = (local: Partial<HeaderFields>) =>
    rulesOf((sink) => checkLocalHeader('a.js', central, { ...central, ...local }, sink));

  it.each([
    ['name', { name: Buffer.from('b.js') }],
    ['method', { method: 0 }],
    ['encryption flag', { flags: 1 }],
    ['CRC', { crc32: 0x4321 }],
    ['compressed size', { compressedSize: 11 }],
    ['uncompressed size', { uncompressedSize: 21 }],
  ])('fires when the %s differs', (_, local) => {
    expect(mismatch(local)).toEqual(['archive-header-mismatch']);
  });

  it('accepts a data descriptor and zip64 markers', () => {
    expect(mismatch({})).toEqual([]);
    expect(mismatch({ flags: 0x8, crc32: 0, compressedSize: 0, uncompressedSize: 0 })).toEqual([]);
    expect(mismatch({ compressedSize: 0xffffffff, uncompressedSize: 0xffffffff })).toEqual([]);
    expect(mismatch({ flags: 0x8, name: Buffer.from('b.js') })).toEqual(['archive-header-mismatch']);
  });
});
