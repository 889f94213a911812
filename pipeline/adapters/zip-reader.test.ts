import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { REPO_ROOT } from '../core/schema-files.ts';
import { ARCHIVE_RULES } from '../scan/rules/archive.ts';
import { buildFixtureBundle, readBaseBundle, RECIPES, scanFixtureCases } from '../test-support/bundle-fixtures.ts';
import { tempDir } from '../test-support/fixtures.ts';
import { HOSTILE_BUNDLES, withEntries } from '../test-support/hostile-bundles.ts';
import { buildZip, layoutZip, zeroBomb, zeroCrc32, type ZipEntrySpec } from '../test-support/zip-writer.ts';
import { openBundle, ZipReaderError, type OpenBundleOptions, type OpenedBundle } from './zip-reader.ts';

const MiB = 1024 * 1024;

async function write(bytes: Buffer, name = 'bundle.mcpb'): Promise<string> {
  const path = join(await tempDir('zip-reader-'), name);
  await writeFile(path, bytes);
  return path;
}

/** Open `bytes`, read every file (as the scanner does), and hand the bundle to `use`. */
async function scanned<T>(
  bytes: Buffer,
  use: (bundle: OpenedBundle) => T | Promise<T>,
  options: OpenBundleOptions = {},
): Promise<T> {
  const bundle = await openBundle(await write(bytes), options);
  try {
    await bundle.forEachFile(() => undefined, { contentLimit: 16 * MiB, headBytes: 64 });
    return await use(bundle);
  } finally {
    await bundle.close();
  }
}

const rulesOf = (bundle: OpenedBundle) => [...new Set(bundle.findings.map((f) => f.rule.id))].sort();
const findingsOf = (bundle: OpenedBundle) => bundle.findings.map((f) => [f.rule.id, f.file]);
const zipRules = (bytes: Buffer, options?: OpenBundleOptions) => scanned(bytes, rulesOf, options);
const text = (s: string) => Buffer.from(s, 'utf8');

async function expectError(promise: Promise<unknown>, code: ZipReaderError['code']): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ZipReaderError);
  expect((error as ZipReaderError).code).toBe(code);
}

function yazlZip(files: { name: string; data?: string; dir?: boolean; mode?: number }[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const f of files) {
    if (f.dir) zip.addEmptyDirectory(f.name, { mtime: new Date(0) });
    else zip.addBuffer(text(f.data ?? ''), f.name, { mtime: new Date(0), mode: f.mode ?? 0o100644 });
  }
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** An `mcpb sign` block: "MCPB_SIG_V1" | uint32 LE length | PKCS#7 | "MCPB_SIG_END". */
function signatureBlock(pkcs7 = Buffer.from('30820001fakeder', 'utf8'), format: 'MCPB' | 'DXT' = 'MCPB'): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32LE(pkcs7.length);
  return Buffer.concat([text(`${format}_SIG_V1`), length, pkcs7, text(`${format}_SIG_END`)]);
}

const plain: ZipEntrySpec[] = [
  { name: 'manifest.json', data: '{"name":"x"}' },
  { name: 'server/', method: 0 },
  { name: 'server/index.js', data: 'console.log(1);\n', mode: 0o100755 },
  { name: 'server/big.txt', data: 'line of text\n'.repeat(1000) },
];

