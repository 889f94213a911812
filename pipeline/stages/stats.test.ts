import { afterEach, describe, expect, it } from 'vitest';
import type { ServerStats } from '../core/schema-types.gen.ts';
import { createGitHubClient } from '../adapters/github.ts';
import { createGitHubRepo } from '../adapters/github-repo.ts';
import { createNpmDownloadsClient, NpmDownloadsError } from '../adapters/npm-downloads.ts';
import { listReviewThreads } from '../commands/review-threads.ts';
import { startGitHubApiServer } from '../test-support/github-api-server.ts';
import type { GitHubApiServerOptions, GitHubApiTestServer } from '../test-support/github-api-server.ts';
import { startGitHubRepoServer } from '../test-support/github-repo-server.ts';
import { startNpmDownloadsServer } from '../test-support/npm-downloads-server.ts';
import type { NpmDownloadsTestServer } from '../test-support/npm-downloads-server.ts';
import { fetchStats, npmOutcome, previousStats, repositoryOf, settleMetric, SOURCE_OFF } from './stats.ts';
import type { StatsInput, StatsNote, StatsServer } from './stats.ts';
import { reviewThreadMarker } from './review-votes.ts';

const NOW = new Date('2026-02-01T12:00:00.000Z');
const THEN = '2026-01-01T06:00:00.000Z';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const REPOSITORIES: GitHubApiServerOptions['repositories'] = [
  {
    fullName: 'acme/weather',
    id: 101,
    stars: 1234,
    releases: [{ tag: 'v1', assets: [{ name: 'weather.mcpb', downloads: 40 }] }],
  },
  { fullName: 'acme/monorepo', id: 102, stars: 77 },
  { fullName: 'acme/third', id: 103, stars: 9 },
];

const NPM = { 'mcp-weather': 1000, '@acme/weather-cli': 200, 'mcp-mono-a': 5, 'mcp-mono-b': 6 };

const SERVERS: StatsServer[] = [
  {
    name: 'io.github.acme/weather',
    repository: { owner: 'acme', repo: 'weather' },
    npmPackages: ['mcp-weather', '@acme/weather-cli'],
    hasReleaseBundles: true,
    reviewers: [],
  },
  {
    name: 'io.github.acme/mono-a',
    repository: { owner: 'acme', repo: 'monorepo' },
    npmPackages: ['mcp-mono-a'],
    hasReleaseBundles: false,
    reviewers: [],
  },
  {
    name: 'io.github.acme/mono-b',
    repository: { owner: 'Acme', repo: 'Monorepo' },
    npmPackages: ['mcp-mono-b'],
    hasReleaseBundles: false,
    reviewers: [],
  },
  {
    name: 'io.github.acme/third',
    repository: { owner: 'acme', repo: 'third' },
    npmPackages: [],
    hasReleaseBundles: false,
    reviewers: [],
  },
];

async function servers(github: Partial<GitHubApiServerOptions> = {}, npm: Record<string, number> = NPM) {
  const gh: GitHubApiTestServer = await startGitHubApiServer({ repositories: REPOSITORIES, ...github });
  const registry: NpmDownloadsTestServer = await startNpmDownloadsServer({ downloads: npm });
  open.push(gh, registry);
  const sources: StatsInput['sources'] = {
    github: createGitHubClient({ baseUrl: gh.url, backoffMs: 1, retries: 1 }),
    npm: createNpmDownloadsClient({ baseUrl: registry.url, backoffMs: 1, retries: 1 }),
  };
  return { gh, registry, sources };
}

const fresh = (value: number) => ({ value, asOf: NOW.toISOString() });
const old = (value: number) => ({ value, asOf: THEN });

/** Notes as `server metric kind code`, sorted: tests compare codes, never wording. */
const noteKeys = (notes: StatsNote[]) => notes.map((n) => `${n.server} ${n.metric} ${n.kind} ${n.code}`).sort();

