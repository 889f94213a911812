/**
 * `catalog update-bot [--root DIR] [--max-prs N] [--dry-run] [--json]`: the update bot of sync.yml.
 * Asks every listed server's upstreams for a newer release, and opens one pull request per server
 * that adds the new version's listing (planner: `pipeline/stages/update-bot.ts`); `pr.yml` judges it.
 *
 * Environment, as GitHub Actions provides it: `GITHUB_TOKEN`, `GITHUB_REPOSITORY` (`owner/name`),
 * `GITHUB_API_URL`. For mirrors (and tests): `CATALOG_NPM_REGISTRY`, `CATALOG_PYPI_URL`,
 * `CATALOG_OCI_REGISTRIES` (`docker.io=https://mirror.example,ghcr.io=…`) and
 * `CATALOG_UPSTREAM_GITHUB_API_URL` (where upstream releases are read; default `GITHUB_API_URL`).
 *
 * Exit codes: 0 done (notes are not failures), 2 the bot could not run or GitHub refused a write.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ArtifactFetchError, fetchArtifact } from '../adapters/artifact-fetch.ts';
import { fsCatalogReader } from '../adapters/catalog-fs.ts';
import { UpstreamError, type UpstreamRegistries } from '../adapters/upstream-registries.ts';
import { mapLimit } from '../core/concurrency.ts';
import { loadCatalog } from '../stages/load.ts';
import {
  branchesFromBodies,
  DEFAULT_MAX_PRS,
  planUpdates,
  UPDATE_BOT_LABEL,
  updateTargets,
  upstreamQueries,
  type Outcome,
  type UpdateNeed,
  type UpdateNote,
  type UpstreamQuery,
} from '../stages/update-bot.ts';
import { UsageError, type CommandResult } from './args.ts';
import { applyPlanned, extraCa, repositoryFromEnv, upstreamFromEnv } from './github-env.ts';

export const USAGE = `  update-bot [--root DIR] [--max-prs N] [--dry-run] [--json]
      For every listed server, look upstream (npm, PyPI, OCI tags, GitHub releases with .mcpb
      assets) for a newer release, and open one pull request per server that adds it (at most
      N a run, default ${DEFAULT_MAX_PRS}). Needs GITHUB_TOKEN and GITHUB_REPOSITORY unless --dry-run.`;

/** An adapter call as an Outcome: typed upstream and download failures become data, anything else is a bug and throws. */
export async function outcome<T>(call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    if (error instanceof UpstreamError || error instanceof ArtifactFetchError) {
      return { ok: false, code: error.code, message: error.message };
    }
    throw error;
  }
}

function ask(upstream: UpstreamRegistries, query: UpstreamQuery) {
  switch (query.kind) {
    case 'npm':
      return outcome(() => upstream.npmPackage(query.name));
    case 'pypi':
      return outcome(() => upstream.pypiProject(query.name));
    case 'oci':
      return outcome(() => upstream.ociTags(query.reference));
    case 'github':
      return outcome(() => upstream.latestGitHubRelease(query.owner, query.repo));
  }
}

export async function updateBotCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        root: { type: 'string' },
        'max-prs': { type: 'string' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const maxPrs = values['max-prs'] === undefined ? DEFAULT_MAX_PRS : Number(values['max-prs']);
  if (!Number.isSafeInteger(maxPrs) || maxPrs < 0) throw new UsageError('--max-prs takes a whole number, 0 or more.');
  const dryRun = values['dry-run'] ?? false;
  const root = resolve(values.root ?? '.');
  const repo = repositoryFromEnv(env, dryRun, 'update-bot');
  const upstream = upstreamFromEnv(env);
  const ca = extraCa(env);

  const catalog = await loadCatalog({ reader: fsCatalogReader(root) });
  const { targets, notes: targetNotes } = updateTargets(catalog);
  const queries = upstreamQueries(targets);
  const answered = await mapLimit(queries, 8, async (q) => [q.key, await ask(upstream, q)] as const);
  const answers = { queries: new Map(answered), needs: new Map<string, Outcome<string>>() };

  // Branches of the bot's earlier pull requests, from the marker in their bodies: those do not
  // count against --max-prs (the adapter would skip them anyway, by branch).
  const existingBranches = repo
    ? branchesFromBodies(
        (await repo.listIssues({ labels: [UPDATE_BOT_LABEL], state: 'all', includePullRequests: true }))
          .filter((issue) => issue.isPullRequest)
          .map((issue) => issue.body),
      )
    : new Set<string>();

  // Plan, fetch what the proposals need (bundles, digests), plan again; each round only adds answers.
  let plan = planUpdates({ targets, answers, existingBranches, maxPrs });
  for (let round = 0; plan.needs.length > 0 && round <= targets.length; round++) {
    for (const need of plan.needs) answers.needs.set(need.key, await resolveNeed(need, upstream, root, ca));
    plan = planUpdates({ targets, answers, existingBranches, maxPrs });
  }

  const { results, failure } = await applyPlanned(repo, plan.actions, dryRun);
  const notes = [...targetNotes, ...plan.notes];
  const report = {
    dryRun,
    proposals: plan.proposals,
    results: results.map((r) => ({
      branch: r.action.kind === 'pull-request' ? r.action.branch : undefined,
      outcome: r.outcome,
      ...(r.number === undefined ? {} : { number: r.number }),
      ...(r.url === undefined ? {} : { url: r.url }),
    })),
    notes,
    ...(failure ? { error: { code: failure.code, endpoint: failure.endpoint, message: failure.message } } : {}),
  };
  const stdout = values.json ? JSON.stringify(report, null, 2) : formatReport(report);
  return { stdout, exitCode: failure ? 2 : 0 };
}

async function resolveNeed(
  need: UpdateNeed,
  upstream: UpstreamRegistries,
  root: string,
  ca: string | undefined,
): Promise<Outcome<string>> {
  if (need.kind === 'oci-digest') return outcome(() => upstream.ociDigest(need.reference, need.tag));
  // No expected sha256: the bundle is downloaded, whatever the cache holds, and its bytes hashed.
  return outcome(async () => {
    const fetched = await fetchArtifact(need.url, undefined, {
      cacheDir: join(root, '.cache/artifacts'),
      ...(ca ? { ca } : {}),
    });
    return fetched.sha256;
  });
}

interface Report {
  dryRun: boolean;
  proposals: { server: string; version: string; branch: string }[];
  results: { branch: string | undefined; outcome: string; number?: number; url?: string }[];
  notes: UpdateNote[];
  error?: { code: string; endpoint: string; message: string };
}

function formatReport(report: Report): string {
  const lines: string[] = [];
  for (const p of report.proposals) {
    const result = report.results.find((r) => r.branch === p.branch);
    const done = result
      ? `${result.outcome}${result.number ? ` #${result.number}` : ''}${result.url ? ` ${result.url}` : ''}`
      : report.dryRun
        ? 'would open'
        : 'not opened';
    lines.push(`${p.server} ${p.version}: ${done} (${p.branch})`);
  }
  for (const n of report.notes) lines.push(`${n.server}: ${n.code}: ${n.message}`);
  if (report.error) lines.push(`error: ${report.error.code}: ${report.error.message}`);
  const opened = report.results.filter((r) => r.outcome === 'created').length;
  lines.push(
    report.dryRun
      ? `${report.proposals.length} update${report.proposals.length === 1 ? '' : 's'} planned (dry run).`
      : `${opened} pull request${opened === 1 ? '' : 's'} opened, ${report.results.length - opened} already there.`,
  );
  return lines.join('\n');
}