describe('openBundle', () => {
  it('lists entries, hashes the whole file and finds nothing in a plain bundle', async () => {
    const bytes = buildZip({ entries: plain });
    await scanned(bytes, (bundle) => {
      expect(bundle.findings).toEqual([]);
      expect(bundle.size).toBe(bytes.length);
      expect(bundle.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(bundle.signature).toEqual({ kind: 'none' });
      expect(bundle.stats).toEqual({ entries: 4, uncompressedSize: 12 + 16 + 13000 });
      expect(bundle.entries).toEqual([
        { path: 'manifest.json', size: 12, compressedSize: expect.any(Number), kind: 'file', mode: 0o644 },
        { path: 'server', size: 0, compressedSize: 0, kind: 'directory', mode: 0o755 },
        { path: 'server/index.js', size: 16, compressedSize: expect.any(Number), kind: 'file', mode: 0o755 },
        { path: 'server/big.txt', size: 13000, compressedSize: expect.any(Number), kind: 'file', mode: 0o644 },
      ]);
    });
  });

  it('reads what yazl and mcpb-style writers produce (data descriptors, no file type bits)', async () => {
    const bytes = await yazlZip([
      { name: 'server', dir: true },
      { name: 'server/index.js', data: 'x' },
    ]);
    expect(await zipRules(bytes)).toEqual([]);
    const typeless = buildZip({ entries: [{ name: 'a.txt', data: 'a', mode: 0o644 }] });
    expect(await zipRules(typeless)).toEqual([]);
    const streamed = buildZip({ entries: [{ name: 'a.txt', data: 'streamed', dataDescriptor: true }] });
    expect(await zipRules(streamed)).toEqual([]);
  });

  it('reads zip64 records and an empty archive', async () => {
    const zip = new yazl.ZipFile();
    zip.addBuffer(text('x'), 'a.txt', { mtime: new Date(0), forceZip64Format: true });
    zip.end({ forceZip64Format: true, comment: '' });
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
    await scanned(Buffer.concat(chunks), (bundle) => {
      expect(bundle.findings).toEqual([]);
      expect(bundle.entries.map((e) => e.path)).toEqual(['a.txt']);
    });
    await scanned(buildZip({ entries: [] }), (bundle) => {
      expect(bundle.findings).toEqual([]);
      expect(bundle.entries).toEqual([]);
    });
  });

  it('reports a file that is not a zip, without throwing', async () => {
    for (const bytes of [Buffer.alloc(0), text('{"manifest_version":"0.3"}'), Buffer.alloc(100_000, 7)]) {
      await scanned(bytes, (bundle) => {
        expect(findingsOf(bundle)).toEqual([['archive-unreadable', '']]);
        expect(bundle.entries).toEqual([]);
      });
    }
  });

  it('reports an unreadable central directory and keeps the entries before it', async () => {
    const layout = layoutZip({ entries: plain });
    const bytes = Buffer.from(layout.bytes);
    // Corrupt the signature of the third central directory record.
    let at = layout.centralDirectory;
    for (let i = 0; i < 2; i++) at += 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30);
    bytes.writeUInt32LE(0xdeadbeef, at);
    await scanned(bytes, (bundle) => {
      expect(findingsOf(bundle)).toEqual([['archive-unreadable', '']]);
      expect(bundle.entries.map((e) => e.path)).toEqual(['manifest.json', 'server']);
    });
  });

  it('reports a local header that is not one, on its entry', async () => {
    const bytes = buildZip({ entries: [...plain, { name: 'ghost.txt', omitLocal: true, offset: 5 }] });
    await scanned(bytes, (bundle) => expect(findingsOf(bundle)).toEqual([['archive-unreadable', 'ghost.txt']]));
  });

  it('reports a local header whose data would run past the end of the file, and one cut off', async () => {
    const overflowing = buildZip({
      entries: [
        ...plain,
        { name: 'long.bin', data: 'x', method: 0, compressedSize: 1 << 20, uncompressedSize: 1 << 20 },
      ],
    });
    await scanned(overflowing, (bundle) => expect(findingsOf(bundle)).toEqual([['archive-unreadable', 'long.bin']]));
    // A local header 10 bytes before the end of the file: its 30 fixed bytes are not there.
    const ghost = (offset: number) => buildZip({ entries: [...plain, { name: 'ghost.txt', omitLocal: true, offset }] });
    const cut = ghost(ghost(0).length - 10);
    await scanned(cut, (bundle) => expect(findingsOf(bundle)).toEqual([['archive-unreadable', 'ghost.txt']]));
  });

  it('throws an io error for a missing file', async () => {
    await expectError(openBundle(join(await tempDir(), 'missing.mcpb')), 'io');
  });

  it('collects every problem instead of stopping at the first', async () => {
    const bytes = buildZip({
      entries: [
        { name: '../a', data: 'x' },
        { name: '/b', data: 'x' },
        { name: 'c\\d', data: 'x' },
        { name: 'link', data: 'x', mode: 0o120777 },
        { name: 'e', data: 'x', method: 0, uncompressedSize: 5 },
        { name: 'f', data: 'x', flags: 1 },
      ],
    });
    expect(await zipRules(bytes)).toEqual([
      'archive-absolute-path',
      'archive-backslash',
      'archive-encrypted',
      'archive-path-traversal',
      'archive-size-mismatch',
      'archive-symlink',
    ]);
  });

  it('reports central directory records hidden from the entry count', async () => {
    const hidden = layoutZip({ entries: [{ name: 'hidden.js', data: 'x' }] });
    const records = hidden.bytes.subarray(hidden.centralDirectory, hidden.endOfCentralDirectory);
    // A fifth record that the end record does not count: yauzl lists four entries, Python's
    // zipfile (which reads the declared directory size) five.
    const bytes = buildZip({ entries: plain, centralDirectoryPadding: records });
    await scanned(bytes, (bundle) => expect(findingsOf(bundle)).toEqual([['archive-header-mismatch', '']]));
    const miscounted = buildZip({ entries: plain, entryCount: 3 });
    await scanned(miscounted, (bundle) => expect(findingsOf(bundle)).toEqual([['archive-header-mismatch', '']]));
  });
});

