/**
 * npm's download counts API (https://github.com/npm/registry/blob/main/docs/download-counts.md),
 * for the stats stage: downloads of each package over the last week.
 *
 * - Unscoped packages go in bulk, up to 128 a request (`/downloads/point/last-week/a,b,c`); the
 *   answer maps each name to its point, or to `null` for a package npm does not know.
 * - Scoped packages are not supported in bulk, so each is asked alone, in the documented form
 *   `/downloads/point/last-week/@scope/name` (the `/` stays a path separator).
 * - A request that fails fails only the packages it carried: each gets an `NpmDownloadsError` in
 *   the result, and the call itself never rejects for a network or HTTP problem.
 */
import { mapLimit } from '../core/concurrency.ts';
import { isObject } from '../core/guards.ts';

export type NpmDownloadsErrorCode =
  /** npm does not know the package (404 alone, `null` in bulk). */
  | 'not-found'
  /** Not a name npm could have published; nothing was asked. */
  | 'invalid-name'
  /** 429 after the retries. */
  | 'rate-limited'
  /** No HTTP answer (DNS, refused, reset, timeout) or 5xx, after the retries. */
  | 'network'
  /** Another HTTP status. */
  | 'http-status'
  /** A body that is not the documented shape. */
  | 'bad-response';

export class NpmDownloadsError extends Error {
  override name = 'NpmDownloadsError';
  readonly code: NpmDownloadsErrorCode;
  /** `GET /path` of the request, when one was made. */
  readonly endpoint: string | undefined;
  readonly status: number | undefined;

  constructor(
    code: NpmDownloadsErrorCode,
    endpoint: string | undefined,
    message: string,
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.endpoint = endpoint;
    this.status = options.status;
  }
}

/** What the stats stage needs from npm. */
export interface NpmDownloadsSource {
  /** Downloads over the last week, per package asked (every name is a key of the result). */
  weeklyDownloads(packages: readonly string[]): Promise<Map<string, number | NpmDownloadsError>>;
}

export interface NpmDownloadsClientOptions {
  /** Default `https://api.npmjs.org`; tests point it at `pipeline/test-support/npm-downloads-server.ts`. */
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Extra attempts after a network error, a timeout, a 5xx or a 429. Default 2. */
  retries?: number;
  /** Delay before the first retry; it doubles on each further one. Default 1 s. */
  backoffMs?: number;
  /** Per attempt, covering the body too. Default 30 s. */
  timeoutMs?: number;
}

/** npm's limit on one bulk query. */
export const NPM_BULK_LIMIT = 128;
const MAX_RETRY_AFTER_MS = 30_000;
/** npm's naming rules (validate-npm-package-name), with the old names' capitals allowed. */
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9_~-][a-z0-9._~-]*$/i;

