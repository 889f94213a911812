/** lib/browse.ts: the URL state, disjunctive facet counts, sorts and pagination of /servers/. */
import { describe, expect, it } from 'vitest';
import { decodeRank, decodeSort, type RankTable, type SearchHit } from '../../pipeline/emit/search-client.ts';
import type { TrustLevel, Verdict } from '../../pipeline/core/schema-types.gen.ts';
import type { ServerFacets } from '../../pipeline/emit/facets.ts';
import { rankFileOf } from '../../pipeline/emit/search.ts';
import {
  browse,
  EMPTY_STATE,
  effectiveSort,
  FACET_KEYS,
  needsSortKeys,
  parseState,
  SORTS,
  stateQuery,
  toggleFilter,
  type BrowseState,
} from '../src/lib/browse.ts';

interface Fixture extends ServerFacets {
  name: string;
  title?: string;
  category: string;
  trust: TrustLevel;
  verdict?: Verdict;
  ratingAverage?: number;
  ratingCount: number;
  score: number;
}

function hit(name: string, fields: Partial<Fixture> = {}): Fixture {
  return {
    name,
    score: 0,
    category: 'other',
    trust: 'unverified',
    ratingCount: 0,
    packageTypes: ['npm'],
    runtimes: ['node'],
    transports: ['local'],
    platforms: ['darwin', 'linux', 'win32'],
    source: 'catalog',
    ...fields,
  };
}

/** The rank columns the emitter (search.ts) writes for these servers, decoded as the client does, and their hits. */
function catalog(fixtures: readonly Fixture[], { sortKeys = true } = {}) {
  const { rank, sort } = rankFileOf(
    fixtures.map(({ score: _s, name, title, category, trust, verdict, ratingAverage, ratingCount, ...facets }) => ({
      name,
      ...(title !== undefined ? { title } : {}),
      category,
      trust,
      ...(verdict !== undefined ? { verdict } : {}),
      ...(ratingAverage !== undefined ? { ratingAverage } : {}),
      ratingCount,
      facets,
    })),
  );
  const table: RankTable = decodeRank(JSON.parse(JSON.stringify(rank)), fixtures.length);
  if (sortKeys) table.sorts = decodeSort(JSON.parse(JSON.stringify(sort)), fixtures.length);
  const hits: SearchHit[] = fixtures.map((f, id) => ({ id, score: f.score, matched: 'core' }));
  const names = (ids: readonly number[]) => ids.map((id) => fixtures[id]!.name);
  return { table, hits, names };
}

const FIXTURES: Fixture[] = [
  hit('a/alpha', {
    title: 'Alpha',
    category: 'data',
    trust: 'verified',
    stars: 10,
    ratingAverage: 4,
    ratingCount: 2,
    updated: '2026-01-05',
  }),
  hit('b/beta', {
    title: 'beta',
    category: 'data',
    trust: 'community',
    stars: 500,
    updated: '2026-03-01',
    packageTypes: ['pypi'],
    runtimes: ['python'],
  }),
  hit('c/gamma', {
    title: 'Gamma',
    category: 'system',
    trust: 'verified',
    downloads: 200_000,
    ratingAverage: 5,
    ratingCount: 1,
    updated: '2025-12-31',
  }),
  hit('d/delta', {
    title: 'Delta',
    category: 'search',
    trust: 'official',
    transports: ['remote'],
    packageTypes: [],
    runtimes: [],
    ratingAverage: 4,
    ratingCount: 7,
  }),
  hit('e/epsilon', {
    category: 'system',
    trust: 'unverified',
    verdict: 'pass',
    packageTypes: ['mcpb', 'npm'],
    stars: 1,
  }),
];

const { table: TABLE, hits: HITS, names } = catalog(FIXTURES);

describe('parseState and stateQuery', () => {
  it('round-trips a full state through the query string', () => {
    const state: BrowseState = {
      q: 'file system',
      filters: { category: ['data', 'system'], trust: ['verified'], verdict: ['none'] },
      sort: 'rating',
      page: 3,
    };
    const query = stateQuery(state);
    expect(query).toBe('q=file+system&category=data%2Csystem&trust=verified&verdict=none&sort=rating&page=3');
    expect(parseState(query)).toEqual(state);
    expect(parseState(`?${query}`)).toEqual(state);
    expect(parseState(new URLSearchParams(query))).toEqual(state);
  });

  it('leaves defaults out, so the plain list is /servers/ with no query', () => {
    expect(stateQuery(EMPTY_STATE)).toBe('');
    expect(stateQuery({ q: '   ', filters: { category: [] }, sort: undefined, page: 1 })).toBe('');
    expect(parseState('')).toEqual(EMPTY_STATE);
  });

  it('writes facets in a fixed order whatever order the state holds them in', () => {
    const a = stateQuery({ ...EMPTY_STATE, filters: { source: ['mcpm'], category: ['data'] } });
    const b = stateQuery({ ...EMPTY_STATE, filters: { category: ['data'], source: ['mcpm'] } });
    expect(a).toBe(b);
    expect(a).toBe('category=data&source=mcpm');
  });

  it('accepts repeated and comma-separated values, deduplicated and sorted', () => {
    expect(parseState('category=system&category=data,system&category=%20ai-ml%20').filters).toEqual({
      category: ['ai-ml', 'data', 'system'],
    });
  });

  it('ignores unknown parameters, unknown sorts and bad pages', () => {
    expect(parseState('foo=bar&sort=random&page=-2')).toEqual(EMPTY_STATE);
    expect(parseState('page=abc').page).toBe(1);
    expect(parseState('page=0').page).toBe(1);
    expect(parseState('page=7').page).toBe(7);
    for (const sort of SORTS) expect(parseState(`sort=${sort}`).sort).toBe(sort);
  });

  it('bounds the query length', () => {
    expect(parseState(`q=${'x'.repeat(1000)}`).q).toHaveLength(200);
  });

  it('knows every facet key the page renders', () => {
    expect(FACET_KEYS).toEqual(['category', 'type', 'runtime', 'transport', 'platform', 'trust', 'verdict', 'source']);
  });
});

