/**
 * A local OSV API on 127.0.0.1 that serves a folder of OSV records, so tests (and the scanner's
 * fixture harness) drive the real client over real HTTP. It speaks the documented protocol
 * (https://google.github.io/osv.dev/api/): `POST /v1/query`, `POST /v1/querybatch` with per-query
 * `next_page_token` pagination, `GET /v1/vulns/{id}` with 404 for unknown ids. Matching reuses
 * `pipeline/scan/versions.ts`, as OSV.dev matches by version too; it also returns records whose
 * ranges cannot place the version (`unknown`), so the fail-closed path is reachable in tests.
 * Faults (status codes, bad bodies, delays) can be queued to test retries and timeouts.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OsvEcosystem, OsvRecord } from '../adapters/osv.ts';
import { osvRecordProblem } from '../adapters/osv.ts';
import { isObject } from '../core/guards.ts';
import { evaluate, normalizePackageName } from '../scan/versions.ts';

export interface OsvServerOptions {
  /** A folder of `*.json` OSV records (e.g. `pipeline/adapters/__fixtures__/osv/records`). */
  recordsDir?: string;
  records?: OsvRecord[];
  /** Vulnerabilities per query page; small values force `next_page_token`. Default 1000. */
  pageSize?: number;
  /** Queries per querybatch request; more is a 400, as on OSV.dev. Default 1000. */
  maxBatch?: number;
}

/** Replaces the next answers: a status and body, and/or a delay before answering. */
export interface OsvFault {
  status?: number;
  body?: string;
  delayMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** For querybatch: how many queries the request carried. */
  queries?: number;
}

export interface OsvTestServer {
  /** Base URL for `createOsvClient({ baseUrl })`. */
  url: string;
  requests: RecordedRequest[];
  /** The next `count` requests (default: all of them) get `fault` instead of an answer; default 503. */
  fail(count?: number, fault?: OsvFault): void;
  close(): Promise<void>;
}

/** Read every `*.json` file of a folder as an OSV record; an invalid one throws, naming the file. */
export async function loadOsvRecords(dir: string): Promise<OsvRecord[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(
    names.map(async (name) => {
      const value: unknown = JSON.parse(await readFile(join(dir, name), 'utf8'));
      const problem = osvRecordProblem(value);
      if (problem) throw new Error(`${join(dir, name)} is not an OSV record: ${problem}`);
      return value as OsvRecord;
    }),
  );
}

const MAX_BODY = 16 * 1024 * 1024;

export async function startOsvServer(options: OsvServerOptions = {}): Promise<OsvTestServer> {
  const records = [...(options.records ?? []), ...(options.recordsDir ? await loadOsvRecords(options.recordsDir) : [])];
  const byId = new Map(records.map((r) => [r.id, r]));
  const pageSize = options.pageSize ?? 1000;
  const maxBatch = options.maxBatch ?? 1000;
  const requests: RecordedRequest[] = [];
  const faults: { remaining: number; fault: OsvFault }[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  // OSV.dev's error body: {"code": <gRPC code>, "message": "..."}.
  const invalid = (res: ServerResponse, message: string) => send(res, 400, { code: 3, message });

  /** Ids of the records that affect (or may affect) a package version, sorted. */
  const matching = (ecosystem: OsvEcosystem, name: string, version: string | undefined) =>
    records
      .filter((record) =>
        version === undefined
          ? (record.affected ?? []).some(
              (a) =>
                a.package?.ecosystem === ecosystem &&
                normalizePackageName(ecosystem, a.package.name) === normalizePackageName(ecosystem, name),
            )
          : evaluate(record, ecosystem, name, version).status !== 'not-affected',
      )
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  /** One query of /v1/query or /v1/querybatch: a page of matches and the token of the next one. */
  const answer = (query: unknown): { page: OsvRecord[]; next?: string } | string => {
    if (!isObject(query) || !isObject(query.package)) return 'Invalid query: a package is required.';
    const { ecosystem, name } = query.package;
    if (ecosystem !== 'npm' && ecosystem !== 'PyPI')
      return `Invalid query: unsupported ecosystem ${String(ecosystem)}.`;
    if (typeof name !== 'string' || name === '') return 'Invalid query: a package name is required.';
    if (query.version !== undefined && typeof query.version !== 'string') return 'Invalid query: version.';
    let offset = 0;
    if (query.page_token !== undefined) {
      offset = typeof query.page_token === 'string' ? Number(Buffer.from(query.page_token, 'base64').toString()) : NaN;
      if (!Number.isInteger(offset) || offset <= 0) return 'Invalid page token.';
    }
    const all = matching(ecosystem, name, query.version);
    const page = all.slice(offset, offset + pageSize);
    const end = offset + pageSize;
    return end < all.length ? { page, next: Buffer.from(String(end)).toString('base64') } : { page };
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string, recorded: RecordedRequest) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const json = () => {
      try {
        return JSON.parse(body) as unknown;
      } catch {
        return undefined;
      }
    };
    if (req.method === 'POST' && path === '/v1/querybatch') {
      const parsed = json();
      if (!isObject(parsed) || !Array.isArray(parsed.queries)) return invalid(res, 'Invalid query batch.');
      recorded.queries = parsed.queries.length;
      if (parsed.queries.length > maxBatch) return invalid(res, `Too many queries (max ${maxBatch}).`);
      const results: unknown[] = [];
      for (const query of parsed.queries) {
        const result = answer(query);
        if (typeof result === 'string') return invalid(res, result);
        // Only ids and modified times, as OSV.dev; a query with no match is an empty object.
        const vulns = result.page.map((r) => ({ id: r.id, modified: r.modified }));
        results.push({ ...(vulns.length ? { vulns } : {}), ...(result.next ? { next_page_token: result.next } : {}) });
      }
      return send(res, 200, { results });
    }
    if (req.method === 'POST' && path === '/v1/query') {
      const result = answer(json());
      if (typeof result === 'string') return invalid(res, result);
      return send(res, 200, {
        ...(result.page.length ? { vulns: result.page } : {}),
        ...(result.next ? { next_page_token: result.next } : {}),
      });
    }
    const vuln = req.method === 'GET' ? /^\/v1\/vulns\/([^/]+)$/.exec(path) : null;
    if (vuln) {
      const record = byId.get(decodeURIComponent(vuln[1]!));
      return record ? send(res, 200, record) : send(res, 404, { code: 5, message: 'Bug not found.' });
    }
    send(res, 404, { code: 5, message: 'Not found.' });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '' };
      requests.push(recorded);
      const current = faults[0];
      if (current && --current.remaining <= 0) faults.shift();
      const fault = current?.fault;
      const respond = () => {
        if (fault?.status !== undefined) send(res, fault.status, fault.body ?? '');
        else handle(req, res, Buffer.concat(chunks).toString('utf8'), recorded);
      };
      if (!fault?.delayMs) return respond();
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) respond();
      }, fault.delayMs);
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
