import { afterEach, describe, expect, it } from 'vitest';
import { markerComment } from '../core/github-actions.ts';
import type { GitHubAction, PullRequestAction } from '../core/github-actions.ts';
import { startGitHubRepoServer } from '../test-support/github-repo-server.ts';
import type { GitHubRepoServerOptions, GitHubRepoTestServer } from '../test-support/github-repo-server.ts';
import { createGitHubRepo, GitHubRepoError } from './github-repo.ts';
import type { GitHubRepoOptions } from './github-repo.ts';

const servers: GitHubRepoTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(
  serverOptions: Partial<GitHubRepoServerOptions> = {},
  clientOptions: Partial<GitHubRepoOptions> = {},
) {
  const server = await startGitHubRepoServer({
    owner: 'acme',
    repo: 'catalog',
    files: { 'README.md': 'hello\n', 'catalog/old.json': '{}\n' },
    orgs: { acme: { members: ['alice', 'bob'], teams: { admins: ['alice'] } } },
    ...serverOptions,
  });
  servers.push(server);
  const repo = createGitHubRepo({
    baseUrl: server.url,
    token: 'ghs_test',
    owner: 'acme',
    repo: 'catalog',
    backoffMs: 1,
    timeoutMs: 5_000,
    ...clientOptions,
  });
  return { server, repo };
}

async function failure(promise: Promise<unknown>): Promise<GitHubRepoError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitHubRepoError);
  return error as GitHubRepoError;
}

const PR: PullRequestAction = {
  kind: 'pull-request',
  branch: 'issue-form/7',
  title: 'Add io.github.alice/weather 1.0.0',
  body: 'From #7.',
  commitMessage: 'Add io.github.alice/weather 1.0.0',
  files: [
    { path: 'catalog/servers/io.github.alice/weather/1.0.0.json', content: '{"name":"io.github.alice/weather"}\n' },
    { path: 'catalog/old.json', content: null },
    { path: 'catalog/never-was.json', content: null },
  ],
  labels: ['submission', 'from-issue-form'],
  author: { name: 'alice', email: '1+alice@users.noreply.github.com' },
};

