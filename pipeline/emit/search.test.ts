import { createHash } from 'node:crypto';
import MiniSearch from 'minisearch';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { syntheticEmitModel } from '../../bench/synthetic-model.ts';
import { validateSchema } from '../core/schema-validator.ts';
import {
  ANALYZER,
  createSearch,
  expandIndex,
  miniSearchOptions,
  processTerm,
  SearchError,
  tokenize,
  type CompactIndex,
  type CreateSearchOptions,
  type SearchErrorCode,
  type SearchManifest,
} from './search-client.ts';
import {
  CORE_OPTIONS,
  emitSearch,
  SEARCH_CORE_PATH,
  SEARCH_MANIFEST_PATH,
  SERVERS_PER_SHARD,
  shardCount,
  shardOf,
  SUMMARY_LENGTH,
  summaryOf,
} from './search.ts';
import { serverFacets } from './facets.ts';
import { buildEmitModel, type ServerSpec } from './test-model.ts';
import type { EmitModel, EmittedFile } from './types.ts';

const SPECS: ServerSpec[] = [
  {
    name: 'io.github.acme/pdf-tools',
    title: 'PDF Toolkit',
    description: 'Merge, split and extract text from PDF files.',
    category: 'productivity',
    tags: ['documents', 'pdf'],
    trust: 'verified',
    verdict: 'pass',
    tools: [{ name: 'mergeSpreadsheets', description: 'Combine several PDF files into one, preserving bookmarks.' }],
    longDescription: 'Works offline. Handles scanned pages with an OCR layer, even from a zebra printer.',
    reviews: [{ login: 'kim', rating: 5, body: 'Rescued my thesis the night before the deadline.' }],
  },
  {
    name: 'io.github.octo/weather',
    title: 'Weather Now',
    description: 'Current conditions and forecasts for any city.',
    category: 'data',
    tags: ['forecast'],
    versions: [{ version: '2.0.0', publishedAt: '2025-02-01T00:00:00Z', artifactTools: ['get_alerts'] }],
  },
  {
    name: 'com.example/kube-ops',
    title: 'Cluster Operator',
    description: 'Inspect pods and roll out deployments.',
    category: 'development',
    tags: ['kubernetes', 'devops'],
    trust: 'official',
  },
  {
    name: 'io.github.someone/notes',
    title: 'Café Notes',
    description: 'Keep notes in a local folder.',
    category: 'productivity',
    tags: ['notes'],
    trust: 'unverified',
    status: 'deprecated',
  },
];

function text(file: EmittedFile): string {
  return typeof file.body === 'string' ? file.body : new TextDecoder().decode(file.body);
}

function filesOf(model: EmitModel): Map<string, string> {
  return new Map(emitSearch(model).map((f) => [f.path, text(f)]));
}

function manifestOf(files: Map<string, string>): SearchManifest {
  return JSON.parse(files.get(SEARCH_MANIFEST_PATH)!) as SearchManifest;
}

/** A loader over emitted files that records what it was asked for, as a browser's fetch would see it. */
function loader(files: Map<string, string>) {
  const loaded: string[] = [];
  const loadFile = async (path: string) => {
    loaded.push(path);
    const body = files.get(path);
    if (body === undefined) throw new Error(`404 ${path}`);
    return body;
  };
  return { loaded, loadFile };
}

async function searchOver(model: EmitModel, options?: CreateSearchOptions) {
  const files = filesOf(model);
  const { loaded, loadFile } = loader(files);
  return { search: await createSearch(manifestOf(files), loadFile, options), loaded };
}

const names = (hits: { name: string }[]) => hits.map((h) => h.name);

async function expectSearchError(promise: Promise<unknown>, code: SearchErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SearchError);
  expect((error as SearchError).code).toBe(code);
}

describe('test model builder', () => {
  it('builds a schema-valid index and records', () => {
    const model = buildEmitModel(SPECS, { baseUrl: 'https://catalog.example/' });
    expect(validateSchema('index', model.index)).toEqual([]);
    for (const record of model.records.values()) expect(validateSchema('server-record', record)).toEqual([]);
  });

  it('builds a schema-valid synthetic model', () => {
    const model = syntheticEmitModel(50, 7);
    expect(model.index.servers).toHaveLength(50);
    expect(validateSchema('index', model.index)).toEqual([]);
    for (const record of model.records.values()) expect(validateSchema('server-record', record)).toEqual([]);
  });
});

