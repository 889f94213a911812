/**
 * A test double of GitHub Pages serving a folder on 127.0.0.1, for the registry API tests. What
 * it does, and where each behaviour comes from (docs/registry-api.md has the table):
 *
 * - The query string plays no part in finding the file.
 * - The path is percent-decoded before the lookup, `%2F` included (`slash: 'decode'`, what Pages
 *   is reported to do); `slash: 'literal'` keeps `%2F` as the three characters, for hosts that
 *   look up the raw path.
 * - `/x` serves the file `x`, else `x.html`, else answers 301 to `/x/` (query kept) when `x/` is a
 *   directory; `/x/` serves `x/index.html` and never `x.html`. This is the behaviour measured on
 *   live Pages sites by slorber/trailing-slash-guide (README table, rows "GitHub Pages").
 * - A miss answers 404 with the site's `404.html` when there is one.
 * - The content type follows the extension (`.html` text/html, `.json` application/json, `.yaml`
 *   application/yaml, `.svg`, `.xml`); anything else, extensionless files included, is
 *   application/octet-stream.
 * - Every answer carries `Access-Control-Allow-Origin: *` and nothing else of CORS; methods other
 *   than GET and HEAD, preflight OPTIONS included, answer 405.
 * - A project site (`prefix: '/repo/'`) serves the folder under that path only; `/` and every
 *   other path are the owner's site, a 404 here. Text is gzipped for clients that accept it, as
 *   Pages does, so a test can count the bytes a browser really transfers.
 */
import { readFile, stat } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';

export interface PagesHost {
  url: string;
  /** Every request as it arrived (method and raw target). */
  requests: { method: string; url: string }[];
  close(): Promise<void>;
}

export interface PagesHostOptions {
  /** `decode`: `%2F` becomes `/` before the lookup (Pages). `literal`: it stays `%2F`. */
  slash?: 'decode' | 'literal';
  /** The path the folder is served under, `/` (a user site, the default) or `/repo/` (a project site). */
  prefix?: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.yaml': 'application/yaml',
  '.svg': 'image/svg+xml',
  '.xml': 'application/xml',
  '.mcpb': 'application/octet-stream',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

const COMPRESSIBLE = /^(text\/|application\/(json|xml|yaml)|image\/svg)/;

export async function startPagesHost(
  root: string,
  { slash = 'decode', prefix = '/' }: PagesHostOptions = {},
): Promise<PagesHost> {
  const requests: PagesHost['requests'] = [];
  // A CDN compresses a file once, not per request: so does the double, so timings measure the page.
  const compressed = new Map<string, Buffer>();
  const isFile = async (path: string) => (await stat(path).catch(() => undefined))?.isFile() ?? false;
  const isDir = async (path: string) => (await stat(path).catch(() => undefined))?.isDirectory() ?? false;

  const server = createServer((req, res) => {
    void (async () => {
      const raw = req.url ?? '/';
      requests.push({ method: req.method ?? 'GET', url: raw });
      const cors = { 'access-control-allow-origin': '*' };
      const send = async (status: number, file: string | undefined, extra: Record<string, string> = {}) => {
        let body: Buffer = file ? await readFile(file) : Buffer.from(status === 404 ? 'Not Found' : '');
        const type = file ? (TYPES[extname(file)] ?? 'application/octet-stream') : 'text/plain';
        const headers: Record<string, string | number> = { ...cors, 'content-type': type, ...extra };
        if (COMPRESSIBLE.test(type) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
          const key = `${file ?? ''}\0${body.length}`;
          body = compressed.get(key) ?? gzipSync(body);
          compressed.set(key, body);
          headers['content-encoding'] = 'gzip';
        }
        res.writeHead(status, { ...headers, 'content-length': body.length });
        res.end(req.method === 'HEAD' ? undefined : body);
      };
      const notFound = async () =>
        send(404, (await isFile(join(root, '404.html'))) ? join(root, '404.html') : undefined);

      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, undefined, { allow: 'GET, HEAD' });
      const cut = raw.indexOf('?');
      const [fullPath, query] = cut === -1 ? [raw, ''] : [raw.slice(0, cut), raw.slice(cut)];
      // `/repo` itself redirects to `/repo/`, as Pages does for a project site.
      if (`${fullPath}/` === prefix)
        return send(301, undefined, { location: `http://${req.headers.host}${prefix}${query}` });
      if (!fullPath.startsWith(prefix)) return send(404, undefined);
      const rawPath = fullPath.slice(prefix.length - 1);
      let path: string;
      try {
        path =
          slash === 'decode'
            ? decodeURIComponent(rawPath)
            : rawPath
                .split(/%2F/i)
                .map((part) => decodeURIComponent(part))
                .join('%2F');
      } catch {
        return send(400, undefined);
      }
      if (path.split('/').some((s) => s === '..' || s === '.')) return notFound();
      const file = join(root, path);
      if (path.endsWith('/'))
        return (await isFile(join(file, 'index.html'))) ? send(200, join(file, 'index.html')) : notFound();
      if (await isFile(file)) return send(200, file);
      if (await isFile(`${file}.html`)) return send(200, `${file}.html`);
      if (await isDir(file)) {
        const location = `http://${req.headers.host}${prefix.slice(0, -1)}${encodeURI(path)}/${query}`;
        return send(301, undefined, { location });
      }
      return notFound();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
