/**
 * The request policy shared by the two GitHub adapters: `github.ts` (stats) and `github-repo.ts`
 * (issues, comments and pull requests in the catalog's own repository). Both wrap octokit's
 * request hook in the same rules, and each used to carry its own copy of them; one copy here keeps
 * the two clients from drifting apart on how they read a rate limit, how long they wait before a
 * retry, or where they send the token.
 *
 * The rules (the why of each is in the adapters' headers):
 * - requests go only to the origin of `baseUrl`;
 * - once GitHub says the rate limit is spent, every later call fails at once until the reset time;
 * - each attempt has a timeout, and 5xx and network failures are retried with doubling delays;
 * - whatever octokit throws becomes the adapter's own error, with one code, wrapped once.
 *
 * What differs stays in the adapters: their error classes and extra codes ('rejected' for the
 * repository writes), the advice their messages end with, the stats client's ETag cache, and the
 * repository client's look-up-then-retry of creations that are not idempotent.
 */
import { Octokit } from '@octokit/rest';
import { isObject } from '../core/guards.ts';

const DEFAULT_BASE_URL = 'https://api.github.com';
/** GitHub's advice for a secondary rate limit that names no time: wait at least a minute. */
const SECONDARY_LIMIT_WAIT_MS = 60_000;

export type ResponseHeaders = Record<string, string | number | undefined>;

export interface OctokitResponse {
  status: number;
  url: string;
  headers: ResponseHeaders;
  data: unknown;
}

// ---- errors --------------------------------------------------------------------------------

/**
 * The codes the shared code raises, so every adapter's code union must hold them (`github-repo.ts`
 * adds its own). Each adapter documents what they mean to its callers; `GitHubHttpErrorClass`
 * makes the compiler check that the unions keep these.
 */
export type GitHubHttpErrorCode = 'not-found' | 'rate-limited' | 'unauthorized' | 'network' | 'bad-response';

export interface GitHubHttpErrorOptions {
  cause?: unknown;
  status?: number;
  resetAt?: Date;
}

/** The fields and constructor of `GitHubError` and `GitHubRepoError`; each subclass sets its own `name`. */
export class GitHubHttpError<Code extends string> extends Error {
  readonly code: Code;
  /** `METHOD /path` of the call that failed. */
  readonly endpoint: string;
  readonly status: number | undefined;
  /** For 'rate-limited': when GitHub says the limit resets, if it said. */
  readonly resetAt: Date | undefined;

  constructor(code: Code, endpoint: string, message: string, options: GitHubHttpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.endpoint = endpoint;
    this.status = options.status;
    this.resetAt = options.resetAt;
  }
}

/** An adapter's error class, so that the shared code raises the adapter's own errors. */
export type GitHubHttpErrorClass<E> = new (
  code: GitHubHttpErrorCode,
  endpoint: string,
  message: string,
  options?: GitHubHttpErrorOptions,
) => E;

/** The shape of octokit's RequestError, matched by duck typing: @octokit/request-error is not our dependency. */
interface RequestErrorLike {
  name: string;
  status: number;
  response?: { headers: ResponseHeaders; data: unknown };
}

export function isRequestError(error: unknown): error is RequestErrorLike {
  return (
    error instanceof Error && error.name === 'HttpError' && typeof (error as { status?: unknown }).status === 'number'
  );
}

/** What octokit threw, read but not yet worded: the adapters word their own messages. */
export type RequestFailure =
  /** No HTTP answer at all. */
  | { kind: 'unreachable'; reason: string }
  /** A 403 or 429 that is a rate limit; `resetAt` only when GitHub named a time. */
  | { kind: 'rate-limited'; status: number; resetAt: Date | undefined }
  /** Any other HTTP answer, with GitHub's `message` ('' when it gave none) and the whole body. */
  | { kind: 'answer'; status: number; message: string; data: unknown };

export function readFailure(error: unknown, timeoutMs: number): RequestFailure {
  if (!isRequestError(error) || !error.response) {
    // octokit reports a fetch that got no answer as a RequestError with status 500 and no response.
    return { kind: 'unreachable', reason: unreachableReason(error, timeoutMs) };
  }
  const { status } = error;
  const { headers, data } = error.response;
  const message = isObject(data) && typeof data.message === 'string' ? data.message : '';
  if (status === 403 || status === 429) {
    const resetAt = rateLimitReset(headers, message, status);
    if (resetAt !== undefined) {
      return { kind: 'rate-limited', status, resetAt: Number.isFinite(resetAt.getTime()) ? resetAt : undefined };
    }
  }
  return { kind: 'answer', status, message, data };
}

