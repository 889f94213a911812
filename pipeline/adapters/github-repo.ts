/**
 * Writes to the catalog's own GitHub repository, and the reads the workflow planners need. With
 * `pipeline/adapters/github.ts` (stats), the only client of @octokit/rest (both build it through
 * `github-http.ts`). Planners are pure and return `GitHubAction[]` (`pipeline/core/github-actions.ts`);
 * this adapter carries them out, idempotently, because workflows re-run:
 *
 * - `pull-request`: skipped when any pull request (open, closed or merged) already has that head
 *   branch. Otherwise one commit with all `files` on top of the base branch's head (git data API:
 *   blobs, tree, commit, ref; `null` deletes, and a deletion of a path the base lacks is dropped),
 *   then the pull request and its labels. A branch left behind by a run that died before opening
 *   its pull request is moved to the new commit. No change against the base: skipped, no PR.
 * - `comment` with a marker: edits the one earlier comment holding `markerComment(marker)`
 *   (unchanged: skipped); the marker is appended to the body when the planner left it out.
 * - `issue`: updates the open issue holding the marker when its title or body differ (else
 *   skipped), or opens one.
 * - `labels`, `close`: only what is not so already (else skipped).
 *
 * Marker lookups only count comments and issues written by the bot itself (`markerAuthor`, default:
 * any account of type `Bot`, which is what the workflow's GITHUB_TOKEN writes as): anyone can paste
 * a marker into their own comment or issue, and the bot must not then rewrite it.
 *
 * What the request hook adds to plain octokit, as in github.ts and through the same guard
 * (`github-http.ts`): one typed `GitHubRepoError`, wrapped once; a bounded retry on 5xx and network
 * errors, except for the creations that are not idempotent (issue, comment, pull request), which
 * are instead looked up again before one more try; rate limits (a spent limit fails every later call
 * at once); requests only to the origin of `baseUrl`.
 *
 * Usage:
 * ```ts
 * const repo = createGitHubRepo({ token: process.env.GITHUB_TOKEN!, owner: 'acme', repo: 'catalog' });
 * const results = await repo.applyAll(plan);      // stops at the first failure: GitHubRepoError.done
 * if (await repo.isTeamMember('acme', 'admins', 'alice')) …
 * ```
 * Tests run it against `pipeline/test-support/github-repo-server.ts`.
 */
import { isObject } from '../core/guards.ts';
import { markerComment } from '../core/github-actions.ts';
import {
  createOctokit,
  createRequestGuard,
  failureError,
  GitHubHttpError,
  httpSettings,
  readFailure,
  retryDelay,
  sleep,
} from './github-http.ts';
import type { FailureAdvice, GitHubHttpTimings, OctokitResponse } from './github-http.ts';
import type {
  CloseAction,
  CommentAction,
  GitHubAction,
  GitHubActionResult,
  IssueAction,
  LabelAction,
  PullRequestAction,
} from '../core/github-actions.ts';

export type GitHubRepoErrorCode =
  /** 404 or 410. */
  | 'not-found'
  /** The rate limit is spent (403/429 with `x-ratelimit-remaining: 0` or `retry-after`, or a secondary limit). */
  | 'rate-limited'
  /** 401, or a 403 that is not a rate limit: the token is wrong or lacks a permission (`issues: write`, …). */
  | 'unauthorized'
  /** 409 or 422: GitHub refused the change (a conflict, a validation failure). */
  | 'rejected'
  /** No HTTP answer (DNS, refused, reset, timeout) or 5xx, after the retries. */
  | 'network'
  /** An answer of the wrong shape, an unexpected status, or a link to another origin. */
  | 'bad-response'
  /** The action itself is unsafe or malformed (a path with `..`, a bad branch name): nothing was sent. */
  | 'invalid-action';

/**
 * `code`, `endpoint`, `status` and `resetAt`, from `GitHubHttpError`; `endpoint` is `METHOD /path`
 * of the call that failed, or the action kind for 'invalid-action'.
 */
