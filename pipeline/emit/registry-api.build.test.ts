/**
 * The whole sample catalog through `npm run build` with a baseUrl, served by the GitHub Pages test
 * double: VS Code lists every server, opens each with one request and no redirect, and finds the
 * installable packages; ToolHive accepts the API; every answer is an official shape. Also the
 * baseUrl rule: a local build without it leaves the API out, a publishing one fails.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../core/schema-files.ts';
import type { CatalogIndex } from '../core/schema-types.gen.ts';
import { gitInit, readJson, runCliAsync, tempDir } from '../test-support/fixtures.ts';
import { startEdge, type EdgeRuntime } from '../test-support/edge-runtime.ts';
import { p256KeyPair } from '../test-support/keys.ts';
import { assertOfficial } from '../test-support/official-openapi.ts';
import { startPagesHost, type PagesHost } from '../test-support/pages-host.ts';
import { ToolHiveClient, VsCodeGallery, type Answer } from '../test-support/registry-clients.ts';

const BASE_URL = 'https://acme.github.io/mcp-catalog/';

async function sampleCopy(config: (c: Record<string, unknown>) => Record<string, unknown>): Promise<string> {
  const root = await tempDir('registry-api-build-');
  await cp(join(REPO_ROOT, 'catalog'), join(root, 'catalog'), { recursive: true });
  const original = JSON.parse(await readFile(join(REPO_ROOT, 'catalog.config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  await writeFile(join(root, 'catalog.config.json'), JSON.stringify(config(original), null, 2));
  gitInit(root);
  return root;
}

const build = (root: string, flags: string[], env: NodeJS.ProcessEnv = {}) =>
  runCliAsync(['--root', root, '--offline', '--no-site', ...flags], { script: 'pipeline/run.ts', env });

describe('the sample catalog, built with a baseUrl and served by Pages', () => {
  let root: string;
  let host: PagesHost;
  let index: CatalogIndex;
  let log: string;
  const answers: Answer[] = [];
  const check = (answer: Answer) => {
    answers.push(answer);
    const { pathname } = new URL(answer.url);
    if (!pathname.startsWith('/v0.1/') || answer.status !== 200) return;
    const isList = /^\/v0\.1\/servers\/?$/.test(pathname) || /\/versions\/?$/.test(pathname);
    assertOfficial(isList ? 'serverList' : 'serverResponse', JSON.parse(answer.body), answer.url);
  };
  beforeAll(async () => {
    root = await sampleCopy((c) => ({ ...c, baseUrl: BASE_URL, registryApi: { literalEncodedNames: true } }));
    const result = await build(root, ['--signing', 'dev']);
    expect(result.status, result.stderr).toBe(0);
    log = result.stdout;
    index = await readJson<CatalogIndex>(join(root, 'dist/index.json'));
    host = await startPagesHost(join(root, 'dist'));
  }, 120_000);
  afterAll(() => host?.close());

  const listed = () => index.servers.filter((s) => s.latest !== undefined).map((s) => s.name);
  /** The servers the build log names as not installable from VS Code. */
  const gaps = () =>
    [...log.matchAll(/^vscode: (\S+)@\S+ cannot be installed from VS Code: (.+)$/gm)].map((m) => m[1]!);

  it('names in the build log the servers VS Code cannot install, and why', () => {
    // The reference servers' listings name the npm package each bundle was packed from, so VS Code
    // installs those; the Python bundle has no upstream package.
    expect(gaps()).toContain('io.github.mcp-catalog/dateutil-clock');
    for (const name of ['filesystem', 'memory', 'everything'])
      expect(gaps()).not.toContain(`io.github.modelcontextprotocol/${name}`);
    expect(log).toContain('only mcpb packages, which VS Code cannot install (microsoft/vscode#290110)');
  });

  it.each(['legacy', 'current'] as const)(
    'VS Code (%s) lists every server and opens each with one request, no redirect',
    async (generation) => {
      const gallery = new VsCodeGallery(
        BASE_URL.replace('https://acme.github.io/mcp-catalog/', `${host.url}/`),
        generation,
        check,
      );
      expect(await gallery.supportsV01()).toBe(true);
      const { servers, pages } = await gallery.query();
      expect(pages).toBe(1);
      const expected = generation === 'legacy' ? listed() : listed().filter((n) => !gaps().includes(n));
      expect(servers.map((s) => s.name)).toEqual(expected);
      // The current generation drops what it cannot install, so whatever it lists, it can install.
      if (generation === 'current')
        for (const server of servers) expect(server.packages.length + server.remotes.length).toBeGreaterThan(0);
      for (const name of listed()) {
        const start = host.requests.length;
        const found = await gallery.resolve(name);
        expect(host.requests.slice(start).map((r) => r.url)).toEqual([
          `/v0.1/servers/${encodeURIComponent(name)}/versions/latest`,
        ]);
        // The current generation cannot serialise a server with nothing it can install: "undetermined".
        expect(found).toBe(generation === 'current' && gaps().includes(name) ? 'failed' : 'found');
      }
    },
  );

  it('with registryApi.literalEncodedNames, also serves every server from a host that does not decode %2F', async () => {
    const literal = await startPagesHost(join(root, 'dist'), { slash: 'literal' });
    try {
      const gallery = new VsCodeGallery(literal.url, 'legacy', check);
      for (const name of listed()) expect(await gallery.resolve(name)).toBe('found');
    } finally {
      await literal.close();
    }
  });

  it('links the catalog-hosted bundles absolutely on baseUrl', async () => {
    const gallery = new VsCodeGallery(`${host.url}/`, 'legacy', check);
    const server = await gallery.getMcpServer(gallery.latestUrl('io.github.mcp-catalog/dateutil-clock'));
    expect(server?.packages[0]?.identifier).toBe(`${BASE_URL}bundles/io.github.mcp-catalog--dateutil-clock-1.0.0.mcpb`);
  });

  it('ToolHive accepts openapi.yaml and lists every server', async () => {
    const client = new ToolHiveClient(host.url, check);
    await expect(client.validateEndpoint()).resolves.toBeUndefined();
    expect((await client.listServers()).map((s) => s.name)).toEqual(listed());
  });

  describe('with the edge function in front', () => {
    let edge: EdgeRuntime;
    beforeAll(async () => {
      edge = await startEdge(join(root, 'dist'));
    }, 60_000);
    afterAll(() => edge?.close());

    it('VS Code pages through the catalog, 50 at a time, and searches with the site engine', async () => {
      const gallery = new VsCodeGallery(edge.url, 'legacy', check);
      const all = await gallery.query();
      expect([all.pages, all.servers.map((s) => s.name)]).toEqual([Math.ceil(listed().length / 50), listed()]);
      expect((await gallery.query('filesystem')).servers[0]?.name).toBe('io.github.modelcontextprotocol/filesystem');
      expect((await gallery.query('filesytem')).servers[0]?.name).toBe('io.github.modelcontextprotocol/filesystem');
      for (const name of listed()) expect(await gallery.resolve(name)).toBe('found');
    });

    it('ToolHive detects the API and lists every server', async () => {
      const client = new ToolHiveClient(edge.url, check);
      expect(await client.probe()).toBe('api');
      expect((await client.listServers({ limit: 20 })).map((s) => s.name)).toEqual(listed());
    });
  });

  it('every answer was an official ServerList or ServerResponse', () => {
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(listed().length);
  });
});

describe('the baseUrl rule', () => {
  it('a local build without baseUrl warns and leaves the API out', async () => {
    const root = await sampleCopy((c) => c);
    const result = await build(root, ['--signing', 'dev']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^registry API left out: catalog.config.json has no baseUrl/m);
    expect(existsSync(join(root, 'dist/v0.1'))).toBe(false);
    expect(existsSync(join(root, 'dist/openapi.yaml'))).toBe(false);
    expect(existsSync(join(root, 'dist/index.json'))).toBe(true);
  }, 120_000);

  it('a publishing (key-signed) build without baseUrl fails, saying what to set', async () => {
    const keys = p256KeyPair();
    const root = await sampleCopy((c) => ({ ...c, signing: { mode: 'key', publicKey: 'signing.pub.pem' } }));
    await writeFile(join(root, 'signing.pub.pem'), keys.publicKeyPem);
    const result = await build(root, [], { CATALOG_SIGNING_KEY: keys.privateKeyPem });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('catalog.config.json has no baseUrl');
    expect(result.stderr).toContain('Set "baseUrl" to the URL where dist/ is served');
    expect(existsSync(join(root, 'dist/index.json'))).toBe(false);
  }, 120_000);
});
