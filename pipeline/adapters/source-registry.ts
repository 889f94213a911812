/**
 * A `registry` source (docs/sources.md): an API in the official MCP registry's v0.1 shape
 * (docs/registry-api.md, "The official API"). The first read pages through
 * `GET <base>v0.1/servers?limit=100&cursor=…` until `metadata.nextCursor` is empty; every later
 * read asks only for what changed, `updated_since=<the newest updatedAt of the last good copy>`,
 * which the official API answers deleted entries included, and applies it to that copy.
 *
 * Nothing a registry gives is signed by anyone this catalog pins: its entries become listings
 * that the build validates, scans and signs as its own (registryServers), with the source's trust.
 */
import { isObject } from '../core/guards.ts';
import { OFFICIAL_SCHEMA_ID } from '../core/schema-files.ts';
import type { Listing, ServerStatus } from '../core/schema-types.gen.ts';
import type { SourceServer } from '../stages/sources.ts';
import { parseSourceJson, SourceError, type SourceHttp } from './source-http.ts';

export const OFFICIAL_META_KEY = 'io.modelcontextprotocol.registry/official';

/** One `ServerResponse` as the API gave it. */
export interface RegistryEntry {
  server: Record<string, unknown> & { name: string; version: string };
  _meta?: Record<string, unknown>;
}

/** The last good copy of a registry source. */
export interface RegistryCopy {
  kind: 'registry';
  /** By `name@version`. */
  entries: Record<string, RegistryEntry>;
  /** The newest `updatedAt` among the entries, where the next read starts; absent when the API gives none. */
  updatedSince?: string;
  /** When the copy was last read in full. */
  fullReadAt: string;
}

export interface RegistryRead {
  copy: RegistryCopy;
  /** Whether this was an `updated_since` read on top of the previous copy. */
  incremental: boolean;
  pages: number;
  /** Entries added, replaced or removed by this read. */
  changed: number;
}

export interface RegistryReadOptions {
  /** Page size asked for; the official API caps it at 100. */
  limit?: number;
  maxPages?: number;
  maxEntries?: number;
  now?: Date;
  /**
   * Read in full again after this long (default a week). An API that ignores `updated_since`
   * answers every read in full without the deleted entries, which would then stay in the copy.
   */
  fullEveryMs?: number;
}

/** Keys of a server.json that a listing keeps (listing.schema.json `propertyNames`). */
const LISTING_KEYS = [
  'name',
  'title',
  'description',
  'version',
  'websiteUrl',
  'repository',
  'icons',
  'packages',
  'remotes',
];

export async function readRegistry(
  source: { name: string; url: string },
  previous: RegistryCopy | undefined,
  http: SourceHttp,
  options: RegistryReadOptions = {},
): Promise<RegistryRead> {
  const base = source.url.endsWith('/') ? source.url : `${source.url}/`;
  const limit = options.limit ?? 100;
  const maxPages = options.maxPages ?? 10_000;
  const maxEntries = options.maxEntries ?? 200_000;
  const now = options.now ?? new Date();
  const fresh =
    previous !== undefined && now.getTime() - Date.parse(previous.fullReadAt) < (options.fullEveryMs ?? 7 * 86_400_000);
  const since = fresh ? previous.updatedSince : undefined;
  const entries: Record<string, RegistryEntry> = since ? { ...previous!.entries } : {};
  const seenCursors = new Set<string>();
  let cursor: string | undefined;
  let pages = 0;
  let changed = 0;
  do {
    const query = new URLSearchParams({ limit: String(limit) });
    if (since) query.set('updated_since', since);
    if (cursor !== undefined) query.set('cursor', cursor);
    const url = `${base}v0.1/servers?${query}`;
    const page = parsePage(source.name, url, parseSourceJson(source.name, url, await http.get(url)));
    pages++;
    for (const entry of page.servers) {
      const key = `${entry.server.name}@${entry.server.version}`;
      changed++;
      if (officialMeta(entry)?.status === 'deleted') delete entries[key];
      else entries[key] = entry;
    }
    if (Object.keys(entries).length > maxEntries)
      throw new SourceError('source-too-large', source.name, `more than ${maxEntries} server versions.`);
    cursor = page.nextCursor;
    if (cursor !== undefined) {
      if (seenCursors.has(cursor))
        throw new SourceError(
          'source-malformed',
          source.name,
          `${url}: nextCursor ${cursor} was given before; the paging does not advance.`,
        );
      seenCursors.add(cursor);
      if (pages >= maxPages) throw new SourceError('source-too-large', source.name, `more than ${maxPages} pages.`);
    }
  } while (cursor !== undefined);
  const newest = Object.values(entries)
    .map((e) => officialMeta(e)?.updatedAt)
    .filter((t): t is string => typeof t === 'string' && !Number.isNaN(Date.parse(t)))
    .sort((a, b) => Date.parse(a) - Date.parse(b))
    .pop();
  // Without dates from the API, every read is a full one.
  const updatedSince = newest ?? (since && Object.keys(entries).length > 0 ? since : undefined);
  return {
    copy: {
      kind: 'registry',
      entries,
      ...(updatedSince ? { updatedSince } : {}),
      fullReadAt: since ? previous!.fullReadAt : now.toISOString(),
    },
    incremental: since !== undefined,
    pages,
    changed,
  };
}