export class GitHubRepoError extends GitHubHttpError<GitHubRepoErrorCode> {
  override name = 'GitHubRepoError';
  /** From `applyAll`: what was done before this failure. */
  done: GitHubActionResult[] = [];
}

/** `retries`, `backoffMs` and `timeoutMs` as in `GitHubHttpTimings`. */
export interface GitHubRepoOptions extends GitHubHttpTimings {
  /** Default `https://api.github.com`; in Actions, `GITHUB_API_URL`. */
  baseUrl?: string;
  token: string;
  owner: string;
  repo: string;
  /** Login whose comments and issues carry the markers. Default: any `Bot` account. */
  markerAuthor?: string;
  userAgent?: string;
  request?: { fetch?: typeof globalThis.fetch };
  /** Pages of 100 to follow in a listing before giving up with 'bad-response'. Default 50. */
  maxPages?: number;
}

export interface GitHubUserRef {
  login: string;
  /** `User`, `Bot`, `Organization`. */
  type: string;
}

export interface GitHubIssue {
  number: number;
  author: GitHubUserRef;
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  isPullRequest: boolean;
  reactions: { '+1': number; '-1': number };
  createdAt: string;
  updatedAt: string;
  url: string;
}

export interface GitHubComment {
  id: number;
  author: GitHubUserRef;
  body: string;
  createdAt: string;
  url: string;
}

export interface GitHubPullRequest {
  number: number;
  author: GitHubUserRef;
  title: string;
  state: 'open' | 'closed';
  merged: boolean;
  headRef: string;
  headSha: string;
  /** `owner/name` of the head repository (a fork's, for a PR from a fork); null when that fork was deleted. */
  headRepository: string | null;
  baseRef: string;
  baseSha: string;
  labels: string[];
  url: string;
}

export interface ListIssuesOptions {
  /** All of these labels. */
  labels?: string[];
  /** Default `open`. */
  state?: 'open' | 'closed' | 'all';
  creator?: string;
  /** GitHub lists pull requests as issues; they are left out unless this is true. */
  includePullRequests?: boolean;
}

export interface GitHubRepo {
  readonly owner: string;
  readonly repo: string;
  apply(action: GitHubAction): Promise<GitHubActionResult>;
  /** In order, stopping at the first failure, which is thrown with `done` set to what was done before it. */
  applyAll(actions: readonly GitHubAction[]): Promise<GitHubActionResult[]>;
  defaultBranch(): Promise<string>;
  /** 204 → true, 404 → false. A token that is not itself an org member only sees public members. */
  isOrgMember(org: string, login: string): Promise<boolean>;
  /** An active membership of the team; needs a token that can read the org's teams (GITHUB_TOKEN cannot). */
  isTeamMember(org: string, team: string, login: string): Promise<boolean>;
  issue(number: number): Promise<GitHubIssue>;
  listIssues(options?: ListIssuesOptions): Promise<GitHubIssue[]>;
  comments(issue: number): Promise<GitHubComment[]>;
  pullRequest(number: number): Promise<GitHubPullRequest>;
  /** A file's text at `ref` (default: the default branch), in this or another `owner/name` repository; undefined when absent. */
  readFile(path: string, options?: { ref?: string; repository?: string }): Promise<string | undefined>;
}

/** The contents API serves a file's text inline up to 1 MB; nothing a workflow reads is that large. */
const MAX_FILE_BYTES = 1_000_000;

/** Workflows run with the job's GITHUB_TOKEN: the remedies are the job's permissions, or a later run. */
const ADVICE: FailureAdvice = {
  rateLimited: 'Run the workflow again later.',
  unauthorized: "check the token and the job's permissions (contents, issues, pull-requests: write)",
};

/**
 * A creation that must not be sent twice blindly: a 502 may come after GitHub made the issue.
 * These are retried by `create` below, after looking for what the first attempt may have made.
 */
function notIdempotent(method: string, pathname: string): boolean {
  return method === 'POST' && /\/(issues|issues\/\d+\/comments|pulls)$/.test(pathname);
}

