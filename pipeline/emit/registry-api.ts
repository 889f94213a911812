/**
 * The static registry API: the read endpoints of the official MCP Registry's v0.1 API as plain
 * files in dist/, laid out so that static hosts answer the URLs MCP clients build with a 200 and
 * never a redirect. docs/registry-api.md holds the research behind each choice; in short:
 *
 * - Newer VS Code fetches one server with `followRedirects: 0`, so no endpoint may be a directory
 *   (`dir` → 301 `dir/`). Single responses are extensionless files at the exact request path:
 *   `…/versions/latest`, `…/versions/1.2.0`.
 * - `v0.1/servers` and `…/versions` must also be directories (the per-server paths live under
 *   them), so those two lists are written as `servers.html` and `versions.html`: GitHub Pages,
 *   Netlify and Cloudflare Pages all answer `/x` with `x.html` when both `x.html` and `x/` exist.
 *   A copy at `x/index.html` answers `/x/`.
 * - Clients encode the name (`io.github.o%2Fname`). GitHub Pages and S3 decode `%2F` before the
 *   lookup, so a server's files sit under `<ns>/<name>/`; `literalEncodedNames` adds a copy under
 *   a directory literally named `<ns>%2F<name>` for hosts that look up the raw path.
 * - Static hosts ignore the query string, so a list never carries a `nextCursor` (a client would
 *   loop) and holds every server at its latest version (what `?version=latest` asks for). Search,
 *   paging, `updated_since` and `include_deleted` are the edge function's (edge/worker.ts).
 *
 * Every version keeps its file, with the official status: deprecated stays `deprecated`, yanked
 * becomes `deleted` (the official API's word for a removed version). Lists leave deleted versions
 * out, as the official API does unless asked with `include_deleted`.
 */
import type {
  Artifact,
  Icon,
  IndexServer,
  Listing,
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
import type { EmitModel, EmittedFile } from './types.ts';
import { worstVerdict } from '../core/version-summary.ts';

/** `$schema` of every server.json we publish (schema-files.ts has the same id; this file stays free of Node modules). */
export const SERVER_SCHEMA_ID = 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json';
/** The API version segment of every path, as clients request it. */
export const REGISTRY_API_PREFIX = 'v0.1/servers';
/** The official registry-managed key of a response's `_meta`. */
export const OFFICIAL_META_KEY = 'io.modelcontextprotocol.registry/official';
/** The publisher-provided key of a server.json's `_meta`, where VS Code reads the `github` block. */
export const PUBLISHER_PROVIDED_KEY = 'io.modelcontextprotocol.registry/publisher-provided';
/** Our key in a response's `_meta`: what this catalog adds to a listing. */
export const CATALOG_META_KEY = 'dev.mcp-catalog/listing';
/** The file a static host serves for a directory URL with a trailing slash. */
const DIRECTORY_INDEX = 'index.html';
/** The suffix a static host adds to find the file for an extensionless URL (`/x` → `x.html`). */
const HTML = '.html';
/** Package types VS Code's gallery can install (mcpGalleryService.ts); it drops the others (microsoft/vscode#290110). */
export const VSCODE_REGISTRY_TYPES: ReadonlySet<string> = new Set(['npm', 'pypi', 'oci', 'nuget']);

/** `_meta["io.modelcontextprotocol.registry/official"]`, as the v0.1 OpenAPI defines it. */
export interface OfficialRegistryMeta {
  status: 'active' | 'deprecated' | 'deleted';
  statusMessage?: string;
  statusChangedAt?: string;
  publishedAt: string;
  updatedAt: string;
  isLatest: boolean;
}

/** One bundle of a version, as the build found it. Links are absolute on the catalog's base URL. */
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
    /** The catalog's own word: `yanked` where the official status says `deleted`. */
    status: RecordVersion['status'];
    statusMessage?: string;
    /** Worst scan verdict over the version's bundles; absent when it has none. */
    verdict?: Verdict;
    artifacts: CatalogArtifactMeta[];
  };
}

