/**
 * `catalog scan` through the real CLI process: exit codes per verdict, the JSON report against its
 * schema, and a bundle fetched over real TLS from 127.0.0.1.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanReport } from '../core/schema-types.gen.ts';
import { validateSchema } from '../core/schema-validator.ts';
import { buildFixtureBundle, SCAN_FIXTURES_DIR } from '../test-support/bundle-fixtures.ts';
import { runCliAsync, tempDir } from '../test-support/fixtures.ts';
import { startHttpsServer, type HttpsTestServer } from '../test-support/https-server.ts';
import { startOsvServer, type OsvTestServer } from '../test-support/osv-server.ts';

let work: string;
let https: HttpsTestServer;
let osv: OsvTestServer;
const files: Record<string, string> = {};

beforeAll(async () => {
  work = await tempDir('scan-cli-');
  const routes = new Map<string, Buffer>();
  for (const name of ['text-pseudo-tag.ok', 'text-pseudo-tag', 'archive-symlink', 'dependency-vulnerable']) {
    const bytes = await buildFixtureBundle(join(SCAN_FIXTURES_DIR, name));
    files[name] = join(work, `${name}.mcpb`);
    await writeFile(files[name], bytes);
    routes.set(`/${name}.mcpb`, bytes);
  }
  https = await startHttpsServer(routes);
  await writeFile(join(work, 'ca.pem'), https.caPem);
  osv = await startOsvServer({ recordsDir: join(SCAN_FIXTURES_DIR, '../../../adapters/__fixtures__/osv/records') });
});
afterAll(async () => {
  await https.close();
  await osv.close();
});

const scan = (...args: string[]) =>
  runCliAsync(['scan', ...args, '--osv-url', osv.url, '--root', work], {
    env: { NODE_EXTRA_CA_CERTS: join(work, 'ca.pem') },
  });

describe('catalog scan', () => {
  it.each([
    ['text-pseudo-tag.ok', 0, 'pass'],
    ['text-pseudo-tag', 3, 'review'],
    ['archive-symlink', 1, 'reject'],
    ['dependency-vulnerable', 3, 'review'],
  ] as const)('%s exits %i (%s) and prints a report that matches its schema', async (name, status, verdict) => {
    const result = await scan(files[name]!, '--json');
    expect(result.status, result.stderr).toBe(status);
    const report = JSON.parse(result.stdout) as ScanReport;
    expect(validateSchema('scan-report', report)).toEqual([]);
    expect(report.verdict).toBe(verdict);
    expect(report.ruleset.name).toBe('mcp-catalog-core');
  });

  it('fetches an https:// URL over TLS and scans the same bytes', async () => {
    const local = JSON.parse((await scan(files['dependency-vulnerable']!, '--json')).stdout) as ScanReport;
    const remote = await scan(`${https.url}/dependency-vulnerable.mcpb`, '--json');
    expect(remote.status, remote.stderr).toBe(3);
    expect(JSON.parse(remote.stdout)).toEqual(local);
  });

  it('prints a readable report without --json', async () => {
    const result = await scan(files['archive-symlink']!);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^REJECT /);
    expect(result.stdout).toContain('archive-symlink');
  });

  it('exits 2 when it cannot run: a missing file, a plain http URL, a download error', async () => {
    expect((await scan(join(work, 'missing.mcpb'))).status).toBe(2);
    expect((await scan('http://127.0.0.1:1/x.mcpb')).status).toBe(2);
    expect((await scan(`${https.url}/not-there.mcpb`)).status).toBe(2);
  });
});
