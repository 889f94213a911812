/**
 * `catalog issue-form --event FILE [--root DIR] [--dry-run]`: turn an issue form into a pull request
 * (or one comment that lists what to fix), from an `issues` or `issue_comment` event payload
 * (`$GITHUB_EVENT_PATH`). The planning is pure (`pipeline/stages/issue-forms.ts`); this command
 * gathers the facts it needs (the catalog of `--root`, a checkout of the default branch;
 * CODEOWNERS from the default branch through the API; team memberships; npm, PyPI and a
 * repository's `server.json`) and applies the plan through `pipeline/adapters/github-repo.ts`.
 *
 * Environment: `GITHUB_TOKEN`, `GITHUB_REPOSITORY` (`owner/name`), `GITHUB_API_URL` (default
 * https://api.github.com); `CATALOG_ORG_READ_TOKEN` (optional, read:org) for team membership,
 * which GITHUB_TOKEN cannot read; `CATALOG_NPM_REGISTRY`, `CATALOG_PYPI_URL` for mirrors (and tests). Reads need
 * the token too, so `--dry-run` prints the plan but still asks GitHub who owns what.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fsCatalogReader } from '../adapters/catalog-fs.ts';
import { GitHubRepoError } from '../adapters/github-repo.ts';
import type { GitHubRepo } from '../adapters/github-repo.ts';
import { UpstreamError } from '../adapters/upstream-registries.ts';
import type { UpstreamRegistries } from '../adapters/upstream-registries.ts';
import { ownersOf, parseCodeOwners } from '../core/codeowners.ts';
import type { CodeOwner } from '../core/codeowners.ts';
import { isObject } from '../core/guards.ts';
import { classify } from '../core/layout.ts';
import {
  APPROVED_LABEL,
  FORMS,
  formOfLabels,
  parseForm,
  parseYankCommand,
  planApproval,
  planApprovalRequest,
  planReport,
  planReview,
  planSubmission,
  planYank,
  readSubmission,
  serverNameProblem,
} from '../stages/issue-forms.ts';
import type { CatalogFacts, IssueFacts, IssueFormPlan, PlanContext, SubmissionFacts } from '../stages/issue-forms.ts';
import { UsageError, type CommandResult } from './args.ts';
import { requireRepository, upstreamFromEnv } from './github-env.ts';

export const USAGE = `  issue-form --event FILE [--root DIR] [--dry-run]
      Turn an issue form (submit, review, report, approval) from an issues or issue_comment event into a
      pull request, or one comment listing what to fix. Needs GITHUB_TOKEN, GITHUB_REPOSITORY.`;

export interface IssueFormEnvironment {
  GITHUB_TOKEN?: string;
  GITHUB_REPOSITORY?: string;
  GITHUB_API_URL?: string;
  CATALOG_ORG_READ_TOKEN?: string;
  CATALOG_NPM_REGISTRY?: string;
  CATALOG_PYPI_URL?: string;
  [key: string]: string | undefined;
}

export async function issueFormCommand(
  argv: string[],
  env: IssueFormEnvironment = process.env,
): Promise<CommandResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      event: { type: 'string' },
      root: { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
    strict: true,
  });
  if (!values.event) throw new UsageError('issue-form needs --event FILE (the event payload, $GITHUB_EVENT_PATH).');
  const repo = requireRepository(env, 'issue-form');
  const repository = env.GITHUB_REPOSITORY ?? '';
  const payload: unknown = JSON.parse(await readFile(values.event, 'utf8'));
  const upstream = upstreamFromEnv(env);
  // GITHUB_TOKEN cannot read an organisation's teams; a token with read:org may be given for those reads only.
  const members = env.CATALOG_ORG_READ_TOKEN ? requireRepository(env, 'issue-form', 'CATALOG_ORG_READ_TOKEN') : repo;
  const plan = await planEvent(payload, { root: resolve(values.root ?? '.'), repo, members, upstream, repository });
  if (values['dry-run']) return { stdout: JSON.stringify(plan, null, 2), exitCode: 0 };
  try {
    const results = await repo.applyAll(plan.actions);
    return {
      stdout: JSON.stringify(
        { ...summary(plan), results: results.map(({ action, ...r }) => ({ kind: action.kind, ...r })) },
        null,
        2,
      ),
      exitCode: 0,
    };
  } catch (error) {
    if (!(error instanceof GitHubRepoError)) throw error;
    return {
      stdout: JSON.stringify(
        { ...summary(plan), error: { code: error.code, message: error.message }, done: error.done.length },
        null,
        2,
      ),
      exitCode: 1,
    };
  }
}

function summary(plan: IssueFormPlan) {
  return { form: plan.form, decision: plan.decision, problems: plan.problems };
}

const IGNORED: IssueFormPlan = { form: undefined, decision: 'ignored', problems: [], actions: [] };

/** The catalog of a checkout: servers with their versions, policy texts, status texts. */
export async function catalogFacts(root: string): Promise<CatalogFacts> {
  const reader = fsCatalogReader(root);
  const facts: CatalogFacts = { servers: {}, policies: {}, statuses: {} };
  for (const path of await reader.listFiles()) {
    const c = classify(path);
    if (c.kind === 'listing') (facts.servers[c.server] ??= []).push(c.version);
    else if (c.kind === 'policy') facts.policies[c.policy] = (await reader.readText(path)) ?? '';
    else if (c.kind === 'status') facts.statuses[c.server] = (await reader.readText(path)) ?? '';
  }
  return facts;
}

