import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join } from 'node:path';
import { Ajv } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFICIAL_SCHEMA_ID } from '../core/schema-files.ts';
import type { ServerRecord } from '../core/schema-types.gen.ts';
import { validateOfficial, validateSchema } from '../core/schema-validator.ts';
import { tempDir } from '../test-support/fixtures.ts';
import { BASE_URL, RECORDS, sampleModel } from './registry-api.fixtures.ts';
import {
  CATALOG_META_KEY,
  emitRegistryApi,
  encodedServerPath,
  OFFICIAL_META_KEY,
  RegistryApiError,
  type RegistryApiErrorCode,
  type ServerList,
  type ServerResponse,
} from './registry-api.ts';
import type { EmittedFile } from './types.ts';

const WEATHER = 'io.github.acme/weather';
const LEGACY = 'com.example/legacy';
const BACKPORT = 'org.example.tools/backport';
const WITHDRAWN = 'io.github.someone/withdrawn';

function byPath(files: EmittedFile[]): Map<string, unknown> {
  return new Map(files.map((f) => [f.path, JSON.parse(String(f.body)) as unknown]));
}

function json<T>(files: Map<string, unknown>, path: string): T {
  if (!files.has(path)) throw new Error(`no file ${path}; have ${[...files.keys()].join(', ')}`);
  return files.get(path) as T;
}

const dir = (name: string) => `v0.1/servers/${name}/versions`;
const list = (files: Map<string, unknown>) => json<ServerList>(files, 'v0.1/servers/index.html');
const latest = (files: Map<string, unknown>, name: string) =>
  json<ServerResponse>(files, `${dir(name)}/latest/index.html`);
const version = (files: Map<string, unknown>, name: string, v: string) =>
  json<ServerResponse>(files, `${dir(name)}/${v}/index.html`);
const versions = (files: Map<string, unknown>, name: string) => json<ServerList>(files, `${dir(name)}/index.html`);
const official = (r: ServerResponse) => r._meta[OFFICIAL_META_KEY];
const ours = (r: ServerResponse) => r._meta[CATALOG_META_KEY];

