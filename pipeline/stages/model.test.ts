import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../core/config.ts';
import { parseJson } from '../core/json-source.ts';
import { classify } from '../core/layout.ts';
import type { CatalogIndex, Listing, ScanReport } from '../core/schema-types.gen.ts';
import { validateSchema } from '../core/schema-validator.ts';
import { bundleTargets } from './bundle-issues.ts';
import type { LoadedCatalog } from './load.ts';
import { buildModel, nextSerial, ratingOf, type ArtifactFacts } from './model.ts';

const NOW = new Date('2026-11-21T12:00:00.500Z');
const SHA = 'b'.repeat(64);

function listing(name: string, version: string, extra: Partial<Listing> = {}): Listing {
  return {
    name,
    description: `${name} ${version}`,
    version,
    packages: [{ registryType: 'npm', identifier: 'pkg', version, transport: { type: 'stdio' } }],
    ...extra,
  } as Listing;
}

function catalogOf(files: Record<string, unknown>): LoadedCatalog {
  const entries = Object.entries(files).map(([path, value]) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return { location: classify(path), text, ...(path.endsWith('.json') ? { json: parseJson(text) } : {}) };
  });
  return { inventory: entries.map((e) => e.location), files: entries };
}

const report = (verdict: ScanReport['verdict'], findings: ScanReport['findings'] = []): ScanReport => ({
  verdict,
  sha256: SHA,
  size: 10,
  manifest: {
    manifestVersion: '0.3',
    name: 'b',
    version: '1.0.0',
    serverType: 'node',
    entryPoint: 'index.js',
    userConfig: { token: { type: 'string', title: 'Token', sensitive: true } },
  },
  findings,
  capabilities: { own: [], dependencies: [] },
  tools: [{ name: 'echo', sha256: 'c'.repeat(64) }],
  dependencies: [],
  ruleset: { name: 'mcp-catalog-core', version: '1.0.0' },
});

function model(
  files: Record<string, unknown>,
  facts?: (target: ReturnType<typeof bundleTargets>[number]) => ArtifactFacts,
  previous?: CatalogIndex,
) {
  const catalog = catalogOf(files);
  const targets = bundleTargets(catalog);
  return buildModel({
    catalog,
    config: resolveConfig(undefined),
    targets,
    artifacts: new Map(facts ? targets.map((t) => [t, facts(t)]) : []),
    stats: new Map(),
    previous,
    addedAt: new Map([['catalog/servers/io.github.a/one/1.0.0.json', '2026-01-01T00:00:00.000Z']]),
    now: NOW,
    validityMs: 86_400_000,
  });
}

