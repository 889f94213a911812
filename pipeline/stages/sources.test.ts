/**
 * The pure part of merge sources: filters, validation of what a source gives (with the official
 * registry's own seed data, whose 143 invalid entries are real negative cases), and the merge
 * rules: the catalog wins, then priority, then config order; names compared case-insensitively.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configuredSources, resolveConfig, type ResolvedSource } from '../core/config.ts';
import { parseJson } from '../core/json-source.ts';
import { OFFICIAL_SCHEMA_ID, REPO_ROOT } from '../core/schema-files.ts';
import type { CatalogConfig, Listing } from '../core/schema-types.gen.ts';
import { validateSchema } from '../core/schema-validator.ts';
import type { CatalogFile, LoadedCatalog } from './load.ts';
import { mergeSources, prepareSource, sourceConfigIssues, withSources, type SourceServer } from './sources.ts';

const ANCHORS = join(REPO_ROOT, '../shared/anchors/official-registry');
const SEED_358 = JSON.parse(readFileSync(join(ANCHORS, 'seed_358_2025-10-03_camelCase.json'), 'utf8')) as Listing[];
const SEED_4 = JSON.parse(readFileSync(join(ANCHORS, 'seed_current_4_2025-12-11.json'), 'utf8')) as Listing[];

function servers(listings: readonly Listing[]): SourceServer[] {
  const byName = new Map<string, SourceServer>();
  for (const listing of listings) {
    const server = byName.get(listing.name) ?? { name: listing.name, versions: [] };
    server.versions.push({ listing: { ...listing, $schema: OFFICIAL_SCHEMA_ID }, publishedAt: '2025-10-03T00:00:00Z' });
    byName.set(listing.name, server);
  }
  return [...byName.values()];
}

const source = (name: string, extra: Partial<ResolvedSource> = {}): ResolvedSource =>
  ({
    type: 'registry',
    name,
    url: 'https://registry.example/',
    trust: 'unverified',
    priority: 0,
    include: [],
    exclude: [],
    position: 0,
    ...extra,
  }) as ResolvedSource;

function localCatalog(listings: readonly Listing[]): LoadedCatalog {
  const files: CatalogFile[] = listings.map((l) => {
    const path = `catalog/servers/${l.name}/${l.version}.json`;
    const text = JSON.stringify(l);
    return { location: { kind: 'listing', path, server: l.name, version: l.version }, text, json: parseJson(text) };
  });
  return { inventory: files.map((f) => f.location), files };
}

describe('prepareSource', () => {
  it('validates what a source gives like a pull request, and leaves out what fails with the validator codes', () => {
    const prepared = prepareSource(source('official-api'), servers(SEED_358), undefined);
    const codes = new Map<string, number>();
    for (const issue of prepared.issues) codes.set(issue.code, (codes.get(issue.code) ?? 0) + 1);
    // The seed's own defects, as anchors/README.txt counts them: 78 descriptions over 100 characters, 65 empty.
    expect(Object.fromEntries(codes)).toEqual({ 'schema-max-length': 78, 'schema-min-length': 65 });
    expect(
      prepared.issues.every((i) => i.severity === 'warning' && i.file.startsWith('sources/official-api/servers/')),
    ).toBe(true);
    expect(prepared.issues[0]!.path).toBe('/description');
    expect(prepared.servers.size).toBe(358 - 143);
    expect(prepared.publishedAt.size).toBe(358 - 143);
  });

  it('keeps only what include names and exclude does not', () => {
    const prepared = prepareSource(
      source('official-api', { include: ['io.github.domdomegg/*'], exclude: ['*/time-mcp-nuget'] }),
      servers(SEED_4),
      undefined,
    );
    expect([...prepared.servers.values()].map((s) => [s.name, s.highest])).toEqual([
      ['io.github.domdomegg/airtable-mcp-server', '1.7.3'],
      ['io.github.domdomegg/time-mcp-pypi', '1.0.6'],
    ]);
  });

  it('refuses names that would leave their folder in dist/', () => {
    const [first] = SEED_4;
    const prepared = prepareSource(
      source('evil'),
      [{ name: '../index', versions: [{ listing: { ...first!, name: '../index' } }] }],
      undefined,
    );
    expect(prepared.servers.size).toBe(0);
    expect(prepared.issues.map((i) => i.code)).toEqual(['source-unsafe-name']);
  });
});

