/**
 * Issue 14's "Two sources merged", end to end through `npm run build`: a small catalog of real
 * sample listings, plus two merge sources served from 127.0.0.1 whose content is the official
 * registry's own seed data (`/work/shared/anchors/official-registry/`):
 *
 * - `partner`: a second MCP Catalog (the 4-entry current seed), published by the real model and
 *   signing stages and signed with a test key that the config pins;
 * - `official-api`: an official-registry-compatible API (the 358-entry seed of 2025-10-03 plus
 *   the current seed), paged by cursor and read incrementally with updated_since.
 *
 * Both give `io.github.domdomegg/airtable-mcp-server` (priority decides), the API also gives
 * `io.github.qdrant/mcp-server-qdrant`, which the catalog lists itself (the catalog wins). Then the
 * API goes down and the partner's index is re-signed by someone else: both keep their last good
 * copy and are flagged; then both come back.
 */
import { readFileSync } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySigner } from './adapters/sigstore-sign.ts';
import { OFFICIAL_META_KEY } from './adapters/source-registry.ts';
import { verifyDist } from './commands/verify-dist.ts';
import { REPO_ROOT } from './core/schema-files.ts';
import type { CatalogConfig, CatalogIndex, Listing, ServerRecord } from './core/schema-types.gen.ts';
import { validateSchema } from './core/schema-validator.ts';
import { startCatalogHost, writeSignedCatalog, type CatalogHost } from './test-support/catalog-source-server.ts';
import { gitInit, readJson, runCliAsync, tempDir } from './test-support/fixtures.ts';
import { p256KeyPair } from './test-support/keys.ts';
import { officialEntries, startRegistryDouble, type RegistryDouble } from './test-support/registry-api-server.ts';

const ANCHORS = join(REPO_ROOT, '../shared/anchors/official-registry');
const seed = (file: string) => JSON.parse(readFileSync(join(ANCHORS, file), 'utf8')) as Listing[];
const SEED_358 = seed('seed_358_2025-10-03_camelCase.json');
const SEED_4 = seed('seed_current_4_2025-12-11.json');
const AIRTABLE = 'io.github.domdomegg/airtable-mcp-server';
const PYPI = 'io.github.domdomegg/time-mcp-pypi';
const QDRANT = 'io.github.qdrant/mcp-server-qdrant';
const LOCAL = ['com.asana.mcp/asana', 'io.github.modelcontextprotocol/brave-search', QDRANT];

const SAMPLE_FILES = [
  'catalog/policies',
  'catalog/servers/com.asana.mcp/asana',
  'catalog/servers/io.github.modelcontextprotocol/brave-search',
  `catalog/servers/${QDRANT}`,
  `catalog/reviews/${QDRANT}`,
];

const build = (root: string) =>
  runCliAsync(['--root', root, '--signing', 'dev', '--no-site'], { script: 'pipeline/run.ts' });

