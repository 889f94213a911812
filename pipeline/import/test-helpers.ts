/** Shared by the importer tests: plan mapped entries into an empty catalog, and summarise a whole source. */
import { expect } from 'vitest';
import { validateSchema } from '../core/schema-validator.ts';
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

export const codes = (items: { code: string; path: string }[]) => items.map(({ code, path }) => ({ code, path }));

/** What a mapper fixture's expected.json holds: a rejection, or the candidate and what the planner makes of it. */
export interface MapperExpectation {
  rejected?: { code: string; path: string }[];
  candidate?: unknown;
  plan: { rejected: { code: string; path: string }[] };
}

/**
 * One mapped fixture against its expected.json: the candidate's files, then the listing judged by
 * our schema alone, then by the whole planner (paths, tools, status, README), as an import would.
 */
export function expectMapped(result: MappedSource, expected: MapperExpectation): void {
  if (expected.rejected) {
    expect(result.candidates).toEqual([]);
    expect(codes(result.rejected)).toEqual(expected.rejected);
    return;
  }
  expect(result.rejected).toEqual([]);
  const { listing, readme, tools, status, warnings } = result.candidates[0]!;
  expect({ listing, readme, tools, status, warnings: codes(warnings) }).toEqual(expected.candidate);
  expect(codes(validateSchema('listing', listing))).toEqual(expected.plan.rejected);
  if (tools) expect(validateSchema('tools', tools)).toEqual([]);
  if (status) expect(validateSchema('status', status)).toEqual([]);
  const planned = planIntoEmpty(result);
  expect(codes(planned.rejected)).toEqual(expected.plan.rejected);
  expect(planned.write).toHaveLength(expected.plan.rejected.length === 0 ? 1 : 0);
}