describe('pull-request', () => {
  it('opens one PR from a new branch with one commit holding every file, deletions too, and its labels', async () => {
    const { server, repo } = await setup();
    const result = await repo.apply(PR);
    expect(result).toMatchObject({ outcome: 'created', number: 1 });
    expect(result.url).toBe('https://github.com/acme/catalog/pull/1');
    expect(server.files('issue-form/7')).toEqual({
      'README.md': 'hello\n',
      'catalog/servers/io.github.alice/weather/1.0.0.json': '{"name":"io.github.alice/weather"}\n',
    });
    const commit = server.commit('issue-form/7');
    expect(commit.parents).toEqual([server.state.branches.get('main')]);
    expect(commit).toMatchObject({ message: PR.commitMessage, author: { name: 'alice', email: PR.author!.email } });
    expect(server.state.pulls).toHaveLength(1);
    expect(server.state.pulls[0]).toMatchObject({
      head: 'issue-form/7',
      base: 'main',
      title: PR.title,
      body: PR.body,
      labels: ['submission', 'from-issue-form'],
      state: 'open',
    });
    expect(server.requests.every((r) => r.authorization === 'token ghs_test')).toBe(true);
  });

  it('skips a rerun, and any branch whose PR was closed or merged', async () => {
    const { server, repo } = await setup();
    await repo.apply(PR);
    const before = server.requests.length;
    expect(await repo.apply(PR)).toMatchObject({ outcome: 'skipped', number: 1 });
    expect(server.requests.slice(before).map((r) => r.method)).toEqual(['GET']);
    server.seedPull({ head: 'bot/merged', state: 'merged', files: { 'x.json': '1' } });
    server.seedPull({ head: 'bot/closed', state: 'closed', files: { 'y.json': '1' } });
    expect((await repo.apply({ ...PR, branch: 'bot/merged' })).outcome).toBe('skipped');
    expect((await repo.apply({ ...PR, branch: 'bot/closed' })).outcome).toBe('skipped');
    expect(server.state.pulls).toHaveLength(3);
  });

  it('moves a branch that an earlier run left without a PR, and opens the PR', async () => {
    const { server, repo } = await setup();
    server.seedBranch('issue-form/7', { 'stale.json': 'half a run' });
    const result = await repo.apply(PR);
    expect(result.outcome).toBe('created');
    expect(Object.keys(server.files('issue-form/7'))).not.toContain('stale.json');
    expect(server.state.pulls[0]!.headSha).toBe(server.state.branches.get('issue-form/7'));
  });

  it('opens nothing when every file already reads as planned on the base', async () => {
    const { server, repo } = await setup();
    const same: PullRequestAction = { ...PR, files: [{ path: 'README.md', content: 'hello\n' }] };
    expect((await repo.apply(same)).outcome).toBe('skipped');
    expect(server.state.pulls).toEqual([]);
    expect(server.state.branches.has('issue-form/7')).toBe(false);
  });

  it('targets the given base branch', async () => {
    const { server, repo } = await setup();
    server.seedBranch('release', { 'R.md': 'r' });
    await repo.apply({ ...PR, base: 'release' });
    expect(server.state.pulls[0]!.base).toBe('release');
    expect(server.files('issue-form/7')['R.md']).toBe('r');
  });

  it.each([
    ['../etc/passwd'],
    ['catalog/../../x'],
    ['/abs.json'],
    ['.git/config'],
    ['catalog//x.json'],
    ['a\\b.json'],
    ['a\u0000b'],
    ['a\nb'],
    [''],
  ])("refuses the file path %j with 'invalid-action', sending nothing", async (path) => {
    const { server, repo } = await setup();
    const error = await failure(repo.apply({ ...PR, files: [{ path, content: 'x' }] }));
    expect(error.code).toBe('invalid-action');
    expect(server.requests).toEqual([]);
  });

  it.each([['a..b'], ['x y'], ['-x'], ['a/'], ['a.lock'], ['a~1'], ['a:b'], ['.hidden'], ['a@{1}'], ['x\u0007']])(
    "refuses the branch name %j with 'invalid-action'",
    async (branch) => {
      const { server, repo } = await setup();
      expect((await failure(repo.apply({ ...PR, branch }))).code).toBe('invalid-action');
      expect(server.requests).toEqual([]);
    },
  );

  it('retries a PR creation after a 502 only once it finds no PR from the branch', async () => {
    const { server } = await setup();
    const hits: string[] = [];
    let failed = false;
    // A fetch in front of the double that fails the first POST /pulls, as a GitHub outage would.
    const flaky: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const hit = `${init?.method ?? 'GET'} ${url.pathname}`;
      hits.push(hit);
      if (hit === 'POST /repos/acme/catalog/pulls' && !failed) {
        failed = true;
        return new Response('{"message":"Bad Gateway"}', {
          status: 502,
          headers: { 'content-type': 'application/json' },
        });
      }
      return fetch(input, init);
    };
    const repo = createGitHubRepo({
      baseUrl: server.url,
      token: 't',
      owner: 'acme',
      repo: 'catalog',
      backoffMs: 1,
      request: { fetch: flaky },
    });
    expect((await repo.apply(PR)).outcome).toBe('created');
    const first = hits.indexOf('POST /repos/acme/catalog/pulls');
    const last = hits.lastIndexOf('POST /repos/acme/catalog/pulls');
    expect(last).toBeGreaterThan(first);
    expect(hits.slice(first + 1, last)).toEqual(['GET /repos/acme/catalog/pulls']);
    expect(server.state.pulls).toHaveLength(1);
  });
});

describe('comment', () => {
  it('with a marker: creates once, edits it when the body changes, skips it when not', async () => {
    const { server, repo } = await setup();
    const issue = server.seedIssue({ user: 'bob', title: 'x' });
    const action: GitHubAction = { kind: 'comment', issue, body: 'First.', marker: 'issue-form' };
    expect(await repo.apply(action)).toMatchObject({ outcome: 'created', number: issue });
    expect(server.state.comments[0]!.body).toBe(`First.\n\n${markerComment('issue-form')}`);
    expect((await repo.apply(action)).outcome).toBe('skipped');
    expect((await repo.apply({ ...action, body: 'Second.' })).outcome).toBe('updated');
    expect(server.state.comments).toHaveLength(1);
    expect(server.state.comments[0]!.body).toContain('Second.');
  });

  it('does not take over a comment where someone else pasted the marker', async () => {
    const { server, repo } = await setup();
    const issue = server.seedIssue({ user: 'bob', title: 'x' });
    server.seedComment(issue, { user: 'mallory', body: `mine ${markerComment('issue-form')}` });
    expect((await repo.apply({ kind: 'comment', issue, body: 'Bot.', marker: 'issue-form' })).outcome).toBe('created');
    expect(server.state.comments.map((c) => c.user.login)).toEqual(['mallory', 'github-actions[bot]']);
  });

  it('finds the marker on a later page of comments', async () => {
    const { server, repo } = await setup();
    const issue = server.seedIssue({ user: 'bob', title: 'x' });
    for (let i = 0; i < 120; i++) server.seedComment(issue, { user: 'bob', body: `comment ${i}` });
    server.seedComment(issue, {
      user: { login: 'github-actions[bot]', type: 'Bot' },
      body: `old ${markerComment('m')}`,
    });
    expect((await repo.apply({ kind: 'comment', issue, body: 'new', marker: 'm' })).outcome).toBe('updated');
    expect(server.state.comments).toHaveLength(121);
  });

  it('without a marker: always adds one', async () => {
    const { server, repo } = await setup();
    const issue = server.seedIssue({ user: 'bob', title: 'x' });
    await repo.apply({ kind: 'comment', issue, body: 'a' });
    await repo.apply({ kind: 'comment', issue, body: 'a' });
    expect(server.state.comments.map((c) => c.body)).toEqual(['a', 'a']);
  });
});

