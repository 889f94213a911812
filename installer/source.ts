/**
 * Reading the catalog: the index, server files and bundles come from an HTTPS URL, a `file:` URL
 * or a plain path, and every read has a size cap and a timeout. Downloads are streamed to a file
 * while they are hashed, with a progress bar on a TTY and nothing otherwise.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { request } from 'node:https';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InstallerError } from './errors.ts';

export interface Source {
  /** Where index.json is: an `https:` or `file:` URL. */
  readonly indexUrl: URL;
  /** A path or URL relative to index.json, as an absolute URL. */
  resolve(path: string): URL;
}

export function sourceFor(index: string, cwd = process.cwd()): Source {
  let url: URL;
  if (/^https:\/\//i.test(index) || /^file:/i.test(index)) url = new URL(index);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(index))
    throw new InstallerError('usage', `--index ${index}: use an https: URL, a file: URL or a path.`, {
      field: '--index',
    });
  else url = pathToFileURL(isAbsolute(index) ? index : resolve(cwd, index));
  // A folder (dist/) means its index.json.
  if (url.pathname.endsWith('/')) url = new URL('index.json', url);
  else if (!url.pathname.endsWith('.json')) url = new URL(url.pathname.split('/').pop() + '/index.json', url);
  return {
    indexUrl: url,
    resolve: (path: string) => {
      const target = new URL(path, url);
      if (target.protocol !== 'https:' && target.protocol !== 'file:')
        throw new InstallerError('download-refused', `${path}: only https: and file: locations are fetched.`);
      // A catalog on HTTPS never sends the installer to local files.
      if (url.protocol === 'https:' && target.protocol !== 'https:')
        throw new InstallerError('download-refused', `${path}: an https catalog may not point at local files.`);
      return target;
    },
  };
}

export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
}

const DEFAULT_LIMITS: FetchLimits = { maxBytes: 32 << 20, timeoutMs: 30_000 };

/** The bytes at `url`, at most `maxBytes`, within `timeoutMs`. */
export async function fetchBytes(url: URL, limits: Partial<FetchLimits> = {}): Promise<Buffer> {
  const { maxBytes, timeoutMs } = { ...DEFAULT_LIMITS, ...limits };
  if (url.protocol === 'file:') {
    const path = fileURLToPath(url);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (error) {
      throw new InstallerError('download-failed', `cannot read ${path}: ${(error as Error).message}`, {
        file: path,
        cause: error,
      });
    }
    if (size > maxBytes) throw tooLarge(url, maxBytes);
    return readFile(path);
  }
  const chunks: Buffer[] = [];
  await stream(url, { maxBytes, timeoutMs }, (chunk) => void chunks.push(chunk));
  return Buffer.concat(chunks);
}

export interface Download {
  path: string;
  sha256: string;
  size: number;
}

/**
 * Streams `url` into the file `path`, hashing as it goes; stops at `maxBytes` and `timeoutMs`.
 * `progress` is called with bytes so far and the expected total.
 */
export async function download(
  url: URL,
  path: string,
  limits: Partial<FetchLimits> & { expectedSize?: number },
  progress?: (done: number, total: number | undefined) => void,
): Promise<Download> {
  const { maxBytes, timeoutMs } = { ...DEFAULT_LIMITS, ...limits };
  const hash = createHash('sha256');
  const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  let failure: Error | undefined;
  out.on('error', (error) => (failure ??= error));
  let size = 0;
  const write = (chunk: Buffer) =>
    new Promise<void>((resolve, reject) => {
      size += chunk.length;
      hash.update(chunk);
      progress?.(size, limits.expectedSize);
      if (failure) return reject(failure);
      if (!out.write(chunk)) out.once('drain', resolve).once('error', reject);
      else resolve();
    });
  try {
    if (url.protocol === 'file:') {
      const file = fileURLToPath(url);
      const handle = await open(file, 'r').catch((error: Error) => {
        throw new InstallerError('download-failed', `cannot read ${file}: ${error.message}`, { file, cause: error });
      });
      await handle.close();
      const started = Date.now();
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
        if (size + (chunk as Buffer).length > maxBytes) throw tooLarge(url, maxBytes);
        if (Date.now() - started > timeoutMs) throw timedOut(url, timeoutMs);
        await write(chunk as Buffer);
      }
    } else {
      await stream(url, { maxBytes, timeoutMs }, write);
    }
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  } catch (error) {
    await new Promise<void>((resolve) => {
      out.once('close', () => resolve());
      out.destroy();
    });
    throw error;
  }
  return { path, sha256: hash.digest('hex'), size };
}