/** The `github` block of the publisher-provided `_meta` that VS Code's gallery reads (IGitHubInfo). */
export interface GitHubInfo {
  name?: string;
  nameWithOwner?: string;
  license?: string;
  ownerAvatarUrl?: string;
  readme?: string;
  stargazerCount?: number;
  topics?: string[];
}

/** `ServerResponse` of the v0.1 OpenAPI: the server.json and the registry's metadata beside it. */
export interface ServerResponse {
  server: ServerDetail;
  _meta: { [OFFICIAL_META_KEY]: OfficialRegistryMeta; [CATALOG_META_KEY]: CatalogListingMeta };
}

/** `ServerList` of the v0.1 OpenAPI. The static lists never set `nextCursor`; the edge function does. */
export interface ServerList {
  servers: ServerResponse[];
  metadata: { count: number; nextCursor?: string };
}

/** What the registry API reads beyond the records: the listings as written, and status dates. */
export interface RegistryApiModel extends EmitModel {
  /** Listings by server name and version: icons, repository id and subfolder live only here. */
  listings?: ReadonlyMap<string, ReadonlyMap<string, Listing>>;
  /** When each server's status.json last changed (git), by server name: `statusChangedAt`. */
  statusChangedAt?: ReadonlyMap<string, string>;
}

export interface RegistryApiOptions {
  /**
   * Also write every server under a directory literally named `<ns>%2F<name>`, for hosts that look
   * up the raw, undecoded path. GitHub Pages and S3 decode `%2F` and need only the default layout;
   * this doubles the per-server files.
   */
  literalEncodedNames?: boolean;
}

export type RegistryApiErrorCode =
  /** The catalog has no `baseUrl`: bundle and report links would be relative, which no client can fetch. */
  | 'base-url-missing'
  /** The index lists a server the model has no record for (or the record has another name). */
  | 'record-missing'
  /** A name that would not stay inside its directory, or would collide with an index file. */
  | 'unsafe-name'
  /** A version that is not a plain path segment, or is reserved (`latest`, `index.html`). */
  | 'unsafe-version'
  /** Two files at one path: the index lists a server twice. */
  | 'duplicate-path';