/** A path of a file change: relative, `/`-separated, no empty, `.`, `..` or `.git` part, no control characters. */
export function unsafeRepositoryPath(path: string): string | undefined {
  if (path.length === 0 || path.length > 1024) return 'is empty or longer than 1024 characters';
  if (/[\u0000-\u001f\u007f\\]/.test(path)) return 'holds a control character or a backslash';
  if (path.startsWith('/')) return 'is absolute';
  if (path.split('/').some((part) => part === '' || part === '.' || part === '..' || part.toLowerCase() === '.git')) {
    return 'has an empty, ".", ".." or ".git" segment';
  }
  return undefined;
}

/** `git check-ref-format --branch`, the rules that matter for a name built from untrusted text. */
export function unsafeBranchName(name: string): string | undefined {
  if (name.length === 0 || name.length > 200) return 'is empty or longer than 200 characters';
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return 'holds a space, a control character or one of ~^:?*[\\';
  if (name.includes('..') || name.includes('@{') || name === '@') return 'holds "..", "@{" or is "@"';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//') || name.startsWith('-')) {
    return 'starts or ends with "/", starts with "-", or holds "//"';
  }
  if (name.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock')) || name.endsWith('.')) {
    return 'has a part that starts with "." or ends with ".lock", or ends with "."';
  }
  return undefined;
}