describe('npm run build with two sources', () => {
  const partnerKeys = p256KeyPair();
  let root: string;
  let partnerDir: string;
  let partner: CatalogHost;
  let api: RegistryDouble;
  let policy: { mode: 'key'; publicKeyPem: string };
  const index = () => readJson<CatalogIndex>(join(root, 'dist/index.json'));
  const record = (name: string) => readJson<ServerRecord>(join(root, `dist/servers/${name}.json`));
  const state = (i: CatalogIndex, name: string) => i.sources!.find((s) => s.name === name)!;

  beforeAll(async () => {
    root = await tempDir('mcp-catalog-sources-');
    for (const path of SAMPLE_FILES) await cp(join(REPO_ROOT, path), join(root, path), { recursive: true });
    partnerDir = await tempDir('partner-catalog-');
    await writeSignedCatalog(partnerDir, SEED_4, keySigner(partnerKeys), { name: 'Partner Catalog' });
    partner = await startCatalogHost(partnerDir);
    api = await startRegistryDouble(officialEntries([...SEED_358, ...SEED_4], '2025-10-03T00:00:00Z'));
    await mkdir(join(root, 'keys'));
    await writeFile(join(root, 'keys/partner.pub.pem'), partnerKeys.publicKeyPem);
    const config: CatalogConfig = {
      name: 'Merged Catalog',
      defaultPolicy: 'sample-standard',
      sources: [
        { type: 'official', url: 'https://github.com/modelcontextprotocol/registry', enabled: true },
        {
          type: 'registry',
          name: 'official-api',
          url: api.url,
          trust: 'unverified',
          priority: 10,
          // Its bundle is a GitHub release asset, which the fetch stage would download: no internet in tests.
          exclude: [AIRTABLE],
        },
        {
          type: 'catalog',
          name: 'partner',
          url: partner.indexUrl,
          identity: { publicKey: 'keys/partner.pub.pem' },
          trust: 'community',
          priority: 20,
          exclude: [AIRTABLE, 'io.github.domdomegg/time-mcp-nuget'],
        },
      ],
    };
    await writeFile(join(root, 'catalog.config.json'), JSON.stringify(config, null, 2));
    gitInit(root);
  }, 60_000);
  afterAll(async () => {
    await partner?.close();
    await api?.close();
  });

  it('merges both sources, labels every server with its source, and lets priority decide', async () => {
    const result = await build(root);
    expect(result.status, result.stderr + result.stdout).toBe(0);
    policy = { mode: 'key', publicKeyPem: await readFile(join(root, '.signing/dev-signing-key.pub.pem'), 'utf8') };
    expect(await verifyDist(join(root, 'dist'), policy)).toEqual([]);
    const i = await index();
    expect(validateSchema('index', i)).toEqual([]);
    expect(i.schemaVersion).toBe('1.1.0');
    // The catalog's own listings carry no origin, and win over a source that gives the same server.
    for (const name of LOCAL) expect(i.servers.find((s) => s.name === name)?.origin).toBeUndefined();
    expect(i.servers.find((s) => s.name === QDRANT)?.alsoIn).toEqual([
      { source: 'official-api', version: '0.0.1-seed' },
    ]);
    // Both give time-mcp-pypi: the partner's priority 20 wins over the API's 10; the API is recorded.
    const pypi = i.servers.find((s) => s.name === PYPI)!;
    expect(pypi).toMatchObject({ origin: 'partner', trust: 'community', latest: '1.0.6' });
    expect(pypi.alsoIn).toEqual([{ source: 'official-api', version: '1.0.6' }]);
    const pypiRecord = await record(PYPI);
    expect(pypiRecord).toMatchObject({ origin: 'partner', alsoIn: [{ source: 'official-api', version: '1.0.6' }] });
    expect(validateSchema('server-record', pypiRecord)).toEqual([]);
    // Excluded by both.
    expect(i.servers.find((s) => s.name === AIRTABLE)).toBeUndefined();
    // The partner's excluded server comes from the API instead.
    expect(i.servers.find((s) => s.name === 'io.github.domdomegg/time-mcp-nuget')).toMatchObject({
      origin: 'official-api',
      trust: 'unverified',
    });
    // Seed entries the validator refuses (descriptions over 100 characters, empty ones) are left out and counted.
    const fromApi = i.servers.filter((s) => s.origin === 'official-api');
    expect(fromApi.length).toBeGreaterThan(150);
    expect(fromApi.length).toBeLessThan(SEED_358.length);
    expect(result.stdout).toMatch(/^source: official-api: \d+ servers offered, \d+ merged; left out: .*×\d+/m);
    expect(i.sources!.map((s) => [s.name, s.kind, s.servers, s.stale])).toEqual([
      ['official-api', 'registry', fromApi.length, undefined],
      ['partner', 'catalog', 1, undefined],
    ]);
    expect(state(i, 'partner').lastGoodAt).toBeDefined();
  }, 120_000);

  it('keeps the last good copy of a source that is down or refused, and flags it', async () => {
    const before = await index();
    api.mode = 'error';
    // The partner's index is now signed by a key nobody pinned: refused, nothing of it used.
    await writeSignedCatalog(partnerDir, SEED_4.slice(0, 1), keySigner(p256KeyPair()), { name: 'Partner Catalog' });
    const result = await build(root);
    expect(result.status, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^source: official-api: stale since .* \[source-http-status\]/m);
    expect(result.stdout).toMatch(/^source: partner: stale since .* \[source-signature-invalid\]: source partner: /m);
    expect(result.stderr).toMatch(/source official-api is stale since/);
    const after = await index();
    expect(after.servers.map((s) => [s.name, s.origin, s.latest])).toEqual(
      before.servers.map((s) => [s.name, s.origin, s.latest]),
    );
    for (const name of ['official-api', 'partner']) {
      const s = state(after, name);
      expect(s.stale?.since).toBeDefined();
      expect(s.lastGoodAt).toBe(state(before, name).lastGoodAt);
      expect(s.servers).toBe(state(before, name).servers);
    }
    expect(state(after, 'official-api').stale?.code).toBe('source-http-status');
    expect(state(after, 'partner').stale?.code).toBe('source-signature-invalid');
    expect(await verifyDist(join(root, 'dist'), policy)).toEqual([]);

    // Still down on the next build: stale since the first failure, not since now.
    const again = await build(root);
    expect(again.status, again.stderr).toBe(0);
    expect(state(await index(), 'official-api').stale?.since).toBe(state(after, 'official-api').stale?.since);
  }, 120_000);

  it('clears the flag when the source is back, reading only what changed since', async () => {
    api.mode = 'up';
    await writeSignedCatalog(partnerDir, SEED_4, keySigner(partnerKeys), { name: 'Partner Catalog' });
    // Upstream, a new version of a registry-only server appears after the last good copy.
    const base = SEED_358.find(
      (l) => l.description.length > 0 && l.description.length <= 100 && l.version === '0.0.1-seed',
    )!;
    const update = officialEntries([{ ...base, version: '0.0.2-seed' }], '2025-11-01T00:00:00Z')[0]!;
    (update._meta![OFFICIAL_META_KEY] as { isLatest: boolean }).isLatest = true;
    api.entries.push(update);
    api.requests.length = 0;
    const result = await build(root);
    expect(result.status, result.stderr + result.stdout).toBe(0);
    expect(api.requests.every((r) => new URL(r.url, api.url).searchParams.get('updated_since') !== null)).toBe(true);
    expect(result.stdout).toMatch(/^source: official-api: updated since 2025-10-03T00:00:00Z: 1 pages, 1 entries/m);
    expect(result.stdout).toMatch(/^source: partner: verified serial \d+: /m);
    const i = await index();
    expect(i.sources!.every((s) => s.stale === undefined)).toBe(true);
    expect(i.servers.find((s) => s.name === base.name)).toMatchObject({ origin: 'official-api', latest: '0.0.2-seed' });
    expect(await verifyDist(join(root, 'dist'), policy)).toEqual([]);
  }, 120_000);
});
