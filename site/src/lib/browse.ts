/**
 * Browse and search state: facets with counts, sorting and pagination over search hits (server
 * ids from search-client.ts `all()` and `search()`) and the rank columns of every server
 * (`search/rank.json`), and the URL that holds the whole state
 * (`/servers/?q=…&category=…&sort=…&page=…`), so reload, back, forward and shared links work.
 * Works on ids and typed columns only, so a keystroke over 50,000 servers costs about a
 * millisecond; the browse script loads the cards of the one page it shows.
 *
 * Pure and browser-safe; the browse script renders what this computes.
 */
import type { RankTable, SearchHit } from '../../../pipeline/emit/search-client.ts';

export const PAGE_SIZE = 24;

export const SORTS = ['relevance', 'popular', 'rating', 'updated', 'name'] as const;
export type Sort = (typeof SORTS)[number];
export const SORT_LABELS: Record<Sort, string> = {
  relevance: 'Best match',
  popular: 'Most popular',
  rating: 'Highest rated',
  updated: 'Recently updated',
  name: 'Name',
};

/** One facet: its URL parameter (also its column in the rank file), its label, and how its values read. */
export interface FacetDef {
  key: string;
  label: string;
  /** Display text of a value. */
  labelOf(value: string): string;
}

const TRUST_LABELS: Record<string, string> = {
  official: 'Official',
  verified: 'Verified publisher',
  community: 'Community',
  unverified: 'Unverified',
};
const VERDICT_LABELS: Record<string, string> = {
  pass: 'Scan passed',
  review: 'Needs review',
  reject: 'Rejected',
  none: 'No bundle scanned',
};
const TYPE_LABELS: Record<string, string> = {
  mcpb: 'MCP bundle (.mcpb)',
  npm: 'npm',
  pypi: 'PyPI',
  oci: 'Docker image',
  nuget: 'NuGet',
};
const RUNTIME_LABELS: Record<string, string> = {
  node: 'Node.js',
  python: 'Python',
  docker: 'Docker',
  dotnet: '.NET',
  binary: 'Native binary',
};
const PLATFORM_LABELS: Record<string, string> = { darwin: 'macOS', linux: 'Linux', win32: 'Windows' };
const TRANSPORT_LABELS: Record<string, string> = { local: 'Runs locally', remote: 'Hosted (remote)' };
const SOURCE_LABELS: Record<string, string> = {
  catalog: 'This catalog',
  official: 'Official MCP Registry',
  mcpm: 'mcpm.sh',
  docker: 'Docker MCP Catalog',
};

const label = (labels: Record<string, string>) => (value: string) => labels[value] ?? value;

/** The facets, with category ids shown by the titles of the config's taxonomy. */
export function facetDefs(categoryTitles: Readonly<Record<string, string>>): readonly FacetDef[] {
  return [
    { key: 'category', label: 'Category', labelOf: (id) => categoryTitles[id] ?? id },
    { key: 'type', label: 'Package type', labelOf: label(TYPE_LABELS) },
    { key: 'runtime', label: 'Runtime', labelOf: label(RUNTIME_LABELS) },
    { key: 'transport', label: 'Transport', labelOf: label(TRANSPORT_LABELS) },
    { key: 'platform', label: 'Platform', labelOf: label(PLATFORM_LABELS) },
    { key: 'trust', label: 'Trust', labelOf: label(TRUST_LABELS) },
    { key: 'verdict', label: 'Security scan', labelOf: label(VERDICT_LABELS) },
    { key: 'source', label: 'Source', labelOf: label(SOURCE_LABELS) },
  ];
}

/** The facet keys, which are also the URL parameters. */
export const FACET_KEYS = facetDefs({}).map((f) => f.key);

export const trustLabel = label(TRUST_LABELS);
export const verdictLabel = label(VERDICT_LABELS);
export const typeLabel = label(TYPE_LABELS);
export const runtimeLabel = label(RUNTIME_LABELS);
export const platformLabel = label(PLATFORM_LABELS);
export const sourceLabel = label(SOURCE_LABELS);

export interface BrowseState {
  q: string;
  /** Selected values per facet key; values within a facet are ORed, facets are ANDed. */
  filters: Record<string, string[]>;
  /** Absent: relevance with a query, popularity without. */
  sort: Sort | undefined;
  page: number;
}

export const EMPTY_STATE: BrowseState = { q: '', filters: {}, sort: undefined, page: 1 };

