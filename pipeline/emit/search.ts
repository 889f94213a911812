/**
 * The site's search index, built at build time and split so that a query loads only what it needs
 * (search-client.ts reads it; the formats are described there):
 *
 * - `search/manifest.json`: every file with its sha256 and size, and the search options.
 * - `search/rank.json`: facet codes and popularity rank of every server as columns, no text (about
 *   4 bytes a server gzipped), so filtering, facet counts and ranking cover the whole catalog;
 *   `search/sort.json` has the keys of the other sorts (title, rating, date), loaded when chosen.
 * - `search/terms/<prefix>.json`: inverted index of names, titles, tags and descriptions, one
 *   file per two-letter term prefix. A query loads one file per word.
 * - `search/full/<prefix>.json`: the same for tool names and descriptions, long descriptions and
 *   reviews, the bulk of the text, loaded only when a search needs it.
 * - `search/cards/<n>.json`: the result card of CARDS_PER_FILE servers each, in popularity order,
 *   so the default listing (most popular first) needs one file and any result page a few dozen KB.
 * - `search/names.json`: every server's name by id, for the edge worker and verify-dist.
 *
 * Why not one MiniSearch index: its core file grew with the catalog (1.1 MB at 10,000 servers,
 * 5.2 MB at 50,000) and all of it had to be loaded and built into a radix tree before the first
 * result (bench/site.ts).
 *
 * Servers are numbered in the order they entered the catalog (first published version, then
 * name), so a new server takes the next id and changes only the term shards of its own words;
 * term weights use fixed typical field lengths rather than the catalog's averages for the same
 * reason. One changed server changes its term shards (only if its text changed), its card file,
 * the rank file, the manifest, and names.json when it is new.
 *
 * Output is deterministic: everything is ordered by the catalog's content, never by input order.
 */
import { createHash } from 'node:crypto';
import type { IndexServer, ServerRecord } from '../core/schema-types.gen.ts';
import {
  ANALYZER,
  CARD_DIR,
  CORE_SHARD_DIR,
  FULL_SHARD_DIR,
  INDEX_CODEC,
  processTerm,
  SEARCH_MANIFEST_VERSION,
  shardFileName,
  shardKey,
  tokenize,
  WEIGHT_SCALE,
  type CardFile,
  type FacetColumn,
  type ManifestSearchOptions,
  type NamesFile,
  type RankFile,
  type SortFile,
  type SearchManifest,
  type ServerCard,
  type ShardGroup,
  type TermShard,
} from './search-client.ts';
import { serverFacets, type ServerFacets } from './facets.ts';
import type { EmitModel, EmittedFile } from './types.ts';

export const SEARCH_MANIFEST_PATH = 'search/manifest.json';
export const SEARCH_RANK_PATH = 'search/rank.json';
export const SEARCH_SORT_PATH = 'search/sort.json';
export const SEARCH_NAMES_PATH = 'search/names.json';

/**
 * Cards per file. A result page of 24 relevance-ordered hits falls in about as many files, so
 * small files keep its bytes down (~5 KB gzip each); larger ones would mean fewer files.
 */
export const CARDS_PER_FILE = 50;

/**
 * Prefix search on every term, and typos up to a fifth of the term length, rounded (one edit
 * from 4 letters, two from 8, at most 3), so short queries do not drown in near-misses. Terms of
 * one or two letters ("in", "to") match whole, not as prefixes of a third of the vocabulary.
 * MiniSearch's weights and BM25+ parameters, which this index used to be built with.
 */
export const SEARCH_OPTIONS: ManifestSearchOptions = {
  prefix: true,
  minPrefixLength: 3,
  fuzzy: 0.2,
  maxFuzzy: 3,
  minFuzzyLength: 4,
  weights: { prefix: 0.375, fuzzy: 0.45 },
  bm25: { k: 1.2, b: 0.7, d: 0.5 },
};

interface FieldDef {
  name: string;
  boost: number;
  /**
   * Distinct terms of a typical value: the BM25 length normalisation's reference, fixed so that
   * adding a server does not reweigh every posting (about the synthetic model's averages).
   */
  typical: number;
}

const CORE_FIELDS: FieldDef[] = [
  { name: 'name', boost: 3, typical: 5 },
  { name: 'title', boost: 3, typical: 4 },
  { name: 'tags', boost: 2, typical: 6 },
  { name: 'description', boost: 1, typical: 12 },
];