describe('fetchStats', () => {
  it('fetches stars, release downloads and summed npm downloads, each repository once', async () => {
    const { gh, sources } = await servers();
    const { stats, notes } = await fetchStats({ servers: SERVERS, previous: new Map(), sources, now: NOW });
    expect(Object.fromEntries(stats)).toEqual({
      'io.github.acme/weather': { stars: fresh(1234), releaseDownloads: fresh(40), npmWeeklyDownloads: fresh(1200) },
      'io.github.acme/mono-a': { stars: fresh(77), npmWeeklyDownloads: fresh(5) },
      'io.github.acme/mono-b': { stars: fresh(77), npmWeeklyDownloads: fresh(6) },
      'io.github.acme/third': { stars: fresh(9) },
    });
    expect(notes).toEqual([]);
    // The monorepo is asked once for both spellings; releases only where bundles are released.
    expect(gh.requests.map((r) => r.path).sort()).toEqual([
      '/repos/acme/monorepo',
      '/repos/acme/third',
      '/repos/acme/weather',
      '/repos/acme/weather/releases?per_page=100',
    ]);
  });

  it('keeps the previous figures with their old dates when GitHub is rate limited, and stops asking', async () => {
    const { gh, sources } = await servers({ rateLimit: { remaining: 0 } });
    const previous = new Map<string, ServerStats>([
      ['io.github.acme/weather', { stars: old(1000), releaseDownloads: old(30), npmWeeklyDownloads: old(900) }],
      ['io.github.acme/mono-a', { stars: old(70) }],
    ]);
    const { stats, notes } = await fetchStats({ servers: SERVERS, previous, sources, now: NOW, concurrency: 1 });
    expect(Object.fromEntries(stats)).toEqual({
      'io.github.acme/weather': { stars: old(1000), releaseDownloads: old(30), npmWeeklyDownloads: fresh(1200) },
      'io.github.acme/mono-a': { stars: old(70), npmWeeklyDownloads: fresh(5) },
      'io.github.acme/mono-b': { npmWeeklyDownloads: fresh(6) },
      'io.github.acme/third': {},
    });
    expect(noteKeys(notes)).toEqual([
      'io.github.acme/mono-a stars kept-previous rate-limited',
      'io.github.acme/mono-b stars unavailable rate-limited',
      'io.github.acme/third stars unavailable rate-limited',
      'io.github.acme/weather releaseDownloads kept-previous rate-limited',
      'io.github.acme/weather stars kept-previous rate-limited',
    ]);
    // One 403, then the client failed fast.
    expect(gh.requests.map((r) => r.status)).toEqual([403]);
  });

  it('keeps the previous npm figure when npm is down, and publishes none (never 0) without one', async () => {
    const { registry, sources } = await servers();
    registry.fail();
    const previous = new Map<string, ServerStats>([['io.github.acme/weather', { npmWeeklyDownloads: old(900) }]]);
    const { stats, notes } = await fetchStats({ servers: SERVERS, previous, sources, now: NOW });
    expect(stats.get('io.github.acme/weather')!.npmWeeklyDownloads).toEqual(old(900));
    expect(stats.get('io.github.acme/mono-a')).toEqual({ stars: fresh(77) });
    expect(noteKeys(notes)).toEqual([
      'io.github.acme/mono-a npmWeeklyDownloads unavailable network',
      'io.github.acme/mono-b npmWeeklyDownloads unavailable network',
      'io.github.acme/weather npmWeeklyDownloads kept-previous network',
    ]);
  });

  it('keeps the previous sum rather than publishing a partial one when one npm package fails', async () => {
    const { sources } = await servers({}, { 'mcp-weather': 1000, 'mcp-mono-a': 5, 'mcp-mono-b': 6 });
    const previous = new Map<string, ServerStats>([['io.github.acme/weather', { npmWeeklyDownloads: old(1100) }]]);
    const { stats, notes } = await fetchStats({ servers: SERVERS, previous, sources, now: NOW });
    expect(stats.get('io.github.acme/weather')!.npmWeeklyDownloads).toEqual(old(1100));
    expect(noteKeys(notes)).toEqual(['io.github.acme/weather npmWeeklyDownloads kept-previous not-found']);
  });

  it('keeps the previous figures of a repository that is gone, and fetches the rest', async () => {
    const { sources } = await servers({ repositories: REPOSITORIES.filter((r) => r.fullName !== 'acme/weather') });
    const previous = new Map<string, ServerStats>([
      ['io.github.acme/weather', { stars: old(1000), releaseDownloads: old(30) }],
    ]);
    const { stats, notes } = await fetchStats({ servers: SERVERS, previous, sources, now: NOW });
    expect(stats.get('io.github.acme/weather')).toEqual({
      stars: old(1000),
      releaseDownloads: old(30),
      npmWeeklyDownloads: fresh(1200),
    });
    expect(stats.get('io.github.acme/third')).toEqual({ stars: fresh(9) });
    expect(noteKeys(notes)).toEqual([
      'io.github.acme/weather releaseDownloads kept-previous not-found',
      'io.github.acme/weather stars kept-previous not-found',
    ]);
  });

  it('rides out a GitHub 5xx through the retry', async () => {
    const { gh, sources } = await servers();
    gh.fail(1, { status: 500, body: { message: 'Server Error' } });
    const { stats, notes } = await fetchStats({ servers: SERVERS.slice(3), previous: new Map(), sources, now: NOW });
    expect(stats.get('io.github.acme/third')).toEqual({ stars: fresh(9) });
    expect(notes).toEqual([]);
  });

  it('follows a renamed repository', async () => {
    const { sources } = await servers({
      repositories: [{ fullName: 'acme/third-v2', id: 103, stars: 10, formerNames: ['acme/third'] }],
    });
    const { stats } = await fetchStats({ servers: SERVERS.slice(3), previous: new Map(), sources, now: NOW });
    expect(stats.get('io.github.acme/third')).toEqual({ stars: fresh(10) });
  });

  it('keeps every previous figure when offline (no sources), and says why', async () => {
    const previous = new Map<string, ServerStats>([
      ['io.github.acme/weather', { stars: old(1000), releaseDownloads: old(30), npmWeeklyDownloads: old(900) }],
      ['io.github.acme/third', { stars: old(8) }],
    ]);
    const { stats, notes } = await fetchStats({ servers: SERVERS, previous, sources: {}, now: NOW });
    expect(Object.fromEntries(stats)).toEqual({
      'io.github.acme/weather': { stars: old(1000), releaseDownloads: old(30), npmWeeklyDownloads: old(900) },
      'io.github.acme/mono-a': {},
      'io.github.acme/mono-b': {},
      'io.github.acme/third': { stars: old(8) },
    });
    expect(notes.every((n) => n.code === SOURCE_OFF)).toBe(true);
    expect(notes.filter((n) => n.kind === 'kept-previous')).toHaveLength(4);
  });

  it('drops a previous figure that no longer applies to the server', async () => {
    const previous = new Map<string, ServerStats>([
      ['io.github.acme/third', { stars: old(8), releaseDownloads: old(3), npmWeeklyDownloads: old(1) }],
    ]);
    const { stats } = await fetchStats({ servers: SERVERS.slice(3), previous, sources: {}, now: NOW });
    expect(stats.get('io.github.acme/third')).toEqual({ stars: old(8) });
  });

  it('turns a source that throws something unexpected into notes, not a crash', async () => {
    const { stats, notes } = await fetchStats({
      servers: SERVERS.slice(0, 1),
      previous: new Map(),
      sources: {
        github: {
          repository: () => Promise.reject(new TypeError('boom')),
          releaseDownloads: () => Promise.reject(new TypeError('boom')),
        },
        npm: { weeklyDownloads: () => Promise.reject(new TypeError('boom')) },
      },
      now: NOW,
    });
    expect(stats.get('io.github.acme/weather')).toEqual({});
    expect(new Set(notes.map((n) => `${n.kind} ${n.code}`))).toEqual(new Set(['unavailable unexpected']));
    expect(notes).toHaveLength(3);
  });
});