describe('buildModel', () => {
  it('leaves deleted servers out, skips yanked versions for latest, and orders versions by semver', () => {
    const { index } = model({
      'catalog/servers/io.github.a/one/1.0.0.json': listing('io.github.a/one', '1.0.0'),
      'catalog/servers/io.github.a/one/1.10.0.json': listing('io.github.a/one', '1.10.0'),
      'catalog/servers/io.github.a/one/1.9.0.json': listing('io.github.a/one', '1.9.0'),
      'catalog/servers/io.github.a/one/status.json': {
        versions: { '1.10.0': { status: 'yanked', message: 'broken' } },
      },
      'catalog/servers/io.github.a/gone/1.0.0.json': listing('io.github.a/gone', '1.0.0'),
      'catalog/servers/io.github.a/gone/status.json': { status: 'deleted', message: 'withdrawn by the publisher' },
    });
    expect(index.servers.map((s) => s.name)).toEqual(['io.github.a/one']);
    const [one] = index.servers;
    expect(one!.versions.map((v) => [v.version, v.status])).toEqual([
      ['1.10.0', 'yanked'],
      ['1.9.0', 'active'],
      ['1.0.0', 'active'],
    ]);
    expect(one!.latest).toBe('1.9.0');
    expect(one!.description).toBe('io.github.a/one 1.9.0');
    expect(one!.versions[2]!.publishedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(index.generatedAt).toBe('2026-11-21T12:00:00.000Z');
    expect(index.expires).toBe('2026-11-22T12:00:00.000Z');
    expect(validateSchema('index', index)).toEqual([]);
  });

  it('keeps publishedAt from the previous index and raises its serial', () => {
    const files = { 'catalog/servers/io.github.a/one/1.0.0.json': listing('io.github.a/one', '1.0.0') };
    const first = model(files).index;
    const previous = {
      ...first,
      serial: 4_000_000_000,
      servers: first.servers.map((s) => ({
        ...s,
        versions: s.versions.map((v) => ({ ...v, publishedAt: '2025-05-05T05:05:05.000Z' })),
      })),
    };
    const second = model(files, undefined, previous).index;
    expect(second.serial).toBe(4_000_000_001);
    expect(second.servers[0]!.versions[0]!.publishedAt).toBe('2025-05-05T05:05:05.000Z');
  });

  it('turns an acknowledged review finding into a pass, and an unavailable bundle into a reject', () => {
    const bundle = (version: string) =>
      listing('io.github.a/b', version, {
        packages: [
          {
            registryType: 'mcpb',
            identifier: `bundles/b-${version}.mcpb`,
            fileSha256: SHA,
            transport: { type: 'stdio' },
          },
        ],
      });
    const finding = { rule: 'code-shell-exec', severity: 'review' as const, file: 'index.js', message: 'exec' };
    const { index, records } = model(
      {
        'catalog/servers/io.github.a/b/1.0.0.json': bundle('1.0.0'),
        'catalog/servers/io.github.a/b/2.0.0.json': bundle('2.0.0'),
        'catalog/curation/io.github.a/b.json': {
          acknowledgements: [
            { version: '2.0.0', rule: 'code-shell-exec', reason: 'runs git, as documented', by: 'maintainer' },
          ],
        },
        'catalog/bundles/b-1.0.0.mcpb': 'x',
        'catalog/bundles/b-2.0.0.mcpb': 'x',
      },
      (target) =>
        target.listing.version === '1.0.0'
          ? { kind: 'unavailable', problem: 'gone' }
          : {
              kind: 'file',
              sha256: SHA,
              size: 10,
              report: report('review', [finding]),
              reportRef: { path: `reports/${SHA}.json`, sha256: 'd'.repeat(64), size: 100 },
              attestation: 'bundles/b-2.0.0.mcpb.sigstore.json',
            },
    );
    const server = index.servers[0]!;
    expect(server.verdict).toBe('pass');
    expect(server.versions.map((v) => v.verdict)).toEqual(['pass', 'reject']);
    const [latest, old] = records.get('io.github.a/b')!.versions;
    expect(latest!.artifacts[0]).toMatchObject({
      status: 'verified',
      url: 'bundles/b-2.0.0.mcpb',
      scan: { verdict: 'pass', findings: { review: 1 }, acknowledged: 1 },
      userConfig: { token: { type: 'string', title: 'Token', sensitive: true } },
      tools: [{ name: 'echo' }],
    });
    expect(old!.artifacts[0]).toMatchObject({ status: 'unavailable', problem: 'gone' });
    expect(validateSchema('server-record', records.get('io.github.a/b'))).toEqual([]);
  });
});

describe('buildModel: reviews', () => {
  it('leaves hidden reviews out of the rating and the record, marks form-submitted ones verified, and attaches votes', () => {
    const review = (rating: number, extra: object = {}) => ({
      rating,
      body: 'Twenty characters or more of text.',
      version: '1.0.0',
      ...extra,
    });
    const catalog = catalogOf({
      'catalog/servers/io.github.a/one/1.0.0.json': listing('io.github.a/one', '1.0.0'),
      'catalog/reviews/io.github.a/one/Alice.json': review(5, { submittedVia: { issue: 12 } }),
      'catalog/reviews/io.github.a/one/bob.json': review(3),
      'catalog/reviews/io.github.a/one/mallory.json': review(1),
      'catalog/curation/io.github.a/one.json': {
        hiddenReviews: [{ login: 'Mallory', reason: 'advertising', by: 'maintainer' }],
      },
    });
    const votes = { up: 4, down: 1, thread: 'https://github.com/a/catalog/issues/3', asOf: NOW.toISOString() };
    const { index, records } = buildModel({
      catalog,
      config: resolveConfig(undefined),
      targets: [],
      artifacts: new Map(),
      stats: new Map([['io.github.a/one', { reviewVotes: { alice: votes } }]]),
      previous: undefined,
      addedAt: new Map(),
      now: NOW,
      validityMs: 86_400_000,
    });
    const record = records.get('io.github.a/one')!;
    expect(record.rating).toEqual({ average: 4, count: 2, histogram: [0, 0, 1, 0, 1] });
    expect(index.servers[0]!.rating.count).toBe(2);
    expect(record.reviews.map((r) => [r.login, r.verified ?? false, r.helpful?.up ?? null])).toEqual([
      ['Alice', true, 4],
      ['bob', false, null],
    ]);
    expect(record.reviews[0]).not.toHaveProperty('submittedVia');
    expect(validateSchema('server-record', record)).toEqual([]);
    expect(validateSchema('index', index)).toEqual([]);
  });
});

describe('ratingOf and nextSerial', () => {
  it('sums reviews up, with no average when there are none', () => {
    expect(ratingOf([])).toEqual({ count: 0, histogram: [0, 0, 0, 0, 0] });
    expect(ratingOf([5, 4, 4, 1])).toEqual({ average: 3.5, count: 4, histogram: [1, 0, 0, 2, 1] });
  });

  it('always rises: past the previous serial, and at least the time in seconds', () => {
    expect(nextSerial(undefined, NOW)).toBe(Math.floor(NOW.getTime() / 1000));
    expect(nextSerial(10, NOW)).toBe(Math.floor(NOW.getTime() / 1000));
    expect(nextSerial(9_999_999_999, NOW)).toBe(10_000_000_000);
  });
});
