/**
 * A second MCP Catalog for `catalog` sources (pipeline/adapters/source-catalog.ts):
 *
 * - `writeSignedCatalog` publishes listings the way `npm run build` does, with the real model
 *   stage (`buildModel`) and the real index signing (`signIndex`): `index.json`,
 *   `index.json.sigstore.json` and `servers/<name>.json`, signed by the signer given (a test key).
 * - `startCatalogHost` serves such a folder from 127.0.0.1 as a static host does, and records
 *   each request with its Authorization header; the test can take it down (`mode`) or send a path
 *   elsewhere (`redirect`).
 *
 * The listings the tests publish are the official registry's seed data (`/work/shared/anchors/`).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, normalize } from 'node:path';
import type { AttestationSigner } from '../adapters/sigstore-sign.ts';
import { resolveConfig } from '../core/config.ts';
import { parseJson } from '../core/json-source.ts';
import { listingPath } from '../core/layout.ts';
import type { CatalogIndex, Listing } from '../core/schema-types.gen.ts';
import { signIndex } from '../stages/emit.ts';
import type { CatalogFile } from '../stages/load.ts';
import { buildModel } from '../stages/model.ts';

export async function writeSignedCatalog(
  dir: string,
  listings: readonly Listing[],
  signer: AttestationSigner,
  options: { name?: string; now?: Date; serial?: number; validityMs?: number } = {},
): Promise<CatalogIndex> {
  const files: CatalogFile[] = listings.map((listing) => {
    const path = listingPath(listing.name, listing.version);
    const text = JSON.stringify(listing, null, 2);
    return {
      location: { kind: 'listing', path, server: listing.name, version: listing.version },
      text,
      json: parseJson(text),
    };
  });
  const name = options.name ?? 'Second Catalog';
  const model = buildModel({
    catalog: { inventory: files.map((f) => f.location), files },
    config: resolveConfig({ name }),
    targets: [],
    artifacts: new Map(),
    stats: new Map(),
    previous: undefined,
    addedAt: new Map(),
    now: options.now ?? new Date(),
    validityMs: options.validityMs ?? 14 * 86_400_000,
  });
  if (options.serial !== undefined) model.index.serial = options.serial;
  for (const file of model.files) {
    await mkdir(dirname(join(dir, file.path)), { recursive: true });
    await writeFile(join(dir, file.path), file.body);
  }
  const signed = await signIndex(model.index, signer, name);
  await writeFile(join(dir, 'index.json'), signed.bytes);
  await writeFile(join(dir, 'index.json.sigstore.json'), signed.bundle);
  return model.index;
}

export interface CatalogHost {
  /** URL of the served index.json. */
  indexUrl: string;
  origin: string;
  requests: { url: string; authorization: string | undefined }[];
  mode: 'up' | 'error' | 'refuse';
  redirect?: (target: string) => string | undefined;
  close(): Promise<void>;
}

export async function startCatalogHost(dir: string): Promise<CatalogHost> {
  const host: CatalogHost = { indexUrl: '', origin: '', requests: [], mode: 'up', close: async () => {} };
  const server = createServer((req, res) => {
    const target = req.url ?? '/';
    host.requests.push({ url: target, authorization: req.headers.authorization });
    if (host.mode === 'refuse') return void req.socket.destroy();
    if (host.mode === 'error') {
      res.writeHead(503);
      return void res.end('Service Unavailable');
    }
    const elsewhere = host.redirect?.(target);
    if (elsewhere) {
      res.writeHead(302, { location: elsewhere });
      return void res.end();
    }
    const path = normalize(decodeURIComponent(new URL(target, 'http://127.0.0.1').pathname));
    if (path.includes('..')) {
      res.writeHead(400);
      return void res.end();
    }
    readFile(join(dir, path)).then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      },
      () => {
        res.writeHead(404);
        res.end('Not Found');
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  host.indexUrl = `${host.origin}/index.json`;
  host.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return host;
}
