/**
 * A local GitHub REST API on 127.0.0.1 for one repository, for the tests of every workflow that
 * writes to GitHub through `pipeline/adapters/github-repo.ts` (PR feedback, issue forms, approvals,
 * the update bot, re-verification, failure reports). It keeps its state in memory and speaks the
 * shapes and status codes of api.github.com (field names as in @octokit/openapi-types) for exactly
 * the endpoints the adapter uses:
 *
 * - git data: `GET /git/ref/heads/{branch}`, `POST /git/refs`, `PATCH /git/refs/heads/{branch}`,
 *   `POST|GET /git/blobs`, `POST|GET /git/trees` (`base_tree`, `sha: null` deletes, `?recursive=1`),
 *   `POST|GET /git/commits`, and `GET /contents/{path}?ref=` (base64 with GitHub's line breaks);
 *   a tiny object store: a branch is a ref to a commit, whose tree is a flat map path → blob;
 * - pulls: create (422 for an unknown head, an open duplicate, or no difference), list with
 *   `head=owner:branch`, `base`, `state=open|closed|all`, get;
 * - issues: create, get, update (`title`, `body`, `state`, `state_reason`, `labels`), list with
 *   `labels`, `state`, `creator`, `per_page`/`page` and a `Link` header; pull requests are issues
 *   too (shared numbers, `pull_request` key), as on GitHub; `reactions` in every issue's JSON;
 * - issue comments: list (paged), create, `PATCH /issues/comments/{id}`;
 * - labels: `POST /issues/{n}/labels`, `DELETE /issues/{n}/labels/{name}` (404 when absent);
 * - `GET /orgs/{org}/members/{username}` (204/404) and `GET /orgs/{org}/teams/{team}/memberships/{username}`;
 * - `GET /repos/{owner}/{repo}` (`default_branch`); other repositories' files (`otherRepositories`) through contents;
 * - 401 for a write without a token; queued faults (status, headers, body) for 5xx and rate limits.
 *
 * Usage:
 * ```ts
 * const server = await startGitHubRepoServer({
 *   owner: 'acme', repo: 'catalog',
 *   files: { 'catalog.config.json': '{…}', '.github/CODEOWNERS': '/catalog/policies/ @acme/admins\n' },
 *   orgs: { acme: { members: ['alice'], teams: { admins: ['alice'] } } },
 * });
 * const issue = server.seedIssue({ user: 'bob', title: 'Approve x', body: '### Server\n\nx', labels: ['approval'] });
 * server.seedComment(issue, { user: 'alice', body: '/yank 1.0.0 broken' });
 * server.seedBranch('update/x', { 'catalog/servers/x/1.0.0.json': '{}' });     // from the default branch
 * server.seedPull({ head: 'update/x', user: 'github-actions[bot]', state: 'merged' });
 * const repo = createGitHubRepo({ baseUrl: server.url, token: 't', owner: 'acme', repo: 'catalog' });
 * // … run the code under test, then assert:
 * server.state.pulls;                 // [{ number, head, base, title, body, state, merged, labels, user }]
 * server.files('update/x');           // { path: text } of the branch's (or a commit sha's) tree
 * server.commit('update/x');          // { message, author, parents, tree }
 * server.state.issues;                // issues only (not pull requests), with labels, state, body
 * server.state.comments;              // every comment: { id, issue, user, body }
 * server.requests;                    // [{ method, path, status, body, authorization }]
 * server.fail(2, { status: 502 });    // the next two requests answer 502
 * ```
 * Writes are made as `actor` (default `github-actions[bot]`, type `Bot`), as with the workflow's GITHUB_TOKEN.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RepoServerUser {
  login: string;
  /** `User` (default) or `Bot`. */
  type?: 'User' | 'Bot';
}

export interface RepoServerOrg {
  members: string[];
  /** Team slug → member logins. */
  teams?: Record<string, string[]>;
}

export interface GitHubRepoServerOptions {
  owner: string;
  repo: string;
  /** Default `main`. */
  defaultBranch?: string;
  /** The tree of the first commit on the default branch: path → text. */
  files?: Record<string, string>;
  orgs?: Record<string, RepoServerOrg>;
  /** Who the token speaks for. Default `github-actions[bot]` (a Bot). */
  actor?: RepoServerUser;
  /** Other public repositories, read-only through the contents API: `owner/name` → path → text (a submission's `server.json`). */
  otherRepositories?: Record<string, Record<string, string>>;
}

export interface SeedIssue {
  /** Default `octocat`. */
  user?: string | RepoServerUser;
  title: string;
  body?: string | null;
  labels?: string[];
  /** Default `open`. */
  state?: 'open' | 'closed';
  reactions?: { '+1'?: number; '-1'?: number };
  /** ISO date-time; default a fixed time plus the number in minutes. */
  createdAt?: string;
}

