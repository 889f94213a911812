import { afterEach, describe, expect, it } from 'vitest';
import { startNpmDownloadsServer } from '../test-support/npm-downloads-server.ts';
import type { NpmDownloadsTestServer } from '../test-support/npm-downloads-server.ts';
import { createNpmDownloadsClient, NPM_BULK_LIMIT, NpmDownloadsError } from './npm-downloads.ts';
import type { NpmDownloadsClientOptions } from './npm-downloads.ts';

const servers: NpmDownloadsTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const DOWNLOADS = { express: 30_000_000, left: 0, 'mcp-weather': 1200, '@acme/mcp-server': 340, '@acme/other': 5 };

async function setup(downloads: Record<string, number> = DOWNLOADS, clientOptions: NpmDownloadsClientOptions = {}) {
  const server = await startNpmDownloadsServer({ downloads });
  servers.push(server);
  const client = createNpmDownloadsClient({ baseUrl: server.url, backoffMs: 1, timeoutMs: 5_000, ...clientOptions });
  return { server, client };
}

/** Each package's value, or its error code: tests compare codes, never wording. */
function codes(result: Map<string, number | NpmDownloadsError>): Record<string, number | string> {
  return Object.fromEntries(
    [...result].map(([name, value]) => {
      if (typeof value === 'number') return [name, value];
      expect(value).toBeInstanceOf(NpmDownloadsError);
      return [name, `error:${value.code}`];
    }),
  );
}