describe('entry names', () => {
  /** An Info-ZIP Unicode Path extra field (0x7075) for a header name. */
  function unicodePath(headerName: Buffer, name: string): Buffer {
    const utf8 = text(name);
    const field = Buffer.alloc(4 + 5 + utf8.length);
    field.writeUInt16LE(0x7075, 0);
    field.writeUInt16LE(5 + utf8.length, 2);
    field.writeUInt8(1, 4);
    field.writeUInt32LE(crc32(headerName), 5);
    utf8.copy(field, 9);
    return field;
  }

  it('checks the Unicode Path field and the header name both, and reports when they differ', async () => {
    const header = text('notes.txt');
    const bytes = buildZip({ entries: [{ name: header, extra: unicodePath(header, '../notes.txt'), data: 'x' }] });
    await scanned(bytes, (bundle) => {
      expect(rulesOf(bundle)).toEqual(['archive-header-mismatch', 'archive-path-traversal']);
      expect(bundle.entries[0]!.path).toBe('../notes.txt');
    });
  });

  it('accepts the Unicode Path field spelling the header bytes as UTF-8 (Info-ZIP zip)', async () => {
    const header = text('café.txt');
    const bytes = buildZip({
      entries: [{ name: header, flags: 0, extra: unicodePath(header, 'café.txt'), data: 'x' }],
    });
    await scanned(bytes, (bundle) => {
      expect(bundle.findings).toEqual([]);
      expect(bundle.entries[0]!.path).toBe('café.txt');
    });
  });

  it('decodes CP437 names, keeping control bytes as controls', async () => {
    const bytes = buildZip({
      entries: [
        { name: Buffer.from('caf\x82.txt', 'latin1'), flags: 0, data: 'x' },
        { name: Buffer.from('bell\x07.txt', 'latin1'), flags: 0, data: 'x' },
      ],
    });
    await scanned(bytes, (bundle) => {
      expect(bundle.entries.map((e) => e.path)).toEqual(['café.txt', 'bell\x07.txt']);
      expect(findingsOf(bundle)).toEqual([['archive-control-character', 'bell\\u{0007}.txt']]);
    });
  });

  it('reports names flagged UTF-8 that are not', async () => {
    const bytes = buildZip({ entries: [{ name: Buffer.from([0x61, 0xc3, 0x28]), flags: 0x800, data: 'x' }] });
    expect(await zipRules(bytes)).toEqual(['archive-name-encoding']);
  });
});

