/**
 * End to end over the fixture cases in __fixtures__/scan/: each case's bundle is built (overlaid
 * on the base bundle, or by a hostile recipe), written to disk and scanned exactly as the CLI
 * scans a file. The exact set of rules that fire, and the verdict, must match expected.json.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOsvClient } from '../adapters/osv.ts';
import { REPO_ROOT } from '../core/schema-files.ts';
import { RULES } from '../scan/ruleset.ts';
import { scanBundleFile } from '../scan/scan-file.ts';
import { buildFixtureBundle, scanFixtureCases } from '../test-support/bundle-fixtures.ts';
import { readJson, tempDir } from '../test-support/fixtures.ts';
import { startOsvServer, type OsvTestServer } from '../test-support/osv-server.ts';

interface Expected {
  verdict: 'pass' | 'review' | 'reject';
  rules: string[];
}

interface Options {
  /** A folder of OSV records to serve; without it the case has no dependencies to look up. */
  osv?: string;
  /** Every OSV request fails with 503. */
  osvUnavailable?: boolean;
}

const cases = await scanFixtureCases();
const work = await tempDir('scan-fixtures-');
const servers = new Map<string, OsvTestServer>();

beforeAll(async () => {
  for (const { dir } of cases) {
    const options = await readJson<Options>(join(dir, 'options.json')).catch(() => ({}) as Options);
    const key = `${options.osv ?? ''}|${options.osvUnavailable ?? false}`;
    if (!options.osv || servers.has(key)) continue;
    const server = await startOsvServer({ recordsDir: join(REPO_ROOT, options.osv) });
    if (options.osvUnavailable) server.fail();
    servers.set(key, server);
  }
});
afterAll(async () => {
  for (const server of servers.values()) await server.close();
});

describe('scan fixtures', () => {
  it.each(cases.map((c) => [c.name, c.dir] as const))('%s', async (name, dir) => {
    const expected = await readJson<Expected>(join(dir, 'expected.json'));
    const options = await readJson<Options>(join(dir, 'options.json')).catch(() => ({}) as Options);
    const server = servers.get(`${options.osv ?? ''}|${options.osvUnavailable ?? false}`);
    // Cases without OSV records have no dependencies; an empty OSV answers for them.
    const osv = server ?? (await emptyOsv());
    const file = join(work, `${name}.mcpb`);
    await writeFile(file, await buildFixtureBundle(dir));
    const report = await scanBundleFile(file, { osv: createOsvClient({ baseUrl: osv.url, retries: 0 }) });
    expect({ verdict: report.verdict, rules: [...new Set(report.findings.map((f) => f.rule))].sort() }).toEqual({
      verdict: expected.verdict,
      rules: [...expected.rules].sort(),
    });
  });
});

let empty: OsvTestServer | undefined;
async function emptyOsv(): Promise<OsvTestServer> {
  if (!empty) {
    empty = await startOsvServer({ records: [] });
    servers.set('empty', empty);
  }
  return empty;
}

describe('rule coverage', () => {
  const names = new Set(cases.map((c) => c.name));
  // Rules that need input from outside the bundle (the listing, the previous version's pins, a
  // signature) are covered by their own unit tests instead.
  const outside = new Set([
    'manifest-version-mismatch',
    'manifest-name-mismatch',
    'manifest-tools-mismatch',
    'text-tool-changed',
    'text-tool-added',
    'text-tool-removed',
    'signature-invalid',
    'signature-untrusted',
  ]);
  it.each(RULES.filter((r) => !outside.has(r.id)).map((r) => r.id))('%s has a positive and a .ok case', (id) => {
    expect(names.has(id), `missing fixture case ${id}/`).toBe(true);
    expect(names.has(`${id}.ok`), `missing fixture case ${id}.ok/`).toBe(true);
  });
});
