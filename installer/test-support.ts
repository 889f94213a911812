/**
 * Test helpers for the installer: a real signed catalog built by the real pipeline (offline, dev
 * key) from real sample files into a temporary folder, the installer bundled from it with
 * installer/build.ts, a way to run that bundle in a temporary HOME with a bare environment, a
 * byte-for-byte snapshot of a folder, and re-signing of a tampered index with the catalog's key.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, lstat, mkdir, readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import type { RequestListener } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { keySigner } from '../pipeline/adapters/sigstore-sign.ts';
import { REPO_ROOT } from '../pipeline/core/schema-files.ts';
import type { CatalogIndex } from '../pipeline/core/schema-types.gen.ts';
import { signIndex } from '../pipeline/stages/emit.ts';
import { gitInit, runCliAsync, tempDir } from '../pipeline/test-support/fixtures.ts';
import { selfSignedFor127 } from '../pipeline/test-support/https-server.ts';
import { buildInstaller } from './build.ts';

export const BUNDLE_SERVERS = [
  'io.github.mcp-catalog/dateutil-clock',
  'io.github.modelcontextprotocol/everything',
  'io.github.modelcontextprotocol/filesystem',
  'io.github.modelcontextprotocol/memory',
] as const;

const SAMPLE_FILES = [
  'catalog.config.json',
  'catalog/policies',
  'catalog/bundles',
  ...BUNDLE_SERVERS.map((s) => `catalog/servers/${s}`),
  'catalog/servers/io.github.domdomegg/time-mcp-pypi',
  'catalog/servers/io.github.apify/actors-mcp-server',
  'catalog/servers/com.asana.mcp/asana',
  'catalog/servers/com.mercadopago.mcp/mercado-pago',
  'catalog/servers/io.github.buildkite/buildkite-mcp-server',
];

/** The machine's own Node (20 here), as opposed to the Node 24 that runs the tests. */
export const SYSTEM_NODE = (() => {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    try {
      const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
      if (candidate !== process.execPath) return { path: candidate, version };
    } catch {
      // not there
    }
  }
  return undefined;
})();

export interface TestCatalog {
  root: string;
  dist: string;
  installer: string;
  catalogName: string;
}

/**
 * Versions of dateutil-clock beyond 1.0.0, made from its real bundle with only manifest.json's
 * version changed, so that update and rollback have somewhere to go.
 */
