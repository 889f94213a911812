/**
 * `catalog pr-report --event FILE --out DIR [...]`: the pull request check, in the unprivileged
 * `pull_request` job. It runs the base branch's code with the pull request's checkout as data
 * (the same split as `validate`), has no write token, and writes a folder for
 * `actions/upload-artifact`:
 *
 * - `report.json` (schema pr-report): validation, ownership, and per changed server the scan of
 *   each new bundle against the previous version's tool pins (the rug-pull check), digest,
 *   publisher signature, capabilities, and the listing as the site shows it;
 * - `comment.md`, the comment `pr-comment` will post (it renders it again from report.json);
 * - `labels.txt`, the managed labels that apply;
 * - `preview/`, the built site of just the changed servers (their detail pages), from a dist the
 *   real pipeline builds in a temporary folder.
 *
 * It prints every problem, and GitHub annotations on the exact lines under Actions, and exits 1
 * when the check fails: the job's status is the gate, the comment only explains it.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { fileCache, sourceDigest } from '../adapters/build-cache.ts';
import { fsCatalogReader } from '../adapters/catalog-fs.ts';
import { loadTrustedCertificates } from '../adapters/mcpb-signature-file.ts';
import { createOsvClient } from '../adapters/osv.ts';
import { resolveConfig } from '../core/config.ts';
import { isObject } from '../core/guards.ts';
import { hasErrors, sortIssues, type Issue } from '../core/issues.ts';
import { classify } from '../core/layout.ts';
import { annotate, formatIssue } from '../core/report.ts';
import { REPO_ROOT } from '../core/schema-files.ts';
import type { CatalogConfig, Review, ScanReport, ToolPin } from '../core/schema-types.gen.ts';
import { validateSchema } from '../core/schema-validator.ts';
import { scanBundleFile } from '../scan/scan-file.ts';
import {
  acknowledgementsByServer,
  bundleIssues,
  bundleTargets,
  type BundleOutcome,
  type BundleTarget,
} from '../stages/bundle-issues.ts';
import { fetchArtifacts } from '../stages/fetch.ts';
import { loadCatalog, type LoadedCatalog } from '../stages/load.ts';
import { buildModel, jsonFile, type ArtifactFacts } from '../stages/model.ts';
import {
  buildReport,
  changedServers,
  listingPreview,
  packageCheck,
  renderComment,
  type BundleFacts,
  type PrReport,
  type ReportInput,
} from '../stages/pr-report.ts';
import { declaredToolsByServer, scanArtifacts, SCANNER_SOURCES } from '../stages/scan-artifacts.ts';
import { UsageError, type CommandResult } from './args.ts';
import { ISSUE_FORM_AUTHOR } from '../stages/validate.ts';
import { defaultLookups, validate, type OwnershipLookups } from './validate.ts';

export const USAGE = `  pr-report --event FILE --out DIR [--root DIR] [--base-root DIR] [--changed-since SHA]
            [--osv-url URL | --offline] [--no-pages]
      The pull request check (pull_request job): validate what the pull request changes, with
      namespace ownership and review authorship for its author, scan its bundles against the
      previous version's tool pins, and write DIR/report.json, comment.md, labels.txt and
      preview/ (the built pages of the changed servers). FILE is the pull_request event
      (GITHUB_EVENT_PATH). Exit 1 when the check fails.`;

const run = promisify(execFile);
const EVENT_LIMIT = 25 * 1024 * 1024;

export interface PrReportDeps {
  /** Ownership lookups; by default GitHub from the environment and the public DNS and HTTPS. */
  lookups?: OwnershipLookups;
  now?: Date;
}

