/**
 * Benchmarks: one JSON line per figure on stdout. Baselines are measured in the same run, so the
 * ratios compare across machines even when the milliseconds do not.
 *
 *   npm run bench                   (BENCH_RUNS=n sets the runs per figure, default 5)
 *
 * Exits non-zero only when a measured command fails; a missed target is a figure, not an error.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerDetail, ValidationReport } from '../pipeline/core/schema-types.gen.ts';
import { generateCatalog, toJson, withVersion } from './generate-catalog.ts';
import { benchBuild } from './build.ts';
import { benchScan } from './scan.ts';
import { benchInstaller } from './installer.ts';
import { benchSite } from './site.ts';
import { figure, measure, ratio, run, runOk, runsFromEnv, type RunResult, type Timing } from './lib.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const LISTINGS = 10_000;

interface Context {
  /** The synthetic catalog, a committed git repository. */
  root: string;
  runs: number;
}

interface Baselines {
  startup: Timing;
  readParse: Timing;
}

/**
 * Identity and signing come from `-c` so a machine without git config works; automatic gc is off
 * because a background gc would compete with the measurements and race the cleanup.
 */
const GIT_CONFIG = [
  'user.name=bench',
  'user.email=bench@example.invalid',
  'commit.gpgsign=false',
  'gc.auto=0',
  'maintenance.auto=false',
];

async function commitAll(root: string): Promise<void> {
  const git = (...args: string[]) => runOk('git', [...GIT_CONFIG.flatMap((c) => ['-c', c]), ...args], root);
  await git('init', '-q');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'Synthetic catalog');
}

function expectExitZero(result: RunResult): void {
  if (result.code !== 0) throw new Error(`command exited with ${result.code}\n${result.stderr}`);
}

/**
 * Every JSON file of the catalog, read and parsed: the floor that any validator has to pay.
 * Synchronous on purpose: it is the fastest way in-process (async readFile costs thread-pool round
 * trips per file), and a floor should not include avoidable overhead.
 */
async function readParseAll(root: string): Promise<void> {
  const files = readdirSync(join(root, 'catalog'), { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.json'),
  );
  JSON.parse(readFileSync(join(root, 'catalog.config.json'), 'utf8'));
  for (const file of files) JSON.parse(readFileSync(join(root, 'catalog', file), 'utf8'));
}

async function baselines(ctx: Context): Promise<Baselines> {
  const { timing: startup } = await measure(
    ctx.runs,
    () => run(process.execPath, ['-e', '0'], REPO_ROOT),
    expectExitZero,
  );
  figure({ bench: 'baseline-node-startup', ...startup });
  const { timing: readParse } = await measure(
    ctx.runs,
    () => readParseAll(ctx.root),
    () => {},
  );
  figure({ bench: 'baseline-read-parse', listings: LISTINGS, ...readParse });
  return { startup, readParse };
}

/** A figure with a target: `ok` says whether the median meets it. */
function targetFigure(
  bench: string,
  timing: Timing,
  target: number,
  base: Baselines,
  extra: Record<string, unknown> = {},
): void {
  figure({
    bench,
    listings: LISTINGS,
    ...timing,
    target_ms: target,
    ok: timing.median_ms <= target,
    ratio_vs_read_parse: ratio(timing.median_ms, base.readParse.median_ms),
    ratio_vs_node_startup: ratio(timing.median_ms, base.startup.median_ms),
    ...extra,
  });
}

function validate(root: string, ...flags: string[]): () => Promise<RunResult> {
  return () => run(process.execPath, ['pipeline/cli.ts', 'validate', '--root', root, ...flags, '--json'], REPO_ROOT);
}

/** The validator's report if it passed; otherwise shows why on stderr and throws, as timing a failure is worthless. */
function passedReport(result: RunResult): ValidationReport {
  let report: ValidationReport | undefined;
  try {
    report = JSON.parse(result.stdout) as ValidationReport;
  } catch {
    // Not JSON: reported below with the raw output.
  }
  const errors = report?.issues.filter((issue) => issue.severity === 'error') ?? [];
  if (result.code === 0 && report && errors.length === 0) return report;
  const shown =
    errors.length > 0
      ? errors
          .slice(0, 10)
          .map((issue) => JSON.stringify(issue))
          .join('\n')
      : result.stdout.slice(0, 2000);
  throw new Error(
    `validate exited with ${result.code}, ${errors.length} error(s)\n${shown}\n${result.stderr.slice(0, 2000)}`,
  );
}

async function validateFull(ctx: Context, base: Baselines): Promise<Timing> {
  const { timing } = await measure(ctx.runs, validate(ctx.root), passedReport);
  targetFigure('validate-full', timing, 5000, base);
  return timing;
}

/**
 * Adds a new version of an existing server, uncommitted. Editing a listing would be the obvious
 * change, but listings are immutable and the validator rejects edits.
 */
async function addVersion(root: string): Promise<void> {
  const servers = join(root, 'catalog/servers');
  // The first server in sorted order, so every run changes the same one.
  const namespace = (await readdir(servers)).sort()[0]!;
  const dir = join(servers, namespace, (await readdir(join(servers, namespace))).sort()[0]!);
  const files = await readdir(dir);
  const major = Math.max(...files.map((file) => Number(file.split('.')[0])));
  const listing = JSON.parse(await readFile(join(dir, files[0]!), 'utf8')) as ServerDetail;
  const version = `${major + 1}.0.0`;
  await writeFile(join(dir, `${version}.json`), toJson(withVersion(listing, version)));
}

async function validateOneChanged(ctx: Context, base: Baselines): Promise<void> {
  await addVersion(ctx.root);
  const { timing, last } = await measure(ctx.runs, validate(ctx.root, '--changed-since', 'HEAD'), passedReport);
  const checked = passedReport(last).checked;
  // Zero would mean the new file went unseen; many would mean the validator is not incremental.
  if (checked === undefined || checked < 1 || checked > 10) {
    throw new Error(`validate --changed-since checked ${checked ?? 'an unknown number of'} files; expected 1 to 10`);
  }
  targetFigure('validate-one-changed', timing, 1000, base, { files_checked: checked });
}

async function main(): Promise<void> {
  const ctx: Context = { root: await mkdtemp(join(tmpdir(), 'mcp-catalog-bench-')), runs: runsFromEnv() };
  try {
    await generateCatalog(ctx.root, LISTINGS);
    await commitAll(ctx.root);
    const base = await baselines(ctx);
    // BENCH_ONLY=build (or validate, scan) runs one group; the default is all of them.
    const only = process.env.BENCH_ONLY;
    const full = await validateFull(ctx, base);
    if (!only || only === 'validate') await validateOneChanged(ctx, base);
    if (!only || only === 'build') await benchBuild(REPO_ROOT, ctx.root, ctx.runs, LISTINGS, addVersion, full);
    if (!only || only === 'scan') await benchScan(REPO_ROOT, ctx.root, ctx.runs);
    if (!only || only === 'site') await benchSite(REPO_ROOT, ctx.root, ctx.runs, addVersion);
    if (!only || only === 'installer') await benchInstaller(ctx.runs);
  } finally {
    await rm(ctx.root, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