describe('emitRegistryApi: layout', () => {
  const files = emitRegistryApi(sampleModel());
  const parsed = byPath(files);

  it('writes the list, and per published server its versions list, latest and each published version, as dir/index.html', () => {
    expect(files.map((f) => f.path)).toEqual([
      'v0.1/servers/index.html',
      'v0.1/servers/com.example/legacy/versions/index.html',
      'v0.1/servers/com.example/legacy/versions/latest/index.html',
      'v0.1/servers/com.example/legacy/versions/0.9.0/index.html',
      'v0.1/servers/io.github.acme/weather/versions/index.html',
      'v0.1/servers/io.github.acme/weather/versions/latest/index.html',
      'v0.1/servers/io.github.acme/weather/versions/2.1.0/index.html',
      'v0.1/servers/io.github.acme/weather/versions/2.0.0/index.html',
      'v0.1/servers/org.example.tools/backport/versions/index.html',
      'v0.1/servers/org.example.tools/backport/versions/latest/index.html',
      'v0.1/servers/org.example.tools/backport/versions/1.0.1+build.5/index.html',
      'v0.1/servers/org.example.tools/backport/versions/1.1.0/index.html',
    ]);
  });

  it('puts a name with / under its decoded form, which is what clients request encoded', () => {
    expect(encodedServerPath(WEATHER)).toBe('v0.1/servers/io.github.acme%2Fweather');
    expect(latest(parsed, WEATHER).server.name).toBe(WEATHER);
  });

  it('lists every published server once, at its latest version, by name, and never pages', () => {
    const body = list(parsed);
    expect(body.servers.map((r) => [r.server.name, r.server.version])).toEqual([
      [LEGACY, '0.9.0'],
      [WEATHER, '2.1.0'],
      [BACKPORT, '1.1.0'],
    ]);
    expect(body.servers.every((r) => official(r).isLatest)).toBe(true);
    expect(body.metadata).toEqual({ count: 3 });
    expect(body.metadata).not.toHaveProperty('nextCursor');
  });

  it('resolves latest to the highest version that is not yanked, even when a lower one is newer', () => {
    expect(latest(parsed, WEATHER).server.version).toBe('2.1.0');
    expect(latest(parsed, BACKPORT).server.version).toBe('1.1.0');
    expect(latest(parsed, BACKPORT)).toEqual(version(parsed, BACKPORT, '1.1.0'));
    expect(official(version(parsed, BACKPORT, '1.0.1+build.5')).isLatest).toBe(false);
  });

  it('orders a versions list by publication, newest first, as the official endpoint does', () => {
    expect(versions(parsed, BACKPORT).servers.map((r) => r.server.version)).toEqual(['1.0.1+build.5', '1.1.0']);
    expect(versions(parsed, WEATHER).servers.map((r) => r.server.version)).toEqual(['2.1.0', '2.0.0']);
    expect(versions(parsed, WEATHER).metadata).toEqual({ count: 2 });
  });

  it('writes each published version with its own packages, remotes and dates', () => {
    const v2 = version(parsed, WEATHER, '2.0.0');
    expect(v2.server.packages?.map((p) => p.version)).toEqual(['2.0.0']);
    expect(v2.server).not.toHaveProperty('remotes');
    expect(official(v2)).toMatchObject({ publishedAt: '2025-03-01T10:00:00Z', updatedAt: '2025-03-01T10:00:00Z' });
    const old = version(parsed, BACKPORT, '1.0.1+build.5');
    expect(old.server.remotes).toEqual([{ type: 'sse', url: 'https://tools.example.org/sse-1.0' }]);
    expect(old.server).not.toHaveProperty('packages');
  });

  it('rebuilds the server.json: schema, title, repository with its forge, website', () => {
    const weather = latest(parsed, WEATHER).server;
    expect(weather).toMatchObject({
      $schema: OFFICIAL_SCHEMA_ID,
      name: WEATHER,
      title: 'Weather',
      description: 'Forecasts from a public weather API.',
      version: '2.1.0',
      repository: { url: 'https://github.com/acme/weather', source: 'github' },
      websiteUrl: 'https://acme.example/weather',
    });
    expect(latest(parsed, BACKPORT).server.repository).toEqual({
      url: 'https://gitlab.com/example/backport',
      source: 'gitlab',
    });
    expect(latest(parsed, LEGACY).server).not.toHaveProperty('repository');
    expect(latest(parsed, LEGACY).server).not.toHaveProperty('title');
  });
});

describe('emitRegistryApi: status', () => {
  const parsed = byPath(emitRegistryApi(sampleModel()));

  it('marks a deprecated version deprecated, with its message', () => {
    expect(official(version(parsed, WEATHER, '2.0.0'))).toMatchObject({
      status: 'deprecated',
      statusMessage: 'Returns wrong units; use 2.1.0.',
      isLatest: false,
    });
    expect(official(latest(parsed, WEATHER))).not.toHaveProperty('statusMessage');
    expect(official(latest(parsed, WEATHER)).status).toBe('active');
  });

  it('marks every version of a deprecated server deprecated, with the server message and replacement', () => {
    const legacy = latest(parsed, LEGACY);
    expect(official(legacy)).toMatchObject({
      status: 'deprecated',
      statusMessage: 'Unmaintained; use io.github.acme/weather.',
    });
    expect(ours(legacy)).toMatchObject({ status: 'deprecated', replacedBy: WEATHER });
  });

  it('leaves yanked versions out of every file, and a server whose versions are all yanked out entirely', () => {
    expect(parsed.has(`${dir(WEATHER)}/1.0.0/index.html`)).toBe(false);
    expect(versions(parsed, WEATHER).servers.map((r) => r.server.version)).not.toContain('1.0.0');
    expect([...parsed.keys()].filter((p) => p.includes(WITHDRAWN))).toEqual([]);
    expect(list(parsed).servers.map((r) => r.server.name)).not.toContain(WITHDRAWN);
    const statuses = [...parsed.values()].flatMap((b) =>
      'servers' in (b as object) ? (b as ServerList).servers : [b as ServerResponse],
    );
    expect(statuses.map((r) => ours(r).version.status)).not.toContain('yanked');
  });
});

