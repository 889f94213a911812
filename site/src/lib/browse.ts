/**
 * Browse and search state: facets with counts, sorting and pagination over the servers the search
 * index stores (search-client.ts `all()` and `search()`), and the URL that holds the whole state
 * (`/servers/?q=…&category=…&sort=…&page=…`), so reload, back, forward and shared links work.
 *
 * Pure and browser-safe; the browse script renders what this computes.
 */
import type { SearchHit } from '../../../pipeline/emit/search-client.ts';

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

/** One facet: its URL parameter, its label, and the values a server has for it. */
export interface FacetDef {
  key: string;
  label: string;
  values(hit: SearchHit): readonly string[];
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
    { key: 'category', label: 'Category', values: (h) => [h.category], labelOf: (id) => categoryTitles[id] ?? id },
    { key: 'type', label: 'Package type', values: (h) => h.packageTypes ?? [], labelOf: label(TYPE_LABELS) },
    { key: 'runtime', label: 'Runtime', values: (h) => h.runtimes ?? [], labelOf: label(RUNTIME_LABELS) },
    { key: 'transport', label: 'Transport', values: (h) => h.transports ?? [], labelOf: label(TRANSPORT_LABELS) },
    { key: 'platform', label: 'Platform', values: (h) => h.platforms ?? [], labelOf: label(PLATFORM_LABELS) },
    { key: 'trust', label: 'Trust', values: (h) => [h.trust], labelOf: label(TRUST_LABELS) },
    { key: 'verdict', label: 'Security scan', values: (h) => [h.verdict ?? 'none'], labelOf: label(VERDICT_LABELS) },
    { key: 'source', label: 'Source', values: (h) => [h.source ?? 'catalog'], labelOf: label(SOURCE_LABELS) },
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

export function effectiveSort(state: BrowseState): Sort {
  return state.sort ?? (state.q.trim() ? 'relevance' : 'popular');
}

/** Stars count fully, downloads a hundredth: a star is a deliberate act, a download may be a CI job. */
export function popularity(hit: Pick<SearchHit, 'stars' | 'downloads'>): number {
  return (hit.stars ?? 0) + (hit.downloads ?? 0) / 100;
}

const byName = (a: SearchHit, b: SearchHit) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

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
  /** The hits of the requested page. */
  page: SearchHit[];
  /** All hits after filtering. */
  total: number;
  /** The page shown, clamped to the pages there are. */
  pageNumber: number;
  pages: number;
  sort: Sort;
  facets: FacetView[];
}

/**
 * Facets, sort and page over `hits` (the search results, or every server for an empty query).
 * Each facet's counts apply every other facet's selection but not its own, so choosing one
 * category still shows how many servers the others hold. One pass over the hits: a hit counts
 * for facet F when it fails no selected facet, or fails F alone.
 */
export function browse(
  hits: readonly SearchHit[],
  state: BrowseState,
  {
    categoryTitles = {},
    pageSize = PAGE_SIZE,
  }: { categoryTitles?: Readonly<Record<string, string>>; pageSize?: number } = {},
): BrowseResult {
  const defs = facetDefs(categoryTitles);
  const active = defs.flatMap((facet, index) => {
    const wanted = state.filters[facet.key];
    return wanted?.length ? [{ index, facet, wanted: new Set(wanted) }] : [];
  });
  const counts = defs.map(() => new Map<string, number>());
  const filtered: SearchHit[] = [];
  for (const hit of hits) {
    let failed = 0;
    let failedFacet = -1;
    for (const { index, facet, wanted } of active) {
      if (facet.values(hit).some((v) => wanted.has(v))) continue;
      failed++;
      failedFacet = index;
      if (failed > 1) break;
    }
    if (failed === 0) filtered.push(hit);
    if (failed > 1) continue;
    defs.forEach((facet, index) => {
      if (failed === 1 && failedFacet !== index) return;
      const map = counts[index]!;
      // Each facet's values are distinct (facets.ts), so no set is needed.
      for (const value of facet.values(hit)) map.set(value, (map.get(value) ?? 0) + 1);
    });
  }
  const sort = effectiveSort(state);
  const sorted = sortHits(filtered, sort === 'relevance' && !state.q.trim() ? 'popular' : sort);
  const pages = Math.max(1, Math.ceil(sorted.length / pageSize));
  const pageNumber = Math.min(state.page, pages);
  const facets = defs
    .map((facet, index) => {
      const map = counts[index]!;
      const selected = state.filters[facet.key] ?? [];
      for (const value of selected) if (!map.has(value)) map.set(value, 0);
      const values = [...map]
        .map(([value, count]) => ({ value, label: facet.labelOf(value), count, selected: selected.includes(value) }))
        .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
      return { key: facet.key, label: facet.label, values };
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

/** Sorted copy; the keys are computed once per hit, not once per comparison. */
function sortHits(hits: readonly SearchHit[], sort: Sort): SearchHit[] {
  if (sort === 'name') {
    const keyed = hits.map((hit) => ({ hit, key: (hit.title ?? hit.name).toLowerCase() }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : byName(a.hit, b.hit)));
    return keyed.map((k) => k.hit);
  }
  const keyed = hits.map((hit) => ({ hit, pop: popularity(hit), rating: hit.ratingAverage ?? -1 }));
  const compare: Record<Exclude<Sort, 'name'>, (a: (typeof keyed)[number], b: (typeof keyed)[number]) => number> = {
    relevance: (a, b) => b.hit.score - a.hit.score || b.pop - a.pop || byName(a.hit, b.hit),
    popular: (a, b) => b.pop - a.pop || b.rating - a.rating || byName(a.hit, b.hit),
    // Average first, then how many reviews back it; unrated servers last.
    rating: (a, b) => b.rating - a.rating || b.hit.ratingCount - a.hit.ratingCount || byName(a.hit, b.hit),
    updated: (a, b) => (b.hit.updated ?? '').localeCompare(a.hit.updated ?? '') || byName(a.hit, b.hit),
  };
  keyed.sort(compare[sort]);
  return keyed.map((k) => k.hit);
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