describe('issue', () => {
  const action: GitHubAction = {
    kind: 'issue',
    marker: 'workflow-failure:publish',
    title: 'publish fails',
    body: 'Run 1 failed.',
    labels: ['ci'],
  };

  it('opens one, then updates it only when it changed', async () => {
    const { server, repo } = await setup();
    expect((await repo.apply(action)).outcome).toBe('created');
    expect(server.state.issues[0]).toMatchObject({ title: 'publish fails', labels: ['ci'] });
    expect(server.state.issues[0]!.body).toContain(markerComment('workflow-failure:publish'));
    expect((await repo.apply(action)).outcome).toBe('skipped');
    expect(await repo.apply({ ...action, body: 'Run 2 failed.' })).toMatchObject({ outcome: 'updated', number: 1 });
    expect(server.state.issues).toHaveLength(1);
    expect(server.state.issues[0]!.body).toContain('Run 2 failed.');
  });

  it('opens a new one when the marked issue was closed, and ignores an issue a person wrote with the marker', async () => {
    const { server, repo } = await setup();
    server.seedIssue({ user: 'mallory', title: 'fake', body: markerComment('workflow-failure:publish') });
    server.seedIssue({
      user: { login: 'github-actions[bot]', type: 'Bot' },
      title: 'old',
      body: markerComment('workflow-failure:publish'),
      state: 'closed',
    });
    expect(await repo.apply(action)).toMatchObject({ outcome: 'created', number: 3 });
    expect(server.state.issues[0]!.title).toBe('fake');
  });
});

describe('labels and close', () => {
  it('adds and removes only what is not so already', async () => {
    const { server, repo } = await setup();
    const issue = server.seedIssue({ user: 'bob', title: 'x', labels: ['a', 'b'] });
    expect((await repo.apply({ kind: 'labels', issue, add: ['c', 'a'], remove: ['b', 'z'] })).outcome).toBe('updated');
    expect(server.state.issues[0]!.labels).toEqual(['a', 'c']);
    expect((await repo.apply({ kind: 'labels', issue, add: ['c'], remove: ['b'] })).outcome).toBe('skipped');
  });

  it('closes with a reason, once', async () => {
    const { server, repo } = await setup();
    const issue = server.seedIssue({ user: 'bob', title: 'x' });
    expect((await repo.apply({ kind: 'close', issue, reason: 'not_planned' })).outcome).toBe('updated');
    expect(server.state.issues[0]).toMatchObject({ state: 'closed', stateReason: 'not_planned' });
    expect((await repo.apply({ kind: 'close', issue, reason: 'not_planned' })).outcome).toBe('skipped');
  });
});

describe('applyAll', () => {
  it('applies in order and stops at the first failure, saying what was done', async () => {
    const { server, repo } = await setup();
    const issue = server.seedIssue({ user: 'bob', title: 'x' });
    const error = await failure(
      repo.applyAll([
        { kind: 'comment', issue, body: 'one' },
        { kind: 'labels', issue: 999, add: ['x'] },
        { kind: 'comment', issue, body: 'never' },
      ]),
    );
    expect(error.code).toBe('not-found');
    expect(error.done.map((d) => d.outcome)).toEqual(['created']);
    expect(server.state.comments.map((c) => c.body)).toEqual(['one']);
  });
});

