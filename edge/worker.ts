/**
 * The optional edge function: a Cloudflare Worker in front of the same dist/ that answers the
 * whole read API of the official MCP Registry (v0.1), which a static host cannot:
 *
 * - `GET /v0.1/servers` with `search` (the site's typo-tolerant engine, pipeline/emit/search-client.ts,
 *   over the emitted search index), `limit` (default 30, capped at 100) and `cursor` paging,
 *   `updated_since`, `version` (`latest` or exact) and `include_deleted`;
 * - `GET /v0.1/servers/{name}/versions` and `…/versions/{version}` with `include_deleted`, and the
 *   name encoded (`%2F`) or not, with no redirect (Cloudflare's own asset server answers a `%2F`
 *   path with a 307 to the decoded one);
 * - JSON error bodies (`{"error": …}`), `application/json`, CORS on every answer and preflight;
 * - `/openapi.yaml` describing this API (pipeline/emit/openapi.ts, edge variant).
 *
 * Stateless: every answer is computed from files of the build, read through the assets binding:
 * `index.json` (the signed index: which servers and versions exist, their status and dates), the
 * search index (each file checked against the sha256 in search/manifest.json), and the static
 * API's own per-version files (so both serve the same bytes for one version). What is parsed is
 * kept per isolate under the index's ETag, so a new deployment is picked up at once.
 * Everything else (the site) is passed to the assets unchanged.
 */
import type { CatalogIndex, IndexServer, IndexVersion } from '../pipeline/core/schema-types.gen.ts';
import { openApiDocument } from '../pipeline/emit/openapi.ts';
import {
  OFFICIAL_META_KEY,
  serverDir,
  versionFile,
  type ServerList,
  type ServerResponse,
} from '../pipeline/emit/registry-api.ts';
import { createSearch, type CatalogSearch, type SearchManifest } from '../pipeline/emit/search-client.ts';

/** The Worker's bindings (wrangler.jsonc): the static assets, i.e. dist/. A Worker module exports only its handler and types. */
export interface Env {
  ASSETS: { fetch(input: Request | string | URL, init?: RequestInit): Promise<Response> };
}

const DEFAULT_LIMIT = 30;
const MAX_LIMIT = 100;

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, OPTIONS',
  'access-control-allow-headers': 'Authorization, Content-Type, Accept, X-Requested-With',
  'access-control-max-age': '86400',
};

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const isApi = url.pathname === '/openapi.yaml' || url.pathname === '/v0.1' || url.pathname.startsWith('/v0.1/');
    if (!isApi) return env.ASSETS.fetch(request);
    if (request.method === 'OPTIONS') return preflight(request);
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        throw new HttpError(405, `Method ${request.method} not allowed: this registry is read-only`);
      }
      const body = await route(url, env);
      return respond(request, 200, body);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      return respond(request, status, { error: message });
    }
  },
};

function preflight(request: Request): Response {
  const asked = request.headers.get('access-control-request-headers');
  return new Response(null, {
    status: 204,
    headers: {
      ...CORS,
      ...(asked ? { 'access-control-allow-headers': asked } : {}),
      vary: 'Access-Control-Request-Headers',
    },
  });
}

function respond(request: Request, status: number, body: unknown): Response {
  const yaml = new URL(request.url).pathname === '/openapi.yaml' && status === 200;
  const headers: Record<string, string> = {
    ...CORS,
    // JSON is YAML 1.2, so openapi.yaml is served as the JSON of the document.
    'content-type': yaml ? 'application/yaml; charset=utf-8' : 'application/json; charset=utf-8',
    'cache-control': status === 200 ? 'public, max-age=300' : 'no-store',
    ...(status === 405 ? { allow: 'GET, HEAD, OPTIONS' } : {}),
  };
  return new Response(request.method === 'HEAD' ? null : JSON.stringify(body), { status, headers });
}

