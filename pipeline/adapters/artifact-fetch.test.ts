/** The artifact download adapter against a real TLS server on 127.0.0.1. */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fixtures.ts';
import { startHttpsServer, type HttpsTestServer, type Route } from '../test-support/https-server.ts';
import { ArtifactFetchError, fetchArtifact } from './artifact-fetch.ts';

const body = Buffer.from('a bundle, byte for byte\n');
const sha256 = createHash('sha256').update(body).digest('hex');
let server: HttpsTestServer;

beforeAll(async () => {
  server = await startHttpsServer(
    new Map<string, Route>([
      ['/bundle.mcpb', body],
      ['/moved', { status: 302, headers: { location: '/bundle.mcpb' } }],
      ['/loop', { status: 302, headers: { location: '/loop' } }],
      ['/big', Buffer.alloc(4096)],
      ['/gone', { status: 410 }],
    ]),
  );
});
afterAll(() => server.close());

const options = async () => ({ cacheDir: await tempDir('artifacts-'), ca: server.caPem, retries: 0 });

async function failure(promise: Promise<unknown>): Promise<ArtifactFetchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArtifactFetchError);
  return error as ArtifactFetchError;
}

describe('fetchArtifact', () => {
  it('downloads into the cache under its sha256, following redirects', async () => {
    const opts = await options();
    const fetched = await fetchArtifact(`${server.url}/moved`, undefined, opts);
    expect(fetched).toMatchObject({ sha256, size: body.length, downloaded: true });
    expect(await readFile(fetched.path)).toEqual(body);
    expect(fetched.path).toBe(join(opts.cacheDir, 'sha256', `${sha256}.mcpb`));
  });

  it('does not download again what the cache holds for the expected sha256', async () => {
    const opts = await options();
    await fetchArtifact(`${server.url}/bundle.mcpb`, sha256, opts);
    const before = server.requests.length;
    expect(await fetchArtifact(`${server.url}/bundle.mcpb`, sha256, opts)).toMatchObject({ downloaded: false });
    expect(server.requests.length).toBe(before);
  });

  it('refuses plain http, a body over the cap, a redirect loop and an error status, leaving nothing behind', async () => {
    const opts = await options();
    expect((await failure(fetchArtifact('http://127.0.0.1/x.mcpb', undefined, opts))).code).toBe('not-https');
    expect((await failure(fetchArtifact(`${server.url}/big`, undefined, { ...opts, maxBytes: 1000 }))).code).toBe(
      'too-large',
    );
    expect((await failure(fetchArtifact(`${server.url}/loop`, undefined, opts))).code).toBe('too-many-redirects');
    const gone = await failure(fetchArtifact(`${server.url}/gone`, undefined, opts));
    expect([gone.code, gone.status]).toEqual(['http-status', 410]);
    expect(await readdir(join(opts.cacheDir, 'incoming'))).toEqual([]);
  });

  it('refuses a server whose certificate is not trusted', async () => {
    const { cacheDir } = await options();
    expect((await failure(fetchArtifact(`${server.url}/bundle.mcpb`, undefined, { cacheDir, retries: 0 }))).code).toBe(
      'network',
    );
  });
});
