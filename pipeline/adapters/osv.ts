/**
 * Client for the OSV.dev vulnerability API (https://google.github.io/osv.dev/api/).
 *
 * Two calls are enough for the scanner: `POST /v1/querybatch` says which advisory ids affect
 * each package version (ids only, paginated per query), and `GET /v1/vulns/{id}` returns the
 * full OSV record (https://ossf.github.io/osv-schema/). Every fetch failure is wrapped once,
 * here, into an `OsvError`; the scan turns any of them into a review finding, never a pass.
 */
import { isObject } from '../core/guards.ts';

/** The OSV ecosystems the scanner inventories. */
export type OsvEcosystem = 'npm' | 'PyPI';

export interface OsvPackageVersion {
  ecosystem: OsvEcosystem;
  name: string;
  version: string;
}

/** One event of a range: exactly one of the four keys is set (OSV schema, "Requirements"). */
export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface OsvRange {
  /** `SEMVER`, `ECOSYSTEM` or `GIT`. */
  type: string;
  repo?: string;
  events: OsvEvent[];
  database_specific?: unknown;
}

export interface OsvAffected {
  package?: { ecosystem: string; name: string; purl?: string };
  ranges?: OsvRange[];
  versions?: string[];
  ecosystem_specific?: unknown;
  database_specific?: unknown;
  severity?: unknown;
}

/** The parts of an OSV record the scanner reads; other fields are kept but not typed. */
export interface OsvRecord {
  schema_version?: string;
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  related?: string[];
  summary?: string;
  details?: string;
  affected?: OsvAffected[];
  references?: { type: string; url: string }[];
  severity?: unknown;
  database_specific?: unknown;
  credits?: unknown;
}

export interface OsvClient {
  /** Advisory ids affecting each package version, in the order given, every page followed. */
  queryBatch(packages: readonly OsvPackageVersion[]): Promise<string[][]>;
  /** The full record of one advisory. */
  getVulnerability(id: string): Promise<OsvRecord>;
}

export type OsvErrorCode =
  /** The request never got an HTTP answer (DNS, refused, reset). */
  | 'network'
  /** No complete answer within `timeoutMs`. */
  | 'timeout'
  /** An HTTP status that is neither success nor 404 (after retries, for 5xx and 429). */
  | 'http-status'
  /** `GET /v1/vulns/{id}` answered 404. */
  | 'not-found'
  /** The body is not JSON or not the documented shape. */
  | 'malformed-response'
  /** `next_page_token`s kept coming past `maxPages` rounds. */
  | 'too-many-pages';

export class OsvError extends Error {
  override name = 'OsvError';
  readonly code: OsvErrorCode;
  /** `METHOD /path` of the call that failed. */
  readonly endpoint: string;
  readonly status: number | undefined;

  constructor(
    code: OsvErrorCode,
    endpoint: string,
    message: string,
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.endpoint = endpoint;
    this.status = options.status;
  }
}

export interface OsvClientOptions {
  /** Default `https://api.osv.dev`; tests point it at `pipeline/test-support/osv-server.ts`. */
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
  /** Per attempt, covering the response body too. Default 30 s. */
  timeoutMs?: number;
  /** Extra attempts after a network error, a timeout, a 5xx or a 429. Default 3. */
  retries?: number;
  /** Delay before the first retry; it doubles on each further one. Default 500 ms. */
  backoffMs?: number;
  /** Keep fetched records for the client's lifetime, so an id shared by many packages is fetched once. Default true. */
  cache?: boolean;
  /** Rounds of `next_page_token` to follow before giving up. Default 100. */
  maxPages?: number;
}

/** OSV.dev refuses a querybatch of more than 1,000 queries. */
export const QUERYBATCH_LIMIT = 1000;
/** The longest wait between attempts, whatever a `Retry-After` header asks for: CI jobs have a time limit. */
const MAX_DELAY_MS = 30_000;

