/**
 * The browser side of the search index that pipeline/emit/search.ts writes, and the analysis both
 * sides share. Runs in browsers, in the edge worker and in Node: web APIs only (crypto.subtle,
 * TextEncoder), no Node modules.
 *
 * The index is split so that a query loads only what it needs (search.ts has the layout):
 *
 * - `search/manifest.json`: every file with its sha256 and size, and the search options;
 * - `search/rank.json`: facet codes and popularity rank of every server, as columns (no text),
 *   enough to filter, count and rank all servers; `search/sort.json` adds the keys of the other
 *   sorts (title, rating, update date), loaded when one is chosen;
 * - `search/terms/<prefix>.json`: the name, title, tag and description terms that start with one
 *   two-letter prefix, with their postings; a query loads the shards of its words' prefixes;
 * - `search/full/<prefix>.json`: the same for tool names and descriptions, long descriptions and
 *   reviews, loaded only when a search asks for them or the terms find too little;
 * - `search/cards/<n>.json`: what a result card shows, for servers in popularity order, loaded
 *   for the page of results shown;
 * - `search/names.json`: every server's name, for readers that need names of every hit (the edge
 *   worker, verify-dist).
 *
 * Servers are numbered (their `id` here) in the order search.ts gives; postings, columns and
 * cards all use that number.
 *
 * Scoring is MiniSearch's (BM25+ with its default k, b and d; prefix and fuzzy matches weighted
 * as it weighs them; a server matching more of the query's words ranks higher), computed over
 * the shards instead of one in-memory radix tree: loading a whole MiniSearch index was 1.1 MB and
 * its per-keystroke search 18 ms at 10,000 servers (bench/site.ts).
 */
import type { FileRef, TrustLevel, Verdict } from '../core/schema-types.gen.ts';

/** Version of search/manifest.json's format; a client refuses another. */
export const SEARCH_MANIFEST_VERSION = 2;

/**
 * Names the tokenizer and term processing below. Change it whenever they change: an index built
 * by one and queried by another silently misses terms, so the client refuses the mismatch.
 */
export const ANALYZER = 'catalog-terms-1';

/** Names the encoding of the shard files below. */
export const INDEX_CODEC = 'catalog-shards-1';

