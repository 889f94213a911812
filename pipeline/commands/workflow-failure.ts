/**
 * `catalog workflow-failure --event FILE`: one issue per failing workflow, from a `workflow_run`
 * event (completed). A failure of a run on the default branch opens the workflow's issue, or
 * updates the open one (marker `workflow-failure:<path>`), so a daily job that keeps failing is
 * one issue, not one a day. A later success closes it with a comment: an open failure issue then
 * always means "still failing". Runs of pull requests and other branches are ignored: their
 * authors see those in the pull request.
 *
 * Environment: `GITHUB_TOKEN`, `GITHUB_REPOSITORY`, `GITHUB_API_URL`.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { GitHubRepoError } from '../adapters/github-repo.ts';
import { markerComment } from '../core/github-actions.ts';
import type { GitHubAction } from '../core/github-actions.ts';
import { isObject } from '../core/guards.ts';
import { UsageError, type CommandResult } from './args.ts';
import { requireRepository } from './github-env.ts';

export const USAGE = `  workflow-failure --event FILE
      From a workflow_run event: open (or update) one issue per failing workflow on the default branch,
      and close it when the workflow passes again. Needs GITHUB_TOKEN, GITHUB_REPOSITORY.`;

export const FAILURE_LABEL = 'workflow-failure';

export interface WorkflowRunFacts {
  name: string;
  /** `.github/workflows/publish.yml`: the key of the issue, as a workflow's name may change. */
  path: string;
  conclusion: string;
  event: string;
  branch: string;
  defaultBranch: string;
  url: string;
  sha: string;
  attempt: number;
  at: string;
}

export function readWorkflowRun(payload: unknown): WorkflowRunFacts | undefined {
  if (!isObject(payload) || payload.action !== 'completed' || !isObject(payload.workflow_run)) return undefined;
  const run = payload.workflow_run;
  const repository = isObject(payload.repository) ? payload.repository : {};
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    name: text(run.name),
    path: text(run.path),
    conclusion: text(run.conclusion),
    event: text(run.event),
    branch: text(run.head_branch),
    defaultBranch: text(repository.default_branch),
    url: text(run.html_url),
    sha: text(run.head_sha),
    attempt: Number.isSafeInteger(run.run_attempt) ? (run.run_attempt as number) : 1,
    at: text(run.updated_at),
  };
}

export const failureMarker = (run: WorkflowRunFacts) => `workflow-failure:${run.path}`;

/** Pure: the actions for one completed run, given the open failure issue of its workflow, if any. */
export function planWorkflowFailure(run: WorkflowRunFacts, openIssue: number | undefined): GitHubAction[] {
  const relevant =
    run.branch !== '' &&
    run.branch === run.defaultBranch &&
    !['pull_request', 'pull_request_target'].includes(run.event) &&
    /^\.github\/workflows\/[A-Za-z0-9._-]+\.ya?ml$/.test(run.path);
  if (!relevant) return [];
  const clean = (s: string) => s.replace(/[^A-Za-z0-9 ._:/()-]/g, '').slice(0, 100);
  if (['failure', 'timed_out', 'startup_failure'].includes(run.conclusion)) {
    return [
      {
        kind: 'issue',
        marker: failureMarker(run),
        title: `Workflow ${clean(run.name) || clean(run.path)} fails on ${clean(run.branch)}`,
        body: [
          `The workflow \`${clean(run.path)}\` ended with **${clean(run.conclusion)}** on \`${clean(run.branch)}\`.`,
          '',
          `- latest failing run: ${run.url.startsWith('https://') ? run.url : '(no link)'} (attempt ${run.attempt})`,
          `- commit: \`${run.sha.replace(/[^0-9a-f]/g, '').slice(0, 40)}\``,
          `- at: ${clean(run.at)}`,
          '',
          'This issue is updated on each failing run and closed by the next successful one.',
        ].join('\n'),
        labels: [FAILURE_LABEL],
      },
    ];
  }
  if (run.conclusion === 'success' && openIssue !== undefined) {
    return [
      {
        kind: 'comment',
        issue: openIssue,
        body: `Fixed: ${run.url.startsWith('https://') ? run.url : 'a later run'} passed.`,
      },
      { kind: 'close', issue: openIssue, reason: 'completed' },
    ];
  }
  return [];
}

export async function workflowFailureCommand(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): Promise<CommandResult> {
  const { values } = parseArgs({ args: argv, options: { event: { type: 'string' } }, strict: true });
  if (!values.event) throw new UsageError('workflow-failure needs --event FILE (the workflow_run payload).');
  const repo = requireRepository(env, 'workflow-failure');
  const run = readWorkflowRun(JSON.parse(await readFile(values.event, 'utf8')));
  if (!run) return { stdout: JSON.stringify({ decision: 'ignored' }), exitCode: 0 };
  let open: number | undefined;
  if (run.conclusion === 'success') {
    const marker = markerComment(failureMarker(run));
    open = (await repo.listIssues({ labels: [FAILURE_LABEL] })).find(
      (i) => i.author.type === 'Bot' && i.body.includes(marker),
    )?.number;
  }
  const actions = planWorkflowFailure(run, open);
  try {
    const results = await repo.applyAll(actions);
    return {
      stdout: JSON.stringify({ results: results.map(({ action, ...r }) => ({ kind: action.kind, ...r })) }),
      exitCode: 0,
    };
  } catch (error) {
    if (!(error instanceof GitHubRepoError)) throw error;
    return { stdout: JSON.stringify({ error: { code: error.code, message: error.message } }), exitCode: 1 };
  }
}
