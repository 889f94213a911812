/**
 * Merge sources (docs/sources.md), the pure part: what another catalog or a registry API gave,
 * turned into catalog files in memory, judged by the same validator as a pull request, filtered by
 * the source's include and exclude globs, and merged with the catalog's own listings.
 *
 * - The catalog's own listings always win; among sources the highest `priority` wins, a tie goes
 *   to the source listed first in the config. The losers are recorded (`alsoIn`).
 * - Names are compared case-insensitively, as the validator does (`name-case-collision`).
 * - A source's files get paths under `sources/<source>/`, outside `catalog/`, so a build log line,
 *   a bundle target or a model lookup can never be taken for a file of the repository.
 *
 * The winners then go through fetch, inspect, scan, sign and emit with the catalog's own files,
 * so every server in the index is scanned by this catalog's rule set and signed by its identity.
 */
import semver from 'semver';
import type { ResolvedConfig, ResolvedSource } from '../core/config.ts';
import { pointer, toIssue, type Issue } from '../core/issues.ts';
import type { CatalogPath } from '../core/layout.ts';
import { parseJson } from '../core/json-source.ts';
import { matchesPattern } from '../core/policy.ts';
import type {
  DeclaredCapabilities,
  Listing,
  ServerStatus,
  SourceAlternative,
  SourceState,
  TrustLevel,
} from '../core/schema-types.gen.ts';
import type { CatalogFile, LoadedCatalog } from './load.ts';
import { validateCatalog } from './validate.ts';

/** The name the catalog's own listings go by in `alsoIn`; no source may take it. */
export const LOCAL_SOURCE = 'local';
export const SOURCES_DIR = 'sources';

/** One server as a source gives it: every version a server.json-shaped listing. */
export interface SourceServer {
  name: string;
  versions: { listing: Listing; publishedAt?: string }[];
  status?: ServerStatus;
  /** Long description, published as the server's README. */
  readme?: string;
  tools?: DeclaredCapabilities;
}

/** A source's servers that passed its filters and validation. */
export interface PreparedSource {
  source: ResolvedSource;
  /** By lower-case name. */
  servers: Map<string, { name: string; files: CatalogFile[]; highest: string }>;
  /** When each listing entered the source, by file path. */
  publishedAt: Map<string, string>;
  /** Why entries were left out: warnings, with the source's file paths. */
  issues: Issue[];
}

/** The semantic checks of the `sources` config that its schema cannot express. */
export function sourceConfigIssues(config: ResolvedConfig, file = 'catalog.config.json'): Issue[] {
  const issues: Issue[] = [];
  const seen = new Map<string, number>();
  config.sources.forEach((source, i) => {
    if (source.type !== 'catalog' && source.type !== 'registry') return;
    const earlier = seen.get(source.name);
    if (earlier !== undefined)
      issues.push(
        toIssue(file, {
          code: 'source-duplicate-name',
          path: pointer('sources', i, 'name'),
          message: `Source name "${source.name}" is already used by sources[${earlier}]; each source needs its own name, which labels its servers.`,
        }),
      );
    else seen.set(source.name, i);
  });
  return issues;
}

const DOT_SEGMENT = /(^|\/)\.+(\/|$)/;

/**
 * A source's servers as catalog files, filtered and validated. An entry that the validator
 * rejects is left out with a warning naming the source and the validator's code; the rest of the
 * source is used.
 */
export function prepareSource(
  source: ResolvedSource,
  servers: readonly SourceServer[],
  config: CatalogFile | undefined,
): PreparedSource {
  const prefix = `${SOURCES_DIR}/${source.name}/servers`;
  const issues: Issue[] = [];
  const warn = (file: string, code: string, message: string, path = '') =>
    issues.push(toIssue(file, { code, path, message, severity: 'warning' }));
  const files: CatalogFile[] = [];
  const owner = new Map<string, string>();
  const publishedAt = new Map<string, string>();
  const claimed = new Set<string>();
  for (const server of servers) {
    const { name } = server;
    if (!wanted(source, name)) continue;
    const dir = `${prefix}/${name}`;
    // Names and versions become paths of dist/: nothing that could leave its folder.
    if (typeof name !== 'string' || DOT_SEGMENT.test(name) || name.split('/').length !== 2) {
      warn(dir, 'source-unsafe-name', `"${String(name)}" cannot be a server name; left out.`);
      continue;
    }
    if (claimed.has(name.toLowerCase())) {
      warn(dir, 'source-duplicate-server', `${name} is given twice by this source; the first is kept.`);
      continue;
    }
    claimed.add(name.toLowerCase());
    const add = (location: CatalogPath, value: unknown) => {
      const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2) + '\n';
      files.push(location.path.endsWith('.json') ? { location, text, json: parseJson(text) } : { location, text });
      owner.set(location.path, name);
    };
    for (const { listing, publishedAt: at } of server.versions) {
      const version = String(listing.version);
      if (DOT_SEGMENT.test(version) || version.includes('/')) {
        warn(dir, 'source-unsafe-name', `${name} version "${version}" cannot be a version; left out.`);
        continue;
      }
      const path = `${dir}/${version}.json`;
      add({ kind: 'listing', path, server: name, version }, listing);
      if (at && !Number.isNaN(Date.parse(at))) publishedAt.set(path, new Date(at).toISOString());
    }
    if (server.status) add({ kind: 'status', path: `${dir}/status.json`, server: name }, server.status);
    if (server.tools) add({ kind: 'tools', path: `${dir}/tools.json`, server: name }, server.tools);
    if (server.readme) add({ kind: 'readme', path: `${dir}/README.md`, server: name }, server.readme);
  }

  const catalog: LoadedCatalog = { inventory: files.map((f) => f.location), files, ...(config ? { config } : {}) };
  const { issues: found } = validateCatalog({ catalog });
  const rejectedFiles = new Set<string>();
  const rejectedServers = new Set<string>();
  for (const issue of found) {
    const name = owner.get(issue.file);
    if (name === undefined) continue; // the config's own issues are validate's to report
    if (issue.severity !== 'error') continue;
    const kind = files.find((f) => f.location.path === issue.file)?.location.kind;
    // A bad listing costs that version; a bad status, tools or README file the whole server:
    // without its status file a yanked version would come back.
    if (kind === 'listing') rejectedFiles.add(issue.file);
    else rejectedServers.add(name);
    warn(issue.file, issue.code, `left out: ${issue.message}`, issue.path);
  }

  const prepared = new Map<string, { name: string; files: CatalogFile[]; highest: string }>();
  for (const file of files) {
    const name = owner.get(file.location.path)!;
    if (rejectedServers.has(name) || rejectedFiles.has(file.location.path)) continue;
    const key = name.toLowerCase();
    const entry = prepared.get(key) ?? { name, files: [], highest: '' };
    entry.files.push(file);
    if (file.location.kind === 'listing' && higher(file.location.version, entry.highest))
      entry.highest = file.location.version;
    prepared.set(key, entry);
  }
  // A server whose every listing was left out is not offered at all.
  for (const [key, entry] of prepared) if (entry.highest === '') prepared.delete(key);
  for (const path of publishedAt.keys()) if (rejectedFiles.has(path)) publishedAt.delete(path);
  return { source, servers: prepared, publishedAt, issues };
}