// MiniSearch's own default split: whitespace, line breaks and punctuation (`.`, `/`, `-`, `_` too,
// so `io.github.acme/pdf-tools` yields its parts).
const SPLIT = /[\n\r\p{Z}\p{P}]+/u;
const HAS_UPPER = /\p{Lu}/u;
const CAMEL = /(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u;

/**
 * MiniSearch's default tokenizer plus camelCase parts: tool names such as `listPullRequests` are
 * found by "pull" as well as by the whole word.
 */
export function tokenize(text: string): string[] {
  const terms: string[] = [];
  for (const token of text.split(SPLIT)) {
    if (!token) continue;
    terms.push(token);
    if (!HAS_UPPER.test(token)) continue; // Most tokens; skips the costly lookbehind split.
    const parts = token.split(CAMEL);
    if (parts.length > 1) terms.push(...parts);
  }
  return terms;
}

/**
 * Words too common to tell servers apart. Dropped only from the long text fields, where they make
 * up a third of all postings; names, titles and tags keep them, and queries are never stripped.
 */
const STOP_WORDS = new Set(
  'a an and are as at be by can for from has have in into is it its of on or that the this to was with you your'.split(
    ' ',
  ),
);

const NON_ASCII = /[^\x00-\x7f]/;

/** Fields whose stop words are dropped: prose, not names. */
export const PROSE_FIELDS: ReadonlySet<string> = new Set([
  'description',
  'toolDescriptions',
  'longDescription',
  'reviews',
]);

/**
 * Lower case without diacritics (NFKD, marks dropped), so "Café" and "cafe" meet; stop words of
 * prose fields dropped. The emitter passes the field name; queries pass none.
 */
export function processTerm(term: string, fieldName?: string): string | null {
  const folded = NON_ASCII.test(term)
    ? term.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()
    : term.toLowerCase();
  if (!folded || (fieldName !== undefined && PROSE_FIELDS.has(fieldName) && STOP_WORDS.has(folded))) return null;
  return folded;
}

/** The terms of a query, in order, as the index spells them. */
export function queryTerms(query: string): string[] {
  return tokenize(query).flatMap((t) => processTerm(t) ?? []);
}

/**
 * A term's shard: its first two characters (code points, so a surrogate pair is not cut). A query
 * term finds its typos and completions only within its own shard: typos in the first two letters
 * are given up for loading one file per word instead of all of them.
 */
export function shardKey(term: string): string {
  return Array.from(term).slice(0, 2).join('');
}

/** The file name of a shard key: itself when it is plain lower-case ASCII, else its UTF-8 bytes in hex. */
export function shardFileName(key: string): string {
  if (/^[a-z0-9]{1,2}$/.test(key)) return key;
  return `x${Array.from(new TextEncoder().encode(key), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export const CORE_SHARD_DIR = 'search/terms';
export const FULL_SHARD_DIR = 'search/full';
export const CARD_DIR = 'search/cards';

// ---------------------------------------------------------------------------------------------
// File formats.

/** The JSON-describable search options that the manifest carries. */
export interface ManifestSearchOptions {
  prefix: boolean;
  /** Fraction of the term length allowed as edit distance, rounded (MiniSearch `fuzzy` between 0 and 1). */
  fuzzy: number;
  maxFuzzy: number;
  /** Terms shorter than this match exactly (by prefix), without typos. */
  minFuzzyLength: number;
  /** Terms shorter than this match only whole terms, not as prefixes. */
  minPrefixLength: number;
  /** MiniSearch's weights of a prefix and of a fuzzy match (an exact match weighs 1). */
  weights: { prefix: number; fuzzy: number };
  /** BM25+ parameters; `d` is added to every matching term's normalised frequency. */
  bm25: { k: number; b: number; d: number };
}

/** One group of prefix shards over some fields. */
export interface ShardGroup {
  fields: string[];
  /** Per field (same order), how much a match in it counts. */
  boost: number[];
  /** Scores of this group are multiplied by this before they are added to the others. */
  weight: number;
  /** How many servers have text in these fields: the BM25 document count. */
  documents: number;
  /** Shard key → the file. Its path is `<dir>/<shardFileName(key)>.json`. */
  shards: Record<string, [sha256: string, size: number]>;
}

/** One index file: where it is, its digest and size. */
export type SearchFile = FileRef;

/** `search/manifest.json`. */
export interface SearchManifest {
  version: typeof SEARCH_MANIFEST_VERSION;
  analyzer: string;
  codec: typeof INDEX_CODEC;
  /** How many servers the index holds; ids run 0..servers-1. */
  servers: number;
  options: ManifestSearchOptions;
  rank: SearchFile;
  sort: SearchFile;
  names: SearchFile;
  core: ShardGroup;
  full: ShardGroup;
  /** Card files: `cardsPerFile` servers each, by popularity rank; file n is `search/cards/<n>.json`. */
  cards: { cardsPerFile: number; files: [sha256: string, size: number][] };
}

/**
 * A term shard. Per term (sorted), per field it occurs in: the field's index in the group, the
 * ids of the servers (as ascending deltas), and per server its BM25 term-frequency part
 * `tf·(k+1) / (tf + k·(1 − b + b·length/typical length))`, quantised to `1/WEIGHT_SCALE`.
 * The typical lengths are constants (search.ts), not the catalog's averages, so one changed
 * server changes only the shards of its own terms.
 */
export interface TermShard {
  codec: typeof INDEX_CODEC;
  terms: string[];
  postings: [field: number, ids: number[], weights: number[]][][];
}

export const WEIGHT_SCALE = 100;

/** A facet's possible values, and per server its value (a code) or values (a bit mask of codes). */
export interface FacetColumn {
  values: string[];
  multi: boolean;
  /** Per server: the index of its value in `values`, or (multi) a bit mask of them; -1 for none. */
  codes: number[];
}

/** `search/rank.json`: what filtering, counting and the default order need, for every server, as columns. */
export interface RankFile {
  codec: typeof INDEX_CODEC;
  /** By facet key (site/src/lib/browse.ts: category, type, runtime, transport, platform, trust, verdict, source). */
  facets: Record<string, FacetColumn>;
  /** Rank of each server by popularity (0 is the most popular); also where its card is. */
  popular: number[];
}

/** `search/sort.json`: the keys of the other sorts, loaded when one is chosen. */
export interface SortFile {
  codec: typeof INDEX_CODEC;
  /** Rank of each server by title (or name). */
  title: number[];
  /** Average rating × 100, rounded; -1 when unrated. */
  rating: number[];
  ratingCount: number[];
  /** Day (since 1970-01-01) its latest version entered the catalog; -1 when unknown. */
  updated: number[];
}

/** What a result card shows of one server. */
export interface ServerCard {
  name: string;
  title?: string;
  /** The description, cut at a word to about 110 characters. */
  description: string;
  category: string;
  trust: TrustLevel;
  verdict?: Verdict;
  ratingAverage?: number;
  ratingCount: number;
  stars?: number;
  latest?: string;
  /** Present only for deprecated servers. */
  status?: 'deprecated';
}

/** `search/cards/<n>.json`. */
export interface CardFile {
  codec: typeof INDEX_CODEC;
  cards: ServerCard[];
}

/** `search/names.json`: every server's name, by id. */
export interface NamesFile {
  codec: typeof INDEX_CODEC;
  names: string[];
}

/** Every file the manifest names, with its path. */
export function manifestFiles(manifest: SearchManifest): SearchFile[] {
  const group = (dir: string, g: ShardGroup) =>
    Object.entries(g.shards).map(([key, [sha256, size]]) => ({
      path: `${dir}/${shardFileName(key)}.json`,
      sha256,
      size,
    }));
  return [
    manifest.rank,
    manifest.sort,
    manifest.names,
    ...group(CORE_SHARD_DIR, manifest.core),
    ...group(FULL_SHARD_DIR, manifest.full),
    ...manifest.cards.files.map(([sha256, size], n) => ({ path: `${CARD_DIR}/${n}.json`, sha256, size })),
  ];
}

// ---------------------------------------------------------------------------------------------
// The client.

export interface SearchHit {
  /** The server's id: an index into the rank columns, `cards()` and `names()`. */
  id: number;
  /** For ordering only; not comparable between queries. */
  score: number;
  /** Which shards matched: the name/title/tag/description terms, the lazily loaded full text, or both. */
  matched: 'core' | 'full' | 'both';
}

export interface SearchFilter {
  category?: string;
  trust?: TrustLevel | readonly TrustLevel[];
}

export interface SearchQueryOptions {
  filter?: SearchFilter;
  /** Also search tools, long descriptions and reviews (loads their shards for the query's words). */
  full?: boolean;
}

/** The sort file, decoded. */
export interface SortKeys {
  title: Int32Array;
  rating: Int32Array;
  ratingCount: Int32Array;
  updated: Int32Array;
}

/** The rank file, decoded: typed columns by server id; `sorts` once `sortKeys()` loaded them. */
export interface RankTable {
  servers: number;
  facets: Record<string, { values: string[]; multi: boolean; codes: Int32Array }>;
  popular: Int32Array;
  sorts?: SortKeys;
}

export interface CatalogSearch {
  readonly table: RankTable;
  /** Hits by score, best first (ties: the more popular first). An empty query finds nothing. */
  search(query: string, options?: SearchQueryOptions): Promise<SearchHit[]>;
  /** Every server, by id (score 0): the unfiltered list. */
  all(): SearchHit[];
  /** The cards of these servers, in the same order (loads the card files they are in). */
  cards(ids: readonly number[]): Promise<ServerCard[]>;
  /** Loads the keys of the title, rating and update sorts into `table.sorts` (once). */
  sortKeys(): Promise<SortKeys>;
  /** The names of these servers, in the same order (loads search/names.json once). */
  names(ids: readonly number[]): Promise<string[]>;
}

export interface CreateSearchOptions {
  /**
   * Search the full-text shards as well when the terms find fewer hits than this (after
   * filtering). 0 never does; default 3.
   */
  fewHits?: number;
}

export type SearchErrorCode =
  'unsupported-manifest' | 'analyzer-mismatch' | 'load-failed' | 'digest-mismatch' | 'corrupt-index' | 'no-web-crypto';

/** A search index that cannot be used; `code` says why. */
export class SearchError extends Error {
  override name = 'SearchError';
  readonly code: SearchErrorCode;
  constructor(code: SearchErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

async function sha256Hex(text: string): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    throw new SearchError(
      'no-web-crypto',
      'crypto.subtle is unavailable (it needs a secure context): serve the site over https or from localhost.',
    );
  }
  const digest = new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function checkManifest(manifest: SearchManifest): void {
  if (manifest.version !== SEARCH_MANIFEST_VERSION || manifest.codec !== INDEX_CODEC) {
    throw new SearchError(
      'unsupported-manifest',
      `search manifest version ${String(manifest.version)} is not ${SEARCH_MANIFEST_VERSION}; update the site.`,
    );
  }
  if (manifest.analyzer !== ANALYZER) {
    throw new SearchError(
      'analyzer-mismatch',
      `the index was analysed by "${manifest.analyzer}" but this client uses "${ANALYZER}"; rebuild or update the site.`,
    );
  }
}

/** Loads one file, checks it against the manifest's digest and parses it. */
async function loadJson<T extends { codec?: unknown }>(
  file: SearchFile,
  loadFile: (path: string) => Promise<string>,
): Promise<T> {
  let text: string;
  try {
    text = await loadFile(file.path);
  } catch (cause) {
    throw new SearchError('load-failed', `Could not load ${file.path}; check that the site was deployed whole.`, {
      cause,
    });
  }
  if ((await sha256Hex(text)) !== file.sha256) {
    throw new SearchError(
      'digest-mismatch',
      `${file.path} does not match the manifest's sha256 (a stale cache or a partial deploy); reload the manifest.`,
    );
  }
  let value: T;
  try {
    value = JSON.parse(text) as T;
  } catch (cause) {
    throw new SearchError('corrupt-index', `${file.path} is not a search index file; rebuild the site.`, { cause });
  }
  if (value?.codec !== INDEX_CODEC) {
    throw new SearchError('corrupt-index', `${file.path} is not encoded as ${INDEX_CODEC}; rebuild the site.`);
  }
  return value;
}