function unreachableReason(error: unknown, timeoutMs: number): string {
  const cause = error instanceof Error ? error.cause : undefined;
  const timedOut =
    (error instanceof Error && error.name === 'TimeoutError') ||
    (cause instanceof Error && cause.name === 'TimeoutError');
  if (timedOut) return `no answer within ${timeoutMs} ms`;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * When a 403 or 429 is a rate limit, the time it lifts (an invalid Date when GitHub does not say);
 * undefined when it is not a rate limit. Order as in GitHub's docs: `retry-after`, then
 * `x-ratelimit-remaining: 0` with `x-ratelimit-reset`, then a secondary limit named only in the message.
 */
function rateLimitReset(headers: ResponseHeaders, message: string, status: number): Date | undefined {
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

function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return value === undefined ? undefined : String(value);
}

/** How each adapter's messages end: a build and a workflow call for different remedies. */
export interface FailureAdvice {
  /** After `GitHub rate limit reached on … It resets at ….` */
  rateLimited: string;
  /** After `GitHub refused … with HTTP 401 (message): `, without the final full stop. */
  unauthorized: string;
  /** After `GitHub has no … (HTTP 404): `, without the final full stop; without it the message ends at `(HTTP 404).` */
  notFound?: string;
}

export interface FailureContext<E> {
  /** What octokit threw; it becomes the cause. */
  error: unknown;
  endpoint: string;
  advice: FailureAdvice;
  errorClass: GitHubHttpErrorClass<E>;
}

/** The adapter's error for a failure: the one place third-party errors are wrapped. */
export function failureError<E>(failure: RequestFailure, context: FailureContext<E>): E {
  const { error: cause, endpoint, advice, errorClass } = context;
  switch (failure.kind) {
    case 'unreachable':
      return new errorClass('network', endpoint, `GitHub could not be reached for ${endpoint} (${failure.reason}).`, {
        cause,
      });
    case 'rate-limited': {
      const { status, resetAt } = failure;
      const when = resetAt ? ` It resets at ${resetAt.toISOString()}.` : '';
      return new errorClass(
        'rate-limited',
        endpoint,
        `GitHub rate limit reached on ${endpoint}.${when} ${advice.rateLimited}`,
        { cause, status, ...(resetAt ? { resetAt } : {}) },
      );
    }
    case 'answer':
      return answerError(failure.status, failure.message, context);
  }
}

function answerError<E>(status: number, message: string, context: FailureContext<E>): E {
  const { error: cause, endpoint, advice, errorClass } = context;
  if (status === 401 || status === 403) {
    return new errorClass(
      'unauthorized',
      endpoint,
      `GitHub refused ${endpoint} with HTTP ${status} (${message || 'no message'}): ${advice.unauthorized}.`,
      { cause, status },
    );
  }
  if (status === 404 || status === 410) {
    const why = advice.notFound ? `: ${advice.notFound}` : '';
    return new errorClass('not-found', endpoint, `GitHub has no ${endpoint} (HTTP ${status})${why}.`, {
      cause,
      status,
    });
  }
  if (status >= 500) {
    return new errorClass('network', endpoint, `GitHub answered ${endpoint} with HTTP ${status}.`, { cause, status });
  }
  return new errorClass('bad-response', endpoint, `GitHub answered ${endpoint} with HTTP ${status}: ${message}`, {
    cause,
    status,
  });
}

// ---- the client ------------------------------------------------------------------------------

/** The options both adapters take for timing, with the same defaults. */
export interface GitHubHttpTimings {
  /** Extra attempts after a 5xx or a network error. Default 2. */
  retries?: number;
  /** Delay before the first retry; it doubles on each further one. Default 1 s. */
  backoffMs?: number;
  /** Per attempt. Default 30 s. */
  timeoutMs?: number;
}

export interface GitHubHttpSettings {
  /** Without a trailing `/`. */
  baseUrl: string;
  /** The one origin requests may go to. */
  origin: string;
  retries: number;
  backoffMs: number;
  timeoutMs: number;
}

export function httpSettings(options: GitHubHttpTimings & { baseUrl?: string | undefined }): GitHubHttpSettings {
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  return {
    baseUrl,
    origin: new URL(baseUrl).origin,
    retries: Math.max(0, options.retries ?? 2),
    backoffMs: options.backoffMs ?? 1000,
    timeoutMs: options.timeoutMs ?? 30_000,
  };
}

export interface OctokitSettings {
  baseUrl: string;
  /** None, or '': unauthenticated. */
  token?: string | undefined;
  userAgent: string;
  fetch?: typeof globalThis.fetch | undefined;
}

export function createOctokit(settings: OctokitSettings): Octokit {
  return new Octokit({
    baseUrl: settings.baseUrl,
    ...(settings.token ? { auth: settings.token } : {}),
    userAgent: settings.userAgent,
    request: { ...(settings.fetch ? { fetch: settings.fetch } : {}) },
    // Failures reach the log as the adapters' own errors (the stats notes, the workflow's
    // messages); octokit's own per-request error lines would say the same thing twice.
    log: { debug: () => {}, info: () => {}, warn: console.warn.bind(console), error: () => {} },
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The wait before retry number `retry` (1 for the first): `backoffMs`, doubling on each further one. */
export function retryDelay(backoffMs: number, retry: number): number {
  return backoffMs * 2 ** (retry - 1);
}

// ---- the request hook's guard ----------------------------------------------------------------

/** The one field of octokit's request options the guard sets: a fresh timeout per attempt. */
export interface AttemptOptions {
  request: { signal?: AbortSignal };
}

/** What the guard needs from the adapter. */
export interface RequestGuardAdapter<E> {
  errorClass: GitHubHttpErrorClass<E>;
  /** Whatever an attempt threw, other than the adapter's own error, as the adapter's error. */
  classify(error: unknown, endpoint: string, timeoutMs: number): E;
}

export interface RequestGuard {
  /**
   * Before anything is sent: throws 'bad-response' for a URL outside the origin (octokit follows
   * `Link: rel="next"` wherever it points, with the token) and 'rate-limited' while a spent limit
   * lasts. Returns the URL and the `METHOD /path?query` that errors name.
   */
  admit(parsed: { method: string; url: string }): { url: URL; endpoint: string };
  /** `attempt`, with a timeout each time, retried `retries` times after a 'network' failure. */
  send<T>(endpoint: string, options: AttemptOptions, retries: number, attempt: () => Promise<T>): Promise<T>;
}

export function createRequestGuard<E extends GitHubHttpError<string>>(
  settings: GitHubHttpSettings,
  adapter: RequestGuardAdapter<E>,
): RequestGuard {
  const { origin, backoffMs, timeoutMs } = settings;
  const { errorClass } = adapter;
  /** Set by the first 'rate-limited' answer: later calls fail fast until then. */
  let blocked: { until: number; error: E } | undefined;

  function admit(parsed: { method: string; url: string }): { url: URL; endpoint: string } {
    const url = new URL(parsed.url);
    const endpoint = `${parsed.method} ${url.pathname}${url.search}`;
    if (url.origin !== origin) {
      throw new errorClass(
        'bad-response',
        endpoint,
        `GitHub pointed the client at ${url.origin}, outside ${origin}; refusing to send the request (and the token) there.`,
      );
    }
    if (blocked && Date.now() < blocked.until) {
      throw new errorClass('rate-limited', endpoint, blocked.error.message, {
        cause: blocked.error,
        ...(blocked.error.resetAt ? { resetAt: blocked.error.resetAt } : {}),
      });
    }
    return { url, endpoint };
  }

  async function send<T>(
    endpoint: string,
    options: AttemptOptions,
    retries: number,
    attempt: () => Promise<T>,
  ): Promise<T> {
    for (let tried = 0; ; tried++) {
      if (tried > 0) await sleep(retryDelay(backoffMs, tried));
      try {
        // before-after-hook binds the inner hooks (auth, request-log) to this very options object and
        // ignores arguments passed to `request`: changes must be made on the object itself.
        options.request = { ...options.request, signal: AbortSignal.timeout(timeoutMs) };
        return await attempt();
      } catch (error) {
        const failure = error instanceof errorClass ? error : adapter.classify(error, endpoint, timeoutMs);
        if (failure.code === 'rate-limited') {
          blocked = { until: failure.resetAt?.getTime() ?? Infinity, error: failure };
        }
        if (failure.code !== 'network') throw failure;
        if (tried >= retries) throw gaveUp(failure, endpoint, retries);
      }
    }
  }

  /** Only 'network' failures are retried, so that is what giving up on them is. */
  function gaveUp(last: E, endpoint: string, retries: number): E {
    return new errorClass(
      'network',
      endpoint,
      `${last.message} Gave up after ${retries + 1} attempt${retries === 0 ? '' : 's'}.`,
      { cause: last.cause, ...(last.status === undefined ? {} : { status: last.status }) },
    );
  }

  return { admit, send };
}
