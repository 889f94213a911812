import { createHash } from 'node:crypto';
import MiniSearch from 'minisearch';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { syntheticEmitModel } from '../../bench/synthetic-model.ts';
import { validateSchema } from '../core/schema-validator.ts';
import {
  ANALYZER,
  boundedDistance,
  createSearch,
  manifestFiles,
  processTerm,
  queryTerms,
  SearchError,
  shardFileName,
  shardKey,
  tokenize,
  type CreateSearchOptions,
  type SearchErrorCode,
  type SearchManifest,
} from './search-client.ts';
import {
  CARDS_PER_FILE,
  emitSearch,
  SEARCH_MANIFEST_PATH,
  SEARCH_OPTIONS,
  SEARCH_RANK_PATH,
  searchOrder,
  SUMMARY_LENGTH,
  summaryOf,
} from './search.ts';
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
  const search = await createSearch(manifestOf(files), loadFile, options);
  /** The names of what a query finds, best first. */
  const find = async (query: string, queryOptions?: Parameters<typeof search.search>[1]) =>
    search.names((await search.search(query, queryOptions)).map((h) => h.id));
  return { search, find, loaded };
}

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

  it('writes the manifest and every file it lists, each with its sha256 and size', () => {
    const emitted = emitSearch(model);
    const manifest = JSON.parse(text(emitted.find((f) => f.path === SEARCH_MANIFEST_PATH)!)) as SearchManifest;
    const listed = manifestFiles(manifest);
    expect(emitted.map((f) => f.path).sort()).toEqual([SEARCH_MANIFEST_PATH, ...listed.map((f) => f.path)].sort());
    for (const file of listed) {
      const body = emitted.find((f) => f.path === file.path)!.body;
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      expect(file.size).toBe(bytes.length);
      expect(file.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(manifest.servers).toBe(4);
    expect(manifest.rank.path).toBe(SEARCH_RANK_PATH);
    expect(manifest.analyzer).toBe(ANALYZER);
    // Only servers with tools, long description or reviews have full text.
    expect(manifest.full.documents).toBe(2);
    expect(manifest.core.documents).toBe(4);
    expect(Object.keys(manifest.core.shards)).toContain('to'); // "toolkit"
    expect(manifest.cards.files).toHaveLength(1);
  });

  it('describes its options in plain JSON, as the client needs them', () => {
    const manifest = manifestOf(filesOf(model));
    expect(manifest.options).toEqual(JSON.parse(JSON.stringify(SEARCH_OPTIONS)));
    expect(manifest.core.fields).toEqual(['name', 'title', 'tags', 'description']);
    expect(manifest.full.fields).toEqual(['toolNames', 'toolDescriptions', 'longDescription', 'reviews']);
  });

  it('is deterministic: same catalog, same bytes, whatever the input order', () => {
    const again = filesOf(buildEmitModel([...SPECS].reverse()));
    expect(again).toEqual(filesOf(model));
  });

  it('numbers servers in the order they entered the catalog, then by name', () => {
    const order = searchOrder(
      buildEmitModel([
        { name: 'b/late', versions: [{ version: '1.0.0', publishedAt: '2025-06-01T00:00:00Z' }] },
        { name: 'a/late', versions: [{ version: '1.0.0', publishedAt: '2025-06-01T00:00:00Z' }] },
        {
          name: 'z/early',
          versions: [
            { version: '2.0.0', publishedAt: '2025-09-01T00:00:00Z' },
            { version: '1.0.0', publishedAt: '2025-01-01T00:00:00Z' },
          ],
        },
      ]).index.servers,
    );
    expect(order.map((s) => s.name)).toEqual(['z/early', 'a/late', 'b/late']);
  });

  it('writes a usable index for an empty catalog', async () => {
    const { search } = await searchOver(buildEmitModel([]));
    expect(await search.search('anything', { full: true })).toEqual([]);
    expect(search.all()).toEqual([]);
  });
});

