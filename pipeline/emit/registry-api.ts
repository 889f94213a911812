/**
 * The static registry API: the read endpoints of the official MCP Registry's v0.1 API as plain
 * files in dist/, laid out so that GitHub Pages answers the URLs that MCP clients build.
 * docs/registry-api.md holds the research behind each choice; the short version:
 *
 * - Clients put the server name into the path with encodeURIComponent (`io.github.o%2Fname`), and
 *   Pages decodes `%2F` before it looks for a file, so a server's files sit under `<ns>/<name>/`.
 * - Pages serves `dir/index.html` for `dir` (after a 301 to `dir/`) and never `index.json`, so each
 *   endpoint is a directory with an `index.html` whose bytes are the JSON response. VS Code parses
 *   any 2xx body as JSON whatever its Content-Type.
 * - Pages ignores query strings: `?cursor=` would return the first page again and a client that
 *   follows `nextCursor` would loop. So the list carries every server and never a `nextCursor`;
 *   `?version=latest`, which VS Code always sends, is what the list holds (latest versions only).
 *
 * Yanked versions are left out everywhere, as the official API leaves out `deleted` versions
 * unless asked (`include_deleted`, a query parameter a static host cannot honour).
 */
import type {
  Artifact,
  IndexServer,
  Package,
  Rating,
  RecordVersion,
  RemoteTransport,
  Repository,
  RulesetId,
  ServerDetail,
  ServerRecord,
  ServerStats,
  TrustLevel,
  Verdict,
} from '../core/schema-types.gen.ts';
import { OFFICIAL_SCHEMA_ID } from '../core/schema-files.ts';
import type { EmitModel, EmittedFile } from './types.ts';

/** The API version segment of every path, as clients request it. */
export const REGISTRY_API_PREFIX = 'v0.1/servers';
/** The official registry-managed key of a response's `_meta`. */
export const OFFICIAL_META_KEY = 'io.modelcontextprotocol.registry/official';
/** Our key in a response's `_meta`: what this catalog adds to a listing. */
export const CATALOG_META_KEY = 'dev.mcp-catalog/listing';
/** The file a static host serves for a directory URL. */
const DIRECTORY_INDEX = 'index.html';

/** `_meta["io.modelcontextprotocol.registry/official"]`, as the v0.1 OpenAPI defines it. */
export interface OfficialRegistryMeta {
  status: 'active' | 'deprecated' | 'deleted';
  statusMessage?: string;
  publishedAt: string;
  updatedAt: string;
  isLatest: boolean;
}

/** One bundle of a version, as the build found it. Links are absolute when the catalog has a base URL. */
export interface CatalogArtifactMeta {
  /** Index of the package in `server.packages`. */
  package: number;
  url: string;
  sha256: string;
  size?: number;
  status: Artifact['status'];
  publisherSignature?: Artifact['publisherSignature'];
  /** The sigstore bundle of this artifact's in-toto statement. */
  attestation?: string;
  scan?: { verdict: Verdict; ruleset: RulesetId; report: string; reportSha256: string };
}

/** `_meta["dev.mcp-catalog/listing"]`: the catalog's own facts about the server and this version. */
export interface CatalogListingMeta {
  /** The full per-server record (server-record.schema.json). */
  detail: string;
  trust: TrustLevel;
  trustNote?: string;
  featured?: boolean;
  category: string;
  tags: string[];
  status: ServerRecord['status'];
  statusMessage?: string;
  replacedBy?: string;
  rating: Rating;
  stats: ServerStats;
  version: {
    /** Never `yanked`: yanked versions are not published here. */
    status: RecordVersion['status'];
    statusMessage?: string;
    /** Worst scan verdict over the version's bundles; absent when it has none. */
    verdict?: Verdict;
    artifacts: CatalogArtifactMeta[];
  };
}

/** `ServerResponse` of the v0.1 OpenAPI: the server.json and the registry's metadata beside it. */
export interface ServerResponse {
  server: ServerDetail;
  _meta: { [OFFICIAL_META_KEY]: OfficialRegistryMeta; [CATALOG_META_KEY]: CatalogListingMeta };
}

/** `ServerList` of the v0.1 OpenAPI. `nextCursor` is never set: a static host cannot page. */
export interface ServerList {
  servers: ServerResponse[];
  metadata: { count: number };
}

export interface RegistryApiOptions {
  /**
   * Also write every server under a directory literally named `<ns>%2F<name>`, for hosts that look
   * up the raw, undecoded path (Apache with `AllowEncodedSlashes NoDecode`). GitHub Pages decodes
   * `%2F` and needs only the default layout; this doubles the per-server files.
   */
  literalEncodedNames?: boolean;
}

export type RegistryApiErrorCode =
  /** The index lists a server the model has no record for (or the record has another name). */
  | 'record-missing'
  /** A name that would not stay inside its directory, or would collide with an index file. */
  | 'unsafe-name'
  /** A version that is not a plain path segment, or is reserved (`latest`). */
  | 'unsafe-version'
  /** Two files at one path: the index lists a server twice. */
  | 'duplicate-path';

