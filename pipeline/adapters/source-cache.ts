/**
 * Reads every merge source and keeps its last good copy (docs/sources.md, "When a source is
 * down"): `.cache/sources/<name>.json`, which publish.yml's actions/cache restores with the rest
 * of `.cache/`. A read that fails, for whatever reason, leaves the copy as it was and marks the
 * source stale since the first failure after its last good read; the next good read clears it.
 * A source is never dropped for being down.
 *
 * The copies are written by builds of the default branch only: actions/cache scopes what a
 * pull request's run saves to that pull request.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ResolvedSource } from '../core/config.ts';
import type { CatalogIndex, SourceState } from '../core/schema-types.gen.ts';
import { matchesPattern } from '../core/policy.ts';
import type { SourceReport, SourceServer } from '../stages/sources.ts';
import { catalogServers, readCatalogSource, sourceTrustPolicy, type CatalogCopy } from './source-catalog.ts';
import { SourceError, sourceHttp, type SourceHttpOptions } from './source-http.ts';
import { readRegistry, registryServers, type RegistryCopy } from './source-registry.ts';
import type { TrustedRootJson } from './sigstore-verify.ts';

/** One source's file in `.cache/sources/`. */
export interface SourceCacheEntry {
  format: 1;
  kind: 'catalog' | 'registry';
  url: string;
  lastGoodAt?: string;
  stale?: NonNullable<SourceState['stale']>;
  copy?: CatalogCopy | RegistryCopy;
}

export interface RefreshOptions {
  /** Repository root: public keys named by `identity.publicKey` are relative to it. */
  root: string;
  /** Where the copies live, `.cache/sources`. */
  cacheDir: string;
  now: Date;
  /** Use the copies without reading any source (`--offline`): nothing is marked stale. */
  offline?: boolean;
  /** The index published last time: when the cache is gone, a source's stale date continues from it. */
  previous?: CatalogIndex;
  /** This catalog's category ids: a catalog source's other categories become `other`. */
  categories: ReadonlySet<string>;
  http?: Omit<SourceHttpOptions, 'env'>;
  env?: NodeJS.ProcessEnv;
  /** The sigstore root for keyless identities; the public-good one through TUF by default. */
  loadTrustedRoot?: () => Promise<TrustedRootJson>;
}

export interface RefreshedSource {
  source: ResolvedSource;
  servers: SourceServer[];
  report: SourceReport;
  /** What the build log says about it. */
  note: string;
}

const entryPath = (cacheDir: string, name: string) => join(cacheDir, `${name}.json`);

export async function readSourceCache(cacheDir: string, name: string): Promise<SourceCacheEntry | undefined> {
  try {
    const entry = JSON.parse(await readFile(entryPath(cacheDir, name), 'utf8')) as SourceCacheEntry;
    return entry.format === 1 ? entry : undefined;
  } catch {
    // Missing or unreadable: the source is read afresh.
    return undefined;
  }
}

async function writeSourceCache(cacheDir: string, name: string, entry: SourceCacheEntry): Promise<void> {
  const path = entryPath(cacheDir, name);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, JSON.stringify(entry));
  await rename(temporary, path);
}

export async function refreshSources(
  sources: readonly ResolvedSource[],
  options: RefreshOptions,
): Promise<RefreshedSource[]> {
  const out: RefreshedSource[] = [];
  for (const source of sources) out.push(await refreshSource(source, options));
  return out;
}

async function refreshSource(source: ResolvedSource, options: RefreshOptions): Promise<RefreshedSource> {
  const published = options.previous?.sources?.find((s) => s.name === source.name);
  const cached = await readSourceCache(options.cacheDir, source.name);
  // A copy of another kind or URL is another source's: it is not used.
  let entry: SourceCacheEntry =
    cached && cached.kind === source.type && cached.url === source.url
      ? cached
      : { format: 1, kind: source.type, url: source.url };
  let note: string;
  if (options.offline) {
    note = `offline: using the copy of ${entry.lastGoodAt ?? 'never (no copy)'}`;
  } else {
    try {
      const read = await readOnce(source, entry, options);
      entry = { format: 1, kind: source.type, url: source.url, lastGoodAt: options.now.toISOString(), copy: read.copy };
      note = read.note;
    } catch (error) {
      const code = error instanceof SourceError ? error.code : 'source-failed';
      const reason =
        error instanceof SourceError ? error.message : `source ${source.name}: ${(error as Error).message}`;
      const since =
        entry.stale?.since ?? (entry.copy ? undefined : published?.stale?.since) ?? options.now.toISOString();
      entry = { ...entry, stale: { since, reason, code } };
      note = `stale since ${since} [${code}]: ${reason}; kept the copy of ${entry.lastGoodAt ?? 'never (no copy)'}`;
    }
    await writeSourceCache(options.cacheDir, source.name, entry);
  }
  const servers = !entry.copy
    ? []
    : entry.copy.kind === 'registry'
      ? registryServers(entry.copy)
      : catalogServers(entry.copy, source.url, options.categories);
  // Only a copy's own date: a date from the published index without the copy would claim servers it does not have.
  const lastGoodAt = entry.lastGoodAt;
  return {
    source,
    servers,
    report: {
      name: source.name,
      kind: source.type,
      url: source.url,
      ...(lastGoodAt ? { lastGoodAt } : {}),
      ...(entry.stale ? { stale: entry.stale } : {}),
    },
    note,
  };
}

async function readOnce(
  source: ResolvedSource,
  entry: SourceCacheEntry,
  options: RefreshOptions,
): Promise<{ copy: CatalogCopy | RegistryCopy; note: string }> {
  const http = sourceHttp(source, { ...options.http, ...(options.env ? { env: options.env } : {}) });
  if (source.type === 'registry') {
    const previous = entry.copy?.kind === 'registry' ? entry.copy : undefined;
    const read = await readRegistry(source, previous, http, { now: options.now });
    return {
      copy: read.copy,
      note: `${read.incremental ? `updated since ${previous!.updatedSince}` : 'read in full'}: ${read.pages} pages, ${read.changed} entries, ${Object.keys(read.copy.entries).length} versions`,
    };
  }
  const policy = await sourceTrustPolicy(
    source as Extract<ResolvedSource, { type: 'catalog' }>,
    options.root,
    options.env,
    options.loadTrustedRoot,
  );
  const wanted = (name: string) =>
    (source.include.length === 0 || source.include.some((p) => matchesPattern(p, name))) &&
    !source.exclude.some((p) => matchesPattern(p, name));
  const read = await readCatalogSource(source, entry.copy?.kind === 'catalog' ? entry.copy : undefined, http, {
    policy,
    now: options.now,
    wanted,
  });
  return {
    copy: read.copy,
    note: `verified serial ${read.copy.serial}: ${read.fetched} server files fetched, ${read.reused} unchanged`,
  };
}