describe('toggleFilter', () => {
  it('switches a value on and off and goes back to page 1', () => {
    const on = toggleFilter({ ...EMPTY_STATE, page: 4 }, 'category', 'system');
    expect(on).toEqual({ ...EMPTY_STATE, filters: { category: ['system'] }, page: 1 });
    const two = toggleFilter(on, 'category', 'data');
    expect(two.filters.category).toEqual(['data', 'system']);
    const off = toggleFilter(toggleFilter(two, 'category', 'data'), 'category', 'system');
    expect(off.filters).toEqual({});
    // The input state is not mutated.
    expect(on.filters.category).toEqual(['system']);
  });
});

describe('browse: facets', () => {
  it('filters within a facet with OR and across facets with AND', () => {
    const either = browse(HITS, TABLE, { ...EMPTY_STATE, filters: { category: ['data', 'system'] } });
    expect(names(either.page).sort()).toEqual(['a/alpha', 'b/beta', 'c/gamma', 'e/epsilon']);
    const both = browse(HITS, TABLE, {
      ...EMPTY_STATE,
      filters: { category: ['data', 'system'], trust: ['verified'] },
    });
    expect(names(both.page).sort()).toEqual(['a/alpha', 'c/gamma']);
    expect(both.total).toBe(2);
  });

  it('counts each facet without its own selection (disjunctive) but with the others', () => {
    const result = browse(HITS, TABLE, { ...EMPTY_STATE, filters: { category: ['data'], trust: ['verified'] } });
    const facet = (key: string) =>
      Object.fromEntries(result.facets.find((f) => f.key === key)!.values.map((v) => [v.value, v.count]));
    // Category counts apply trust=verified only: alpha (data) and gamma (system).
    expect(facet('category')).toEqual({ data: 1, system: 1 });
    // Trust counts apply category=data only: alpha (verified) and beta (community).
    expect(facet('trust')).toEqual({ verified: 1, community: 1 });
    // Other facets apply both selections: only alpha.
    expect(facet('type')).toEqual({ npm: 1 });
    const selected = result.facets.find((f) => f.key === 'category')!.values.filter((v) => v.selected);
    expect(selected.map((v) => v.value)).toEqual(['data']);
  });

  it('keeps a selected value with no hits, at count 0, so it can be switched off', () => {
    const result = browse(HITS, TABLE, { ...EMPTY_STATE, filters: { category: ['finance'] } });
    expect(result.total).toBe(0);
    expect(result.page).toEqual([]);
    const finance = result.facets.find((f) => f.key === 'category')!.values.find((v) => v.value === 'finance');
    expect(finance).toMatchObject({ count: 0, selected: true });
  });

  it('counts a server once per value and labels values', () => {
    const result = browse(HITS, TABLE, EMPTY_STATE, { categoryTitles: { data: 'Data & Databases' } });
    const category = result.facets.find((f) => f.key === 'category')!;
    expect(category.values[0]).toEqual({ value: 'data', label: 'Data & Databases', count: 2, selected: false });
    const verdict = result.facets.find((f) => f.key === 'verdict')!;
    expect(Object.fromEntries(verdict.values.map((v) => [v.label, v.count]))).toEqual({
      'No bundle scanned': 4,
      'Scan passed': 1,
    });
    const type = result.facets.find((f) => f.key === 'type')!;
    expect(type.values.map((v) => [v.value, v.count])).toEqual([
      ['npm', 3],
      ['mcpb', 1],
      ['pypi', 1],
    ]);
  });

  it('leaves out facets without any value', () => {
    const one = catalog([hit('x/x', { packageTypes: [], runtimes: [] })]);
    const result = browse(one.hits, one.table, EMPTY_STATE);
    expect(result.facets.map((f) => f.key)).not.toContain('type');
    expect(result.facets.map((f) => f.key)).not.toContain('runtime');
  });
});

