/**
 * The browser side of the search index that pipeline/emit/search.ts writes, and the analysis both
 * sides share. MiniSearch.loadJSON must be given the options the index was built with; the
 * JSON-describable part travels in search/manifest.json, the functions (tokenizer, term
 * processing) live here and are named by `ANALYZER`, so a client never loads an index that was
 * analysed differently.
 *
 * Runs in browsers and in Node: web APIs only (crypto.subtle, TextEncoder), no Node modules.
 */
import MiniSearch, { type AsPlainObject, type Options, type SearchResult } from 'minisearch';
import type { FileRef, TrustLevel, Verdict } from '../core/schema-types.gen.ts';
import type { ServerFacets } from './facets.ts';

/** Version of search/manifest.json's format; a client refuses another. */
export const SEARCH_MANIFEST_VERSION = 1;

/**
 * Names the tokenizer and term processing below. Change it whenever they change: an index built
 * by one and queried by another silently misses terms, so the client refuses the mismatch.
 */
export const ANALYZER = 'catalog-terms-1';

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
 * prose fields dropped. MiniSearch passes the field name while indexing and none for queries.
 */
export function processTerm(term: string, fieldName?: string): string | null {
  const folded = NON_ASCII.test(term)
    ? term.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()
    : term.toLowerCase();
  if (!folded || (fieldName !== undefined && PROSE_FIELDS.has(fieldName) && STOP_WORDS.has(folded))) return null;
  return folded;
}

/** The JSON-describable subset of MiniSearch's search options that the manifest carries. */
export interface ManifestSearchOptions {
  boost: Record<string, number>;
  prefix: boolean;
  /** Fraction of the term length allowed as edit distance (MiniSearch `fuzzy` between 0 and 1). */
  fuzzy: number;
  maxFuzzy: number;
  /** Terms shorter than this match exactly (by prefix), without typos. */
  minFuzzyLength?: number;
  /** Terms shorter than this match only whole terms, not as prefixes. */
  minPrefixLength?: number;
  combineWith: 'OR' | 'AND';
}

/** Everything MiniSearch.loadJSON needs besides the functions above. */
export interface ManifestIndexOptions {
  idField: string;
  fields: string[];
  storeFields: string[];
  searchOptions: ManifestSearchOptions;
}

/** Names the encoding of the index files below. */
export const INDEX_CODEC = 'minisearch-compact-1';

/**
 * MiniSearch's own serialization (`toJSON()`, serializationVersion 2) with the same content laid
 * out to compress better: posting lists as ascending short-id deltas (term frequencies only where
 * one is not 1) instead of `{"8141": 1, ...}` objects, stored fields and field lengths as columns
 * by short id instead of one object per document. At 10,000 servers this alone takes the core
 * index from 1.29 MB to 1.01 MB brotli, and the stop words to 0.97 MB (bench/search-size.ts).
 * The decoded object is exactly what `toJSON()` gave, so MiniSearch loads it as usual.
 */
export interface CompactIndex {
  codec: typeof INDEX_CODEC;
  serializationVersion: 2;
  documentCount: number;
  nextId: number;
  fieldIds: Record<string, number>;
  averageFieldLength: number[];
  dirtCount: number;
  /** Document ids (server names) by short id; short ids run 0..n-1 in a freshly built index. */
  ids: string[];
  /** Per short id, the length of each field by field id (null where the document lacks the field). */
  fieldLength: (number | null)[][];
  /** Per stored field, its value by short id (null where absent). */
  storedFields: Record<string, unknown[]>;
  /** Per term and field id: short-id deltas, then the term frequencies when any is not 1. */
  index: [string, Record<string, [number[]] | [number[], number[]]>][];
}