/** A loader that keeps what it loaded, and forgets a failure so that the next call retries. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    promise ??= load().catch((error: unknown) => {
      promise = undefined;
      throw error;
    });
    return promise;
  };
}

function column(values: unknown, name: string, servers: number): Int32Array {
  if (!Array.isArray(values) || values.length !== servers) {
    throw new SearchError(
      'corrupt-index',
      `search index column ${name} does not have ${servers} values; rebuild the site.`,
    );
  }
  return Int32Array.from(values as number[]);
}

/** The rank file as typed columns; throws `corrupt-index` when a column is not one value per server. */
export function decodeRank(file: RankFile, servers: number): RankTable {
  const facets: RankTable['facets'] = {};
  for (const [key, facet] of Object.entries(file.facets ?? {})) {
    facets[key] = { values: facet.values, multi: facet.multi, codes: column(facet.codes, key, servers) };
  }
  return { servers, facets, popular: column(file.popular, 'popular', servers) };
}

export function decodeSort(file: SortFile, servers: number): SortKeys {
  return {
    title: column(file.title, 'title', servers),
    rating: column(file.rating, 'rating', servers),
    ratingCount: column(file.ratingCount, 'ratingCount', servers),
    updated: column(file.updated, 'updated', servers),
  };
}

/** A term shard ready to search: terms sorted, postings as absolute ids. */
interface LoadedShard {
  terms: string[];
  postings: { field: number; ids: Int32Array; weights: Float64Array }[][];
}

