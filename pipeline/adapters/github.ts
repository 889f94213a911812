/**
 * The GitHub REST API, for the stats stage: stars of a repository and the download counts of its
 * release assets. The only module that imports @octokit/rest; every failure leaves it as a
 * `GitHubError` with a code, wrapped once, in the request hook below.
 *
 * What the hook adds to plain octokit, and why:
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
import { Octokit } from '@octokit/rest';
import { isObject } from '../core/guards.ts';

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

export class GitHubError extends Error {
  override name = 'GitHubError';
  readonly code: GitHubErrorCode;
  /** `METHOD /path` of the call that failed. */
  readonly endpoint: string;
  readonly status: number | undefined;
  /** For 'rate-limited': when GitHub says the limit resets, if it said. */
  readonly resetAt: Date | undefined;

  constructor(
    code: GitHubErrorCode,
    endpoint: string,
    message: string,
    options: { cause?: unknown; status?: number; resetAt?: Date } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.endpoint = endpoint;
    this.status = options.status;
    this.resetAt = options.resetAt;
  }
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

export interface GitHubClientOptions {
  /** Default `https://api.github.com`; tests point it at `pipeline/test-support/github-api-server.ts`. */
  baseUrl?: string;
  /** A token raises the limit from 60 to 5,000 requests an hour. */
  token?: string;
  userAgent?: string;
  request?: { fetch?: typeof globalThis.fetch };
  etagCache?: EtagCache;
  /** Extra attempts after a 5xx or a network error. Default 2. */
  retries?: number;
  /** Delay before the first retry; it doubles on each further one. Default 1 s. */
  backoffMs?: number;
  /** Per attempt. Default 30 s. */
  timeoutMs?: number;
  /** Pages of 100 releases to follow before giving up with 'bad-response'. Default 100. */
  maxPages?: number;
}

const DEFAULT_BASE_URL = 'https://api.github.com';
/** GitHub's advice for a secondary rate limit that names no time: wait at least a minute. */
const SECONDARY_LIMIT_WAIT_MS = 60_000;

interface OctokitResponse {
  status: number;
  url: string;
  headers: Record<string, string | number | undefined>;
  data: unknown;
}

/** The shape of octokit's RequestError, matched by duck typing: @octokit/request-error is not our dependency. */
interface RequestErrorLike {
  name: string;
  status: number;
  response?: { headers: Record<string, string | number | undefined>; data: unknown };
}

function isRequestError(error: unknown): error is RequestErrorLike {
  return (
    error instanceof Error && error.name === 'HttpError' && typeof (error as { status?: unknown }).status === 'number'
  );
}