describe('weeklyDownloads', () => {
  it('asks unscoped packages in one bulk request and scoped ones alone, in the documented form', async () => {
    const { server, client } = await setup();
    const result = await client.weeklyDownloads(['express', 'mcp-weather', 'left', '@acme/mcp-server']);
    expect(codes(result)).toEqual({ express: 30_000_000, 'mcp-weather': 1200, left: 0, '@acme/mcp-server': 340 });
    expect(server.requests.map((r) => r.path).sort()).toEqual([
      '/downloads/point/last-week/@acme/mcp-server',
      '/downloads/point/last-week/express,mcp-weather,left',
    ]);
  });

  it('asks a lone unscoped package in the single form', async () => {
    const { server, client } = await setup();
    expect(codes(await client.weeklyDownloads(['express']))).toEqual({ express: 30_000_000 });
    expect(server.requests.map((r) => r.path)).toEqual(['/downloads/point/last-week/express']);
  });

  it("is 'not-found' for the unknown package only, in bulk (null) and alone (404)", async () => {
    const { client } = await setup();
    const result = await client.weeklyDownloads(['express', 'no-such-package', '@acme/nothing', '@acme/other']);
    expect(codes(result)).toEqual({
      express: 30_000_000,
      'no-such-package': 'error:not-found',
      '@acme/nothing': 'error:not-found',
      '@acme/other': 5,
    });
    expect(codes(await client.weeklyDownloads(['no-such-package']))).toEqual({ 'no-such-package': 'error:not-found' });
  });

  it(`splits more than ${NPM_BULK_LIMIT} unscoped packages into bulk requests of at most ${NPM_BULK_LIMIT}`, async () => {
    const downloads = Object.fromEntries(Array.from({ length: 2 * NPM_BULK_LIMIT + 3 }, (_, i) => [`pkg-${i}`, i]));
    const { server, client } = await setup(downloads);
    const result = await client.weeklyDownloads(Object.keys(downloads));
    expect(codes(result)).toEqual(downloads);
    const sizes = server.requests.map((r) => r.path.split(',').length).sort((a, b) => b - a);
    expect(sizes).toEqual([NPM_BULK_LIMIT, NPM_BULK_LIMIT, 3]);
    expect(server.requests.every((r) => r.status === 200)).toBe(true);
  });

  it('asks each name once', async () => {
    const { server, client } = await setup();
    expect(codes(await client.weeklyDownloads(['express', 'express', 'left']))).toEqual({
      express: 30_000_000,
      left: 0,
    });
    expect(server.requests).toHaveLength(1);
  });

  it("rejects a name npm could not have published, with 'invalid-name' and no request", async () => {
    const { server, client } = await setup();
    const result = await client.weeklyDownloads(['../etc', 'a,b', '@scope/x/y', '']);
    expect(codes(result)).toEqual({
      '../etc': 'error:invalid-name',
      'a,b': 'error:invalid-name',
      '@scope/x/y': 'error:invalid-name',
      '': 'error:invalid-name',
    });
    expect(server.requests).toHaveLength(0);
  });

  it('retries a 5xx and returns the answer that follows', async () => {
    const { server, client } = await setup();
    server.fail(1, { status: 502 });
    expect(codes(await client.weeklyDownloads(['express', 'left']))).toEqual({ express: 30_000_000, left: 0 });
    expect(server.requests.map((r) => r.status)).toEqual([502, 200]);
  });

  it("fails every package of a request with 'network' when npm stays down", async () => {
    const { server, client } = await setup(DOWNLOADS, { retries: 1 });
    server.fail();
    const result = await client.weeklyDownloads(['express', 'left', '@acme/other']);
    expect(codes(result)).toEqual({ express: 'error:network', left: 'error:network', '@acme/other': 'error:network' });
    expect(server.requests).toHaveLength(4);
  });

  it("is 'rate-limited' when 429s go on, honouring retry-after between attempts", async () => {
    const { server, client } = await setup(DOWNLOADS, { retries: 1 });
    server.fail(Infinity, { status: 429, headers: { 'retry-after': '0' }, body: '{"error":"rate limited"}' });
    expect(codes(await client.weeklyDownloads(['express']))).toEqual({ express: 'error:rate-limited' });
    expect(server.requests).toHaveLength(2);
  });

  it("is 'network' when an answer does not come within the timeout", async () => {
    const { server, client } = await setup(DOWNLOADS, { retries: 0, timeoutMs: 100 });
    server.fail(1, { status: 200, body: '{}', delayMs: 2_000 });
    expect(codes(await client.weeklyDownloads(['express']))).toEqual({ express: 'error:network' });
  });

  it("is 'http-status' for another 4xx, without retrying", async () => {
    const { server, client } = await setup();
    server.fail(1, { status: 400, body: '{"error":"bad request"}' });
    expect(codes(await client.weeklyDownloads(['express', 'left']))).toEqual({
      express: 'error:http-status',
      left: 'error:http-status',
    });
    expect(server.requests).toHaveLength(1);
  });

  it("is 'bad-response' for a body that is not the documented shape", async () => {
    const { server, client } = await setup();
    server.fail(1, { status: 200, body: '{"express":{"downloads":-1}}' });
    server.fail(1, { status: 200, body: 'not json' });
    expect(codes(await client.weeklyDownloads(['express', 'left']))).toEqual({
      express: 'error:bad-response',
      left: 'error:bad-response',
    });
    expect(codes(await client.weeklyDownloads(['express']))).toEqual({ express: 'error:bad-response' });
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const server = await startNpmDownloadsServer({ downloads: DOWNLOADS });
    servers.push(server);
    let inFlight = 0;
    let most = 0;
    const client = createNpmDownloadsClient({
      baseUrl: server.url,
      concurrency: 2,
      // Counts the requests that real fetch carries; it changes nothing about them.
      fetch: async (input, init) => {
        most = Math.max(most, ++inFlight);
        try {
          return await fetch(input, init);
        } finally {
          inFlight--;
        }
      },
    });
    server.fail(5, { status: 200, body: '{"downloads":1}', delayMs: 50 });
    const scoped = ['@a/one', '@a/two', '@a/three', '@a/four', '@a/five'];
    expect(Object.values(codes(await client.weeklyDownloads(scoped)))).toEqual([1, 1, 1, 1, 1]);
    expect(most).toBe(2);
  });
});
