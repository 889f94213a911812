/**
 * End to end on a static host: the registry API files (and openapi.yaml) of the sample model,
 * served by the GitHub Pages test double, replayed with the request sequences of VS Code (both
 * generations) and ToolHive. Every JSON answer is validated against the official OpenAPI.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fixtures.ts';
import { assertOfficial } from '../test-support/official-openapi.ts';
import { startPagesHost, type PagesHost } from '../test-support/pages-host.ts';
import { rawGet, ToolHiveClient, VsCodeGallery, type Answer } from '../test-support/registry-clients.ts';
import { emitOpenApi } from './openapi-yaml.ts';
import { BASE_URL, sampleModel } from './registry-api.fixtures.ts';
import { emitRegistryApi, type RegistryApiOptions } from './registry-api.ts';

const WEATHER = 'io.github.acme/weather';
const LEGACY = 'com.example/legacy';
const BACKPORT = 'org.example.tools/backport';
const WITHDRAWN = 'io.github.someone/withdrawn';

/** The API files, openapi.yaml, and what the site writes beside them (404.html, server pages). */
async function writeDist(options: RegistryApiOptions = {}): Promise<string> {
  const root = await tempDir('registry-api-');
  const files = [
    ...emitRegistryApi(sampleModel(), options),
    emitOpenApi(BASE_URL),
    { path: '404.html', body: '<!doctype html><title>Not found</title>' },
    { path: 'servers/io.github.acme/weather/index.html', body: '<!doctype html><title>Weather</title>' },
  ];
  for (const file of files) {
    await mkdir(dirname(join(root, file.path)), { recursive: true });
    await writeFile(join(root, file.path), file.body);
  }
  return root;
}

/** Validates every API answer against the official OpenAPI, by the path's shape. */
function officialCheck(answers: Answer[]) {
  return (answer: Answer) => {
    answers.push(answer);
    const { pathname } = new URL(answer.url);
    if (!pathname.startsWith('/v0.1/') || answer.status !== 200) return;
    const isList = /^\/v0\.1\/servers\/?$/.test(pathname) || /\/versions\/?$/.test(pathname);
    assertOfficial(isList ? 'serverList' : 'serverResponse', JSON.parse(answer.body), answer.url);
  };
}

