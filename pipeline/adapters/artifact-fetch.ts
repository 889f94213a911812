/**
 * Downloads artifacts (`.mcpb` release assets) into a content-addressed cache, with a size cap,
 * a deadline, bounded retries and https only, redirects included. A bundle whose sha256 the
 * listing records and the cache already holds is not downloaded again, so a run where nothing
 * changed downloads nothing.
 *
 * node:https rather than fetch: it takes a `ca` (tests serve real TLS on 127.0.0.1 with a
 * throwaway CA) and gives the socket-level timeouts we want. NODE_EXTRA_CA_CERTS works too.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

export type FetchErrorCode =
  'not-https' | 'http-status' | 'too-large' | 'timeout' | 'too-many-redirects' | 'network' | 'offline' | 'missing';

/** A download that failed; `code` says why, the message names the URL. */
export class ArtifactFetchError extends Error {
  readonly code: FetchErrorCode;
  readonly url: string;
  readonly status: number | undefined;
  constructor(code: FetchErrorCode, url: string, message: string, options?: { cause?: unknown; status?: number }) {
    super(`${url}: ${message}`, options);
    this.name = 'ArtifactFetchError';
    this.code = code;
    this.url = url;
    this.status = options?.status;
  }
}

export interface FetchOptions {
  cacheDir: string;
  /** Refuse artifacts larger than this (bytes). */
  maxBytes?: number;
  /** Give up on one attempt after this long (ms). */
  timeoutMs?: number;
  retries?: number;
  /** Extra trusted CA certificates (PEM), for a private mirror or a test server. */
  ca?: string | Buffer;
  /** Serve from the cache only; anything not cached fails with `offline`. */
  offline?: boolean;
}

export interface FetchedArtifact {
  path: string;
  sha256: string;
  size: number;
  /** False when the cache already held the expected bytes. */
  downloaded: boolean;
}

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 120_000;
const MAX_REDIRECTS = 5;

export function cachedPath(cacheDir: string, sha256: string): string {
  return join(cacheDir, 'sha256', `${sha256}.mcpb`);
}

export async function fetchArtifact(
  url: string,
  expectedSha256: string | undefined,
  options: FetchOptions,
): Promise<FetchedArtifact> {
  if (expectedSha256) {
    const cached = cachedPath(options.cacheDir, expectedSha256);
    if (existsSync(cached))
      return { path: cached, sha256: expectedSha256, size: statSync(cached).size, downloaded: false };
  }
  if (options.offline) throw new ArtifactFetchError('offline', url, 'not in the cache, and the build runs offline.');
  const retries = options.retries ?? 2;
  for (let attempt = 0; ; attempt++) {
    try {
      return await download(url, options);
    } catch (error) {
      const retriable =
        error instanceof ArtifactFetchError &&
        (error.code === 'network' || error.code === 'timeout' || error.status === 429 || (error.status ?? 0) >= 500);
      if (!retriable || attempt >= retries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
}

async function download(url: string, options: FetchOptions): Promise<FetchedArtifact> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const incoming = join(options.cacheDir, 'incoming');
  mkdirSync(incoming, { recursive: true });
  const partial = join(incoming, randomBytes(8).toString('hex'));
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await open(url, options, signal, 0);
    const declared = Number(response.headers['content-length']);
    if (declared > maxBytes)
      throw new ArtifactFetchError('too-large', url, `${declared} bytes is over the ${maxBytes}-byte cap.`);
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > maxBytes)
          return callback(new ArtifactFetchError('too-large', url, `over the ${maxBytes}-byte cap.`));
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    await pipeline(response, meter, createWriteStream(partial, { flags: 'wx', mode: 0o600 }), { signal });
    const sha256 = hash.digest('hex');
    const path = cachedPath(options.cacheDir, sha256);
    mkdirSync(join(options.cacheDir, 'sha256'), { recursive: true });
    renameSync(partial, path);
    return { path, sha256, size, downloaded: true };
  } catch (error) {
    rmSync(partial, { force: true });
    if (error instanceof ArtifactFetchError) throw error;
    if (signal.aborted)
      throw new ArtifactFetchError('timeout', url, `no complete answer within ${timeoutMs} ms.`, { cause: error });
    throw new ArtifactFetchError('network', url, (error as Error).message, { cause: error });
  }
}

function open(
  url: string,
  options: FetchOptions,
  signal: AbortSignal,
  redirects: number,
): Promise<import('node:http').IncomingMessage> {
  if (!url.startsWith('https://'))
    return Promise.reject(new ArtifactFetchError('not-https', url, 'only https:// URLs are fetched.'));
  return new Promise((resolve, reject) => {
    const req = request(url, {
      signal,
      ...(options.ca ? { ca: options.ca } : {}),
      headers: { accept: 'application/octet-stream' },
    });
    req.on('error', reject);
    req.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location) {
        response.resume();
        if (redirects >= MAX_REDIRECTS)
          return reject(new ArtifactFetchError('too-many-redirects', url, `more than ${MAX_REDIRECTS} redirects.`));
        return resolve(open(new URL(location, url).href, options, signal, redirects + 1));
      }
      if (status !== 200) {
        response.resume();
        return reject(new ArtifactFetchError('http-status', url, `HTTP ${status}.`, { status }));
      }
      resolve(response);
    });
    req.end();
  });
}

/**
 * A bundle the catalog repository keeps itself (catalog/bundles/): hashed as it is, in place.
 * Streamed, so a large bundle costs no memory.
 */
export async function hashLocalArtifact(path: string): Promise<FetchedArtifact> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      size += chunk.length;
      hash.update(chunk);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'network';
    throw new ArtifactFetchError(code, path, (error as Error).message, { cause: error });
  }
  return { path, sha256: hash.digest('hex'), size, downloaded: false };
}