/** The `toJSON()` object a CompactIndex encodes. */
export function expandIndex(compact: CompactIndex): AsPlainObject {
  if (compact.codec !== INDEX_CODEC || compact.serializationVersion !== 2) {
    throw new SearchError(
      'corrupt-index',
      `index codec ${String(compact.codec)} is not ${INDEX_CODEC}; update the site.`,
    );
  }
  const documentIds: Record<string, string> = {};
  const fieldLength: Record<string, number[]> = {};
  const storedFields: Record<string, Record<string, unknown>> = {};
  const columns = Object.entries(compact.storedFields);
  compact.ids.forEach((id, shortId) => {
    documentIds[shortId] = id;
    fieldLength[shortId] = compact.fieldLength[shortId] as number[];
    if (columns.length === 0) return;
    const stored: Record<string, unknown> = {};
    for (const [field, values] of columns) if (values[shortId] !== null) stored[field] = values[shortId];
    storedFields[shortId] = stored;
  });
  const index: AsPlainObject['index'] = compact.index.map(([term, fields]) => {
    const data: Record<string, Record<string, number>> = {};
    for (const [fieldId, [deltas, freqs]] of Object.entries(fields)) {
      const postings: Record<string, number> = {};
      let shortId = 0;
      deltas.forEach((delta, i) => {
        shortId += delta;
        postings[shortId] = freqs?.[i] ?? 1;
      });
      data[fieldId] = postings;
    }
    return [term, data];
  });
  return {
    documentCount: compact.documentCount,
    nextId: compact.nextId,
    documentIds,
    fieldIds: compact.fieldIds,
    fieldLength,
    averageFieldLength: compact.averageFieldLength,
    storedFields,
    dirtCount: compact.dirtCount,
    index,
    serializationVersion: compact.serializationVersion,
  };
}

/** One index file: where it is, its digest and size, and how many servers it holds. */
export interface SearchFile extends FileRef {
  documents: number;
}

/** `search/manifest.json`. */
export interface SearchManifest {
  version: typeof SEARCH_MANIFEST_VERSION;
  analyzer: string;
  /** Loaded first: name, title, tags and description of every server, with what a result list shows. */
  core: { file: SearchFile; options: ManifestIndexOptions };
  /**
   * Loaded on demand: tool names and descriptions, long descriptions and review text. Servers are
   * spread over the shards by a hash of their name, so a change to one server changes one shard.
   */
  full: { files: SearchFile[]; options: ManifestIndexOptions };
}

/** What the core index stores per server, as a result list shows it and facets filter it. The id is the name. */
export interface CoreStoredFields extends ServerFacets {
  title?: string;
  /** The description, cut at a word to about 110 characters (stored as `summary`; the index has it whole). */
  description: string;
  category: string;
  trust: TrustLevel;
  verdict?: Verdict;
  ratingAverage?: number;
  ratingCount: number;
  latest?: string;
  /** Present only for deprecated servers. */
  status?: 'deprecated';
}

export interface SearchHit extends CoreStoredFields {
  name: string;
  /** For ordering only; not comparable between queries. */
  score: number;
  /** Which index matched: the core fields, the lazily loaded full text, or both. */
  matched: 'core' | 'full' | 'both';
}

export interface SearchFilter {
  category?: string;
  trust?: TrustLevel | readonly TrustLevel[];
}

export interface SearchQueryOptions {
  filter?: SearchFilter;
  /** Also search tools, long descriptions and reviews (loads the shards once). */
  full?: boolean;
}

export interface CatalogSearch {
  search(query: string, options?: SearchQueryOptions): Promise<SearchHit[]>;
  /** Every server of the core index with its stored fields, in name order (score 0): the unfiltered list. */
  all(): SearchHit[];
}

