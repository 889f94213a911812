/**
 * HTTP for merge sources (docs/sources.md): GET with a deadline, a size cap and redirects followed
 * by hand, so that a source's token goes to the source's own origin and nowhere else. Fetch would
 * strip `Authorization` on a cross-origin redirect too (WHATWG fetch, "HTTP-redirect fetch",
 * step 13), but not on a same-origin hop to a page the token should not see through a proxy, and
 * not for a `Proxy-Authorization`; following by hand makes the rule ours and testable.
 *
 * Plain http is refused except to this machine (the tests' servers on 127.0.0.1): what a source
 * gives becomes part of a signed index.
 */
import type { ResolvedSource } from '../core/config.ts';

export type SourceErrorCode =
  /** The source could not be reached: DNS, connection refused, reset, timeout. */
  | 'source-unreachable'
  /** It answered with a status other than 200. */
  | 'source-http-status'
  /** The answer is not what the protocol says: not JSON, wrong shape, an unknown major version. */
  | 'source-malformed'
  /** Over the size cap, or too many pages or servers. */
  | 'source-too-large'
  /** `auth.tokenEnv` names a variable that is not set. */
  | 'source-auth-missing'
  /** An http:// URL that is not on this machine, or a redirect to one. */
  | 'source-insecure-url'
  /** A catalog source's index signature does not verify under the pinned identity. */
  | 'source-signature-invalid'
  /** The index or a server file is not the bytes its signature or the index names. */
  | 'source-digest-mismatch'
  /** A catalog source's index has a lower serial than the last good copy (rollback). */
  | 'source-rollback'
  /** A catalog source's index is past its `expires` (freeze). */
  | 'source-expired'
  /** The pinned identity cannot be used (missing public key file). */
  | 'source-identity-invalid';

/** Why a source could not be read; the message names the source and says what to check. */
export class SourceError extends Error {
  override name = 'SourceError';
  readonly code: SourceErrorCode;
  readonly source: string;
  constructor(code: SourceErrorCode, source: string, message: string, options: { cause?: unknown } = {}) {
    super(`source ${source}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.source = source;
  }
}

export interface SourceHttpOptions {
  /** The environment the token is read from (process.env in the build). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Largest answer accepted, in bytes. */
  maxBytes?: number;
}

export interface SourceHttp {
  /** GET `url` and return its body; throws SourceError. */
  get(url: string): Promise<Buffer>;
}

const MAX_REDIRECTS = 5;
export const DEFAULT_SOURCE_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 60_000;

function isLoopback(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}

/** Refuses anything but https, or http to this machine. */
export function checkSourceUrl(source: string, url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new SourceError('source-malformed', source, `${url} is not a URL.`, { cause });
  }
  if (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLoopback(parsed.hostname))) return parsed;
  throw new SourceError(
    'source-insecure-url',
    source,
    `${parsed.href} is not https. What a source gives is signed into the index: serve it over https.`,
  );
}

/**
 * An HTTP client bound to one source: its token (when `auth` is set) is sent on requests to the
 * origin of the source's `url` only, never logged and never put in an error message.
 */
export function sourceHttp(
  source: Pick<ResolvedSource, 'name' | 'url' | 'auth'>,
  options: SourceHttpOptions = {},
): SourceHttp {
  const origin = checkSourceUrl(source.name, source.url).origin;
  const env = options.env ?? process.env;
  let token: string | undefined;
  if (source.auth) {
    token = env[source.auth.tokenEnv];
    if (!token)
      throw new SourceError(
        'source-auth-missing',
        source.name,
        `auth.tokenEnv names ${source.auth.tokenEnv}, which is not set. Set it (a CI secret) or remove auth.`,
      );
  }
  const maxBytes = options.maxBytes ?? DEFAULT_SOURCE_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return {
    async get(url) {
      let current = checkSourceUrl(source.name, url);
      for (let hop = 0; ; hop++) {
        const headers: Record<string, string> = { accept: 'application/json' };
        if (token !== undefined && current.origin === origin) headers.authorization = `Bearer ${token}`;
        let response: Response;
        try {
          response = await fetch(current, { headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
        } catch (cause) {
          const why = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).name;
          throw new SourceError('source-unreachable', source.name, `GET ${current.href} failed (${why}).`, { cause });
        }
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location) {
          await response.body?.cancel();
          if (hop >= MAX_REDIRECTS)
            throw new SourceError(
              'source-unreachable',
              source.name,
              `GET ${url}: more than ${MAX_REDIRECTS} redirects.`,
            );
          current = checkSourceUrl(source.name, new URL(location, current).href);
          continue;
        }
        if (response.status !== 200) {
          await response.body?.cancel();
          throw new SourceError(
            'source-http-status',
            source.name,
            `GET ${current.href} answered ${response.status}${response.status === 401 || response.status === 403 ? ' (check the token in auth.tokenEnv)' : ''}.`,
          );
        }
        const declared = Number(response.headers.get('content-length') ?? 0);
        if (declared > maxBytes) {
          await response.body?.cancel();
          throw new SourceError(
            'source-too-large',
            source.name,
            `GET ${current.href}: ${declared} bytes, over ${maxBytes}.`,
          );
        }
        const chunks: Buffer[] = [];
        let size = 0;
        try {
          for await (const chunk of response.body ?? []) {
            size += chunk.byteLength;
            if (size > maxBytes)
              throw new SourceError('source-too-large', source.name, `GET ${current.href}: over ${maxBytes} bytes.`);
            chunks.push(Buffer.from(chunk));
          }
        } catch (cause) {
          if (cause instanceof SourceError) throw cause;
          throw new SourceError('source-unreachable', source.name, `GET ${current.href}: the answer broke off.`, {
            cause,
          });
        }
        return Buffer.concat(chunks);
      }
    },
  };
}

/** The body as JSON, or a source-malformed error naming the URL. */
export function parseSourceJson(source: string, url: string, body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (cause) {
    throw new SourceError('source-malformed', source, `${url} is not JSON.`, { cause });
  }
}