export async function prReportCommand(argv: string[], deps: PrReportDeps = {}): Promise<CommandResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      event: { type: 'string' },
      out: { type: 'string' },
      root: { type: 'string' },
      'base-root': { type: 'string' },
      'changed-since': { type: 'string' },
      'osv-url': { type: 'string' },
      offline: { type: 'boolean' },
      pages: { type: 'boolean', default: true },
    },
    allowNegative: true,
  });
  if (!values.event) throw new UsageError('pr-report needs --event FILE (the pull_request event, GITHUB_EVENT_PATH).');
  if (!values.out) throw new UsageError('pr-report needs --out DIR.');
  const pullRequest = await readPullRequestEvent(values.event);
  const root = resolve(values.root ?? '.');
  const baseRoot = values['base-root'] ? resolve(values['base-root']) : undefined;
  const out = resolve(values.out);
  const offline = values.offline ?? false;
  const now = deps.now ?? new Date();

  // 1–2. load and validate, with the ownership facts looked up for the author.
  const lookups = deps.lookups ?? defaultLookups();
  const acting = await actingAuthor(pullRequest, lookups);
  const validation = await validate({
    root,
    changedSince: values['changed-since'] ?? pullRequest.baseSha,
    author: acting.login,
    lookups,
  });
  const { catalog } = validation;
  const changes = validation.changes!;
  const issues = [...validation.issues, ...acting.issues];
  const servers = changedServers(changes, catalog.inventory);

  // 3–5. fetch and scan each new bundle, with the previous version's pins for the rug-pull check.
  const config = configOf(catalog);
  const trusted = await loadTrustedCertificates(config.trustedPublishers.map((p) => resolve(root, p)));
  const osv = offline ? undefined : createOsvClient(values['osv-url'] ? { baseUrl: values['osv-url'] } : {});
  const targets = bundleTargets(catalog, new Set(changes.files.map((f) => f.path)));
  const fetched = await fetchArtifacts({ targets, root, download: { offline: false } });
  const acknowledgements = acknowledgementsByServer(catalog);
  const declared = declaredToolsByServer(catalog.files);
  const scanCache = {
    cache: fileCache(join(root, '.cache/build/scans')),
    scannerDigest: await sourceDigest(REPO_ROOT, SCANNER_SOURCES),
  };
  const artifacts = new Map<BundleTarget, ArtifactFacts>();
  const checks = new Map<string, ReturnType<typeof packageCheck>[]>();
  for (const target of targets) {
    const outcome = fetched.get(target)!;
    const server = servers.find((s) => s.name === target.server);
    const previous = server?.previousVersion
      ? await previousPins(baseRoot ?? root, target, server.previousVersion, { trusted, ...scanCache, now })
      : undefined;
    let facts: BundleFacts;
    let judged: BundleOutcome;
    if (outcome.kind === 'file') {
      const declaredTools = declared.get(target.server);
      const report = await scanBundleFile(outcome.path, {
        osv,
        trusted,
        listing: { listing: target.listing, ...(declaredTools ? { declaredTools } : {}) },
        ...(previous ? { previousTools: previous.tools } : {}),
      });
      facts = { kind: 'scanned', report, ...(previous ? { previous } : {}) };
      judged = { kind: 'scanned', sha256: outcome.sha256, report };
      artifacts.set(target, {
        kind: 'file',
        sha256: outcome.sha256,
        size: outcome.size,
        report,
        reportRef: jsonFile(`reports/${outcome.sha256}.json`, report).ref,
        attestation: undefined,
      });
    } else {
      facts = { kind: 'unavailable', message: outcome.message };
      judged = { kind: 'unavailable', message: outcome.message };
      artifacts.set(target, { kind: 'unavailable', problem: outcome.message });
    }
    issues.push(
      ...bundleIssues(target, judged, acknowledgements.get(target.server) ?? []).map((i) => locate(catalog, i)),
    );
    const list = checks.get(target.server) ?? [];
    list.push(packageCheck(target, facts, acknowledgements.get(target.server) ?? []));
    checks.set(target.server, list);
  }
  sortIssues(issues);

  // The listing as the site shows it, from the model the build would publish.
  const records = modelRecords(catalog, issues, config, targets, artifacts, now);
  const failing = hasErrors(issues);
  let preview: PrReport['preview'];
  const pages = new Map<string, string>();
  if (!values.pages) preview = { skipped: 'turned off (--no-pages).' };
  else if (failing) preview = { skipped: 'the pull request has errors to fix first.' };
  else if (records.size === 0) preview = { skipped: 'no server listing changed.' };
  else {
    const built = await buildPreview(root, out, [...records.keys()], offline, values['osv-url']);
    preview = built.ok ? { dir: 'preview' } : { skipped: built.reason };
    if (built.ok)
      for (const name of records.keys()) {
        const page = `preview/servers/${name}/index.html`;
        if (await exists(join(out, page))) pages.set(name, page);
      }
  }

  const { headRef: _headRef, sameRepository: _same, ...pullRequestFacts } = pullRequest;
  const report = buildReport({
    pullRequest: {
      ...pullRequestFacts,
      ...(acting.fromIssue ? { onBehalfOf: acting.login, fromIssue: acting.fromIssue } : {}),
    },
    changes,
    issues,
    servers: servers.map((s): ReportInput['servers'][number] => {
      const record = records.get(s.name);
      const page = pages.get(s.name);
      return {
        ...s,
        ...(record ? { preview: listingPreview(record, config.baseUrl) } : {}),
        packages: checks.get(s.name) ?? [],
        ...(page ? { page } : {}),
      };
    }),
    reviews: reviewsOf(catalog, changes.files),
    preview,
  });
  // What this command writes, the privileged job will check: fail here first if it would not pass.
  const invalid = validateSchema('pr-report', report);
  if (invalid.length > 0)
    throw new Error(
      `pr-report: the report does not match its schema: ${invalid.map((f) => `${f.path} ${f.message}`).join('; ')}`,
    );
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  await writeFile(join(out, 'comment.md'), renderComment(report) + '\n');
  await writeFile(join(out, 'labels.txt'), report.labels.add.map((l) => `${l}\n`).join(''));

  // The pull request's checkout is the repository: annotations name repository paths.
  if (process.env.GITHUB_ACTIONS === 'true') annotate(issues);
  const errors = issues.filter((i) => i.severity === 'error').length;
  const stdout = [
    ...issues.map(formatIssue),
    `pull request #${pullRequest.number} by ${pullRequest.author}${acting.fromIssue ? ` for ${acting.login} (issue #${acting.fromIssue})` : ''}: ${servers.length} server${servers.length === 1 ? '' : 's'}, ${report.reviews.length} review${report.reviews.length === 1 ? '' : 's'}; ${errors} error${errors === 1 ? '' : 's'}, ${issues.length - errors} warning${issues.length - errors === 1 ? '' : 's'}; labels: ${report.labels.add.join(', ') || 'none'}. Report in ${out}.`,
  ].join('\n');
  return { stdout, exitCode: failing ? 1 : 0 };
}