export function createGitHubRepo(options: GitHubRepoOptions): GitHubRepo {
  const settings = httpSettings(options);
  const { retries, backoffMs } = settings;
  const { owner, repo } = options;
  const maxPages = options.maxPages ?? 50;
  const guard = createRequestGuard(settings, { errorClass: GitHubRepoError, classify });
  let cachedDefaultBranch: string | undefined;

  const octokit = createOctokit({
    baseUrl: settings.baseUrl,
    token: options.token,
    userAgent: options.userAgent ?? 'mcp-catalog-workflows',
    fetch: options.request?.fetch,
  });

  octokit.hook.wrap('request', async (request, endpointOptions): Promise<OctokitResponse> => {
    const parsed = octokit.request.endpoint.parse(endpointOptions);
    const { url, endpoint } = guard.admit(parsed);
    const attempts = notIdempotent(parsed.method, url.pathname) ? 0 : retries;
    return guard.send(
      endpoint,
      endpointOptions,
      attempts,
      async () => (await request(endpointOptions)) as OctokitResponse,
    );
  });

  const bad = (endpoint: string, problem: string) =>
    new GitHubRepoError('bad-response', endpoint, `GitHub answered ${endpoint} with an unexpected shape: ${problem}.`);

  /** Every page of a listing, bounded. */
  async function listAll(route: string, params: Record<string, unknown>, endpoint: string): Promise<unknown[]> {
    const all: unknown[] = [];
    let pages = 0;
    for await (const page of octokit.paginate.iterator(route, { owner, repo, per_page: 100, ...params })) {
      if (++pages > maxPages) throw bad(endpoint, `more than ${maxPages} pages`);
      if (!Array.isArray(page.data)) throw bad(endpoint, 'a page is not an array');
      all.push(...(page.data as unknown[]));
    }
    return all;
  }

  /**
   * A creation that is not idempotent: on a 'network' failure, look for what the attempt may have
   * made (GitHub can fail after doing the work), and try again only when it is not there.
   */
  async function create<T>(send: () => Promise<T>, lookup: () => Promise<T | undefined>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        if (!(error instanceof GitHubRepoError) || error.code !== 'network' || attempt >= retries) throw error;
        await sleep(retryDelay(backoffMs, attempt + 1));
        const found = await lookup();
        if (found !== undefined) return found;
      }
    }
  }

  const isMarked = (author: GitHubUserRef, body: string, marker: string) =>
    body.includes(markerComment(marker)) &&
    (options.markerAuthor === undefined ? author.type === 'Bot' : author.login === options.markerAuthor);

  const withMarker = (body: string, marker: string) =>
    body.includes(markerComment(marker)) ? body : `${body}\n\n${markerComment(marker)}`;

  async function defaultBranch(): Promise<string> {
    if (cachedDefaultBranch) return cachedDefaultBranch;
    const { data } = await octokit.request('GET /repos/{owner}/{repo}', { owner, repo });
    const body: unknown = data;
    if (!isObject(body) || typeof body.default_branch !== 'string') {
      throw bad(`GET /repos/${owner}/${repo}`, 'no default_branch');
    }
    cachedDefaultBranch = body.default_branch;
    return body.default_branch;
  }

  async function issue(number: number): Promise<GitHubIssue> {
    const endpoint = `GET /repos/${owner}/${repo}/issues/${number}`;
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
      owner,
      repo,
      issue_number: number,
    });
    return toIssue(data, endpoint);
  }

  async function listIssues(opts: ListIssuesOptions = {}): Promise<GitHubIssue[]> {
    const endpoint = `GET /repos/${owner}/${repo}/issues`;
    const all = await listAll(
      'GET /repos/{owner}/{repo}/issues',
      {
        state: opts.state ?? 'open',
        ...(opts.labels?.length ? { labels: opts.labels.join(',') } : {}),
        ...(opts.creator ? { creator: opts.creator } : {}),
      },
      endpoint,
    );
    return all.map((i) => toIssue(i, endpoint)).filter((i) => opts.includePullRequests || !i.isPullRequest);
  }

  async function comments(number: number): Promise<GitHubComment[]> {
    const endpoint = `GET /repos/${owner}/${repo}/issues/${number}/comments`;
    const all = await listAll(
      'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
      { issue_number: number },
      endpoint,
    );
    return all.map((c) => {
      if (!isObject(c) || !Number.isSafeInteger(c.id)) throw bad(endpoint, 'a comment without an id');
      return {
        id: c.id as number,
        author: toUser(c.user, endpoint),
        body: typeof c.body === 'string' ? c.body : '',
        createdAt: String(c.created_at ?? ''),
        url: String(c.html_url ?? ''),
      };
    });
  }

  async function pullRequest(number: number): Promise<GitHubPullRequest> {
    const endpoint = `GET /repos/${owner}/${repo}/pulls/${number}`;
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
      owner,
      repo,
      pull_number: number,
    });
    return toPull(data, endpoint);
  }

  async function pullsFromBranch(branch: string): Promise<GitHubPullRequest[]> {
    const endpoint = `GET /repos/${owner}/${repo}/pulls`;
    const all = await listAll(
      'GET /repos/{owner}/{repo}/pulls',
      { head: `${owner}:${branch}`, state: 'all' },
      endpoint,
    );
    // `head` is a filter GitHub applies; check it again, so a change there cannot mislead the skip.
    return all.map((p) => toPull(p, endpoint)).filter((p) => p.headRef === branch);
  }

  async function isOrgMember(org: string, login: string): Promise<boolean> {
    try {
      // 204 is a member. A token that is not itself a member gets a 302 to the public-members check,
      // which fetch follows; its answer is 204 or 404 too.
      const { status }: { status: number } = await octokit.request('GET /orgs/{org}/members/{username}', {
        org,
        username: login,
      });
      return status === 204;
    } catch (error) {
      if (error instanceof GitHubRepoError && error.code === 'not-found') return false;
      throw error;
    }
  }

  async function isTeamMember(org: string, team: string, login: string): Promise<boolean> {
    try {
      const { data } = await octokit.request('GET /orgs/{org}/teams/{team_slug}/memberships/{username}', {
        org,
        team_slug: team,
        username: login,
      });
      const body: unknown = data;
      return isObject(body) && body.state === 'active';
    } catch (error) {
      if (error instanceof GitHubRepoError && error.code === 'not-found') return false;
      throw error;
    }
  }

  async function readFile(path: string, opts: { ref?: string; repository?: string } = {}): Promise<string | undefined> {
    const problem = unsafeRepositoryPath(path);
    if (problem)
      throw new GitHubRepoError('invalid-action', 'readFile', `The path ${JSON.stringify(path)} ${problem}.`);
    const [o = owner, r = repo] = opts.repository ? opts.repository.split('/') : [owner, repo];
    const endpoint = `GET /repos/${o}/${r}/contents/${path}`;
    let data: unknown;
    try {
      ({ data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
        owner: o,
        repo: r,
        path,
        ...(opts.ref ? { ref: opts.ref } : {}),
      }));
    } catch (error) {
      if (error instanceof GitHubRepoError && error.code === 'not-found') return undefined;
      throw error;
    }
    if (Array.isArray(data)) return undefined; // a directory
    if (!isObject(data) || data.type !== 'file') return undefined; // a symlink or submodule
    if (typeof data.size === 'number' && data.size > MAX_FILE_BYTES) {
      throw bad(endpoint, `the file is ${data.size} bytes, over the ${MAX_FILE_BYTES} this reads`);
    }
    if (data.encoding !== 'base64' || typeof data.content !== 'string') throw bad(endpoint, 'no base64 content');
    return Buffer.from(data.content, 'base64').toString('utf8');
  }

  // ---- actions -------------------------------------------------------------------------------

  async function applyPullRequest(action: PullRequestAction): Promise<GitHubActionResult> {
    const branchProblem = unsafeBranchName(action.branch);
    if (branchProblem) {
      throw new GitHubRepoError(
        'invalid-action',
        'pull-request',
        `The branch name ${JSON.stringify(action.branch)} ${branchProblem}.`,
      );
    }
    const seen = new Set<string>();
    for (const file of action.files) {
      const problem = unsafeRepositoryPath(file.path);
      if (problem) {
        throw new GitHubRepoError(
          'invalid-action',
          'pull-request',
          `The file path ${JSON.stringify(file.path)} ${problem}.`,
        );
      }
      if (seen.has(file.path)) {
        throw new GitHubRepoError(
          'invalid-action',
          'pull-request',
          `The file ${file.path} is changed twice in one pull request.`,
        );
      }
      seen.add(file.path);
    }
    const existing = (await pullsFromBranch(action.branch)).sort((a, b) => a.number - b.number)[0];
    if (existing) return { action, outcome: 'skipped', number: existing.number, url: existing.url };

    const base = action.base ?? (await defaultBranch());
    const refEndpoint = `GET /repos/${owner}/${repo}/git/ref/heads/${base}`;
    const { data: ref } = await octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', {
      owner,
      repo,
      ref: `heads/${base}`,
    });
    if (!isObject(ref) || !isObject(ref.object) || typeof ref.object.sha !== 'string')
      throw bad(refEndpoint, 'no object.sha');
    const baseSha = ref.object.sha;
    const commitEndpoint = `GET /repos/${owner}/${repo}/git/commits/${baseSha}`;
    const { data: baseCommit } = await octokit.request('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', {
      owner,
      repo,
      commit_sha: baseSha,
    });
    if (!isObject(baseCommit) || !isObject(baseCommit.tree) || typeof baseCommit.tree.sha !== 'string') {
      throw bad(commitEndpoint, 'no tree.sha');
    }
    const baseTree = baseCommit.tree.sha;

    const entries: { path: string; mode: '100644'; type: 'blob'; sha: string | null }[] = [];
    for (const file of action.files) {
      if (file.content === null) {
        // The tree API refuses to delete a path the base does not have; that deletion is already done.
        if ((await readFile(file.path, { ref: baseSha })) === undefined) continue;
        entries.push({ path: file.path, mode: '100644', type: 'blob', sha: null });
        continue;
      }
      const { data: blob } = await octokit.request('POST /repos/{owner}/{repo}/git/blobs', {
        owner,
        repo,
        content: Buffer.from(file.content, 'utf8').toString('base64'),
        encoding: 'base64',
      });
      if (!isObject(blob) || typeof blob.sha !== 'string')
        throw bad(`POST /repos/${owner}/${repo}/git/blobs`, 'no sha');
      entries.push({ path: file.path, mode: '100644', type: 'blob', sha: blob.sha });
    }
    if (entries.length === 0) return { action, outcome: 'skipped' };
    const { data: tree } = await octokit.request('POST /repos/{owner}/{repo}/git/trees', {
      owner,
      repo,
      base_tree: baseTree,
      tree: entries,
    });
    if (!isObject(tree) || typeof tree.sha !== 'string') throw bad(`POST /repos/${owner}/${repo}/git/trees`, 'no sha');
    // Every file already reads as planned on the base: there is nothing to propose.
    if (tree.sha === baseTree) return { action, outcome: 'skipped' };

    const { data: commit } = await octokit.request('POST /repos/{owner}/{repo}/git/commits', {
      owner,
      repo,
      message: action.commitMessage,
      tree: tree.sha,
      parents: [baseSha],
      ...(action.author ? { author: { name: action.author.name, email: action.author.email } } : {}),
    });
    if (!isObject(commit) || typeof commit.sha !== 'string')
      throw bad(`POST /repos/${owner}/${repo}/git/commits`, 'no sha');
    try {
      await octokit.request('POST /repos/{owner}/{repo}/git/refs', {
        owner,
        repo,
        ref: `refs/heads/${action.branch}`,
        sha: commit.sha,
      });
    } catch (error) {
      if (!(error instanceof GitHubRepoError && error.code === 'rejected')) throw error;
      // The branch exists without a pull request: an earlier run died between the ref and the PR.
      // It is this action's branch by name, so it is moved to the commit planned now.
      await octokit.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', {
        owner,
        repo,
        ref: `heads/${action.branch}`,
        sha: commit.sha,
        force: true,
      });
    }
    const pullsEndpoint = `POST /repos/${owner}/${repo}/pulls`;
    const pull = await create(
      async () => {
        const { data } = await octokit.request('POST /repos/{owner}/{repo}/pulls', {
          owner,
          repo,
          title: action.title,
          head: action.branch,
          base,
          body: action.body,
          maintainer_can_modify: true,
        });
        return toPull(data, pullsEndpoint);
      },
      async () => (await pullsFromBranch(action.branch))[0],
    );
    if (action.labels?.length) {
      await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', {
        owner,
        repo,
        issue_number: pull.number,
        labels: action.labels,
      });
    }
    return { action, outcome: 'created', number: pull.number, url: pull.url };
  }

  async function findMarkedComment(number: number, marker: string): Promise<GitHubComment | undefined> {
    return (await comments(number)).find((c) => isMarked(c.author, c.body, marker));
  }

  async function applyComment(action: CommentAction): Promise<GitHubActionResult> {
    const body = action.marker === undefined ? action.body : withMarker(action.body, action.marker);
    const endpoint = `POST /repos/${owner}/${repo}/issues/${action.issue}/comments`;
    const toComment = (data: unknown) => {
      if (!isObject(data) || !Number.isSafeInteger(data.id)) throw bad(endpoint, 'no id');
      return { id: data.id as number, url: String(data.html_url ?? '') };
    };
    if (action.marker !== undefined) {
      const marker = action.marker;
      const earlier = await findMarkedComment(action.issue, marker);
      if (earlier) {
        if (earlier.body === body) return { action, outcome: 'skipped', number: action.issue, url: earlier.url };
        const { data } = await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
          owner,
          repo,
          comment_id: earlier.id,
          body,
        });
        return { action, outcome: 'updated', number: action.issue, url: toComment(data).url };
      }
      const made = await create(
        async () =>
          toComment(
            (
              await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
                owner,
                repo,
                issue_number: action.issue,
                body,
              })
            ).data,
          ),
        async () => findMarkedComment(action.issue, marker),
      );
      return { action, outcome: 'created', number: action.issue, url: made.url };
    }
    // Without a marker there is nothing to find again, so a failed creation is not retried.
    const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner,
      repo,
      issue_number: action.issue,
      body,
    });
    return { action, outcome: 'created', number: action.issue, url: toComment(data).url };
  }

  async function findMarkedIssue(marker: string): Promise<GitHubIssue | undefined> {
    const open = await listIssues({
      state: 'open',
      ...(options.markerAuthor ? { creator: options.markerAuthor } : {}),
    });
    return open.sort((a, b) => a.number - b.number).find((i) => isMarked(i.author, i.body, marker));
  }

  async function applyIssue(action: IssueAction): Promise<GitHubActionResult> {
    const body = withMarker(action.body, action.marker);
    const earlier = await findMarkedIssue(action.marker);
    if (earlier) {
      const missing = (action.labels ?? []).filter((l) => !earlier.labels.includes(l));
      if (earlier.title === action.title && earlier.body === body && missing.length === 0) {
        return { action, outcome: 'skipped', number: earlier.number, url: earlier.url };
      }
      if (earlier.title !== action.title || earlier.body !== body) {
        await octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
          owner,
          repo,
          issue_number: earlier.number,
          title: action.title,
          body,
        });
      }
      if (missing.length) {
        await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', {
          owner,
          repo,
          issue_number: earlier.number,
          labels: missing,
        });
      }
      return { action, outcome: 'updated', number: earlier.number, url: earlier.url };
    }
    const endpoint = `POST /repos/${owner}/${repo}/issues`;
    const made = await create(
      async () => {
        const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues', {
          owner,
          repo,
          title: action.title,
          body,
          ...(action.labels?.length ? { labels: action.labels } : {}),
        });
        return toIssue(data, endpoint);
      },
      () => findMarkedIssue(action.marker),
    );
    return { action, outcome: 'created', number: made.number, url: made.url };
  }

  async function applyLabels(action: LabelAction): Promise<GitHubActionResult> {
    const current = await issue(action.issue);
    const add = (action.add ?? []).filter((l) => !current.labels.includes(l));
    const remove = (action.remove ?? []).filter((l) => current.labels.includes(l));
    if (add.length === 0 && remove.length === 0) {
      return { action, outcome: 'skipped', number: action.issue, url: current.url };
    }
    if (add.length) {
      await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', {
        owner,
        repo,
        issue_number: action.issue,
        labels: add,
      });
    }
    for (const name of remove) {
      try {
        await octokit.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', {
          owner,
          repo,
          issue_number: action.issue,
          name,
        });
      } catch (error) {
        // Someone removed it in the meantime: what was asked holds.
        if (!(error instanceof GitHubRepoError && error.code === 'not-found')) throw error;
      }
    }
    return { action, outcome: 'updated', number: action.issue, url: current.url };
  }

  async function applyClose(action: CloseAction): Promise<GitHubActionResult> {
    const current = await issue(action.issue);
    if (current.state === 'closed') return { action, outcome: 'skipped', number: action.issue, url: current.url };
    await octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
      owner,
      repo,
      issue_number: action.issue,
      state: 'closed',
      state_reason: action.reason,
    });
    return { action, outcome: 'updated', number: action.issue, url: current.url };
  }

  async function apply(action: GitHubAction): Promise<GitHubActionResult> {
    switch (action.kind) {
      case 'pull-request':
        return applyPullRequest(action);
      case 'comment':
        return applyComment(action);
      case 'issue':
        return applyIssue(action);
      case 'labels':
        return applyLabels(action);
      case 'close':
        return applyClose(action);
      default: {
        const kind = (action as { kind?: unknown }).kind;
        throw new GitHubRepoError('invalid-action', String(kind), `Unknown action kind ${JSON.stringify(kind)}.`);
      }
    }
  }

  async function applyAll(actions: readonly GitHubAction[]): Promise<GitHubActionResult[]> {
    const done: GitHubActionResult[] = [];
    for (const action of actions) {
      try {
        done.push(await apply(action));
      } catch (error) {
        const wrapped =
          error instanceof GitHubRepoError
            ? error
            : new GitHubRepoError('bad-response', action.kind, error instanceof Error ? error.message : String(error), {
                cause: error,
              });
        wrapped.done = done;
        throw wrapped;
      }
    }
    return done;
  }

  return {
    owner,
    repo,
    apply,
    applyAll,
    defaultBranch,
    isOrgMember,
    isTeamMember,
    issue,
    listIssues,
    comments,
    pullRequest,
    readFile,
  };
}

