/**
 * The edge function in workerd (Miniflare), in front of a built dist/ exactly as wrangler.jsonc
 * deploys it (the Worker first for /v0.1/* and /openapi.yaml, the assets for the rest). Replays
 * VS Code (both generations), ToolHive, and the cases of the official registry's handler tests;
 * every answer is validated against the official OpenAPI.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerRecord } from '../pipeline/core/schema-types.gen.ts';
import { indexEntry, RECORDS, sampleModel } from '../pipeline/emit/registry-api.fixtures.ts';
import {
  emitRegistryApi,
  OFFICIAL_META_KEY,
  type ServerList,
  type ServerResponse,
} from '../pipeline/emit/registry-api.ts';
import { emitSearch } from '../pipeline/emit/search.ts';
import { tempDir } from '../pipeline/test-support/fixtures.ts';
import { startEdge, type EdgeRuntime } from '../pipeline/test-support/edge-runtime.ts';
import { assertOfficial } from '../pipeline/test-support/official-openapi.ts';
import { rawGet, ToolHiveClient, VsCodeGallery, type Answer } from '../pipeline/test-support/registry-clients.ts';

const WEATHER = 'io.github.acme/weather';
const LEGACY = 'com.example/legacy';
const BACKPORT = 'org.example.tools/backport';
const WITHDRAWN = 'io.github.someone/withdrawn';
/** Enough servers for VS Code's 50 and ToolHive's 100 per page to page. */
const EXTRA = 120;

function extraServer(i: number): ServerRecord {
  const base = RECORDS[2]!; // backport: a remote, no packages
  return {
    ...base,
    name: `io.github.filler/tool-${String(i).padStart(3, '0')}`,
    title: `Filler tool ${i}`,
    description: `Generated server number ${i} for paging.`,
    versions: [{ ...base.versions[0]!, version: '1.0.0', publishedAt: '2025-01-10T00:00:00Z' }],
  };
}

async function writeDist(): Promise<string> {
  const model = sampleModel([...RECORDS, ...Array.from({ length: EXTRA }, (_, i) => extraServer(i))]);
  const root = await tempDir('edge-dist-');
  const files = [
    ...emitRegistryApi(model),
    ...emitSearch(model),
    { path: 'index.json', body: JSON.stringify(model.index) },
    { path: '404.html', body: '<!doctype html><title>Not found</title>' },
    { path: 'index.html', body: '<!doctype html><title>Catalog</title>' },
  ];
  for (const file of files) {
    await mkdir(dirname(join(root, file.path)), { recursive: true });
    await writeFile(join(root, file.path), file.body);
  }
  return root;
}

/** Validates every API answer against the official OpenAPI: lists, responses and error bodies. */
function officialCheck(answers: Answer[]) {
  return (answer: Answer) => {
    answers.push(answer);
    const { pathname } = new URL(answer.url);
    if (!pathname.startsWith('/v0.1/')) return;
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    const body = JSON.parse(answer.body) as unknown;
    if (answer.status !== 200) return assertOfficial('error', body, answer.url);
    const isList = /^\/v0\.1\/servers\/?$/.test(pathname) || /\/versions\/?$/.test(pathname);
    assertOfficial(isList ? 'serverList' : 'serverResponse', body, answer.url);
  };
}

let edge: EdgeRuntime;
let dist: string;
const answers: Answer[] = [];
const check = officialCheck(answers);
const get = async (path: string) => {
  const answer = await rawGet(`${edge.url}${path}`);
  check(answer);
  return answer;
};
const getJson = async <T>(path: string) => JSON.parse((await get(path)).body) as T;

beforeAll(async () => {
  dist = await writeDist();
  edge = await startEdge(dist);
}, 120_000);
afterAll(() => edge?.close());