function tooLarge(url: URL, maxBytes: number) {
  return new InstallerError('download-too-large', `${url.href} is larger than the cap of ${maxBytes} bytes; refused.`, {
    details: { maxBytes },
  });
}

function timedOut(url: URL, timeoutMs: number) {
  return new InstallerError('download-timeout', `${url.href} did not arrive within ${timeoutMs / 1000} s; refused.`, {
    details: { timeoutMs },
  });
}

function stream(
  url: URL,
  limits: FetchLimits,
  onChunk: (chunk: Buffer) => void | Promise<void>,
  redirects = 0,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(timedOut(url, limits.timeoutMs)), limits.timeoutMs);
    const req = request(url, { method: 'GET', headers: { 'user-agent': 'mcp-catalog-installer' } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location && redirects < 5) {
        res.resume();
        const next = new URL(res.headers.location, url);
        if (next.protocol !== 'https:')
          return fail(new InstallerError('download-refused', `${url.href} redirects away from https.`));
        settled = true;
        clearTimeout(timer);
        stream(next, limits, onChunk, redirects + 1).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        res.resume();
        return fail(new InstallerError('download-failed', `${url.href}: HTTP ${status}.`, { details: { status } }));
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > limits.maxBytes) return fail(tooLarge(url, limits.maxBytes));
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > limits.maxBytes) return fail(tooLarge(url, limits.maxBytes));
        res.pause();
        Promise.resolve(onChunk(chunk)).then(
          () => res.resume(),
          (error) => fail(error),
        );
      });
      res.on('aborted', () => fail(new InstallerError('download-failed', `${url.href}: the connection was cut off.`)));
      res.on('error', (error) =>
        fail(new InstallerError('download-failed', `${url.href}: ${error.message}`, { cause: error })),
      );
      res.on('end', () => {
        if (settled) return;
        if (Number.isFinite(declared) && received !== declared)
          return fail(new InstallerError('download-failed', `${url.href}: got ${received} of ${declared} bytes.`));
        settled = true;
        clearTimeout(timer);
        resolve();
      });
    });
    req.on('error', (error) =>
      fail(new InstallerError('download-failed', `${url.href}: ${error.message}`, { cause: error })),
    );
    req.end();
  });
}

/** A progress bar on stderr when it is a TTY; nothing otherwise. */
export function progressBar(label: string, stderr: NodeJS.WriteStream = process.stderr) {
  if (!stderr.isTTY) return undefined;
  let last = 0;
  return (done: number, total: number | undefined) => {
    const now = Date.now();
    if (now - last < 80 && done !== total) return;
    last = now;
    const width = 30;
    const share = total ? Math.min(1, done / total) : 0;
    const bar = total ? '#'.repeat(Math.round(share * width)).padEnd(width, '.') : '';
    stderr.write(
      `\r${label} [${bar}] ${(done / 1048576).toFixed(1)} MB${total ? ` / ${(total / 1048576).toFixed(1)} MB` : ''}`,
    );
    if (total && done >= total) stderr.write('\n');
  };
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTPS request with headers, for registry APIs (small bodies only; no redirects followed). */
export function httpsRequest(
  url: URL,
  options: { method?: 'GET' | 'HEAD'; headers?: Record<string, string>; maxBytes?: number; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  const maxBytes = options.maxBytes ?? 1 << 20;
  const timeoutMs = options.timeoutMs ?? 20_000;
  if (url.protocol !== 'https:')
    return Promise.reject(new InstallerError('download-refused', `${url.href}: only https is used.`));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: { 'user-agent': 'mcp-catalog-installer', ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy();
            reject(tooLarge(url, maxBytes));
          } else chunks.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', (error) => reject(new InstallerError('download-failed', `${url.href}: ${error.message}`)));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      reject(timedOut(url, timeoutMs));
    }, timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(new InstallerError('download-failed', `${url.href}: ${error.message}`, { cause: error }));
    });
    req.end();
  });
}