describe('limits while streaming', () => {
  it('rejects a 1 GiB zip bomb from its declared sizes and never inflates it', async () => {
    const GiB = 1024 * MiB;
    const bytes = buildZip({
      entries: [{ name: 'bomb.bin', raw: zeroBomb(GiB), uncompressedSize: GiB, crc32: zeroCrc32(GiB) }],
    });
    const bundle = await openBundle(await write(bytes));
    const before = process.memoryUsage().arrayBuffers;
    const visited: string[] = [];
    await bundle.forEachFile((entry) => void visited.push(entry.path), { contentLimit: 2 * GiB, headBytes: 64 });
    expect(rulesOf(bundle)).toEqual(['archive-compression-ratio', 'archive-entry-too-large']);
    expect(visited).toEqual([]);
    await expectError(bundle.read('bomb.bin', 2 * GiB), 'unsafe-entry');
    await expectError(bundle.extractTo(join(await tempDir(), 'out')), 'refused');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * MiB);
    await bundle.close();
  });

  it('counts only the first entries past the entry limit', async () => {
    const entries = Array.from({ length: 10 }, (_, i) => ({ name: `f${i}`, method: 0 }));
    await scanned(
      buildZip({ entries }),
      (bundle) => {
        expect(findingsOf(bundle)).toEqual([['archive-too-many-entries', '']]);
        expect(bundle.entries).toHaveLength(3);
        expect(bundle.stats.entries).toBe(10);
      },
      { limits: { maxEntries: 3 } },
    );
    expect(await zipRules(buildZip({ entries }), { limits: { maxEntries: 10 } })).toEqual([]);
  });

  it('streams nothing over the total limit, but still reads a capped entry', async () => {
    const bytes = buildZip({ entries: plain });
    const bundle = await openBundle(await write(bytes), { limits: { maxTotalBytes: 13_000 } });
    expect(rulesOf(bundle)).toEqual(['archive-total-too-large']);
    const visited: string[] = [];
    await bundle.forEachFile((entry) => void visited.push(entry.path), { contentLimit: MiB, headBytes: 8 });
    expect(visited).toEqual([]);
    expect((await bundle.read('manifest.json', 100)).toString()).toBe('{"name":"x"}');
    await bundle.close();
  });

  // Both decoding paths: in one call (small entries) and streaming (inMemoryBytes: 0).
  describe.each([{}, { inMemoryBytes: 0 }])('with %j', (options) => {
    it('stops at the declared size when an entry inflates to more', async () => {
      // 64 MiB of zeros declared as 1000 bytes: a ratio of 1 on paper, a bomb in fact.
      const bytes = buildZip({
        entries: [{ name: 'liar.bin', raw: zeroBomb(64 * MiB), uncompressedSize: 1000, crc32: 0 }],
      });
      const before = process.memoryUsage().arrayBuffers;
      await scanned(
        bytes,
        (bundle) => expect(findingsOf(bundle)).toEqual([['archive-size-mismatch', 'liar.bin']]),
        options,
      );
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * MiB);
    });

    it('reports an entry that inflates to less than declared', async () => {
      const bytes = buildZip({ entries: [{ name: 'short.txt', data: 'short', uncompressedSize: 50 }] });
      expect(await zipRules(bytes, options)).toEqual(['archive-size-mismatch']);
    });

    it('reports a CRC mismatch and still scans the bytes', async () => {
      const bytes = buildZip({ entries: [{ name: 'a.txt', data: 'payload', crc32: 1 }, ...plain] });
      const bundle = await openBundle(await write(bytes), options);
      const seen: string[] = [];
      await bundle.forEachFile((entry, _, content) => void seen.push(`${entry.path}=${content?.length}`), {
        contentLimit: MiB,
        headBytes: 4,
      });
      expect(findingsOf(bundle)).toEqual([['archive-crc-mismatch', 'a.txt']]);
      expect(seen).toEqual(['a.txt=7', 'manifest.json=12', 'server/index.js=16', 'server/big.txt=13000']);
      await expectError(bundle.read('a.txt', 100), 'corrupt-entry');
      expect(findingsOf(bundle)).toEqual([['archive-crc-mismatch', 'a.txt']]);
      await bundle.close();
    });

    it('reports deflate data that does not decompress', async () => {
      const bytes = buildZip({ entries: [{ name: 'bad.bin', raw: Buffer.from([0xff, 0xff]), uncompressedSize: 10 }] });
      await scanned(
        bytes,
        (bundle) => expect(findingsOf(bundle)).toEqual([['archive-unreadable', 'bad.bin']]),
        options,
      );
    });

    it('reads stored entries', async () => {
      const bytes = buildZip({ entries: [{ name: 'stored.txt', data: 'stored bytes', method: 0 }] });
      const seen: string[] = [];
      await scanned(
        bytes,
        (bundle) =>
          bundle.forEachFile((_, __, content) => void seen.push(String(content)), { contentLimit: 100, headBytes: 4 }),
        options,
      );
      expect(seen).toEqual(['stored bytes']);
    });

    it('gives the same heads and contents as the other path', async () => {
      const bytes = buildZip({ entries: plain });
      const seen: [string, string, number | undefined][] = [];
      await scanned(
        bytes,
        (bundle) =>
          bundle.forEachFile((entry, head, content) => void seen.push([entry.path, head.toString(), content?.length]), {
            contentLimit: 100,
            headBytes: 5,
          }),
        options,
      );
      expect(seen).toEqual([
        ['manifest.json', '{"nam', 12],
        ['server/index.js', 'conso', 16],
        ['server/big.txt', 'line ', undefined],
      ]);
    });
  });
});

