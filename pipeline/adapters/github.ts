/**
 * The GitHub REST API, for the stats stage: stars of a repository and the download counts of its
 * release assets. With `github-repo.ts`, the only client of @octokit/rest (both build it through
 * `github-http.ts`); every failure leaves it as a `GitHubError` with a code, wrapped once, in the
 * request hook below.
 *
 * What the hook adds to plain octokit, and why (all but the ETags are the guard in `github-http.ts`,
 * which `github-repo.ts` shares):
 * - a bounded retry on 5xx and network errors (GitHub has short outages; a CI job should ride them out);
 * - rate limits (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api): once GitHub
 *   says the limit is spent, every later call of this client fails at once with 'rate-limited' until the
 *   reset time, instead of spending the time limit of the job on answers that cannot succeed;
 * - conditional requests (https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate):
 *   with an ETag cache, each request sends `If-None-Match` and a 304, which GitHub does not count against
 *   the rate limit, reuses the cached body;
 * - requests go only to the origin of `baseUrl`: octokit follows `Link: rel="next"` URLs and would send
 *   the token wherever they point.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isObject } from '../core/guards.ts';
import {
  createOctokit,
  createRequestGuard,
  failureError,
  GitHubHttpError,
  httpSettings,
  isRequestError,
  readFailure,
} from './github-http.ts';
import type { FailureAdvice, GitHubHttpTimings, OctokitResponse } from './github-http.ts';

export interface GitHubRepositoryStats {
  stars: number;
  /** GitHub's numeric id; it survives renames and transfers. */
  id: number;
  /** `owner/name` as GitHub spells it now, after any rename. */
  fullName: string;
}

export interface ReleaseDownloadsOptions {
  /** Count only assets whose name ends with this, compared case-insensitively. Default `.mcpb`; `''` counts all. */
  assetSuffix?: string;
}

/** What the stats stage needs from GitHub. */
export interface GitHubStatsSource {
  repository(owner: string, repo: string): Promise<GitHubRepositoryStats>;
  /** `download_count` summed over the matching assets of every release, every page followed. */
  releaseDownloads(owner: string, repo: string, options?: ReleaseDownloadsOptions): Promise<number>;
}

export type GitHubErrorCode =
  /** 404 or 410: the repository does not exist (or is private, or was deleted). */
  | 'not-found'
  /** The rate limit is spent (403/429 with `x-ratelimit-remaining: 0` or `retry-after`, or a secondary limit). */
  | 'rate-limited'
  /** 401, or a 403 that is not a rate limit: the token is wrong or lacks access. */
  | 'unauthorized'
  /** No HTTP answer (DNS, refused, reset, timeout) or 5xx, after the retries. */
  | 'network'
  /** An answer of the wrong shape, an unexpected status, or a link to another origin. */
  | 'bad-response';

/** `code`, `endpoint` (`METHOD /path`), `status` and `resetAt` (for 'rate-limited'), from `GitHubHttpError`. */
export class GitHubError extends GitHubHttpError<GitHubErrorCode> {
  override name = 'GitHubError';
}

/** One cached answer: its ETag, the (trimmed) body, and the `Link` header that pagination needs on a 304. */
export interface EtagEntry {
  etag: string;
  body: unknown;
  link?: string;
}

export interface EtagCache {
  get(key: string): EtagEntry | undefined;
  set(key: string, entry: EtagEntry): void;
}

/** `retries`, `backoffMs` and `timeoutMs` as in `GitHubHttpTimings`. */
export interface GitHubClientOptions extends GitHubHttpTimings {
  /** Default `https://api.github.com`; tests point it at `pipeline/test-support/github-api-server.ts`. */
  baseUrl?: string;
  /** A token raises the limit from 60 to 5,000 requests an hour. */
  token?: string;
  userAgent?: string;
  request?: { fetch?: typeof globalThis.fetch };
  etagCache?: EtagCache;
  /** Pages of 100 releases to follow before giving up with 'bad-response'. Default 100. */
  maxPages?: number;
}

