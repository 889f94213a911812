/**
 * The registry API's real clients, reduced to the requests they send and the checks they make on
 * the answers, for replay against the static build (pages-host.ts) and the edge function:
 *
 * - VS Code's MCP gallery, in two generations (microsoft/vscode src/vs/platform/mcp/common/):
 *   - `legacy`: mcpGalleryService.ts @ e24a16c3. Redirects followed (three at most, the request
 *     service's default); any 4xx from a single-server lookup means "not in the registry".
 *   - `current`: mcpGalleryService.ts as of the test suite that asserts `followRedirects: 0` for a
 *     lookup ("does not follow redirects when requesting a gallery server"): a redirect is an
 *     error, only a 404 means "not found", unsupported packages (mcpb) are dropped and a server
 *     left with no package and no remote is skipped.
 *   Both: the base URL loses a trailing `/`; the version probe is `<base>/v0.1/servers?limit=1`
 *   (mcpGalleryManifestService.ts getVersion); the list is `?limit=50&version=latest`, then
 *   `&cursor=<nextCursor>` appended unencoded and without the search text; a search adds
 *   `&search=<encodeURIComponent(text)>`; a lookup is `<servers>/<encodeURIComponent(name)>/versions/latest`.
 * - ToolHive (stacklok/toolhive @ e25de16c): pkg/config/registry.go probeRegistryURL (API when
 *   `/v0.1/servers?limit=1&version=latest` answers 2xx with an `application/json` ServerList), and
 *   pkg/registry/api/client.go: GetServer (`url.PathEscape(name)`), ListServers (limit 100,
 *   version=latest, cursors until none, at most 10,000 servers), SearchServers, ValidateEndpoint
 *   (`<base>/openapi.yaml` with info.version 1.0.0 and the official repository URL). Go's client
 *   follows redirects (ten at most) and encodes query parameters sorted by key.
 *
 * Every answer goes through `onResponse`, where the tests validate it against the official OpenAPI.
 */
import { request } from 'node:http';
import { parse } from 'yaml';

