/**
 * How big the search index is for the browser: the first load (manifest + core index) and the
 * lazily loaded full-text shards, raw, gzip (what GitHub Pages serves) and brotli, plus how long
 * the emitter and the client's loading take. Target: first load ≤ 1 MB brotli at 10,000 servers.
 *
 *   node bench/search-size.ts [--count N] [--seed S]
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { emitSearch, SEARCH_MANIFEST_PATH, SEARCH_RANK_PATH } from '../pipeline/emit/search.ts';
import { createSearch, type SearchManifest } from '../pipeline/emit/search-client.ts';
import type { EmitModel, EmittedFile } from '../pipeline/emit/types.ts';
import { syntheticEmitModel } from './synthetic-model.ts';

export interface Sizes {
  raw: number;
  gzip: number;
  brotli: number;
}

export interface SearchFigures {
  servers: number;
  /** manifest + rank file: what a visitor downloads before any query's term shards and cards. */
  firstLoad: Sizes;
  core: Sizes;
  manifest: Sizes;
  shards: { count: number; total: Sizes; largest: Sizes };
  /** emitSearch over the whole model. */
  buildMs: number;
  /** createSearch: digest check and decoding of the rank file, in this process. */
  coreLoadMs: number;
  /** One search that loads every shard (the first `full` search), then one more over loaded shards. */
  firstFullSearchMs: number;
  fullSearchMs: number;
  firstLoadTargetBrotli: number;
  ok: boolean;
}

const FIRST_LOAD_TARGET_BROTLI = 1_000_000;

function bytesOf(file: EmittedFile): Buffer {
  return typeof file.body === 'string' ? Buffer.from(file.body, 'utf8') : Buffer.from(file.body);
}

/** Brotli at its highest quality, as a static host precompresses. */
function sizes(bytes: Buffer): Sizes {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
}

function sum(all: readonly Sizes[]): Sizes {
  return all.reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli }), {
    raw: 0,
    gzip: 0,
    brotli: 0,
  });
}

export async function measureSearch(model: EmitModel): Promise<SearchFigures> {
  const start = performance.now();
  const files = emitSearch(model);
  const buildMs = performance.now() - start;

  const byPath = new Map(files.map((f) => [f.path, bytesOf(f)]));
  const manifestBytes = byPath.get(SEARCH_MANIFEST_PATH)!;
  const coreBytes = byPath.get(SEARCH_RANK_PATH)!;
  const manifest = sizes(manifestBytes);
  const core = sizes(coreBytes);
  const shardSizes = files.filter((f) => f.path.startsWith('search/full/')).map((f) => sizes(bytesOf(f)));
  const largest = shardSizes.reduce((a, b) => (b.brotli > a.brotli ? b : a), { raw: 0, gzip: 0, brotli: 0 });

  const loadFile = async (path: string) => byPath.get(path)!.toString('utf8');
  const parsed = JSON.parse(manifestBytes.toString('utf8')) as SearchManifest;
  const loadStart = performance.now();
  const search = await createSearch(parsed, loadFile);
  const coreLoadMs = performance.now() - loadStart;
  const firstFull = performance.now();
  await search.search('search issues', { full: true });
  const firstFullSearchMs = performance.now() - firstFull;
  const again = performance.now();
  await search.search('create records', { full: true });
  const fullSearchMs = performance.now() - again;

  const firstLoad = sum([manifest, core]);
  return {
    servers: model.index.servers.length,
    firstLoad,
    core,
    manifest,
    shards: { count: shardSizes.length, total: sum(shardSizes), largest },
    buildMs: Math.round(buildMs),
    coreLoadMs: Math.round(coreLoadMs),
    firstFullSearchMs: Math.round(firstFullSearchMs),
    fullSearchMs: Math.round(fullSearchMs),
    firstLoadTargetBrotli: FIRST_LOAD_TARGET_BROTLI,
    ok: firstLoad.brotli <= FIRST_LOAD_TARGET_BROTLI,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { count: { type: 'string' }, seed: { type: 'string' } } });
  const count = Number(values.count ?? 10_000);
  const seed = Number(values.seed ?? 1);
  const modelStart = performance.now();
  const model = syntheticEmitModel(count, seed);
  const modelMs = Math.round(performance.now() - modelStart);
  process.stdout.write(`${JSON.stringify({ bench: 'search-size', seed, modelMs, ...(await measureSearch(model)) })}\n`);
}
