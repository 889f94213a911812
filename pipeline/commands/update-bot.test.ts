/**
 * The update bot end to end: the real command against local doubles of npm, the OCI registry,
 * GitHub releases (upstream-registries-server.ts), the bundle download (https-server.ts) and the
 * catalog's own GitHub repository (github-repo-server.ts).
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../core/schema-files.ts';
import { startGitHubRepoServer, type GitHubRepoTestServer } from '../test-support/github-repo-server.ts';
import { startHttpsServer, type HttpsTestServer } from '../test-support/https-server.ts';
import { tempDir } from '../test-support/fixtures.ts';
import {
  ociManifest,
  startUpstreamRegistriesServer,
  type UpstreamRegistriesServerOptions,
  type UpstreamRegistriesTestServer,
} from '../test-support/upstream-registries-server.ts';
import { updateBotCommand } from './update-bot.ts';
import { validateCommand } from './validate.ts';

const FIXTURE = join(REPO_ROOT, 'pipeline/stages/__fixtures__/update-bot/npm-oci-mcpb-newer');
const SERVER = 'io.github.acme/weather';
const BRANCH = `update-bot/${SERVER}/1.1.0`;
const NEW_FILE = `catalog/servers/${SERVER}/1.1.0.json`;
// A real bundle of this repository stands in for the new release's asset.
const BUNDLE = await readFile(join(REPO_ROOT, 'catalog/bundles/io.github.mcp-catalog--dateutil-clock-1.0.0.mcpb'));
const BUNDLE_SHA = createHash('sha256').update(BUNDLE).digest('hex');

let https: HttpsTestServer;
let upstream: UpstreamRegistriesTestServer;
let caFile: string;

function upstreamData(assetUrl: string): UpstreamRegistriesServerOptions {
  const npm = (name: string, versions: string[]) => ({ name, versions: versions.map((version) => ({ version })) });
  return {
    npm: [
      npm('@acme/weather-mcp', ['1.0.0', '1.1.0', '2.0.0-beta.1']),
      npm('alpha-mcp', ['1.0.0', '1.2.0']),
      npm('beta-mcp', ['1.0.0', '1.2.0']),
      npm('gamma-mcp', ['1.0.0', '1.2.0']),
    ],
    oci: [
      {
        name: 'acme/weather',
        tags: { '1.0.0': ociManifest('1.0.0'), '1.1.0': ociManifest('1.1.0'), latest: ociManifest('1.1.0') },
      },
    ],
    github: [
      {
        fullName: 'acme/weather',
        releases: [
          { tag: 'v1.2.0-rc.1', prerelease: true, assets: [] },
          { tag: 'v1.1.0', assets: [{ name: 'weather.mcpb', url: assetUrl, size: BUNDLE.length }] },
        ],
      },
    ],
  };
}

beforeAll(async () => {
  https = await startHttpsServer(new Map([['/acme/weather/releases/download/v1.1.0/weather.mcpb', BUNDLE]]));
  upstream = await startUpstreamRegistriesServer(
    upstreamData(`${https.url}/acme/weather/releases/download/v1.1.0/weather.mcpb`),
  );
  caFile = join(await tempDir('update-bot-ca-'), 'ca.pem');
  await writeFile(caFile, https.caPem);
});
afterAll(async () => {
  await Promise.all([https.close(), upstream.close()]);
});

/** The catalog as files (what the repository double starts with) and as a checkout on disk. */
async function checkout(extra: Record<string, string> = {}): Promise<{ root: string; files: Record<string, string> }> {
  const root = await tempDir('update-bot-');
  await cp(join(FIXTURE, 'catalog'), join(root, 'catalog'), { recursive: true });
  for (const [path, text] of Object.entries(extra)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  const listing = `catalog/servers/${SERVER}/1.0.0.json`;
  return { root, files: { [listing]: await readFile(join(root, listing), 'utf8'), ...extra } };
}

function env(repo: GitHubRepoTestServer): NodeJS.ProcessEnv {
  return {
    GITHUB_TOKEN: 'ghs_test',
    GITHUB_REPOSITORY: 'acme/catalog',
    GITHUB_API_URL: repo.url,
    CATALOG_UPSTREAM_GITHUB_API_URL: upstream.githubApiUrl,
    CATALOG_NPM_REGISTRY: upstream.npmUrl,
    CATALOG_PYPI_URL: upstream.pypiUrl,
    CATALOG_OCI_REGISTRIES: `docker.io=${upstream.ociUrl}`,
    NODE_EXTRA_CA_CERTS: caFile,
  };
}

async function run(root: string, repo: GitHubRepoTestServer, ...args: string[]) {
  const result = await updateBotCommand(['--root', root, '--json', ...args], env(repo));
  return {
    exitCode: result.exitCode,
    report: JSON.parse(result.stdout) as { results: { outcome: string }[]; notes: { code: string; server: string }[] },
  };
}

describe('update-bot against a fake upstream with a newer release', () => {
  it('opens exactly one correct pull request, and a second run opens none', async () => {
    const { root, files } = await checkout();
    const repo = await startGitHubRepoServer({ owner: 'acme', repo: 'catalog', files });
    try {
      const first = await run(root, repo);
      expect(first.exitCode).toBe(0);
      expect(first.report.results.map((r) => r.outcome)).toEqual(['created']);
      expect(repo.state.pulls.map((p) => [p.head, p.base, p.title, p.labels])).toEqual([
        [BRANCH, 'main', `Update ${SERVER} to 1.1.0`, ['update-bot']],
      ]);
      const added = JSON.parse(repo.files(BRANCH)[NEW_FILE]!);
      expect(added.version).toBe('1.1.0');
      expect(
        added.packages.map((p: { identifier: string; version?: string; fileSha256?: string }) => [
          p.identifier,
          p.version,
          p.fileSha256,
        ]),
      ).toEqual([
        ['@acme/weather-mcp', '1.1.0', undefined],
        ['docker.io/acme/weather:1.1.0', undefined, undefined],
        [
          expect.stringMatching(
            /^https:\/\/127\.0\.0\.1:\d+\/acme\/weather\/releases\/download\/v1\.1\.0\/weather\.mcpb$/,
          ),
          undefined,
          BUNDLE_SHA,
        ],
      ]);
      // The one commit adds only the new listing.
      expect(Object.keys(repo.files(BRANCH)).sort()).toEqual([...Object.keys(files), NEW_FILE].sort());
      // The listing the bot wrote passes validate in the checkout.
      await writeFile(join(root, NEW_FILE), repo.files(BRANCH)[NEW_FILE]!);
      const validated = JSON.parse((await validateCommand({ root, json: true })).stdout);
      expect(validated.issues).toEqual([]);
      // The checkout stays as main is: the pull request is not merged.
      await rm(join(root, NEW_FILE));

      const writes = repo.requests.filter((r) => r.method !== 'GET').length;
      const second = await run(root, repo);
      expect(second.exitCode).toBe(0);
      expect(second.report.results).toEqual([]);
      expect(second.report.notes.map((n) => n.code)).toEqual(['pr-exists']);
      expect(repo.state.pulls).toHaveLength(1);
      expect(repo.requests.filter((r) => r.method !== 'GET').length).toBe(writes);
    } finally {
      await repo.close();
    }
  });

  it('respects the opt-out in curation', async () => {
    const curation = {
      'catalog/curation/io.github.acme/weather.json': `${JSON.stringify({ updateBot: { enabled: false, reason: 'Tools change between releases.' } })}\n`,
    };
    const { root, files } = await checkout(curation);
    const repo = await startGitHubRepoServer({ owner: 'acme', repo: 'catalog', files });
    try {
      const result = await run(root, repo);
      expect(result.report.notes.map((n) => n.code)).toEqual(['opted-out']);
      expect(repo.state.pulls).toEqual([]);
    } finally {
      await repo.close();
    }
  });

  it('stops at --max-prs, and the next run proposes the rest', async () => {
    const listing = (name: string) =>
      `${JSON.stringify({
        $schema: 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
        name: `io.github.acme/${name}`,
        description: `The ${name} server.`,
        version: '1.0.0',
        packages: [{ registryType: 'npm', identifier: `${name}-mcp`, version: '1.0.0', transport: { type: 'stdio' } }],
      })}\n`;
    const extra = Object.fromEntries(
      ['alpha', 'beta', 'gamma'].map((n) => [`catalog/servers/io.github.acme/${n}/1.0.0.json`, listing(n)]),
    );
    const { root, files } = await checkout(extra);
    const repo = await startGitHubRepoServer({ owner: 'acme', repo: 'catalog', files });
    try {
      const first = await run(root, repo, '--max-prs', '2');
      expect(repo.state.pulls.map((p) => p.head)).toEqual([
        'update-bot/io.github.acme/alpha/1.2.0',
        'update-bot/io.github.acme/beta/1.2.0',
      ]);
      expect(first.report.notes.filter((n) => n.code === 'max-prs-reached').map((n) => n.server)).toEqual([
        'io.github.acme/gamma',
        SERVER,
      ]);
      await run(root, repo, '--max-prs', '2');
      expect(repo.state.pulls.map((p) => p.head)).toEqual([
        'update-bot/io.github.acme/alpha/1.2.0',
        'update-bot/io.github.acme/beta/1.2.0',
        'update-bot/io.github.acme/gamma/1.2.0',
        BRANCH,
      ]);
      const third = await run(root, repo, '--max-prs', '2');
      expect(third.report.results).toEqual([]);
      expect(repo.state.pulls).toHaveLength(4);
    } finally {
      await repo.close();
    }
  });

  it('plans without writing on --dry-run, and needs a token otherwise', async () => {
    const { root } = await checkout();
    const dry = await updateBotCommand(['--root', root, '--dry-run', '--json'], {
      ...env({ url: 'http://127.0.0.1:9' } as GitHubRepoTestServer),
      GITHUB_TOKEN: '',
    });
    expect(JSON.parse(dry.stdout).proposals.map((p: { branch: string }) => p.branch)).toEqual([BRANCH]);
    await expect(updateBotCommand(['--root', root], {})).rejects.toThrow(/GITHUB_TOKEN/);
    await expect(updateBotCommand(['--max-prs', 'many'], {})).rejects.toThrow(/--max-prs/);
  });
});