describe('signature blocks', () => {
  it('accepts an mcpb sign block after the zip (trailing layout)', async () => {
    const zip = buildZip({ entries: plain });
    const bytes = Buffer.concat([zip, signatureBlock()]);
    await scanned(bytes, (bundle) => {
      expect(bundle.findings).toEqual([]);
      expect(bundle.signature).toMatchObject({
        kind: 'signed',
        block: { format: 'mcpb', layout: 'trailing', zipEnd: zip.length },
      });
      expect(bundle.entries).toHaveLength(4);
      expect(bundle.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    });
  });

  it('accepts a block covered by the zip comment (comment layout)', async () => {
    const bytes = buildZip({ entries: plain, comment: signatureBlock() });
    await scanned(bytes, (bundle) => {
      expect(bundle.findings).toEqual([]);
      expect(bundle.signature).toMatchObject({ kind: 'signed', block: { layout: 'comment' } });
      expect(bundle.entries).toHaveLength(4);
    });
  });

  it('accepts a legacy dxt block', async () => {
    const bytes = Buffer.concat([buildZip({ entries: plain }), signatureBlock(undefined, 'DXT')]);
    await scanned(bytes, (bundle) => {
      expect(bundle.findings).toEqual([]);
      expect(bundle.signature).toMatchObject({ kind: 'signed', block: { format: 'dxt' } });
    });
  });

  it('reports a malformed block or other trailing bytes, and still lists the zip', async () => {
    const malformed = Buffer.concat([buildZip({ entries: plain }), text('garbage'), text('MCPB_SIG_END')]);
    const trailing = buildZip({ entries: plain, trailing: text('garbage') });
    const misplaced = Buffer.concat([buildZip({ entries: plain }), text('x'), signatureBlock()]);
    for (const bytes of [malformed, trailing, misplaced]) {
      await scanned(bytes, (bundle) => {
        expect(findingsOf(bundle)).toEqual([['archive-trailing-data', '']]);
        expect(bundle.entries).toHaveLength(4);
      });
    }
  });

  it('reads a bundle signed by the real mcpb CLI', async () => {
    const dir = await tempDir('zip-reader-sign-');
    const file = join(dir, 'signed.mcpb');
    await writeFile(file, await buildFixtureBundle(join(dir, 'any-case-name')));
    // --self-signed writes its key and certificate into the working directory.
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/.bin/mcpb'), 'sign', file, '--self-signed'], {
      cwd: dir,
      stdio: 'ignore',
    });
    const bundle = await openBundle(file);
    expect(bundle.findings).toEqual([]);
    expect(bundle.signature).toMatchObject({ kind: 'signed', block: { format: 'mcpb' } });
    expect(bundle.entries.map((e) => e.path)).toEqual(['manifest.json', 'server/index.js']);
    await bundle.close();
  });
});

describe('read', () => {
  it('returns one file, capped', async () => {
    const bundle = await openBundle(await write(buildZip({ entries: plain })));
    expect((await bundle.read('server/index.js', 16)).toString()).toBe('console.log(1);\n');
    await expectError(bundle.read('server/index.js', 15), 'too-large');
    await expectError(bundle.read('server', 100), 'not-found');
    await expectError(bundle.read('nope', 100), 'not-found');
    await bundle.close();
    await bundle.close();
    await expectError(bundle.read('server/index.js', 100), 'closed');
  });

  it('refuses a path the archive holds twice', async () => {
    const bytes = buildZip({ entries: [...plain, { name: 'manifest.json', data: '{"name":"evil"}' }] });
    const bundle = await openBundle(await write(bytes));
    expect(rulesOf(bundle)).toEqual(['archive-duplicate-name']);
    await expectError(bundle.read('manifest.json', 100), 'unsafe-entry');
    await bundle.close();
  });

  it('returns an empty file', async () => {
    const bundle = await openBundle(await write(buildZip({ entries: [{ name: 'empty', data: '' }] })));
    expect(await bundle.read('empty', 0)).toEqual(Buffer.alloc(0));
    await bundle.close();
  });
});