async function route(url: URL, env: Env): Promise<unknown> {
  if (url.pathname === '/openapi.yaml') return openApiDocument(url.origin + '/', 'edge');
  const catalog = await loadCatalog(env);
  if (url.pathname === '/v0.1/servers' || url.pathname === '/v0.1/servers/') return listServers(url, catalog, env);
  // The name arrives encoded (`ns%2Fname`, as clients send it) or decoded (`ns/name`).
  const match = /^\/v0\.1\/servers\/(.+?)\/versions(?:\/([^/]+))?\/?$/.exec(url.pathname);
  if (!match) throw new HttpError(404, 'Not found');
  const name = decode(match[1]!);
  const server = catalog.byName.get(name);
  if (!server) throw new HttpError(404, 'Server not found');
  const includeDeleted = booleanParam(url.searchParams, 'include_deleted') ?? false;
  if (match[2] === undefined) return listVersions(server, includeDeleted, env);
  return getVersion(server, decode(match[2]), includeDeleted, env);
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'Invalid percent-encoding in the path');
  }
}

// ---------------------------------------------------------------------------------------------
// The catalog as this build published it.

interface Catalog {
  etag: string;
  index: CatalogIndex;
  byName: Map<string, IndexServer>;
  search: () => Promise<CatalogSearch>;
}

let cached: Catalog | undefined;

/** The assets binding ignores the host; paths are what matter. */
const ASSET_ORIGIN = 'https://assets.invalid';

async function asset(env: Env, path: string, headers: Record<string, string> = {}): Promise<Response> {
  // Each segment encoded, so the asset server finds the file without a redirect (`+` stays `%2B`).
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return env.ASSETS.fetch(new Request(`${ASSET_ORIGIN}/${encoded}`, { headers }));
}

async function assetText(env: Env, path: string): Promise<string> {
  const response = await asset(env, path);
  if (!response.ok)
    throw new HttpError(500, `${path} is missing from the deployment (${response.status}); deploy dist/ whole`);
  return response.text();
}

async function loadCatalog(env: Env): Promise<Catalog> {
  // A conditional request: an unchanged deployment answers 304 and the parsed catalog stands.
  const response = await asset(env, 'index.json', cached?.etag ? { 'if-none-match': cached.etag } : {});
  if (response.status === 304 && cached) return cached;
  if (!response.ok) throw new HttpError(500, 'index.json is missing from the deployment');
  const etag = response.headers.get('etag') ?? '';
  if (cached && etag !== '' && cached.etag === etag) {
    await response.body?.cancel();
    return cached;
  }
  const index = (await response.json()) as CatalogIndex;
  let search: Promise<CatalogSearch> | undefined;
  const catalog: Catalog = {
    etag,
    index,
    byName: new Map(index.servers.map((s) => [s.name, s])),
    search: () => {
      search ??= (async () => {
        const manifest = JSON.parse(await assetText(env, 'search/manifest.json')) as SearchManifest;
        return createSearch(manifest, (path) => assetText(env, path));
      })().catch((error: unknown) => {
        search = undefined;
        throw error;
      });
      return search;
    },
  };
  cached = catalog;
  return catalog;
}

async function readVersion(env: Env, name: string, version: string): Promise<ServerResponse> {
  const response = JSON.parse(await assetText(env, versionFile(serverDir(name), version))) as ServerResponse;
  if (response.server.name !== name)
    throw new HttpError(500, `the file of ${name} ${version} names ${response.server.name}`);
  return response;
}

// ---------------------------------------------------------------------------------------------
// Endpoints.

async function getVersion(
  server: IndexServer,
  version: string,
  includeDeleted: boolean,
  env: Env,
): Promise<ServerResponse> {
  const wanted = version === 'latest' ? server.latest : version;
  const entry = server.versions.find((v) => v.version === wanted);
  if (!entry || (entry.status === 'yanked' && !includeDeleted)) throw new HttpError(404, 'Server version not found');
  return readVersion(env, server.name, version === 'latest' ? 'latest' : entry.version);
}

async function listVersions(server: IndexServer, includeDeleted: boolean, env: Env): Promise<ServerList> {
  const chosen = server.versions.filter((v) => includeDeleted || v.status !== 'yanked');
  if (chosen.length === 0) throw new HttpError(404, 'Server not found');
  const responses = await Promise.all(chosen.map((v) => readVersion(env, server.name, v.version)));
  responses.sort(
    (a, b) => Date.parse(b._meta[OFFICIAL_META_KEY].publishedAt) - Date.parse(a._meta[OFFICIAL_META_KEY].publishedAt),
  );
  return { servers: responses, metadata: { count: responses.length } };
}

interface Cursor {
  /** Offset of the next page in the ordered result. */
  o: number;
  /** The search text, kept because VS Code drops it on later pages. */
  q?: string;
}