function toUser(value: unknown, endpoint: string): GitHubUserRef {
  if (!isObject(value) || typeof value.login !== 'string') {
    throw new GitHubRepoError('bad-response', endpoint, `GitHub answered ${endpoint} without a user login.`);
  }
  return { login: value.login, type: typeof value.type === 'string' ? value.type : 'User' };
}

function count(value: unknown): number {
  return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : 0;
}

function toIssue(data: unknown, endpoint: string): GitHubIssue {
  if (!isObject(data) || !Number.isSafeInteger(data.number) || typeof data.title !== 'string') {
    throw new GitHubRepoError(
      'bad-response',
      endpoint,
      `GitHub answered ${endpoint} with an issue without number and title.`,
    );
  }
  const labels = Array.isArray(data.labels)
    ? data.labels.flatMap((l: unknown) =>
        typeof l === 'string' ? [l] : isObject(l) && typeof l.name === 'string' ? [l.name] : [],
      )
    : [];
  const reactions = isObject(data.reactions) ? data.reactions : {};
  return {
    number: data.number as number,
    author: toUser(data.user, endpoint),
    title: data.title,
    body: typeof data.body === 'string' ? data.body : '',
    labels,
    state: data.state === 'closed' ? 'closed' : 'open',
    isPullRequest: isObject(data.pull_request),
    reactions: { '+1': count(reactions['+1']), '-1': count(reactions['-1']) },
    createdAt: String(data.created_at ?? ''),
    updatedAt: String(data.updated_at ?? ''),
    url: String(data.html_url ?? ''),
  };
}

