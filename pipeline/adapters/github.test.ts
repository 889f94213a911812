import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startGitHubApiServer } from '../test-support/github-api-server.ts';
import type { FakeRelease, GitHubApiServerOptions, GitHubApiTestServer } from '../test-support/github-api-server.ts';
import { tempDir } from '../test-support/fixtures.ts';
import { createGitHubClient, fileEtagCache, GitHubError } from './github.ts';
import type { EtagCache, EtagEntry, GitHubClientOptions } from './github.ts';

const servers: GitHubApiTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const RELEASES: FakeRelease[] = [
  {
    tag: 'v1.1.0',
    assets: [
      { name: 'weather-1.1.0.mcpb', downloads: 40 },
      { name: 'weather-1.1.0.zip', downloads: 1000 },
    ],
  },
  { tag: 'v1.0.0', assets: [{ name: 'weather-1.0.0.MCPB', downloads: 2 }] },
  { tag: 'v0.9.0', assets: [] },
];

const DEFAULT_REPOSITORIES: GitHubApiServerOptions['repositories'] = [
  { fullName: 'acme/weather', id: 101, stars: 1234, releases: RELEASES, formerNames: ['acme/weather-mcp'] },
  { fullName: 'acme/empty', id: 102, stars: 0 },
];

async function setup(serverOptions: Partial<GitHubApiServerOptions> = {}, clientOptions: GitHubClientOptions = {}) {
  const server = await startGitHubApiServer({ repositories: DEFAULT_REPOSITORIES, ...serverOptions });
  servers.push(server);
  const client = createGitHubClient({ baseUrl: server.url, backoffMs: 1, timeoutMs: 5_000, ...clientOptions });
  return { server, client };
}

async function failure(promise: Promise<unknown>): Promise<GitHubError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitHubError);
  return error as GitHubError;
}

function mapCache(): EtagCache & { entries: Map<string, EtagEntry> } {
  const entries = new Map<string, EtagEntry>();
  return { entries, get: (key) => entries.get(key), set: (key, entry) => void entries.set(key, entry) };
}

const manyReleases = (count: number): FakeRelease[] =>
  Array.from({ length: count }, (_, i) => ({ tag: `v${i}`, assets: [{ name: `s-${i}.mcpb`, downloads: i }] }));