type PullRequestFacts = Omit<PrReport['pullRequest'], 'onBehalfOf' | 'fromIssue'> & {
  headRef?: string;
  /** Whether the head branch is in the base repository (not a fork). */
  sameRepository: boolean;
};

/** The pull request as the `pull_request` event describes it (GitHub wrote this file, not the PR). */
async function readPullRequestEvent(path: string): Promise<PullRequestFacts> {
  const size = (await stat(path)).size;
  if (size > EVENT_LIMIT) throw new UsageError(`--event ${path}: ${size} bytes is too large for an event payload.`);
  const event: unknown = JSON.parse(await readFile(path, 'utf8'));
  const pr = isObject(event) && isObject(event.pull_request) ? event.pull_request : undefined;
  const user = pr && isObject(pr.user) ? pr.user : undefined;
  const head = pr && isObject(pr.head) ? pr.head : undefined;
  const base = pr && isObject(pr.base) ? pr.base : undefined;
  const number = pr?.number;
  if (
    typeof number !== 'number' ||
    typeof user?.login !== 'string' ||
    typeof head?.sha !== 'string' ||
    typeof base?.sha !== 'string'
  )
    throw new UsageError(
      `--event ${path} is not a pull_request event (pull_request.number, user.login, head.sha, base.sha).`,
    );
  const headRepo = isObject(head.repo) ? head.repo.full_name : undefined;
  const baseRepo = isObject(base.repo) ? base.repo.full_name : undefined;
  return {
    number,
    author: user.login,
    headSha: head.sha,
    baseSha: base.sha,
    ...(typeof head.ref === 'string' ? { headRef: head.ref } : {}),
    sameRepository: typeof headRepo === 'string' && headRepo === baseRepo,
  };
}

/** The branch the issue-forms workflow opens a pull request from: `issue-form/<issue number>`. */
const ISSUE_FORM_BRANCH = /^issue-form\/([1-9][0-9]{0,9})$/;

