/**
 * A local GitHub REST API on 127.0.0.1 for the stats tests, speaking the shapes and headers of
 * api.github.com for the two endpoints the stats stage reads
 * (https://docs.github.com/rest/repos/repos#get-a-repository,
 * https://docs.github.com/rest/releases/releases#list-releases):
 * - repository and release JSON with GitHub's field names (as in @octokit/openapi-types);
 * - pagination by `per_page`/`page` with a `Link` header whose URLs use `/repositories/{id}/…`, as GitHub's do;
 * - weak ETags, and 304 for a matching `If-None-Match`; a 304 costs no rate limit when the request
 *   is authorized, and one unit when it is not, as GitHub documents
 *   (https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate);
 * - `x-ratelimit-*` headers, and GitHub's 403 body once the limit is spent;
 * - 404 `{"message":"Not Found"}`, and 301 to `/repositories/{id}` for a former name of a repository;
 * - queued faults (status, headers, body, delay) for 5xx, 429 and secondary limits.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAsset {
  name: string;
  downloads: number;
}

export interface FakeRelease {
  tag: string;
  assets: FakeAsset[];
}

export interface FakeRepository {
  /** `owner/name` now. */
  fullName: string;
  id: number;
  stars: number;
  /** Newest first, as GitHub lists them. */
  releases?: FakeRelease[];
  /** Former `owner/name`s, answered with a 301 to `/repositories/{id}`. */
  formerNames?: string[];
}

export interface GitHubApiServerOptions {
  repositories: FakeRepository[];
  /** The primary limit of this run: requests left before 403, and the limit shown. Default 5000/5000. */
  rateLimit?: { limit?: number; remaining?: number };
}

export interface GitHubFault {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  delayMs?: number;
}

export interface GitHubRecordedRequest {
  method: string;
  /** Path and query, as received. */
  path: string;
  ifNoneMatch: string | undefined;
  authorization: string | undefined;
  status: number;
}

export interface GitHubApiTestServer {
  /** Base URL for `createGitHubClient({ baseUrl })`. */
  url: string;
  requests: GitHubRecordedRequest[];
  /** The next `count` requests (default: all) get `fault` instead of an answer; they still count as requests. */
  fail(count?: number, fault?: GitHubFault): void;
  /** Change a repository, e.g. its stars, so that its ETag changes. */
  update(fullName: string, change: Partial<Pick<FakeRepository, 'stars' | 'releases'>>): void;
  /** Requests left before the 403. */
  rateLimitRemaining(): number;
  /** When the limit resets, in epoch seconds, as `x-ratelimit-reset` says. */
  readonly rateLimitReset: number;
  close(): Promise<void>;
}

const CREATED = '2024-03-01T10:00:00Z';