/** The state a URL's query string describes; unknown parameters and bad values are ignored. */
export function parseState(search: string | URLSearchParams): BrowseState {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const filters: Record<string, string[]> = {};
  for (const key of FACET_KEYS) {
    const values = params
      .getAll(key)
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter(Boolean);
    if (values.length) filters[key] = [...new Set(values)].sort();
  }
  const sort = params.get('sort');
  const page = Number.parseInt(params.get('page') ?? '1', 10);
  return {
    q: (params.get('q') ?? '').slice(0, 200),
    filters,
    sort: (SORTS as readonly string[]).includes(sort ?? '') ? (sort as Sort) : undefined,
    page: Number.isFinite(page) && page > 1 ? page : 1,
  };
}

/** The query string of a state (without `?`), in a fixed order with defaults left out. */
export function stateQuery(state: BrowseState): string {
  const params = new URLSearchParams();
  if (state.q.trim()) params.set('q', state.q);
  for (const key of FACET_KEYS) {
    const values = state.filters[key];
    if (values?.length) params.set(key, values.join(','));
  }
  if (state.sort) params.set('sort', state.sort);
  if (state.page > 1) params.set('page', String(state.page));
  return params.toString();
}

/** Sorts that need search.sortKeys() loaded first. */
export function needsSortKeys(sort: Sort): boolean {
  return sort === 'name' || sort === 'rating' || sort === 'updated';
}

export function effectiveSort(state: BrowseState): Sort {
  return state.sort ?? (state.q.trim() ? 'relevance' : 'popular');
}

export interface FacetCount {
  value: string;
  label: string;
  count: number;
  selected: boolean;
}

export interface FacetView {
  key: string;
  label: string;
  values: FacetCount[];
}

export interface BrowseResult {
  /** The server ids of the requested page, in order. */
  page: number[];
  /** All hits after filtering. */
  total: number;
  /** The page shown, clamped to the pages there are. */
  pageNumber: number;
  pages: number;
  sort: Sort;
  facets: FacetView[];
}

/** A facet's selection as a test on its codes: a code (single-valued) or a bit mask (multi-valued). */
interface ActiveFacet {
  index: number;
  codes: Int32Array;
  multi: boolean;
  /** Single-valued: wanted[code]; multi-valued: mask of wanted codes. */
  wanted: Uint8Array;
  mask: number;
}

/**
 * Facets, sort and page over `hits` (the search results, or every server for an empty query).
 * Each facet's counts apply every other facet's selection but not its own, so choosing one
 * category still shows how many servers the others hold. One pass over the hits: a hit counts
 * for facet F when it fails no selected facet, or fails F alone.
 */
export function browse(
  hits: readonly SearchHit[],
  table: RankTable,
  state: BrowseState,
  {
    categoryTitles = {},
    pageSize = PAGE_SIZE,
  }: { categoryTitles?: Readonly<Record<string, string>>; pageSize?: number } = {},
): BrowseResult {
  const defs = facetDefs(categoryTitles);
  const columns = defs.map((facet) => table.facets[facet.key]);
  const active: ActiveFacet[] = [];
  defs.forEach((facet, index) => {
    const wanted = state.filters[facet.key];
    if (!wanted?.length) return;
    const column = columns[index];
    const codes = new Set(wanted.map((v) => column?.values.indexOf(v) ?? -1).filter((c) => c >= 0));
    const flags = new Uint8Array(Math.max(1, column?.values.length ?? 0));
    let mask = 0;
    for (const code of codes) {
      flags[code] = 1;
      mask |= 1 << code;
    }
    // A facet the index does not have, or values it does not know, match nothing.
    active.push({
      index,
      codes: column?.codes ?? new Int32Array(table.servers).fill(-1),
      multi: !!column?.multi,
      wanted: flags,
      mask,
    });
  });
  const counts = columns.map((column) => new Float64Array(Math.max(1, column?.values.length ?? 0)));
  const filtered: SearchHit[] = [];
  for (const hit of hits) {
    const id = hit.id;
    let failed = 0;
    let failedFacet = -1;
    for (const facet of active) {
      const code = facet.codes[id]!;
      const pass = facet.multi ? (code & facet.mask) !== 0 : code >= 0 && facet.wanted[code] === 1;
      if (pass) continue;
      failed++;
      failedFacet = facet.index;
      if (failed > 1) break;
    }
    if (failed === 0) filtered.push(hit);
    if (failed > 1) continue;
    for (let index = 0; index < columns.length; index++) {
      if (failed === 1 && failedFacet !== index) continue;
      const column = columns[index];
      if (!column) continue;
      const code = column.codes[id]!;
      const count = counts[index]!;
      if (!column.multi) {
        if (code >= 0) count[code]!++;
        continue;
      }
      for (let bits = code, bit = 0; bits !== 0; bits >>>= 1, bit++) if (bits & 1) count[bit]!++;
    }
  }
  const sort = effectiveSort(state);
  const sorted = sortIds(filtered, table, sort === 'relevance' && !state.q.trim() ? 'popular' : sort);
  const pages = Math.max(1, Math.ceil(sorted.length / pageSize));
  const pageNumber = Math.min(state.page, pages);
  const facets = defs
    .map((facet, index) => {
      const values = columns[index]?.values ?? [];
      const count = counts[index]!;
      const selected = state.filters[facet.key] ?? [];
      const shown = values.flatMap((value, code) =>
        count[code]! > 0 || selected.includes(value) ? [{ value, count: count[code]! }] : [],
      );
      for (const value of selected) if (!values.includes(value)) shown.push({ value, count: 0 });
      return {
        key: facet.key,
        label: facet.label,
        values: shown
          .map(({ value, count: n }) => ({
            value,
            label: facet.labelOf(value),
            count: n,
            selected: selected.includes(value),
          }))
          .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label)),
      };
    })
    .filter((f) => f.values.length > 0);
  return {
    page: sorted.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
    total: sorted.length,
    pageNumber,
    pages,
    sort,
    facets,
  };
}