export function createGitHubClient(options: GitHubClientOptions = {}): GitHubStatsSource {
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const origin = new URL(baseUrl).origin;
  const retries = Math.max(0, options.retries ?? 2);
  const backoffMs = options.backoffMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxPages = options.maxPages ?? 100;
  const cache = options.etagCache;
  /** Set by the first 'rate-limited' answer: later calls fail fast until then. */
  let blocked: { until: number; error: GitHubError } | undefined;

  const octokit = new Octokit({
    baseUrl,
    ...(options.token ? { auth: options.token } : {}),
    userAgent: options.userAgent ?? 'mcp-catalog-stats',
    request: { ...(options.request?.fetch ? { fetch: options.request.fetch } : {}) },
    // Failures reach the build log as GitHubErrors through the stats notes; octokit's own
    // per-request error lines would say the same thing twice.
    log: { debug: () => {}, info: () => {}, warn: console.warn.bind(console), error: () => {} },
  });

  octokit.hook.wrap('request', async (request, endpointOptions): Promise<OctokitResponse> => {
    const parsed = octokit.request.endpoint.parse(endpointOptions);
    const url = new URL(parsed.url);
    const endpoint = `${parsed.method} ${url.pathname}${url.search}`;
    if (url.origin !== origin) {
      throw new GitHubError(
        'bad-response',
        endpoint,
        `GitHub pointed the client at ${url.origin}, outside ${origin}; refusing to send the request (and the token) there.`,
      );
    }
    if (blocked && Date.now() < blocked.until) {
      throw new GitHubError('rate-limited', endpoint, blocked.error.message, {
        cause: blocked.error,
        ...(blocked.error.resetAt ? { resetAt: blocked.error.resetAt } : {}),
      });
    }
    const key = `${parsed.method} ${parsed.url}`;
    const cached = parsed.method === 'GET' ? cache?.get(key) : undefined;
    let failure: GitHubError | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(backoffMs * 2 ** (attempt - 1));
      let response: OctokitResponse;
      try {
        // before-after-hook binds the inner hooks (auth, request-log) to this very options object and
        // ignores arguments passed to `request`: changes must be made on the object itself.
        if (cached) endpointOptions.headers = { ...endpointOptions.headers, 'if-none-match': cached.etag };
        endpointOptions.request = { ...endpointOptions.request, signal: AbortSignal.timeout(timeoutMs) };
        response = (await request(endpointOptions)) as OctokitResponse;
      } catch (error) {
        if (isRequestError(error) && error.status === 304 && error.response && cached) {
          // Not modified: GitHub did not count it. The cached body stands for the answer.
          const headers = { ...error.response.headers, ...(cached.link ? { link: cached.link } : {}) };
          return { status: 200, url: parsed.url, headers, data: cached.body };
        }
        failure = classify(error, endpoint, timeoutMs);
        if (failure.code === 'rate-limited') {
          blocked = { until: failure.resetAt?.getTime() ?? Infinity, error: failure };
        }
        if (failure.code === 'network') continue;
        throw failure;
      }
      const data = trim(url.pathname, response.data);
      const etag = response.headers.etag;
      if (cache && parsed.method === 'GET' && typeof etag === 'string') {
        const link = response.headers.link;
        cache.set(key, { etag, body: data, ...(typeof link === 'string' ? { link } : {}) });
      }
      return { ...response, data };
    }
    const last = failure!;
    throw new GitHubError(
      last.code,
      endpoint,
      `${last.message} Gave up after ${retries + 1} attempt${retries === 0 ? '' : 's'}.`,
      {
        cause: last.cause,
        ...(last.status === undefined ? {} : { status: last.status }),
      },
    );
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

function header(headers: Record<string, string | number | undefined>, name: string): string | undefined {
  const value = headers[name];
  return value === undefined ? undefined : String(value);
}

/** Turn whatever octokit threw into a GitHubError: the one place third-party errors are wrapped. */
function classify(error: unknown, endpoint: string, timeoutMs: number): GitHubError {
  if (error instanceof GitHubError) return error;
  if (!isRequestError(error) || !error.response) {
    // octokit reports a fetch that got no answer as a RequestError with status 500 and no response.
    const cause = error instanceof Error ? error.cause : undefined;
    const timedOut =
      (error instanceof Error && error.name === 'TimeoutError') ||
      (cause instanceof Error && cause.name === 'TimeoutError');
    const reason = timedOut
      ? `no answer within ${timeoutMs} ms`
      : cause instanceof Error
        ? cause.message
        : error instanceof Error
          ? error.message
          : String(error);
    return new GitHubError('network', endpoint, `GitHub could not be reached for ${endpoint} (${reason}).`, {
      cause: error,
    });
  }
  const { status } = error;
  const headers = error.response.headers;
  const message =
    isObject(error.response.data) && typeof error.response.data.message === 'string' ? error.response.data.message : '';
  if (status === 403 || status === 429) {
    const resetAt = rateLimitReset(headers, message, status);
    if (resetAt !== undefined) {
      const when = Number.isFinite(resetAt.getTime()) ? ` It resets at ${resetAt.toISOString()}.` : '';
      return new GitHubError(
        'rate-limited',
        endpoint,
        `GitHub rate limit reached on ${endpoint}.${when} Give the build a token (GITHUB_TOKEN) or run it later.`,
        { cause: error, status, ...(Number.isFinite(resetAt.getTime()) ? { resetAt } : {}) },
      );
    }
  }
  if (status === 401 || status === 403) {
    return new GitHubError(
      'unauthorized',
      endpoint,
      `GitHub refused ${endpoint} with HTTP ${status} (${message || 'no message'}): check the token and its access.`,
      { cause: error, status },
    );
  }
  if (status === 404 || status === 410) {
    return new GitHubError(
      'not-found',
      endpoint,
      `GitHub has no ${endpoint} (HTTP ${status}): the repository was deleted, made private, or the listing's repository URL is wrong.`,
      { cause: error, status },
    );
  }
  if (status >= 500) {
    return new GitHubError('network', endpoint, `GitHub answered ${endpoint} with HTTP ${status}.`, {
      cause: error,
      status,
    });
  }
  return new GitHubError('bad-response', endpoint, `GitHub answered ${endpoint} with HTTP ${status}: ${message}`, {
    cause: error,
    status,
  });
}

/**
 * When a 403 or 429 is a rate limit, the time it lifts (an invalid Date when GitHub does not say);
 * undefined when it is not a rate limit. Order as in GitHub's docs: `retry-after`, then
 * `x-ratelimit-remaining: 0` with `x-ratelimit-reset`, then a secondary limit named only in the message.
 */
function rateLimitReset(
  headers: Record<string, string | number | undefined>,
  message: string,
  status: number,
): Date | undefined {
  const retryAfter = Number(header(headers, 'retry-after'));
  if (header(headers, 'retry-after') !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) {
    return new Date(Date.now() + retryAfter * 1000);
  }
  if (header(headers, 'x-ratelimit-remaining') === '0') {
    const reset = Number(header(headers, 'x-ratelimit-reset'));
    return new Date(Number.isFinite(reset) && reset > 0 ? reset * 1000 : NaN);
  }
  if (/rate limit/i.test(message)) return new Date(Date.now() + SECONDARY_LIMIT_WAIT_MS);
  if (status === 429) return new Date(NaN);
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
