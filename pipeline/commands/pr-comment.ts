/**
 * `catalog pr-comment --report DIR --event FILE`: the privileged half of the pull request check,
 * in a `workflow_run` job that never checks out the pull request and holds `pull-requests: write`
 * (GitHub's guidance: https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/).
 *
 * The report folder was downloaded from the `pull_request` run, whose other jobs ran the pull
 * request's own code and could have uploaded anything under that name, so it is untrusted input:
 * - only `report.json` is read (a regular file, at most 2 MiB), and it must match its schema,
 *   whose every string and list is capped; the comment is rendered from it here, never taken as
 *   Markdown from the folder, and its text is escaped (stages/pr-report.ts);
 * - the pull request is the report's, but only when the `workflow_run` event (GitHub's, not the
 *   run's) is for a `pull_request` run at the same head commit, and GitHub confirms that this
 *   pull request's head is that commit (`workflow_run.pull_requests` is empty for forks);
 * - labels are only the five managed ones (the schema's enum); nothing reaches a shell.
 * Then one comment, edited in place through its marker, and the labels, through the adapter.
 */
import { lstat, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { GitHubRepo } from '../adapters/github-repo.ts';
import { isObject } from '../core/guards.ts';
import { validateSchema } from '../core/schema-validator.ts';
import { feedbackPlan, type PrReport } from '../stages/pr-report.ts';
import { UsageError, type CommandResult } from './args.ts';

export const USAGE = `  pr-comment --report DIR --event FILE
      The privileged half of the pull request check (workflow_run job): check the downloaded
      report folder against its schema and the workflow_run event, then post or update the one
      comment and set the labels. FILE is the workflow_run event (GITHUB_EVENT_PATH); GitHub
      access from GITHUB_REPOSITORY, GITHUB_TOKEN and GITHUB_API_URL.`;

const REPORT_LIMIT = 2 * 1024 * 1024;
const EVENT_LIMIT = 25 * 1024 * 1024;

export interface PrCommentDeps {
  github?: Pick<GitHubRepo, 'applyAll' | 'pullRequest'>;
}

/** Why a report is not acted on; exit 1, and nothing is written to GitHub. */
export class ReportRefused extends Error {
  override name = 'ReportRefused';
}

export async function prCommentCommand(argv: string[], deps: PrCommentDeps = {}): Promise<CommandResult> {
  const { values } = parseArgs({ args: argv, options: { report: { type: 'string' }, event: { type: 'string' } } });
  if (!values.report) throw new UsageError('pr-comment needs --report DIR (the downloaded pr-report artifact).');
  if (!values.event) throw new UsageError('pr-comment needs --event FILE (the workflow_run event, GITHUB_EVENT_PATH).');
  const run = await readWorkflowRun(values.event);
  const file = join(resolve(values.report), 'report.json');
  const info = await lstat(file).catch(() => undefined);
  if (!info)
    return { stdout: `No ${file}: the check did not get as far as a report; its own status says why.`, exitCode: 0 };
  try {
    if (!info.isFile()) throw new ReportRefused(`${file} is not a regular file.`);
    if (info.size > REPORT_LIMIT)
      throw new ReportRefused(`${file} is ${info.size} bytes; a report is at most ${REPORT_LIMIT}.`);
    let report: unknown;
    try {
      report = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      throw new ReportRefused(`${file} is not JSON.`);
    }
    const problems = validateSchema('pr-report', report);
    if (problems.length > 0)
      throw new ReportRefused(
        `${file} does not match schemas/pr-report.schema.json: ${problems
          .slice(0, 5)
          .map((p) => `${p.path || '/'} ${p.code}`)
          .join('; ')}`,
      );
    const checked = report as PrReport;
    const github = deps.github ?? (await githubFromEnv());
    await checkPullRequest(checked, run, github);
    const results = await github.applyAll(feedbackPlan(checked));
    return {
      stdout: results
        .map(
          (r) => `${r.action.kind} #${r.number ?? checked.pullRequest.number}: ${r.outcome}${r.url ? ` ${r.url}` : ''}`,
        )
        .join('\n'),
      exitCode: 0,
    };
  } catch (error) {
    if (error instanceof ReportRefused) return { stdout: `pr-comment: refused: ${error.message}`, exitCode: 1 };
    throw error;
  }
}

interface WorkflowRun {
  headSha: string;
  /** The pull requests GitHub lists for the run: empty for a pull request from a fork. */
  pullRequests: number[];
}

async function readWorkflowRun(path: string): Promise<WorkflowRun> {
  const size = (await lstat(path)).size;
  if (size > EVENT_LIMIT) throw new UsageError(`--event ${path}: ${size} bytes is too large for an event payload.`);
  const event: unknown = JSON.parse(await readFile(path, 'utf8'));
  const run = isObject(event) && isObject(event.workflow_run) ? event.workflow_run : undefined;
  if (!run || typeof run.head_sha !== 'string')
    throw new UsageError(`--event ${path} is not a workflow_run event (workflow_run.head_sha).`);
  if (run.event !== 'pull_request')
    throw new ReportRefusedUsage(`the run was triggered by "${String(run.event)}", not by a pull_request.`);
  const pullRequests = (Array.isArray(run.pull_requests) ? run.pull_requests : [])
    .map((pr) => (isObject(pr) ? pr.number : undefined))
    .filter((n): n is number => typeof n === 'number');
  return { headSha: run.head_sha, pullRequests };
}

/** A usage problem that is about the event, not the command line: shown, exit 2. */
class ReportRefusedUsage extends UsageError {}

async function checkPullRequest(
  report: PrReport,
  run: WorkflowRun,
  github: Pick<GitHubRepo, 'pullRequest'>,
): Promise<void> {
  const { number, headSha } = report.pullRequest;
  if (headSha !== run.headSha)
    throw new ReportRefused(`the report is for commit ${headSha}, but the run checked ${run.headSha}.`);
  if (run.pullRequests.length > 0 && !run.pullRequests.includes(number))
    throw new ReportRefused(
      `the report names pull request #${number}, but the run was for #${run.pullRequests.join(', #')}.`,
    );
  const pr = await github.pullRequest(number);
  if (pr.headSha !== run.headSha)
    throw new ReportRefused(
      `pull request #${number}'s head is ${pr.headSha}, not the run's ${run.headSha} (a newer push will comment).`,
    );
}

async function githubFromEnv(): Promise<Pick<GitHubRepo, 'applyAll' | 'pullRequest'>> {
  const { requireRepository } = await import('./github-env.ts');
  return requireRepository(process.env, 'pr-comment');
}
