import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { copyFixture, readJson, tempDir } from '../test-support/fixtures.ts';
import { startGitHubRepoServer } from '../test-support/github-repo-server.ts';
import type { GitHubRepoTestServer } from '../test-support/github-repo-server.ts';
import { startUpstreamRegistriesServer } from '../test-support/upstream-registries-server.ts';
import type { UpstreamRegistriesTestServer } from '../test-support/upstream-registries-server.ts';
import { issueFormCommand } from './issue-form.ts';
import { validateCommand } from './validate.ts';

const FIXTURES = fileURLToPath(new URL('../stages/__fixtures__/issue-forms/', import.meta.url));
const CATALOG = fileURLToPath(new URL('../stages/__fixtures__/issue-forms-catalog/', import.meta.url));

const closers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((s) => s.close()));
});

async function filesOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    out[relative(dir, full).split('\\').join('/')] = await readFile(full, 'utf8');
  }
  return out;
}

interface Setup {
  github: GitHubRepoTestServer;
  upstream: UpstreamRegistriesTestServer;
  root: string;
  run(fixture: string, patch?: (event: Record<string, any>) => void): Promise<{ exitCode: number; out: any }>;
}

async function setup(): Promise<Setup> {
  const github = await startGitHubRepoServer({
    owner: 'acme',
    repo: 'catalog',
    files: await filesOf(CATALOG),
    orgs: { acme: { members: ['alice', 'erin'], teams: { maintainers: ['alice'], 'it-admins': ['erin'] } } },
    otherRepositories: {},
  });
  const upstream = await startUpstreamRegistriesServer({
    npm: [
      {
        name: '@alice/forecast-mcp',
        description: 'Forecasts from the national weather services, as MCP tools.',
        repository: { type: 'git', url: 'git+https://github.com/alice/forecast-mcp.git' },
        versions: [{ version: '2.0.0' }, { version: '2.1.0' }],
      },
    ],
  });
  closers.push(github, upstream);
  const root = await copyFixture(CATALOG);
  const env = {
    GITHUB_TOKEN: 'ghs_test',
    GITHUB_REPOSITORY: 'acme/catalog',
    GITHUB_API_URL: github.url,
    CATALOG_NPM_REGISTRY: upstream.npmUrl,
    CATALOG_PYPI_URL: upstream.pypiUrl,
  };
  return {
    github,
    upstream,
    root,
    async run(fixture, patch) {
      const event = await readJson<Record<string, any>>(join(FIXTURES, fixture, 'event.json'));
      patch?.(event);
      const file = join(await tempDir(), 'event.json');
      await writeFile(file, JSON.stringify(event));
      const result = await issueFormCommand(['--event', file, '--root', root], env);
      return { exitCode: result.exitCode, out: JSON.parse(result.stdout) };
    },
  };
}

/** The issue an event is about, seeded so that comments and labels have somewhere to go. */
function seedIssueOf(github: GitHubRepoTestServer, event: Record<string, any>) {
  while (github.state.issues.length + github.state.pulls.length < event.issue.number - 1) {
    github.seedIssue({ user: 'filler', title: 'filler' });
  }
  return github.seedIssue({
    user: { login: event.issue.user.login, type: event.issue.user.type },
    title: event.issue.title,
    body: event.issue.body,
    labels: event.issue.labels.map((l: { name: string }) => l.name),
  });
}

