import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUpstreamRegistries,
  parseChallenge,
  parseOciReference,
  UpstreamError,
  type UpstreamRegistries,
} from './upstream-registries.ts';
import {
  digestOf,
  ociManifest,
  startUpstreamRegistriesServer,
  type UpstreamRegistriesServerOptions,
  type UpstreamRegistriesTestServer,
} from '../test-support/upstream-registries-server.ts';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);

const data: UpstreamRegistriesServerOptions = {
  npm: [
    {
      name: '@acme/weather-mcp',
      description: 'Weather for agents.',
      repository: { type: 'git', url: 'git+https://github.com/acme/weather-mcp.git' },
      versions: [
        {
          version: '1.0.0',
          integrity: 'sha512-AAAA',
          tarball: 'https://registry.npmjs.org/@acme/weather-mcp/-/weather-mcp-1.0.0.tgz',
        },
        { version: '1.1.0', integrity: 'sha512-BBBB', deprecated: 'use 1.1.1' },
        { version: '2.0.0-beta.1' },
      ],
      latest: '1.1.0',
    },
  ],
  pypi: [
    {
      name: 'Time_MCP',
      version: '1.0.7',
      summary: 'Time.',
      releases: {
        '1.0.6': [
          { filename: 'time_mcp-1.0.6.tar.gz', url: 'https://files.pythonhosted.org/t-1.0.6.tar.gz', sha256: SHA_A },
        ],
        '1.0.7': [
          {
            filename: 'time_mcp-1.0.7-py3-none-any.whl',
            url: 'https://files.pythonhosted.org/t-1.0.7.whl',
            sha256: SHA_B,
          },
        ],
      },
    },
  ],
  oci: [
    {
      name: 'acme/weather',
      tags: {
        '1.0.0': ociManifest('1.0.0'),
        '1.1.0': ociManifest('1.1.0'),
        latest: ociManifest('1.1.0'),
        'v0.9': ociManifest('0.9'),
      },
    },
  ],
  github: [
    {
      fullName: 'acme/weather',
      releases: [
        { tag: 'v2.0.0-rc.1', prerelease: true, assets: [] },
        {
          tag: 'v1.1.0',
          assets: [
            {
              name: 'weather.mcpb',
              url: 'https://github.com/acme/weather/releases/download/v1.1.0/weather.mcpb',
              size: 99,
            },
          ],
        },
      ],
    },
    { fullName: 'acme/no-releases', releases: [{ tag: 'draft', draft: true, assets: [] }] },
  ],
};

let server: UpstreamRegistriesTestServer;
let client: UpstreamRegistries;
beforeAll(async () => {
  server = await startUpstreamRegistriesServer(data);
  client = createUpstreamRegistries({
    npmUrl: server.npmUrl,
    pypiUrl: server.pypiUrl,
    githubApiUrl: server.githubApiUrl,
    githubToken: 'ghs_test',
    ociUrls: { 'docker.io': server.ociUrl },
    backoffMs: 1,
  });
});
afterAll(() => server.close());

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe('npm', () => {
  it('reads a scoped package document', async () => {
    const pkg = await client.npmPackage('@acme/weather-mcp');
    expect(pkg.latest).toBe('1.1.0');
    expect(pkg.description).toBe('Weather for agents.');
    expect(pkg.repository?.url).toBe('git+https://github.com/acme/weather-mcp.git');
    expect(Object.keys(pkg.versions)).toEqual(['1.0.0', '1.1.0', '2.0.0-beta.1']);
    expect(pkg.versions['1.0.0']).toMatchObject({ integrity: 'sha512-AAAA', tarball: expect.stringContaining('.tgz') });
    expect(pkg.versions['1.1.0']?.deprecated).toBe('use 1.1.1');
    expect(pkg.time['1.0.0']).toMatch(/^2026-/);
    expect(server.requests.at(-1)?.path).toBe('/npm/@acme%2fweather-mcp');
  });

  it('reports an unknown package as not-found, and a bad name without asking', async () => {
    expect((await failure(client.npmPackage('no-such-package'))).code).toBe('not-found');
    const before = server.requests.length;
    expect((await failure(client.npmPackage('../etc/passwd'))).code).toBe('invalid-name');
    expect(server.requests.length).toBe(before);
  });

  it('retries a 503, and gives up with network after the retries', async () => {
    server.fail(1);
    expect((await client.npmPackage('@acme/weather-mcp')).latest).toBe('1.1.0');
    server.fail(3);
    const error = await failure(client.npmPackage('@acme/weather-mcp'));
    expect([error.code, error.status]).toEqual(['network', 503]);
  });

  it('refuses an answer over the byte cap', async () => {
    const small = createUpstreamRegistries({ npmUrl: server.npmUrl, maxBytes: 100 });
    expect((await failure(small.npmPackage('@acme/weather-mcp'))).code).toBe('too-large');
  });
});

