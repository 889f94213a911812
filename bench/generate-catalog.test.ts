import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCatalog } from './generate-catalog.ts';

const META_KEY = 'io.modelcontextprotocol.registry/publisher-provided';
const TAG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** Generates into a fresh temp dir and returns every file's content by path relative to it. */
async function generate(n: number, seed: number): Promise<Map<string, string>> {
  const root = await mkdtemp(join(tmpdir(), 'bench-gen-'));
  dirs.push(root);
  await generateCatalog(root, n, { seed });
  const paths = (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1));
  return new Map(
    await Promise.all(paths.map(async (path) => [path, await readFile(join(root, path), 'utf8')] as const)),
  );
}

function filesUnder(files: Map<string, string>, prefix: string): [string[], any][] {
  return [...files]
    .filter(([path]) => path.startsWith(prefix))
    .map(([path, content]) => [path.slice(prefix.length).split('/'), JSON.parse(content)]);
}

describe('generateCatalog', async () => {
  const files = await generate(50, 7);
  const listings = filesUnder(files, 'catalog/servers/');
  const reviews = filesUnder(files, 'catalog/reviews/');

  it('writes exactly n listings and the config', () => {
    expect(listings).toHaveLength(50);
    expect(JSON.parse(files.get('catalog.config.json')!).categories).toHaveLength(5);
  });

  it('puts each listing at the path its name and version say', () => {
    for (const [[namespace, name, file], listing] of listings) {
      expect(listing.name).toBe(`${namespace}/${name}`);
      expect(file).toBe(`${listing.version}.json`);
      expect(listing.version).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it('keeps descriptions, publisher meta and tags within the rules', () => {
    for (const [, listing] of listings) {
      expect(listing.description.length).toBeGreaterThan(0);
      expect(listing.description.length).toBeLessThanOrEqual(100);
      const meta = listing._meta[META_KEY];
      expect(Buffer.byteLength(JSON.stringify(meta))).toBeLessThan(4096);
      const tags: string[] = meta.tags ?? [];
      expect(new Set(tags).size).toBe(tags.length);
      expect(tags.length).toBeLessThanOrEqual(16);
      for (const tag of tags) expect(tag).toMatch(TAG);
    }
  });

  it('writes reviews only about versions that exist', () => {
    expect(reviews.length).toBeGreaterThan(0); // seed 7 yields some, so this test is not vacuous
    const versions = new Set(listings.map(([, listing]) => `${listing.name}@${listing.version}`));
    for (const [[namespace, name, file], review] of reviews) {
      expect(file).toMatch(/^bench-user-\d+\.json$/);
      expect(versions).toContain(`${namespace}/${name}@${review.version}`);
    }
  });

  it('is deterministic for a seed and differs for another seed', async () => {
    expect(await generate(50, 7)).toEqual(files);
    expect(await generate(50, 8)).not.toEqual(files);
  });
});