describe('repository', () => {
  it('returns stars, id and full name, and sends the token and a user agent', async () => {
    const { server, client } = await setup({}, { token: 'ghs_test', userAgent: 'catalog-test' });
    expect(await client.repository('acme', 'weather')).toEqual({ stars: 1234, id: 101, fullName: 'acme/weather' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/repos/acme/weather', status: 200 });
    expect(server.requests[0]!.authorization).toMatch(/ghs_test$/);
  });

  it('reports zero stars as zero: a real zero, not a failure', async () => {
    const { client } = await setup();
    expect((await client.repository('acme', 'empty')).stars).toBe(0);
  });

  it('follows the 301 of a renamed repository to its new name', async () => {
    const { server, client } = await setup();
    expect(await client.repository('acme', 'weather-mcp')).toEqual({ stars: 1234, id: 101, fullName: 'acme/weather' });
    expect(server.requests.map((r) => [r.path, r.status])).toEqual([
      ['/repos/acme/weather-mcp', 301],
      ['/repositories/101', 200],
    ]);
  });

  it("is 'not-found' for a 404, without retrying", async () => {
    const { server, client } = await setup();
    const error = await failure(client.repository('acme', 'nothing'));
    expect({ code: error.code, status: error.status }).toEqual({ code: 'not-found', status: 404 });
    expect(server.requests).toHaveLength(1);
  });

  it("is 'not-found' for a 410", async () => {
    const { server, client } = await setup();
    server.fail(1, { status: 410, body: { message: 'Repository access blocked' } });
    expect((await failure(client.repository('acme', 'weather'))).code).toBe('not-found');
  });

  it('retries a 5xx and returns the answer that follows', async () => {
    const { server, client } = await setup();
    server.fail(2, { status: 502, body: 'Bad Gateway' });
    expect((await client.repository('acme', 'weather')).stars).toBe(1234);
    expect(server.requests.map((r) => r.status)).toEqual([502, 502, 200]);
  });

  it("gives up with 'network' after the retries when the 5xx go on", async () => {
    const { server, client } = await setup({}, { retries: 1 });
    server.fail();
    const error = await failure(client.repository('acme', 'weather'));
    expect({ code: error.code, status: error.status }).toEqual({ code: 'network', status: 503 });
    expect(server.requests).toHaveLength(2);
  });

  it("is 'network' when nothing listens", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const client = createGitHubClient({ baseUrl: `http://127.0.0.1:${port}`, retries: 1, backoffMs: 1 });
    expect((await failure(client.repository('acme', 'weather'))).code).toBe('network');
  });

  it("is 'network' when an answer does not come within the timeout", async () => {
    const { server, client } = await setup({}, { retries: 0, timeoutMs: 100 });
    server.fail(1, { status: 200, body: {}, delayMs: 2_000 });
    expect((await failure(client.repository('acme', 'weather'))).code).toBe('network');
  });

  it("is 'unauthorized' for a 401 and for a 403 that is not a rate limit", async () => {
    const { server, client } = await setup({}, { token: 'bad' });
    server.fail(1, {
      status: 401,
      body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
    });
    server.fail(1, { status: 403, body: { message: 'Resource not accessible by integration' } });
    expect((await failure(client.repository('acme', 'weather'))).code).toBe('unauthorized');
    expect((await failure(client.repository('acme', 'weather'))).code).toBe('unauthorized');
    // Neither blocks the client: the next call goes out and succeeds.
    expect((await client.repository('acme', 'weather')).stars).toBe(1234);
  });

  it("is 'bad-response' for a 200 of the wrong shape", async () => {
    const { server, client } = await setup();
    server.fail(1, { status: 200, body: { id: 101, full_name: 'acme/weather', stargazers_count: '12' } });
    server.fail(1, { status: 200, body: 'not json', headers: { 'content-type': 'text/plain' } });
    expect((await failure(client.repository('acme', 'weather'))).code).toBe('bad-response');
    expect((await failure(client.repository('acme', 'weather'))).code).toBe('bad-response');
  });
});

describe('rate limits', () => {
  it("is 'rate-limited' with GitHub's reset time, and later calls fail fast without a request", async () => {
    const { server, client } = await setup({ rateLimit: { remaining: 1 } });
    expect((await client.repository('acme', 'weather')).stars).toBe(1234);
    const first = await failure(client.repository('acme', 'empty'));
    expect({ code: first.code, status: first.status }).toEqual({ code: 'rate-limited', status: 403 });
    expect(first.resetAt?.getTime()).toBe(server.rateLimitReset * 1000);
    expect(server.requests).toHaveLength(2);

    const later = await failure(client.releaseDownloads('acme', 'weather'));
    expect(later.code).toBe('rate-limited');
    expect(later.resetAt?.getTime()).toBe(server.rateLimitReset * 1000);
    expect(server.requests).toHaveLength(2);
  });

  it("reads a 429's retry-after as the reset time", async () => {
    const { server, client } = await setup();
    server.fail(1, { status: 429, headers: { 'retry-after': '120' }, body: { message: 'Too Many Requests' } });
    const before = Date.now();
    const error = await failure(client.repository('acme', 'weather'));
    expect(error.code).toBe('rate-limited');
    expect(error.resetAt!.getTime()).toBeGreaterThanOrEqual(before + 120_000);
    expect(error.resetAt!.getTime()).toBeLessThan(Date.now() + 121_000);
    expect(server.requests).toHaveLength(1);
  });

  it('treats a secondary rate limit (403, no headers, says so in the message) as rate-limited', async () => {
    const { server, client } = await setup();
    server.fail(1, {
      status: 403,
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      },
    });
    expect((await failure(client.repository('acme', 'weather'))).code).toBe('rate-limited');
    expect((await failure(client.repository('acme', 'empty'))).code).toBe('rate-limited');
    expect(server.requests).toHaveLength(1);
  });

  it('goes out again once the reset time has passed', async () => {
    const { server, client } = await setup();
    server.fail(1, { status: 429, headers: { 'retry-after': '0' } });
    expect((await failure(client.repository('acme', 'weather'))).code).toBe('rate-limited');
    expect((await client.repository('acme', 'weather')).stars).toBe(1234);
    expect(server.requests).toHaveLength(2);
  });
});