function wanted(source: ResolvedSource, name: string): boolean {
  if (source.include.length > 0 && !source.include.some((p) => matchesPattern(p, name))) return false;
  return !source.exclude.some((p) => matchesPattern(p, name));
}

function higher(a: string, b: string): boolean {
  if (b === '') return true;
  const [va, vb] = [semver.valid(a), semver.valid(b)];
  if (va && vb) return semver.gt(va, vb);
  return Boolean(va) && !vb;
}

/** Where a published server came from, for the model. */
export interface ServerOrigin {
  /** The source's name; absent for the catalog's own listing. */
  origin?: string;
  /** The source's trust level, for a server that no curation file rates. */
  trust?: TrustLevel;
  /** The sources that lost, highest priority first. */
  alsoIn: SourceAlternative[];
}

export interface MergeOutput {
  /** The winning sources' files, to load beside the catalog's own. */
  files: CatalogFile[];
  /** By server name: the origin of every server a source gives, and the losers. */
  origins: Map<string, ServerOrigin>;
  /** When each source listing entered its source, by file path. */
  publishedAt: Map<string, string>;
  /** By source name: how many servers it offered after filters and validation. */
  offered: Map<string, number>;
}

/**
 * Merges the prepared sources into the catalog: the catalog's own servers win, then priority,
 * then config order.
 */
export function mergeSources(catalog: LoadedCatalog, sources: readonly PreparedSource[]): MergeOutput {
  const local = new Map<string, { name: string; highest: string }>();
  for (const { location } of catalog.files) {
    if (location.kind !== 'listing') continue;
    const key = location.server.toLowerCase();
    const entry = local.get(key) ?? { name: location.server, highest: '' };
    if (higher(location.version, entry.highest)) entry.highest = location.version;
    local.set(key, entry);
  }
  const ranked = [...sources].sort(
    (a, b) => b.source.priority - a.source.priority || a.source.position - b.source.position,
  );
  const keys = new Set(ranked.flatMap((s) => [...s.servers.keys()]));
  const output: MergeOutput = {
    files: [],
    origins: new Map(),
    publishedAt: new Map(),
    offered: new Map(sources.map((s) => [s.source.name, s.servers.size])),
  };
  for (const key of [...keys].sort()) {
    const givers = ranked.filter((s) => s.servers.has(key));
    const own = local.get(key);
    const alternatives = (list: readonly PreparedSource[]): SourceAlternative[] =>
      list.map((s) => ({ source: s.source.name, version: s.servers.get(key)!.highest }));
    if (own) {
      output.origins.set(own.name, { alsoIn: alternatives(givers) });
      continue;
    }
    const [winner, ...losers] = givers;
    const won = winner!.servers.get(key)!;
    output.files.push(...won.files);
    for (const file of won.files) {
      const at = winner!.publishedAt.get(file.location.path);
      if (at) output.publishedAt.set(file.location.path, at);
    }
    output.origins.set(won.name, {
      origin: winner!.source.name,
      trust: winner!.source.trust,
      alsoIn: alternatives(losers),
    });
  }
  return output;
}

/** The catalog with the merged sources' files beside its own: what fetch, scan and the model read. */
export function withSources(catalog: LoadedCatalog, merged: MergeOutput): LoadedCatalog {
  return {
    inventory: [...catalog.inventory, ...merged.files.map((f) => f.location)],
    files: [...catalog.files, ...merged.files],
    ...(catalog.config ? { config: catalog.config } : {}),
  };
}

/** What the index says of a source, before the model counts its servers. */
export type SourceReport = Omit<SourceState, 'servers'>;