async function addClockVersions(root: string, versions: string[]) {
  const base = 'io.github.mcp-catalog--dateutil-clock-1.0.0.mcpb';
  const listingDir = join(root, 'catalog/servers/io.github.mcp-catalog/dateutil-clock');
  const listing = JSON.parse(await readFile(join(listingDir, '1.0.0.json'), 'utf8'));
  for (const version of versions) {
    const work = await tempDir('mcp-catalog-bundle-');
    execFileSync('unzip', ['-q', join(root, 'catalog/bundles', base), '-d', work]);
    const manifestPath = join(work, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    manifest.version = version;
    await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
    const file = `io.github.mcp-catalog--dateutil-clock-${version}.mcpb`;
    execFileSync('zip', ['-q', '-X', '-r', join(root, 'catalog/bundles', file), '.'], { cwd: work });
    const bytes = await readFile(join(root, 'catalog/bundles', file));
    const next = structuredClone(listing);
    next.version = version;
    next.packages[0].version = version;
    next.packages[0].identifier = `bundles/${file}`;
    next.packages[0].fileSha256 = createHash('sha256').update(bytes).digest('hex');
    await writeFile(join(listingDir, `${version}.json`), JSON.stringify(next, null, 2) + '\n');
  }
}

/** A made-up npm listing with a required secret environment variable, to exercise the secret store. */
export const SECRET_SERVER = 'io.github.mcp-catalog/secret-echo';
const SECRET_LISTING = {
  $schema: 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
  name: SECRET_SERVER,
  description: 'Test listing: an npm server that needs a secret token.',
  version: '1.0.0',
  packages: [
    {
      registryType: 'npm',
      identifier: '@mcp-catalog/secret-echo',
      version: '1.0.0',
      transport: { type: 'stdio' },
      environmentVariables: [{ name: 'ECHO_TOKEN', description: 'API token', isRequired: true, isSecret: true }],
    },
  ],
};

export async function buildTestCatalog(
  options: { clockVersions?: string[]; prepare?: (root: string) => Promise<void> } = {},
): Promise<TestCatalog> {
  const root = await tempDir('mcp-catalog-installer-');
  for (const path of SAMPLE_FILES) await cp(join(REPO_ROOT, path), join(root, path), { recursive: true });
  if (options.clockVersions?.length) await addClockVersions(root, options.clockVersions);
  await options.prepare?.(root);
  await writeText(
    join(root, `catalog/servers/${SECRET_SERVER}/1.0.0.json`),
    JSON.stringify(SECRET_LISTING, null, 2) + '\n',
  );
  gitInit(root);
  const built = await runCliAsync(['--root', root, '--offline', '--signing', 'dev'], { script: 'pipeline/run.ts' });
  if (built.status !== 0) throw new Error(`build failed: ${built.stderr}\n${built.stdout}`);
  const dist = join(root, 'dist');
  const installer = await buildInstaller({ root, out: join(root, 'installer-out'), signing: 'dev' });
  return { root, dist, installer: installer.file, catalogName: installer.info.catalog };
}

/** Publishes the catalog again from its (changed) files, as publish.yml does after a merge: a new serial, signed. */
export async function republish(catalog: TestCatalog): Promise<void> {
  const built = await runCliAsync(['--root', catalog.root, '--offline', '--signing', 'dev'], {
    script: 'pipeline/run.ts',
  });
  if (built.status !== 0) throw new Error(`build failed: ${built.stderr}\n${built.stdout}`);
}

/**
 * The installer of `catalog`, built to read its admin policy from `adminPolicyPath` instead of the
 * fixed per-OS path: the test-only build seam of installer/build.ts, compiled in.
 */
export async function buildAdminTestInstaller(catalog: TestCatalog, adminPolicyPath: string): Promise<string> {
  const out = await tempDir('mcp-installer-admin-');
  return (await buildInstaller({ root: catalog.root, out, signing: 'dev', testAdminPolicyPath: adminPolicyPath })).file;
}

export interface Sandbox {
  home: string;
  catalogHome: string;
  env: Record<string, string>;
}

/** A temporary HOME, and MCP_CATALOG_HOME beside it (so refusals can be checked on HOME alone). */
export async function sandbox(extraPath: string[] = []): Promise<Sandbox> {
  const home = await tempDir('mcp-home-');
  const catalogHome = await tempDir('mcp-catalog-home-');
  const node = join(process.execPath, '..');
  return {
    home,
    catalogHome,
    env: {
      HOME: home,
      MCP_CATALOG_HOME: catalogHome,
      PATH: [...extraPath, node, '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    },
  };
}

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
  json: Record<string, unknown> & { ok?: boolean; error?: { code: string; file?: string; field?: string } };
}

/** Runs the bundled installer with only the sandbox's environment (`env -i`). */
export function runInstaller(
  installer: string,
  args: string[],
  box: Sandbox,
  options: { node?: string; env?: Record<string, string>; json?: boolean } = {},
): Promise<Run> {
  const argv = options.json === false ? args : [...args, '--json'];
  return new Promise((resolve) => {
    execFile(
      options.node ?? process.execPath,
      [installer, ...argv],
      { env: { ...box.env, ...options.env }, encoding: 'utf8', cwd: box.home, timeout: 120_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        let json = {} as Run['json'];
        try {
          json = JSON.parse(stdout) as Run['json'];
        } catch {
          // text output
        }
        const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ status, stdout, stderr, json });
      },
    );
  });
}