describe('releaseDownloads', () => {
  it('sums the download counts of .mcpb assets (any case) over every release', async () => {
    const { server, client } = await setup();
    expect(await client.releaseDownloads('acme', 'weather')).toBe(42);
    expect(await client.releaseDownloads('acme', 'weather', { assetSuffix: '' })).toBe(1042);
    expect(server.requests[0]!.path).toBe('/repos/acme/weather/releases?per_page=100');
  });

  it('is 0 for a repository with no releases', async () => {
    const { client } = await setup();
    expect(await client.releaseDownloads('acme', 'empty')).toBe(0);
  });

  it("follows the Link header's next page across 3 pages", async () => {
    const releases = manyReleases(250);
    const { server, client } = await setup({
      repositories: [{ fullName: 'acme/big', id: 7, stars: 1, releases }],
    });
    expect(await client.releaseDownloads('acme', 'big')).toBe((249 * 250) / 2);
    expect(server.requests.map((r) => r.path)).toEqual([
      '/repos/acme/big/releases?per_page=100',
      '/repositories/7/releases?per_page=100&page=2',
      '/repositories/7/releases?per_page=100&page=3',
    ]);
  });

  it("stops with 'bad-response' past maxPages", async () => {
    const { client } = await setup(
      { repositories: [{ fullName: 'acme/big', id: 7, stars: 1, releases: manyReleases(250) }] },
      { maxPages: 2 },
    );
    expect((await failure(client.releaseDownloads('acme', 'big'))).code).toBe('bad-response');
  });

  it('follows a renamed repository', async () => {
    const { client } = await setup();
    expect(await client.releaseDownloads('acme', 'weather-mcp')).toBe(42);
  });

  it("is 'not-found' for a repository that does not exist", async () => {
    const { client } = await setup();
    expect((await failure(client.releaseDownloads('acme', 'nothing'))).code).toBe('not-found');
  });

  it("is 'bad-response' for an asset without a download count", async () => {
    const { server, client } = await setup();
    server.fail(1, { status: 200, body: [{ id: 1, tag_name: 'v1', assets: [{ name: 'x.mcpb' }] }] });
    expect((await failure(client.releaseDownloads('acme', 'weather'))).code).toBe('bad-response');
  });

  it("refuses a next link to another origin with 'bad-response', and does not follow it", async () => {
    const { server, client } = await setup({}, { token: 'ghs_secret' });
    server.fail(1, {
      status: 200,
      headers: { link: '<http://127.0.0.2:9/steal?page=2>; rel="next"' },
      body: [{ id: 1, tag_name: 'v1', assets: [{ name: 'x.mcpb', download_count: 1 }] }],
    });
    expect((await failure(client.releaseDownloads('acme', 'weather'))).code).toBe('bad-response');
    expect(server.requests).toHaveLength(1);
  });
});