describe('extractTo', () => {
  it('writes directories and files with normalised modes', async () => {
    const bundle = await openBundle(await write(buildZip({ entries: plain })));
    const out = join(await tempDir(), 'nested', 'out');
    await bundle.extractTo(out);
    await bundle.close();
    expect((await readdir(out, { recursive: true })).sort()).toEqual([
      'manifest.json',
      'server',
      'server/big.txt',
      'server/index.js',
    ]);
    expect(await readFile(join(out, 'server/big.txt'), 'utf8')).toBe('line of text\n'.repeat(1000));
    const script = (await lstat(join(out, 'server/index.js'))).mode;
    const manifest = (await lstat(join(out, 'manifest.json'))).mode;
    expect(script & 0o111).not.toBe(0);
    expect(manifest & 0o111).toBe(0);
    expect((script | manifest) & ~0o100755).toBe(0);
  });

  it('refuses a bundle with reject findings and writes nothing', async () => {
    const bytes = buildZip({ entries: [...plain, { name: 'server/link', data: '/etc/passwd', mode: 0o120777 }] });
    const bundle = await openBundle(await write(bytes));
    const out = join(await tempDir(), 'out');
    await expectError(bundle.extractTo(out), 'refused');
    expect(existsSync(out)).toBe(false);
    await bundle.close();
  });

  it('refuses a target that exists, and does not follow a symlink there', async () => {
    const bundle = await openBundle(await write(buildZip({ entries: plain })));
    const root = await tempDir();
    await mkdir(join(root, 'existing'));
    await expectError(bundle.extractTo(join(root, 'existing')), 'target-exists');
    await mkdir(join(root, 'elsewhere'));
    await symlink(join(root, 'elsewhere'), join(root, 'link'));
    await expectError(bundle.extractTo(join(root, 'link')), 'target-exists');
    expect(await readdir(join(root, 'elsewhere'))).toEqual([]);
    await bundle.close();
  });

  it.each([{}, { inMemoryBytes: 0 }])('removes everything when a CRC fails while writing (%j)', async (options) => {
    const bytes = buildZip({ entries: [...plain, { name: 'z.txt', data: 'tampered', crc32: 1 }] });
    const bundle = await openBundle(await write(bytes), options);
    const out = join(await tempDir(), 'out');
    await expectError(bundle.extractTo(out), 'corrupt-entry');
    expect(existsSync(out)).toBe(false);
    expect(findingsOf(bundle)).toEqual([['archive-crc-mismatch', 'z.txt']]);
    await expectError(bundle.extractTo(out), 'refused');
    await bundle.close();
  });
});

describe('scanner fixture cases for archive rules', async () => {
  const cases = (await scanFixtureCases()).filter((c) => c.name.startsWith('archive-'));

  it('cover every archive rule with a case and a near miss, and every recipe has a case', async () => {
    const names = new Set(cases.map((c) => c.name));
    for (const id of Object.keys(ARCHIVE_RULES)) {
      expect(names).toContain(id);
      expect(names).toContain(`${id}.ok`);
    }
    const all = await scanFixtureCases();
    const allNames = new Set(all.map((c) => c.name));
    for (const recipe of Object.keys(RECIPES)) expect(allNames).toContain(recipe);
    for (const c of all) {
      if (!RECIPES[c.name]) expect(existsSync(join(c.dir, 'bundle')), c.name).toBe(true);
    }
  });

  it.each(cases)('$name fires exactly its expected archive rules', async ({ name, dir }) => {
    const expected = JSON.parse(await readFile(join(dir, 'expected.json'), 'utf8')) as { rules: string[] };
    const archiveRules = expected.rules.filter((rule) => rule.startsWith('archive-')).sort();
    expect(await zipRules(await buildFixtureBundle(dir)), name).toEqual(archiveRules);
  });
});

describe('buildFixtureBundle', () => {
  it('is deterministic', async () => {
    const [folder, recipe] = ['archive-symlink.ok', 'archive-symlink'].map((name) =>
      join(REPO_ROOT, 'pipeline/stages/__fixtures__/scan', name),
    );
    expect((await buildFixtureBundle(folder!)).equals(await buildFixtureBundle(folder!))).toBe(true);
    expect((await buildFixtureBundle(recipe!)).equals(await buildFixtureBundle(recipe!))).toBe(true);
  });

  it('overlays a case on the base and deletes base files named by .delete', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'bundle/server'), { recursive: true });
    await writeFile(join(dir, 'bundle/server/index.js.delete'), '');
    await writeFile(join(dir, 'bundle/server/main.js'), '// main\n');
    const bundle = await openBundle(await write(await buildFixtureBundle(dir)));
    expect(bundle.entries.map((e) => e.path)).toEqual(['manifest.json', 'server/main.js']);
    await bundle.close();
    await writeFile(join(dir, 'bundle/missing.delete'), '');
    await expect(buildFixtureBundle(dir)).rejects.toThrow(/missing/);
  });

  it('builds recipes from the base bundle', async () => {
    const base = await readBaseBundle();
    expect(base.map((f) => f.path)).toEqual(['manifest.json', 'server/index.js']);
    expect(await zipRules(withEntries(base, []))).toEqual([]);
  });
});