function parsePage(source: string, url: string, body: unknown): { servers: RegistryEntry[]; nextCursor?: string } {
  const bad = (what: string) =>
    new SourceError(
      'source-malformed',
      source,
      `${url} is not an official ServerList: ${what}. Check that url is the API base, before v0.1/.`,
    );
  if (!isObject(body) || !Array.isArray(body.servers)) throw bad('no servers array');
  const metadata = isObject(body.metadata) ? body.metadata : {};
  const servers = body.servers.map((item, i) => {
    if (!isObject(item) || !isObject(item.server)) throw bad(`servers[${i}] has no server object`);
    const { name, version } = item.server;
    if (typeof name !== 'string' || typeof version !== 'string') throw bad(`servers[${i}] has no name and version`);
    return item as unknown as RegistryEntry;
  });
  const next = metadata.nextCursor;
  return { servers, ...(typeof next === 'string' && next !== '' ? { nextCursor: next } : {}) };
}

function officialMeta(
  entry: RegistryEntry,
): { status?: unknown; statusMessage?: unknown; publishedAt?: unknown; updatedAt?: unknown } | undefined {
  const meta = entry._meta?.[OFFICIAL_META_KEY];
  return isObject(meta) ? meta : undefined;
}

/**
 * The copy as listings, one server per name, each version a listing of the 2025-12-11 schema.
 * Only server.json's own keys are kept: the registry's `_meta` (its own publisher-provided data
 * included) is not this catalog's publisher metadata, and the validator would refuse it. A
 * deprecated version stays, marked so; deleted ones were removed by the read.
 */
export function registryServers(copy: RegistryCopy): SourceServer[] {
  const byName = new Map<string, SourceServer>();
  for (const key of Object.keys(copy.entries).sort()) {
    const entry = copy.entries[key]!;
    const listing = Object.fromEntries(
      LISTING_KEYS.filter((k) => entry.server[k] !== undefined).map((k) => [k, entry.server[k]]),
    );
    const official = officialMeta(entry);
    const name = entry.server.name;
    let server = byName.get(name);
    if (!server) byName.set(name, (server = { name, versions: [] }));
    server.versions.push({
      listing: { $schema: OFFICIAL_SCHEMA_ID, ...listing } as Listing,
      ...(typeof official?.publishedAt === 'string' ? { publishedAt: official.publishedAt } : {}),
    });
    if (official?.status === 'deprecated') {
      const status: ServerStatus = server.status ?? {};
      status.versions = {
        ...status.versions,
        [entry.server.version]: {
          status: 'deprecated',
          message:
            typeof official.statusMessage === 'string' && official.statusMessage !== ''
              ? official.statusMessage.slice(0, 500)
              : 'Deprecated in the source registry.',
        },
      };
      server.status = status;
    }
  }
  return [...byName.values()];
}
