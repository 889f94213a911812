/**
 * `catalog validate --bundles` end to end: the real CLI fetches real bundles over real TLS from
 * 127.0.0.1 (trusted through NODE_EXTRA_CA_CERTS, as a private mirror would be), scans them, and
 * judges the verdicts against the catalog's acknowledgements.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Issue } from '../core/schema-types.gen.ts';
import { buildFixtureBundle, SCAN_FIXTURES_DIR } from '../test-support/bundle-fixtures.ts';
import { runCliAsync, tempDir } from '../test-support/fixtures.ts';
import { startHttpsServer, type HttpsTestServer } from '../test-support/https-server.ts';

const SERVER = 'io.github.acme/fixture-server';
let server: HttpsTestServer;
let caFile: string;
const bundles = new Map<string, Buffer>();

beforeAll(async () => {
  for (const name of ['text-pseudo-tag.ok', 'text-pseudo-tag', 'archive-symlink']) {
    bundles.set(name, await buildFixtureBundle(join(SCAN_FIXTURES_DIR, name)));
  }
  server = await startHttpsServer(new Map([...bundles].map(([name, bytes]) => [`/${name}.mcpb`, bytes])));
  caFile = join(await tempDir('ca-'), 'ca.pem');
  await writeFile(caFile, server.caPem);
});
afterAll(() => server.close());

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function catalogWith(bundle: string, options: { sha256?: string; acknowledge?: string } = {}): Promise<string> {
  const root = await tempDir('validate-bundles-');
  const dir = join(root, 'catalog/servers', SERVER);
  await mkdir(dir, { recursive: true });
  const listing = {
    $schema: 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
    name: SERVER,
    description: 'The scanner fixture bundle, served over TLS from 127.0.0.1.',
    version: '1.0.0',
    repository: { url: 'https://github.com/acme/fixture-server', source: 'github' },
    packages: [
      {
        registryType: 'mcpb',
        identifier: `${server.url}/${bundle}.mcpb`,
        fileSha256: options.sha256 ?? sha256(bundles.get(bundle) ?? Buffer.alloc(0)),
        transport: { type: 'stdio' },
      },
    ],
  };
  await writeFile(join(dir, '1.0.0.json'), JSON.stringify(listing, null, 2));
  if (options.acknowledge) {
    await mkdir(join(root, 'catalog/curation/io.github.acme'), { recursive: true });
    await writeFile(
      join(root, 'catalog/curation/io.github.acme/fixture-server.json'),
      JSON.stringify({
        acknowledgements: [
          {
            version: '1.0.0',
            rule: options.acknowledge,
            reason: 'The tag is part of the documented prompt format.',
            by: 'maintainer-one',
          },
        ],
      }),
    );
  }
  return root;
}

async function validate(root: string): Promise<{ status: number; issues: Pick<Issue, 'code' | 'path'>[] }> {
  const result = await runCliAsync(['validate', '--root', root, '--bundles', '--offline', '--json'], {
    env: { NODE_EXTRA_CA_CERTS: caFile },
  });
  if (result.status === 2) throw new Error(result.stderr);
  const issues = (JSON.parse(result.stdout) as { issues: Issue[] }).issues.map(({ code, path }) => ({ code, path }));
  return { status: result.status, issues };
}

describe('validate --bundles', () => {
  it('passes a clean bundle whose sha256 matches', async () => {
    expect(await validate(await catalogWith('text-pseudo-tag.ok'))).toEqual({ status: 0, issues: [] });
  });

  it('fails a bundle whose bytes differ from the recorded sha256', async () => {
    const { status, issues } = await validate(await catalogWith('text-pseudo-tag.ok', { sha256: 'a'.repeat(64) }));
    expect(status).toBe(1);
    expect(issues).toEqual([{ code: 'bundle-sha256-mismatch', path: '/packages/0/fileSha256' }]);
  });

  it('fails a review finding until the curation file acknowledges it', async () => {
    expect(await validate(await catalogWith('text-pseudo-tag'))).toEqual({
      status: 1,
      issues: [{ code: 'bundle-needs-review', path: '/packages/0' }],
    });
    expect(await validate(await catalogWith('text-pseudo-tag', { acknowledge: 'text-pseudo-tag' }))).toEqual({
      status: 0,
      issues: [],
    });
  });

  it('fails a reject finding whatever the acknowledgements say', async () => {
    const { status, issues } = await validate(await catalogWith('archive-symlink', { acknowledge: 'archive-symlink' }));
    expect(status).toBe(1);
    expect(issues).toContainEqual({ code: 'bundle-rejected', path: '/packages/0' });
  });

  it('fails a bundle that cannot be fetched', async () => {
    const root = await catalogWith('missing', { sha256: 'b'.repeat(64) });
    expect(await validate(root)).toEqual({ status: 1, issues: [{ code: 'bundle-unavailable', path: '/packages/0' }] });
  });
});