export function createNpmDownloadsClient(options: NpmDownloadsClientOptions = {}): NpmDownloadsSource {
  const baseUrl = (options.baseUrl ?? 'https://api.npmjs.org').replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const retries = Math.max(0, options.retries ?? 2);
  const backoffMs = options.backoffMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 30_000;

  /** The parsed JSON of a 200, or an NpmDownloadsError; 404 is returned as 'not-found' with its body. */
  async function get(path: string): Promise<unknown> {
    const endpoint = `GET ${path}`;
    let failure: NpmDownloadsError | undefined;
    let retryAfterMs: number | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(Math.min(retryAfterMs ?? backoffMs * 2 ** (attempt - 1), MAX_RETRY_AFTER_MS));
      retryAfterMs = undefined;
      let status: number;
      let text: string;
      let retryAfter: string | null;
      try {
        const response = await fetchImpl(baseUrl + path, {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        text = await response.text();
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
        failure = new NpmDownloadsError(
          'network',
          endpoint,
          `npm downloads API could not be reached for ${endpoint} (${timedOut ? `no answer within ${timeoutMs} ms` : cause}).`,
          { cause: error },
        );
        continue;
      }
      if (status === 404) {
        return new NpmDownloadsError('not-found', endpoint, `npm has no download counts for ${endpoint}.`, { status });
      }
      if (status === 429 || status >= 500) {
        failure = new NpmDownloadsError(
          status === 429 ? 'rate-limited' : 'network',
          endpoint,
          `npm downloads API answered ${endpoint} with HTTP ${status}.`,
          { status },
        );
        const seconds = retryAfter === null ? NaN : Number(retryAfter);
        if (Number.isFinite(seconds) && seconds >= 0) retryAfterMs = seconds * 1000;
        continue;
      }
      if (status !== 200) {
        return new NpmDownloadsError(
          'http-status',
          endpoint,
          `npm downloads API answered ${endpoint} with HTTP ${status}: ${text.slice(0, 200)}`,
          { status },
        );
      }
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        return new NpmDownloadsError(
          'bad-response',
          endpoint,
          `npm downloads API answered ${endpoint} with non-JSON.`,
          {
            cause: error,
            status,
          },
        );
      }
    }
    const last = failure!;
    return new NpmDownloadsError(
      last.code,
      endpoint,
      `${last.message} Gave up after ${retries + 1} attempt${retries === 0 ? '' : 's'}.`,
      { cause: last.cause, ...(last.status === undefined ? {} : { status: last.status }) },
    );
  }

  /** One package's point: `{downloads, start, end, package}`. */
  function point(value: unknown, name: string, endpoint: string): number | NpmDownloadsError {
    if (value === null) {
      return new NpmDownloadsError(
        'not-found',
        endpoint,
        `npm has no package ${name}: fix the listing's package name.`,
      );
    }
    if (!isObject(value) || !Number.isSafeInteger(value.downloads) || (value.downloads as number) < 0) {
      return new NpmDownloadsError(
        'bad-response',
        endpoint,
        `npm downloads API answered ${endpoint} without a download count for ${name}.`,
      );
    }
    return value.downloads as number;
  }

  async function single(name: string): Promise<[string, number | NpmDownloadsError][]> {
    const path = `/downloads/point/last-week/${name}`;
    const body = await get(path);
    if (body instanceof NpmDownloadsError) {
      if (body.code !== 'not-found') return [[name, body]];
      return [
        [
          name,
          new NpmDownloadsError(
            'not-found',
            body.endpoint,
            `npm has no package ${name}: fix the listing's package name.`,
            { status: 404 },
          ),
        ],
      ];
    }
    return [[name, point(body, name, `GET ${path}`)]];
  }

  async function bulk(names: string[]): Promise<[string, number | NpmDownloadsError][]> {
    // A bulk of one is the single form, and npm answers it in the single shape.
    if (names.length === 1) return single(names[0]!);
    const path = `/downloads/point/last-week/${names.join(',')}`;
    const endpoint = `GET ${path}`;
    const body = await get(path);
    if (body instanceof NpmDownloadsError) return names.map((name) => [name, body]);
    if (!isObject(body)) {
      const error = new NpmDownloadsError(
        'bad-response',
        endpoint,
        `npm downloads API answered ${endpoint} with no object.`,
      );
      return names.map((name) => [name, error]);
    }
    return names.map((name) =>
      Object.hasOwn(body, name)
        ? [name, point(body[name], name, endpoint)]
        : [name, new NpmDownloadsError('bad-response', endpoint, `npm downloads API left ${name} out of ${endpoint}.`)],
    );
  }

  async function weeklyDownloads(packages: readonly string[]): Promise<Map<string, number | NpmDownloadsError>> {
    const result = new Map<string, number | NpmDownloadsError>();
    const unscoped: string[] = [];
    const scoped: string[] = [];
    for (const name of new Set(packages)) {
      if (!PACKAGE_NAME.test(name)) {
        result.set(
          name,
          new NpmDownloadsError('invalid-name', undefined, `${JSON.stringify(name)} is not an npm package name.`),
        );
      } else if (name.startsWith('@')) scoped.push(name);
      else unscoped.push(name);
    }
    const jobs: (() => Promise<[string, number | NpmDownloadsError][]>)[] = [];
    for (let start = 0; start < unscoped.length; start += NPM_BULK_LIMIT) {
      const chunk = unscoped.slice(start, start + NPM_BULK_LIMIT);
      jobs.push(() => bulk(chunk));
    }
    for (const name of scoped) jobs.push(() => single(name));
    for (const answers of await mapLimit(jobs, concurrency, (job) => job())) {
      for (const [name, value] of answers) result.set(name, value);
    }
    return result;
  }

  return { weeklyDownloads };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
