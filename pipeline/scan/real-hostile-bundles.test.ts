/**
 * Attacks planted in a real server (pipeline/test-support/real-hostile-bundles.ts): every one
 * is rejected, by the rule of its class, whether it sits in the server's own files or the whole
 * server was moved into node_modules/ with the entry point pointing there.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOsvClient } from '../adapters/osv.ts';
import { buildBundle } from '../../scripts/build-bundles.ts';
import { HOSTILE_BASE } from '../../scripts/build-hostile-bundles.ts';
import { tempDir } from '../test-support/fixtures.ts';
import { startOsvServer, type OsvTestServer } from '../test-support/osv-server.ts';
import { ATTACKS, plant, readBundleFiles, type Layout } from '../test-support/real-hostile-bundles.ts';
import type { BundleFile } from '../test-support/hostile-bundles.ts';
import { scanBundleFile } from './scan-file.ts';

let osv: OsvTestServer;
let base: BundleFile[];
let work: string;

beforeAll(async () => {
  osv = await startOsvServer({ records: [] });
  base = await readBundleFiles((await buildBundle(HOSTILE_BASE)).path);
  work = await tempDir('real-hostile-');
}, 300_000);
afterAll(() => osv.close());

const cases = Object.entries(ATTACKS).flatMap(([name, attack]) =>
  (['own', 'node_modules'] satisfies Layout[]).map((layout) => [`${name} (${layout})`, name, attack, layout] as const),
);

describe(`attacks planted in ${HOSTILE_BASE}`, () => {
  it('the base passes', async () => {
    const file = join(work, 'base.mcpb');
    await writeFile(file, await plant(base, {}, 'own'));
    const report = await scanBundleFile(file, { osv: createOsvClient({ baseUrl: osv.url, retries: 0 }) });
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it.each(cases)('%s is rejected', async (_label, name, attack, layout) => {
    const file = join(work, `${name}.${layout}.mcpb`);
    await writeFile(file, await plant(base, attack, layout));
    const report = await scanBundleFile(file, { osv: createOsvClient({ baseUrl: osv.url, retries: 0 }) });
    expect(report.verdict).toBe('reject');
    expect(report.findings.filter((f) => f.severity === 'reject').map((f) => f.rule)).toContain(attack.rule);
  });
});