describe('analysis shared by the emitter and the client', () => {
  it('splits punctuation and camelCase, keeping the whole token', () => {
    expect(tokenize('io.github.acme/pdf-tools')).toEqual(['io', 'github', 'acme', 'pdf', 'tools']);
    expect(tokenize('listPullRequests get_alerts')).toEqual([
      'listPullRequests',
      'list',
      'Pull',
      'Requests',
      'get',
      'alerts',
    ]);
    expect(tokenize('HTTPServer')).toEqual(['HTTPServer', 'HTTP', 'Server']);
  });

  it('folds case and diacritics, and drops stop words from prose fields only', () => {
    expect(processTerm('Café')).toBe('cafe');
    expect(processTerm('ＰＤＦ')).toBe('pdf');
    expect(processTerm('The', 'description')).toBeNull();
    expect(processTerm('The', 'title')).toBe('the');
    expect(processTerm('The')).toBe('the');
  });
});

describe('emitSearch', () => {
  const model = buildEmitModel(SPECS);

  it('writes the manifest, the core and the shards, each listed with its sha256 and size', () => {
    const emitted = emitSearch(model);
    const manifest = JSON.parse(text(emitted.find((f) => f.path === SEARCH_MANIFEST_PATH)!)) as SearchManifest;
    const listed = [manifest.core.file, ...manifest.full.files];
    expect(emitted.map((f) => f.path).sort()).toEqual([SEARCH_MANIFEST_PATH, ...listed.map((f) => f.path)].sort());
    for (const file of listed) {
      const body = emitted.find((f) => f.path === file.path)!.body;
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      expect(file.size).toBe(bytes.length);
      expect(file.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(manifest.core.file.path).toBe(SEARCH_CORE_PATH);
    expect(manifest.core.file.documents).toBe(4);
    // Only servers with tools, long description or reviews have full text.
    expect(manifest.full.files.reduce((n, f) => n + f.documents, 0)).toBe(2);
    expect(manifest.analyzer).toBe(ANALYZER);
  });

  it('describes its options in plain JSON, as the client needs them', () => {
    const manifest = manifestOf(filesOf(model));
    expect(manifest.core.options).toEqual(JSON.parse(JSON.stringify(manifest.core.options)));
    expect(manifest.core.options.fields).toEqual(['name', 'title', 'tags', 'description']);
    expect(manifest.core.options.searchOptions).toMatchObject({ prefix: true, fuzzy: 0.2 });
  });

  it('is deterministic: same catalog, same bytes, whatever the input order', () => {
    const again = filesOf(buildEmitModel([...SPECS].reverse()));
    expect(again).toEqual(filesOf(model));
  });

  it('encodes exactly what MiniSearch serialises, and loads with the manifest options', () => {
    const files = filesOf(model);
    const manifest = manifestOf(files);
    const expanded = expandIndex(JSON.parse(files.get(SEARCH_CORE_PATH)!) as CompactIndex);
    const fresh = new MiniSearch(miniSearchOptions(CORE_OPTIONS));
    fresh.addAll(
      model.index.servers.map((s) => ({
        ...serverFacets(s, model.records.get(s.name)),
        name: s.name,
        title: s.title,
        tags: s.tags.join(' '),
        description: s.description,
        summary: summaryOf(s.description),
        category: s.category,
        trust: s.trust,
        verdict: s.verdict,
        ratingAverage: s.rating.average,
        ratingCount: s.rating.count,
        latest: s.latest,
        status: s.status === 'deprecated' ? 'deprecated' : undefined,
      })),
    );
    expect(expanded).toEqual(JSON.parse(JSON.stringify(fresh)));
    // The standard MiniSearch round trip, with nothing but the manifest's options and the shared analysis.
    const loaded = MiniSearch.loadJSON(JSON.stringify(expanded), miniSearchOptions(manifest.core.options));
    expect(loaded.search('toolkit').map((r) => r.id)).toEqual(['io.github.acme/pdf-tools']);
    expect(loaded.getStoredFields('io.github.someone/notes')).toMatchObject({
      status: 'deprecated',
      trust: 'unverified',
    });
  });

  it('writes a usable index for an empty catalog', async () => {
    const { search } = await searchOver(buildEmitModel([]));
    expect(await search.search('anything', { full: true })).toEqual([]);
  });
});

describe('shards', () => {
  it('uses a power of two shards of at most SERVERS_PER_SHARD servers', () => {
    expect(shardCount(0)).toBe(1);
    expect(shardCount(SERVERS_PER_SHARD)).toBe(1);
    expect(shardCount(SERVERS_PER_SHARD + 1)).toBe(2);
    expect(shardCount(10_000)).toBe(32);
  });

  it('splits a shard in two when the count doubles, never moving a server elsewhere', () => {
    for (const name of ['io.github.a/b', 'com.example/x', 'io.github.acme/pdf-tools']) {
      expect(shardOf(name, 8) % 4).toBe(shardOf(name, 4));
    }
  });

  it('rewrites only the changed server`s shard', () => {
    const model = syntheticEmitModel(1200, 3);
    const before = filesOf(model);
    const name = model.index.servers[0]!.name;
    const record = model.records.get(name)!;
    const changed: EmitModel = {
      ...model,
      records: new Map(model.records).set(name, { ...record, longDescription: 'Something new entirely.' }),
    };
    const after = filesOf(changed);
    const shardPaths = [...before.keys()].filter((p) => p.startsWith('search/full-'));
    expect(shardPaths).toHaveLength(shardCount(1200));
    const differing = shardPaths.filter((p) => before.get(p) !== after.get(p));
    expect(differing).toEqual([`search/full-${shardOf(name, shardPaths.length)}.json`]);
    expect(after.get(SEARCH_CORE_PATH)).toBe(before.get(SEARCH_CORE_PATH));
  });
});

describe('createSearch', () => {
  const model = buildEmitModel(SPECS);
  // fewHits: 0 so that only `full: true` reaches the shards.
  const coreOnly = { fewHits: 0 };

  it('finds a server by its name', async () => {
    const { search } = await searchOver(model, coreOnly);
    expect(names(await search.search('io.github.acme/pdf-tools'))[0]).toBe('io.github.acme/pdf-tools');
    expect(names(await search.search('kube-ops'))[0]).toBe('com.example/kube-ops');
  });

  it('finds a server by a word of its title, a tag, a prefix and with a typo', async () => {
    const { search } = await searchOver(model, coreOnly);
    expect(names(await search.search('Toolkit'))).toEqual(['io.github.acme/pdf-tools']);
    expect(names(await search.search('devops'))).toEqual(['com.example/kube-ops']);
    expect(names(await search.search('kuber'))).toEqual(['com.example/kube-ops']);
    expect(names(await search.search('kubernets'))).toEqual(['com.example/kube-ops']);
    expect(names(await search.search('forcasts'))).toEqual(['io.github.octo/weather']);
    expect(names(await search.search('cafe'))).toEqual(['io.github.someone/notes']);
  });

  it('cuts long descriptions for the result list at a word, and still finds their last words', async () => {
    const long = `${'Synchronises calendars across providers with conflict detection and '.repeat(4)}zeppelin`;
    const wide = buildEmitModel([{ ...SPECS[0]!, name: 'io.github.acme/cal', description: long }]);
    const { search } = await searchOver(wide, coreOnly);
    const [hit] = await search.search('zeppelin');
    expect(hit?.name).toBe('io.github.acme/cal');
    expect(hit!.description.length).toBeLessThanOrEqual(SUMMARY_LENGTH);
    expect(hit!.description.endsWith('…')).toBe(true);
    expect(long.startsWith(hit!.description.slice(0, -1))).toBe(true);
    expect(summaryOf('Short.')).toBe('Short.');
  });

  it('returns the stored fields a result list shows', async () => {
    const { search } = await searchOver(model, coreOnly);
    const [hit] = await search.search('toolkit');
    expect(hit).toMatchObject({
      name: 'io.github.acme/pdf-tools',
      title: 'PDF Toolkit',
      description: 'Merge, split and extract text from PDF files.',
      category: 'productivity',
      trust: 'verified',
      verdict: 'pass',
      ratingAverage: 5,
      ratingCount: 1,
      latest: '1.0.0',
      matched: 'core',
    });
    expect(hit).not.toHaveProperty('status');
    expect((await search.search('notes'))[0]).toMatchObject({ name: 'io.github.someone/notes', status: 'deprecated' });
  });

  it('finds tool, long-description and review text only in a full search, loading the shards then', async () => {
    const { search, loaded } = await searchOver(model, coreOnly);
    expect(await search.search('bookmarks')).toEqual([]);
    expect(loaded).toEqual([SEARCH_CORE_PATH]);
    expect(names(await search.search('bookmarks', { full: true }))).toEqual(['io.github.acme/pdf-tools']);
    expect(loaded.filter((p) => p.startsWith('search/full-'))).toHaveLength(1);
    expect(names(await search.search('alerts', { full: true }))).toEqual(['io.github.octo/weather']);
    expect(names(await search.search('zebra', { full: true }))).toEqual(['io.github.acme/pdf-tools']);
    expect(names(await search.search('thesis', { full: true }))).toEqual(['io.github.acme/pdf-tools']);
    // The second part of a camelCase tool name.
    expect(names(await search.search('spreadsheets', { full: true }))).toEqual(['io.github.acme/pdf-tools']);
    // The shards were loaded once.
    expect(loaded.filter((p) => p.startsWith('search/full-'))).toHaveLength(1);
  });

  it('searches the shards by itself when the core finds too little', async () => {
    const { search } = await searchOver(model);
    const hits = await search.search('bookmarks');
    expect(names(hits)).toEqual(['io.github.acme/pdf-tools']);
    expect(hits[0]!.matched).toBe('full');
  });

  it('lists a server once when both the core and the shards match it', async () => {
    const { search } = await searchOver(model, coreOnly);
    const hits = await search.search('pdf', { full: true });
    expect(names(hits)).toEqual(['io.github.acme/pdf-tools']);
    expect(hits[0]!.matched).toBe('both');
  });

  it('filters by category and trust, in the core and in the shards', async () => {
    const { search } = await searchOver(model, coreOnly);
    expect(names(await search.search('io')).sort()).toEqual([
      'io.github.acme/pdf-tools',
      'io.github.octo/weather',
      'io.github.someone/notes',
    ]);
    expect(names(await search.search('io', { filter: { category: 'data' } }))).toEqual(['io.github.octo/weather']);
    expect(names(await search.search('io', { filter: { category: 'productivity', trust: 'unverified' } }))).toEqual([
      'io.github.someone/notes',
    ]);
    expect(names(await search.search('io', { filter: { trust: ['verified', 'official'] } }))).toEqual([
      'io.github.acme/pdf-tools',
    ]);
    expect(await search.search('bookmarks', { full: true, filter: { category: 'data' } })).toEqual([]);
  });
});

describe('createSearch refuses what it cannot trust', () => {
  const files = filesOf(buildEmitModel(SPECS));
  const manifest = manifestOf(files);

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('refuses another manifest version or analyzer', async () => {
    const { loadFile } = loader(files);
    await expectSearchError(
      createSearch({ ...manifest, version: 2 } as unknown as SearchManifest, loadFile),
      'unsupported-manifest',
    );
    await expectSearchError(createSearch({ ...manifest, analyzer: 'other-1' }, loadFile), 'analyzer-mismatch');
  });

  it('refuses a file whose bytes are not the ones the manifest names', async () => {
    const tampered = new Map(files).set(SEARCH_CORE_PATH, files.get(SEARCH_CORE_PATH)!.replace('Toolkit', 'Toolkat'));
    await expectSearchError(createSearch(manifest, loader(tampered).loadFile), 'digest-mismatch');
  });

  it('reports a file that cannot be loaded', async () => {
    const missing = new Map(files);
    missing.delete(SEARCH_CORE_PATH);
    await expectSearchError(createSearch(manifest, loader(missing).loadFile), 'load-failed');
  });

  it('reports a file that matches its digest but is not an index', async () => {
    for (const body of ['not json', '{"codec":"other"}', '{"codec":"minisearch-compact-1","serializationVersion":2}']) {
      const sha256 = createHash('sha256').update(body).digest('hex');
      const bad: SearchManifest = { ...manifest, core: { ...manifest.core, file: { ...manifest.core.file, sha256 } } };
      await expectSearchError(
        createSearch(bad, async () => body),
        'corrupt-index',
      );
    }
  });

  it('retries a shard that failed to load on the next search', async () => {
    let fail = true;
    const { loadFile } = loader(files);
    const search = await createSearch(manifest, async (path) => {
      if (path.startsWith('search/full-') && fail) throw new Error('network down');
      return loadFile(path);
    });
    await expectSearchError(search.search('bookmarks', { full: true }), 'load-failed');
    fail = false;
    expect(names(await search.search('bookmarks', { full: true }))).toEqual(['io.github.acme/pdf-tools']);
  });

  it('needs Web Crypto to check digests', async () => {
    vi.stubGlobal('crypto', undefined);
    await expectSearchError(createSearch(manifest, loader(files).loadFile), 'no-web-crypto');
  });
});