describe('previousStats', () => {
  it('maps the servers of a previous index to their stats, and no index to nothing', () => {
    const servers = [
      { name: 'a', stats: { stars: old(1) } },
      { name: 'b', stats: {} },
    ];
    expect(previousStats({ servers } as unknown as Parameters<typeof previousStats>[0])).toEqual(
      new Map<string, ServerStats>([
        ['a', { stars: old(1) }],
        ['b', {}],
      ]),
    );
    expect(previousStats(undefined).size).toBe(0);
  });
});

describe('settleMetric', () => {
  const failure = { ok: false as const, code: 'network', message: 'down' };

  it('publishes a fresh figure, zero included, with the time of this run', () => {
    expect(settleMetric('s', 'stars', { ok: true, value: 0 }, old(5), NOW.toISOString())).toEqual({ value: fresh(0) });
  });

  it('keeps the previous figure and its date on a failure', () => {
    const { value, note } = settleMetric('s', 'stars', failure, old(5), NOW.toISOString());
    expect(value).toEqual(old(5));
    expect(note).toMatchObject({ server: 's', metric: 'stars', kind: 'kept-previous', code: 'network' });
  });

  it('publishes nothing, never zero, on a failure without a previous figure', () => {
    const result = settleMetric('s', 'npmWeeklyDownloads', failure, undefined, NOW.toISOString());
    expect(result.value).toBeUndefined();
    expect(result.note).toMatchObject({ kind: 'unavailable', code: 'network' });
  });
});