describe('conditional requests', () => {
  it('sends If-None-Match and reuses the cached body on 304, which costs no rate limit with a token', async () => {
    const cache = mapCache();
    const { server } = await setup();
    const options = { baseUrl: server.url, token: 'ghs_test', etagCache: cache, backoffMs: 1 };
    expect((await createGitHubClient(options).repository('acme', 'weather')).stars).toBe(1234);
    const remaining = server.rateLimitRemaining();

    expect(await createGitHubClient(options).repository('acme', 'weather')).toEqual({
      stars: 1234,
      id: 101,
      fullName: 'acme/weather',
    });
    const second = server.requests[1]!;
    expect(second.ifNoneMatch).toBe(cache.entries.values().next().value!.etag);
    expect(second.status).toBe(304);
    expect(server.rateLimitRemaining()).toBe(remaining);
  });

  it('takes the new body when the resource changed, and caches it', async () => {
    const cache = mapCache();
    const { server, client } = await setup({}, { token: 'ghs_test', etagCache: cache });
    await client.repository('acme', 'weather');
    server.update('acme/weather', { stars: 1500 });
    expect((await client.repository('acme', 'weather')).stars).toBe(1500);
    expect(server.requests.map((r) => r.status)).toEqual([200, 200]);
    expect((await client.repository('acme', 'weather')).stars).toBe(1500);
    expect(server.requests[2]!.status).toBe(304);
  });

  it('reuses every cached page of releases, keeping the Link header that pagination follows', async () => {
    const cache = mapCache();
    const { server, client } = await setup(
      { repositories: [{ fullName: 'acme/big', id: 7, stars: 1, releases: manyReleases(250) }] },
      { token: 'ghs_test', etagCache: cache },
    );
    const total = await client.releaseDownloads('acme', 'big');
    expect(await client.releaseDownloads('acme', 'big')).toBe(total);
    expect(server.requests.slice(3).map((r) => [r.status, r.ifNoneMatch !== undefined])).toEqual([
      [304, true],
      [304, true],
      [304, true],
    ]);
  });

  it('keeps only the fields it reads in the cache', async () => {
    const cache = mapCache();
    const { client } = await setup({}, { etagCache: cache });
    await client.repository('acme', 'weather');
    await client.releaseDownloads('acme', 'weather');
    expect([...cache.entries.values()].map((e) => e.body)).toEqual([
      { id: 101, full_name: 'acme/weather', stargazers_count: 1234 },
      [
        {
          id: 101000,
          tag_name: 'v1.1.0',
          assets: [
            { name: 'weather-1.1.0.mcpb', download_count: 40 },
            { name: 'weather-1.1.0.zip', download_count: 1000 },
          ],
        },
        { id: 101001, tag_name: 'v1.0.0', assets: [{ name: 'weather-1.0.0.MCPB', download_count: 2 }] },
        { id: 101002, tag_name: 'v0.9.0', assets: [] },
      ],
    ]);
  });

  it('sends If-None-Match through the 301 of a renamed repository', async () => {
    const cache = mapCache();
    const { server, client } = await setup({}, { token: 'ghs_test', etagCache: cache });
    await client.repository('acme', 'weather-mcp');
    expect((await client.repository('acme', 'weather-mcp')).fullName).toBe('acme/weather');
    expect(server.requests.map((r) => r.status)).toEqual([301, 200, 301, 304]);
  });
});

describe('fileEtagCache', () => {
  it('saves atomically and loads back, so a later run sends the same ETags', async () => {
    const dir = await tempDir();
    const path = join(dir, 'nested', 'etags.json');
    const { server } = await setup();
    const first = fileEtagCache(path);
    expect(await first.load()).toBe('missing');
    await createGitHubClient({ baseUrl: server.url, token: 't', etagCache: first }).repository('acme', 'weather');
    await first.save();
    expect((await readdir(join(dir, 'nested'))).sort()).toEqual(['etags.json']);

    const second = fileEtagCache(path);
    expect(await second.load()).toBe('loaded');
    const stats = await createGitHubClient({ baseUrl: server.url, token: 't', etagCache: second }).repository(
      'acme',
      'weather',
    );
    expect(stats.stars).toBe(1234);
    expect(server.requests[1]!.status).toBe(304);
  });

  it('does not write when nothing changed', async () => {
    const path = join(await tempDir(), 'etags.json');
    const cache = fileEtagCache(path);
    await cache.save();
    expect(await readdir(join(path, '..'))).toEqual([]);
  });

  it("starts empty from a file that is not a cache, and says 'invalid'", async () => {
    const path = join(await tempDir(), 'etags.json');
    await writeFile(path, '{"format": 99, "entries": {}}');
    const cache = fileEtagCache(path);
    expect(await cache.load()).toBe('invalid');
    await writeFile(path, 'not json');
    expect(await cache.load()).toBe('invalid');
    cache.set('GET x', { etag: 'W/"1"', body: { id: 1 } });
    await cache.save();
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      format: 1,
      entries: { 'GET x': { etag: 'W/"1"', body: { id: 1 } } },
    });
  });
});