/** The stats stage runs in a build: the remedies are a token, or time. */
const ADVICE: FailureAdvice = {
  rateLimited: 'Give the build a token (GITHUB_TOKEN) or run it later.',
  unauthorized: 'check the token and its access',
  notFound: "the repository was deleted, made private, or the listing's repository URL is wrong",
};

/** What one attempt gave: a new answer, or (on a 304) the cached one, which must not be trimmed or cached again. */
type Answer = { fresh: OctokitResponse } | { reused: OctokitResponse };

export function createGitHubClient(options: GitHubClientOptions = {}): GitHubStatsSource {
  const settings = httpSettings(options);
  const { retries } = settings;
  const maxPages = options.maxPages ?? 100;
  const cache = options.etagCache;
  const guard = createRequestGuard(settings, { errorClass: GitHubError, classify });

  const octokit = createOctokit({
    baseUrl: settings.baseUrl,
    token: options.token,
    userAgent: options.userAgent ?? 'mcp-catalog-stats',
    fetch: options.request?.fetch,
  });

  octokit.hook.wrap('request', async (request, endpointOptions): Promise<OctokitResponse> => {
    const parsed = octokit.request.endpoint.parse(endpointOptions);
    const { url, endpoint } = guard.admit(parsed);
    const key = `${parsed.method} ${parsed.url}`;
    const cached = parsed.method === 'GET' ? cache?.get(key) : undefined;
    const answer = await guard.send(endpoint, endpointOptions, retries, async (): Promise<Answer> => {
      // On the options object itself, as the guard's timeout: the inner hooks read that object only.
      if (cached) endpointOptions.headers = { ...endpointOptions.headers, 'if-none-match': cached.etag };
      try {
        return { fresh: (await request(endpointOptions)) as OctokitResponse };
      } catch (error) {
        const reused = cached && notModified(error, cached, parsed.url);
        if (!reused) throw error;
        return { reused };
      }
    });
    if ('reused' in answer) return answer.reused;
    const response = answer.fresh;
    const data = trim(url.pathname, response.data);
    const etag = response.headers.etag;
    if (cache && parsed.method === 'GET' && typeof etag === 'string') {
      const link = response.headers.link;
      cache.set(key, { etag, body: data, ...(typeof link === 'string' ? { link } : {}) });
    }
    return { ...response, data };
  });

  async function repository(owner: string, repo: string): Promise<GitHubRepositoryStats> {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}', { owner, repo });
    const body: unknown = data;
    if (
      !isObject(body) ||
      !isCount(body.stargazers_count) ||
      !Number.isSafeInteger(body.id) ||
      typeof body.full_name !== 'string'
    ) {
      throw new GitHubError(
        'bad-response',
        `GET /repos/${owner}/${repo}`,
        `GitHub answered GET /repos/${owner}/${repo} without a numeric id, full_name and stargazers_count.`,
      );
    }
    return { stars: body.stargazers_count, id: body.id as number, fullName: body.full_name };
  }

  async function releaseDownloads(owner: string, repo: string, opts: ReleaseDownloadsOptions = {}): Promise<number> {
    const suffix = (opts.assetSuffix ?? '.mcpb').toLowerCase();
    const endpoint = `GET /repos/${owner}/${repo}/releases`;
    const bad = (problem: string) =>
      new GitHubError('bad-response', endpoint, `GitHub answered ${endpoint} with an unexpected shape: ${problem}.`);
    let total = 0;
    let pages = 0;
    const iterator = octokit.paginate.iterator('GET /repos/{owner}/{repo}/releases', { owner, repo, per_page: 100 });
    for await (const page of iterator) {
      if (++pages > maxPages) throw bad(`more than ${maxPages} pages of releases`);
      const releases: unknown = page.data;
      if (!Array.isArray(releases)) throw bad('the page is not an array');
      for (const [i, release] of releases.entries()) {
        if (!isObject(release) || !Array.isArray(release.assets)) throw bad(`release ${i} has no assets array`);
        for (const asset of release.assets) {
          if (!isObject(asset) || typeof asset.name !== 'string' || !isCount(asset.download_count)) {
            throw bad(`an asset of release ${i} has no name or download_count`);
          }
          if (asset.name.toLowerCase().endsWith(suffix)) total += asset.download_count;
        }
      }
    }
    return total;
  }

  return { repository, releaseDownloads };
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/**
 * Keep only the fields this client reads, so that a cache of thousands of repositories stays small
 * (a page of releases carries every release note and uploader). Unknown shapes pass through untouched,
 * for the callers' checks to reject.
 */
