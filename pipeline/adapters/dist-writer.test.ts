import { createHash } from 'node:crypto';
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fixtures.ts';
import { DIST_MANIFEST, writeDist } from './dist-writer.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('writeDist', () => {
  it('writes only what changed, removes what it wrote before and no longer emits, and leaves other files alone', async () => {
    const out = await tempDir();
    const source = join(out, '..', 'bundle-source.mcpb');
    await writeFile(source, 'bundle bytes');
    const copy = { from: source, path: 'bundles/a.mcpb', sha256: sha256('bundle bytes') };
    expect(
      await writeDist(
        out,
        [
          { path: 'a.json', body: '1' },
          { path: 'deep/b.json', body: '2' },
        ],
        [copy],
      ),
    ).toMatchObject({ written: 3, unchanged: 0, removed: 0 });
    await writeFile(join(out, 'foreign.txt'), 'not ours');
    const mtime = (await stat(join(out, 'a.json'))).mtimeMs;

    expect(
      await writeDist(
        out,
        [
          { path: 'a.json', body: '1' },
          { path: 'deep/c.json', body: '3' },
        ],
        [copy],
      ),
    ).toEqual({
      written: 1,
      paths: ['deep/c.json'],
      unchanged: 2,
      removed: 1,
    });
    expect((await stat(join(out, 'a.json'))).mtimeMs).toBe(mtime);
    expect(await readFile(join(out, 'bundles/a.mcpb'), 'utf8')).toBe('bundle bytes');
    expect(await readFile(join(out, 'foreign.txt'), 'utf8')).toBe('not ours');
    expect((await readdir(join(out, 'deep'))).sort()).toEqual(['c.json']);
    expect(JSON.parse(await readFile(join(out, DIST_MANIFEST), 'utf8'))).toEqual({
      'a.json': sha256('1'),
      'bundles/a.mcpb': copy.sha256,
      'deep/c.json': sha256('3'),
    });
  });

  // The writer trusts its manifest plus the file's existence (hashing 50,000 files on every
  // rebuild would cost more than the rebuild); an edited file is the dist check's to catch.
  it('rewrites a file that was deleted behind its back', async () => {
    const out = await tempDir();
    await writeDist(out, [{ path: 'a.json', body: '1' }]);
    await rm(join(out, 'a.json'));
    expect((await writeDist(out, [{ path: 'a.json', body: '1' }])).written).toBe(1);
    expect(await readFile(join(out, 'a.json'), 'utf8')).toBe('1');
  });

  it('leaves no temporary files behind', async () => {
    const out = await tempDir();
    await writeDist(out, [{ path: 'x/y.json', body: 'y' }]);
    expect(await readdir(join(out, 'x'))).toEqual(['y.json']);
  });

  it('replaces a folder by a file of the same name, and a file by a folder', async () => {
    const out = await tempDir();
    await writeDist(out, [
      { path: 'v0.1/servers/a/versions/latest/index.html', body: 'old layout' },
      { path: 'badges/a.svg', body: 'file' },
    ]);
    const result = await writeDist(out, [
      { path: 'v0.1/servers/a/versions/latest', body: 'new layout' },
      { path: 'badges/a.svg/listed.svg', body: 'folder' },
    ]);
    expect(result).toMatchObject({ written: 2, removed: 2 });
    expect(await readFile(join(out, 'v0.1/servers/a/versions/latest'), 'utf8')).toBe('new layout');
    expect(await readFile(join(out, 'badges/a.svg/listed.svg'), 'utf8')).toBe('folder');
  });

  it('keeps files of its own manifest that it is told to keep, and moves staged files', async () => {
    const out = await tempDir();
    const staged = join(out, '..', 'staged.html');
    await writeFile(staged, 'page');
    const options = { manifest: '.site-manifest.json' };
    await writeDist(out, [], [{ from: staged, path: 'a/index.html', sha256: sha256('page'), move: true }], options);
    await expect(stat(staged)).rejects.toThrow();
    await writeDist(out, [{ path: 'b/index.html', body: 'b' }], [], { ...options, keep: ['a/index.html'] });
    expect(await readFile(join(out, 'a/index.html'), 'utf8')).toBe('page');
    expect(Object.keys(JSON.parse(await readFile(join(out, '.site-manifest.json'), 'utf8')))).toEqual([
      'a/index.html',
      'b/index.html',
    ]);
    // The other writer's manifest is untouched: each writer removes only its own files.
    await expect(stat(join(out, DIST_MANIFEST))).rejects.toThrow();
  });
});