/** Spawns the installer and returns the child, for the kill tests. */
export function spawnInstaller(installer: string, args: string[], box: Sandbox) {
  return spawn(process.execPath, [installer, ...args], { env: box.env, cwd: box.home, stdio: 'ignore' });
}

/** Every file, folder and symlink under `dir`, with the sha256 and mode of each file. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (path: string, rel: string) => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      const key = rel ? `${rel}/${entry.name}` : entry.name;
      const info = await lstat(full);
      if (info.isSymbolicLink()) out[key] = `symlink ${await readlink(full)}`;
      else if (info.isDirectory()) {
        out[key] = `dir ${(info.mode & 0o7777).toString(8)}`;
        await walk(full, key);
      } else
        out[key] = `file ${(info.mode & 0o7777).toString(8)} ${createHash('sha256')
          .update(await readFile(full))
          .digest('hex')}`;
    }
  };
  await walk(dir, '');
  return out;
}

/** A copy of dist/ to tamper with. */
export async function distCopy(dist: string): Promise<string> {
  const copy = await tempDir('mcp-dist-');
  await cp(dist, copy, { recursive: true });
  return copy;
}

/** Rewrites index.json (and optionally files it points at) and signs it again with the catalog's dev key. */
export async function resign(
  catalog: TestCatalog,
  dist: string,
  change: (index: CatalogIndex) => void | Promise<void>,
  pair?: { privateKeyPem: string; publicKeyPem: string },
  catalogName = catalog.catalogName,
) {
  const index = JSON.parse(await readFile(join(dist, 'index.json'), 'utf8')) as CatalogIndex;
  await change(index);
  const keys = pair ?? {
    privateKeyPem: await readFile(join(catalog.root, '.signing/dev-signing-key.pem'), 'utf8'),
    publicKeyPem: await readFile(join(catalog.root, '.signing/dev-signing-key.pub.pem'), 'utf8'),
  };
  const signed = await signIndex(index, keySigner(keys), catalogName);
  await writeFile(join(dist, 'index.json'), signed.bytes);
  await writeFile(join(dist, 'index.json.sigstore.json'), signed.bundle);
}

/** Re-points `servers[name].detail` at a changed server file, so that the index vouches for it. */
export async function rewriteRecord(dist: string, index: CatalogIndex, name: string, change: (record: any) => void) {
  const server = index.servers.find((s) => s.name === name)!;
  const path = join(dist, server.detail.path);
  const record = JSON.parse(await readFile(path, 'utf8'));
  change(record);
  const bytes = Buffer.from(JSON.stringify(record, null, 2) + '\n');
  await writeFile(path, bytes);
  server.detail.sha256 = createHash('sha256').update(bytes).digest('hex');
  server.detail.size = bytes.length;
}

export interface CatalogServer {
  url: string;
  caFile: string;
  close(): Promise<void>;
}

/**
 * Serves a folder over HTTPS on 127.0.0.1, as a static host serves dist/. `cut` names paths whose body is cut off halfway, the connection dropped.
 */
export async function serveDist(dir: string, options: { cut?: string[] } = {}): Promise<CatalogServer> {
  return serveHttps((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'https://x').pathname).replace(/^\/+/, '');
    if (path.includes('..')) return void res.writeHead(400).end();
    readFile(join(dir, path)).then(
      (body) => {
        res.writeHead(200, { 'content-length': body.length });
        if (options.cut?.includes(path)) {
          res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
        } else res.end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
}

/** An HTTPS server on 127.0.0.1 with a throwaway self-signed certificate, answering with `handler`. */
export async function serveHttps(handler: RequestListener): Promise<CatalogServer> {
  const { keyPem, certPem } = selfSignedFor127();
  const server: Server = createServer({ key: keyPem, cert: certPem }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const caDir = await tempDir('mcp-ca-');
  const caFile = join(caDir, 'ca.pem');
  await writeFile(caFile, certPem);
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    caFile,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function writeText(path: string, text: string) {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
}
