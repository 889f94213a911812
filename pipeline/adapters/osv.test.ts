import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startOsvServer } from '../test-support/osv-server.ts';
import type { OsvServerOptions, OsvTestServer } from '../test-support/osv-server.ts';
import { createOsvClient, OsvError, QUERYBATCH_LIMIT } from './osv.ts';
import type { OsvClientOptions, OsvPackageVersion } from './osv.ts';

const RECORDS = fileURLToPath(new URL('./__fixtures__/osv/records', import.meta.url));

const servers: OsvTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(serverOptions: OsvServerOptions = {}, clientOptions: OsvClientOptions = {}) {
  const server = await startOsvServer({ recordsDir: RECORDS, ...serverOptions });
  servers.push(server);
  const client = createOsvClient({ baseUrl: server.url, backoffMs: 1, timeoutMs: 5_000, ...clientOptions });
  return { server, client };
}

/** What rejected, as `{ code, endpoint }`, so tests compare codes and never wording. */
async function failure(promise: Promise<unknown>): Promise<OsvError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OsvError);
  return error as OsvError;
}

const pkg = (name: string, version: string, ecosystem: 'npm' | 'PyPI' = 'npm'): OsvPackageVersion => ({
  ecosystem,
  name,
  version,
});

describe('queryBatch', () => {
  it('returns the advisory ids of each package, in the order asked', async () => {
    const { client } = await setup();
    const ids = await client.queryBatch([
      pkg('express', '4.19.1'),
      pkg('express', '4.19.2'),
      pkg('requests', '2.30.0', 'PyPI'),
      pkg('debug', '4.4.2'),
    ]);
    expect(ids).toEqual([['GHSA-rv95-896h-c2vc'], [], ['GHSA-j8r2-6x86-q33q', 'PYSEC-2023-74'], ['MAL-2025-46974']]);
  });

  it('makes no request for no packages', async () => {
    const { server, client } = await setup();
    expect(await client.queryBatch([])).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it(`splits more than ${QUERYBATCH_LIMIT} queries into several requests`, async () => {
    const { server, client } = await setup();
    const packages = Array.from({ length: 2 * QUERYBATCH_LIMIT + 1 }, (_, i) => pkg('express', `4.${i}.0`));
    packages[2 * QUERYBATCH_LIMIT] = pkg('debug', '4.4.2');
    const ids = await client.queryBatch(packages);
    expect(server.requests.map((r) => r.queries)).toEqual([QUERYBATCH_LIMIT, QUERYBATCH_LIMIT, 1]);
    expect(ids).toHaveLength(packages.length);
    expect(ids[0]).toEqual(['GHSA-rv95-896h-c2vc']); // express 4.0.0
    expect(ids[20]).toEqual([]); // express 4.20.0
    expect(ids[2 * QUERYBATCH_LIMIT]).toEqual(['MAL-2025-46974']);
  });

  it('follows next_page_token for the queries that have one, and only those', async () => {
    const { server, client } = await setup({ pageSize: 1 });
    const ids = await client.queryBatch([pkg('requests', '2.30.0', 'PyPI'), pkg('express', '4.0.0')]);
    expect(ids).toEqual([['GHSA-j8r2-6x86-q33q', 'PYSEC-2023-74'], ['GHSA-rv95-896h-c2vc']]);
    expect(server.requests.map((r) => r.queries)).toEqual([2, 1]);
  });

  it('gives up on endless pagination', async () => {
    const { client } = await setup({ pageSize: 1 }, { maxPages: 1 });
    const error = await failure(client.queryBatch([pkg('requests', '2.30.0', 'PyPI')]));
    expect(error.code).toBe('too-many-pages');
  });

  it('retries 503 and 429 answers, then succeeds', async () => {
    const { server, client } = await setup({}, { retries: 3 });
    server.fail(2, { status: 503 });
    server.fail(1, { status: 429 });
    expect(await client.queryBatch([pkg('debug', '4.4.2')])).toEqual([['MAL-2025-46974']]);
    expect(server.requests).toHaveLength(4);
  });

  it('fails with http-status once the retries are spent', async () => {
    const { server, client } = await setup({}, { retries: 2 });
    server.fail(3, { status: 503 });
    const error = await failure(client.queryBatch([pkg('debug', '4.4.2')]));
    expect(error).toMatchObject({ code: 'http-status', status: 503, endpoint: 'POST /v1/querybatch' });
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a 400', async () => {
    const { server, client } = await setup({ maxBatch: 1 }, { retries: 3 });
    // The server is told to accept one query per request, so the client's 2-query batch is refused.
    const error = await failure(client.queryBatch([pkg('debug', '4.4.2'), pkg('express', '4.0.0')]));
    expect(error).toMatchObject({ code: 'http-status', status: 400 });
    expect(server.requests).toHaveLength(1);
  });

  it('rejects a body that is not JSON, naming the endpoint', async () => {
    const { server, client } = await setup();
    server.fail(1, { status: 200, body: '{"results": [' });
    const error = await failure(client.queryBatch([pkg('debug', '4.4.2')]));
    expect(error).toMatchObject({ code: 'malformed-response', endpoint: 'POST /v1/querybatch' });
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('rejects JSON of the wrong shape', async () => {
    const { server, client } = await setup();
    for (const body of [
      '{}',
      '{"results": []}',
      '{"results": [{"vulns": {"id": "X"}}]}',
      '{"results": [{"vulns": [{"modified": "2024-01-01T00:00:00Z"}]}]}',
      '{"results": [{"next_page_token": 7}]}',
    ]) {
      server.fail(1, { status: 200, body });
      const error = await failure(client.queryBatch([pkg('debug', '4.4.2')]));
      expect(error.code, body).toBe('malformed-response');
    }
  });
});

describe('getVulnerability', () => {
  it('returns the record', async () => {
    const { client } = await setup();
    const record = await client.getVulnerability('GHSA-9wv6-86v2-598j');
    expect(record.id).toBe('GHSA-9wv6-86v2-598j');
    expect(record.affected).toHaveLength(5);
  });

  it('fetches one id once, even when asked concurrently', async () => {
    const { server, client } = await setup();
    await Promise.all([client.getVulnerability('MAL-2022-11'), client.getVulnerability('MAL-2022-11')]);
    await client.getVulnerability('MAL-2022-11');
    expect(server.requests).toHaveLength(1);
  });

  it('does not cache a failure', async () => {
    const { server, client } = await setup({}, { retries: 0 });
    server.fail(1, { status: 503 });
    expect((await failure(client.getVulnerability('MAL-2022-11'))).code).toBe('http-status');
    expect((await client.getVulnerability('MAL-2022-11')).id).toBe('MAL-2022-11');
  });

  it('maps 404 to not-found, without retrying', async () => {
    const { server, client } = await setup({}, { retries: 3 });
    const error = await failure(client.getVulnerability('GHSA-0000-0000-0000'));
    expect(error).toMatchObject({ code: 'not-found', status: 404, endpoint: 'GET /v1/vulns/GHSA-0000-0000-0000' });
    expect(server.requests).toHaveLength(1);
  });

  it('rejects a record of the wrong shape', async () => {
    const { server, client } = await setup();
    server.fail(1, { status: 200, body: JSON.stringify({ id: 'X', modified: 'x', affected: [{ ranges: 'all' }] }) });
    expect((await failure(client.getVulnerability('X'))).code).toBe('malformed-response');
  });
});

describe('transport failures', () => {
  it('times out a stalled answer, and retries it', async () => {
    const { server, client } = await setup({}, { timeoutMs: 100, retries: 1 });
    server.fail(1, { delayMs: 2_000 });
    expect((await client.getVulnerability('MAL-2022-11')).id).toBe('MAL-2022-11');
    server.fail(2, { delayMs: 2_000 });
    const error = await failure(client.getVulnerability('MAL-2025-46974'));
    expect(error.code).toBe('timeout');
    expect((error.cause as Error).name).toBe('TimeoutError');
  });

  it('wraps a refused connection once, keeping the fetch error as the cause', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const client = createOsvClient({ baseUrl: `http://127.0.0.1:${port}`, retries: 1, backoffMs: 1 });
    const error = await failure(client.queryBatch([pkg('debug', '4.4.2')]));
    expect(error.code).toBe('network');
    expect(error.cause).toBeInstanceOf(TypeError); // undici's "fetch failed", not another OsvError
  });

  it('uses the fetch it is given', async () => {
    const { server } = await setup();
    const seen: string[] = [];
    const client = createOsvClient({
      baseUrl: server.url,
      fetch: (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      },
    });
    await client.getVulnerability('MAL-2022-11');
    expect(seen).toEqual([`${server.url}/v1/vulns/MAL-2022-11`]);
  });
});