/**
 * Whom the pull request speaks for. A pull request the issue-forms workflow opened (by
 * ISSUE_FORM_AUTHOR, from this repository's `issue-form/<n>` branch) speaks for the author of
 * issue n, looked up through the API: the form's submitter owns the listing, not the bot. Only a
 * workflow of this repository can open a pull request as that bot from a branch here, so a fork
 * cannot borrow anyone's identity by naming its branch so. Any other pull request speaks for its
 * author.
 */
async function actingAuthor(
  pr: { author: string; headRef?: string; sameRepository: boolean },
  lookups: OwnershipLookups,
): Promise<{ login: string; fromIssue?: number; issues: Issue[] }> {
  const issue = pr.headRef?.match(ISSUE_FORM_BRANCH)?.[1];
  if (pr.author.toLowerCase() !== ISSUE_FORM_AUTHOR || !pr.sameRepository || !issue)
    return { login: pr.author, issues: [] };
  const failed = (why: string): { login: string; issues: Issue[] } => ({
    login: pr.author,
    issues: [
      {
        code: 'ownership-lookup-failed',
        severity: 'error',
        file: pr.headRef!,
        path: '',
        message: `This pull request was opened from issue #${issue}, whose author could not be looked up (${why}); re-run the check.`,
      },
    ],
  });
  if (!lookups.github) return failed('no GitHub access: GITHUB_TOKEN and GITHUB_REPOSITORY are not set');
  try {
    const login = (await lookups.github.issue(Number(issue))).author.login;
    return { login, fromIssue: Number(issue), issues: [] };
  } catch (error) {
    return failed((error as Error).message);
  }
}

function configOf(catalog: LoadedCatalog) {
  const raw = catalog.config?.json?.value;
  return resolveConfig(
    raw !== undefined && validateSchema('config', raw).length === 0 ? (raw as CatalogConfig) : undefined,
  );
}

/** A bundle issue names `/packages/<i>`: give it the line of that value, for the annotation. */
function locate(catalog: LoadedCatalog, issue: Issue): Issue {
  if (issue.line !== undefined) return issue;
  const at = catalog.files.find((f) => f.location.path === issue.file)?.json?.locate(issue.path);
  return at ? { ...issue, ...at } : issue;
}

/**
 * The tool pins of the previous version's bundle (the package at the same index, else its first
 * mcpb package), from the base branch's checkout: scanned there through the build's scan cache,
 * which a bundle of a published version is usually in already. Undefined when that version has
 * no readable bundle.
 */
async function previousPins(
  root: string,
  target: BundleTarget,
  version: string,
  scan: {
    trusted: Awaited<ReturnType<typeof loadTrustedCertificates>>;
    cache: ReturnType<typeof fileCache>;
    scannerDigest: string;
    now: Date;
  },
): Promise<{ version: string; tools: readonly ToolPin[] } | undefined> {
  const path = `catalog/servers/${target.server}/${version}.json`;
  const previous = await loadCatalog({ reader: fsCatalogReader(root), select: (l) => l.path === path });
  const candidates = bundleTargets(previous).filter((t) => t.file === path);
  const match = candidates.find((t) => t.index === target.index) ?? candidates[0];
  if (!match) return undefined;
  const fetched = await fetchArtifacts({ targets: [match], root, download: { offline: false } });
  const scanned = await scanArtifacts({
    fetched,
    declaredTools: new Map(),
    osv: undefined,
    trusted: scan.trusted,
    cache: scan.cache,
    scannerDigest: scan.scannerDigest,
    now: scan.now,
  });
  const report: ScanReport | undefined = scanned.get(match)?.report;
  return report ? { version, tools: report.tools } : undefined;
}

/** The records the build would publish for the changed servers, from their files without errors. */
function modelRecords(
  catalog: LoadedCatalog,
  issues: readonly Issue[],
  config: ReturnType<typeof resolveConfig>,
  targets: readonly BundleTarget[],
  artifacts: ReadonlyMap<BundleTarget, ArtifactFacts>,
  now: Date,
) {
  const broken = new Set(issues.filter((i) => i.severity === 'error').map((i) => i.file));
  const clean: LoadedCatalog = { ...catalog, files: catalog.files.filter((f) => !broken.has(f.location.path)) };
  try {
    const model = buildModel({
      catalog: clean,
      config,
      targets: targets.filter((t) => !broken.has(t.file)),
      artifacts,
      stats: new Map(),
      previous: undefined,
      addedAt: new Map(),
      now,
      validityMs: 86_400_000,
    });
    return model.records;
  } catch {
    // A preview is a courtesy: a file the model cannot read has a validation issue of its own.
    return new Map<string, never>();
  }
}