function decodeShard(shard: TermShard, path: string): LoadedShard {
  if (!Array.isArray(shard.terms) || !Array.isArray(shard.postings) || shard.terms.length !== shard.postings.length) {
    throw new SearchError('corrupt-index', `${path} is not a term shard; rebuild the site.`);
  }
  return {
    terms: shard.terms,
    postings: shard.postings.map((fields) =>
      fields.map(([field, deltas, weights]) => {
        const ids = new Int32Array(deltas.length);
        let id = 0;
        for (let i = 0; i < deltas.length; i++) ids[i] = id += deltas[i]!;
        return { field, ids, weights: Float64Array.from(weights, (w) => w / WEIGHT_SCALE) };
      }),
    ),
  };
}

/** First index in sorted `terms` not less than `term`. */
function lowerBound(terms: readonly string[], term: string): number {
  let lo = 0;
  let hi = terms.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (terms[mid]! < term) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Two rows of the edit-distance table, reused by every call: a typo-tolerant query compares its
// word with every term of a shard (thousands), and a fresh array per row made the garbage
// collector, not the comparison, the slowest part of a keystroke.
let previousRow = new Int32Array(64);
let currentRow = new Int32Array(64);

/** Levenshtein distance of a and b if it is at most `max`, else max + 1. */
export function boundedDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (b.length + 1 > previousRow.length) {
    previousRow = new Int32Array(b.length + 1);
    currentRow = new Int32Array(b.length + 1);
  }
  let previous = previousRow;
  let current = currentRow;
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = i;
    const code = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = code === b.charCodeAt(j - 1) ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > max) return max + 1;
    const swap = previous;
    previous = current;
    current = swap;
  }
  return previous[b.length]!;
}