export function createOsvClient(options: OsvClientOptions = {}): OsvClient {
  const baseUrl = (options.baseUrl ?? 'https://api.osv.dev').replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = Math.max(0, options.retries ?? 3);
  const backoffMs = options.backoffMs ?? 500;
  const maxPages = options.maxPages ?? 100;
  const records = options.cache === false ? undefined : new Map<string, Promise<OsvRecord>>();

  async function request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const endpoint = `${method} ${path}`;
    let failure: OsvError | undefined;
    let retryAfterMs: number | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(Math.min(retryAfterMs ?? backoffMs * 2 ** (attempt - 1), MAX_DELAY_MS));
      retryAfterMs = undefined;
      let status: number;
      let text: string;
      let retryAfter: string | null;
      try {
        // One signal for the headers and the body: a server that stalls mid-body times out too.
        const response = await fetchImpl(baseUrl + path, {
          method,
          headers: {
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        text = await response.text();
      } catch (error) {
        failure = wrapFetchError(error, endpoint, timeoutMs);
        continue;
      }
      if (status === 404) {
        throw new OsvError('not-found', endpoint, `OSV ${endpoint} answered 404: no such advisory.`, { status });
      }
      if (status === 429 || status >= 500) {
        failure = new OsvError('http-status', endpoint, `OSV ${endpoint} answered HTTP ${status}.`, { status });
        const seconds = retryAfter === null ? NaN : Number(retryAfter);
        if (Number.isFinite(seconds) && seconds >= 0) retryAfterMs = seconds * 1000;
        continue;
      }
      if (status < 200 || status > 299) {
        // Other 4xx mean our request is wrong; repeating it cannot help.
        throw new OsvError('http-status', endpoint, `OSV ${endpoint} answered HTTP ${status}: ${text.slice(0, 200)}`, {
          status,
        });
      }
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw new OsvError('malformed-response', endpoint, `OSV ${endpoint} answered with a body that is not JSON.`, {
          cause: error,
          status,
        });
      }
    }
    const last = failure!;
    throw new OsvError(
      last.code,
      endpoint,
      `${last.message} Gave up after ${retries + 1} attempt${retries === 0 ? '' : 's'}.`,
      {
        cause: last.cause,
        ...(last.status === undefined ? {} : { status: last.status }),
      },
    );
  }

  async function queryBatch(packages: readonly OsvPackageVersion[]): Promise<string[][]> {
    const endpoint = 'POST /v1/querybatch';
    const ids = packages.map(() => new Set<string>());
    // Each query is followed on its own: only the queries that returned a token are asked again.
    let pending = packages.map((pkg, index) => ({ pkg, index, pageToken: undefined as string | undefined }));
    for (let round = 0; pending.length > 0; round++) {
      if (round >= maxPages) {
        throw new OsvError('too-many-pages', endpoint, `OSV ${endpoint} kept paginating after ${maxPages} rounds.`);
      }
      const next: typeof pending = [];
      for (let start = 0; start < pending.length; start += QUERYBATCH_LIMIT) {
        const chunk = pending.slice(start, start + QUERYBATCH_LIMIT);
        const queries = chunk.map(({ pkg, pageToken }) => ({
          package: { ecosystem: pkg.ecosystem, name: pkg.name },
          version: pkg.version,
          ...(pageToken === undefined ? {} : { page_token: pageToken }),
        }));
        const results = batchResults(await request('POST', '/v1/querybatch', { queries }), chunk.length, endpoint);
        results.forEach((result, i) => {
          const query = chunk[i]!;
          for (const vuln of result.vulns) ids[query.index]!.add(vuln.id);
          if (result.next_page_token) next.push({ ...query, pageToken: result.next_page_token });
        });
      }
      pending = next;
    }
    return ids.map((set) => [...set]);
  }

  async function fetchRecord(id: string): Promise<OsvRecord> {
    const path = `/v1/vulns/${encodeURIComponent(id)}`;
    const body = await request('GET', path);
    const problem = osvRecordProblem(body);
    if (problem) {
      throw new OsvError(
        'malformed-response',
        `GET ${path}`,
        `OSV GET ${path} answered with an invalid record: ${problem}.`,
      );
    }
    return body as OsvRecord;
  }

  function getVulnerability(id: string): Promise<OsvRecord> {
    if (!records) return fetchRecord(id);
    let pending = records.get(id);
    if (!pending) {
      pending = fetchRecord(id);
      records.set(id, pending);
      // A failure is not cached: a later scan in the same run may try again.
      pending.catch(() => records.delete(id));
    }
    return pending;
  }

  return { queryBatch, getVulnerability };
}

function wrapFetchError(error: unknown, endpoint: string, timeoutMs: number): OsvError {
  // AbortSignal.timeout() rejects with a DOMException named TimeoutError, from fetch or from the body read.
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new OsvError('timeout', endpoint, `OSV ${endpoint} did not answer within ${timeoutMs} ms.`, {
      cause: error,
    });
  }
  const reason = error instanceof Error ? (describeCause(error.cause) ?? error.message) : String(error);
  return new OsvError('network', endpoint, `OSV ${endpoint} could not be reached (${reason}).`, { cause: error });
}