function reviewsOf(catalog: LoadedCatalog, files: readonly { path: string; status: string }[]) {
  const changed = new Set(files.filter((f) => f.status !== 'deleted').map((f) => f.path));
  return catalog.files
    .filter((f) => f.location.kind === 'review' && changed.has(f.location.path))
    .map((f) => {
      const location = f.location as Extract<ReturnType<typeof classify>, { kind: 'review' }>;
      const rating = isObject(f.json?.value) ? (f.json.value as Partial<Review>).rating : undefined;
      return {
        file: location.path,
        server: location.server,
        login: location.login,
        ...(typeof rating === 'number' ? { rating } : {}),
      };
    });
}

/**
 * The changed servers' pages, built by the real pipeline and site stage on a catalog of just
 * those servers (with the config, the policies and the bundles they use) in a temporary folder:
 * a detail page depends only on its server's record and the config, so it comes out as the
 * published site would render it, at the cost of a handful of pages instead of the whole site.
 */
async function buildPreview(
  root: string,
  out: string,
  names: readonly string[],
  offline: boolean,
  osvUrl: string | undefined,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const work = await mkdtemp(join(tmpdir(), 'mcp-catalog-preview-'));
  try {
    const copy = async (path: string) => {
      if (!(await exists(join(root, path)))) return;
      await mkdir(dirname(join(work, path)), { recursive: true });
      await cp(join(root, path), join(work, path), { recursive: true, dereference: false, verbatimSymlinks: true });
    };
    await copy('catalog.config.json');
    await copy('catalog/policies');
    for (const name of names) {
      await copy(`catalog/servers/${name}`);
      await copy(`catalog/reviews/${name}`);
      await copy(`catalog/curation/${name}.json`);
    }
    const listed = await loadCatalog({ reader: fsCatalogReader(work) });
    for (const target of bundleTargets(listed))
      if (target.location.kind === 'catalog') await copy(target.location.path);
    // The downloads and scans this command just made are reused, not repeated.
    await mkdir(join(work, '.cache/build'), { recursive: true });
    await mkdir(join(root, '.cache/artifacts'), { recursive: true });
    await mkdir(join(root, '.cache/build/scans'), { recursive: true });
    await symlink(join(root, '.cache/artifacts'), join(work, '.cache/artifacts'));
    await symlink(join(root, '.cache/build/scans'), join(work, '.cache/build/scans'));
    // Astro renders under <root>/.cache/site/ and its chunks import packages from there: they
    // resolve through this link to the pipeline's own node_modules.
    await symlink(join(REPO_ROOT, 'node_modules'), join(work, 'node_modules'));
    const dist = join(work, 'dist');
    const flags = [...(offline ? ['--offline'] : []), ...(osvUrl ? ['--osv-url', osvUrl] : [])];
    const node = (script: string, args: string[]) =>
      run(process.execPath, [join(REPO_ROOT, script), ...args], {
        cwd: work,
        env: { ...process.env, GITHUB_ACTIONS: '' },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 10 * 60_000,
      });
    try {
      await node('pipeline/run.ts', ['--root', work, '--out', dist, '--signing', 'dev', '--no-site', ...flags]);
      await node('site/build.ts', ['--root', work, '--dist', dist]);
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      const lines = (e.stderr || e.message)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      // Node's stack trace ends the output: the first line naming an error says what happened.
      const first = lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? 'no output';
      return { ok: false, reason: `the preview build failed: ${first.slice(0, 500)}` };
    }
    await rm(join(out, 'preview'), { recursive: true, force: true });
    // The pages and what they load; not the bundles and signatures, which the artifact need not carry.
    await cp(dist, join(out, 'preview'), {
      recursive: true,
      filter: (source) =>
        !/[/\\](bundles|attestations|reports)([/\\]|$)|\.mcpb$|install\.mjs$/.test(source.slice(dist.length)),
    });
    return { ok: true };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