describe('shards', () => {
  it('keys a term by its first two characters, and names the file safely', () => {
    expect(shardKey('kubernetes')).toBe('ku');
    expect(shardKey('a')).toBe('a');
    expect(shardKey('😀x')).toBe('😀x');
    expect(shardFileName('ku')).toBe('ku');
    expect(shardFileName('é')).toBe('xc3a9');
    expect(shardFileName('.x')).toBe('x2e78');
  });

  it('counts edits as Levenshtein distance, bounded', () => {
    expect(boundedDistance('kubernets', 'kubernetes', 2)).toBe(1);
    expect(boundedDistance('forcasts', 'forecasts', 2)).toBe(1);
    expect(boundedDistance('abcd', 'wxyz', 2)).toBe(3);
    expect(boundedDistance('same', 'same', 1)).toBe(0);
  });

  const changedFiles = (before: Map<string, string>, after: Map<string, string>) =>
    [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p)).sort();

  it('rewrites only the shards of a changed server`s words, its card file, the rank file and the manifest', () => {
    const model = syntheticEmitModel(1200, 3);
    const before = filesOf(model);
    const name = model.index.servers[0]!.name;
    const record = model.records.get(name)!;
    const changed: EmitModel = {
      ...model,
      records: new Map(model.records).set(name, { ...record, longDescription: 'Something zzzunheard entirely.' }),
    };
    const differing = changedFiles(before, filesOf(changed));
    // "something", "zzzunheard", "entirely", and the words of the old long description.
    expect(differing.filter((p) => p.startsWith('search/terms/'))).toEqual([]);
    const full = differing.filter((p) => p.startsWith('search/full/'));
    expect(full).toContain('search/full/zz.json');
    expect(full.length).toBeLessThan(Object.keys(manifestOf(before).full.shards).length / 2);
    expect(differing.filter((p) => !p.startsWith('search/full/'))).toEqual([SEARCH_MANIFEST_PATH]);
  });

  it('adds a new server without renumbering the others', () => {
    const specs = (n: number): ServerSpec[] =>
      Array.from({ length: n }, (_, i) => ({
        name: `io.github.o${i}/s${i}`,
        title: `Server ${i} ${['alpha', 'bravo', 'charlie', 'delta'][i % 4]}`,
        versions: [{ version: '1.0.0', publishedAt: `2025-01-${String(i + 1).padStart(2, '0')}T00:00:00Z` }],
      }));
    const before = filesOf(buildEmitModel(specs(20)));
    const after = filesOf(buildEmitModel([...specs(20), { ...specs(21)[20]!, title: 'Zulu' }]));
    const terms = changedFiles(before, after).filter((p) => p.startsWith('search/terms/'));
    // Its words only: its name's parts (io, github, o20, s20), "zulu", and the description.
    expect(terms).toContain('search/terms/zu.json');
    expect(terms).not.toContain('search/terms/al.json');
    expect(terms).not.toContain('search/terms/br.json');
    expect(terms.length).toBeLessThan(Object.keys(manifestOf(after).core.shards).length / 2);
  });

  it('keeps cards in popularity order, CARDS_PER_FILE to a file', async () => {
    const model = syntheticEmitModel(CARDS_PER_FILE * 2 + 5, 5);
    const files = filesOf(model);
    const manifest = manifestOf(files);
    expect(manifest.cards.files).toHaveLength(3);
    const { search } = await searchOver(model);
    const popular = [...search.all()].sort((a, b) => search.table.popular[a.id]! - search.table.popular[b.id]!);
    const cards = await search.cards(popular.map((h) => h.id));
    const first = JSON.parse(files.get('search/cards/0.json')!) as { cards: { name: string }[] };
    expect(cards.slice(0, CARDS_PER_FILE).map((c) => c.name)).toEqual(first.cards.map((c) => c.name));
    expect(await search.names(popular.map((h) => h.id))).toEqual(cards.map((c) => c.name));
  });
});

