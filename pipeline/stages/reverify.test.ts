import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsCatalogReader } from '../adapters/catalog-fs.ts';
import { validateCommand } from '../commands/validate.ts';
import { copyFixture, fixtureCases, readJson } from '../test-support/fixtures.ts';
import { loadCatalog } from './load.ts';
import { planReverify, reverifyPins, type Fresh } from './reverify.ts';

interface Expected {
  matched: string[];
  mismatches: string[];
  failures: string[];
  issues: string[];
  pullRequests: { branch: string; files: { path: string; json: unknown }[] }[];
}

const cases = await fixtureCases(new URL('./__fixtures__/reverify/', import.meta.url));

describe('re-verification planner: one fixture per case', () => {
  it.each(cases)('$name', async ({ dir }) => {
    const root = await copyFixture(dir);
    const fresh = new Map(Object.entries(await readJson<Record<string, Fresh>>(join(root, 'fresh.json'))));
    const expected = await readJson<Expected>(join(root, 'expected.json'));
    const catalog = await loadCatalog({ reader: fsCatalogReader(root) });
    const pins = reverifyPins(catalog);
    // Every pin is answered by the fixture, and every answer belongs to a pin.
    expect(pins.map((p) => p.key).sort()).toEqual([...fresh.keys()].sort());
    const plan = planReverify({ catalog, pins, fresh });
    expect(plan.matched.map((p) => p.key)).toEqual(expected.matched);
    expect(plan.mismatches.map((m) => m.pin.key)).toEqual(expected.mismatches);
    expect(plan.failures.map((f) => f.pin.key)).toEqual(expected.failures);
    expect(plan.actions.flatMap((a) => (a.kind === 'issue' ? [a.marker] : []))).toEqual(expected.issues);
    const pulls = plan.actions.flatMap((a) => (a.kind === 'pull-request' ? [a] : []));
    expect(
      pulls.map((a) => ({
        branch: a.branch,
        files: a.files.map((f) => ({ path: f.path, json: JSON.parse(f.content!) })),
      })),
    ).toEqual(expected.pullRequests);

    // The yanks the pull requests write are valid status files of the catalog.
    for (const file of pulls.flatMap((a) => a.files)) {
      await mkdir(dirname(join(root, file.path)), { recursive: true });
      await writeFile(join(root, file.path), file.content!);
    }
    expect(JSON.parse((await validateCommand({ root, json: true })).stdout).issues).toEqual([]);
    // Merged, they leave nothing to re-verify for those versions.
    const after = reverifyPins(await loadCatalog({ reader: fsCatalogReader(root) }));
    for (const key of expected.mismatches) expect(after.map((p) => p.key)).not.toContain(key);
  });
});