function trim(pathname: string, data: unknown): unknown {
  if (/\/releases$/.test(pathname) && Array.isArray(data)) {
    return data.map((release: unknown) =>
      isObject(release) && Array.isArray(release.assets)
        ? {
            id: release.id,
            tag_name: release.tag_name,
            assets: release.assets.map((asset: unknown) =>
              isObject(asset) ? { name: asset.name, download_count: asset.download_count } : asset,
            ),
          }
        : release,
    );
  }
  if (/^\/(repos\/[^/]+\/[^/]+|repositories\/\d+)$/.test(pathname) && isObject(data)) {
    return { id: data.id, full_name: data.full_name, stargazers_count: data.stargazers_count };
  }
  return data;
}

/**
 * For a 304 to a conditional request, which octokit throws as an error, the cached answer; GitHub did
 * not count the request. Undefined for any other error.
 */
function notModified(error: unknown, cached: EtagEntry, url: string): OctokitResponse | undefined {
  if (!isRequestError(error) || error.status !== 304 || !error.response) return undefined;
  const headers = { ...error.response.headers, ...(cached.link ? { link: cached.link } : {}) };
  return { status: 200, url, headers, data: cached.body };
}

/** Whatever octokit threw, as a GitHubError: the stats client has no codes beyond the shared ones. */
function classify(error: unknown, endpoint: string, timeoutMs: number): GitHubError {
  return failureError(readFailure(error, timeoutMs), { error, endpoint, advice: ADVICE, errorClass: GitHubError });
}

export interface FileEtagCache extends EtagCache {
  readonly path: string;
  /** Read the file. A missing file is an empty cache; so is one that is not JSON of this format, as a cache only saves requests. */
  load(): Promise<'loaded' | 'missing' | 'invalid'>;
  /** Write the file atomically (temporary file, then rename), when something changed since `load`. */
  save(): Promise<void>;
}

const CACHE_FORMAT = 1;

/** An ETag cache kept in a JSON file, e.g. restored and saved by `actions/cache` between scheduled runs. */
export function fileEtagCache(path: string): FileEtagCache {
  let entries = new Map<string, EtagEntry>();
  let dirty = false;
  return {
    path,
    get: (key) => entries.get(key),
    set(key, entry) {
      entries.set(key, entry);
      dirty = true;
    },
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
        throw error;
      }
      entries = new Map();
      dirty = false;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return 'invalid';
      }
      if (!isObject(parsed) || parsed.format !== CACHE_FORMAT || !isObject(parsed.entries)) return 'invalid';
      for (const [key, entry] of Object.entries(parsed.entries)) {
        if (isObject(entry) && typeof entry.etag === 'string' && 'body' in entry) {
          const link = typeof entry.link === 'string' ? { link: entry.link } : {};
          entries.set(key, { etag: entry.etag, body: entry.body, ...link });
        }
      }
      return 'loaded';
    },
    async save() {
      if (!dirty) return;
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      const content = JSON.stringify({ format: CACHE_FORMAT, entries: Object.fromEntries(entries) });
      try {
        await writeFile(temporary, content);
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      dirty = false;
    },
  };
}