/** The terms of a shard a query term matches, with MiniSearch's weight for each. */
export function matchingTerms(
  terms: readonly string[],
  term: string,
  options: ManifestSearchOptions,
): { index: number; weight: number }[] {
  const found = new Map<number, number>();
  const exact = lowerBound(terms, term);
  if (terms[exact] === term) found.set(exact, 1);
  if (options.prefix && term.length >= options.minPrefixLength) {
    const end = lowerBound(terms, `${term}\uffff`);
    for (let i = exact; i < end; i++) {
      const distance = terms[i]!.length - term.length;
      if (distance > 0) found.set(i, (options.weights.prefix * terms[i]!.length) / (terms[i]!.length + 0.3 * distance));
    }
  }
  if (options.fuzzy > 0 && term.length >= options.minFuzzyLength) {
    const max = Math.min(options.maxFuzzy, Math.round(term.length * options.fuzzy));
    for (let i = 0; i < terms.length; i++) {
      if (found.has(i)) continue;
      const candidate = terms[i]!;
      if (Math.abs(candidate.length - term.length) > max) continue;
      const distance = boundedDistance(term, candidate, max);
      if (distance > 0 && distance <= max) {
        found.set(i, (options.weights.fuzzy * candidate.length) / (candidate.length + distance));
      }
    }
  }
  return [...found].map(([index, weight]) => ({ index, weight }));
}

/**
 * Per-query scratch space over every server id, reused so that a keystroke allocates nothing in
 * proportion to the catalog.
 */