describe('the GitHub Pages test double', () => {
  let host: PagesHost;
  beforeAll(async () => {
    host = await startPagesHost(await writeDist());
  });
  afterAll(() => host.close());

  it('redirects a folder without its slash, serves x.html for /x before that, and x/index.html for /x/', async () => {
    const folder = await rawGet(`${host.url}/servers/io.github.acme/weather?x=1`);
    expect([folder.status, folder.headers.location]).toEqual([301, `${host.url}/servers/io.github.acme/weather/?x=1`]);
    expect((await rawGet(`${host.url}/v0.1/servers`)).status).toBe(200);
    const slash = await rawGet(`${host.url}/v0.1/servers/`);
    expect(slash.status).toBe(200);
    expect(slash.body).toBe((await rawGet(`${host.url}/v0.1/servers`)).body);
  });

  it("answers Copilot CLI's ?limit=30 with the whole list, as any static host does", async () => {
    const answer = await rawGet(`${host.url}/v0.1/servers?limit=30`);
    expect((JSON.parse(answer.body) as { metadata: unknown }).metadata).toEqual({ count: 3 });
  });

  it('answers a miss with 404.html, and ignores the query string', async () => {
    const miss = await rawGet(`${host.url}/v0.1/servers/io.github.nobody%2Fnothing/versions/latest`);
    expect([miss.status, miss.body]).toEqual([404, '<!doctype html><title>Not found</title>']);
    const a = await rawGet(`${host.url}/v0.1/servers?limit=1&search=zzz&cursor=abc`);
    expect(a.body).toBe((await rawGet(`${host.url}/v0.1/servers`)).body);
  });

  it('decodes %2F before the lookup, or keeps it in literal mode', async () => {
    expect((await rawGet(`${host.url}/v0.1/servers/io.github.acme%2Fweather/versions/latest`)).status).toBe(200);
    const literal = await startPagesHost(await writeDist(), { slash: 'literal' });
    try {
      expect((await rawGet(`${literal.url}/v0.1/servers/io.github.acme%2Fweather/versions/latest`)).status).toBe(404);
      expect((await rawGet(`${literal.url}/v0.1/servers/io.github.acme/weather/versions/latest`)).status).toBe(200);
    } finally {
      await literal.close();
    }
  });

  it('types files by extension: lists as text/html, version files as application/octet-stream; CORS origin only', async () => {
    const listAnswer = await rawGet(`${host.url}/v0.1/servers`);
    expect(listAnswer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(listAnswer.headers['access-control-allow-origin']).toBe('*');
    expect(listAnswer.headers).not.toHaveProperty('access-control-allow-methods');
    const one = await rawGet(`${host.url}/v0.1/servers/io.github.acme%2Fweather/versions/latest`);
    expect(one.headers['content-type']).toBe('application/octet-stream');
    const preflight = await fetch(`${host.url}/v0.1/servers`, {
      method: 'OPTIONS',
      headers: { origin: 'https://github.com', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(405);
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });
});

describe.each(['legacy', 'current'] as const)('VS Code (%s) against the static build on Pages', (generation) => {
  let host: PagesHost;
  let gallery: VsCodeGallery;
  const answers: Answer[] = [];
  beforeAll(async () => {
    host = await startPagesHost(await writeDist());
    // Pages serves a project site under /<repo>/; the double serves dist/ at the root.
    gallery = new VsCodeGallery(`${host.url}/`, generation, officialCheck(answers));
  });
  afterAll(() => host.close());
  const since = () => host.requests.length;

  it('answers the version probe with one request, no redirect', async () => {
    const start = since();
    expect(await gallery.supportsV01()).toBe(true);
    expect(host.requests.slice(start).map((r) => r.url)).toEqual(['/v0.1/servers?limit=1']);
  });

  it('lists every server in one page with no cursor to follow', async () => {
    const start = since();
    const { servers, pages } = await gallery.query();
    expect(pages).toBe(1);
    expect(servers.map((s) => s.name)).toEqual([LEGACY, WEATHER, BACKPORT]);
    expect(host.requests.slice(start).map((r) => r.url)).toEqual(['/v0.1/servers?limit=50&version=latest']);
  });

  it('gets the whole list for a search: a static host cannot filter (the edge function can)', async () => {
    const { servers, urls } = await gallery.query('weather');
    expect(urls).toEqual([`${gallery.serversUrl}?limit=50&version=latest&search=weather`]);
    expect(servers).toHaveLength(3);
  });

  it('opens every listed server by its %2F-encoded name with one request and no redirect', async () => {
    for (const name of [LEGACY, WEATHER, BACKPORT]) {
      const start = since();
      expect(await gallery.resolve(name)).toBe('found');
      expect(host.requests.slice(start).map((r) => r.url)).toEqual([
        `/v0.1/servers/${encodeURIComponent(name)}/versions/latest`,
      ]);
    }
  });

  it('finds the installable packages of each server', async () => {
    const weather = await gallery.getMcpServer(gallery.latestUrl(WEATHER));
    expect(weather?.packages.map((p) => p.registryType)).toEqual(generation === 'current' ? ['npm'] : ['npm', 'mcpb']);
    expect(weather?.remotes).toEqual([{ type: 'streamable-http', url: 'https://mcp.acme.example/weather' }]);
    expect((await gallery.getMcpServer(gallery.latestUrl(LEGACY)))?.packages.map((p) => p.identifier)).toEqual([
      'example-legacy-mcp',
    ]);
    expect((await gallery.getMcpServer(gallery.latestUrl(BACKPORT)))?.remotes).toHaveLength(1);
  });

  it('shows the icon, README, licence and stars, and the publisher from the GitHub block', async () => {
    const weather = await gallery.getMcpServer(gallery.latestUrl(WEATHER));
    expect(weather).toMatchObject({
      displayName: 'Weather',
      publisher: 'acme',
      icon: { light: 'https://acme.example/weather-light.png', dark: 'https://acme.example/weather-dark.png' },
      readme: '# Weather\n\nHourly and daily forecasts.',
      license: 'MIT',
      starsCount: 120,
    });
  });

  it('serves exact versions (build metadata encoded as %2B), yanked ones as deleted', async () => {
    const old = await gallery.getMcpServer(gallery.versionUrl(BACKPORT, '1.0.1+build.5'));
    expect(old?.version).toBe('1.0.1+build.5');
    expect(host.requests.at(-1)?.url).toBe('/v0.1/servers/org.example.tools%2Fbackport/versions/1.0.1%2Bbuild.5');
    expect((await gallery.getMcpServer(gallery.versionUrl(WEATHER, '1.0.0')))?.status).toBe('deleted');
  });

  it('reports a server that is not in the registry as not found, never as a failure', async () => {
    expect(await gallery.resolve(WITHDRAWN)).toBe('not-found');
    expect(await gallery.resolve('io.github.nobody/nothing')).toBe('not-found');
  });

  it('validated every answer against the official OpenAPI', () => {
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(10);
  });
});

describe('VS Code against a host that does not decode %2F', () => {
  it('needs literalEncodedNames; the default layout answers 404 there', async () => {
    const plain = await startPagesHost(await writeDist(), { slash: 'literal' });
    const literal = await startPagesHost(await writeDist({ literalEncodedNames: true }), { slash: 'literal' });
    try {
      expect(await new VsCodeGallery(plain.url, 'current').resolve(WEATHER)).toBe('not-found');
      expect(await new VsCodeGallery(literal.url, 'current').resolve(WEATHER)).toBe('found');
      expect((await new VsCodeGallery(literal.url, 'current').query()).pages).toBe(1);
    } finally {
      await Promise.all([plain.close(), literal.close()]);
    }
  });
});

describe('VS Code (current) against a layout with directories', () => {
  it('fails a lookup that gets a redirect, which is why no endpoint is a directory', async () => {
    const root = await tempDir('registry-api-dirs-');
    const path = join(root, 'v0.1/servers/io.github.acme/weather/versions/latest/index.html');
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, JSON.stringify({ server: { name: WEATHER } }));
    const host = await startPagesHost(root);
    try {
      await expect(
        new VsCodeGallery(host.url, 'current').getMcpServer(
          `${host.url}/v0.1/servers/io.github.acme%2Fweather/versions/latest`,
        ),
      ).rejects.toThrow(/responded with 301/);
      expect(await new VsCodeGallery(host.url, 'current').resolve(WEATHER)).toBe('failed');
    } finally {
      await host.close();
    }
  });
});

describe('ToolHive against the static build on Pages', () => {
  let host: PagesHost;
  let client: ToolHiveClient;
  const answers: Answer[] = [];
  beforeAll(async () => {
    host = await startPagesHost(await writeDist());
    client = new ToolHiveClient(`${host.url}/`, officialCheck(answers));
  });
  afterAll(() => host.close());

  it('accepts openapi.yaml (ValidateEndpoint)', async () => {
    await expect(client.validateEndpoint()).resolves.toBeUndefined();
  });

  it("gets each server by its PathEscape'd name, and lists all of them in one page", async () => {
    expect((await client.getServer(WEATHER)).version).toBe('2.1.0');
    expect(host.requests.at(-1)?.url).toBe('/v0.1/servers/io.github.acme%2Fweather/versions/latest');
    expect((await client.listServers()).map((s) => s.name)).toEqual([LEGACY, WEATHER, BACKPORT]);
    expect(host.requests.at(-1)?.url).toBe('/v0.1/servers?limit=100&version=latest');
  });

  it('gets the whole list for a search, as from any static host', async () => {
    expect(await client.searchServers('weather')).toHaveLength(3);
  });

  it('does not auto-detect the static host as an API: Pages types the list text/html (the edge function sends JSON)', async () => {
    expect(await client.probe()).toBe('url');
  });
});
