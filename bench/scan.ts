/**
 * Scan benchmark: `catalog scan` on real bundles, beside two baselines on the same file measured
 * in the same run, `sha256sum` (reading the bytes once) and `unzip -p > /dev/null` (inflating
 * every entry). Target: a full scan within 3× the unzip baseline.
 *
 * Peak memory (max RSS of the scan process) is measured at two sizes, a real bundle and one with
 * three real bundles' files in it, to show that the scan streams: memory must stay flat as the
 * bundle grows.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { buildFixtureBundle, SCAN_FIXTURES_DIR } from '../pipeline/test-support/bundle-fixtures.ts';
import { startOsvServer } from '../pipeline/test-support/osv-server.ts';
import { buildBundle } from '../scripts/build-bundles.ts';
import { figure, measure, ratio, type Timing } from './lib.ts';
import { benchScanCorpus } from './scan-corpus.ts';

interface Measured {
  code: number | null;
  /** Peak resident set of the child, in KiB (from the child itself, see report-rss.ts). */
  maxRssKb: number | undefined;
}

/** Runs a command with stdout discarded, so the baseline pays for nothing but its own work. */
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

/** The real bundles scan to pass; any other exit means the figure would measure something else. */
function finished(result: Measured): void {
  if (result.code !== 0) throw new Error(`scan exited with ${result.code}`);
}

function exitZero(result: Measured): void {
  if (result.code !== 0) throw new Error(`baseline exited with ${result.code}`);
}

/** A bundle with the entries of several real bundles, each under its own folder, for the size sweep. */
async function combine(bundles: string[], out: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const done = pipeline(zip.outputStream, createWriteStream(out));
  for (const [index, bundle] of bundles.entries()) {
    const zipfile = await yauzl.openPromise(bundle);
    for await (const entry of zipfile.eachEntry() as AsyncIterableIterator<yauzl.Entry>) {
      if (entry.fileName.endsWith('/')) continue;
      // The first bundle stays at the root, so its manifest and entry point still match.
      const name: string = index === 0 ? entry.fileName : `part${index}/${entry.fileName}`;
      if (index > 0 && entry.fileName === 'manifest.json') continue;
      const chunks: Buffer[] = [];
      for await (const chunk of await zipfile.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
      zip.addBuffer(Buffer.concat(chunks), name, { mtime: new Date(0), mode: 0o100644 });
    }
    zipfile.close();
  }
  zip.end();
  await done;
}

export async function benchScan(repoRoot: string, work: string, runs: number): Promise<void> {
  const names = ['server-filesystem', 'server-everything', 'server-memory'];
  const bundles: string[] = [];
  for (const name of names) bundles.push((await buildBundle(name)).path);
  const large = join(work, 'three-servers.mcpb');
  await combine(bundles, large);
  // OSV answers from a local server with the fixture records, so the figure includes the real
  // querybatch round trip without the internet's latency.
  const osv = await startOsvServer({ recordsDir: join(repoRoot, 'pipeline/adapters/__fixtures__/osv/records') });
  const scan = (file: string) => () =>
    runDiscard(
      process.execPath,
      ['--import', './bench/report-rss.ts', 'pipeline/cli.ts', 'scan', file, '--json', '--osv-url', osv.url],
      repoRoot,
    );
  try {
    await measureSizes(bundles, large, runs, repoRoot, scan);
  } finally {
    await osv.close();
  }
  // The whole regression corpus, built with `--all` (scan-corpus.ts).
  await benchScanCorpus(repoRoot, runs);
}

async function measureSizes(
  bundles: string[],
  large: string,
  runs: number,
  repoRoot: string,
  scan: (file: string) => () => Promise<Measured>,
): Promise<void> {
  // The fixed cost of a scan (Node start, imports, schema compile, the OSV round trip) on the
  // scanner fixtures' base bundle, two small files: what every scan pays before the first byte.
  const tiny = join(dirname(large), 'base.mcpb');
  await writeFile(tiny, await buildFixtureBundle(join(SCAN_FIXTURES_DIR, 'text-pseudo-tag.ok')));
  const { timing: fixed } = await measure(runs, scan(tiny), finished);
  figure({ bench: 'scan-fixed-cost', bundle: 'base (2 files)', ...fixed });

  const sizes: { file: string; label: string; scan: Timing; rss: number }[] = [];
  for (const [label, file] of [
    ['server-filesystem', bundles[0]!],
    ['three-servers', large],
  ] as const) {
    const { timing: sha } = await measure(runs, () => runDiscard('sha256sum', [file], repoRoot), exitZero);
    const { timing: unzip } = await measure(runs, () => runDiscard('unzip', ['-p', file], repoRoot), exitZero);
    const rss: number[] = [];
    const { timing } = await measure(runs, scan(file), (result) => {
      finished(result);
      if (result.maxRssKb) rss.push(result.maxRssKb);
    });
    rss.sort((a, b) => a - b);
    const medianRss = rss[Math.floor(rss.length / 2)] ?? 0;
    figure({ bench: 'baseline-sha256sum', bundle: label, ...sha });
    figure({ bench: 'baseline-unzip', bundle: label, ...unzip });
    figure({
      bench: 'scan',
      bundle: label,
      ...timing,
      ratio_vs_unzip: ratio(timing.median_ms, unzip.median_ms),
      ratio_vs_sha256sum: ratio(timing.median_ms, sha.median_ms),
      target_ratio_vs_unzip: 3,
      ok: timing.median_ms <= 3 * unzip.median_ms,
      // The scan's own work on this bundle, once the fixed cost is paid.
      ratio_vs_unzip_without_fixed_cost: ratio(timing.median_ms - fixed.median_ms, unzip.median_ms),
      max_rss_mb: Math.round(medianRss / 1024),
    });
    sizes.push({ file, label, scan: timing, rss: medianRss });
  }
  const [small, big] = sizes as [(typeof sizes)[0], (typeof sizes)[0]];
  figure({
    bench: 'scan-memory-growth',
    small: small.label,
    large: big.label,
    rss_ratio_large_vs_small: ratio(big.rss, small.rss),
    time_ratio_large_vs_small: ratio(big.scan.median_ms, small.scan.median_ms),
  });
}