export async function startGitHubApiServer(options: GitHubApiServerOptions): Promise<GitHubApiTestServer> {
  const repositories = options.repositories.map((r) => ({ ...r }));
  const limit = options.rateLimit?.limit ?? 5000;
  let remaining = options.rateLimit?.remaining ?? limit;
  const rateLimitReset = Math.floor(Date.now() / 1000) + 3600;
  const requests: GitHubRecordedRequest[] = [];
  const faults: { remaining: number; fault: GitHubFault }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let base = '';

  const byName = (fullName: string) => repositories.find((r) => r.fullName.toLowerCase() === fullName.toLowerCase());
  const former = (fullName: string) =>
    repositories.find((r) => r.formerNames?.some((n) => n.toLowerCase() === fullName.toLowerCase()));

  const rateHeaders = () => ({
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(rateLimitReset),
    'x-ratelimit-used': String(limit - remaining),
    'x-ratelimit-resource': 'core',
  });

  const owner = (login: string, id: number) => ({
    login,
    id,
    node_id: `MDQ6VXNlcj${id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    url: `${base}/users/${login}`,
    html_url: `https://github.com/${login}`,
    type: 'User',
    site_admin: false,
  });

  const repositoryJson = (r: FakeRepository) => {
    const [login = '', name = ''] = r.fullName.split('/');
    return {
      id: r.id,
      node_id: `R_kgDO${r.id}`,
      name,
      full_name: r.fullName,
      private: false,
      owner: owner(login, r.id + 1000),
      html_url: `https://github.com/${r.fullName}`,
      description: `Test repository ${r.fullName}`,
      fork: false,
      url: `${base}/repos/${r.fullName}`,
      releases_url: `${base}/repos/${r.fullName}/releases{/id}`,
      created_at: CREATED,
      updated_at: CREATED,
      pushed_at: CREATED,
      homepage: null,
      size: 120,
      stargazers_count: r.stars,
      watchers_count: r.stars,
      language: 'TypeScript',
      forks_count: 3,
      archived: false,
      disabled: false,
      open_issues_count: 1,
      license: {
        key: 'mit',
        name: 'MIT License',
        spdx_id: 'MIT',
        url: `${base}/licenses/mit`,
        node_id: 'MDc6TGljZW5zZTEz',
      },
      topics: ['mcp'],
      visibility: 'public',
      forks: 3,
      open_issues: 1,
      watchers: r.stars,
      default_branch: 'main',
      network_count: 3,
      subscribers_count: 2,
    };
  };

  const releaseJson = (r: FakeRepository, release: FakeRelease, index: number) => {
    const id = r.id * 1000 + index;
    return {
      url: `${base}/repos/${r.fullName}/releases/${id}`,
      html_url: `https://github.com/${r.fullName}/releases/tag/${release.tag}`,
      assets_url: `${base}/repos/${r.fullName}/releases/${id}/assets`,
      upload_url: `https://uploads.github.com/repos/${r.fullName}/releases/${id}/assets{?name,label}`,
      tarball_url: `${base}/repos/${r.fullName}/tarball/${release.tag}`,
      zipball_url: `${base}/repos/${r.fullName}/zipball/${release.tag}`,
      id,
      node_id: `RE_kwDO${id}`,
      tag_name: release.tag,
      target_commitish: 'main',
      name: release.tag,
      body: `Release notes of ${release.tag}.`,
      draft: false,
      prerelease: false,
      created_at: CREATED,
      published_at: CREATED,
      author: owner('release-bot', 41898282),
      assets: release.assets.map((asset, a) => ({
        url: `${base}/repos/${r.fullName}/releases/assets/${id * 100 + a}`,
        browser_download_url: `https://github.com/${r.fullName}/releases/download/${release.tag}/${asset.name}`,
        id: id * 100 + a,
        node_id: `RA_kwDO${id * 100 + a}`,
        name: asset.name,
        label: '',
        state: 'uploaded',
        content_type: asset.name.endsWith('.mcpb') ? 'application/zip' : 'application/octet-stream',
        size: 4096,
        digest: `sha256:${createHash('sha256').update(asset.name).digest('hex')}`,
        download_count: asset.downloads,
        created_at: CREATED,
        updated_at: CREATED,
        uploader: owner('release-bot', 41898282),
      })),
    };
  };

  /** The answer to a GET, before ETags and rate limits: status, body and extra headers. */
  const route = (url: URL): { status: number; body: unknown; headers?: Record<string, string> } => {
    const notFound = {
      status: 404,
      body: {
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest/repos/repos#get-a-repository',
        status: '404',
      },
    };
    const match =
      /^\/repos\/([^/]+)\/([^/]+)(\/releases)?$/.exec(url.pathname) ??
      /^\/repositories\/(\d+)()(\/releases)?$/.exec(url.pathname);
    if (!match) return notFound;
    const releases = match[3] !== undefined;
    let repository: FakeRepository | undefined;
    if (url.pathname.startsWith('/repositories/')) {
      repository = repositories.find((r) => r.id === Number(match[1]));
    } else {
      const fullName = `${match[1]}/${match[2]}`;
      repository = byName(fullName);
      const moved = repository ? undefined : former(fullName);
      if (moved) {
        const location = `${base}/repositories/${moved.id}${releases ? '/releases' : ''}${url.search}`;
        return {
          status: 301,
          body: {
            message: 'Moved Permanently',
            url: location,
            documentation_url: 'https://docs.github.com/v3/#http-redirects',
          },
          headers: { location },
        };
      }
    }
    if (!repository) return notFound;
    if (!releases) return { status: 200, body: repositoryJson(repository) };

    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const all = repository.releases ?? [];
    const pages = Math.max(1, Math.ceil(all.length / perPage));
    const body = all
      .slice((page - 1) * perPage, page * perPage)
      .map((r, i) => releaseJson(repository, r, (page - 1) * perPage + i));
    const link = (p: number, rel: string) =>
      `<${base}/repositories/${repository.id}/releases?per_page=${perPage}&page=${p}>; rel="${rel}"`;
    const links = [
      ...(page > 1 ? [link(page - 1, 'prev')] : []),
      ...(page < pages ? [link(page + 1, 'next'), link(pages, 'last')] : []),
      ...(page > 1 ? [link(1, 'first')] : []),
    ];
    return { status: 200, body, ...(links.length ? { headers: { link: links.join(', ') } } : {}) };
  };

  const send = (res: ServerResponse, status: number, headers: Record<string, string>, body: unknown) => {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-github-api-version-selected': '2022-11-28',
      'x-github-request-id': `0000:${requests.length.toString(16).padStart(4, '0')}`,
      ...headers,
    });
    res.end(status === 304 ? undefined : text);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, recorded: GitHubRecordedRequest) => {
    const reply = (status: number, headers: Record<string, string>, body: unknown) => {
      recorded.status = status;
      send(res, status, headers, body);
    };
    const current = faults[0];
    if (current && --current.remaining <= 0) faults.shift();
    const fault = current?.fault;
    if (fault) return reply(fault.status, fault.headers ?? {}, fault.body);

    if (remaining <= 0) {
      return reply(403, rateHeaders(), {
        message:
          "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)",
        documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting',
      });
    }
    const url = new URL(req.url ?? '/', base);
    const answer = req.method === 'GET' ? route(url) : { status: 404, body: { message: 'Not Found' } };
    const text = JSON.stringify(answer.body);
    const etag = `W/"${createHash('sha256').update(text).digest('hex')}"`;
    const weak = (tag: string) => tag.trim().replace(/^W\//, '');
    const matches =
      answer.status === 200 &&
      (req.headers['if-none-match'] ?? '').split(',').some((tag) => tag.trim() !== '' && weak(tag) === weak(etag));
    if (!(matches && req.headers.authorization)) remaining--;
    const headers = {
      ...rateHeaders(),
      ...answer.headers,
      ...(answer.status === 200
        ? {
            etag,
            'cache-control': req.headers.authorization
              ? 'private, max-age=60, s-maxage=60'
              : 'public, max-age=60, s-maxage=60',
            vary: 'Accept, Authorization, Cookie, X-GitHub-OTP',
          }
        : {}),
    };
    if (matches) return reply(304, headers, undefined);
    reply(answer.status, headers, answer.body);
  };

  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const recorded: GitHubRecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        ifNoneMatch: req.headers['if-none-match'],
        authorization: req.headers.authorization,
        status: 0,
      };
      requests.push(recorded);
      const delay = faults[0]?.fault.delayMs;
      if (!delay) return handle(req, res, recorded);
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) handle(req, res, recorded);
      }, delay);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    requests,
    fail(count = Infinity, fault = { status: 503, body: { message: 'Service Unavailable' } }) {
      faults.push({ remaining: count, fault });
    },
    update(fullName, change) {
      const repository = byName(fullName);
      if (!repository) throw new Error(`no repository ${fullName}`);
      Object.assign(repository, change);
    },
    rateLimitRemaining: () => remaining,
    rateLimitReset,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