describe('npmOutcome', () => {
  it('sums the packages, each once', () => {
    expect(
      npmOutcome(
        ['a', 'b', 'a'],
        new Map([
          ['a', 2],
          ['b', 3],
        ]),
      ),
    ).toEqual({ ok: true, value: 5 });
  });

  it("fails with the failing package's code when any package fails", () => {
    const results = new Map<string, number | NpmDownloadsError>([
      ['a', 2],
      ['b', new NpmDownloadsError('not-found', undefined, 'gone')],
    ]);
    expect(npmOutcome(['a', 'b'], results)).toMatchObject({ ok: false, code: 'not-found' });
  });

  it('fails when a package has no result at all', () => {
    expect(npmOutcome(['a'], new Map())).toMatchObject({ ok: false, code: 'unexpected' });
  });
});

describe('repositoryOf', () => {
  it.each([
    ['https://github.com/acme/weather', { owner: 'acme', repo: 'weather' }],
    ['https://github.com/acme/weather.git', { owner: 'acme', repo: 'weather' }],
    ['https://github.com/acme/weather/', { owner: 'acme', repo: 'weather' }],
    [
      'https://github.com/modelcontextprotocol/servers/tree/main/src/fetch',
      { owner: 'modelcontextprotocol', repo: 'servers' },
    ],
    ['https://www.github.com/Acme-Corp/my.server_1', { owner: 'Acme-Corp', repo: 'my.server_1' }],
    ['git+https://github.com/acme/weather.git', { owner: 'acme', repo: 'weather' }],
    ['https://github.com/acme/weather?tab=readme#top', { owner: 'acme', repo: 'weather' }],
  ])('reads %s', (url, expected) => {
    expect(repositoryOf(url)).toEqual(expected);
  });

  it.each([
    'https://gitlab.com/acme/weather',
    'https://github.com.evil.example/acme/weather',
    'http://github.com/acme/weather',
    'https://user:pass@github.com/acme/weather',
    'https://github.com:8443/acme/weather',
    'https://github.com/acme',
    'https://github.com/acme/',
    'https://github.com/-acme/weather',
    'https://github.com/ac--me/weather',
    'https://github.com/acme/..',
    'https://github.com/acme/.git',
    'https://github.com/acme/we%20ather',
    'not a url',
    '',
  ])('rejects %s', (url) => {
    expect(repositoryOf(url)).toBeUndefined();
  });
});