describe('emitRegistryApi: our _meta', () => {
  const parsed = byPath(emitRegistryApi(sampleModel()));

  it('is on every response, beside the official key', () => {
    const responses = [...parsed.values()].flatMap((b) =>
      'servers' in (b as object) ? (b as ServerList).servers : [b as ServerResponse],
    );
    expect(responses.length).toBeGreaterThan(0);
    for (const r of responses)
      expect(Object.keys(r._meta).sort()).toEqual([CATALOG_META_KEY, OFFICIAL_META_KEY].sort());
  });

  it('carries trust, rating, stats, the scan verdict and report, the artifact digest and attestation as URLs', () => {
    expect(ours(latest(parsed, WEATHER))).toEqual({
      detail: `${BASE_URL}servers/io.github.acme/weather.json`,
      trust: 'verified',
      trustNote: 'Publisher identity checked against acme.example.',
      featured: true,
      category: 'data',
      tags: ['weather', 'forecast'],
      status: 'active',
      rating: { average: 4.5, count: 2, histogram: [0, 0, 0, 1, 1] },
      stats: {
        stars: { value: 120, asOf: '2025-06-02T00:00:00Z' },
        npmWeeklyDownloads: { value: 3_400, asOf: '2025-06-02T00:00:00Z' },
      },
      version: {
        status: 'active',
        verdict: 'review',
        artifacts: [
          {
            package: 1,
            url: `${BASE_URL}bundles/io.github.acme/weather/weather-2.1.0.mcpb`,
            sha256: 'fe333e598595000ae021bd27117db32ec69af6987f507ba7a63c90638ff633ce',
            size: 48_213,
            status: 'verified',
            publisherSignature: { status: 'unsigned' },
            attestation: `${BASE_URL}attestations/io.github.acme/weather/2.1.0/0.sigstore.json`,
            scan: {
              verdict: 'review',
              ruleset: { name: 'mcp-catalog-core', version: '1.0.0' },
              report: `${BASE_URL}reports/io.github.acme/weather/2.1.0/0.json`,
              reportSha256: 'a'.repeat(64),
            },
          },
        ],
      },
    });
  });

  it('keeps a version without bundles free of a verdict, and the version status message', () => {
    expect(ours(version(parsed, WEATHER, '2.0.0')).version).toEqual({
      status: 'deprecated',
      statusMessage: 'Returns wrong units; use 2.1.0.',
      artifacts: [],
    });
  });
});

describe('emitRegistryApi: links', () => {
  it('turns a catalog-hosted bundle into a URL a client can fetch, and leaves registry packages alone', () => {
    const packages = latest(byPath(emitRegistryApi(sampleModel())), WEATHER).server.packages ?? [];
    expect(packages.map((p) => p.identifier)).toEqual([
      '@acme/weather-mcp',
      `${BASE_URL}bundles/io.github.acme/weather/weather-2.1.0.mcpb`,
    ]);
  });

  it('keeps paths relative to index.json when the catalog has no base URL', () => {
    const r = latest(byPath(emitRegistryApi(sampleModel(RECORDS, null))), WEATHER);
    expect(r.server.packages?.[1]?.identifier).toBe('bundles/io.github.acme/weather/weather-2.1.0.mcpb');
    expect(ours(r).detail).toBe('servers/io.github.acme/weather.json');
    expect(ours(r).version.artifacts[0]?.scan?.report).toBe('reports/io.github.acme/weather/2.1.0/0.json');
  });

  it('drops a website or repository that is not an http(s) URL rather than publish an invalid server.json', () => {
    const odd: ServerRecord = {
      ...RECORDS[0]!,
      source: { repository: 'git@github.com:a/b.git', website: 'not a url' },
    };
    const server = latest(byPath(emitRegistryApi(sampleModel([odd]))), LEGACY).server;
    expect(server).not.toHaveProperty('repository');
    expect(server).not.toHaveProperty('websiteUrl');
  });

  it('names an unknown forge by its host', () => {
    const self: ServerRecord = { ...RECORDS[0]!, source: { repository: 'https://git.example.net/a/b' } };
    expect(latest(byPath(emitRegistryApi(sampleModel([self]))), LEGACY).server.repository).toEqual({
      url: 'https://git.example.net/a/b',
      source: 'git.example.net',
    });
  });
});