/** The model cannot be published as a registry API; `code` says why. */
export class RegistryApiError extends Error {
  override name = 'RegistryApiError';
  readonly code: RegistryApiErrorCode;
  constructor(code: RegistryApiErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** How a build treats the registry API, from the base URL and whether it publishes (signs for real). */
export type RegistryApiPlan = { emit: true } | { emit: false; warning: string } | { emit: false; error: string };

/**
 * The baseUrl rule: the API is only useful with absolute links, so a publishing build (keyless or
 * key signing) without `baseUrl` fails, and a local (dev-signed) one leaves the API out and says so.
 */
export function registryApiPlan(baseUrl: string | undefined, publishing: boolean): RegistryApiPlan {
  if (baseUrl !== undefined) return { emit: true };
  const why =
    'catalog.config.json has no baseUrl, so the registry API (dist/v0.1/, dist/openapi.yaml) would link bundles relatively, which no MCP client can download';
  const fix = 'Set "baseUrl" to the URL where dist/ is served, e.g. "https://OWNER.github.io/REPO/".';
  return publishing
    ? { emit: false, error: `${why}. ${fix}` }
    : { emit: false, warning: `registry API left out: ${why}. ${fix}` };
}

/** The URL path of a server's directory, as a client builds it: the name through encodeURIComponent. */
export function encodedServerPath(name: string): string {
  return `${REGISTRY_API_PREFIX}/${encodeURIComponent(name)}`;
}

/** Where the static API keeps a server's files: the decoded form of the URL path. */
export function serverDir(name: string): string {
  return `${REGISTRY_API_PREFIX}/${name}`;
}

/**
 * JSON that no browser can read as markup: `<`, `>` and `&` as \u escapes (still the same JSON).
 * The list files are `servers.html` so that static hosts answer `/v0.1/servers` without a
 * redirect, and they serve them as text/html with none of the site's CSP: unescaped, a
 * listing's `<script>` in a description would run on the catalog's origin.
 */
export function markupSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The file of one version (or `latest`), under a server's directory; the edge function reads it. */
export const versionFile = (dir: string, version: string) => `${dir}/versions/${version}`;

/** Every file of the static registry API, in a stable order; the same model gives the same bytes. */
export function emitRegistryApi(model: RegistryApiModel, options: RegistryApiOptions = {}): EmittedFile[] {
  const files = new Map<string, string>();
  const add = (path: string, body: ServerList | ServerResponse) => {
    if (files.has(path))
      throw new RegistryApiError('duplicate-path', `Two files at ${path}: is a server listed twice?`);
    files.set(path, markupSafeJson(body));
  };
  const list = (path: string, servers: ServerResponse[]) => {
    const body: ServerList = { servers, metadata: { count: servers.length } };
    add(`${path}${HTML}`, body);
    add(`${path}/${DIRECTORY_INDEX}`, body);
  };

  const servers = publishRegistry(model);
  list(
    REGISTRY_API_PREFIX,
    servers.flatMap((s) => (s.latest ? [s.latest] : [])),
  );
  for (const server of servers) {
    const dirs = [serverDir(server.name)];
    if (options.literalEncodedNames) dirs.push(encodedServerPath(server.name));
    for (const dir of dirs) {
      const listed = server.versions.filter((r) => r._meta[OFFICIAL_META_KEY].status !== 'deleted');
      if (listed.length > 0) list(`${dir}/versions`, listed);
      if (server.latest) add(versionFile(dir, 'latest'), server.latest);
      for (const response of server.versions) add(versionFile(dir, response.server.version), response);
    }
  }
  return [...files].map(([path, body]) => ({ path, body }));
}

/** One server as the API publishes it. */
export interface PublishedServer {
  name: string;
  /** The highest version that is not yanked; none when every version is. */
  latest: ServerResponse | undefined;
  /** Every version, deleted ones included, newest publication first (the official order). */
  versions: ServerResponse[];
}

/** The responses of every server of the model, in index order. Pure. */
export function publishRegistry(model: RegistryApiModel): PublishedServer[] {
  if (model.baseUrl === undefined) {
    throw new RegistryApiError(
      'base-url-missing',
      "The registry API needs the catalog's baseUrl: its bundle and report links must be absolute.",
    );
  }
  const link = linker(model.baseUrl);
  return model.index.servers.map((entry) => {
    const record = model.records.get(entry.name);
    if (!record || record.name !== entry.name) {
      throw new RegistryApiError(
        'record-missing',
        `index.json lists ${entry.name} but the model has no record for it.`,
      );
    }
    checkName(record.name);
    const listings = model.listings?.get(record.name);
    const changedAt = model.statusChangedAt?.get(record.name);
    // The record lists versions highest first; the highest one not yanked is the latest (index.schema.json).
    const latestVersion = record.versions.find((v) => v.status !== 'yanked');
    const responses = record.versions.map((version) => {
      checkVersion(record.name, version.version);
      return response(
        entry,
        record,
        version,
        version === latestVersion,
        listings?.get(version.version),
        changedAt,
        link,
      );
    });
    const versions = responses
      .map((r, i) => ({ r, i }))
      .sort(
        (a, b) =>
          compareDesc(a.r._meta[OFFICIAL_META_KEY].publishedAt, b.r._meta[OFFICIAL_META_KEY].publishedAt) || a.i - b.i,
      )
      .map(({ r }) => r);
    const latestIndex = latestVersion ? record.versions.indexOf(latestVersion) : -1;
    return { name: record.name, latest: latestIndex >= 0 ? responses[latestIndex] : undefined, versions };
  });
}

/** A server VS Code's gallery lists but cannot install, and why: the build log names them. */
export interface VsCodeGap {
  name: string;
  version: string;
  reason: string;
}

/**
 * The latest versions that VS Code cannot install: it installs npm, PyPI, OCI and NuGet packages
 * and remotes, and drops a server with none of them (its gallery has no MCPB install path).
 */
export function vscodeGaps(model: Pick<EmitModel, 'index' | 'records'>): VsCodeGap[] {
  const gaps: VsCodeGap[] = [];
  for (const entry of model.index.servers) {
    const record = model.records.get(entry.name);
    const latest = record?.versions.find((v) => v.status !== 'yanked');
    if (!latest) continue;
    if (latest.remotes.length > 0 || latest.packages.some((p) => VSCODE_REGISTRY_TYPES.has(p.registryType))) continue;
    const types = [...new Set(latest.packages.map((p) => p.registryType))];
    gaps.push({
      name: entry.name,
      version: latest.version,
      reason:
        types.length === 0
          ? 'the listing declares no package and no remote'
          : `only ${types.join(', ')} packages, which VS Code cannot install (microsoft/vscode#290110); declare the upstream npm, PyPI or OCI package beside the bundle`,
    });
  }
  return gaps;
}

function response(
  entry: IndexServer,
  record: ServerRecord,
  version: RecordVersion,
  isLatest: boolean,
  listing: Listing | undefined,
  statusChangedAt: string | undefined,
  link: Linker,
): ServerResponse {
  const status = officialStatus(record, version);
  const statusMessage = status === 'active' ? undefined : (version.statusMessage ?? record.statusMessage);
  // A status is a change after publication; its date is when status.json last changed, and the
  // entry was last updated then. Without a status, a listing never changes after it is published.
  const changedAt =
    status !== 'active' &&
    statusChangedAt !== undefined &&
    Date.parse(statusChangedAt) > Date.parse(version.publishedAt)
      ? statusChangedAt
      : undefined;
  return {
    server: serverJson(record, version, listing, link),
    _meta: {
      [OFFICIAL_META_KEY]: {
        status,
        ...(statusMessage !== undefined ? { statusMessage } : {}),
        ...(changedAt !== undefined ? { statusChangedAt: changedAt } : {}),
        publishedAt: version.publishedAt,
        updatedAt: changedAt ?? version.publishedAt,
        isLatest,
      },
      [CATALOG_META_KEY]: catalogMeta(entry, record, version, link),
    },
  };
}

function officialStatus(record: ServerRecord, version: RecordVersion): OfficialRegistryMeta['status'] {
  if (version.status === 'yanked') return 'deleted';
  return version.status === 'deprecated' || record.status === 'deprecated' ? 'deprecated' : 'active';
}

/** The official server.json of one version, rebuilt from the record and the listing. */
function serverJson(
  record: ServerRecord,
  version: RecordVersion,
  listing: Listing | undefined,
  link: Linker,
): ServerDetail {
  const repository = repositoryOf(record.source?.repository, listing?.repository);
  const websiteUrl = httpUrl(record.source?.website);
  const packages = version.packages.map((p) => hostedPackage(p, link));
  const remotes: RemoteTransport[] = version.remotes;
  const icons = iconsOf(listing);
  const github = githubInfo(record, repository, icons.length > 0);
  return {
    $schema: SERVER_SCHEMA_ID,
    name: record.name,
    ...(record.title !== undefined ? { title: record.title } : {}),
    description: record.description,
    version: version.version,
    ...(repository ? { repository } : {}),
    ...(websiteUrl ? { websiteUrl } : {}),
    ...(icons.length > 0 ? { icons } : {}),
    ...(packages.length > 0 ? { packages } : {}),
    ...(remotes.length > 0 ? { remotes } : {}),
    ...(github ? { _meta: { [PUBLISHER_PROVIDED_KEY]: { github } } } : {}),
  };
}

/** The listing's icons that the official schema accepts (https, at most 255 characters). */
function iconsOf(listing: Listing | undefined): Icon[] {
  return (listing?.icons ?? []).filter((icon) => icon.src.length <= 255 && icon.src.startsWith('https://'));
}

/**
 * What VS Code shows beside a server: the README (our long description), licence, stars and
 * topics; for a GitHub repository also its name, which VS Code turns into the display name and
 * publisher, and the owner's avatar, which it shows as the icon when the listing has none.
 */
function githubInfo(
  record: ServerRecord,
  repository: Repository | undefined,
  hasIcons: boolean,
): GitHubInfo | undefined {
  const repo =
    repository?.source === 'github'
      ? /^https?:\/\/github\.com\/([^/]+)\/([^/#?]+?)(?:\.git)?\/?$/i.exec(repository.url)
      : null;
  const info: GitHubInfo = {
    ...(repo ? { name: repo[2]!, nameWithOwner: `${repo[1]}/${repo[2]}` } : {}),
    ...(record.license !== undefined && record.license !== 'NOASSERTION' ? { license: record.license } : {}),
    ...(repo && !hasIcons ? { ownerAvatarUrl: `https://github.com/${repo[1]}.png` } : {}),
    ...(record.longDescription ? { readme: record.longDescription } : {}),
    ...(record.stats?.stars ? { stargazerCount: record.stats.stars.value } : {}),
    ...(record.tags.length > 0 ? { topics: record.tags } : {}),
  };
  return Object.keys(info).length > 0 ? info : undefined;
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
  // Votes per reviewer are the site's and the next build's business, not a registry client's.
  const { reviewVotes: _votes, ...stats } = record.stats ?? {};
  // As index.json says it: a bundle the build could not verify counts as reject.
  const verdict = worstVerdict(version.artifacts);
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
    stats,
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

/**
 * The listing's repository when it has one (it keeps `id` and `subfolder`); else one derived from
 * the record's URL, with `source` named after the host the way the official registry names forges.
 */
function repositoryOf(url: string | undefined, declared: Repository | undefined): Repository | undefined {
  const parsed = httpUrl(declared?.url ?? url);
  if (!parsed) return undefined;
  if (declared && declared.url === parsed) return declared;
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

/** Paths in the model are relative to index.json (the dist root); the API makes them absolute. */
function linker(baseUrl: string): Linker {
  return (path) => (isAbsolute(path) ? path : new URL(path, baseUrl).href);
}

const isAbsolute = (value: string) => /^[a-z][a-z0-9+.-]*:/i.test(value);
const compareDesc = (a: string, b: string) => Date.parse(b) - Date.parse(a);

const NAME = /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/;
const VERSION_SEGMENT = /^[0-9A-Za-z][0-9A-Za-z.+_-]*$/;

/**
 * The name becomes two directories. The official pattern admits `..` and `.hidden` segments, which
 * would leave the API directory or be dropped by Jekyll, and a namespace `index.html`, which is the
 * list's own file.
 */
function checkName(name: string): void {
  const segments = name.split('/');
  if (
    !NAME.test(name) ||
    segments.some((s) => s.startsWith('.')) ||
    segments[0] === DIRECTORY_INDEX ||
    segments.some((s) => s.endsWith(HTML))
  ) {
    throw new RegistryApiError(
      'unsafe-name',
      `Server name ${JSON.stringify(name)} cannot be a registry path: use <reverse-dns>/<name> with segments that neither start with a dot nor end in .html.`,
    );
  }
}

/** The version becomes a file beside `latest` and the versions list's `index.html`. */
function checkVersion(name: string, version: string): void {
  if (!VERSION_SEGMENT.test(version) || version === 'latest' || version === DIRECTORY_INDEX) {
    throw new RegistryApiError(
      'unsafe-version',
      `Version ${JSON.stringify(version)} of ${name} cannot be a registry path: versions must be semver (letters, digits, . + _ -) and not "latest".`,
    );
  }
}