class Scores {
  readonly score: Float64Array;
  /** Bit per query word that matched (up to 31 words count separately). */
  readonly words: Int32Array;
  /** 1 core, 2 full. */
  readonly sources: Uint8Array;
  touched: number[] = [];
  constructor(servers: number) {
    this.score = new Float64Array(servers);
    this.words = new Int32Array(servers);
    this.sources = new Uint8Array(servers);
  }
  add(id: number, value: number, word: number, source: number): void {
    if (this.sources[id] === 0) this.touched.push(id);
    this.score[id]! += value;
    this.words[id]! |= 1 << Math.min(word, 30);
    this.sources[id]! |= source;
  }
  reset(): void {
    for (const id of this.touched) {
      this.score[id] = 0;
      this.words[id] = 0;
      this.sources[id] = 0;
    }
    this.touched = [];
  }
}

function bitCount(n: number): number {
  let count = 0;
  for (let v = n; v !== 0; v &= v - 1) count++;
  return count;
}

function filterOf(table: RankTable, filter: SearchFilter | undefined): ((id: number) => boolean) | undefined {
  if (!filter || (filter.category === undefined && filter.trust === undefined)) return undefined;
  const code = (key: string, wanted: readonly string[]) => {
    const facet = table.facets[key];
    const codes = new Set(wanted.map((v) => facet?.values.indexOf(v) ?? -1).filter((c) => c >= 0));
    return (id: number) => facet !== undefined && codes.has(facet.codes[id]!);
  };
  const checks: ((id: number) => boolean)[] = [];
  if (filter.category !== undefined) checks.push(code('category', [filter.category]));
  if (filter.trust !== undefined)
    checks.push(code('trust', typeof filter.trust === 'string' ? [filter.trust] : filter.trust));
  return (id) => checks.every((check) => check(id));
}

/**
 * Loads the manifest's rank file (verifying its digest) and returns a search over the index;
 * term, full-text and card files are loaded when a query first needs them, and kept.
 */
