/**
 * A local npm download counts API on 127.0.0.1, speaking the shapes of api.npmjs.org
 * (https://github.com/npm/registry/blob/main/docs/download-counts.md) for `last-week` points:
 * - one package, `/downloads/point/last-week/express` or `/downloads/point/last-week/@scope/name`:
 *   `{"downloads":N,"start":"YYYY-MM-DD","end":"YYYY-MM-DD","package":"express"}`, or 404
 *   `{"error":"package express not found"}`;
 * - bulk, `/downloads/point/last-week/a,b,c` (at most 128, unscoped only): `{"a":{…},"b":null}`,
 *   `null` for a package npm does not know; a scoped name or too many names is a 400.
 * Faults (status, body, delay) can be queued to test retries.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface NpmDownloadsServerOptions {
  /** Weekly downloads by package name; a name not here is unknown to npm. */
  downloads: Record<string, number>;
}

export interface NpmFault {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

export interface NpmRecordedRequest {
  path: string;
  status: number;
}

export interface NpmDownloadsTestServer {
  /** Base URL for `createNpmDownloadsClient({ baseUrl })`. */
  url: string;
  requests: NpmRecordedRequest[];
  /** The next `count` requests (default: all) get `fault`; default 503. */
  fail(count?: number, fault?: NpmFault): void;
  close(): Promise<void>;
}

const PREFIX = '/downloads/point/last-week/';

export async function startNpmDownloadsServer(options: NpmDownloadsServerOptions): Promise<NpmDownloadsTestServer> {
  const requests: NpmRecordedRequest[] = [];
  const faults: { remaining: number; fault: NpmFault }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  // last-week: the seven days that end yesterday (UTC), as npm computes it.
  const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
  const [start, end] = [day(7), day(1)];
  const point = (name: string) => {
    const downloads = options.downloads[name];
    return downloads === undefined ? null : { downloads, start, end, package: name };
  };

  const answer = (path: string): { status: number; body: unknown } => {
    if (!path.startsWith(PREFIX)) return { status: 404, body: { error: 'Not found' } };
    const spec = decodeURIComponent(path.slice(PREFIX.length));
    if (spec.includes(',')) {
      const names = spec.split(',');
      if (names.some((n) => n.startsWith('@'))) {
        return { status: 400, body: { error: 'scoped packages not supported in bulk queries' } };
      }
      if (names.length > 128) return { status: 400, body: { error: 'bulk queries are limited to 128 packages' } };
      return { status: 200, body: Object.fromEntries(names.map((n) => [n, point(n)])) };
    }
    const found = point(spec);
    return found ? { status: 200, body: found } : { status: 404, body: { error: `package ${spec} not found` } };
  };

  const handle = (req: IncomingMessage, res: ServerResponse, recorded: NpmRecordedRequest) => {
    const current = faults[0];
    if (current && --current.remaining <= 0) faults.shift();
    const fault = current?.fault;
    if (fault) {
      recorded.status = fault.status;
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers }).end(fault.body ?? '');
      return;
    }
    const { status, body } = req.method === 'GET' ? answer(req.url ?? '/') : { status: 404, body: {} };
    recorded.status = status;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const recorded: NpmRecordedRequest = { path: req.url ?? '', status: 0 };
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
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fail(count = Infinity, fault = { status: 503 }) {
      faults.push({ remaining: count, fault });
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