interface Dependencies {
  root: string;
  repo: GitHubRepo;
  /** For team membership reads (may hold another token). */
  members: GitHubRepo;
  upstream: UpstreamRegistries;
  repository: string;
}

function issueOf(payload: Record<string, unknown>): IssueFacts | undefined {
  const issue = payload.issue;
  if (!isObject(issue) || !Number.isSafeInteger(issue.number) || !isObject(issue.user)) return undefined;
  if (isObject(issue.pull_request)) return undefined; // comments on pull requests are not forms
  const labels = Array.isArray(issue.labels)
    ? issue.labels.flatMap((l: unknown) => (isObject(l) && typeof l.name === 'string' ? [l.name] : []))
    : [];
  return {
    number: issue.number as number,
    title: typeof issue.title === 'string' ? issue.title : '',
    body: typeof issue.body === 'string' ? issue.body : '',
    labels,
    state: issue.state === 'closed' ? 'closed' : 'open',
    author: {
      login: String(issue.user.login ?? ''),
      id: Number.isSafeInteger(issue.user.id) ? (issue.user.id as number) : 0,
      type: String(issue.user.type ?? 'User'),
    },
  };
}

/** Whether `login` is one of `owners`: by name, or through team membership asked of GitHub. */
async function isOwner(repo: GitHubRepo, owners: CodeOwner[], login: string): Promise<boolean> {
  for (const owner of owners) {
    if (owner.kind === 'user' && owner.login.toLowerCase() === login.toLowerCase()) return true;
    if (owner.kind === 'team' && (await repo.isTeamMember(owner.org, owner.team, login))) return true;
  }
  return false;
}

async function codeOwners(repo: GitHubRepo) {
  // From the default branch through the API: the checkout may be anything, CODEOWNERS must be what GitHub enforces.
  const text = (await repo.readFile('.github/CODEOWNERS')) ?? '';
  return parseCodeOwners(text);
}

