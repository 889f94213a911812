/**
 * The site's search index, built at build time and split so that the first load stays small:
 *
 * - `search/core.json`: every server's name, title, tags and description, with the fields a
 *   result list shows stored beside them. Loaded up front.
 * - `search/full-<n>.json`: tool names and descriptions, long descriptions and review text, the
 *   bulk of the text. Loaded only when a search asks for it (or the core finds too little).
 *   Servers are spread over the shards by a hash of their name and the shard count is a power of
 *   two, so one changed server changes one shard (the others stay cached) and growing the catalog
 *   past a threshold splits each shard in two rather than reshuffling everything.
 * - `search/manifest.json`: the files with sha256 and size, and the MiniSearch options the
 *   client must load them with (search-client.ts).
 *
 * Output is deterministic: servers are added in name order, so an unchanged catalog gives
 * byte-identical files.
 */
import { createHash } from 'node:crypto';
import MiniSearch, { type AsPlainObject } from 'minisearch';
import type { IndexServer, ServerRecord } from '../core/schema-types.gen.ts';
import {
  ANALYZER,
  INDEX_CODEC,
  miniSearchOptions,
  SEARCH_MANIFEST_VERSION,
  type CompactIndex,
  type CoreStoredFields,
  type ManifestIndexOptions,
  type SearchFile,
  type SearchManifest,
} from './search-client.ts';
import { serverFacets } from './facets.ts';
import type { EmitModel, EmittedFile } from './types.ts';

export const SEARCH_MANIFEST_PATH = 'search/manifest.json';
export const SEARCH_CORE_PATH = 'search/core.json';

/**
 * Shards hold 250–500 servers with full text. Measured with bench/search-size.ts: ~1.7 KB of
 * index per server, ~0.4 KB brotli, so shards of 100–200 KB brotli, small enough to parse without
 * a long pause and few enough that a full search is a handful of requests (32 at 10,000 servers).
 */
export const SERVERS_PER_SHARD = 500;

/**
 * Prefix search on every term, and typos up to a fifth of the term length, rounded (one edit
 * from 4 letters, two from 8, at most 3), so short queries do not drown in near-misses: a
 * 3-letter term with one edit matches most of the vocabulary, and cost 40–60 ms a keystroke at
 * 10,000 servers (bench/site.ts). Likewise terms of one or two letters ("in", "to") match whole,
 * not as prefixes of a third of the vocabulary. OR keeps multi-word queries forgiving; BM25 ranks
 * servers that match every word first.
 */
const SEARCH_DEFAULTS = {
  prefix: true,
  minPrefixLength: 3,
  fuzzy: 0.2,
  maxFuzzy: 3,
  minFuzzyLength: 4,
  combineWith: 'OR',
} as const;

export const CORE_OPTIONS: ManifestIndexOptions = {
  idField: 'name',
  fields: ['name', 'title', 'tags', 'description'],
  storeFields: [
    'title',
    // The description cut for a result card (search-client.ts hands it out as `description`): the
    // whole text is indexed, and most of a stored description is never shown in a list.
    'summary',
    'category',
    'trust',
    'verdict',
    'ratingAverage',
    'ratingCount',
    'latest',
    'status',
    // Facets and sort keys (facets.ts): the site filters and sorts in the browser with these.
    'packageTypes',
    'runtimes',
    'transports',
    'platforms',
    'source',
    'stars',
    'downloads',
    'updated',
  ],
  searchOptions: { ...SEARCH_DEFAULTS, boost: { name: 3, title: 3, tags: 2, description: 1 } },
};

export const FULL_OPTIONS: ManifestIndexOptions = {
  idField: 'name',
  fields: ['toolNames', 'toolDescriptions', 'longDescription', 'reviews'],
  storeFields: [],
  searchOptions: {
    ...SEARCH_DEFAULTS,
    boost: { toolNames: 2, toolDescriptions: 1, longDescription: 1, reviews: 0.5 },
  },
};

/** One server as the core index sees it: the indexed text, then the stored fields. */
type CoreDocument = Omit<CoreStoredFields, 'description'> & {
  name: string;
  tags: string;
  description: string;
  summary: string;
};

interface FullDocument {
  name: string;
  toolNames: string;
  toolDescriptions: string;
  longDescription: string;
  reviews: string;
}

function coreDocument(server: IndexServer, record: ServerRecord | undefined): CoreDocument {
  return {
    ...serverFacets(server, record),
    name: server.name,
    title: server.title,
    tags: server.tags.join(' '),
    description: server.description,
    summary: summaryOf(server.description),
    category: server.category,
    trust: server.trust,
    verdict: server.verdict,
    ratingAverage: server.rating.average,
    ratingCount: server.rating.count,
    latest: server.latest,
    status: server.status === 'deprecated' ? 'deprecated' : undefined,
  };
}

/**
 * The lazily searched text of one server: its tools (declared in tools.json, plus the tool pins
 * of the latest version's bundles), long description and reviews; none when it has none of these.
 */
