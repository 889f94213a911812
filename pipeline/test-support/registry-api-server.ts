/**
 * A test double of an official-registry-compatible API on 127.0.0.1, for `registry` sources
 * (pipeline/adapters/source-registry.ts). It answers `GET /v0.1/servers` as the official registry
 * does (docs/registry-api.md, "The official API"; its handler tests for the errors):
 *
 * - `limit` defaults to 30 and is capped at 100; a non-numeric, zero or negative one answers 400
 *   `Invalid limit parameter`; a cursor it did not give answers 400 `Invalid cursor parameter`.
 * - Entries come in (name, version) order; `metadata.nextCursor` is opaque (base64url of the last
 *   entry's `name:version`) and absent on the last page; `metadata.count` is the page's size.
 * - `updated_since` keeps entries whose `updatedAt` is after it, deleted ones included;
 *   otherwise deleted entries appear only with `include_deleted=true`. `version=latest` keeps
 *   `isLatest` entries; `search` is a case-insensitive substring of the name.
 * - Other methods answer 405; unknown paths 404 `{"error": …}`.
 *
 * Its content is whatever the test passes, which for the tests is the official registry's own seed
 * data (`/work/shared/anchors/official-registry/`), wrapped by `officialEntries`. The test can
 * mutate `entries`, take the API down (`mode`), and send a path elsewhere (`redirect`).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import semver from 'semver';
import { OFFICIAL_META_KEY, type RegistryEntry } from '../adapters/source-registry.ts';

export interface RegistryDouble {
  /** The API base, before `v0.1/`, with a trailing slash. */
  url: string;
  entries: RegistryEntry[];
  /** Every request: its target and the Authorization header it carried. */
  requests: { url: string; authorization: string | undefined }[];
  /** `up`; `error`: every request answers 503; `refuse`: connections are closed without an answer. */
  mode: 'up' | 'error' | 'refuse';
  /** When set, a request whose target it maps to a URL is answered 302 to that URL. */
  redirect?: (target: string) => string | undefined;
  close(): Promise<void>;
}

type Official = { status: string; publishedAt: string; updatedAt: string; isLatest: boolean; statusMessage?: string };

/** Server.json objects as official ServerResponses: active, published and updated at `at`, `isLatest` by semver. */
export function officialEntries(servers: readonly { name: string; version: string }[], at: string): RegistryEntry[] {
  const highest = new Map<string, string>();
  for (const s of servers) {
    const [name, version] = [String(s.name), String(s.version)];
    const best = highest.get(name);
    if (!best || (semver.valid(version) && semver.valid(best) && semver.gt(version, best))) highest.set(name, version);
  }
  return servers.map((server) => ({
    server: server as unknown as RegistryEntry['server'],
    _meta: {
      [OFFICIAL_META_KEY]: {
        status: 'active',
        publishedAt: at,
        updatedAt: at,
        isLatest: highest.get(String(server.name)) === server.version,
      } satisfies Official,
    },
  }));
}

const meta = (entry: RegistryEntry) => entry._meta?.[OFFICIAL_META_KEY] as Official;
const keyOf = (entry: RegistryEntry) => `${entry.server.name}:${entry.server.version}`;

export async function startRegistryDouble(entries: RegistryEntry[]): Promise<RegistryDouble> {
  const double: RegistryDouble = {
    url: '',
    entries,
    requests: [],
    mode: 'up',
    close: async () => {},
  };
  const server = createServer((req: IncomingMessage, res) => {
    const target = req.url ?? '/';
    double.requests.push({ url: target, authorization: req.headers.authorization });
    if (double.mode === 'refuse') {
      req.socket.destroy();
      return;
    }
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (double.mode === 'error') return send(503, { error: 'Service Unavailable' });
    const elsewhere = double.redirect?.(target);
    if (elsewhere) {
      res.writeHead(302, { location: elsewhere });
      return res.end();
    }
    const url = new URL(target, 'http://127.0.0.1');
    if (url.pathname !== '/v0.1/servers') return send(404, { error: 'Not Found' });
    if (req.method !== 'GET') return send(405, { error: 'Method Not Allowed' });
    const q = url.searchParams;
    let limit = 30;
    if (q.has('limit')) {
      limit = Number(q.get('limit'));
      if (!Number.isInteger(limit) || limit <= 0) return send(400, { error: 'Invalid limit parameter' });
      limit = Math.min(limit, 100);
    }
    const since = q.get('updated_since');
    if (since !== null && Number.isNaN(Date.parse(since)))
      return send(400, { error: 'Invalid updated_since parameter' });
    const includeDeleted = since !== null || q.get('include_deleted') === 'true';
    const search = q.get('search')?.toLowerCase();
    let list = [...double.entries]
      .filter((e) => includeDeleted || meta(e).status !== 'deleted')
      .filter((e) => since === null || Date.parse(meta(e).updatedAt) > Date.parse(since))
      .filter((e) => q.get('version') !== 'latest' || meta(e).isLatest)
      .filter((e) => !search || e.server.name.toLowerCase().includes(search))
      .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    const cursor = q.get('cursor');
    if (cursor !== null && cursor !== '') {
      const after = Buffer.from(cursor, 'base64url').toString('utf8');
      if (!double.entries.some((e) => keyOf(e) === after)) return send(400, { error: 'Invalid cursor parameter' });
      list = list.filter((e) => keyOf(e) > after);
    }
    const page = list.slice(0, limit);
    const more = list.length > limit;
    send(200, {
      servers: page,
      metadata: {
        count: page.length,
        ...(more ? { nextCursor: Buffer.from(keyOf(page.at(-1)!)).toString('base64url') } : {}),
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  double.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  double.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return double;
}
