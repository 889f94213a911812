import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fsCatalogReader } from '../adapters/catalog-fs.ts';
import { copyFixture, fixtureCases, readJson } from '../test-support/fixtures.ts';
import { loadCatalog } from './load.ts';
import { validateCatalog, README_LIMIT } from './validate.ts';
import { classify } from '../core/layout.ts';
import { parseJson } from '../core/json-source.ts';

interface Expected {
  code: string;
  file: string;
  path: string;
}

const cases = await fixtureCases(new URL('./__fixtures__/validate/', import.meta.url));

describe('validate stage: one fixture per rule', () => {
  it.each(cases)('$name', async ({ dir }) => {
    const root = await copyFixture(dir);
    const expected = await readJson<Expected[]>(join(root, 'expected.json'));
    const catalog = await loadCatalog({ reader: fsCatalogReader(root) });
    const { issues } = validateCatalog({ catalog });
    expect(issues.map(({ code, file, path }) => ({ code, file, path }))).toEqual(
      expected.sort((a, b) => a.file.localeCompare(b.file) || a.path.localeCompare(b.path)),
    );
    // Every issue inside a JSON file can be found in the editor.
    for (const issue of issues.filter((i) => i.file.endsWith('.json'))) expect(issue.line).toBeGreaterThan(0);
  });

  it('covers every rule code the validator can emit', async () => {
    const source = await import('node:fs/promises').then((fs) =>
      fs.readFile(new URL('./validate.ts', import.meta.url), 'utf8'),
    );
    const emitted = new Set([...source.matchAll(/code: '([a-z0-9-]+)'/g)].map((m) => m[1]!));
    const covered = new Set<string>();
    for (const { dir } of cases)
      for (const e of await readJson<Expected[]>(join(dir, 'expected.json'))) covered.add(e.code);
    // Rules with a test of their own below, or that need git history (validate-changes.test.ts).
    for (const code of ['readme-too-large', 'listing-immutable', 'namespace-not-owned', 'review-not-own'])
      covered.add(code);
    expect([...emitted].filter((code) => !covered.has(code))).toEqual([]);
  });
});

describe('validate stage: details', () => {
  it('flags a README over the size limit', () => {
    const text = '#'.repeat(README_LIMIT + 1);
    const { issues } = validateCatalog({
      catalog: {
        inventory: [
          classify('catalog/servers/io.github.a/b/README.md'),
          classify('catalog/servers/io.github.a/b/1.0.0.json'),
        ],
        files: [{ location: classify('catalog/servers/io.github.a/b/README.md'), text }],
      },
    });
    expect(issues.map((i) => i.code)).toEqual(['readme-too-large']);
  });

  it('reports the line and column of a nested error', () => {
    const text = '{\n  "rating": 4,\n  "body": "Twenty characters at least.",\n  "version": 1\n}\n';
    const location = classify('catalog/reviews/io.github.a/b/someone.json');
    const { issues } = validateCatalog({
      catalog: {
        inventory: [location, classify('catalog/servers/io.github.a/b/1.0.0.json')],
        files: [{ location, text, json: parseJson(text) }],
      },
    });
    expect(issues).toEqual([expect.objectContaining({ code: 'schema-type', path: '/version', line: 4, column: 3 })]);
  });

  it('collects every problem of a file, not just the first', () => {
    const text = JSON.stringify({ rating: 9, body: 'short', version: 1, extra: true });
    const location = classify('catalog/reviews/io.github.a/b/someone.json');
    const { issues } = validateCatalog({
      catalog: { inventory: [location], files: [{ location, text, json: parseJson(text) }] },
    });
    expect(issues.map((i) => `${i.code} ${i.path}`).sort()).toEqual([
      'review-unknown-server ',
      'schema-maximum /rating',
      'schema-min-length /body',
      'schema-type /version',
      'schema-unknown-property /extra',
    ]);
  });
});
