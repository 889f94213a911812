/**
 * The catalog source against a second catalog served from 127.0.0.1 (catalog-source-server.ts),
 * published by the real model and signing stages from the official registry's seed data and
 * signed with a test key: verification under the pinned key, refusal of another signer, of a
 * tampered server file, of a rollback and of an expired index, reuse by digest, and the token.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../core/schema-files.ts';
import type { Listing } from '../core/schema-types.gen.ts';
import { startCatalogHost, writeSignedCatalog, type CatalogHost } from '../test-support/catalog-source-server.ts';
import { tempDir } from '../test-support/fixtures.ts';
import { p256KeyPair } from '../test-support/keys.ts';
import { catalogServers, readCatalogSource } from './source-catalog.ts';
import { SourceError, sourceHttp } from './source-http.ts';
import { keySigner } from './sigstore-sign.ts';

const SEED_4 = JSON.parse(
  readFileSync(join(REPO_ROOT, '../shared/anchors/official-registry/seed_current_4_2025-12-11.json'), 'utf8'),
) as Listing[];
const NOW = new Date('2026-01-10T00:00:00Z');
const CATEGORIES = new Set(['other', 'development']);

async function sourceError(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SourceError) return error;
    throw error;
  }
  throw new Error('expected a SourceError');
}

describe('a catalog source', () => {
  const keys = p256KeyPair();
  const policy = { mode: 'key' as const, publicKeyPem: keys.publicKeyPem };
  let dir: string;
  let host: CatalogHost;
  const source = () => ({ name: 'partner', url: host.indexUrl });
  const read = (previous?: Parameters<typeof readCatalogSource>[1], now = NOW) =>
    readCatalogSource(source(), previous, sourceHttp(source()), { policy, now });

  beforeAll(async () => {
    dir = await tempDir('second-catalog-');
    await writeSignedCatalog(dir, SEED_4, keySigner(keys), { now: NOW, serial: 100 });
    host = await startCatalogHost(dir);
  });
  afterAll(() => host.close());

  it('verifies the index under the pinned key and every server file by digest', async () => {
    const result = await read();
    expect(result.copy.serial).toBe(100);
    expect(Object.keys(result.copy.records).sort()).toEqual([
      'io.github.domdomegg/airtable-mcp-server',
      'io.github.domdomegg/time-mcp-nuget',
      'io.github.domdomegg/time-mcp-pypi',
    ]);
    expect(result.fetched).toBe(3);
    // The records become listings again: both versions of airtable, packages as published.
    const servers = catalogServers(result.copy, host.indexUrl, CATEGORIES);
    const airtable = servers.find((s) => s.name === 'io.github.domdomegg/airtable-mcp-server')!;
    expect(airtable.versions.map((v) => v.listing.version)).toEqual(['1.7.3', '1.7.2']);
    const original = SEED_4.find((l) => l.name === airtable.name && l.version === '1.7.3')!;
    expect(airtable.versions[0]!.listing.packages).toEqual(original.packages);
    expect(airtable.versions[0]!.listing.description).toBe(original.description);
  });

  it('downloads only the server files whose digest changed', async () => {
    const first = await read();
    host.requests.length = 0;
    const again = await read(first.copy);
    expect(again).toMatchObject({ fetched: 0, reused: 3 });
    expect(host.requests.map((r) => r.url)).toEqual(['/index.json', '/index.json.sigstore.json']);
  });

  it('refuses an index signed by another key, with an error that names the source', async () => {
    const other = await tempDir('second-catalog-');
    await writeSignedCatalog(other, SEED_4, keySigner(p256KeyPair()), { now: NOW });
    const impostor = await startCatalogHost(other);
    try {
      const error = await sourceError(
        readCatalogSource(
          { name: 'partner', url: impostor.indexUrl },
          undefined,
          sourceHttp({ name: 'partner', url: impostor.indexUrl }),
          {
            policy,
            now: NOW,
          },
        ),
      );
      expect(error.code).toBe('source-signature-invalid');
      expect(error.source).toBe('partner');
      expect(error.message).toMatch(/^source partner: .*identity-mismatch/);
      // Nothing past the index and its signature was read.
      expect(impostor.requests.map((r) => r.url)).toEqual(['/index.json', '/index.json.sigstore.json']);
    } finally {
      await impostor.close();
    }
  });

  it('refuses a server file that is not the one the signed index names', async () => {
    const copy = await tempDir('second-catalog-');
    await writeSignedCatalog(copy, SEED_4, keySigner(keys), { now: NOW });
    await writeFile(join(copy, 'servers/io.github.domdomegg/time-mcp-pypi.json'), '{"name": "tampered"}\n');
    const tampered = await startCatalogHost(copy);
    try {
      const error = await sourceError(
        readCatalogSource(
          { name: 'partner', url: tampered.indexUrl },
          undefined,
          sourceHttp({ name: 'partner', url: tampered.indexUrl }),
          {
            policy,
            now: NOW,
          },
        ),
      );
      expect(error.code).toBe('source-digest-mismatch');
    } finally {
      await tampered.close();
    }
  });

  it('refuses a rollback to a lower serial and an expired index', async () => {
    const first = await read();
    expect((await sourceError(read({ ...first.copy, serial: 101 }))).code).toBe('source-rollback');
    expect((await sourceError(read(undefined, new Date(NOW.getTime() + 15 * 86_400_000)))).code).toBe('source-expired');
  });

  it("sends the token to the catalog's origin only", async () => {
    const elsewhere = await startCatalogHost(dir);
    try {
      host.redirect = (target) => (target.startsWith('/servers/') ? `${elsewhere.origin}${target}` : undefined);
      host.requests.length = 0;
      const withAuth = { ...source(), auth: { tokenEnv: 'PARTNER_TOKEN' } };
      const result = await readCatalogSource(
        withAuth,
        undefined,
        sourceHttp(withAuth, { env: { PARTNER_TOKEN: 'tok-123' } }),
        {
          policy,
          now: NOW,
        },
      );
      expect(result.fetched).toBe(3);
      expect(host.requests.every((r) => r.authorization === 'Bearer tok-123')).toBe(true);
      expect(elsewhere.requests).toHaveLength(3);
      expect(elsewhere.requests.every((r) => r.authorization === undefined)).toBe(true);
    } finally {
      host.redirect = undefined;
      await elsewhere.close();
    }
  });

  it('reports a catalog that is down', async () => {
    host.mode = 'refuse';
    expect((await sourceError(read())).code).toBe('source-unreachable');
    host.mode = 'up';
  });
});
