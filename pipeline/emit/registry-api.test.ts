import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { OFFICIAL_SCHEMA_ID } from '../core/schema-files.ts';
import type { ServerRecord } from '../core/schema-types.gen.ts';
import { validateOfficial, validateSchema } from '../core/schema-validator.ts';
import { assertOfficial } from '../test-support/official-openapi.ts';
import { openApiDocument } from './openapi.ts';
import { emitOpenApi } from './openapi-yaml.ts';
import { BASE_URL, RECORDS, sampleModel, STATUS_CHANGED_AT } from './registry-api.fixtures.ts';
import {
  CATALOG_META_KEY,
  emitRegistryApi,
  encodedServerPath,
  OFFICIAL_META_KEY,
  PUBLISHER_PROVIDED_KEY,
  RegistryApiError,
  registryApiPlan,
  SERVER_SCHEMA_ID,
  vscodeGaps,
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
const list = (files: Map<string, unknown>) => json<ServerList>(files, 'v0.1/servers.html');
const latest = (files: Map<string, unknown>, name: string) => json<ServerResponse>(files, `${dir(name)}/latest`);
const version = (files: Map<string, unknown>, name: string, v: string) =>
  json<ServerResponse>(files, `${dir(name)}/${v}`);
const versions = (files: Map<string, unknown>, name: string) => json<ServerList>(files, `${dir(name)}.html`);
const official = (r: ServerResponse) => r._meta[OFFICIAL_META_KEY];
const ours = (r: ServerResponse) => r._meta[CATALOG_META_KEY];
const responsesOf = (files: Map<string, unknown>) =>
  [...files.values()].flatMap((b) => ('servers' in (b as object) ? (b as ServerList).servers : [b as ServerResponse]));

describe('emitRegistryApi: layout', () => {
  const files = emitRegistryApi(sampleModel());
  const parsed = byPath(files);

  it('writes plain files at the request paths, lists as x.html beside x/index.html, and no directory a client requests', () => {
    expect(files.map((f) => f.path)).toEqual([
      'v0.1/servers.html',
      'v0.1/servers/index.html',
      'v0.1/servers/com.example/legacy/versions.html',
      'v0.1/servers/com.example/legacy/versions/index.html',
      'v0.1/servers/com.example/legacy/versions/latest',
      'v0.1/servers/com.example/legacy/versions/0.9.0',
      'v0.1/servers/io.github.acme/weather/versions.html',
      'v0.1/servers/io.github.acme/weather/versions/index.html',
      'v0.1/servers/io.github.acme/weather/versions/latest',
      'v0.1/servers/io.github.acme/weather/versions/2.1.0',
      'v0.1/servers/io.github.acme/weather/versions/2.0.0',
      'v0.1/servers/io.github.acme/weather/versions/1.0.0',
      'v0.1/servers/io.github.someone/withdrawn/versions/0.1.0',
      'v0.1/servers/org.example.tools/backport/versions.html',
      'v0.1/servers/org.example.tools/backport/versions/index.html',
      'v0.1/servers/org.example.tools/backport/versions/latest',
      'v0.1/servers/org.example.tools/backport/versions/1.0.1+build.5',
      'v0.1/servers/org.example.tools/backport/versions/1.1.0',
    ]);
    expect(parsed.get('v0.1/servers/index.html')).toEqual(parsed.get('v0.1/servers.html'));
  });

  it('puts a name with / under its decoded form, which is what clients request encoded', () => {
    expect(encodedServerPath(WEATHER)).toBe('v0.1/servers/io.github.acme%2Fweather');
    expect(latest(parsed, WEATHER).server.name).toBe(WEATHER);
  });

  it('lists every server with a version that is not deleted once, at its latest version, by name, and never pages', () => {
    const body = list(parsed);
    expect(body.servers.map((r) => [r.server.name, r.server.version])).toEqual([
      [LEGACY, '0.9.0'],
      [WEATHER, '2.1.0'],
      [BACKPORT, '1.1.0'],
    ]);
    expect(body.servers.every((r) => official(r).isLatest)).toBe(true);
    expect(body.metadata).toEqual({ count: 3 });
  });

  it('resolves latest to the highest version that is not yanked, even when a lower one is newer', () => {
    expect(latest(parsed, WEATHER).server.version).toBe('2.1.0');
    expect(latest(parsed, BACKPORT)).toEqual(version(parsed, BACKPORT, '1.1.0'));
    expect(official(version(parsed, BACKPORT, '1.0.1+build.5')).isLatest).toBe(false);
  });

  it('orders a versions list by publication, newest first, and leaves deleted versions out of it', () => {
    expect(versions(parsed, BACKPORT).servers.map((r) => r.server.version)).toEqual(['1.0.1+build.5', '1.1.0']);
    expect(versions(parsed, WEATHER).servers.map((r) => r.server.version)).toEqual(['2.1.0', '2.0.0']);
    expect(versions(parsed, WEATHER).metadata).toEqual({ count: 2 });
  });

  it('writes each version with its own packages, remotes and dates', () => {
    const v2 = version(parsed, WEATHER, '2.0.0');
    expect(v2.server.packages?.map((p) => p.version)).toEqual(['2.0.0']);
    expect(v2.server).not.toHaveProperty('remotes');
    expect(official(v2).publishedAt).toBe('2025-03-01T10:00:00Z');
    const old = version(parsed, BACKPORT, '1.0.1+build.5');
    expect(old.server.remotes).toEqual([{ type: 'sse', url: 'https://tools.example.org/sse-1.0' }]);
    expect(old.server).not.toHaveProperty('packages');
  });

  it("rebuilds the server.json: schema, title, repository (the listing's, with id and subfolder), website", () => {
    expect(SERVER_SCHEMA_ID).toBe(OFFICIAL_SCHEMA_ID);
    expect(latest(parsed, WEATHER).server).toMatchObject({
      $schema: OFFICIAL_SCHEMA_ID,
      name: WEATHER,
      title: 'Weather',
      description: 'Forecasts from a public weather API.',
      version: '2.1.0',
      repository: { url: 'https://github.com/acme/weather', source: 'github', id: '123456', subfolder: 'server' },
      websiteUrl: 'https://acme.example/weather',
    });
    // Versions without a listing in the model fall back to the record's URL, forge named by host.
    expect(version(parsed, WEATHER, '2.0.0').server.repository).toEqual({
      url: 'https://github.com/acme/weather',
      source: 'github',
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

  it('marks a deprecated version deprecated, with its message and when status.json changed', () => {
    expect(official(version(parsed, WEATHER, '2.0.0'))).toEqual({
      status: 'deprecated',
      statusMessage: 'Returns wrong units; use 2.1.0.',
      statusChangedAt: STATUS_CHANGED_AT.get(WEATHER),
      publishedAt: '2025-03-01T10:00:00Z',
      updatedAt: STATUS_CHANGED_AT.get(WEATHER),
      isLatest: false,
    });
    expect(official(latest(parsed, WEATHER))).toEqual({
      status: 'active',
      publishedAt: '2025-06-01T10:00:00Z',
      updatedAt: '2025-06-01T10:00:00Z',
      isLatest: true,
    });
  });

  it("keeps a yanked version's file as deleted, with its message, never as latest", () => {
    expect(official(version(parsed, WEATHER, '1.0.0'))).toEqual({
      status: 'deleted',
      statusMessage: 'Leaked the API key in logs.',
      statusChangedAt: STATUS_CHANGED_AT.get(WEATHER),
      publishedAt: '2025-01-01T10:00:00Z',
      updatedAt: STATUS_CHANGED_AT.get(WEATHER),
      isLatest: false,
    });
    expect(ours(version(parsed, WEATHER, '1.0.0')).version.status).toBe('yanked');
  });

  it('marks every version of a deprecated server deprecated, with the server message and replacement', () => {
    const legacy = latest(parsed, LEGACY);
    expect(official(legacy)).toMatchObject({
      status: 'deprecated',
      statusMessage: 'Unmaintained; use io.github.acme/weather.',
    });
    expect(ours(legacy)).toMatchObject({ status: 'deprecated', replacedBy: WEATHER });
  });

  it('keeps a server whose every version is yanked out of the lists and without latest, with its version files', () => {
    expect(list(parsed).servers.map((r) => r.server.name)).not.toContain(WITHDRAWN);
    expect(parsed.has(`${dir(WITHDRAWN)}/latest`)).toBe(false);
    expect(parsed.has(`${dir(WITHDRAWN)}.html`)).toBe(false);
    expect(official(version(parsed, WITHDRAWN, '0.1.0'))).toMatchObject({ status: 'deleted', isLatest: false });
  });

  it('gives no statusChangedAt without a status date, and never one before publication', () => {
    const model = sampleModel();
    const undated = byPath(emitRegistryApi({ ...model, statusChangedAt: new Map() }));
    expect(official(version(undated, WEATHER, '2.0.0'))).not.toHaveProperty('statusChangedAt');
    expect(official(version(undated, WEATHER, '2.0.0')).updatedAt).toBe('2025-03-01T10:00:00Z');
    const early = byPath(emitRegistryApi({ ...model, statusChangedAt: new Map([[WEATHER, '2024-01-01T00:00:00Z']]) }));
    expect(official(version(early, WEATHER, '2.0.0'))).not.toHaveProperty('statusChangedAt');
  });
});

describe('emitRegistryApi: what VS Code shows', () => {
  const parsed = byPath(emitRegistryApi(sampleModel()));

  it("emits the listing's https icons", () => {
    expect(latest(parsed, WEATHER).server.icons).toEqual([
      { src: 'https://acme.example/weather-light.png', mimeType: 'image/png', theme: 'light' },
      { src: 'https://acme.example/weather-dark.png', mimeType: 'image/png', theme: 'dark' },
    ]);
  });

  it('emits the publisher-provided github block: readme from the long description, licence, stars, topics', () => {
    expect(latest(parsed, WEATHER).server._meta).toEqual({
      [PUBLISHER_PROVIDED_KEY]: {
        github: {
          name: 'weather',
          nameWithOwner: 'acme/weather',
          license: 'MIT',
          readme: '# Weather\n\nHourly and daily forecasts.',
          stargazerCount: 120,
          topics: ['weather', 'forecast'],
        },
      },
    });
  });

  it("uses the GitHub owner's avatar as the icon when the listing has none", () => {
    const github = version(parsed, WEATHER, '2.0.0').server._meta?.[PUBLISHER_PROVIDED_KEY]?.github;
    expect(github).toMatchObject({ ownerAvatarUrl: 'https://github.com/acme.png', nameWithOwner: 'acme/weather' });
  });

  it('gives a server on another forge a github block without a GitHub name', () => {
    const github = latest(parsed, BACKPORT).server._meta?.[PUBLISHER_PROVIDED_KEY]?.github;
    expect(github).toEqual({ topics: ['build'] });
  });

  it('names the servers VS Code cannot install, and why', () => {
    const onlyBundle: ServerRecord = {
      ...RECORDS[2]!,
      name: 'io.github.acme/bundle-only',
      versions: [
        {
          ...RECORDS[2]!.versions[0]!,
          remotes: [],
          packages: [
            {
              registryType: 'mcpb',
              identifier: 'bundles/x.mcpb',
              fileSha256: 'a'.repeat(64),
              transport: { type: 'stdio' },
            },
          ],
        },
      ],
    };
    const nothing: ServerRecord = {
      ...RECORDS[2]!,
      name: 'io.github.acme/nothing',
      versions: [{ ...RECORDS[2]!.versions[0]!, remotes: [] }],
    };
    expect(vscodeGaps(sampleModel([...RECORDS, onlyBundle, nothing]))).toEqual([
      {
        name: 'io.github.acme/bundle-only',
        version: '1.1.0',
        reason: expect.stringContaining('only mcpb packages, which VS Code cannot install (microsoft/vscode#290110)'),
      },
      { name: 'io.github.acme/nothing', version: '1.1.0', reason: 'the listing declares no package and no remote' },
    ]);
  });
});

describe('emitRegistryApi: our _meta and links', () => {
  const parsed = byPath(emitRegistryApi(sampleModel()));

  it('is on every response, beside the official key', () => {
    const responses = responsesOf(parsed);
    expect(responses.length).toBe(26);
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

  it('turns a catalog-hosted bundle into an absolute URL and leaves registry packages alone', () => {
    expect(latest(parsed, WEATHER).server.packages?.map((p) => p.identifier)).toEqual([
      '@acme/weather-mcp',
      `${BASE_URL}bundles/io.github.acme/weather/weather-2.1.0.mcpb`,
    ]);
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
});

describe('emitRegistryApi: official shapes', () => {
  const parsed = byPath(emitRegistryApi(sampleModel()));

  it('the fixtures are a valid index and valid records', () => {
    const model = sampleModel();
    expect(validateSchema('index', model.index)).toEqual([]);
    for (const record of model.records.values()) expect(validateSchema('server-record', record)).toEqual([]);
  });

  it('every list is an official ServerList and every single response an official ServerResponse', () => {
    for (const [path, body] of parsed) {
      const isList = path.endsWith('.html');
      assertOfficial(isList ? 'serverList' : 'serverResponse', body, path);
    }
  });

  it('the official check fails on a wrong status or a stray official key, so it is not vacuous', () => {
    const r = structuredClone(latest(parsed, WEATHER));
    (official(r) as { status: string }).status = 'yanked';
    expect(() => assertOfficial('serverResponse', r, 'x')).toThrow(/not an official/);
    const s = structuredClone(latest(parsed, WEATHER));
    (official(s) as unknown as Record<string, unknown>).trust = 'verified';
    expect(() => assertOfficial('serverResponse', s, 'x')).toThrow(/not an official/);
  });

  it('every server.json is valid against the official server schema', () => {
    for (const r of responsesOf(parsed)) expect(validateOfficial(r.server)).toEqual([]);
  });
});

describe('emitRegistryApi: options, determinism and the baseUrl rule', () => {
  it('gives the same bytes for the same model and leaves the model untouched', () => {
    const model = sampleModel();
    const before = structuredClone([...model.records.values()]);
    expect(emitRegistryApi(model)).toEqual(emitRegistryApi(sampleModel()));
    expect([...model.records.values()]).toEqual(before);
  });

  it('literalEncodedNames also writes each server under a directory named with %2F', () => {
    const files = byPath(emitRegistryApi(sampleModel(), { literalEncodedNames: true }));
    expect(json(files, 'v0.1/servers/io.github.acme%2Fweather/versions/latest')).toEqual(latest(files, WEATHER));
    expect(files.has('v0.1/servers/org.example.tools%2Fbackport/versions/1.0.1+build.5')).toBe(true);
    expect(list(files).servers).toHaveLength(3);
  });

  it('refuses a model without baseUrl: relative bundle links are useless to a client', () => {
    expect(() => emitRegistryApi(sampleModel(RECORDS, null))).toThrow(RegistryApiError);
  });

  it('a publishing build without baseUrl fails; a local one leaves the API out with a warning', () => {
    expect(registryApiPlan(BASE_URL, true)).toEqual({ emit: true });
    expect(registryApiPlan(undefined, true)).toEqual({ emit: false, error: expect.stringContaining('Set "baseUrl"') });
    expect(registryApiPlan(undefined, false)).toEqual({
      emit: false,
      warning: expect.stringMatching(/^registry API left out: catalog.config.json has no baseUrl/),
    });
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

  it.each(['../escape', '../..', '.hidden/x', 'io.github.a/.x', 'index.html/x', 'no-slash', 'a.b/versions.html'])(
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

describe('openApiDocument', () => {
  const staticDoc = openApiDocument(BASE_URL, 'static') as {
    info: { version: string; description: string };
    servers: { url: string }[];
    paths: Record<string, { get: { parameters?: { name: string }[] } }>;
    components: { schemas: Record<string, unknown> };
  };
  const edgeDoc = openApiDocument('https://edge.example/', 'edge') as typeof staticDoc;

  it('identifies the registry API the way ToolHive checks it', () => {
    expect(staticDoc.info.version).toBe('1.0.0');
    expect(staticDoc.info.description).toContain('https://github.com/modelcontextprotocol/registry');
    expect(staticDoc.servers).toEqual([{ url: 'https://acme.github.io/mcp-catalog' }]);
  });

  it('describes the three static paths without query parameters; the edge variant with them', () => {
    const paths = [
      '/v0.1/servers',
      '/v0.1/servers/{serverName}/versions',
      '/v0.1/servers/{serverName}/versions/{version}',
    ];
    expect(Object.keys(staticDoc.paths)).toEqual(paths);
    expect(staticDoc.paths['/v0.1/servers']!.get.parameters).toBeUndefined();
    expect(Object.keys(edgeDoc.paths)).toEqual(paths);
    expect(edgeDoc.paths['/v0.1/servers']!.get.parameters?.map((p) => p.name)).toEqual([
      'cursor',
      'limit',
      'search',
      'updated_since',
      'version',
      'include_deleted',
    ]);
  });

  it('its response schemas accept every file the static API writes', () => {
    const addFormats = ((formatsPlugin as unknown as { default?: unknown }).default ?? formatsPlugin) as unknown as (
      ajv: Ajv2020,
    ) => Ajv2020;
    const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }));
    const schemas = { ...staticDoc.components.schemas, ServerDetail: { type: 'object' } };
    ajv.addSchema({ $id: 'https://openapi.test/doc', components: { schemas } });
    const validList = ajv.compile({ $ref: 'https://openapi.test/doc#/components/schemas/ServerList' });
    const validResponse = ajv.compile({ $ref: 'https://openapi.test/doc#/components/schemas/ServerResponse' });
    for (const [path, body] of byPath(emitRegistryApi(sampleModel()))) {
      const validate = path.endsWith('.html') ? validList : validResponse;
      expect(validate(body), `${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('is written as YAML at the root of the API', () => {
    const file = emitOpenApi(BASE_URL);
    expect(file.path).toBe('openapi.yaml');
    expect(parseYaml(String(file.body))).toEqual(staticDoc);
  });
});
