/**
 * Re-verification end to end: the real command downloads a pinned bundle from an HTTPS double,
 * reads a PyPI double, and writes through the GitHub repository double.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../core/schema-files.ts';
import { startGitHubRepoServer, type GitHubRepoTestServer } from '../test-support/github-repo-server.ts';
import { startHttpsServer, type HttpsTestServer, type Route } from '../test-support/https-server.ts';
import { tempDir } from '../test-support/fixtures.ts';
import {
  startUpstreamRegistriesServer,
  type UpstreamRegistriesTestServer,
} from '../test-support/upstream-registries-server.ts';
import { reverifyCommand } from './reverify.ts';
import { validateCommand } from './validate.ts';

const SERVER = 'io.github.acme/clock';
const ASSET = '/acme/clock/releases/download/v1.0.0/clock.mcpb';
const STATUS = `catalog/servers/${SERVER}/status.json`;
// A real bundle of this repository is the published asset; the "changed" one is another real bundle.
const ORIGINAL = await readFile(join(REPO_ROOT, 'catalog/bundles/io.github.mcp-catalog--dateutil-clock-1.0.0.mcpb'));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const routes = new Map<string, Route>();
let https: HttpsTestServer;
let upstream: UpstreamRegistriesTestServer;
let caFile: string;

beforeAll(async () => {
  routes.set(ASSET, ORIGINAL);
  https = await startHttpsServer(routes);
  upstream = await startUpstreamRegistriesServer({
    pypi: [
      {
        name: 'clock-mcp',
        version: '1.0.0',
        releases: {
          '1.0.0': [
            { filename: 'clock_mcp-1.0.0.tar.gz', url: `${https.url}/clock_mcp-1.0.0.tar.gz`, sha256: 'c'.repeat(64) },
          ],
        },
      },
    ],
  });
  caFile = join(await tempDir('reverify-ca-'), 'ca.pem');
  await writeFile(caFile, https.caPem);
});
afterAll(async () => {
  await Promise.all([https.close(), upstream.close()]);
});

async function checkout(): Promise<{ root: string; files: Record<string, string> }> {
  const root = await tempDir('reverify-');
  const listing = {
    $schema: 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
    name: SERVER,
    description: 'Tells the time.',
    version: '1.0.0',
    packages: [
      {
        registryType: 'mcpb',
        identifier: `${https.url}${ASSET}`,
        fileSha256: sha256(ORIGINAL),
        transport: { type: 'stdio' },
      },
      {
        registryType: 'pypi',
        identifier: 'clock-mcp',
        version: '1.0.0',
        fileSha256: 'c'.repeat(64),
        transport: { type: 'stdio' },
      },
    ],
  };
  const files = { [`catalog/servers/${SERVER}/1.0.0.json`]: `${JSON.stringify(listing, null, 2)}\n` };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return { root, files };
}

const env = (repo: GitHubRepoTestServer): NodeJS.ProcessEnv => ({
  GITHUB_TOKEN: 'ghs_test',
  GITHUB_REPOSITORY: 'acme/catalog',
  GITHUB_API_URL: repo.url,
  CATALOG_PYPI_URL: upstream.pypiUrl,
  NODE_EXTRA_CA_CERTS: caFile,
});

async function run(root: string, repo: GitHubRepoTestServer) {
  const result = await reverifyCommand(['--root', root, '--json'], env(repo));
  return { exitCode: result.exitCode, report: JSON.parse(result.stdout) };
}

describe('reverify against an artifact whose bytes changed', () => {
  it('finds nothing while the bytes match, then opens the yank pull request and the issue once', async () => {
    const { root, files } = await checkout();
    const repo = await startGitHubRepoServer({ owner: 'acme', repo: 'catalog', files });
    try {
      routes.set(ASSET, ORIGINAL);
      const clean = await run(root, repo);
      expect([clean.exitCode, clean.report.checked, clean.report.matched, clean.report.results]).toEqual([0, 2, 2, []]);

      // The publisher replaces the release asset with other bytes under the same URL.
      const changed = Buffer.concat([ORIGINAL, Buffer.from('appended')]);
      routes.set(ASSET, changed);
      const first = await run(root, repo);
      expect(first.exitCode).toBe(1);
      expect(first.report.mismatches).toEqual([
        {
          key: `${SERVER}@1.0.0/packages/0`,
          file: `catalog/servers/${SERVER}/1.0.0.json`,
          path: '/packages/0',
          identifier: `${https.url}${ASSET}`,
          recorded: sha256(ORIGINAL),
          observed: [sha256(changed)],
        },
      ]);
      expect(first.report.results.map((r: { kind: string; outcome: string }) => [r.kind, r.outcome])).toEqual([
        ['issue', 'created'],
        ['pull-request', 'created'],
      ]);
      expect(repo.state.issues.map((i) => [i.title, i.labels])).toEqual([
        [`${SERVER} 1.0.0: the mcpb artifact changed upstream`, ['reverify', 'security']],
      ]);
      expect(repo.state.pulls.map((p) => p.head)).toEqual([`reverify/${SERVER}/1.0.0`]);
      const status = JSON.parse(repo.files(`reverify/${SERVER}/1.0.0`)[STATUS]!);
      expect(status.versions['1.0.0'].status).toBe('yanked');
      // The yank is a valid status.json of the catalog.
      await writeFile(join(root, STATUS), repo.files(`reverify/${SERVER}/1.0.0`)[STATUS]!);
      expect(JSON.parse((await validateCommand({ root, json: true })).stdout).issues).toEqual([]);
      await rm(join(root, STATUS));

      const second = await run(root, repo);
      expect(second.exitCode).toBe(1);
      expect(second.report.results.map((r: { outcome: string }) => r.outcome)).toEqual(['skipped', 'skipped']);
      expect(repo.state.issues).toHaveLength(1);
      expect(repo.state.pulls).toHaveLength(1);
    } finally {
      await repo.close();
    }
  });

  it('reports a download that fails, and does not call it a mismatch', async () => {
    const { root, files } = await checkout();
    const repo = await startGitHubRepoServer({ owner: 'acme', repo: 'catalog', files });
    try {
      routes.set(ASSET, { status: 404 });
      const result = await run(root, repo);
      expect(result.exitCode).toBe(0);
      expect(result.report.failures.map((f: { key: string; code: string }) => [f.key, f.code])).toEqual([
        [`${SERVER}@1.0.0/packages/0`, 'http-status'],
      ]);
      expect(result.report.mismatches).toEqual([]);
      expect(repo.state.pulls).toEqual([]);
      expect(repo.state.issues).toEqual([]);
    } finally {
      routes.set(ASSET, ORIGINAL);
      await repo.close();
    }
  });
});