async function listServers(url: URL, catalog: Catalog, env: Env): Promise<ServerList> {
  const params = url.searchParams;
  const limit = limitParam(params);
  const cursor = cursorParam(params);
  const search = (params.get('search') ?? cursor?.q ?? '').trim();
  const version = params.get('version') || undefined;
  const updatedSince = dateParam(params, 'updated_since');
  // The official API: deleted entries only when asked, and always with updated_since.
  const includeDeleted = updatedSince !== undefined || (booleanParam(params, 'include_deleted') ?? false);

  let servers = catalog.index.servers;
  if (search !== '') {
    const index = await catalog.search();
    const hits = await index.search(search);
    // Hits are server ids; names.json (one file, read once per isolate) turns them into names.
    const names = await index.names(hits.map((hit) => hit.id));
    servers = names.flatMap((name) => catalog.byName.get(name) ?? []);
  }
  const candidates: { server: IndexServer; version: IndexVersion }[] = [];
  for (const server of servers) {
    for (const v of server.versions) {
      if (version === 'latest' ? v.version !== server.latest : version !== undefined && v.version !== version) continue;
      if (v.status === 'yanked' && !includeDeleted) continue;
      // A version changes after publication only by a status; its file has the exact date.
      const unchanged = v.status === 'active' && server.status === 'active';
      if (updatedSince !== undefined && Date.parse(v.publishedAt) < updatedSince && unchanged) continue;
      candidates.push({ server, version: v });
    }
  }
  // With updated_since, a version published since then is in for sure (updatedAt ≥ publishedAt);
  // an older one with a status is in when its file's updatedAt says so, so only those are read
  // before paging.
  const read = new Map<string, Promise<ServerResponse>>();
  const readOnce = (c: (typeof candidates)[number]) => {
    const key = `${c.server.name}@${c.version.version}`;
    let response = read.get(key);
    if (!response) read.set(key, (response = readVersion(env, c.server.name, c.version.version)));
    return response;
  };
  let included = candidates;
  if (updatedSince !== undefined) {
    const fresh = await Promise.all(
      candidates.map(
        async (c) =>
          Date.parse(c.version.publishedAt) >= updatedSince ||
          Date.parse((await readOnce(c))._meta[OFFICIAL_META_KEY].updatedAt) >= updatedSince,
      ),
    );
    included = candidates.filter((_, i) => fresh[i]);
  }
  const offset = cursor?.o ?? 0;
  const responses = await Promise.all(included.slice(offset, offset + limit).map(readOnce));
  const next = offset + limit < included.length ? offset + limit : undefined;
  const nextCursor = next === undefined ? undefined : encodeCursor({ o: next, ...(search ? { q: search } : {}) });
  return { servers: responses, metadata: { count: responses.length, ...(nextCursor ? { nextCursor } : {}) } };
}

// ---------------------------------------------------------------------------------------------
// Parameters, checked as the official registry's handler tests expect (400 with an error).

function limitParam(params: URLSearchParams): number {
  const raw = params.get('limit');
  if (raw === null) return DEFAULT_LIMIT;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new HttpError(400, 'Invalid limit parameter: use an integer from 1 to 100');
  return Math.min(Number(raw), MAX_LIMIT);
}

function cursorParam(params: URLSearchParams): Cursor | undefined {
  const raw = params.get('cursor');
  if (raw === null || raw === '') return undefined;
  try {
    const value = JSON.parse(atob(raw.replace(/-/g, '+').replace(/_/g, '/'))) as Cursor;
    if (!Number.isInteger(value.o) || value.o < 0 || (value.q !== undefined && typeof value.q !== 'string'))
      throw new Error();
    return value;
  } catch {
    throw new HttpError(400, 'Invalid cursor parameter: use the exact metadata.nextCursor of the previous page');
  }
}

/** base64url without padding: safe in a query string even appended unencoded (VS Code does). */
function encodeCursor(cursor: Cursor): string {
  const bytes = new TextEncoder().encode(JSON.stringify(cursor));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function dateParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(time))
    throw new HttpError(400, `Invalid ${name} parameter: use an RFC 3339 time such as 2025-08-07T13:15:04Z`);
  return time;
}

function booleanParam(params: URLSearchParams, name: string): boolean | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new HttpError(400, `Invalid ${name} parameter: use true or false`);
}