export async function planEvent(payloadValue: unknown, deps: Dependencies): Promise<IssueFormPlan> {
  if (!isObject(payloadValue)) throw new UsageError('The event file is not a JSON object.');
  const payload = payloadValue;
  const issue = issueOf(payload);
  const action = typeof payload.action === 'string' ? payload.action : '';
  const sender = isObject(payload.sender) ? payload.sender : {};
  const senderLogin = typeof sender.login === 'string' ? sender.login : '';
  // The bot's own edits and comments would otherwise trigger it again.
  if (!issue || sender.type === 'Bot' || issue.state === 'closed') return IGNORED;
  const form = formOfLabels(issue.labels);
  if (!form) return IGNORED;
  const catalog = await catalogFacts(deps.root);
  const ctx: PlanContext = { repository: deps.repository, issue, catalog };
  const comment = isObject(payload.comment) ? payload.comment : undefined;

  if (comment) {
    if (action !== 'created' || form.kind !== 'report-server') return IGNORED;
    const body = typeof comment.body === 'string' ? comment.body : '';
    if (!parseYankCommand(body)) return IGNORED;
    const server = parseForm(FORMS['report-server'], issue.body).values.server ?? '';
    const path = serverNameProblem(server) ? 'catalog/servers/' : `catalog/servers/${server}/status.json`;
    const owners = ownersOf(await codeOwners(deps.repo), path);
    return planYank(ctx, {
      commenter: senderLogin,
      commenterIsMaintainer: await isOwner(deps.members, owners, senderLogin),
      owners,
      comment: body,
      commentId: Number(comment.id ?? 0),
    });
  }

  if (action === 'labeled') {
    const label = isObject(payload.label) && typeof payload.label.name === 'string' ? payload.label.name : '';
    if (label !== APPROVED_LABEL || form.kind !== 'request-approval') return IGNORED;
    const policy = parseForm(FORMS['request-approval'], issue.body).values.policy ?? '';
    const path = /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(policy) ? `catalog/policies/${policy}.json` : 'catalog/policies/';
    const owners = ownersOf(await codeOwners(deps.repo), path);
    const labellerIsOwner = await isOwner(deps.members, owners, senderLogin);
    const labellerComments = labellerIsOwner
      ? (await deps.repo.comments(issue.number)).filter((c) => c.author.login === senderLogin).map((c) => c.body)
      : [];
    const raw = isObject(payload.issue) ? payload.issue.updated_at : undefined;
    // Labelling an issue sets its updated_at: in the labeled payload, that is the time of the label.
    const labelledAt =
      typeof raw === 'string' && !Number.isNaN(Date.parse(raw))
        ? raw
        : new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    return planApproval(ctx, { labeller: senderLogin, labellerIsOwner, owners, labelledAt, labellerComments });
  }

  if (!['opened', 'edited', 'reopened'].includes(action)) return IGNORED;
  switch (form.kind) {
    case 'submit-server':
      return planSubmission(ctx, await submissionFacts(issue.body, deps));
    case 'write-review':
      return planReview(ctx);
    case 'report-server':
      return planReport(ctx, ownersOf(await codeOwners(deps.repo), 'catalog/servers/'));
    case 'request-approval':
      return planApprovalRequest(ctx);
  }
}

async function submissionFacts(body: string, deps: Dependencies): Promise<SubmissionFacts> {
  const { request } = readSubmission(body);
  if (!request) return {};
  const facts: SubmissionFacts = {};
  const errors: string[] = [];
  const upstream = async <T>(read: () => Promise<T>): Promise<T | 'not-found' | undefined> => {
    try {
      return await read();
    } catch (error) {
      if (error instanceof UpstreamError && (error.code === 'not-found' || error.code === 'invalid-name'))
        return 'not-found';
      if (error instanceof UpstreamError) {
        errors.push(`${error.registry}: ${error.code}`);
        return undefined;
      }
      throw error;
    }
  };
  if (request.registry === 'npm') {
    const npm = await upstream(() => deps.upstream.npmPackage(request.package));
    if (npm === 'not-found') facts.npm = 'not-found';
    else if (npm) {
      facts.npm = {
        versions: Object.keys(npm.versions),
        ...(npm.latest ? { latest: npm.latest } : {}),
        ...(npm.description ? { description: npm.description } : {}),
        ...(npm.repository?.url ? { repositoryUrl: npm.repository.url } : {}),
      };
    }
  }
  if (request.registry === 'pypi') {
    const pypi = await upstream(() => deps.upstream.pypiProject(request.package));
    if (pypi === 'not-found') facts.pypi = 'not-found';
    else if (pypi) {
      const source = Object.entries(pypi.projectUrls).find(
        ([k, v]) => /source|repository|code|github/i.test(k) && v.startsWith('https://github.com/'),
      )?.[1];
      facts.pypi = {
        version: pypi.version,
        versions: Object.keys(pypi.releases),
        ...(pypi.summary ? { summary: pypi.summary } : {}),
        ...(source ? { sourceUrl: source } : {}),
      };
    }
  }
  if (request.repository) {
    try {
      const text = await deps.repo.readFile('server.json', {
        repository: `${request.repository.owner}/${request.repository.repo}`,
      });
      facts.serverJson = text === undefined ? 'not-found' : { text };
    } catch (error) {
      if (!(error instanceof GitHubRepoError)) throw error;
      errors.push(`GitHub: ${error.code}`);
    }
  }
  if (errors.length) facts.fetchErrors = errors;
  return facts;
}