function toPull(data: unknown, endpoint: string): GitHubPullRequest {
  if (
    !isObject(data) ||
    !Number.isSafeInteger(data.number) ||
    !isObject(data.head) ||
    !isObject(data.base) ||
    typeof data.head.sha !== 'string' ||
    typeof data.head.ref !== 'string' ||
    typeof data.base.sha !== 'string' ||
    typeof data.base.ref !== 'string'
  ) {
    throw new GitHubRepoError(
      'bad-response',
      endpoint,
      `GitHub answered ${endpoint} with a pull request without head and base.`,
    );
  }
  const headRepo =
    isObject(data.head.repo) && typeof data.head.repo.full_name === 'string' ? data.head.repo.full_name : null;
  const labels = Array.isArray(data.labels)
    ? data.labels.flatMap((l: unknown) => (isObject(l) && typeof l.name === 'string' ? [l.name] : []))
    : [];
  return {
    number: data.number as number,
    author: toUser(data.user, endpoint),
    title: typeof data.title === 'string' ? data.title : '',
    state: data.state === 'closed' ? 'closed' : 'open',
    merged: data.merged === true || (typeof data.merged_at === 'string' && data.merged_at !== ''),
    headRef: data.head.ref,
    headSha: data.head.sha,
    headRepository: headRepo,
    baseRef: data.base.ref,
    baseSha: data.base.sha,
    labels,
    url: String(data.html_url ?? ''),
  };
}

/** Whatever octokit threw, as a GitHubRepoError: the shared codes, and 'rejected' for a refused change. */
function classify(error: unknown, endpoint: string, timeoutMs: number): GitHubRepoError {
  const failure = readFailure(error, timeoutMs);
  if (failure.kind === 'answer' && (failure.status === 409 || failure.status === 422)) {
    const { status, message, data } = failure;
    const details = rejectionDetails(data);
    return new GitHubRepoError(
      'rejected',
      endpoint,
      `GitHub refused ${endpoint} with HTTP ${status}: ${message}${details ? ` (${details})` : ''}.`,
      { cause: error, status },
    );
  }
  return failureError(failure, { error, endpoint, advice: ADVICE, errorClass: GitHubRepoError });
}

/** GitHub's `errors` of a 422 (which field failed validation, and how), joined; '' when none. */
function rejectionDetails(data: unknown): string {
  if (!isObject(data) || !Array.isArray(data.errors)) return '';
  return data.errors
    .map((e: unknown) =>
      isObject(e) && typeof e.message === 'string' ? e.message : isObject(e) ? JSON.stringify(e) : '',
    )
    .filter(Boolean)
    .join('; ');
}
