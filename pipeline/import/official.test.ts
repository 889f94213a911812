import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureCases, readJson } from '../test-support/fixtures.ts';
import { REPO_ROOT } from '../core/schema-files.ts';
import { mapOfficial } from './official.ts';
import { planIntoEmpty } from './test-helpers.ts';

const plan = planIntoEmpty;

const cases = await fixtureCases(new URL('./__fixtures__/official/', import.meta.url));

describe('official registry importer', () => {
  it.each(cases)('$name', async ({ dir }) => {
    const input = await readJson<unknown>(join(dir, 'input.json'));
    const expected = await readJson<{ listing?: unknown; rejected?: { code: string; path: string }[] }>(
      join(dir, 'expected.json'),
    );
    const mapped = mapOfficial(input, 'seed.json');
    const result = plan(mapped);
    const rejected = [...mapped.rejected, ...result.rejected].map(({ code, path }) => ({ code, path }));
    if (expected.listing) {
      expect(rejected).toEqual([]);
      expect(result.write).toHaveLength(1);
      const [path, text] = [...result.write[0]!.files][0]!;
      expect(JSON.parse(text)).toEqual(expected.listing);
      expect(path).toMatch(/^catalog\/servers\/.+\.json$/);
    } else {
      expect(rejected).toEqual(expected.rejected);
      expect(result.write).toEqual([]);
    }
  });

  it('refuses names that would escape the catalog folder', () => {
    const mapped = mapOfficial({ name: '../../etc/passwd', description: 'x', version: '1.0.0' }, 'evil.json');
    expect(plan(mapped).rejected.map((r) => r.code)).toEqual(['unsafe-name']);
  });

  it('rejects the second entry that maps to the same file', () => {
    const entry = { name: 'io.github.a/b', description: 'A server.', version: '1.0.0' };
    expect(plan(mapOfficial([entry, entry], 'seed.json')).rejected.map((r) => r.code)).toEqual(['duplicate-entry']);
  });

  const anchors = join(REPO_ROOT, '../shared/anchors/official-registry');
  it.skipIf(!existsSync(anchors))(
    'accepts the 215 valid and rejects the 143 invalid entries of the 358-entry seed',
    () => {
      const seed = JSON.parse(readFileSync(join(anchors, 'seed_358_2025-10-03_camelCase.json'), 'utf8'));
      const mapped = mapOfficial(seed, 'seed.json');
      const result = plan(mapped);
      expect(result.write).toHaveLength(215);
      const reasons = new Map<string, number>();
      for (const r of result.rejected)
        reasons.set(`${r.code} ${r.path}`, (reasons.get(`${r.code} ${r.path}`) ?? 0) + 1);
      expect(Object.fromEntries(reasons)).toEqual({
        'schema-max-length /description': 78,
        'schema-min-length /description': 65,
      });
    },
  );

  it.skipIf(!existsSync(anchors))('rejects every entry of the legacy 2025-05 seed', () => {
    const legacy = JSON.parse(readFileSync(join(anchors, 'seed_2025_05_16_legacy_snake_case_471.json'), 'utf8'));
    const mapped = mapOfficial(legacy, 'seed_2025_05_16.json');
    expect(mapped.candidates).toEqual([]);
    expect(mapped.rejected).toHaveLength(471);
    expect(new Set(mapped.rejected.map((r) => r.code))).toEqual(new Set(['legacy-format']));
  });
});
