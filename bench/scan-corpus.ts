/**
 * Scan benchmark over the whole regression corpus (bundles/sources, built with `--all`): for
 * each real bundle, the median of `catalog scan` and of `unzip -p > /dev/null` on the same file,
 * and the scan's peak RSS. Summed over the corpus, that gives time per MB (of bundle and of
 * inflated content) for both, and their ratio; peak memory is the largest of the per-bundle
 * medians. A bundle's scan may exit 0 (pass) or 3 (review); anything else stops the benchmark.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import yauzl from 'yauzl';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { buildFixtureBundle, SCAN_FIXTURES_DIR } from '../pipeline/test-support/bundle-fixtures.ts';
import { startOsvServer } from '../pipeline/test-support/osv-server.ts';
import { buildBundle, sourceNames } from '../scripts/build-bundles.ts';
import { figure, measure, ratio } from './lib.ts';

interface Measured {
  code: number | null;
  maxRssKb: number | undefined;
}

function runDiscard(command: string, args: readonly string[], cwd: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = /maxrss_kb=(\d+)/.exec(stderr);
      resolve({ code, maxRssKb: rss ? Number(rss[1]) : undefined });
    });
  });
}

/** The inflated size of every entry, from the central directory. */
async function inflatedSize(file: string): Promise<number> {
  const zipfile = await yauzl.openPromise(file, { lazyEntries: true });
  let total = 0;
  for await (const entry of zipfile.eachEntry() as AsyncIterableIterator<yauzl.Entry>) total += entry.uncompressedSize;
  zipfile.close();
  return total;
}

const MB = 1024 * 1024;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function benchScanCorpus(repoRoot: string, runs: number): Promise<void> {
  const osv = await startOsvServer({ recordsDir: join(repoRoot, 'pipeline/adapters/__fixtures__/osv/records') });
  try {
    let bytes = 0;
    let inflated = 0;
    let scanMs = 0;
    let unzipMs = 0;
    const rssPeaks: number[] = [];
    const names = sourceNames({ all: true });
    const scan = (file: string) => () =>
      runDiscard(
        process.execPath,
        ['--import', './bench/report-rss.ts', 'pipeline/cli.ts', 'scan', file, '--json', '--osv-url', osv.url],
        repoRoot,
      );
    // What every scan pays before the first byte (Node, imports, schemas, the OSV round trip), on a two-file bundle.
    const tiny = join(tmpdir(), `scan-corpus-base-${process.pid}.mcpb`);
    await writeFile(tiny, await buildFixtureBundle(join(SCAN_FIXTURES_DIR, 'text-pseudo-tag.ok')));
    const { timing: fixed } = await measure(runs, scan(tiny), (r) => {
      if (r.code !== 0) throw new Error(`scan of the base bundle exited with ${r.code}`);
    });
    for (const name of names) {
      const file = (await buildBundle(name)).path;
      const size = statSync(file).size;
      const content = await inflatedSize(file);
      const { timing: unzip } = await measure(
        runs,
        () => runDiscard('unzip', ['-p', file], repoRoot),
        (r) => {
          if (r.code !== 0) throw new Error(`unzip exited with ${r.code}`);
        },
      );
      const rss: number[] = [];
      const { timing: scanned } = await measure(runs, scan(file), (r) => {
        if (r.code !== 0 && r.code !== 3) throw new Error(`scan of ${name} exited with ${r.code}`);
        if (r.maxRssKb) rss.push(r.maxRssKb);
      });
      figure({
        bench: 'scan-corpus-bundle',
        bundle: name,
        size_mb: Math.round((size / MB) * 10) / 10,
        inflated_mb: Math.round((content / MB) * 10) / 10,
        unzip_median_ms: unzip.median_ms,
        scan_median_ms: scanned.median_ms,
        ratio_vs_unzip: ratio(scanned.median_ms, unzip.median_ms),
        max_rss_mb: Math.round(median(rss) / 1024),
      });
      bytes += size;
      inflated += content;
      scanMs += scanned.median_ms;
      unzipMs += unzip.median_ms;
      rssPeaks.push(median(rss));
    }
    await rm(tiny, { force: true });
    figure({
      bench: 'scan-corpus',
      bundles: names.length,
      size_mb: Math.round(bytes / MB),
      inflated_mb: Math.round(inflated / MB),
      scan_ms_per_mb: Math.round(scanMs / (bytes / MB)),
      unzip_ms_per_mb: Math.round(unzipMs / (bytes / MB)),
      scan_ms_per_inflated_mb: Math.round(scanMs / (inflated / MB)),
      unzip_ms_per_inflated_mb: Math.round(unzipMs / (inflated / MB)),
      ratio_vs_unzip: ratio(scanMs, unzipMs),
      fixed_cost_ms: fixed.median_ms,
      scan_ms_per_mb_without_fixed_cost: Math.round((scanMs - names.length * fixed.median_ms) / (bytes / MB)),
      ratio_vs_unzip_without_fixed_cost: ratio(scanMs - names.length * fixed.median_ms, unzipMs),
      peak_rss_mb: Math.round(Math.max(...rssPeaks) / 1024),
      median_rss_mb: Math.round(median(rssPeaks) / 1024),
    });
  } finally {
    await osv.close();
  }
}