/** undici hides the useful part ("ECONNREFUSED 127.0.0.1:1234") in `cause`. */
function describeCause(cause: unknown): string | undefined {
  return cause instanceof Error ? cause.message : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface BatchResult {
  vulns: { id: string; modified?: string }[];
  next_page_token?: string;
}

/** The querybatch answer: one result per query, in order; a result with no match may be `{}`. */
function batchResults(body: unknown, expected: number, endpoint: string): BatchResult[] {
  const fail = (problem: string) =>
    new OsvError('malformed-response', endpoint, `OSV ${endpoint} answered with an unexpected shape: ${problem}.`);
  if (!isObject(body) || !Array.isArray(body.results)) throw fail('no `results` array');
  if (body.results.length !== expected) throw fail(`${body.results.length} results for ${expected} queries`);
  return body.results.map((result: unknown, i): BatchResult => {
    if (!isObject(result)) throw fail(`results[${i}] is not an object`);
    const vulns = result.vulns ?? [];
    if (!Array.isArray(vulns)) throw fail(`results[${i}].vulns is not an array`);
    for (const [j, vuln] of vulns.entries()) {
      if (!isObject(vuln) || typeof vuln.id !== 'string' || vuln.id === '') {
        throw fail(`results[${i}].vulns[${j}] has no id`);
      }
    }
    const token = result.next_page_token;
    if (token !== undefined && typeof token !== 'string') throw fail(`results[${i}].next_page_token is not a string`);
    return { vulns: vulns as BatchResult['vulns'], ...(token ? { next_page_token: token } : {}) };
  });
}

const EVENT_KEYS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;

/**
 * Where an OSV record departs from the shape the scanner relies on, as a JSON path, or undefined
 * when it is fine. Only fields that feed a decision are checked; unknown fields are allowed, as the
 * schema evolves (https://ossf.github.io/osv-schema/).
 */
export function osvRecordProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not an object';
  if (typeof value.id !== 'string' || value.id === '') return '`id` is not a non-empty string';
  if (typeof value.modified !== 'string') return '`modified` is not a string';
  for (const key of ['summary', 'details', 'withdrawn', 'published', 'schema_version'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'string') return `\`${key}\` is not a string`;
  }
  for (const key of ['aliases', 'related'] as const) {
    if (value[key] !== undefined && !isStringArray(value[key])) return `\`${key}\` is not an array of strings`;
  }
  if (value.affected === undefined) return undefined;
  if (!Array.isArray(value.affected)) return '`affected` is not an array';
  for (const [i, affected] of value.affected.entries()) {
    const at = `affected[${i}]`;
    if (!isObject(affected)) return `${at} is not an object`;
    const pkg = affected.package;
    if (pkg !== undefined && (!isObject(pkg) || typeof pkg.ecosystem !== 'string' || typeof pkg.name !== 'string')) {
      return `${at}.package has no string ecosystem and name`;
    }
    if (affected.versions !== undefined && !isStringArray(affected.versions)) {
      return `${at}.versions is not an array of strings`;
    }
    if (affected.ranges === undefined) continue;
    if (!Array.isArray(affected.ranges)) return `${at}.ranges is not an array`;
    for (const [j, range] of affected.ranges.entries()) {
      if (!isObject(range) || typeof range.type !== 'string') return `${at}.ranges[${j}] has no string type`;
      if (!Array.isArray(range.events)) return `${at}.ranges[${j}].events is not an array`;
      for (const [k, event] of range.events.entries()) {
        if (!isObject(event)) return `${at}.ranges[${j}].events[${k}] is not an object`;
        for (const key of EVENT_KEYS) {
          if (event[key] !== undefined && typeof event[key] !== 'string') {
            return `${at}.ranges[${j}].events[${k}].${key} is not a string`;
          }
        }
      }
    }
  }
  return undefined;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * After the first network failure or timeout, every later call fails at once with the same error:
 * a build without network otherwise pays the retries and back-off once per bundle.
 */
export function failFast(client: OsvClient): OsvClient {
  let down: OsvError | undefined;
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (down) throw down;
      try {
        return await call(...args);
      } catch (error) {
        if (error instanceof OsvError && (error.code === 'network' || error.code === 'timeout')) down = error;
        throw error;
      }
    };
  return {
    queryBatch: guard((packages) => client.queryBatch(packages)),
    getVulnerability: guard((id) => client.getVulnerability(id)),
  };
}