describe('createSearch', () => {
  const model = buildEmitModel(SPECS);
  // fewHits: 0 so that only `full: true` reaches the full-text shards.
  const coreOnly = { fewHits: 0 };

  it('finds a server by its name', async () => {
    const { find } = await searchOver(model, coreOnly);
    expect((await find('io.github.acme/pdf-tools'))[0]).toBe('io.github.acme/pdf-tools');
    expect((await find('kube-ops'))[0]).toBe('com.example/kube-ops');
  });

  it('finds a server by a word of its title, a tag, a prefix and with a typo', async () => {
    const { find } = await searchOver(model, coreOnly);
    expect(await find('Toolkit')).toEqual(['io.github.acme/pdf-tools']);
    expect(await find('devops')).toEqual(['com.example/kube-ops']);
    expect(await find('kuber')).toEqual(['com.example/kube-ops']);
    expect(await find('kubernets')).toEqual(['com.example/kube-ops']);
    expect(await find('forcasts')).toEqual(['io.github.octo/weather']);
    expect(await find('cafe')).toEqual(['io.github.someone/notes']);
  });

  it('gives up typos in the first two letters, loading one shard per word', async () => {
    const { find, loaded } = await searchOver(model, coreOnly);
    expect(await find('ukbernetes')).toEqual([]);
    // No term starts with "uk": nothing to load.
    expect(loaded.filter((p) => p.startsWith('search/terms/'))).toEqual([]);
    expect(await find('weather kubernetes')).toHaveLength(2);
    expect(loaded.filter((p) => p !== 'search/names.json')).toEqual([
      SEARCH_RANK_PATH,
      'search/terms/we.json',
      'search/terms/ku.json',
    ]);
  });

  it('ranks servers matching more of the words first', async () => {
    const { find } = await searchOver(model, coreOnly);
    const hits = await find('pdf forecast cluster toolkit');
    expect(hits[0]).toBe('io.github.acme/pdf-tools');
    expect(hits).toHaveLength(3);
  });

  it('cuts long descriptions for the result list at a word, and still finds their last words', async () => {
    const long = `${'Synchronises calendars across providers with conflict detection and '.repeat(4)}zeppelin`;
    const wide = buildEmitModel([{ ...SPECS[0]!, name: 'io.github.acme/cal', description: long }]);
    const { search } = await searchOver(wide, coreOnly);
    const [hit] = await search.search('zeppelin');
    const [card] = await search.cards([hit!.id]);
    expect(card?.name).toBe('io.github.acme/cal');
    expect(card!.description.length).toBeLessThanOrEqual(SUMMARY_LENGTH);
    expect(card!.description.endsWith('…')).toBe(true);
    expect(long.startsWith(card!.description.slice(0, -1))).toBe(true);
    expect(summaryOf('Short.')).toBe('Short.');
  });

  it('returns the cards a result list shows', async () => {
    const { search } = await searchOver(model, coreOnly);
    const [hit] = await search.search('toolkit');
    expect(hit!.matched).toBe('core');
    const [card] = await search.cards([hit!.id]);
    expect(card).toEqual({
      name: 'io.github.acme/pdf-tools',
      title: 'PDF Toolkit',
      description: 'Merge, split and extract text from PDF files.',
      category: 'productivity',
      trust: 'verified',
      verdict: 'pass',
      ratingAverage: 5,
      ratingCount: 1,
      latest: '1.0.0',
    });
    const [notes] = await search.search('notes');
    expect((await search.cards([notes!.id]))[0]).toMatchObject({
      name: 'io.github.someone/notes',
      status: 'deprecated',
    });
  });

  it('finds tool, long-description and review text only in a full search, loading those shards then', async () => {
    const { find, loaded } = await searchOver(model, coreOnly);
    expect(await find('bookmarks')).toEqual([]);
    expect(loaded.filter((p) => p.startsWith('search/full/'))).toEqual([]);
    expect(await find('bookmarks', { full: true })).toEqual(['io.github.acme/pdf-tools']);
    expect(loaded.filter((p) => p.startsWith('search/full/'))).toEqual(['search/full/bo.json']);
    expect(await find('alerts', { full: true })).toEqual(['io.github.octo/weather']);
    expect(await find('zebra', { full: true })).toEqual(['io.github.acme/pdf-tools']);
    expect(await find('thesis', { full: true })).toEqual(['io.github.acme/pdf-tools']);
    // The second part of a camelCase tool name.
    expect(await find('spreadsheets', { full: true })).toEqual(['io.github.acme/pdf-tools']);
    expect(await find('bookmarks', { full: true })).toEqual(['io.github.acme/pdf-tools']);
    // Each shard was loaded once.
    const full = loaded.filter((p) => p.startsWith('search/full/'));
    expect(full).toEqual([...new Set(full)]);
  });

  it('searches the full text by itself when the terms find too little', async () => {
    const { search } = await searchOver(model);
    const hits = await search.search('bookmarks');
    expect(await search.names(hits.map((h) => h.id))).toEqual(['io.github.acme/pdf-tools']);
    expect(hits[0]!.matched).toBe('full');
  });

  it('lists a server once when both the terms and the full text match it', async () => {
    const { search } = await searchOver(model, coreOnly);
    const hits = await search.search('pdf', { full: true });
    expect(hits).toHaveLength(1);
    expect(hits[0]!.matched).toBe('both');
  });

  it('filters by category and trust, in the terms and in the full text', async () => {
    const { find } = await searchOver(model, coreOnly);
    expect((await find('io')).sort()).toEqual([
      'io.github.acme/pdf-tools',
      'io.github.octo/weather',
      'io.github.someone/notes',
    ]);
    expect(await find('io', { filter: { category: 'data' } })).toEqual(['io.github.octo/weather']);
    expect(await find('io', { filter: { category: 'productivity', trust: 'unverified' } })).toEqual([
      'io.github.someone/notes',
    ]);
    expect(await find('io', { filter: { trust: ['verified', 'official'] } })).toEqual(['io.github.acme/pdf-tools']);
    expect(await find('bookmarks', { full: true, filter: { category: 'data' } })).toEqual([]);
  });

  it('finds what MiniSearch finds over the same fields, but for typos in the first two letters', async () => {
    const synthetic = syntheticEmitModel(300, 11);
    const { search, find } = await searchOver(synthetic, coreOnly);
    const reference = new MiniSearch({
      idField: 'name',
      fields: ['name', 'title', 'tags', 'description'],
      tokenize,
      processTerm,
      searchOptions: {
        boost: { name: 3, title: 3, tags: 2, description: 1 },
        prefix: (t: string) => t.length >= 3,
        fuzzy: (t: string) => (t.length >= 4 ? 0.2 : false),
        maxFuzzy: 3,
        tokenize,
        processTerm: (t: string) => processTerm(t),
      },
    });
    reference.addAll(
      synthetic.index.servers.map((s) => ({
        name: s.name,
        title: s.title,
        tags: s.tags.join(' '),
        description: s.description,
      })),
    );
    const words = [...new Set(synthetic.index.servers.flatMap((s) => (s.title ?? '').toLowerCase().split(/\s+/)))];
    let compared = 0;
    let sameFirst = 0;
    for (const query of words.filter((w) => w.length >= 3).slice(0, 40)) {
      const theirs = reference.search(query);
      const mine = await find(query);
      // The same servers, except those MiniSearch found only through a typo before the third letter.
      const reachable = theirs.filter(
        (r) =>
          r.terms.length === 0 ||
          Object.keys(r.match).some((term) => shardKey(term) === shardKey(queryTerms(query)[0]!)),
      );
      expect(mine.slice().sort(), query).toEqual(reachable.map((r) => r.id as string).sort());
      if (reachable.length > 0) {
        compared++;
        // Scores differ a little: field lengths are weighed against fixed typical lengths (search.ts).
        if (mine[0] === reachable[0]!.id) sameFirst++;
      }
    }
    expect(compared).toBeGreaterThan(20);
    expect(sameFirst / compared).toBeGreaterThan(0.8);
    expect(search.all()).toHaveLength(300);
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
      createSearch({ ...manifest, version: 99 } as unknown as SearchManifest, loadFile),
      'unsupported-manifest',
    );
    await expectSearchError(createSearch({ ...manifest, analyzer: 'other-1' }, loadFile), 'analyzer-mismatch');
  });

  it('refuses a file whose bytes are not the ones the manifest names', async () => {
    const tampered = new Map(files).set(
      SEARCH_RANK_PATH,
      files.get(SEARCH_RANK_PATH)!.replace('productivity', 'productivitx'),
    );
    await expectSearchError(createSearch(manifest, loader(tampered).loadFile), 'digest-mismatch');
  });

  it('reports a file that cannot be loaded', async () => {
    const missing = new Map(files);
    missing.delete(SEARCH_RANK_PATH);
    await expectSearchError(createSearch(manifest, loader(missing).loadFile), 'load-failed');
  });

  it('reports a file that matches its digest but is not an index', async () => {
    for (const body of ['not json', '{"codec":"other"}', '{"codec":"catalog-shards-1","popular":[]}']) {
      const sha256 = createHash('sha256').update(body).digest('hex');
      const bad: SearchManifest = { ...manifest, rank: { ...manifest.rank, sha256 } };
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
      if (path.startsWith('search/full/') && fail) throw new Error('network down');
      return loadFile(path);
    });
    await expectSearchError(search.search('bookmarks', { full: true }), 'load-failed');
    fail = false;
    const hits = await search.search('bookmarks', { full: true });
    expect(await search.names(hits.map((h) => h.id))).toEqual(['io.github.acme/pdf-tools']);
  });

  it('needs Web Crypto to check digests', async () => {
    vi.stubGlobal('crypto', undefined);
    await expectSearchError(createSearch(manifest, loader(files).loadFile), 'no-web-crypto');
  });
});