describe('PyPI', () => {
  it('follows the redirect to the normalised name and reads releases with sha256', async () => {
    const project = await client.pypiProject('Time_MCP');
    expect(project.version).toBe('1.0.7');
    expect(project.releases['1.0.6']?.[0]?.sha256).toBe(SHA_A);
    expect(project.urls.map((f) => [f.packagetype, f.sha256])).toEqual([['bdist_wheel', SHA_B]]);
    expect(server.requests.slice(-2).map((r) => [r.path, r.status])).toEqual([
      ['/pypi/pypi/Time_MCP/json', 301],
      ['/pypi/pypi/time-mcp/json', 200],
    ]);
  });

  it('reports an unknown project as not-found', async () => {
    expect((await failure(client.pypiProject('nope'))).code).toBe('not-found');
  });
});

describe('OCI', () => {
  it('parses references as docker does', () => {
    expect(parseOciReference('docker.io/domdomegg/airtable-mcp-server:1.7.3')).toEqual({
      registry: 'docker.io',
      repository: 'domdomegg/airtable-mcp-server',
      tag: '1.7.3',
    });
    expect(parseOciReference('alpine')).toEqual({ registry: 'docker.io', repository: 'library/alpine' });
    expect(parseOciReference(`ghcr.io/acme/x:1.0@sha256:${SHA_A}`)).toEqual({
      registry: 'ghcr.io',
      repository: 'acme/x',
      tag: '1.0',
      digest: `sha256:${SHA_A}`,
    });
    expect(parseOciReference('localhost:5000/x')).toEqual({ registry: 'localhost:5000', repository: 'x' });
    expect(parseOciReference('Acme/UPPER')).toBeUndefined();
    expect(parseOciReference('acme/x@md5:abc')).toBeUndefined();
  });

  it('parses a Bearer challenge with quoted commas', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a:pull,push"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:a:pull,push' },
    });
  });

  it('does the token dance once, then pages the tags through Link', async () => {
    const start = server.requests.length;
    const ref = parseOciReference('acme/weather')!;
    expect((await client.ociTags(ref)).sort()).toEqual(['1.0.0', '1.1.0', 'latest', 'v0.9']);
    const seen = server.requests.slice(start).map((r) => [r.method, r.path.replace(/\?.*/, ''), r.status]);
    expect(seen).toEqual([
      ['GET', '/oci/v2/acme/weather/tags/list', 401],
      ['GET', '/oci/token', 200],
      ['GET', '/oci/v2/acme/weather/tags/list', 200],
      ['GET', '/oci/v2/acme/weather/tags/list', 200],
    ]);
    expect(server.requests.at(-1)?.authorization).toMatch(/^Bearer tok\./);
  });

  it('resolves a tag to its manifest digest with HEAD, and a digest to itself', async () => {
    const ref = parseOciReference('docker.io/acme/weather')!;
    const digest = digestOf(ociManifest('1.1.0'));
    expect(await client.ociDigest(ref, '1.1.0')).toBe(digest);
    expect(server.requests.at(-1)?.method).toBe('HEAD');
    expect(await client.ociDigest(ref, digest)).toBe(digest);
    expect((await failure(client.ociDigest(ref, '9.9.9'))).code).toBe('not-found');
  });

  it('hashes the manifest when HEAD carries no digest header', async () => {
    const other = await startUpstreamRegistriesServer({ ...data, ociOmitDigestHeader: true });
    try {
      const c = createUpstreamRegistries({ ociUrls: { 'docker.io': other.ociUrl } });
      expect(await c.ociDigest(parseOciReference('acme/weather')!, '1.0.0')).toBe(digestOf(ociManifest('1.0.0')));
      expect(other.requests.at(-1)?.method).toBe('GET');
    } finally {
      await other.close();
    }
  });

  it('reports an unknown repository as not-found', async () => {
    expect((await failure(client.ociTags(parseOciReference('acme/none')!))).code).toBe('not-found');
  });
});

describe('GitHub releases', () => {
  it('reads the latest release, skipping prereleases, with the token', async () => {
    const release = await client.latestGitHubRelease('acme', 'weather');
    expect(release.tag).toBe('v1.1.0');
    expect(release.assets).toEqual([
      { name: 'weather.mcpb', url: 'https://github.com/acme/weather/releases/download/v1.1.0/weather.mcpb', size: 99 },
    ]);
    expect(server.requests.at(-1)?.authorization).toBe('Bearer ghs_test');
  });

  it('reports a repository without a release as not-found', async () => {
    expect((await failure(client.latestGitHubRelease('acme', 'no-releases'))).code).toBe('not-found');
    expect((await failure(client.latestGitHubRelease('acme', 'a/b'))).code).toBe('invalid-name');
  });
});