export interface SeedPull {
  /** The head branch; created from `base` with `files` when it does not exist. */
  head: string;
  /** Default the default branch. */
  base?: string;
  user?: string | RepoServerUser;
  title?: string;
  body?: string;
  /** Default `open`. `merged` is closed with `merged_at` set. */
  state?: 'open' | 'closed' | 'merged';
  files?: Record<string, string | null>;
  labels?: string[];
}

export interface RepoServerComment {
  id: number;
  issue: number;
  user: RepoServerUser;
  body: string;
  createdAt: string;
  updatedAt: string;
}

export interface RepoServerIssue {
  number: number;
  user: RepoServerUser;
  title: string;
  body: string | null;
  labels: string[];
  state: 'open' | 'closed';
  stateReason: string | null;
  reactions: { '+1': number; '-1': number };
  createdAt: string;
  updatedAt: string;
}

export interface RepoServerPull extends RepoServerIssue {
  head: string;
  /** The head commit when the pull request was opened or last pushed. */
  headSha: string;
  base: string;
  baseSha: string;
  merged: boolean;
}

export interface RepoServerCommit {
  sha: string;
  message: string;
  tree: string;
  parents: string[];
  author: { name: string; email: string; date: string };
}

export interface RepoServerRequest {
  method: string;
  /** Path and query, as received. */
  path: string;
  /** The parsed JSON body of a write, if any. */
  body: unknown;
  authorization: string | undefined;
  status: number;
}

export interface RepoServerFault {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface GitHubRepoTestServer {
  /** Base URL for `createGitHubRepo({ baseUrl })`. */
  url: string;
  requests: RepoServerRequest[];
  state: {
    readonly pulls: RepoServerPull[];
    /** Issues that are not pull requests. */
    readonly issues: RepoServerIssue[];
    readonly comments: RepoServerComment[];
    /** Branch name → head commit sha. */
    readonly branches: Map<string, string>;
  };
  /** The files of a branch or commit: path → text. Throws for an unknown ref. */
  files(ref: string): Record<string, string>;
  /** The commit a branch (or sha) points at. */
  commit(ref: string): RepoServerCommit;
  /** Make a branch (or move it) to a new commit on top of `from` (default: the branch itself, else the default branch) with `files` changed (`null` deletes). Returns the commit sha. */
  seedBranch(name: string, files: Record<string, string | null>, options?: { from?: string; message?: string }): string;
  seedIssue(issue: SeedIssue): number;
  seedComment(issue: number, comment: { user?: string | RepoServerUser; body: string }): number;
  seedPull(pull: SeedPull): number;
  setOrg(org: string, value: RepoServerOrg): void;
  /** The next `count` requests (default: all) get `fault` instead of an answer. */
  fail(count?: number, fault?: RepoServerFault): void;
  close(): Promise<void>;
}

const EPOCH = Date.parse('2025-01-06T09:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

class HttpReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
  constructor(status: number, body?: unknown, headers: Record<string, string> = {}) {
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

const notFound = (doc = 'https://docs.github.com/rest') =>
  new HttpReply(404, { message: 'Not Found', documentation_url: doc, status: '404' });
const validationFailed = (message: string, errors: unknown[] = []) =>
  new HttpReply(422, {
    message,
    errors,
    documentation_url: 'https://docs.github.com/rest',
    status: '422',
  });

function gitSha(kind: string, content: Buffer | string): string {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`${kind} ${bytes.length}\0`), bytes]))
    .digest('hex');
}

/** GitHub's own check of a tree path: no empty, `.` or `..` component, no leading or trailing slash. */
function malformedPath(path: string): boolean {
  return path === '' || path.split('/').some((part) => part === '' || part === '.' || part === '..' || part === '.git');
}