describe('mergeSources', () => {
  const four = servers(SEED_4);

  it("lets the catalog's own listing win and records every source that gives it too", () => {
    const local = localCatalog([SEED_4[0]!]);
    const merged = mergeSources(local, [prepareSource(source('a', { priority: 5 }), four, undefined)]);
    expect(merged.origins.get('io.github.domdomegg/airtable-mcp-server')).toEqual({
      alsoIn: [{ source: 'a', version: '1.7.3' }],
    });
    expect(merged.files.some((f) => f.location.path.includes('airtable'))).toBe(false);
  });

  it('gives a server to the highest priority, then to the source listed first, and records the others', () => {
    const low = prepareSource(source('low', { priority: 1, position: 0 }), four, undefined);
    const high = prepareSource(
      source('high', { priority: 9, position: 1, trust: 'community' }),
      four.slice(0, 1),
      undefined,
    );
    const tie = prepareSource(source('tie', { priority: 1, position: 2 }), four, undefined);
    const merged = mergeSources(localCatalog([]), [low, high, tie]);
    expect(merged.origins.get('io.github.domdomegg/airtable-mcp-server')).toEqual({
      origin: 'high',
      trust: 'community',
      alsoIn: [
        { source: 'low', version: '1.7.3' },
        { source: 'tie', version: '1.7.3' },
      ],
    });
    expect(merged.origins.get('io.github.domdomegg/time-mcp-pypi')).toMatchObject({
      origin: 'low',
      alsoIn: [{ source: 'tie', version: '1.0.6' }],
    });
    expect(Object.fromEntries(merged.offered)).toEqual({ low: 3, high: 1, tie: 3 });
    // Only the winners' files are loaded, under sources/<winner>/.
    const paths = withSources(localCatalog([]), merged).files.map((f) => f.location.path);
    expect(paths).toContain('sources/high/servers/io.github.domdomegg/airtable-mcp-server/1.7.3.json');
    expect(paths.filter((p) => p.includes('airtable'))).toEqual([
      'sources/high/servers/io.github.domdomegg/airtable-mcp-server/1.7.2.json',
      'sources/high/servers/io.github.domdomegg/airtable-mcp-server/1.7.3.json',
    ]);
    expect(paths.filter((p) => p.startsWith('sources/tie/'))).toEqual([]);
  });

  it('compares names case-insensitively, as the validator does', () => {
    const shouting = servers(
      SEED_4.slice(0, 1).map((l) => ({ ...l, name: 'io.github.DomDomEgg/airtable-mcp-server' })),
    );
    const merged = mergeSources(localCatalog([SEED_4[0]!]), [prepareSource(source('a'), shouting, undefined)]);
    expect(merged.files).toEqual([]);
    expect(merged.origins.get('io.github.domdomegg/airtable-mcp-server')?.alsoIn).toEqual([
      { source: 'a', version: '1.7.2' },
    ]);
  });
});

describe('the sources config', () => {
  const config = (sources: CatalogConfig['sources']) => resolveConfig({ sources });

  it('fills in the defaults and leaves out import-time upstreams and disabled sources', () => {
    const resolved = configuredSources({
      ...config([
        { type: 'official', url: 'https://github.com/modelcontextprotocol/registry' },
        { type: 'registry', name: 'off', url: 'https://a.example/', enabled: false },
        { type: 'registry', name: 'on', url: 'https://b.example/' },
      ]),
      defaultTrust: 'community',
    });
    expect(resolved).toEqual([
      {
        type: 'registry',
        name: 'on',
        url: 'https://b.example/',
        trust: 'community',
        priority: 0,
        include: [],
        exclude: [],
        position: 2,
      },
    ]);
  });

  it('takes the contract shapes in catalog.config.json, and refuses the reserved name and a catalog without identity', () => {
    const partner = {
      type: 'catalog',
      name: 'public-catalog',
      url: 'https://mcp-catalog.github.io/catalog/index.json',
      identity: {
        workflow: 'https://github.com/mcp-catalog/catalog/.github/workflows/publish.yml@refs/heads/main',
        repositoryId: '123456789',
      },
      trust: 'community',
      priority: 10,
      include: ['io.github.*/*'],
      exclude: ['io.github.evil/*'],
      auth: { tokenEnv: 'PARTNER_TOKEN' },
      enabled: true,
    };
    const registry = { type: 'registry', name: 'official', url: 'https://registry.modelcontextprotocol.io/' };
    const keyed = { ...partner, name: 'keyed', identity: { publicKey: 'keys/partner.pub.pem' } };
    expect(validateSchema('config', { sources: [partner, registry, keyed] })).toEqual([]);
    const { identity: _identity, ...anonymous } = partner;
    const codes = (sources: unknown[]) => validateSchema('config', { sources }).map((f) => [f.code, f.path]);
    expect(codes([{ ...registry, name: 'local' }])).toEqual([['schema-not', '/sources/0/name']]);
    expect(codes([anonymous])).toEqual([['schema-required', '/sources/0/identity']]);
  });

  it('refuses two sources of the same name', () => {
    const issues = sourceConfigIssues(
      config([
        { type: 'registry', name: 'dup', url: 'https://a.example/' },
        { type: 'registry', name: 'dup', url: 'https://b.example/' },
      ]),
    );
    expect(issues.map((i) => [i.code, i.path])).toEqual([['source-duplicate-name', '/sources/1/name']]);
  });
});