describe('review votes', () => {
  const SERVER = 'io.github.acme/weather';
  const target = { ...SERVERS[0]!, npmPackages: [], repository: undefined, hasReleaseBundles: false };
  const bot = { login: 'github-actions[bot]', type: 'Bot' as const };
  const marked = (login: string) =>
    `<!-- mcp-catalog:${reviewThreadMarker(SERVER, login)} -->\nWas this review helpful?`;

  it('counts the reactions on each review thread, through the repository adapter, one list for all', async () => {
    const github = await startGitHubRepoServer({ owner: 'acme', repo: 'catalog' });
    open.push(github);
    github.seedIssue({
      user: bot,
      title: 'alice',
      body: marked('alice'),
      labels: ['review-thread'],
      reactions: { '+1': 7, '-1': 1 },
    });
    github.seedIssue({
      user: bot,
      title: 'bob',
      body: marked('bob'),
      labels: ['review-thread'],
      state: 'closed',
      reactions: { '+1': 2 },
    });
    // Look-alikes (unlabelled, or opened by a person) and reviews no longer published do not count.
    github.seedIssue({ user: bot, title: 'fake', body: marked('carol'), reactions: { '+1': 99 } });
    github.seedIssue({ title: 'person', body: marked('carol'), labels: ['review-thread'], reactions: { '+1': 99 } });
    github.seedIssue({
      user: bot,
      title: 'gone',
      body: marked('dave'),
      labels: ['review-thread'],
      reactions: { '+1': 5 },
    });
    const repo = createGitHubRepo({ baseUrl: github.url, token: 't', owner: 'acme', repo: 'catalog' });

    const { stats, notes } = await fetchStats({
      servers: [{ ...target, reviewers: ['alice', 'bob', 'carol'] }],
      previous: new Map(),
      sources: { reviewThreads: () => listReviewThreads(repo) },
      now: NOW,
    });
    expect(notes).toEqual([]);
    expect(stats.get(SERVER)?.reviewVotes).toEqual({
      alice: { up: 7, down: 1, thread: expect.stringMatching(/\/issues\/1$/), asOf: NOW.toISOString() },
      bob: { up: 2, down: 0, thread: expect.stringMatching(/\/issues\/2$/), asOf: NOW.toISOString() },
    });
    expect(github.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
  });

  it('keeps the last counts of current reviewers when GitHub fails, with one note', async () => {
    const github = await startGitHubRepoServer({ owner: 'acme', repo: 'catalog' });
    open.push(github);
    github.fail(10, { status: 502 });
    const repo = createGitHubRepo({ baseUrl: github.url, token: 't', owner: 'acme', repo: 'catalog', backoffMs: 1 });
    const votes = (up: number) => ({ up, down: 0, thread: 'https://github.com/acme/catalog/issues/1', asOf: THEN });
    const { stats, notes } = await fetchStats({
      servers: [{ ...target, reviewers: ['alice'] }],
      previous: new Map([[SERVER, { reviewVotes: { alice: votes(3), hidden: votes(50) } }]]),
      sources: { reviewThreads: () => listReviewThreads(repo) },
      now: NOW,
    });
    expect(stats.get(SERVER)?.reviewVotes).toEqual({ alice: votes(3) });
    expect(notes.map((n) => [n.metric, n.kind])).toEqual([['reviewVotes', 'kept-previous']]);
  });

  it('keeps the last counts without a source, and asks for nothing for a server without reviews', async () => {
    const votes = { up: 1, down: 2, thread: 'https://github.com/acme/catalog/issues/4', asOf: THEN };
    const { stats, notes } = await fetchStats({
      servers: [
        { ...target, reviewers: ['alice'] },
        { ...target, name: 'io.github.acme/quiet', reviewers: [] },
      ],
      previous: new Map([[SERVER, { reviewVotes: { alice: votes } }]]),
      sources: {},
      now: NOW,
    });
    expect(stats.get(SERVER)).toEqual({ reviewVotes: { alice: votes } });
    expect(stats.get('io.github.acme/quiet')).toEqual({});
    expect(notes.map((n) => [n.server, n.code])).toEqual([[SERVER, SOURCE_OFF]]);
  });
});