/**
 * The v0.1 response envelopes, transcribed from the official OpenAPI
 * (modelcontextprotocol/registry docs/reference/api/openapi.yaml @ 29e32c39, info.version
 * 2025-12-01, components ServerList and ServerResponse). The server.json inside is checked by
 * validateOfficial against the vendored server.schema 2025-12-11.
 */
const OFFICIAL_META_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['active', 'deprecated', 'deleted'] },
    statusMessage: { type: 'string', maxLength: 500 },
    statusChangedAt: { type: 'string', format: 'date-time' },
    publishedAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    isLatest: { type: 'boolean' },
  },
};
const SERVER_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['server'],
  properties: {
    server: { type: 'object' },
    _meta: { type: 'object', properties: { [OFFICIAL_META_KEY]: OFFICIAL_META_SCHEMA }, additionalProperties: true },
  },
};
const SERVER_LIST_SCHEMA = {
  type: 'object',
  required: ['servers'],
  properties: {
    servers: { type: 'array', items: SERVER_RESPONSE_SCHEMA },
    metadata: { type: 'object', properties: { nextCursor: { type: 'string' }, count: { type: 'integer' } } },
  },
};

describe('emitRegistryApi: official shapes', () => {
  const addFormats = ((formatsPlugin as unknown as { default?: unknown }).default ?? formatsPlugin) as unknown as (
    ajv: Ajv,
  ) => Ajv;
  const ajv = addFormats(new Ajv({ allErrors: true, strict: true }));
  const validResponse = ajv.compile(SERVER_RESPONSE_SCHEMA);
  const validList = ajv.compile(SERVER_LIST_SCHEMA);
  const parsed = byPath(emitRegistryApi(sampleModel()));

  it('the fixtures are a valid index and valid records', () => {
    const model = sampleModel();
    expect(validateSchema('index', model.index)).toEqual([]);
    for (const record of model.records.values()) expect(validateSchema('server-record', record)).toEqual([]);
  });

  it('every list is a ServerList and every single response a ServerResponse', () => {
    for (const [path, body] of parsed) {
      const isList = path === 'v0.1/servers/index.html' || path.endsWith('/versions/index.html');
      const validate = isList ? validList : validResponse;
      expect(validate(body), `${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('the envelope check fails on a wrong status or a stray official key, so it is not vacuous', () => {
    const r = structuredClone(latest(parsed, WEATHER));
    (official(r) as { status: string }).status = 'yanked';
    expect(validResponse(r)).toBe(false);
    const s = structuredClone(latest(parsed, WEATHER));
    (official(s) as unknown as Record<string, unknown>).trust = 'verified';
    expect(validResponse(s)).toBe(false);
  });

  it('every server.json is valid against the official schema, and carries what VS Code requires', () => {
    let count = 0;
    for (const body of parsed.values()) {
      const responses = 'servers' in (body as object) ? (body as ServerList).servers : [body as ServerResponse];
      for (const r of responses) {
        expect(validateOfficial(r.server)).toEqual([]);
        // VS Code's v0.1 serializer drops an entry without these and destructures `_meta` unconditionally.
        expect(r.server).toEqual(
          expect.objectContaining({
            name: expect.any(String),
            description: expect.any(String),
            version: expect.any(String),
          }),
        );
        expect(official(r)).toEqual(
          expect.objectContaining({
            status: expect.any(String),
            publishedAt: expect.any(String),
            updatedAt: expect.any(String),
            isLatest: expect.any(Boolean),
          }),
        );
        count++;
      }
    }
    expect(count).toBe(16);
  });
});

describe('emitRegistryApi: determinism and options', () => {
  it('gives the same bytes for the same model and leaves the model untouched', () => {
    const model = sampleModel();
    const before = structuredClone([...model.records.values()]);
    expect(emitRegistryApi(model)).toEqual(emitRegistryApi(sampleModel()));
    expect([...model.records.values()]).toEqual(before);
  });

  it('literalEncodedNames also writes each server under a directory named with %2F', () => {
    const files = byPath(emitRegistryApi(sampleModel(), { literalEncodedNames: true }));
    const encoded = json<ServerResponse>(files, 'v0.1/servers/io.github.acme%2Fweather/versions/latest/index.html');
    expect(encoded).toEqual(latest(files, WEATHER));
    expect(files.has('v0.1/servers/org.example.tools%2Fbackport/versions/1.0.1+build.5/index.html')).toBe(true);
    expect(list(files).servers).toHaveLength(3);
  });
});

describe('emitRegistryApi: refusals', () => {
  function codeOf(run: () => unknown): RegistryApiErrorCode | undefined {
    try {
      run();
    } catch (error) {
      if (error instanceof RegistryApiError) return error.code;
      throw error;
    }
    return undefined;
  }
  const withName = (name: string): ServerRecord => ({ ...RECORDS[2]!, name });
  const withVersion = (v: string): ServerRecord => ({
    ...RECORDS[2]!,
    versions: [{ ...RECORDS[2]!.versions[0]!, version: v }],
  });

  it('record-missing: the index lists a server the model has no record for', () => {
    const model = sampleModel();
    const records = new Map(model.records);
    records.delete(WEATHER);
    expect(codeOf(() => emitRegistryApi({ ...model, records }))).toBe('record-missing');
  });

  it.each(['../escape', '../..', '.hidden/x', 'io.github.a/.x', 'index.html/x', 'no-slash'])(
    'unsafe-name: %s',
    (name) => {
      expect(codeOf(() => emitRegistryApi(sampleModel([withName(name)])))).toBe('unsafe-name');
    },
  );

  it.each(['latest', 'index.html', '1.0/2', '..', '.1', '1.0.0?x', '1 0'])('unsafe-version: %s', (v) => {
    expect(codeOf(() => emitRegistryApi(sampleModel([withVersion(v)])))).toBe('unsafe-version');
  });

  it('duplicate-path: the index lists one server twice', () => {
    const model = sampleModel();
    const index = { ...model.index, servers: [...model.index.servers, model.index.servers[0]!] };
    expect(codeOf(() => emitRegistryApi({ ...model, index }))).toBe('duplicate-path');
  });
});

// ---------------------------------------------------------------------------------------------
// End to end: the emitted files on a static host that behaves like GitHub Pages, fetched with the
// URLs VS Code builds. Both sides follow docs/registry-api.md, which cites the sources.

interface Host {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/**
 * A static host on 127.0.0.1, GitHub Pages-like: the query string plays no part in the lookup; the
 * path is percent-decoded (`%2F` included) before the file lookup unless `decodeSlash` is false
 * (Apache `AllowEncodedSlashes NoDecode`); a directory without a trailing slash answers 301 to the
 * slash form (absolute Location, query kept), and with one serves its index.html; the content type
 * follows the extension; every response carries `Access-Control-Allow-Origin: *`.
 */
async function startStaticHost(root: string, { decodeSlash = true } = {}): Promise<Host> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const raw = req.url ?? '/';
      requests.push(raw);
      const cut = raw.indexOf('?');
      const [rawPath, query] = cut === -1 ? [raw, ''] : [raw.slice(0, cut), raw.slice(cut)];
      const headers = { 'access-control-allow-origin': '*' };
      let path: string;
      try {
        path = decodeSlash
          ? decodeURIComponent(rawPath)
          : rawPath
              .split(/%2F/i)
              .map((part) => decodeURIComponent(part))
              .join('%2F');
      } catch {
        res.writeHead(400, headers).end();
        return;
      }
      if (path.split('/').some((s) => s === '..')) {
        res.writeHead(404, headers).end();
        return;
      }
      const file = join(root, path);
      const info = await stat(file).catch(() => undefined);
      if (info?.isDirectory() && !path.endsWith('/')) {
        const location = `http://${req.headers.host}${encodeURI(path)}/${query}`;
        res.writeHead(301, { ...headers, location, 'content-type': 'text/html' }).end('<html>Moved</html>');
        return;
      }
      const target = info?.isDirectory() ? join(file, 'index.html') : file;
      const body = await readFile(target).catch(() => undefined);
      if (!body) {
        res.writeHead(404, { ...headers, 'content-type': 'text/html' }).end('<html>404</html>');
        return;
      }
      const type =
        { '.html': 'text/html; charset=utf-8', '.json': 'application/json; charset=utf-8' }[extname(target)] ??
        'application/octet-stream';
      res.writeHead(200, { ...headers, 'content-type': type, 'content-length': body.length }).end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Fetched {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A GET as VS Code's node request service makes it: the URL's path sent as built (no
 * normalisation, no Accept header), up to 3 redirects followed to the absolute Location.
 */
function vscodeGet(url: string, redirects = 3): Promise<Fetched> {
  const { hostname, port, pathname, search } = new URL(url);
  // new URL() keeps %2F in the path as it is; it only resolves dot segments, which these URLs lack.
  return new Promise((resolve, reject) => {
    request({ hostname, port, path: pathname + search, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (status >= 300 && status < 400 && location && redirects > 0) {
          vscodeGet(location, redirects - 1).then(resolve, reject);
        } else {
          resolve({ status, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        }
      });
    })
      .on('error', reject)
      .end();
  });
}

/**
 * The calls of VS Code's MCP gallery (src/vs/platform/mcp/common/mcpGalleryManifestService.ts and
 * mcpGalleryService.ts, microsoft/vscode @ e24a16c3), reduced to the URLs, the paging and the
 * checks they make. `chat.mcp.gallery.serviceUrl` (or the Copilot policy's registry URL) is the base.
 */
class VsCodeGallery {
  readonly serversUrl: string;
  constructor(serviceUrl: string) {
    const base = serviceUrl.endsWith('/') ? serviceUrl.slice(0, -1) : serviceUrl;
    this.serversUrl = `${base}/v0.1/servers`;
  }

  /** getVersion(): v0.1 when `<base>/v0.1/servers?limit=1` answers 2xx. */
  async supportsV01(): Promise<boolean> {
    const { status } = await vscodeGet(`${this.serversUrl}?limit=1`);
    return status >= 200 && status < 300;
  }

  /** query(): the first page, then `getNextPage` while `nextCursor` is set (capped here to catch a loop). */
  async query(text?: string, maxPages = 5): Promise<{ names: string[]; pages: number }> {
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      let url = `${this.serversUrl}?limit=50&version=latest`;
      if (cursor) url += `&cursor=${cursor}`; // VS Code appends the cursor unencoded
      if (text && pages === 0) url += `&search=${encodeURIComponent(text)}`; // later pages drop the text
      const { status, body } = await vscodeGet(url);
      if (status < 200 || status >= 300) throw new Error(`list answered ${status}`);
      const data = JSON.parse(body) as { servers?: unknown; metadata?: { nextCursor?: string } }; // asJson ignores Content-Type
      if (!Array.isArray(data.servers)) throw new Error('not a ServerList');
      for (const entry of data.servers as ServerResponse[]) names.push(this.serialize(entry).name);
      cursor = data.metadata?.nextCursor;
      pages++;
    } while (cursor && pages < maxPages);
    return { names, pages };
  }

  /** getMcpServerByName(): `<servers>/<encodeURIComponent(name)>/versions/latest`; 404 means not in the registry. */
  async latest(name: string): Promise<ServerResponse | undefined> {
    return this.get(`${this.serversUrl}/${encodeURIComponent(name)}/versions/latest`, name);
  }

  async version(name: string, v: string): Promise<ServerResponse | undefined> {
    return this.get(`${this.serversUrl}/${encodeURIComponent(name)}/versions/${encodeURIComponent(v)}`, name);
  }

  private async get(url: string, name: string): Promise<ServerResponse | undefined> {
    const { status, body } = await vscodeGet(url);
    if (status === 404) return undefined;
    if (status >= 400) throw new Error(`server answered ${status}`);
    const entry = JSON.parse(body) as ServerResponse;
    if (this.serialize(entry).name !== name) throw new Error(`lookup for ${name} returned ${entry.server.name}`);
    return entry;
  }

  /** The v0.1 serializer's checks: a server object with string name, description and version, and a `_meta`. */
  private serialize(entry: ServerResponse): ServerResponse['server'] {
    const { server } = entry;
    if (
      !server ||
      typeof server.name !== 'string' ||
      typeof server.description !== 'string' ||
      typeof server.version !== 'string'
    ) {
      throw new Error('not a v0.1 server entry');
    }
    const { [OFFICIAL_META_KEY]: registryInfo } = entry._meta; // throws on a missing _meta, as VS Code does
    if (!registryInfo) throw new Error('no official metadata');
    return server;
  }
}

async function writeDist(files: EmittedFile[]): Promise<string> {
  const root = await tempDir('registry-api-');
  for (const file of files) {
    await mkdir(dirname(join(root, file.path)), { recursive: true });
    await writeFile(join(root, file.path), file.body);
  }
  return root;
}

describe('emitRegistryApi: served by a Pages-like host, fetched as VS Code fetches', () => {
  let host: Host;
  let gallery: VsCodeGallery;
  beforeAll(async () => {
    host = await startStaticHost(await writeDist(emitRegistryApi(sampleModel())));
    // Pages serves a project site under /<repo>/; the host here serves dist/ at the root.
    gallery = new VsCodeGallery(`${host.url}/`);
  });
  afterAll(() => host.close());

  it('answers the version probe (through the directory redirect)', async () => {
    expect(await gallery.supportsV01()).toBe(true);
    expect(host.requests.slice(-2)).toEqual(['/v0.1/servers?limit=1', '/v0.1/servers/?limit=1']);
  });

  it('lists every server in one request: no cursor to follow, so no loop', async () => {
    const start = host.requests.length;
    expect(await gallery.query()).toEqual({ names: [LEGACY, WEATHER, BACKPORT], pages: 1 });
    expect(host.requests.slice(start)).toEqual([
      '/v0.1/servers?limit=50&version=latest',
      '/v0.1/servers/?limit=50&version=latest',
    ]);
  });

  it('answers a search with the whole list: the host cannot filter (docs/registry-api.md, limits)', async () => {
    expect((await gallery.query('weather')).names).toEqual([LEGACY, WEATHER, BACKPORT]);
    expect(host.requests.at(-2)).toBe('/v0.1/servers?limit=50&version=latest&search=weather');
  });

  it('finds each server by its %2F-encoded name, at its latest version', async () => {
    for (const [name, v] of [
      [WEATHER, '2.1.0'],
      [LEGACY, '0.9.0'],
      [BACKPORT, '1.1.0'],
    ] as const) {
      const r = await gallery.latest(name);
      expect(r?.server.version).toBe(v);
      expect(r?._meta[CATALOG_META_KEY].trust).toBeDefined();
    }
    expect(host.requests).toContain('/v0.1/servers/io.github.acme%2Fweather/versions/latest');
  });

  it('serves exact versions, build metadata included, and 404s yanked versions and unknown servers', async () => {
    expect((await gallery.version(BACKPORT, '1.0.1+build.5'))?.server.version).toBe('1.0.1+build.5');
    expect(host.requests).toContain('/v0.1/servers/org.example.tools%2Fbackport/versions/1.0.1%2Bbuild.5');
    expect(await gallery.version(WEATHER, '1.0.0')).toBeUndefined();
    expect(await gallery.latest(WITHDRAWN)).toBeUndefined();
    expect(await gallery.latest('io.github.nobody/nothing')).toBeUndefined();
  });

  it('answers with text/html and CORS open, which is what Pages does with index.html', async () => {
    const { status, headers, body } = await vscodeGet(`${gallery.serversUrl}/${encodeURIComponent(WEATHER)}/versions`);
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('text/html; charset=utf-8');
    expect(headers['access-control-allow-origin']).toBe('*');
    expect((JSON.parse(body) as ServerList).servers.map((r) => r.server.version)).toEqual(['2.1.0', '2.0.0']);
  });
});

describe('emitRegistryApi: a host that does not decode %2F', () => {
  it('needs literalEncodedNames; the default layout 404s there', async () => {
    const plain = await startStaticHost(await writeDist(emitRegistryApi(sampleModel())), { decodeSlash: false });
    const literal = await startStaticHost(
      await writeDist(emitRegistryApi(sampleModel(), { literalEncodedNames: true })),
      { decodeSlash: false },
    );
    try {
      expect(await new VsCodeGallery(plain.url).latest(WEATHER)).toBeUndefined();
      expect((await new VsCodeGallery(literal.url).latest(WEATHER))?.server.version).toBe('2.1.0');
      expect((await new VsCodeGallery(literal.url).query()).pages).toBe(1);
    } finally {
      await Promise.all([plain.close(), literal.close()]);
    }
  });
});
