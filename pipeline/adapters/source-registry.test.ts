/**
 * The registry source against the local double of the official API (registry-api-server.ts),
 * whose content is the official registry's own seed data: paging by cursor, the incremental
 * read with updated_since, deletions, the token going only to the source's origin, and outages.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../core/schema-files.ts';
import type { Listing } from '../core/schema-types.gen.ts';
import { officialEntries, startRegistryDouble, type RegistryDouble } from '../test-support/registry-api-server.ts';
import { SourceError, sourceHttp } from './source-http.ts';
import { OFFICIAL_META_KEY, readRegistry, registryServers } from './source-registry.ts';

const ANCHORS = join(REPO_ROOT, '../shared/anchors/official-registry');
const seed = (file: string) => JSON.parse(readFileSync(join(ANCHORS, file), 'utf8')) as Listing[];
const SEED_358 = seed('seed_358_2025-10-03_camelCase.json');
const SEED_4 = seed('seed_current_4_2025-12-11.json');

async function sourceError(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SourceError) return error;
    throw error;
  }
  throw new Error('expected a SourceError');
}

describe('a registry source', () => {
  let api: RegistryDouble;
  const source = () => ({ name: 'official-api', url: api.url });
  beforeAll(async () => {
    api = await startRegistryDouble(officialEntries(SEED_358, '2025-10-03T00:00:00Z'));
  });
  afterAll(() => api.close());

  it('pages through the whole list by cursor, 100 at a time', async () => {
    api.requests.length = 0;
    const read = await readRegistry(source(), undefined, sourceHttp(source()), {
      now: new Date('2026-01-01T00:00:00Z'),
    });
    expect(read.incremental).toBe(false);
    expect(read.pages).toBe(4); // 358 entries
    expect(Object.keys(read.copy.entries)).toHaveLength(358);
    expect(api.requests.map((r) => new URL(r.url, api.url).searchParams.has('cursor'))).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect(api.requests.every((r) => new URL(r.url, api.url).searchParams.get('limit') === '100')).toBe(true);
    expect(read.copy.updatedSince).toBe('2025-10-03T00:00:00Z');
    // Every entry becomes a listing of the current schema, with the registry's own keys only.
    const servers = registryServers(read.copy);
    expect(servers).toHaveLength(358);
    expect(servers[0]!.versions[0]!.listing.$schema).toMatch(/2025-12-11/);
  });

  it('then reads only what changed since, and applies updates and deletions to the copy', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const first = await readRegistry(source(), undefined, sourceHttp(source()), { now });
    const [gone, changed] = [api.entries[0]!, api.entries[1]!];
    const later = '2025-11-01T00:00:00Z';
    gone._meta![OFFICIAL_META_KEY] = {
      ...(gone._meta![OFFICIAL_META_KEY] as object),
      status: 'deleted',
      updatedAt: later,
    };
    changed._meta![OFFICIAL_META_KEY] = {
      ...(changed._meta![OFFICIAL_META_KEY] as object),
      status: 'deprecated',
      statusMessage: 'Use the new one.',
      updatedAt: later,
    };
    api.requests.length = 0;
    const second = await readRegistry(source(), first.copy, sourceHttp(source()), { now });
    expect(second.incremental).toBe(true);
    expect(api.requests).toHaveLength(1);
    expect(new URL(api.requests[0]!.url, api.url).searchParams.get('updated_since')).toBe('2025-10-03T00:00:00Z');
    expect(second.changed).toBe(2);
    expect(Object.keys(second.copy.entries)).toHaveLength(357);
    expect(second.copy.entries[`${gone.server.name}@${gone.server.version}`]).toBeUndefined();
    expect(second.copy.updatedSince).toBe(later);
    const deprecated = registryServers(second.copy).find((s) => s.name === changed.server.name)!;
    expect(deprecated.status?.versions?.[changed.server.version]).toEqual({
      status: 'deprecated',
      message: 'Use the new one.',
    });
    // A copy older than a week is read in full again.
    api.requests.length = 0;
    const full = await readRegistry(source(), second.copy, sourceHttp(source()), {
      now: new Date(now.getTime() + 8 * 86_400_000),
    });
    expect(full.incremental).toBe(false);
    expect(api.requests.some((r) => r.url.includes('updated_since'))).toBe(false);
  });

  it('refuses a wrong base URL, naming the source', async () => {
    const error = await sourceError(
      readRegistry(
        { name: 'wrong-url', url: `${api.url}v0.1/servers/` },
        undefined,
        sourceHttp({ name: 'wrong-url', url: api.url }),
      ),
    );
    expect(error.code).toBe('source-http-status');
    expect(error.message).toMatch(/^source wrong-url: /);
  });

  it('reports an API that is down or refuses connections', async () => {
    api.mode = 'error';
    expect((await sourceError(readRegistry(source(), undefined, sourceHttp(source())))).code).toBe(
      'source-http-status',
    );
    api.mode = 'refuse';
    expect((await sourceError(readRegistry(source(), undefined, sourceHttp(source())))).code).toBe(
      'source-unreachable',
    );
    api.mode = 'up';
  });
});

describe("a registry source's token", () => {
  let api: RegistryDouble;
  let other: RegistryDouble;
  beforeAll(async () => {
    api = await startRegistryDouble(officialEntries(SEED_4, '2025-12-11T00:00:00Z'));
    other = await startRegistryDouble(officialEntries(SEED_4, '2025-12-11T00:00:00Z'));
  });
  afterAll(async () => {
    await api.close();
    await other.close();
  });

  it('is sent to the source origin only, not across a redirect to another origin', async () => {
    const source = { name: 'private', url: api.url, auth: { tokenEnv: 'PRIVATE_TOKEN' } };
    const http = sourceHttp(source, { env: { PRIVATE_TOKEN: 's3cret-token' } });
    // Page 2 onwards is answered by another origin.
    api.redirect = (target) => (target.includes('cursor=') ? new URL(target, other.url).href : undefined);
    const read = await readRegistry(source, undefined, http, { limit: 2 });
    expect(Object.keys(read.copy.entries)).toHaveLength(4);
    expect(api.requests.length).toBeGreaterThan(1);
    expect(api.requests.every((r) => r.authorization === 'Bearer s3cret-token')).toBe(true);
    expect(other.requests.length).toBeGreaterThan(0);
    expect(other.requests.every((r) => r.authorization === undefined)).toBe(true);
    api.redirect = undefined;
  });

  it('must be set when auth names it, and never appears in an error', async () => {
    const source = { name: 'private', url: api.url, auth: { tokenEnv: 'PRIVATE_TOKEN' } };
    expect(() => sourceHttp(source, { env: {} })).toThrowError(SourceError);
    api.mode = 'error';
    const error = await sourceError(
      readRegistry(source, undefined, sourceHttp(source, { env: { PRIVATE_TOKEN: 's3cret-token' } })),
    );
    expect(error.message).not.toContain('s3cret-token');
    api.mode = 'up';
  });

  it('plain http is refused except to this machine', () => {
    let code: string | undefined;
    try {
      sourceHttp({ name: 'remote', url: 'http://registry.example.com/' });
    } catch (error) {
      code = (error as SourceError).code;
    }
    expect(code).toBe('source-insecure-url');
  });
});
