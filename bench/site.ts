/// <reference lib="dom" />
// The functions given to page.evaluate run in the browser: DOM types for them.
/**
 * The site's figures (issue 9), medians of BENCH_RUNS:
 *
 * - the whole `npm run build` (pipeline and site) of the 10,000-listing synthetic catalog, cold and
 *   after one changed listing;
 * - in headless Chromium over loopback, through the GitHub Pages double (gzip, as Pages serves):
 *   page load to the first search result and the bytes transferred until then, at 10,000 and
 *   50,000 servers; the home page's bytes; the p95 latency of 200 realistic queries typed into
 *   the browse page (search, facets and rendering, from the input event to the results event),
 *   first with the shards each query needs loaded on the way (cold), then again (warm).
 *
 * The browser figures use the search index of the synthetic model (bench/synthetic-model.ts: 5–15
 * tools and long text per server, richer than the generated catalog) in the built site's pages.
 * Baselines in the same run: loading a blank page through the same host, and the pipeline alone.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { emitSearch } from '../pipeline/emit/search.ts';
import type { EmitModel } from '../pipeline/emit/types.ts';
import { CHROMIUM_PATH, launchChromium } from '../pipeline/test-support/chromium.ts';
import { startPagesHost, type PagesHost } from '../pipeline/test-support/pages-host.ts';
import { figure, measure, ratio, run, type RunResult, type Timing } from './lib.ts';
import { syntheticEmitModel } from './synthetic-model.ts';

const TARGETS = {
  cold_ms: 60_000,
  rebuild_ms: 15_000,
  first_result_ms: 1_000,
  first_result_bytes: 1_200_000,
  home_bytes: 150_000,
  query_p95_ms: 10,
};

function ok(result: RunResult): void {
  if (result.code !== 0) throw new Error(`build exited with ${result.code}\n${result.stderr.slice(-3000)}`);
}

export async function benchSite(
  repo: string,
  root: string,
  runs: number,
  addVersion: (root: string) => Promise<void>,
): Promise<void> {
  const out = join(root, '.bench-site-dist');
  const build =
    (...flags: string[]) =>
    () =>
      run(
        process.execPath,
        ['pipeline/run.ts', '--root', root, '--out', out, '--offline', '--signing', 'dev', ...flags],
        repo,
      );

  // Baseline: the pipeline alone, warm (what the site adds on top is the difference).
  await rm(out, { recursive: true, force: true });
  ok(await build()());
  const { timing: pipelineOnly } = await measure(runs, build('--no-site'), ok);
  figure({ bench: 'baseline-pipeline-rebuild-no-site', ...pipelineOnly });

  const { timing: cold } = await measure(
    runs,
    async () => {
      await rm(out, { recursive: true, force: true });
      await rm(join(root, '.cache/site'), { recursive: true, force: true });
      return build()();
    },
    ok,
  );
  target('build-with-site-cold', cold, TARGETS.cold_ms, {
    ratio_vs_pipeline_rebuild: ratio(cold.median_ms, pipelineOnly.median_ms),
  });

  const { timing: rebuild, last } = await measure(
    runs,
    async () => {
      await addVersion(root);
      return build()();
    },
    ok,
  );
  const rendered = /site: (\d+) pages, (\d+) rendered/.exec(last.stdout);
  target('build-with-site-one-change', rebuild, TARGETS.rebuild_ms, {
    pages: Number(rendered?.[1]),
    pages_rendered: Number(rendered?.[2]),
    ratio_vs_pipeline_rebuild: ratio(rebuild.median_ms, pipelineOnly.median_ms),
  });

  if (!existsSync(CHROMIUM_PATH)) {
    figure({ bench: 'site-browser', skipped: `no ${CHROMIUM_PATH} (apt-get install chromium)` });
    return;
  }
  const browser = await launchChromium();
  try {
    for (const servers of [10_000, 50_000]) await browserFigures(browser, out, servers, runs);
  } finally {
    await browser.close();
  }
}

function target(bench: string, timing: Timing, targetMs: number, extra: Record<string, unknown> = {}): void {
  figure({ bench, ...timing, target_ms: targetMs, ok: timing.median_ms <= targetMs, ...extra });
}

/** The built site with the search index of `servers` synthetic servers in place of its own. */
async function siteWithIndex(dist: string, model: EmitModel): Promise<string> {
  const servers = model.index.servers.length;
  const dir = await mkdtemp(join(tmpdir(), `mcp-catalog-site-${servers}-`));
  for (const path of ['index.html', 'servers/index.html', '_astro', 'theme.js', 'favicon.svg', '404.html'])
    await cp(join(dist, path), join(dir, path), { recursive: true });
  await writeFile(join(dir, 'blank.html'), '<!doctype html><title>blank</title>');
  for (const file of emitSearch(model)) {
    await mkdir(dirname(join(dir, file.path)), { recursive: true });
    await writeFile(join(dir, file.path), file.body);
  }
  return dir;
}

/** Bytes on the wire (compressed bodies plus headers) of everything the page loaded. */
async function countBytes(page: Page): Promise<() => number> {
  const session = await page.context().newCDPSession(page);
  await session.send('Network.enable');
  let bytes = 0;
  session.on('Network.loadingFinished', (event: { encodedDataLength: number }) => (bytes += event.encodedDataLength));
  return () => bytes;
}

/** Realistic queries: words of server titles and tags, as typed (prefixes), with typos, and pairs. */
export function realisticQueries(words: readonly string[], count: number): string[] {
  let seed = 7;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const pick = () => words[Math.floor(next() * words.length)]!;
  const queries: string[] = [];
  while (queries.length < count) {
    const word = pick();
    const kind = queries.length % 4;
    if (kind === 0) queries.push(word);
    else if (kind === 1) queries.push(word.slice(0, Math.max(3, Math.ceil(word.length * 0.6))));
    else if (kind === 2 && word.length >= 5) {
      const i = 1 + Math.floor(next() * (word.length - 2));
      queries.push(word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2));
    } else queries.push(`${word} ${pick()}`);
  }
  return queries;
}