/** The catalog of `root` with a branch's changed files written over it, validated as pr.yml would. */
async function validateBranch(s: Setup, branch: string) {
  const root = await copyFixture(CATALOG);
  const base = s.github.files('main');
  for (const [path, text] of Object.entries(s.github.files(branch))) {
    if (base[path] === text) continue;
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return validateCommand({ root, json: true });
}

describe('issue-form', () => {
  it('a submission becomes exactly one correct PR, filled in from npm; a rerun opens none', async () => {
    const s = await setup();
    const event = await readJson<Record<string, any>>(join(FIXTURES, 'submit-npm/event.json'));
    const number = seedIssueOf(s.github, event);
    expect(number).toBe(7);
    const first = await s.run('submit-npm');
    expect(first.exitCode).toBe(0);
    expect(first.out.decision).toBe('pull-request');
    expect(s.github.state.pulls).toHaveLength(1);
    const pull = s.github.state.pulls[0]!;
    expect(pull).toMatchObject({ head: 'issue-form/7', base: 'main', labels: ['submission'] });
    expect(pull.body).toContain('Closes #7');
    const listing = JSON.parse(
      s.github.files('issue-form/7')['catalog/servers/io.github.alice/forecast-mcp/2.1.0.json']!,
    );
    expect(listing).toMatchObject({ name: 'io.github.alice/forecast-mcp', version: '2.1.0' });
    expect(s.github.commit('issue-form/7').author).toMatchObject({
      name: 'alice',
      email: '1001+alice@users.noreply.github.com',
    });
    const validation = await validateBranch(s, 'issue-form/7');
    expect(JSON.parse(validation.stdout).issues.filter((i: { severity: string }) => i.severity === 'error')).toEqual(
      [],
    );
    expect(validation.exitCode).toBe(0);
    expect(s.github.state.comments.filter((c) => c.issue === 7)).toHaveLength(1);

    const again = await s.run('submit-npm');
    expect(again.out.results.map((r: { outcome: string }) => r.outcome)).toEqual(['skipped', 'skipped']);
    expect(s.github.state.pulls).toHaveLength(1);
    expect(s.github.state.comments.filter((c) => c.issue === 7)).toHaveLength(1);
  });

  it('hostile input gets one comment listing every problem, and no PR; an edit updates that comment', async () => {
    const s = await setup();
    const event = await readJson<Record<string, any>>(join(FIXTURES, 'submit-hostile/event.json'));
    seedIssueOf(s.github, event);
    const result = await s.run('submit-hostile');
    expect(result.out.decision).toBe('problems');
    expect(result.out.problems.map((p: { path: string }) => p.path).sort()).toEqual(
      ['/confirm', '/description', '/name', '/package', '/repository', '/version'].sort(),
    );
    expect(s.github.state.pulls).toEqual([]);
    expect(s.github.state.branches.size).toBe(1);
    const [comment, ...more] = s.github.state.comments;
    expect(more).toEqual([]);
    // Untrusted values are quoted in code spans: no raw traversal path, no mention, no HTML.
    expect(comment!.body).not.toMatch(/(^|[^`])\.\.\/\.\.\/etc/);
    expect(comment!.body).toContain('<!-- mcp-catalog:issue-form -->');
    expect(s.upstream.requests).toEqual([]);

    await s.run('submit-hostile', (e) => {
      e.action = 'edited';
      e.issue.body = e.issue.body.replace('../../etc/passwd', 'still bad!');
    });
    expect(s.github.state.comments).toHaveLength(1);
    expect(s.github.state.comments[0]!.body).toContain('still bad!');
  });

  it('a package npm does not have gets the comment, after asking npm', async () => {
    const s = await setup();
    const event = await readJson<Record<string, any>>(join(FIXTURES, 'submit-npm/event.json'));
    seedIssueOf(s.github, event);
    const result = await s.run('submit-npm', (e) => {
      e.issue.body = e.issue.body.replace('@alice/forecast-mcp', 'no-such-package');
    });
    expect(result.out.problems).toEqual([expect.objectContaining({ code: 'package-not-found', path: '/package' })]);
    expect(s.github.state.pulls).toEqual([]);
    expect(s.upstream.requests.map((r) => r.status)).toContain(404);
  });

  it("uses a repository's server.json, read through the GitHub adapter", async () => {
    const s = await setup();
    await s.github.close();
    closers.splice(closers.indexOf(s.github), 1);
    const serverJson = {
      $schema: 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
      name: 'io.github.alice/forecast',
      title: 'Forecast',
      description: 'Forecasts, from the repository.',
      version: '2.1.0',
      websiteUrl: 'https://forecast.example.com',
    };
    const github = await startGitHubRepoServer({
      owner: 'acme',
      repo: 'catalog',
      files: await filesOf(CATALOG),
      otherRepositories: { 'alice/forecast-mcp': { 'server.json': JSON.stringify(serverJson) } },
    });
    closers.push(github);
    const event = await readJson<Record<string, any>>(join(FIXTURES, 'submit-npm/event.json'));
    seedIssueOf(github, event);
    const file = join(await tempDir(), 'event.json');
    await writeFile(file, JSON.stringify(event));
    const result = await issueFormCommand(['--event', file, '--root', s.root], {
      GITHUB_TOKEN: 't',
      GITHUB_REPOSITORY: 'acme/catalog',
      GITHUB_API_URL: github.url,
      CATALOG_NPM_REGISTRY: s.upstream.npmUrl,
    });
    expect(JSON.parse(result.stdout).decision).toBe('pull-request');
    const listing = JSON.parse(github.files('issue-form/7')['catalog/servers/io.github.alice/forecast/2.1.0.json']!);
    expect(listing).toMatchObject({
      name: 'io.github.alice/forecast',
      title: 'Forecast',
      websiteUrl: 'https://forecast.example.com',
    });
    expect(listing.packages[0]).toMatchObject({ registryType: 'npm', identifier: '@alice/forecast-mcp' });
  });

  it('a review form becomes a PR with submittedVia, authored for the reviewer', async () => {
    const s = await setup();
    const event = await readJson<Record<string, any>>(join(FIXTURES, 'review-opened/event.json'));
    seedIssueOf(s.github, event);
    const result = await s.run('review-opened');
    expect(result.out.decision).toBe('pull-request');
    const review = JSON.parse(s.github.files('issue-form/9')['catalog/reviews/io.github.acme/weather/bob.json']!);
    expect(review).toMatchObject({ rating: 4, version: '1.1.0', submittedVia: { issue: 9 } });
    expect(s.github.commit('issue-form/9').author.name).toBe('bob');
    const validation = await validateBranch(s, 'issue-form/9');
    expect(JSON.parse(validation.stdout).issues.filter((i: { severity: string }) => i.severity === 'error')).toEqual(
      [],
    );
  });

  it('an approval labelled by a CODEOWNER (through a team) becomes the PR adding the entry', async () => {
    const s = await setup();
    const event = await readJson<Record<string, any>>(join(FIXTURES, 'approval-labeled-owner/event.json'));
    seedIssueOf(s.github, event);
    const result = await s.run('approval-labeled-owner', (e) => {
      e.sender.login = 'erin'; // in @acme/it-admins, an owner of catalog/policies/corp.json
    });
    expect(result.out.decision).toBe('pull-request');
    const policy = JSON.parse(s.github.files('approval/11')['catalog/policies/corp.json']!);
    expect(policy.requireApproval.approved).toEqual([
      {
        server: 'io.github.acme/weather',
        versions: '1.1.0',
        by: 'erin',
        at: '2026-03-03T08:30:00Z',
        issue: 11,
        group: 'data-team',
      },
    ]);
    expect(s.github.requests.some((r) => r.path === '/orgs/acme/teams/it-admins/memberships/erin')).toBe(true);
    // Validated with whatever policy schema is current.
    const validation = await validateBranch(s, 'approval/11');
    expect(JSON.parse(validation.stdout).issues.filter((i: { severity: string }) => i.severity === 'error')).toEqual(
      [],
    );
  });

  it('an approval labelled by anyone else gets a comment, loses the label, and opens no PR', async () => {
    const s = await setup();
    const event = await readJson<Record<string, any>>(join(FIXTURES, 'approval-labeled-other/event.json'));
    const n = seedIssueOf(s.github, event);
    const result = await s.run('approval-labeled-other');
    expect(result.out.decision).toBe('refused');
    expect(s.github.state.pulls).toEqual([]);
    expect(s.github.state.issues.find((i) => i.number === n)!.labels).not.toContain('approved');
    expect(s.github.state.comments).toHaveLength(1);
    // `alice` maintains everything else, but not this policy: the last matching CODEOWNERS line wins.
    await s.run('approval-labeled-other', (e) => {
      e.sender.login = 'alice';
    });
    expect(s.github.state.pulls).toEqual([]);
  });

  it('/yank by a maintainer opens the status.json PR; by the reporter, a comment', async () => {
    const s = await setup();
    const event = await readJson<Record<string, any>>(join(FIXTURES, 'report-yank-comment/event.json'));
    seedIssueOf(s.github, event);
    const refused = await s.run('report-yank-comment', (e) => {
      e.sender = e.issue.user;
    });
    expect(refused.out.decision).toBe('refused');
    expect(s.github.state.pulls).toEqual([]);
    const result = await s.run('report-yank-comment');
    expect(result.out.decision).toBe('pull-request');
    const status = JSON.parse(s.github.files('yank/12-1.1.0')['catalog/servers/io.github.acme/weather/status.json']!);
    expect(status.versions['1.1.0']).toEqual({ status: 'yanked', message: 'exfiltrates SSH keys on start' });
    const validation = await validateBranch(s, 'yank/12-1.1.0');
    expect(JSON.parse(validation.stdout).issues.filter((i: { severity: string }) => i.severity === 'error')).toEqual(
      [],
    );
  });

  it("ignores the bot's own events and issues without a form label", async () => {
    const s = await setup();
    const bot = await s.run('submit-npm', (e) => {
      e.sender = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };
    });
    expect(bot.out.decision).toBe('ignored');
    const plain = await s.run('submit-npm', (e) => {
      e.issue.labels = [];
    });
    expect(plain.out.decision).toBe('ignored');
    expect(s.github.requests).toEqual([]);
  });

  it('says what is missing from the command line', async () => {
    await expect(issueFormCommand([], { GITHUB_TOKEN: 't', GITHUB_REPOSITORY: 'a/b' })).rejects.toThrow(/--event/);
    await expect(issueFormCommand(['--event', 'x'], {})).rejects.toThrow(/GITHUB_REPOSITORY/);
  });
});