describe('VS Code against the edge function', () => {
  it.each(['legacy', 'current'] as const)(
    '%s: probes, pages through every server, opens each with no redirect',
    async (generation) => {
      const gallery = new VsCodeGallery(`${edge.url}/`, generation, check);
      expect(await gallery.supportsV01()).toBe(true);
      const { servers, pages, urls } = await gallery.query();
      expect(pages).toBe(3);
      expect(servers).toHaveLength(3 + EXTRA);
      expect(urls[1]).toMatch(/^.*\/v0\.1\/servers\?limit=50&version=latest&cursor=[A-Za-z0-9_-]+$/);
      for (const name of [LEGACY, WEATHER, BACKPORT]) expect(await gallery.resolve(name)).toBe('found');
      expect(await gallery.resolve(WITHDRAWN)).toBe('not-found');
      expect(await gallery.resolve('io.github.nobody/nothing')).toBe('not-found');
    },
  );

  it('searches with the site engine, typos included, and keeps the search on later pages without the text', async () => {
    const gallery = new VsCodeGallery(edge.url, 'current', check);
    expect((await gallery.query('weather')).servers[0]?.name).toBe(WEATHER);
    expect((await gallery.query('wether')).servers[0]?.name).toBe(WEATHER);
    const filler = await gallery.query('filler');
    expect(filler.pages).toBe(3);
    expect(filler.urls[1]).not.toContain('search=');
    expect(filler.servers.every((s) => s.name.startsWith('io.github.filler/'))).toBe(true);
    expect(filler.servers).toHaveLength(EXTRA);
  });

  it("answers a %2F name with 200 where Cloudflare's own asset server answers 307", async () => {
    const plain = await startEdge(dist, { worker: false });
    try {
      const asset = await rawGet(`${plain.url}/v0.1/servers/io.github.acme%2Fweather/versions/latest`);
      expect([asset.status, asset.headers.location]).toEqual([
        307,
        '/v0.1/servers/io.github.acme/weather/versions/latest',
      ]);
      expect(asset.headers['content-type']).toBeUndefined();
      // The lists beside a folder of the same name answer 200, with and without the slash.
      expect((await rawGet(`${plain.url}/v0.1/servers`)).status).toBe(200);
      expect((await rawGet(`${plain.url}/v0.1/servers/`)).status).toBe(200);
    } finally {
      await plain.close();
    }
    const answer = await get('/v0.1/servers/io.github.acme%2Fweather/versions/latest');
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.body) as ServerResponse).server.version).toBe('2.1.0');
  });
});

describe('ToolHive against the edge function', () => {
  it('detects an API, accepts openapi.yaml, lists with paging, gets and searches', async () => {
    const client = new ToolHiveClient(`${edge.url}/`, check);
    expect(await client.probe()).toBe('api');
    await expect(client.validateEndpoint()).resolves.toBeUndefined();
    const all = await client.listServers();
    expect(all).toHaveLength(3 + EXTRA);
    expect(new Set(all.map((s) => s.name)).size).toBe(3 + EXTRA);
    expect((await client.getServer(BACKPORT)).version).toBe('1.1.0');
    expect((await client.searchServers('legacy forecast'))[0]?.name).toBe(LEGACY);
  });

  it('syncs with updated_since: new versions and status changes, deleted ones included', async () => {
    const client = new ToolHiveClient(edge.url, check);
    // ToolHive always asks for version=latest: the latest versions published or changed since.
    const changed = await client.listServers({ updatedSince: '2025-05-15T00:00:00Z' });
    expect(changed.map((s) => `${s.name}@${s.version}`)).toEqual([`${LEGACY}@0.9.0`, `${WEATHER}@2.1.0`]);
    // Every version: the deleted (yanked) one and the deprecated one too, with their status.
    const every = await getJson<ServerList>('/v0.1/servers?updated_since=2025-05-15T00:00:00Z');
    expect(
      every.servers.map((r) => [`${r.server.name}@${r.server.version}`, r._meta[OFFICIAL_META_KEY].status]),
    ).toEqual([
      [`${LEGACY}@0.9.0`, 'deprecated'],
      [`${WEATHER}@2.1.0`, 'active'],
      [`${WEATHER}@2.0.0`, 'deprecated'],
      [`${WEATHER}@1.0.0`, 'deleted'],
    ]);
  });
});