const FULL_FIELDS: FieldDef[] = [
  { name: 'toolNames', boost: 2, typical: 20 },
  { name: 'toolDescriptions', boost: 1, typical: 100 },
  { name: 'longDescription', boost: 1, typical: 80 },
  { name: 'reviews', boost: 0.5, typical: 60 },
];

/** Scores from the full text count half: a hit in a tool description says less than one in the title. */
const FULL_WEIGHT = 0.5;

/** Result cards show three lines of description at their narrowest: about 110 characters, cut at a word. */
export const SUMMARY_LENGTH = 110;

export function summaryOf(description: string): string {
  if (description.length <= SUMMARY_LENGTH) return description;
  const cut = description.slice(0, SUMMARY_LENGTH - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > SUMMARY_LENGTH / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Server ids: the order servers entered the catalog (earliest version published), then name. */
export function searchOrder(servers: readonly IndexServer[]): IndexServer[] {
  const since = (s: IndexServer) => s.versions.reduce((min, v) => (v.publishedAt < min ? v.publishedAt : min), '~');
  const keyed = servers.map((s) => ({ s, since: since(s) }));
  keyed.sort((a, b) => byString(a.since, b.since) || byString(a.s.name, b.s.name));
  return keyed.map((k) => k.s);
}

/** Stars count fully, downloads a hundredth: a star is a deliberate act, a download may be a CI job. */
export function popularity(facets: { stars?: number; downloads?: number }): number {
  return (facets.stars ?? 0) + (facets.downloads ?? 0) / 100;
}

/** The text of one server's fields, by field name. */
type Texts = Record<string, string>;

function coreTexts(server: IndexServer): Texts {
  return {
    name: server.name,
    title: server.title ?? '',
    tags: server.tags.join(' '),
    description: server.description,
  };
}

/**
 * The lazily searched text of one server: its tools (declared in tools.json, plus the tool pins
 * of the latest version's bundles), long description and reviews.
 */
function fullTexts(server: IndexServer, record: ServerRecord | undefined): Texts {
  if (!record) return {};
  const declared = record.tools?.tools ?? [];
  const latest = record.versions.find((v) => v.version === server.latest) ?? record.versions[0];
  const pinned = latest?.artifacts.flatMap((a) => a.tools ?? []).map((t) => t.name) ?? [];
  const toolNames = [...new Set([...declared.flatMap((t) => [t.name, t.title ?? '']), ...pinned])].filter(Boolean);
  return {
    toolNames: toolNames.join(' '),
    toolDescriptions: declared.map((t) => t.description ?? '').join('\n'),
    longDescription: record.longDescription ?? '',
    reviews: record.reviews.map((r) => [r.title ?? '', r.body, ...(r.useCases ?? [])].join('\n')).join('\n'),
  };
}

interface Postings {
  ids: number[];
  weights: number[];
}

/** Per term, per field index: the servers it occurs in (ascending ids) and their quantised BM25 tf part. */
function invert(
  fields: readonly FieldDef[],
  texts: readonly Texts[],
): { terms: Map<string, Map<number, Postings>>; documents: number } {
  const { k, b } = SEARCH_OPTIONS.bm25;
  const terms = new Map<string, Map<number, Postings>>();
  let documents = 0;
  texts.forEach((text, id) => {
    let any = false;
    fields.forEach((field, f) => {
      const value = text[field.name];
      if (!value) return;
      const tokens = tokenize(value);
      // MiniSearch's field length: distinct tokens before processing.
      const length = new Set(tokens).size;
      const counts = new Map<string, number>();
      for (const token of tokens) {
        const term = processTerm(token, field.name);
        if (term) counts.set(term, (counts.get(term) ?? 0) + 1);
      }
      for (const [term, tf] of counts) {
        any = true;
        const norm = (tf * (k + 1)) / (tf + k * (1 - b + (b * length) / field.typical));
        let byField = terms.get(term);
        if (!byField) terms.set(term, (byField = new Map()));
        let postings = byField.get(f);
        if (!postings) byField.set(f, (postings = { ids: [], weights: [] }));
        postings.ids.push(id);
        postings.weights.push(Math.round(norm * WEIGHT_SCALE));
      }
    });
    if (any) documents++;
  });
  return { terms, documents };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function jsonFile(path: string, value: unknown): EmittedFile & { body: Buffer } {
  return { path, body: Buffer.from(JSON.stringify(value), 'utf8') };
}

/** One shard file per term prefix, and the group's manifest entry. */
function shardGroup(
  dir: string,
  fields: readonly FieldDef[],
  weight: number,
  texts: readonly Texts[],
): { group: ShardGroup; files: EmittedFile[] } {
  const { terms, documents } = invert(fields, texts);
  const byKey = new Map<string, string[]>();
  for (const term of terms.keys()) {
    const key = shardKey(term);
    let list = byKey.get(key);
    if (!list) byKey.set(key, (list = []));
    list.push(term);
  }
  const shards: ShardGroup['shards'] = {};
  const files: EmittedFile[] = [];
  for (const key of [...byKey.keys()].sort()) {
    const sorted = byKey.get(key)!.sort();
    const shard: TermShard = {
      codec: INDEX_CODEC,
      terms: sorted,
      postings: sorted.map((term) =>
        [...terms.get(term)!]
          .sort(([a], [b]) => a - b)
          .map(([field, { ids, weights }]) => [field, ids.map((id, i) => id - (i === 0 ? 0 : ids[i - 1]!)), weights]),
      ),
    };
    const file = jsonFile(`${dir}/${shardFileName(key)}.json`, shard);
    shards[key] = [sha256(file.body), file.body.length];
    files.push(file);
  }
  return {
    group: { fields: fields.map((f) => f.name), boost: fields.map((f) => f.boost), weight, documents, shards },
    files,
  };
}

/** A facet column: values sorted, codes per server (a bit mask for multi-valued facets). */
function facetColumn(values: readonly (readonly string[])[], multi: boolean): FacetColumn {
  const distinct = [...new Set(values.flat())].sort(byString);
  if (multi && distinct.length > 31)
    throw new Error(`a multi-valued facet has ${distinct.length} values; at most 31 fit`);
  const code = new Map(distinct.map((v, i) => [v, i]));
  return {
    values: distinct,
    multi,
    codes: values.map((vs) =>
      multi ? vs.reduce((mask, v) => mask | (1 << code.get(v)!), 0) : vs[0] === undefined ? -1 : code.get(vs[0])!,
    ),
  };
}

/** rank[i] = position of item i when the items are sorted by `compare`. */
function ranks<T>(items: readonly T[], compare: (a: T, b: T) => number): number[] {
  const order = items.map((_, i) => i).sort((a, b) => compare(items[a]!, items[b]!));
  const rank = new Array<number>(items.length);
  order.forEach((item, position) => (rank[item] = position));
  return rank;
}

/** What the rank file holds of one server. */
export interface RankRow {
  name: string;
  title?: string;
  category: string;
  trust: string;
  verdict?: string;
  ratingAverage?: number;
  ratingCount: number;
  facets: ServerFacets;
}

/**
 * The rank file of these servers (ids are their positions), with the orders of
 * site/src/lib/browse.ts's sorts that need more than the columns hold: popularity (stars and
 * downloads, then rating, then name) and title (case-insensitive, then name).
 */
export function rankFileOf(rows: readonly RankRow[]): { rank: RankFile; sort: SortFile } {
  const pop = rows.map((r) => popularity(r.facets));
  const rating = rows.map((r) => r.ratingAverage ?? -1);
  const popular = ranks(
    rows.map((_, i) => i),
    (a, b) => pop[b]! - pop[a]! || rating[b]! - rating[a]! || byString(rows[a]!.name, rows[b]!.name),
  );
  const titleKey = rows.map((r) => (r.title ?? r.name).toLowerCase());
  const title = ranks(
    rows.map((_, i) => i),
    (a, b) => byString(titleKey[a]!, titleKey[b]!) || byString(rows[a]!.name, rows[b]!.name),
  );
  const day = (date: string | undefined) => (date ? Math.floor(Date.parse(`${date}T00:00:00Z`) / 86_400_000) : -1);
  const single = (values: (r: RankRow) => string) =>
    facetColumn(
      rows.map((r) => [values(r)]),
      false,
    );
  const multi = (values: (r: RankRow) => readonly string[]) => facetColumn(rows.map(values), true);
  const rank: RankFile = {
    codec: INDEX_CODEC,
    facets: {
      category: single((r) => r.category),
      type: multi((r) => r.facets.packageTypes),
      runtime: multi((r) => r.facets.runtimes),
      transport: multi((r) => r.facets.transports),
      platform: multi((r) => r.facets.platforms),
      trust: single((r) => r.trust),
      verdict: single((r) => r.verdict ?? 'none'),
      source: single((r) => r.facets.source),
    },
    popular,
  };
  const sort: SortFile = {
    codec: INDEX_CODEC,
    title,
    rating: rating.map((r) => (r < 0 ? -1 : Math.round(r * 100))),
    ratingCount: rows.map((r) => r.ratingCount),
    updated: rows.map((r) => day(r.facets.updated)),
  };
  return { rank, sort };
}

/** The search index files of dist/: manifest, rank, names, term and full-text shards, cards. */
export function emitSearch(model: EmitModel): EmittedFile[] {
  const servers = searchOrder(model.index.servers);
  const rows: RankRow[] = servers.map((server) => ({
    name: server.name,
    ...(server.title !== undefined ? { title: server.title } : {}),
    category: server.category,
    trust: server.trust,
    ...(server.verdict !== undefined ? { verdict: server.verdict } : {}),
    ...(typeof server.rating.average === 'number' ? { ratingAverage: server.rating.average } : {}),
    ratingCount: server.rating.count,
    facets: serverFacets(server, model.records.get(server.name)),
  }));

  const core = shardGroup(CORE_SHARD_DIR, CORE_FIELDS, 1, servers.map(coreTexts));
  const full = shardGroup(
    FULL_SHARD_DIR,
    FULL_FIELDS,
    FULL_WEIGHT,
    servers.map((s) => fullTexts(s, model.records.get(s.name))),
  );

  const { rank, sort } = rankFileOf(rows);
  const rankFile = jsonFile(SEARCH_RANK_PATH, rank);
  const sortFile = jsonFile(SEARCH_SORT_PATH, sort);

  const byPopularity = new Array<number>(servers.length);
  rank.popular.forEach((position, id) => (byPopularity[position] = id));
  const cardFiles: EmittedFile[] = [];
  const cardRefs: SearchManifest['cards']['files'] = [];
  for (let start = 0; start < byPopularity.length; start += CARDS_PER_FILE) {
    const file: CardFile = {
      codec: INDEX_CODEC,
      cards: byPopularity.slice(start, start + CARDS_PER_FILE).map((id) => cardOf(servers[id]!, rows[id]!.facets)),
    };
    const emitted = jsonFile(`${CARD_DIR}/${cardFiles.length}.json`, file);
    cardRefs.push([sha256(emitted.body), emitted.body.length]);
    cardFiles.push(emitted);
  }

  const names: NamesFile = { codec: INDEX_CODEC, names: servers.map((s) => s.name) };
  const namesFile = jsonFile(SEARCH_NAMES_PATH, names);

  const ref = (file: EmittedFile & { body: Buffer }) => ({
    path: file.path,
    sha256: sha256(file.body),
    size: file.body.length,
  });
  const manifest: SearchManifest = {
    version: SEARCH_MANIFEST_VERSION,
    analyzer: ANALYZER,
    codec: INDEX_CODEC,
    servers: servers.length,
    options: SEARCH_OPTIONS,
    rank: ref(rankFile),
    sort: ref(sortFile),
    names: ref(namesFile),
    core: core.group,
    full: full.group,
    cards: { cardsPerFile: CARDS_PER_FILE, files: cardRefs },
  };
  return [
    { path: SEARCH_MANIFEST_PATH, body: `${JSON.stringify(manifest)}\n` },
    rankFile,
    sortFile,
    namesFile,
    ...core.files,
    ...full.files,
    ...cardFiles,
  ];
}

function cardOf(server: IndexServer, facets: ServerFacets): ServerCard {
  return {
    name: server.name,
    ...(server.title !== undefined ? { title: server.title } : {}),
    description: summaryOf(server.description),
    category: server.category,
    trust: server.trust,
    ...(server.verdict !== undefined ? { verdict: server.verdict } : {}),
    ...(server.rating.average !== undefined && server.rating.average !== null
      ? { ratingAverage: server.rating.average }
      : {}),
    ratingCount: server.rating.count,
    ...(facets.stars !== undefined ? { stars: facets.stars } : {}),
    ...(server.latest !== undefined ? { latest: server.latest } : {}),
    ...(server.status === 'deprecated' ? { status: 'deprecated' as const } : {}),
  };
}