/** The model cannot be published as a registry API; `code` says why. Upstream validation should have caught it. */
export class RegistryApiError extends Error {
  override name = 'RegistryApiError';
  readonly code: RegistryApiErrorCode;
  constructor(code: RegistryApiErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The URL path of a server's directory, as a client builds it: the name through encodeURIComponent. */
export function encodedServerPath(name: string): string {
  return `${REGISTRY_API_PREFIX}/${encodeURIComponent(name)}`;
}

/** Every file of the static registry API, in a stable order; the same model gives the same bytes. */
export function emitRegistryApi(model: EmitModel, options: RegistryApiOptions = {}): EmittedFile[] {
  const link = linker(model.baseUrl);
  const files = new Map<string, string>();
  const add = (dir: string, body: ServerList | ServerResponse) => {
    const path = `${dir}/${DIRECTORY_INDEX}`;
    if (files.has(path))
      throw new RegistryApiError('duplicate-path', `Two files at ${path}: is a server listed twice?`);
    files.set(path, JSON.stringify(body));
  };

  const latest: ServerResponse[] = [];
  const perServer: { dirs: string[]; published: Published }[] = [];
  for (const entry of model.index.servers) {
    const record = model.records.get(entry.name);
    if (!record || record.name !== entry.name) {
      throw new RegistryApiError(
        'record-missing',
        `index.json lists ${entry.name} but the model has no record for it.`,
      );
    }
    const published = publishServer(entry, record, link);
    if (!published) continue; // every version is yanked: not in the registry at all
    latest.push(published.latest);
    const dirs = [serverDir(record.name)];
    if (options.literalEncodedNames) dirs.push(encodedServerPath(record.name));
    perServer.push({ dirs, published });
  }

  add(REGISTRY_API_PREFIX, { servers: latest, metadata: { count: latest.length } });
  for (const { dirs, published } of perServer) {
    for (const dir of dirs) {
      add(`${dir}/versions`, { servers: published.versions, metadata: { count: published.versions.length } });
      add(`${dir}/versions/latest`, published.latest);
      for (const response of published.versions) add(`${dir}/versions/${response.server.version}`, response);
    }
  }
  return [...files].map(([path, body]) => ({ path, body }));
}

interface Published {
  latest: ServerResponse;
  /** Newest publication first, as the official versions endpoint orders them. */
  versions: ServerResponse[];
}

/** The server's responses, or nothing when no version is published (all yanked). */
function publishServer(entry: IndexServer, record: ServerRecord, link: Linker): Published | undefined {
  checkName(record.name);
  const visible = record.versions.filter((v) => v.status !== 'yanked');
  // The record lists versions highest first; the highest one not yanked is the latest (index.schema.json).
  const latestVersion = visible[0];
  if (!latestVersion) return undefined;
  const responses = visible.map((version) => {
    checkVersion(record.name, version.version);
    return response(entry, record, version, version === latestVersion, link);
  });
  const versions = responses
    .map((r, i) => ({ r, i }))
    .sort(
      (a, b) =>
        compareDesc(a.r._meta[OFFICIAL_META_KEY].publishedAt, b.r._meta[OFFICIAL_META_KEY].publishedAt) || a.i - b.i,
    )
    .map(({ r }) => r);
  return { latest: responses[0]!, versions };
}

function response(
  entry: IndexServer,
  record: ServerRecord,
  version: RecordVersion,
  isLatest: boolean,
  link: Linker,
): ServerResponse {
  const statusMessage = version.statusMessage ?? record.statusMessage;
  const deprecated = version.status === 'deprecated' || record.status === 'deprecated';
  return {
    server: serverJson(record, version, link),
    _meta: {
      [OFFICIAL_META_KEY]: {
        status: deprecated ? 'deprecated' : 'active',
        ...(deprecated && statusMessage !== undefined ? { statusMessage } : {}),
        publishedAt: version.publishedAt,
        // Listings are immutable and status changes carry no date, so a version's entry last
        // changed when it was published; a build-time date would churn every file on every build.
        updatedAt: version.publishedAt,
        isLatest,
      },
      [CATALOG_META_KEY]: catalogMeta(entry, record, version, link),
    },
  };
}

/** The official server.json of one version, rebuilt from the record. */
function serverJson(record: ServerRecord, version: RecordVersion, link: Linker): ServerDetail {
  const repository = repositoryOf(record.source?.repository);
  const websiteUrl = httpUrl(record.source?.website);
  const packages = version.packages.map((p) => hostedPackage(p, link));
  const remotes: RemoteTransport[] = version.remotes;
  return {
    $schema: OFFICIAL_SCHEMA_ID,
    name: record.name,
    ...(record.title !== undefined ? { title: record.title } : {}),
    description: record.description,
    version: version.version,
    ...(repository ? { repository } : {}),
    ...(websiteUrl ? { websiteUrl } : {}),
    ...(packages.length > 0 ? { packages } : {}),
    ...(remotes.length > 0 ? { remotes } : {}),
  };
}

/** A catalog-hosted bundle's identifier is relative to index.json; a client needs a URL it can fetch. */
function hostedPackage(pkg: Package, link: Linker): Package {
  if (pkg.registryType !== 'mcpb' || isAbsolute(pkg.identifier)) return pkg;
  return { ...pkg, identifier: link(pkg.identifier) };
}

function catalogMeta(
  entry: IndexServer,
  record: ServerRecord,
  version: RecordVersion,
  link: Linker,
): CatalogListingMeta {
  const verdict = worst(version.artifacts.flatMap((a) => (a.scan ? [a.scan.verdict] : [])));
  return {
    detail: link(entry.detail.path),
    trust: record.trust,
    ...(record.trustNote !== undefined ? { trustNote: record.trustNote } : {}),
    ...(record.featured !== undefined ? { featured: record.featured } : {}),
    category: record.category,
    tags: record.tags,
    status: record.status,
    ...(record.statusMessage !== undefined ? { statusMessage: record.statusMessage } : {}),
    ...(record.replacedBy !== undefined ? { replacedBy: record.replacedBy } : {}),
    rating: record.rating,
    stats: record.stats ?? {},
    version: {
      status: version.status,
      ...(version.statusMessage !== undefined ? { statusMessage: version.statusMessage } : {}),
      ...(verdict ? { verdict } : {}),
      artifacts: version.artifacts.map((a) => artifactMeta(a, link)),
    },
  };
}

function artifactMeta(artifact: Artifact, link: Linker): CatalogArtifactMeta {
  return {
    package: artifact.package,
    url: link(artifact.url),
    sha256: artifact.sha256,
    ...(artifact.size !== undefined ? { size: artifact.size } : {}),
    status: artifact.status,
    ...(artifact.publisherSignature ? { publisherSignature: artifact.publisherSignature } : {}),
    ...(artifact.attestation !== undefined ? { attestation: link(artifact.attestation) } : {}),
    ...(artifact.scan
      ? {
          scan: {
            verdict: artifact.scan.verdict,
            ruleset: artifact.scan.ruleset,
            report: link(artifact.scan.report.path),
            reportSha256: artifact.scan.report.sha256,
          },
        }
      : {}),
  };
}

const VERDICT_RANK: Record<Verdict, number> = { pass: 0, review: 1, reject: 2 };
function worst(verdicts: readonly Verdict[]): Verdict | undefined {
  return verdicts.reduce<Verdict | undefined>(
    (w, v) => (w === undefined || VERDICT_RANK[v] > VERDICT_RANK[w] ? v : w),
    undefined,
  );
}

/**
 * The record keeps only the repository URL (ServerSource.repository), so `source` is derived from
 * its host the way the official registry names forges; an unknown forge is named by its host.
 */
function repositoryOf(url: string | undefined): Repository | undefined {
  const parsed = httpUrl(url);
  if (!parsed) return undefined;
  const host = new URL(parsed).hostname.toLowerCase();
  const forge = ['github', 'gitlab', 'bitbucket'].find((f) => host === `${f}.com` || host === `${f}.org`);
  return { url: parsed, source: forge ?? host };
}

/** The value when it is an absolute http(s) URL (the official schema wants `format: uri`), else nothing. */
function httpUrl(value: string | undefined): string | undefined {
  if (value === undefined || !URL.canParse(value)) return undefined;
  const { protocol } = new URL(value);
  return protocol === 'https:' || protocol === 'http:' ? value : undefined;
}

type Linker = (path: string) => string;

/** Paths in the model are relative to index.json (the dist root); with a base URL they become absolute. */
function linker(baseUrl: string | undefined): Linker {
  return (path) => (baseUrl === undefined || isAbsolute(path) ? path : new URL(path, baseUrl).href);
}

const isAbsolute = (value: string) => /^[a-z][a-z0-9+.-]*:/i.test(value);
const compareDesc = (a: string, b: string) => Date.parse(b) - Date.parse(a);

/** The directory of a server: the decoded form of the URL path, which is how Pages resolves it. */
function serverDir(name: string): string {
  return `${REGISTRY_API_PREFIX}/${name}`;
}

const NAME = /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/;
const VERSION_SEGMENT = /^[0-9A-Za-z][0-9A-Za-z.+_-]*$/;

/**
 * The name becomes two directories. The official pattern admits `..` and `.hidden` segments, which
 * would leave the API directory or be dropped by Jekyll, and a namespace `index.html`, which is the
 * list's own file.
 */
function checkName(name: string): void {
  const segments = name.split('/');
  if (!NAME.test(name) || segments.some((s) => s.startsWith('.')) || segments[0] === DIRECTORY_INDEX) {
    throw new RegistryApiError(
      'unsafe-name',
      `Server name ${JSON.stringify(name)} cannot be a registry path: use <reverse-dns>/<name> with segments that do not start with a dot.`,
    );
  }
}

/** The version becomes a directory beside `latest/` and the versions list's `index.html`. */
function checkVersion(name: string, version: string): void {
  if (!VERSION_SEGMENT.test(version) || version === 'latest' || version === DIRECTORY_INDEX) {
    throw new RegistryApiError(
      'unsafe-version',
      `Version ${JSON.stringify(version)} of ${name} cannot be a registry path: versions must be semver (letters, digits, . + _ -) and not "latest".`,
    );
  }
}