describe('the official API at the edge', () => {
  it('lists every version without `version`, the latest with `version=latest`, one version exactly', async () => {
    const every = await getJson<ServerList>('/v0.1/servers?limit=100');
    expect(every.servers.filter((r) => r.server.name === WEATHER).map((r) => r.server.version)).toEqual([
      '2.1.0',
      '2.0.0',
    ]);
    const exact = await getJson<ServerList>('/v0.1/servers?version=0.9.0');
    expect(exact.servers.map((r) => r.server.name)).toEqual([LEGACY]);
    const latest = await getJson<ServerList>('/v0.1/servers?version=latest&limit=5');
    expect(latest.metadata.count).toBe(5);
    expect(latest.metadata.nextCursor).toEqual(expect.any(String));
  });

  it('returns deleted versions only with include_deleted', async () => {
    const base = `/v0.1/servers/${encodeURIComponent(WEATHER)}/versions`;
    expect((await getJson<ServerList>(base)).servers.map((r) => r.server.version)).toEqual(['2.1.0', '2.0.0']);
    const all = await getJson<ServerList>(`${base}?include_deleted=true`);
    expect(all.servers.map((r) => [r.server.version, r._meta[OFFICIAL_META_KEY].status])).toEqual([
      ['2.1.0', 'active'],
      ['2.0.0', 'deprecated'],
      ['1.0.0', 'deleted'],
    ]);
    expect((await get(`${base}/1.0.0`)).status).toBe(404);
    expect(
      (await getJson<ServerResponse>(`${base}/1.0.0?include_deleted=true`))._meta[OFFICIAL_META_KEY],
    ).toMatchObject({
      status: 'deleted',
      statusMessage: 'Leaked the API key in logs.',
    });
    expect((await get(`/v0.1/servers/${encodeURIComponent(WITHDRAWN)}/versions`)).status).toBe(404);
  });

  it('takes the name decoded too, and a version with build metadata encoded', async () => {
    expect((await get('/v0.1/servers/io.github.acme/weather/versions/2.0.0')).status).toBe(200);
    const build = await getJson<ServerResponse>('/v0.1/servers/org.example.tools%2Fbackport/versions/1.0.1%2Bbuild.5');
    expect(build.server.version).toBe('1.0.1+build.5');
  });

  it.each([
    ['?limit=abc', 400, /Invalid limit parameter/],
    ['?limit=0', 400, /Invalid limit parameter/],
    ['?limit=-5', 400, /Invalid limit parameter/],
    ['?cursor=invalid-uuid', 400, /Invalid cursor parameter/],
    ['?updated_since=yesterday', 400, /Invalid updated_since parameter/],
    ['?include_deleted=maybe', 400, /Invalid include_deleted parameter/],
  ])('refuses %s with %i and a JSON error (the official handler tests)', async (query, status, message) => {
    const answer = await get(`/v0.1/servers${query}`);
    expect(answer.status).toBe(status);
    expect((JSON.parse(answer.body) as { error: string }).error).toMatch(message);
  });

  it("answers Copilot CLI's first request, ?limit=30, with a page of 30 and a cursor", async () => {
    const page = await getJson<ServerList>('/v0.1/servers?limit=30');
    expect([page.servers.length, typeof page.metadata.nextCursor]).toEqual([30, 'string']);
  });

  it('caps limit at 100', async () => {
    expect((await getJson<ServerList>('/v0.1/servers?limit=150')).servers).toHaveLength(100);
  });

  it('answers unknown servers, versions and paths with a JSON 404, and other methods with 405', async () => {
    expect(JSON.parse((await get('/v0.1/servers/io.github.nobody%2Fx/versions/latest')).body)).toEqual({
      error: 'Server not found',
    });
    expect(JSON.parse((await get(`/v0.1/servers/${encodeURIComponent(WEATHER)}/versions/9.9.9`)).body)).toEqual({
      error: 'Server version not found',
    });
    expect((await get('/v0.1/nothing')).status).toBe(404);
    const post = await fetch(`${edge.url}/v0.1/servers`, { method: 'POST', body: '{}' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD, OPTIONS']);
  });

  it('answers a CORS preflight, as GitHub Copilot sends it', async () => {
    const preflight = await fetch(`${edge.url}/v0.1/servers`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://github.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization, x-custom',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, x-custom');
  });

  it('passes the site through untouched', async () => {
    const home = await rawGet(`${edge.url}/`);
    expect([home.status, home.body]).toEqual([200, '<!doctype html><title>Catalog</title>']);
    const miss = await rawGet(`${edge.url}/no/such/page`);
    expect([miss.status, miss.body]).toEqual([404, '<!doctype html><title>Not found</title>']);
  });

  it('validated every answer against the official OpenAPI', () => {
    expect(answers.length).toBeGreaterThan(30);
  });
});

describe('the edge function in one isolate', () => {
  it("keeps what it parsed while index.json's ETag holds, and picks up a new deployment at once", async () => {
    const { default: worker } = await import('./worker.ts');
    const model = sampleModel();
    const files = new Map<string, string>(
      [...emitRegistryApi(model), ...emitSearch(model)].map((f) => [f.path, String(f.body)]),
    );
    files.set('index.json', JSON.stringify(model.index));
    const statuses: number[] = [];
    const ASSETS = {
      async fetch(input: Request | string | URL) {
        const request = input instanceof Request ? input : new Request(input);
        const path = decodeURIComponent(new URL(request.url).pathname.slice(1));
        const body = files.get(path);
        if (body === undefined) return new Response('Not found', { status: 404 });
        const etag = `"${createHash('sha256').update(body).digest('hex')}"`;
        const fresh = request.headers.get('if-none-match') === etag;
        if (path === 'index.json') statuses.push(fresh ? 304 : 200);
        return fresh
          ? new Response(null, { status: 304, headers: { etag } })
          : new Response(body, { headers: { etag } });
      },
    };
    const names = async () => {
      const response = await worker.fetch(new Request('https://edge.test/v0.1/servers?version=latest'), { ASSETS });
      return ((await response.json()) as ServerList).servers.map((r) => r.server.name);
    };
    expect(await names()).toEqual([LEGACY, WEATHER, BACKPORT]);
    expect(await names()).toEqual([LEGACY, WEATHER, BACKPORT]);
    files.set(
      'index.json',
      JSON.stringify({ ...model.index, servers: model.index.servers.filter((s) => s.name === WEATHER) }),
    );
    expect(await names()).toEqual([WEATHER]);
    expect(statuses).toEqual([200, 304, 200]);
  });
});