export async function startGitHubRepoServer(options: GitHubRepoServerOptions): Promise<GitHubRepoTestServer> {
  const { owner, repo } = options;
  const defaultBranch = options.defaultBranch ?? 'main';
  const actor: Required<RepoServerUser> = {
    login: options.actor?.login ?? 'github-actions[bot]',
    type: options.actor?.type ?? 'Bot',
  };
  const orgs = new Map(Object.entries(options.orgs ?? {}));
  const blobs = new Map<string, Buffer>();
  /** Tree sha → path → blob sha. */
  const trees = new Map<string, Map<string, string>>();
  const commits = new Map<string, RepoServerCommit>();
  const branches = new Map<string, string>();
  /** Issues and pull requests share one sequence of numbers, as on GitHub. */
  const items = new Map<number, RepoServerIssue | RepoServerPull>();
  const comments: RepoServerComment[] = [];
  const requests: RepoServerRequest[] = [];
  const faults: { remaining: number; fault: RepoServerFault }[] = [];
  let nextNumber = 1;
  let nextCommentId = 1_000_001;
  let clock = EPOCH;
  let base = '';
  const now = () => iso((clock += 1000));
  const user = (u: string | RepoServerUser | undefined): Required<RepoServerUser> =>
    typeof u === 'string' ? { login: u, type: 'User' } : { login: u?.login ?? 'octocat', type: u?.type ?? 'User' };
  const isPull = (item: RepoServerIssue | RepoServerPull): item is RepoServerPull => 'head' in item;

  const putBlob = (bytes: Buffer) => {
    const sha = gitSha('blob', bytes);
    blobs.set(sha, bytes);
    return sha;
  };
  const putTree = (entries: Map<string, string>) => {
    const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const sha = gitSha('tree', sorted.map(([p, s]) => `100644 ${p}\0${s}`).join(''));
    trees.set(sha, new Map(sorted));
    return sha;
  };
  const putCommit = (c: Omit<RepoServerCommit, 'sha'>) => {
    const sha = gitSha('commit', JSON.stringify(c));
    commits.set(sha, { sha, ...c });
    return sha;
  };
  const resolveRef = (ref: string): RepoServerCommit | undefined => {
    const sha = branches.get(ref.replace(/^refs\/heads\//, '')) ?? ref;
    return commits.get(sha);
  };

  const seedBranch: GitHubRepoTestServer['seedBranch'] = (name, files, seedOptions = {}) => {
    const from = seedOptions.from ?? (branches.has(name) ? name : defaultBranch);
    const parent = resolveRef(from);
    const entries = new Map(parent ? trees.get(parent.tree) : undefined);
    for (const [path, text] of Object.entries(files)) {
      if (text === null) entries.delete(path);
      else entries.set(path, putBlob(Buffer.from(text)));
    }
    const date = now();
    const sha = putCommit({
      message: seedOptions.message ?? `Seed ${name}`,
      tree: putTree(entries),
      parents: parent ? [parent.sha] : [],
      author: { name: 'Seed', email: 'seed@example.com', date },
    });
    branches.set(name, sha);
    return sha;
  };
  seedBranch(defaultBranch, options.files ?? {}, { message: 'Initial commit' });

  const seedIssue = (seed: SeedIssue, pull?: Omit<RepoServerPull, keyof RepoServerIssue>): number => {
    const number = nextNumber++;
    const created = seed.createdAt ?? iso(EPOCH + number * 60_000);
    const issue: RepoServerIssue = {
      number,
      user: user(seed.user),
      title: seed.title,
      body: seed.body ?? null,
      labels: [...new Set(seed.labels ?? [])],
      state: seed.state ?? 'open',
      stateReason: seed.state === 'closed' ? 'completed' : null,
      reactions: { '+1': seed.reactions?.['+1'] ?? 0, '-1': seed.reactions?.['-1'] ?? 0 },
      createdAt: created,
      updatedAt: created,
    };
    items.set(number, pull ? { ...issue, ...pull } : issue);
    return number;
  };

  // ---- JSON shapes -------------------------------------------------------------------------
  const userJson = (u: RepoServerUser) => {
    const id = Number.parseInt(createHash('sha1').update(u.login).digest('hex').slice(0, 7), 16);
    return {
      login: u.login,
      id,
      node_id: `U_kgDO${id}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      url: `${base}/users/${encodeURIComponent(u.login)}`,
      html_url: `https://github.com/${u.login}`,
      type: u.type ?? 'User',
      site_admin: false,
    };
  };
  const labelJson = (name: string) => {
    const id = Number.parseInt(createHash('sha1').update(name).digest('hex').slice(0, 7), 16);
    return {
      id,
      node_id: `LA_kwDO${id}`,
      url: `${base}/repos/${owner}/${repo}/labels/${encodeURIComponent(name)}`,
      name,
      color: 'ededed',
      default: false,
      description: null,
    };
  };
  const repoPath = `/repos/${owner}/${repo}`;
  const issueJson = (item: RepoServerIssue | RepoServerPull) => {
    const kind = isPull(item) ? 'pull' : 'issues';
    const r = item.reactions;
    return {
      url: `${base}${repoPath}/issues/${item.number}`,
      repository_url: `${base}${repoPath}`,
      comments_url: `${base}${repoPath}/issues/${item.number}/comments`,
      html_url: `https://github.com/${owner}/${repo}/${kind}/${item.number}`,
      id: 90_000_000 + item.number,
      node_id: `I_kwDO${item.number}`,
      number: item.number,
      title: item.title,
      user: userJson(item.user),
      labels: item.labels.map(labelJson),
      state: item.state,
      state_reason: item.stateReason,
      locked: false,
      assignee: null,
      assignees: [],
      milestone: null,
      comments: comments.filter((c) => c.issue === item.number).length,
      created_at: item.createdAt,
      updated_at: item.updatedAt,
      closed_at: item.state === 'closed' ? item.updatedAt : null,
      author_association: 'NONE',
      body: item.body,
      reactions: {
        url: `${base}${repoPath}/issues/${item.number}/reactions`,
        total_count: r['+1'] + r['-1'],
        '+1': r['+1'],
        '-1': r['-1'],
        laugh: 0,
        hooray: 0,
        confused: 0,
        heart: 0,
        rocket: 0,
        eyes: 0,
      },
      ...(isPull(item)
        ? {
            pull_request: {
              url: `${base}${repoPath}/pulls/${item.number}`,
              html_url: `https://github.com/${owner}/${repo}/pull/${item.number}`,
              merged_at: item.merged ? item.updatedAt : null,
            },
          }
        : {}),
    };
  };
  const repoJson = () => ({
    id: 4242,
    node_id: 'R_kgDO4242',
    name: repo,
    full_name: `${owner}/${repo}`,
    private: false,
    owner: userJson({ login: owner, type: 'User' }),
    html_url: `https://github.com/${owner}/${repo}`,
    url: `${base}${repoPath}`,
    default_branch: defaultBranch,
    visibility: 'public',
  });
  const pullJson = (p: RepoServerPull) => ({
    url: `${base}${repoPath}/pulls/${p.number}`,
    id: 80_000_000 + p.number,
    node_id: `PR_kwDO${p.number}`,
    html_url: `https://github.com/${owner}/${repo}/pull/${p.number}`,
    issue_url: `${base}${repoPath}/issues/${p.number}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user: userJson(p.user),
    body: p.body,
    labels: p.labels.map(labelJson),
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    closed_at: p.state === 'closed' ? p.updatedAt : null,
    merged_at: p.merged ? p.updatedAt : null,
    draft: false,
    head: {
      label: `${owner}:${p.head}`,
      ref: p.head,
      sha: p.headSha,
      user: userJson({ login: owner }),
      repo: repoJson(),
    },
    base: {
      label: `${owner}:${p.base}`,
      ref: p.base,
      sha: p.baseSha,
      user: userJson({ login: owner }),
      repo: repoJson(),
    },
    author_association: 'NONE',
    merged: p.merged,
  });
  const commentJson = (c: RepoServerComment) => ({
    url: `${base}${repoPath}/issues/comments/${c.id}`,
    html_url: `https://github.com/${owner}/${repo}/issues/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${base}${repoPath}/issues/${c.issue}`,
    id: c.id,
    node_id: `IC_kwDO${c.id}`,
    user: userJson(c.user),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: 'NONE',
    body: c.body,
  });
  const commitJson = (c: RepoServerCommit) => ({
    sha: c.sha,
    node_id: `C_kwDO${c.sha.slice(0, 8)}`,
    url: `${base}${repoPath}/git/commits/${c.sha}`,
    html_url: `https://github.com/${owner}/${repo}/commit/${c.sha}`,
    author: c.author,
    committer: c.author,
    message: c.message,
    tree: { sha: c.tree, url: `${base}${repoPath}/git/trees/${c.tree}` },
    parents: c.parents.map((sha) => ({ sha, url: `${base}${repoPath}/git/commits/${sha}` })),
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null },
  });
  const refJson = (name: string) => {
    const sha = branches.get(name)!;
    return {
      ref: `refs/heads/${name}`,
      node_id: `REF_${sha.slice(0, 8)}`,
      url: `${base}${repoPath}/git/refs/heads/${name}`,
      object: { sha, type: 'commit', url: `${base}${repoPath}/git/commits/${sha}` },
    };
  };
  const treeJson = (sha: string, recursive: boolean) => {
    const entries = trees.get(sha)!;
    const dirs = new Set<string>();
    for (const path of entries.keys()) {
      const parts = path.split('/');
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    }
    const all = [
      ...[...dirs].map((path) => ({ path, mode: '040000', type: 'tree', sha: gitSha('tree', `${sha}:${path}`) })),
      ...[...entries].map(([path, blob]) => ({
        path,
        mode: '100644',
        type: 'blob',
        sha: blob,
        size: blobs.get(blob)!.length,
      })),
    ]
      .filter((e) => recursive || !e.path.includes('/'))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    return { sha, url: `${base}${repoPath}/git/trees/${sha}`, tree: all, truncated: false };
  };

  /** `per_page`/`page` with GitHub's `Link` header. */
  const paged = <T>(url: URL, all: T[], map: (item: T) => unknown): HttpReply => {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const pages = Math.max(1, Math.ceil(all.length / perPage));
    const link = (p: number, rel: string) => {
      const next = new URL(url.pathname + url.search, base);
      next.searchParams.set('per_page', String(perPage));
      next.searchParams.set('page', String(p));
      return `<${next.href}>; rel="${rel}"`;
    };
    const links = [
      ...(page > 1 ? [link(page - 1, 'prev')] : []),
      ...(page < pages ? [link(page + 1, 'next'), link(pages, 'last')] : []),
      ...(page > 1 ? [link(1, 'first')] : []),
    ];
    return new HttpReply(
      200,
      all.slice((page - 1) * perPage, page * perPage).map(map),
      links.length ? { link: links.join(', ') } : {},
    );
  };

  const stringArray = (value: unknown): value is string[] =>
    Array.isArray(value) && value.every((v) => typeof v === 'string');

  // ---- routes ------------------------------------------------------------------------------
  const route = (method: string, url: URL, body: Record<string, unknown>, authorized: boolean): HttpReply => {
    const path = decodeURIComponent(url.pathname);
    const writes = method !== 'GET';
    if (writes && !authorized) {
      return new HttpReply(401, {
        message: 'Requires authentication',
        documentation_url: 'https://docs.github.com/rest',
      });
    }
    let m: RegExpExecArray | null;

    if ((m = /^\/orgs\/([^/]+)\/members\/([^/]+)$/.exec(path)) && method === 'GET') {
      return orgs.get(m[1]!)?.members.includes(m[2]!) ? new HttpReply(204) : notFound();
    }
    if ((m = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/.exec(path)) && method === 'GET') {
      const team = orgs.get(m[1]!)?.teams?.[m[2]!];
      if (!team?.includes(m[3]!)) return notFound();
      return new HttpReply(200, {
        url: `${base}/orgs/${m[1]}/teams/${m[2]}/memberships/${m[3]}`,
        role: 'member',
        state: 'active',
      });
    }
    const foreign = /^\/repos\/([^/]+\/[^/]+)\/contents\/(.+)$/.exec(path);
    if (foreign && method === 'GET' && `/repos/${foreign[1]}` !== repoPath) {
      const text = options.otherRepositories?.[foreign[1]!]?.[foreign[2]!];
      if (text === undefined) return notFound('https://docs.github.com/rest/repos/contents#get-repository-content');
      const bytes = Buffer.from(text);
      return new HttpReply(200, {
        type: 'file',
        encoding: 'base64',
        size: bytes.length,
        name: foreign[2]!.split('/').pop(),
        path: foreign[2],
        content: bytes.toString('base64').replace(/.{60}/g, '$&\n'),
        sha: gitSha('blob', bytes),
      });
    }
    if (!path.startsWith(`${repoPath}`)) return notFound();
    const rest = path.slice(repoPath.length);
    if (rest === '' && method === 'GET') return new HttpReply(200, repoJson());

    // git refs
    if ((m = /^\/git\/(?:ref|refs)\/heads\/(.+)$/.exec(rest))) {
      const name = m[1]!;
      if (method === 'GET') return branches.has(name) ? new HttpReply(200, refJson(name)) : notFound();
      if (method === 'PATCH') {
        const sha = body.sha;
        if (!branches.has(name)) return validationFailed('Reference does not exist');
        if (typeof sha !== 'string' || !commits.has(sha)) return validationFailed('Object does not exist');
        const current = branches.get(name)!;
        const fastForward = commits.get(sha)!.parents.includes(current) || sha === current;
        if (!fastForward && body.force !== true) return validationFailed('Update is not a fast forward');
        branches.set(name, sha);
        return new HttpReply(200, refJson(name));
      }
    }
    if (rest === '/git/refs' && method === 'POST') {
      const ref = body.ref;
      const sha = body.sha;
      if (typeof ref !== 'string' || !/^refs\/heads\/./.test(ref)) {
        return validationFailed("Reference name must start with 'refs/' and have at least two slashes.");
      }
      if (typeof sha !== 'string' || !commits.has(sha)) return validationFailed('Object does not exist');
      const name = ref.slice('refs/heads/'.length);
      if (branches.has(name)) return validationFailed('Reference already exists');
      branches.set(name, sha);
      return new HttpReply(201, refJson(name));
    }

    // git objects
    if (rest === '/git/blobs' && method === 'POST') {
      const { content, encoding } = body;
      if (typeof content !== 'string') return validationFailed('Invalid request.\n\n"content" wasn\'t supplied.');
      const bytes = encoding === 'base64' ? Buffer.from(content, 'base64') : Buffer.from(content, 'utf8');
      const sha = putBlob(bytes);
      return new HttpReply(201, { url: `${base}${repoPath}/git/blobs/${sha}`, sha });
    }
    if ((m = /^\/git\/blobs\/([0-9a-f]{40})$/.exec(rest)) && method === 'GET') {
      const bytes = blobs.get(m[1]!);
      if (!bytes) return notFound();
      return new HttpReply(200, {
        sha: m[1],
        node_id: `B_${m[1]!.slice(0, 8)}`,
        size: bytes.length,
        url: `${base}${repoPath}/git/blobs/${m[1]}`,
        content: bytes.toString('base64').replace(/.{60}/g, '$&\n'),
        encoding: 'base64',
      });
    }
    if (rest === '/git/trees' && method === 'POST') {
      const baseTree = body.base_tree;
      const tree = body.tree;
      if (baseTree !== undefined && (typeof baseTree !== 'string' || !trees.has(baseTree))) {
        return validationFailed('Invalid tree info');
      }
      if (!Array.isArray(tree)) return validationFailed('Invalid request.\n\n"tree" wasn\'t supplied.');
      const entries = new Map(typeof baseTree === 'string' ? trees.get(baseTree) : undefined);
      for (const entry of tree as unknown[]) {
        if (typeof entry !== 'object' || entry === null) return validationFailed('Invalid tree info');
        const e = entry as Record<string, unknown>;
        if (typeof e.path !== 'string' || malformedPath(e.path)) {
          return validationFailed('tree.path contains a malformed path component');
        }
        if (e.type !== 'blob' || !['100644', '100755'].includes(String(e.mode))) {
          return validationFailed('Invalid tree info');
        }
        if (e.sha === null) {
          // GitHub refuses to delete a path that the base tree does not have.
          if (!entries.has(e.path)) return validationFailed('GitRPC::BadObjectState');
          entries.delete(e.path);
        } else if (typeof e.content === 'string') {
          entries.set(e.path, putBlob(Buffer.from(e.content)));
        } else if (typeof e.sha === 'string' && blobs.has(e.sha)) {
          entries.set(e.path, e.sha);
        } else {
          return validationFailed('Invalid tree info');
        }
      }
      const sha = putTree(entries);
      return new HttpReply(201, treeJson(sha, true));
    }
    if ((m = /^\/git\/trees\/([0-9a-f]{40})$/.exec(rest)) && method === 'GET') {
      if (!trees.has(m[1]!)) return notFound();
      const recursive = url.searchParams.has('recursive') && url.searchParams.get('recursive') !== 'false';
      return new HttpReply(200, treeJson(m[1]!, recursive));
    }
    if (rest === '/git/commits' && method === 'POST') {
      const { message, tree, parents, author } = body;
      if (typeof message !== 'string' || typeof tree !== 'string' || !trees.has(tree)) {
        return validationFailed('Invalid request.');
      }
      if (!stringArray(parents) || parents.some((p) => !commits.has(p))) return validationFailed('Invalid request.');
      const a = (author ?? {}) as Record<string, unknown>;
      const date = typeof a.date === 'string' ? a.date : now();
      const sha = putCommit({
        message,
        tree,
        parents,
        author: {
          name: typeof a.name === 'string' ? a.name : actor.login,
          email: typeof a.email === 'string' ? a.email : '41898282+github-actions[bot]@users.noreply.github.com',
          date,
        },
      });
      return new HttpReply(201, commitJson(commits.get(sha)!));
    }
    if ((m = /^\/git\/commits\/([0-9a-f]{40})$/.exec(rest)) && method === 'GET') {
      const c = commits.get(m[1]!);
      return c ? new HttpReply(200, commitJson(c)) : notFound();
    }

    // contents (read)
    if ((m = /^\/contents\/(.*)$/.exec(rest)) && method === 'GET') {
      const c = resolveRef(url.searchParams.get('ref') ?? defaultBranch);
      if (!c) return notFound();
      const entries = trees.get(c.tree)!;
      const want = m[1]!.replace(/\/+$/, '');
      const blob = entries.get(want);
      if (blob) {
        const bytes = blobs.get(blob)!;
        return new HttpReply(200, {
          type: 'file',
          encoding: 'base64',
          size: bytes.length,
          name: want.split('/').pop(),
          path: want,
          content: bytes.toString('base64').replace(/.{60}/g, '$&\n'),
          sha: blob,
          url: `${base}${repoPath}/contents/${want}?ref=${defaultBranch}`,
          html_url: `https://github.com/${owner}/${repo}/blob/${defaultBranch}/${want}`,
          download_url: `https://raw.githubusercontent.com/${owner}/${repo}/${defaultBranch}/${want}`,
        });
      }
      const prefix = want === '' ? '' : `${want}/`;
      const children = new Map<string, 'file' | 'dir'>();
      for (const p of entries.keys()) {
        if (!p.startsWith(prefix)) continue;
        const [head, ...tail] = p.slice(prefix.length).split('/');
        children.set(head!, tail.length ? 'dir' : 'file');
      }
      if (children.size === 0) return notFound('https://docs.github.com/rest/repos/contents#get-repository-content');
      return new HttpReply(
        200,
        [...children].sort().map(([name, type]) => ({ type, name, path: `${prefix}${name}` })),
      );
    }

    // pulls
    if (rest === '/pulls' && method === 'GET') {
      const state = url.searchParams.get('state') ?? 'open';
      const head = url.searchParams.get('head');
      const baseRef = url.searchParams.get('base');
      const all = [...items.values()]
        .filter(isPull)
        .filter((p) => state === 'all' || p.state === state)
        .filter((p) => head === null || `${owner}:${p.head}` === head)
        .filter((p) => baseRef === null || p.base === baseRef)
        .sort((a, b) => b.number - a.number);
      return paged(url, all, pullJson);
    }
    if (rest === '/pulls' && method === 'POST') {
      const { title, head, body: text } = body;
      const baseRef = typeof body.base === 'string' ? body.base : undefined;
      if (typeof title !== 'string' || typeof head !== 'string' || baseRef === undefined) {
        return validationFailed('Validation Failed', [{ resource: 'PullRequest', code: 'missing_field' }]);
      }
      const headName = head.replace(new RegExp(`^${owner}:`), '');
      const headCommit = resolveRef(headName);
      const baseCommit = branches.has(baseRef) ? resolveRef(baseRef) : undefined;
      if (!headCommit || !branches.has(headName)) {
        return validationFailed('Validation Failed', [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
      }
      if (!baseCommit) {
        return validationFailed('Validation Failed', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
      }
      const open = [...items.values()].filter(isPull).find((p) => p.state === 'open' && p.head === headName);
      if (open) {
        return validationFailed('Validation Failed', [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${owner}:${headName}.`,
          },
        ]);
      }
      if (headCommit.tree === baseCommit.tree) {
        return validationFailed('Validation Failed', [
          { resource: 'PullRequest', code: 'custom', message: `No commits between ${baseRef} and ${headName}` },
        ]);
      }
      const date = now();
      const number = seedIssue(
        { user: actor, title, body: typeof text === 'string' ? text : null, createdAt: date },
        { head: headName, headSha: headCommit.sha, base: baseRef, baseSha: baseCommit.sha, merged: false },
      );
      return new HttpReply(201, pullJson(items.get(number) as RepoServerPull));
    }
    if ((m = /^\/pulls\/(\d+)$/.exec(rest)) && method === 'GET') {
      const p = items.get(Number(m[1]));
      return p && isPull(p) ? new HttpReply(200, pullJson(p)) : notFound();
    }

    // issues
    if (rest === '/issues' && method === 'GET') {
      const state = url.searchParams.get('state') ?? 'open';
      const labels = (url.searchParams.get('labels') ?? '')
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean);
      const creator = url.searchParams.get('creator');
      const direction = url.searchParams.get('direction') ?? 'desc';
      const all = [...items.values()]
        .filter((i) => state === 'all' || i.state === state)
        .filter((i) => labels.every((l) => i.labels.some((x) => x.toLowerCase() === l.toLowerCase())))
        .filter((i) => creator === null || i.user.login === creator)
        .sort((a, b) => (direction === 'asc' ? a.number - b.number : b.number - a.number));
      return paged(url, all, issueJson);
    }
    if (rest === '/issues' && method === 'POST') {
      const { title, body: text, labels } = body;
      if (typeof title !== 'string' || title.trim() === '') {
        return validationFailed('Validation Failed', [{ resource: 'Issue', field: 'title', code: 'missing_field' }]);
      }
      const number = seedIssue({
        user: actor,
        title,
        body: typeof text === 'string' ? text : null,
        labels: stringArray(labels) ? labels : [],
        createdAt: now(),
      });
      return new HttpReply(201, issueJson(items.get(number)!));
    }
    if ((m = /^\/issues\/(\d+)$/.exec(rest))) {
      const item = items.get(Number(m[1]));
      if (!item) return notFound();
      if (method === 'GET') return new HttpReply(200, issueJson(item));
      if (method === 'PATCH') {
        if (typeof body.title === 'string') item.title = body.title;
        if (typeof body.body === 'string' || body.body === null) item.body = body.body;
        if (stringArray(body.labels)) item.labels = [...new Set(body.labels)];
        if (body.state === 'open' || body.state === 'closed') {
          item.state = body.state;
          item.stateReason =
            body.state === 'closed' ? (typeof body.state_reason === 'string' ? body.state_reason : 'completed') : null;
        }
        item.updatedAt = now();
        return new HttpReply(200, issueJson(item));
      }
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const number = Number(m[1]);
      if (!items.has(number)) return notFound();
      if (method === 'GET') {
        return paged(
          url,
          comments.filter((c) => c.issue === number),
          commentJson,
        );
      }
      if (method === 'POST') {
        if (typeof body.body !== 'string' || body.body === '') {
          return validationFailed('Validation Failed', [
            { resource: 'IssueComment', field: 'body', code: 'missing_field' },
          ]);
        }
        const date = now();
        const c: RepoServerComment = {
          id: nextCommentId++,
          issue: number,
          user: actor,
          body: body.body,
          createdAt: date,
          updatedAt: date,
        };
        comments.push(c);
        return new HttpReply(201, commentJson(c));
      }
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const c = comments.find((x) => x.id === Number(m![1]));
      if (!c) return notFound();
      if (method === 'GET') return new HttpReply(200, commentJson(c));
      if (method === 'PATCH') {
        // Only the author (or an admin) may edit a comment; the token is the actor.
        if (c.user.login !== actor.login) {
          return new HttpReply(403, { message: 'Resource not accessible by integration', status: '403' });
        }
        if (typeof body.body !== 'string' || body.body === '') return validationFailed('Validation Failed');
        c.body = body.body;
        c.updatedAt = now();
        return new HttpReply(200, commentJson(c));
      }
    }
    if ((m = /^\/issues\/(\d+)\/labels$/.exec(rest)) && method === 'POST') {
      const item = items.get(Number(m[1]));
      if (!item) return notFound();
      const labels = Array.isArray(body.labels) ? body.labels : undefined;
      if (!stringArray(labels)) return validationFailed('Invalid request.');
      item.labels = [...new Set([...item.labels, ...labels])];
      item.updatedAt = now();
      return new HttpReply(200, item.labels.map(labelJson));
    }
    if ((m = /^\/issues\/(\d+)\/labels\/(.+)$/.exec(rest)) && method === 'DELETE') {
      const item = items.get(Number(m[1]));
      if (!item) return notFound();
      if (!item.labels.includes(m[2]!)) {
        return new HttpReply(404, { message: 'Label does not exist', status: '404' });
      }
      item.labels = item.labels.filter((l) => l !== m![2]);
      item.updatedAt = now();
      return new HttpReply(200, item.labels.map(labelJson));
    }
    return notFound();
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const recorded: RepoServerRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        body,
        authorization: req.headers.authorization,
        status: 0,
      };
      requests.push(recorded);
      const current = faults[0];
      if (current && --current.remaining <= 0) faults.shift();
      let reply: HttpReply;
      if (current) {
        reply = new HttpReply(current.fault.status, current.fault.body, current.fault.headers);
      } else if (typeof body === 'string') {
        reply = new HttpReply(400, { message: 'Problems parsing JSON' });
      } else {
        const url = new URL(req.url ?? '/', base);
        const object = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
        reply = route(req.method ?? 'GET', url, object, Boolean(req.headers.authorization));
      }
      recorded.status = reply.status;
      const payload =
        reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-api-version-selected': '2022-11-28',
        'x-github-request-id': `0000:${requests.length.toString(16).padStart(4, '0')}`,
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
        'x-ratelimit-resource': 'core',
        ...reply.headers,
      });
      res.end(reply.status === 204 ? undefined : payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const files = (ref: string): Record<string, string> => {
    const c = resolveRef(ref);
    if (!c) throw new Error(`no branch or commit ${ref}`);
    return Object.fromEntries([...trees.get(c.tree)!].map(([path, blob]) => [path, blobs.get(blob)!.toString('utf8')]));
  };

  return {
    url: base,
    requests,
    state: {
      get pulls() {
        return [...items.values()].filter(isPull).sort((a, b) => a.number - b.number);
      },
      get issues() {
        return [...items.values()].filter((i) => !isPull(i)).sort((a, b) => a.number - b.number);
      },
      comments,
      branches,
    },
    files,
    commit(ref) {
      const c = resolveRef(ref);
      if (!c) throw new Error(`no branch or commit ${ref}`);
      return c;
    },
    seedBranch,
    seedIssue: (issue) => seedIssue(issue),
    seedComment(issue, comment) {
      if (!items.has(issue)) throw new Error(`no issue ${issue}`);
      const date = now();
      const c = {
        id: nextCommentId++,
        issue,
        user: user(comment.user),
        body: comment.body,
        createdAt: date,
        updatedAt: date,
      };
      comments.push(c);
      return c.id;
    },
    seedPull(pull) {
      const baseRef = pull.base ?? defaultBranch;
      const baseSha = branches.get(baseRef);
      if (!baseSha) throw new Error(`no base branch ${baseRef}`);
      if (!branches.has(pull.head) || pull.files) seedBranch(pull.head, pull.files ?? {}, { from: baseRef });
      const state = pull.state ?? 'open';
      return seedIssue(
        {
          user: pull.user ?? actor,
          title: pull.title ?? `Pull request from ${pull.head}`,
          body: pull.body ?? '',
          labels: pull.labels ?? [],
          state: state === 'open' ? 'open' : 'closed',
        },
        { head: pull.head, headSha: branches.get(pull.head)!, base: baseRef, baseSha, merged: state === 'merged' },
      );
    },
    setOrg(org, value) {
      orgs.set(org, value);
    },
    fail(count = Infinity, fault = { status: 503, body: { message: 'Service Unavailable' } }) {
      faults.push({ remaining: count, fault });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