export interface Answer {
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export type ResponseHook = (answer: Answer) => void;

/** One GET as a node client sends it: the path exactly as built (no normalisation of `%2F`). */
export function rawGet(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const { hostname, port, pathname, search } = new URL(url);
  return new Promise((resolve, reject) => {
    request({ hostname, port, path: pathname + search, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          url,
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}

/** GET following up to `redirects` redirects to their Location, as VS Code's and Go's clients do. */
export async function followingGet(url: string, redirects: number, hook?: ResponseHook): Promise<Answer> {
  let answer = await rawGet(url);
  let left = redirects;
  while (answer.status >= 300 && answer.status < 400 && typeof answer.headers.location === 'string' && left > 0) {
    answer = await rawGet(new URL(answer.headers.location, answer.url).href);
    left--;
  }
  hook?.(answer);
  return answer;
}

const isSuccess = (status: number) => status >= 200 && status < 300;

interface RawEntry {
  server?: {
    name?: unknown;
    description?: unknown;
    version?: unknown;
    title?: string;
    icons?: { src: string; theme?: string }[];
    packages?: { registryType: string; identifier: string; version?: string }[];
    remotes?: { type: string; url: string }[];
    repository?: { url: string };
    _meta?: Record<string, { github?: GitHubBlock } | undefined>;
  };
  _meta?: Record<string, { status?: string; isLatest?: boolean; publishedAt?: string } | undefined>;
}

interface GitHubBlock {
  name?: string;
  nameWithOwner?: string;
  displayName?: string;
  license?: string;
  ownerAvatarUrl?: string;
  preferredImage?: string;
  readme?: string;
  stargazerCount?: number;
}

/** What VS Code's gallery shows and installs of one server (IGalleryMcpServer, reduced). */
export interface GalleryServer {
  name: string;
  version: string;
  displayName: string;
  publisher: string;
  status: string;
  isLatest: boolean;
  icon?: { light: string; dark: string };
  readme?: string;
  license?: string;
  starsCount?: number;
  packages: { registryType: string; identifier: string; version?: string }[];
  remotes: { type: string; url: string }[];
}

const SUPPORTED = new Set(['npm', 'pypi', 'oci', 'nuget']);
const uppercaseFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export type VsCodeGeneration = 'legacy' | 'current';

export class VsCodeGallery {
  readonly base: string;
  readonly serversUrl: string;
  readonly generation: VsCodeGeneration;
  private readonly hook: ResponseHook | undefined;
  constructor(serviceUrl: string, generation: VsCodeGeneration, hook?: ResponseHook) {
    this.generation = generation;
    this.hook = hook;
    this.base = serviceUrl.endsWith('/') ? serviceUrl.slice(0, -1) : serviceUrl;
    this.serversUrl = `${this.base}/v0.1/servers`;
  }

  /** The list calls: the legacy service follows redirects like any request; so does the current one. */
  private list(url: string) {
    return followingGet(url, 3, this.hook);
  }

  /** getVersion(): v0.1 when `<base>/v0.1/servers?limit=1` answers 2xx. */
  async supportsV01(): Promise<boolean> {
    return isSuccess((await this.list(`${this.serversUrl}?limit=1`)).status);
  }

  /** query(): the first page, then getNextPage while `nextCursor` is set (capped here, to catch a loop). */
  async query(text?: string, maxPages = 20): Promise<{ servers: GalleryServer[]; pages: number; urls: string[] }> {
    const servers: GalleryServer[] = [];
    const urls: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      let url = `${this.serversUrl}?limit=50&version=latest`;
      if (cursor) url += `&cursor=${cursor}`;
      if (text && pages === 0) url += `&search=${encodeURIComponent(text.trim())}`;
      urls.push(url);
      const answer = await this.list(url);
      if (!isSuccess(answer.status)) throw new Error(`list answered ${answer.status}`);
      const data = JSON.parse(answer.body) as { servers?: unknown; metadata?: { nextCursor?: string } }; // asJson: any Content-Type
      if (!Array.isArray(data.servers)) throw new Error('Failed to serialize MCP servers result');
      for (const entry of data.servers as RawEntry[]) {
        const server = this.serialize(entry);
        if (server) servers.push(server);
        else if (this.generation === 'legacy' && servers.length === 0) throw new Error('Failed to serialize');
      }
      cursor = data.metadata?.nextCursor;
      pages++;
    } while (cursor && pages < maxPages);
    if (cursor) throw new Error(`still a nextCursor after ${maxPages} pages: the client would keep paging`);
    return { servers, pages, urls };
  }

  /** The URL of getMcpServerByName's first (and, for a custom registry, only) lookup. */
  latestUrl(name: string): string {
    return `${this.serversUrl}/${encodeURIComponent(name)}/versions/latest`;
  }

  versionUrl(name: string, version: string): string {
    return `${this.serversUrl}/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`;
  }

  /**
   * getMcpServer(): undefined for "not in the registry"; throws for anything VS Code treats as
   * undetermined (which keeps a remote server blocked until verified, microsoft/vscode#325380).
   */
  async getMcpServer(url: string): Promise<GalleryServer | undefined> {
    const answer = this.generation === 'legacy' ? await followingGet(url, 3, this.hook) : await rawGet(url);
    if (this.generation === 'current') this.hook?.(answer);
    if (this.generation === 'legacy') {
      if (answer.status >= 400 && answer.status < 500) return undefined;
    } else {
      if (answer.status === 404) return undefined;
      if (!isSuccess(answer.status))
        throw new Error(`Failed to fetch MCP server from ${url}: server responded with ${answer.status}`);
    }
    const server = this.serialize(JSON.parse(answer.body) as RawEntry);
    if (!server) throw new Error(`Failed to serialize MCP server from ${url}`);
    return server;
  }

  /** resolveMcpServersFromGallery() for one installed server: found, not found, or failed. */
  async resolve(name: string): Promise<'found' | 'not-found' | 'failed'> {
    try {
      const server = await this.getMcpServer(this.latestUrl(name));
      if (!server) return 'not-found';
      return server.name === name ? 'found' : 'failed';
    } catch {
      return 'failed';
    }
  }

  /** The v0.1 serializer and toGalleryMcpServer, reduced to what the gallery shows and installs. */
  serialize(entry: RawEntry): GalleryServer | undefined {
    const { server } = entry;
    if (
      !server ||
      typeof server !== 'object' ||
      typeof server.name !== 'string' ||
      !server.name ||
      typeof server.description !== 'string' ||
      !server.description ||
      typeof server.version !== 'string' ||
      !server.version
    )
      return undefined;
    // VS Code destructures `_meta` without a check: an entry without it throws.
    const { ['io.modelcontextprotocol.registry/official']: registryInfo } = entry._meta as NonNullable<
      RawEntry['_meta']
    >;
    const github = server._meta?.['io.modelcontextprotocol.registry/publisher-provided']?.github;
    let packages = server.packages ?? [];
    const remotes = server.remotes ?? [];
    if (this.generation === 'current') {
      packages = packages.filter((p) => SUPPORTED.has(p.registryType));
      if (packages.length === 0 && remotes.length === 0) return undefined;
    }
    let publisher = '';
    let displayName = server.title;
    const nameParts = server.name.split('/');
    if (github?.name) {
      displayName ??= github.name.split('-').map(uppercaseFirst).join(' ');
      publisher = github.nameWithOwner!.split('/')[0]!; // VS Code assumes nameWithOwner beside name
    } else {
      publisher = nameParts[0]!.split('.').at(-1)!;
      displayName ??= nameParts.at(-1)!.split('-').map(uppercaseFirst).join(' ');
    }
    if (github?.displayName) displayName = github.displayName;
    const image = github?.preferredImage ?? github?.ownerAvatarUrl;
    let icon: GalleryServer['icon'];
    if (image) icon = { light: image, dark: image };
    else if (server.icons && server.icons.length > 0) {
      const light = server.icons.find((i) => i.theme === 'light') ?? server.icons[0]!;
      const dark = server.icons.find((i) => i.theme === 'dark') ?? light;
      icon = { light: light.src, dark: dark.src };
    }
    return {
      name: server.name,
      version: server.version,
      displayName,
      publisher,
      status: registryInfo?.status ?? 'active',
      isLatest: registryInfo?.isLatest ?? true,
      ...(icon ? { icon } : {}),
      ...(github?.readme !== undefined ? { readme: github.readme } : {}),
      ...(github?.license !== undefined ? { license: github.license } : {}),
      ...(github?.stargazerCount !== undefined ? { starsCount: github.stargazerCount } : {}),
      packages,
      remotes,
    };
  }
}

/** Go's url.PathEscape (shouldEscape, encodePathSegment): unreserved and `$&+:=@` kept, `/` `;` `,` `?` and the rest escaped. */
export function goPathEscape(segment: string): string {
  return Array.from(new TextEncoder().encode(segment), (byte) => {
    const c = String.fromCharCode(byte);
    return /[A-Za-z0-9\-._~$&+:=@]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/** Go's url.Values.Encode: keys sorted, values QueryEscape'd (space as `+`). */
function goQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k]!).replace(/%20/g, '+')}`)
    .join('&');
}

export interface ToolHiveServer {
  name: string;
  version: string;
  description: string;
}

export class ToolHiveClient {
  readonly base: string;
  private readonly hook: ResponseHook | undefined;
  constructor(baseUrl: string, hook?: ResponseHook) {
    this.hook = hook;
    this.base = baseUrl.endsWith('/') ? baseUrl.slice(0, -1) : baseUrl;
  }

  private get(url: string) {
    return followingGet(url, 10, this.hook);
  }

  /** probeRegistryURL: "api" when the list answers 2xx as application/json with servers and metadata. */
  async probe(): Promise<'api' | 'url'> {
    const answer = await this.get(`${this.base}/v0.1/servers?${goQuery({ limit: '1', version: 'latest' })}`);
    if (answer.status === 401 || answer.status === 403) return 'api';
    if (!isSuccess(answer.status)) return 'url';
    if (!String(answer.headers['content-type'] ?? '').includes('application/json')) return 'url';
    try {
      const data = JSON.parse(answer.body) as Record<string, unknown>;
      return Array.isArray(data.servers) && typeof data.metadata === 'object' && data.metadata !== null ? 'api' : 'url';
    } catch {
      return 'url';
    }
  }

  /** ValidateEndpoint: resolves, or throws with ToolHive's message. */
  async validateEndpoint(): Promise<void> {
    const answer = await followingGet(`${this.base}/openapi.yaml`, 10);
    if (answer.status !== 200)
      throw new Error(`/openapi.yaml not found (status ${answer.status}) - not a valid MCP Registry API`);
    const spec = parse(answer.body) as { info?: { version?: unknown; description?: unknown } } | null;
    const info = spec?.info;
    if (!info || typeof info !== 'object') throw new Error("/openapi.yaml missing 'info' section");
    if (typeof info.version !== 'string') throw new Error("/openapi.yaml info section missing 'version' field");
    if (info.version !== '1.0.0') throw new Error(`/openapi.yaml version is ${info.version}, expected 1.0.0`);
    if (typeof info.description !== 'string') throw new Error("/openapi.yaml info section missing 'description' field");
    if (!info.description.includes('https://github.com/modelcontextprotocol/registry'))
      throw new Error('/openapi.yaml description does not contain expected GitHub URL');
  }

  async getServer(name: string): Promise<ToolHiveServer> {
    const answer = await this.get(`${this.base}/v0.1/servers/${goPathEscape(name)}/versions/latest`);
    if (answer.status !== 200) throw new Error(`registry answered ${answer.status}`);
    return (JSON.parse(answer.body) as { server: ToolHiveServer }).server;
  }

  async listServers(opts: { limit?: number; updatedSince?: string; version?: string } = {}): Promise<ToolHiveServer[]> {
    const all: ToolHiveServer[] = [];
    let cursor = '';
    for (;;) {
      const params: Record<string, string> = {
        limit: String(opts.limit ?? 100),
        version: opts.version || 'latest', // Go: an empty Version means "latest"
        ...(cursor ? { cursor } : {}),
        ...(opts.updatedSince ? { updated_since: opts.updatedSince } : {}),
      };
      const answer = await this.get(`${this.base}/v0.1/servers?${goQuery(params)}`);
      if (answer.status !== 200) throw new Error(`registry answered ${answer.status}`);
      const data = JSON.parse(answer.body) as {
        servers: { server: ToolHiveServer }[];
        metadata: { nextCursor?: string };
      };
      all.push(...data.servers.map((s) => s.server));
      if (!data.metadata.nextCursor) break;
      cursor = data.metadata.nextCursor;
      if (all.length > 10_000) throw new Error('exceeded maximum server limit (10000)');
    }
    return all;
  }

  async searchServers(query: string): Promise<ToolHiveServer[]> {
    const answer = await this.get(`${this.base}/v0.1/servers?${goQuery({ search: query, version: 'latest' })}`);
    if (answer.status !== 200) throw new Error(`registry answered ${answer.status}`);
    return (JSON.parse(answer.body) as { servers: { server: ToolHiveServer }[] }).servers.map((s) => s.server);
  }
}