export async function createSearch(
  manifest: SearchManifest,
  loadFile: (path: string) => Promise<string>,
  options: CreateSearchOptions = {},
): Promise<CatalogSearch> {
  checkManifest(manifest);
  const fewHits = options.fewHits ?? 3;
  const servers = manifest.servers;
  const table = decodeRank(await loadJson<RankFile>(manifest.rank, loadFile), servers);
  const searchOptions = manifest.options;

  const shardLoaders = new Map<string, () => Promise<LoadedShard | undefined>>();
  const shard = (dir: string, group: ShardGroup, key: string): Promise<LoadedShard | undefined> => {
    const id = `${dir}/${key}`;
    let load = shardLoaders.get(id);
    if (!load) {
      const entry = Object.hasOwn(group.shards, key) ? group.shards[key] : undefined;
      const path = `${dir}/${shardFileName(key)}.json`;
      load = entry
        ? once(async () =>
            decodeShard(await loadJson<TermShard>({ path, sha256: entry[0], size: entry[1] }, loadFile), path),
          )
        : async () => undefined; // No term of the index starts so.
      shardLoaders.set(id, load);
    }
    return load();
  };

  const scores = new Scores(servers);
  const idf = (group: ShardGroup, matching: number) =>
    Math.log(1 + (group.documents - matching + 0.5) / (matching + 0.5));

  const loadShards = (dir: string, group: ShardGroup, words: readonly string[]) =>
    Promise.all(words.map((word) => shard(dir, group, shardKey(word))));

  /** Adds the scores of one shard group for the query's words. Synchronous: `scores` is shared. */
  function scoreGroup(
    group: ShardGroup,
    words: readonly string[],
    shards: readonly (LoadedShard | undefined)[],
    source: number,
  ): void {
    const { d } = searchOptions.bm25;
    words.forEach((word, w) => {
      const loaded = shards[w];
      if (!loaded) return;
      for (const { index, weight } of matchingTerms(loaded.terms, word, searchOptions)) {
        for (const { field, ids, weights } of loaded.postings[index]!) {
          const factor = weight * group.weight * (group.boost[field] ?? 0) * idf(group, ids.length);
          if (factor === 0) continue;
          for (let i = 0; i < ids.length; i++) scores.add(ids[i]!, factor * (d + weights[i]!), w, source);
        }
      }
    });
  }

  /** The hits of loaded shards, best first; synchronous, so concurrent searches cannot mix their scores. */
  function rank(
    words: readonly string[],
    core: readonly (LoadedShard | undefined)[],
    full: readonly (LoadedShard | undefined)[] | undefined,
    allowed: ((id: number) => boolean) | undefined,
  ): SearchHit[] {
    scores.reset();
    scoreGroup(manifest.core, words, core, 1);
    if (full) scoreGroup(manifest.full, words, full, 2);
    const hits: SearchHit[] = [];
    for (const id of scores.touched) {
      if (allowed && !allowed(id)) continue;
      const source = scores.sources[id]!;
      hits.push({
        id,
        // As MiniSearch: the more of the query's words a server matches, the higher it ranks.
        score: scores.score[id]! * bitCount(scores.words[id]!),
        matched: source === 3 ? 'both' : source === 2 ? 'full' : 'core',
      });
    }
    scores.reset();
    const popular = table.popular;
    return hits.sort((a, b) => b.score - a.score || popular[a.id]! - popular[b.id]!);
  }

  let everything: SearchHit[] | undefined;
  const names = once(async () => {
    const file = await loadJson<NamesFile>(manifest.names, loadFile);
    if (!Array.isArray(file.names) || file.names.length !== servers) {
      throw new SearchError(
        'corrupt-index',
        `${manifest.names.path} does not name ${servers} servers; rebuild the site.`,
      );
    }
    return file.names;
  });
  const sortKeys = once(async () => {
    table.sorts ??= decodeSort(await loadJson<SortFile>(manifest.sort, loadFile), servers);
    return table.sorts;
  });
  const cardFiles = manifest.cards.files.map(([sha256, size], n) =>
    once(async () => {
      const path = `${CARD_DIR}/${n}.json`;
      const file = await loadJson<CardFile>({ path, sha256, size }, loadFile);
      if (!Array.isArray(file.cards))
        throw new SearchError('corrupt-index', `${path} holds no cards; rebuild the site.`);
      return file.cards;
    }),
  );

  return {
    table,
    all() {
      everything ??= Array.from({ length: servers }, (_, id) => ({ id, score: 0, matched: 'core' as const }));
      return everything;
    },
    async search(query, { filter, full = false } = {}) {
      // Unique words (a repeated word counts once, as in MiniSearch), in order.
      const words = [...new Set(queryTerms(query))];
      if (words.length === 0) return [];
      const allowed = filterOf(table, filter);
      const core = await loadShards(CORE_SHARD_DIR, manifest.core, words);
      if (full) return rank(words, core, await loadShards(FULL_SHARD_DIR, manifest.full, words), allowed);
      const hits = rank(words, core, undefined, allowed);
      if (hits.length >= fewHits) return hits;
      return rank(words, core, await loadShards(FULL_SHARD_DIR, manifest.full, words), allowed);
    },
    async cards(ids) {
      const per = manifest.cards.cardsPerFile;
      const files = await Promise.all(
        [...new Set(ids.map((id) => Math.floor(table.popular[id]! / per)))].map(
          async (n) => [n, await (cardFiles[n] ?? (async () => []))()] as const,
        ),
      );
      const byFile = new Map(files);
      return ids.map((id) => {
        const rank = table.popular[id]!;
        const card = byFile.get(Math.floor(rank / per))?.[rank % per];
        if (!card) throw new SearchError('corrupt-index', `no card for server ${id}; rebuild the site.`);
        return card;
      });
    },
    sortKeys,
    async names(ids) {
      const all = await names();
      return ids.map((id) => all[id]!);
    },
  };
}