describe('reads', () => {
  it('org and team membership', async () => {
    const { repo } = await setup();
    expect(await repo.isOrgMember('acme', 'bob')).toBe(true);
    expect(await repo.isOrgMember('acme', 'mallory')).toBe(false);
    expect(await repo.isOrgMember('nobody', 'bob')).toBe(false);
    expect(await repo.isTeamMember('acme', 'admins', 'alice')).toBe(true);
    expect(await repo.isTeamMember('acme', 'admins', 'bob')).toBe(false);
  });

  it('an issue, a pull request, the default branch and a file', async () => {
    const { server, repo } = await setup({ defaultBranch: 'trunk' });
    const n = server.seedIssue({ user: 'bob', title: 'T', body: 'B', labels: ['l'], reactions: { '+1': 3, '-1': 1 } });
    expect(await repo.issue(n)).toMatchObject({
      number: n,
      author: { login: 'bob', type: 'User' },
      title: 'T',
      body: 'B',
      labels: ['l'],
      state: 'open',
      isPullRequest: false,
      reactions: { '+1': 3, '-1': 1 },
    });
    const p = server.seedPull({ head: 'feature', user: 'carol', files: { 'f.json': '{}' } });
    expect(await repo.pullRequest(p)).toMatchObject({
      number: p,
      author: { login: 'carol' },
      headRef: 'feature',
      headSha: server.state.branches.get('feature'),
      baseRef: 'trunk',
      baseSha: server.state.branches.get('trunk'),
      merged: false,
    });
    expect(await repo.defaultBranch()).toBe('trunk');
    expect(await repo.readFile('README.md')).toBe('hello\n');
    expect(await repo.readFile('f.json', { ref: 'feature' })).toBe('{}');
    expect(await repo.readFile('missing.json')).toBeUndefined();
    expect(await repo.readFile('catalog')).toBeUndefined();
    expect((await failure(repo.readFile('../x'))).code).toBe('invalid-action');
  });

  it('lists issues over every page, with labels, state and reactions, leaving out pull requests', async () => {
    const { server, repo } = await setup();
    for (let i = 0; i < 130; i++) {
      server.seedIssue({ user: 'bob', title: `r${i}`, labels: i % 2 ? ['review'] : ['other'], reactions: { '+1': i } });
    }
    server.seedPull({ head: 'x', labels: ['review'], files: { x: 'x' } });
    server.seedIssue({ user: 'bob', title: 'closed', labels: ['review'], state: 'closed' });
    const open = await repo.listIssues({ labels: ['review'] });
    expect(open).toHaveLength(65);
    expect(open.find((i) => i.title === 'r129')!.reactions).toEqual({ '+1': 129, '-1': 0 });
    expect((await repo.listIssues({ labels: ['review'], state: 'all' })).length).toBe(66);
    expect((await repo.listIssues({ labels: ['review'], includePullRequests: true })).length).toBe(66);
    expect((await repo.listIssues()).length).toBe(130);
    const pages = server.requests.filter((r) => r.path.startsWith('/repos/acme/catalog/issues?'));
    expect(pages.length).toBeGreaterThan(4);
  });
});

describe('failures', () => {
  it('retries a 5xx on a read and returns the answer that follows', async () => {
    const { server, repo } = await setup();
    server.fail(2, { status: 502, body: 'Bad Gateway' });
    expect(await repo.defaultBranch()).toBe('main');
    expect(server.requests.map((r) => r.status)).toEqual([502, 502, 200]);
  });

  it("gives up with 'network' after the retries", async () => {
    const { server, repo } = await setup({}, { retries: 1 });
    server.fail();
    expect((await failure(repo.defaultBranch())).code).toBe('network');
    expect(server.requests).toHaveLength(2);
  });

  it("is 'rate-limited' on a spent limit, and later calls fail without a request", async () => {
    const { server, repo } = await setup();
    server.fail(1, {
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 600) },
      body: { message: 'API rate limit exceeded' },
    });
    const error = await failure(repo.defaultBranch());
    expect(error.code).toBe('rate-limited');
    expect(error.resetAt).toBeInstanceOf(Date);
    expect((await failure(repo.issue(1))).code).toBe('rate-limited');
    expect(server.requests).toHaveLength(1);
  });

  it("is 'unauthorized' for a 403 that is no rate limit, 'rejected' for a 422", async () => {
    const { server, repo } = await setup();
    server.fail(1, { status: 403, body: { message: 'Resource not accessible by integration' } });
    expect((await failure(repo.defaultBranch())).code).toBe('unauthorized');
    const issue = server.seedIssue({ user: 'bob', title: 'x' });
    server.fail(1, { status: 422, body: { message: 'Validation Failed', errors: [{ message: 'body is too long' }] } });
    const rejected = await failure(repo.apply({ kind: 'comment', issue, body: 'x' }));
    expect(rejected.code).toBe('rejected');
    expect(rejected.message).toContain('body is too long');
  });

  it('does not follow a Link to another origin with the token', async () => {
    const { server, repo } = await setup();
    server.fail(1, {
      status: 200,
      headers: { link: '<http://203.0.113.9/repos/acme/catalog/issues?page=2>; rel="next"' },
      body: [],
    });
    const error = await failure(repo.listIssues());
    expect(error.code).toBe('bad-response');
    expect(error.message).toContain('203.0.113.9');
    expect(server.requests).toHaveLength(1);
  });
});