export async function browserFigures(browser: Browser, dist: string, servers: number, runs: number): Promise<void> {
  const model = syntheticEmitModel(servers);
  const dir = await siteWithIndex(dist, model);
  let host: PagesHost | undefined;
  try {
    host = await startPagesHost(dir);
    const words = [
      ...new Set(
        model.index.servers.flatMap((s) => [...(s.title ?? '').split(/\s+/), ...s.tags]).filter((w) => w.length >= 4),
      ),
    ].map((w) => w.toLowerCase());
    const target = model.index.servers[Math.floor(servers / 3)]!;
    const query = (target.title ?? target.name).split(/\s+/)[0]!.toLowerCase();

    // Baseline: a blank page through the same host, on the page's own clock (navigation start to load).
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const blankMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const page = await browser.newPage();
      await page.goto(`${host.url}/blank.html`, { waitUntil: 'load' });
      blankMs.push(await page.evaluate(() => performance.getEntriesByType('navigation')[0]!.duration));
      await page.close();
    }
    figure({ bench: 'baseline-browser-blank-page', servers, runs, median_ms: Number(median(blankMs).toFixed(1)) });

    const bytes: number[] = [];
    const firstMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const page = await browser.newPage();
      const total = await countBytes(page);
      // Installed before the page's own scripts run: the page-clock time of the first results event.
      await page.addInitScript(() =>
        document.addEventListener(
          'catalog:results',
          (e) => {
            (window as unknown as { firstResult: number }).firstResult = (e as CustomEvent<{ at: number }>).detail.at;
          },
          { once: true },
        ),
      );
      await page.goto(`${host.url}/servers/?q=${encodeURIComponent(query)}`, { waitUntil: 'commit' });
      const handle = await page.waitForFunction(
        () => (window as unknown as { firstResult?: number }).firstResult,
        undefined,
        { timeout: 30_000 },
      );
      firstMs.push((await handle.jsonValue()) as number);
      const hits = await page.locator('#results li.card').count();
      bytes.push(total());
      await page.close();
      if (!(hits > 0)) throw new Error(`no result for "${query}" at ${servers} servers`);
    }
    figure({
      bench: 'site-first-result',
      servers,
      query,
      runs,
      median_ms: Math.round(median(firstMs)),
      target_ms: TARGETS.first_result_ms,
      ok: median(firstMs) <= TARGETS.first_result_ms,
      bytes: median(bytes),
      target_bytes: TARGETS.first_result_bytes,
      bytes_ok: median(bytes) <= TARGETS.first_result_bytes,
      ratio_vs_blank_page: ratio(median(firstMs), median(blankMs)),
    });

    if (servers === 10_000) {
      const page = await browser.newPage();
      const total = await countBytes(page);
      const before = host.requests.length;
      await page.goto(`${host.url}/`, { waitUntil: 'networkidle' });
      const searchLoaded = host.requests.slice(before).some((r) => r.url.includes('/search/'));
      figure({
        bench: 'site-home-bytes',
        bytes: total(),
        target_bytes: TARGETS.home_bytes,
        ok: total() <= TARGETS.home_bytes,
        search_index_loaded: searchLoaded,
      });
      await page.close();
    }

    const page = await browser.newPage();
    await page.goto(`${host.url}/servers/`);
    await page.waitForFunction(() => document.documentElement.dataset.searchReady === 'true');
    const type = (queries: string[]) =>
      page.evaluate(async (qs: string[]) => {
        const input = document.getElementById('q') as HTMLInputElement;
        type Detail = { ms: number; searchMs: number; browseMs: number; cardsMs: number };
        const out: Detail[] = [];
        for (const q of qs) {
          const done = new Promise<Detail>((resolve) =>
            document.addEventListener('catalog:results', (e) => resolve((e as CustomEvent<Detail>).detail), {
              once: true,
            }),
          );
          input.value = q;
          input.dispatchEvent(new Event('input'));
          out.push(await done);
        }
        return out;
      }, queries);
    const queries = realisticQueries(words, 200);
    // First pass: each query loads the term shards and card files it needs for the first time
    // (over loopback). Second pass, the same queries: everything they need is loaded, so this is
    // the search, facets, sort and rendering alone (what the old design's figure measured, with its
    // whole index loaded up front).
    const cold = await type(queries);
    const warm = await type(queries);
    await page.close();
    const p95Of = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;
    const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const [pass, latencies] of [
      ['cold', cold],
      ['warm', warm],
    ] as const) {
      const p95 = p95Of(latencies.map((l) => l.ms));
      figure({
        bench: 'site-query-latency',
        servers,
        pass,
        queries: latencies.length,
        median_ms: Number(medianOf(latencies.map((l) => l.ms)).toFixed(2)),
        p95_ms: Number(p95.toFixed(2)),
        // Where the time goes: the search (with its shard loads), facets and sort (lib/browse.ts),
        // loading the page's cards, and the rest is the DOM.
        p95_search_ms: Number(p95Of(latencies.map((l) => l.searchMs)).toFixed(2)),
        p95_browse_ms: Number(p95Of(latencies.map((l) => l.browseMs)).toFixed(2)),
        p95_cards_ms: Number(p95Of(latencies.map((l) => l.cardsMs)).toFixed(2)),
        target_p95_ms: TARGETS.query_p95_ms,
        ok: p95 <= TARGETS.query_p95_ms,
      });
    }
  } finally {
    await host?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