function fullDocument(server: IndexServer, record: ServerRecord | undefined): FullDocument | undefined {
  if (!record) return undefined;
  const declared = record.tools?.tools ?? [];
  const latest = record.versions.find((v) => v.version === server.latest) ?? record.versions[0];
  const pinned = latest?.artifacts.flatMap((a) => a.tools ?? []).map((t) => t.name) ?? [];
  const toolNames = [...new Set([...declared.flatMap((t) => [t.name, t.title ?? '']), ...pinned])].filter(Boolean);
  const doc: FullDocument = {
    name: server.name,
    toolNames: toolNames.join(' '),
    toolDescriptions: declared.map((t) => t.description ?? '').join('\n'),
    longDescription: record.longDescription ?? '',
    reviews: record.reviews.map((r) => [r.title ?? '', r.body, ...(r.useCases ?? [])].join('\n')).join('\n'),
  };
  const empty = !doc.toolNames && !doc.toolDescriptions.trim() && !doc.longDescription && !doc.reviews.trim();
  return empty ? undefined : doc;
}

/** Result cards show three lines of description at their narrowest: about 110 characters, cut at a word. */
export const SUMMARY_LENGTH = 110;

export function summaryOf(description: string): string {
  if (description.length <= SUMMARY_LENGTH) return description;
  const cut = description.slice(0, SUMMARY_LENGTH - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > SUMMARY_LENGTH / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** Smallest power of two that keeps shards at or under SERVERS_PER_SHARD servers (at least 1). */
export function shardCount(servers: number): number {
  let count = 1;
  while (servers / count > SERVERS_PER_SHARD) count *= 2;
  return count;
}

/** Stable across builds and machines; with a power-of-two count, doubling it splits each shard in two. */
export function shardOf(name: string, count: number): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % count;
}

/** MiniSearch's serialization in the compact layout search-client.ts decodes (see CompactIndex). */
export function compactIndex(plain: AsPlainObject, storeFields: readonly string[]): CompactIndex {
  const shortIds = Object.keys(plain.documentIds);
  // A fresh index numbers documents 0..n-1; anything else would need the short ids spelled out.
  if (plain.nextId !== shortIds.length || shortIds.some((id, i) => id !== String(i))) {
    throw new Error('compactIndex expects a freshly built index (short ids 0..n-1)');
  }
  const stored = (shortId: string) => (plain.storedFields[shortId] ?? {}) as Record<string, unknown>;
  return {
    codec: INDEX_CODEC,
    serializationVersion: 2,
    documentCount: plain.documentCount,
    nextId: plain.nextId,
    fieldIds: plain.fieldIds,
    averageFieldLength: plain.averageFieldLength,
    dirtCount: plain.dirtCount ?? 0,
    ids: shortIds.map((id) => plain.documentIds[id] as string),
    fieldLength: shortIds.map((id) => Array.from(plain.fieldLength[id] ?? [], (n) => n ?? null)),
    storedFields: Object.fromEntries(storeFields.map((f) => [f, shortIds.map((id) => stored(id)[f] ?? null)])),
    index: plain.index.map(([term, fields]) => {
      const encoded: CompactIndex['index'][number][1] = {};
      for (const [fieldId, postings] of Object.entries(fields)) {
        const deltas: number[] = [];
        const freqs: number[] = [];
        let previous = 0;
        let allOnes = true;
        // Integer-like keys enumerate in ascending order, so the deltas are positive.
        for (const id in postings) {
          const shortId = Number(id);
          const freq = postings[id]!;
          deltas.push(shortId - previous);
          freqs.push(freq);
          previous = shortId;
          allOnes &&= freq === 1;
        }
        encoded[fieldId] = allOnes ? [deltas] : [deltas, freqs];
      }
      return [term, encoded];
    }),
  };
}

function buildIndex<T>(options: ManifestIndexOptions, documents: readonly T[]): string {
  const index = new MiniSearch<T>(miniSearchOptions(options));
  index.addAll(documents);
  return JSON.stringify(compactIndex(index.toJSON(), options.storeFields));
}

function fileOf(path: string, body: string, documents: number): { file: SearchFile; emitted: EmittedFile } {
  const bytes = Buffer.from(body, 'utf8');
  return {
    file: { path, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, documents },
    emitted: { path, body: bytes },
  };
}

/** The search index files of dist/: the core, the shards, and the manifest that ties them together. */
export function emitSearch(model: EmitModel): EmittedFile[] {
  const servers = [...model.index.servers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const core = fileOf(
    SEARCH_CORE_PATH,
    buildIndex(
      CORE_OPTIONS,
      servers.map((s) => coreDocument(s, model.records.get(s.name))),
    ),
    servers.length,
  );

  const fullDocs = servers.flatMap((s) => fullDocument(s, model.records.get(s.name)) ?? []);
  const count = shardCount(fullDocs.length);
  const buckets: FullDocument[][] = Array.from({ length: count }, () => []);
  for (const doc of fullDocs) buckets[shardOf(doc.name, count)]!.push(doc);
  const shards = buckets.map((docs, n) => fileOf(`search/full-${n}.json`, buildIndex(FULL_OPTIONS, docs), docs.length));

  const manifest: SearchManifest = {
    version: SEARCH_MANIFEST_VERSION,
    analyzer: ANALYZER,
    core: { file: core.file, options: CORE_OPTIONS },
    full: { files: shards.map((s) => s.file), options: FULL_OPTIONS },
  };
  return [
    { path: SEARCH_MANIFEST_PATH, body: `${JSON.stringify(manifest)}\n` },
    core.emitted,
    ...shards.map((s) => s.emitted),
  ];
}
