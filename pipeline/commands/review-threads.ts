/**
 * `catalog review-threads [--root DIR] [--max N] [--dry-run] [--json]`: open the helpful-vote
 * thread of every published review that has none (pipeline/stages/review-votes.ts). Run after each
 * publish: a review is published when its pull request merges, and a hidden one (curation
 * `hiddenReviews`) gets no thread. The stats step counts the threads' reactions.
 *
 * Environment, as GitHub Actions provides it: `GITHUB_TOKEN`, `GITHUB_REPOSITORY`, `GITHUB_API_URL`.
 * Exit codes: 0 done, 2 could not run or GitHub refused a write.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fsCatalogReader } from '../adapters/catalog-fs.ts';
import type { GitHubRepo } from '../adapters/github-repo.ts';
import { resolveConfig } from '../core/config.ts';
import type { CatalogConfig } from '../core/schema-types.gen.ts';
import { loadCatalog } from '../stages/load.ts';
import {
  planReviewThreads,
  publishedReviews,
  REVIEW_THREAD_LABEL,
  votesByMarker,
  type ReviewThread,
} from '../stages/review-votes.ts';
import { UsageError, type CommandResult } from './args.ts';
import { applyPlanned, repositoryFromEnv } from './github-env.ts';

export const USAGE = `  review-threads [--root DIR] [--max N] [--dry-run] [--json]
      Open the helpful-vote thread (an issue labelled review-thread) of each published review
      that has none, at most N a run (default 50). Needs GITHUB_TOKEN and GITHUB_REPOSITORY unless --dry-run.`;

/**
 * Every review thread of the repository, open or closed, with its reactions: one paged list. A
 * thread is an issue that this command opened (a bot account) with the label, which only people
 * with triage rights can apply: a look-alike issue someone else opens does not count.
 */
export async function listReviewThreads(repo: GitHubRepo): Promise<ReviewThread[]> {
  const issues = await repo.listIssues({ labels: [REVIEW_THREAD_LABEL], state: 'all' });
  return issues
    .filter((issue) => !issue.isPullRequest && issue.author.type === 'Bot')
    .map((issue) => ({ body: issue.body, url: issue.url, up: issue.reactions['+1'], down: issue.reactions['-1'] }));
}

export async function reviewThreadsCommand(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<CommandResult> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        root: { type: 'string' },
        max: { type: 'string' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const max = values.max === undefined ? 50 : Number(values.max);
  if (!Number.isSafeInteger(max) || max < 0) throw new UsageError('--max takes a whole number, 0 or more.');
  const dryRun = values['dry-run'] ?? false;
  const root = resolve(values.root ?? '.');
  const repo = repositoryFromEnv(env, dryRun, 'review-threads');

  const catalog = await loadCatalog({ reader: fsCatalogReader(root) });
  const config = resolveConfig(catalog.config?.json?.value as CatalogConfig | undefined);
  const existing = new Set(votesByMarker(repo ? await listReviewThreads(repo) : [], new Date()).keys());
  const base = config.baseUrl;
  const actions = planReviewThreads({
    reviews: publishedReviews(catalog),
    existing,
    ...(base ? { pageUrl: (server: string) => `${base}servers/${server}/` } : {}),
    max,
  });

  const { results, failure } = await applyPlanned(repo, actions, dryRun);
  const report = {
    dryRun,
    planned: actions.length,
    opened: results.filter((r) => r.outcome === 'created').map((r) => r.url),
    ...(failure ? { error: { code: failure.code, endpoint: failure.endpoint, message: failure.message } } : {}),
  };
  const stdout = values.json
    ? JSON.stringify(report, null, 2)
    : [
        `review-threads: ${actions.length} review(s) without a thread${dryRun ? ' (dry run: nothing opened)' : ''}.`,
        ...report.opened.map((url) => `  opened ${url}`),
        ...(failure ? [`  stopped: ${failure.message}`] : []),
      ].join('\n');
  return { stdout, exitCode: failure ? 2 : 0 };
}