/** Per table and sort: every server id in that order, and each id's position in it. */
const orders = new WeakMap<RankTable, Map<Sort, { order: Int32Array; position: Int32Array }>>();

/**
 * The whole catalog in one sort's order, computed once per table. Popularity and title come
 * ranked from the emitter (they need stats and titles the columns do not hold); rating and update
 * date are sorted here, with popularity breaking ties.
 */
function orderOf(table: RankTable, sort: Exclude<Sort, 'relevance'>): { order: Int32Array; position: Int32Array } {
  let byTable = orders.get(table);
  if (!byTable) orders.set(table, (byTable = new Map()));
  const key = table.sorts ? sort : 'popular';
  let cached = byTable.get(key);
  if (cached) return cached;
  const n = table.servers;
  let position: Int32Array;
  const sorts = table.sorts;
  if (sort === 'popular' || !sorts) {
    // Without the sort keys (search.sortKeys() not loaded yet), popularity stands in.
    position = table.popular;
  } else if (sort === 'name') {
    position = sorts.title;
  } else {
    const ids = Int32Array.from({ length: n }, (_, i) => i);
    const { popular } = table;
    const { rating, ratingCount, updated } = sorts;
    // Average first, then how many reviews back it; unrated (-1) and undated last.
    if (sort === 'rating')
      ids.sort((a, b) => rating[b]! - rating[a]! || ratingCount[b]! - ratingCount[a]! || popular[a]! - popular[b]!);
    else ids.sort((a, b) => updated[b]! - updated[a]! || popular[a]! - popular[b]!);
    position = new Int32Array(n);
    ids.forEach((id, p) => (position[id] = p));
  }
  const order = new Int32Array(n);
  position.forEach((p, id) => (order[p] = id));
  byTable.set(key, (cached = { order, position }));
  return cached;
}

/**
 * The filtered hits' ids in the sort's order: sorted when few, picked out of the cached whole
 * order when many. By relevance, the order search() already gives (score, then popularity) is
 * kept; sorting it again is a linear pass (the sort finds one ascending run).
 */
function sortIds(hits: SearchHit[], table: RankTable, sort: Sort): number[] {
  if (sort === 'relevance') {
    const popular = table.popular;
    return hits.sort((a, b) => b.score - a.score || popular[a.id]! - popular[b.id]!).map((h) => h.id);
  }
  const { order, position } = orderOf(table, sort);
  const ids = hits.map((h) => h.id);
  if (ids.length * 16 < table.servers) return ids.sort((a, b) => position[a]! - position[b]!);
  const wanted = new Uint8Array(table.servers);
  for (const id of ids) wanted[id] = 1;
  const out: number[] = [];
  for (const id of order) if (wanted[id] === 1) out.push(id);
  return out;
}

/** The state with one facet value switched on or off (and back to page 1). */
export function toggleFilter(state: BrowseState, key: string, value: string): BrowseState {
  const current = state.filters[key] ?? [];
  const next = current.includes(value) ? current.filter((v) => v !== value) : [...current, value].sort();
  const filters = { ...state.filters };
  if (next.length) filters[key] = next;
  else delete filters[key];
  return { ...state, filters, page: 1 };
}
