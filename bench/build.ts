/**
 * `npm run build` at 10,000 listings (no bundles): the pipeline up to and including emit, and a
 * rebuild after one new listing, plus the sizes that clients download: index.json raw and
 * compressed, and the first-load search payload (search/manifest.json + search/core.json).
 * The phase times come from the build's own step log; the wall time includes signing index.json
 * and the dist/ check after emit.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { figure, measure, ratio, run, type RunResult, type Timing } from './lib.ts';

const EMIT_TARGET_MS = 20_000;
const REBUILD_TARGET_MS = 5_000;

function build(repo: string, root: string, out: string): () => Promise<RunResult> {
  return () =>
    // The pipeline alone: bench/site.ts measures the whole build with the site.
    run(
      process.execPath,
      ['pipeline/run.ts', '--root', root, '--out', out, '--offline', '--signing', 'dev', '--no-site'],
      repo,
    );
}

function ok(result: RunResult): void {
  if (result.code !== 0) throw new Error(`build exited with ${result.code}\n${result.stderr.slice(-3000)}`);
}

/** Seconds since start at the end of the `emit` step, from the build log. */
function emitSeconds(result: RunResult): number {
  const match = /^emit: .*?(\d+\.\d) s$/m.exec(result.stdout);
  if (!match) throw new Error(`no emit step in the build log:\n${result.stdout}`);
  return Number(match[1]);
}

const sizes = (bytes: Buffer) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});

export async function benchBuild(
  repo: string,
  root: string,
  runs: number,
  listings: number,
  addVersion: (root: string) => Promise<void>,
  baseline: Timing,
): Promise<void> {
  const out = join(root, '.bench-dist');
  await coldBuilds('build-to-emit', out);
  // Writing ~50,000 small files is most of a cold build on a slow disk, and the disk's speed
  // varies from run to run; the same build into memory (tmpfs) shows what the pipeline itself costs.
  if (existsSync('/dev/shm')) {
    const memory = await mkdtemp('/dev/shm/mcp-catalog-bench-');
    try {
      await coldBuilds('build-to-emit-tmpfs', join(memory, 'dist'));
    } finally {
      await rm(memory, { recursive: true, force: true });
    }
  }

  async function coldBuilds(bench: string, dist: string): Promise<void> {
    const emitTimes: number[] = [];
    // Each run starts from an empty dist/ and an empty build cache: the cold full build.
    const { timing: cold } = await measure(
      runs,
      async () => {
        await rm(dist, { recursive: true, force: true });
        await rm(join(root, '.cache'), { recursive: true, force: true });
        return build(repo, root, dist)();
      },
      (result) => {
        ok(result);
        emitTimes.push(emitSeconds(result) * 1000);
      },
    );
    emitTimes.sort((a, b) => a - b);
    const emitMedian = Math.round(emitTimes[Math.floor(emitTimes.length / 2)]!);
    figure({
      bench,
      listings,
      runs,
      median_ms: emitMedian,
      min_ms: Math.round(emitTimes[0]!),
      max_ms: Math.round(emitTimes[emitTimes.length - 1]!),
      target_ms: EMIT_TARGET_MS,
      ok: emitMedian <= EMIT_TARGET_MS,
      wall_median_ms: cold.median_ms,
      ratio_vs_validate_full: ratio(emitMedian, baseline.median_ms),
    });
  }

  const index = await readFile(join(out, 'index.json'));
  const manifest = await readFile(join(out, 'search/manifest.json'));
  const core = await readFile(join(out, 'search/core.json'));
  figure({ bench: 'index-json-size', listings, ...sizes(index) });
  figure({
    bench: 'search-first-load-size',
    listings,
    ...sizes(Buffer.concat([manifest, core])),
    target_brotli: 1_000_000,
  });

  // One new listing on top of the last build: the incremental path (caches, dist manifest, serial).
  const { timing: rebuild, last } = await measure(
    runs,
    async () => {
      await addVersion(root);
      return build(repo, root, out)();
    },
    ok,
  );
  figure({
    bench: 'rebuild-one-changed',
    listings,
    ...rebuild,
    target_ms: REBUILD_TARGET_MS,
    ok: rebuild.median_ms <= REBUILD_TARGET_MS,
    ratio_vs_validate_full: ratio(rebuild.median_ms, baseline.median_ms),
    emit_s: emitSeconds(last),
  });
}