describe('browse: sorting', () => {
  it('sorts by popularity without a query, where stars count more than downloads', () => {
    expect(effectiveSort(EMPTY_STATE)).toBe('popular');
    expect(names(browse(HITS, TABLE, EMPTY_STATE).page)).toEqual([
      'c/gamma',
      'b/beta',
      'a/alpha',
      'e/epsilon',
      'd/delta',
    ]);
  });

  it('sorts by relevance with a query, popularity breaking ties', () => {
    const scored = catalog([hit('a/a', { score: 1 }), hit('b/b', { score: 3 }), hit('c/c', { score: 1, stars: 5 })]);
    const result = browse(scored.hits, scored.table, { ...EMPTY_STATE, q: 'x' });
    expect(result.sort).toBe('relevance');
    expect(scored.names(result.page)).toEqual(['b/b', 'c/c', 'a/a']);
  });

  it('treats relevance without a query as popularity', () => {
    const result = browse(HITS, TABLE, { ...EMPTY_STATE, sort: 'relevance' });
    expect(names(result.page)).toEqual(names(browse(HITS, TABLE, EMPTY_STATE).page));
  });

  it('sorts by rating (average, then review count), unrated last', () => {
    expect(names(browse(HITS, TABLE, { ...EMPTY_STATE, sort: 'rating' }).page)).toEqual([
      'c/gamma',
      'd/delta',
      'a/alpha',
      'b/beta',
      'e/epsilon',
    ]);
  });

  it('sorts by last update, newest first, undated last (the more popular first)', () => {
    expect(names(browse(HITS, TABLE, { ...EMPTY_STATE, sort: 'updated' }).page)).toEqual([
      'b/beta',
      'a/alpha',
      'c/gamma',
      'e/epsilon',
      'd/delta',
    ]);
  });

  it('sorts by title, case-insensitively, falling back to the name', () => {
    expect(names(browse(HITS, TABLE, { ...EMPTY_STATE, sort: 'name' }).page)).toEqual([
      'a/alpha',
      'b/beta',
      'd/delta',
      'e/epsilon',
      'c/gamma',
    ]);
  });

  it('does not reorder its input', () => {
    const input = [...HITS].reverse();
    browse(input, TABLE, { ...EMPTY_STATE, q: 'x' });
    expect(input).toEqual([...HITS].reverse());
  });

  it('stands in popularity for sorts whose keys are not loaded yet', () => {
    expect(SORTS.filter(needsSortKeys)).toEqual(['rating', 'updated', 'name']);
    const bare = catalog(FIXTURES, { sortKeys: false });
    expect(bare.names(browse(bare.hits, bare.table, { ...EMPTY_STATE, sort: 'name' }).page)).toEqual(
      names(browse(HITS, TABLE, EMPTY_STATE).page),
    );
  });
});

describe('browse: pagination', () => {
  const fixtures = Array.from({ length: 53 }, (_, i) =>
    hit(`n/s${String(i).padStart(2, '0')}`, { title: `S${String(i).padStart(2, '0')}`, stars: i % 7 }),
  );
  const { hits: many, table, names } = catalog(fixtures);
  const browse53 = (hits: readonly SearchHit[], state: BrowseState, options?: { pageSize?: number }) =>
    browse(hits, table, state, options);

  it('sorts a few hits among many servers the same way as all of them', () => {
    const few = [many[40]!, many[3]!, many[17]!];
    expect(names(browse53(few, { ...EMPTY_STATE, sort: 'name' }).page)).toEqual(['n/s03', 'n/s17', 'n/s40']);
    const popular = names(browse53(many, EMPTY_STATE).page);
    expect(names(browse53(few, EMPTY_STATE).page)).toEqual(
      popular.filter((n) => ['n/s03', 'n/s17', 'n/s40'].includes(n)),
    );
  });

  it('pages by the page size', () => {
    const first = browse53(many, { ...EMPTY_STATE, sort: 'name' });
    expect(first).toMatchObject({ total: 53, pages: 3, pageNumber: 1 });
    expect(first.page).toHaveLength(24);
    const last = browse53(many, { ...EMPTY_STATE, sort: 'name', page: 3 });
    expect(names(last.page)).toEqual(['n/s48', 'n/s49', 'n/s50', 'n/s51', 'n/s52']);
  });

  it('clamps a page past the end to the last page', () => {
    const result = browse53(many, { ...EMPTY_STATE, sort: 'name', page: 99 });
    expect(result.pageNumber).toBe(3);
    expect(result.page).toHaveLength(5);
  });

  it('has one (empty) page when nothing matches', () => {
    const result = browse53([], { ...EMPTY_STATE, page: 5 });
    expect(result).toMatchObject({ total: 0, pages: 1, pageNumber: 1, page: [] });
  });

  it('honours a custom page size', () => {
    const result = browse53(many, { ...EMPTY_STATE, page: 2 }, { pageSize: 50 });
    expect(result.pages).toBe(2);
    expect(result.page).toHaveLength(3);
  });
});
