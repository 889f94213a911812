/** Shared by the importer tests: plan mapped entries into an empty catalog, and summarise a whole source. */
import { expect } from 'vitest';
import { planImport, type ImportPlan } from './plan.ts';
import type { MappedSource } from './types.ts';

export function planIntoEmpty(mapped: MappedSource): ImportPlan {
  return planImport({ candidates: mapped.candidates, existing: { inventory: [] }, existingText: new Map() });
}

/**
 * Checks one mapper's results over every entry of a real source: one outcome per entry, the
 * category table covers the data, and the only rejections are descriptions over the official
 * 100 characters. Prints the counts that go into the closing note.
 */
export function expectWholeSourceImports(label: string, results: MappedSource[]): void {
  for (const result of results) expect(result.candidates.length + result.rejected.length).toBe(1);
  const merged: MappedSource = {
    candidates: results.flatMap((r) => r.candidates),
    rejected: results.flatMap((r) => r.rejected),
  };
  const planned = planIntoEmpty(merged);
  const count = (items: { code: string }[]) =>
    items.reduce<Record<string, number>>((acc, { code }) => ({ ...acc, [code]: (acc[code] ?? 0) + 1 }), {});
  console.log(label, {
    entries: results.length,
    candidates: merged.candidates.length,
    mapperRejected: count(merged.rejected),
    imported: planned.write.length,
    planRejected: count(planned.rejected),
    warnings: count(merged.candidates.flatMap((c) => c.warnings)),
  });
  expect(merged.rejected.filter((r) => r.code === 'unknown-source-category')).toEqual([]);
  expect(planned.rejected.filter((r) => !(r.code === 'schema-max-length' && r.path === '/description'))).toEqual([]);
}