export interface CreateSearchOptions {
  /**
   * Search the shards as well when the core finds fewer hits than this (after filtering). 0 never
   * does; default 3.
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

/** Scores from the full-text shards count half: a hit in a tool description says less than one in the title. */
const FULL_WEIGHT = 0.5;

/** MiniSearch options from their manifest form plus the shared analysis. */
export function miniSearchOptions(options: ManifestIndexOptions): Options {
  const { minFuzzyLength = 0, minPrefixLength = 0, fuzzy, prefix, ...searchOptions } = options.searchOptions;
  return {
    idField: options.idField,
    fields: options.fields,
    storeFields: options.storeFields,
    tokenize,
    processTerm,
    searchOptions: {
      ...searchOptions,
      fuzzy: (term: string) => (term.length >= minFuzzyLength ? fuzzy : false),
      prefix: (term: string) => prefix && term.length >= minPrefixLength,
      tokenize,
      processTerm,
    },
  };
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

async function loadIndex(
  file: SearchFile,
  options: ManifestIndexOptions,
  loadFile: (path: string) => Promise<string>,
): Promise<MiniSearch> {
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
  let plain: AsPlainObject;
  try {
    plain = expandIndex(JSON.parse(text) as CompactIndex);
  } catch (cause) {
    if (cause instanceof SearchError) throw cause;
    throw new SearchError('corrupt-index', `${file.path} is not a search index; rebuild the site.`, { cause });
  }
  try {
    // loadJS is loadJSON without the JSON.parse: the object is already parsed and expanded. Not
    // loadJSAsync: it awaits once per term and sleeps (setTimeout, which browsers clamp to 4 ms)
    // every thousand terms, which made it 1.1 s slower at 10,000 servers (bench/site.ts).
    return MiniSearch.loadJS(plain, miniSearchOptions(options));
  } catch (cause) {
    throw new SearchError('corrupt-index', `${file.path} is not a MiniSearch index; rebuild the site.`, { cause });
  }
}

function checkManifest(manifest: SearchManifest): void {
  if (manifest.version !== SEARCH_MANIFEST_VERSION) {
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

function matchesFilter(fields: CoreStoredFields, filter: SearchFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.category !== undefined && fields.category !== filter.category) return false;
  if (filter.trust !== undefined) {
    const allowed = typeof filter.trust === 'string' ? [filter.trust] : filter.trust;
    if (!allowed.includes(fields.trust)) return false;
  }
  return true;
}

function storedOf(result: SearchResult | Record<string, unknown>): CoreStoredFields {
  const { id: _id, terms: _t, queryTerms: _q, score: _s, match: _m, summary, ...stored } = result;
  return { ...stored, description: summary } as unknown as CoreStoredFields;
}

/**
 * Loads the core index (verifying its digest) and returns a search over it; the full-text shards
 * are loaded on the first search that needs them, all at once, and kept.
 */
export async function createSearch(
  manifest: SearchManifest,
  loadFile: (path: string) => Promise<string>,
  options: CreateSearchOptions = {},
): Promise<CatalogSearch> {
  checkManifest(manifest);
  const fewHits = options.fewHits ?? 3;
  const core = await loadIndex(manifest.core.file, manifest.core.options, loadFile);
  let shards: Promise<MiniSearch[]> | undefined;
  const loadShards = (): Promise<MiniSearch[]> => {
    shards ??= Promise.all(manifest.full.files.map((f) => loadIndex(f, manifest.full.options, loadFile))).catch(
      (error: unknown) => {
        shards = undefined; // A later search retries rather than failing forever.
        throw error;
      },
    );
    return shards;
  };

  let everything: SearchHit[] | undefined;
  return {
    all() {
      everything ??= core
        .search(MiniSearch.wildcard)
        .map((result) => ({ ...storedOf(result), name: result.id as string, score: 0, matched: 'core' as const }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return everything;
    },
    async search(query, { filter, full = false } = {}) {
      const hits = new Map<string, SearchHit>();
      for (const result of core.search(query)) {
        const stored = storedOf(result);
        if (!matchesFilter(stored, filter)) continue;
        hits.set(result.id as string, { ...stored, name: result.id as string, score: result.score, matched: 'core' });
      }
      if (full || (query.trim() !== '' && hits.size < fewHits)) {
        for (const shard of await loadShards()) {
          for (const result of shard.search(query)) {
            const name = result.id as string;
            const score = result.score * FULL_WEIGHT;
            const hit = hits.get(name);
            if (hit) {
              hit.score += score;
              hit.matched = 'both';
              continue;
            }
            const stored = core.getStoredFields(name);
            // A shard entry without a core entry has nothing to show; the emitter never writes one.
            if (!stored || !matchesFilter(storedOf(stored), filter)) continue;
            hits.set(name, { ...storedOf(stored), name, score, matched: 'full' });
          }
        }
      }
      return [...hits.values()].sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
  };
}
