/**
 * The installer of a keyless catalog: built with the publish workflow's identity pinned (and the
 * trusted root of the sigstore it used), it installs from the catalog that workflow signed, and
 * an installer pinned to another repository (a fork) refuses that same catalog. Sigstore's mock
 * Fulcio, Rekor and TSA run on 127.0.0.1, with a local endpoint answering like GitHub's OIDC one.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../pipeline/core/schema-files.ts';
import { gitInit, runCliAsync, tempDir } from '../pipeline/test-support/fixtures.ts';
import {
  DEFAULT_REPOSITORY,
  DEFAULT_REPOSITORY_ID,
  startSigstoreServices,
  type SigstoreServices,
} from '../pipeline/test-support/sigstore-services.ts';
import { buildInstaller } from './build.ts';
import { runInstaller, sandbox } from './test-support.ts';

describe('a keyless catalog', () => {
  let services: SigstoreServices;
  let oidc: Server;
  let root: string;

  beforeAll(async () => {
    services = await startSigstoreServices();
    oidc = createServer((request, response) => {
      if (request.headers.authorization !== 'Bearer request-token') return void response.writeHead(403).end();
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ value: services.mintToken() }));
    });
    await new Promise<void>((resolve) => oidc.listen(0, '127.0.0.1', resolve));
    const oidcUrl = `http://127.0.0.1:${(oidc.address() as AddressInfo).port}/token?api-version=2.0`;
    root = await tempDir('mcp-catalog-keyless-installer-');
    for (const path of [
      'catalog.config.json',
      'catalog/policies',
      'catalog/servers/io.github.mcp-catalog/dateutil-clock',
      'catalog/bundles/io.github.mcp-catalog--dateutil-clock-1.0.0.mcpb',
    ])
      await cp(join(REPO_ROOT, path), join(root, path), { recursive: true });
    await writeFile(join(root, 'trusted-root.json'), JSON.stringify(services.trustedRoot));
    const config = JSON.parse(await readFile(join(root, 'catalog.config.json'), 'utf8')) as object;
    await writeFile(
      join(root, 'catalog.config.json'),
      JSON.stringify({ ...config, baseUrl: 'https://acme.github.io/mcp-catalog/' }),
    );
    gitInit(root);
    const built = await runCliAsync(['--root', root, '--offline', '--signing', 'keyless', '--no-site'], {
      script: 'pipeline/run.ts',
      env: {
        ACTIONS_ID_TOKEN_REQUEST_URL: oidcUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
        GITHUB_REPOSITORY: DEFAULT_REPOSITORY,
        GITHUB_REPOSITORY_ID: DEFAULT_REPOSITORY_ID,
        SIGSTORE_FULCIO_URL: services.fulcioURL,
        SIGSTORE_REKOR_URL: services.rekorURL,
        SIGSTORE_TSA_URL: services.tsaURL,
        SIGSTORE_TRUSTED_ROOT: 'trusted-root.json',
      },
    });
    expect(built.status, built.stderr + built.stdout).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await services?.close();
    await new Promise<void>((resolve) => oidc?.close(() => resolve()));
  });

  const installerFor = async (repositoryId: string) =>
    buildInstaller({
      root,
      out: await tempDir('mcp-installer-'),
      signing: 'keyless',
      env: {
        GITHUB_REPOSITORY: DEFAULT_REPOSITORY,
        GITHUB_REPOSITORY_ID: repositoryId,
        SIGSTORE_TRUSTED_ROOT: 'trusted-root.json',
      },
    });

  it('pins the workflow identity and the default index, and installs what that workflow signed', async () => {
    const built = await installerFor(DEFAULT_REPOSITORY_ID);
    expect(built.info.identity).toMatchObject({
      mode: 'keyless',
      issuer: 'https://token.actions.githubusercontent.com',
      workflow: `https://github.com/${DEFAULT_REPOSITORY}/.github/workflows/publish.yml@refs/heads/main`,
      repositoryId: DEFAULT_REPOSITORY_ID,
    });
    expect(built.info.indexUrl).toBe('https://acme.github.io/mcp-catalog/index.json');
    const box = await sandbox();
    const result = await runInstaller(
      built.file,
      ['install', 'io.github.mcp-catalog/dateutil-clock', '--index', join(root, 'dist'), '--client', 'cursor', '--yes'],
      box,
    );
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('refuses it when built for another repository (a fork keeps the name, not the id)', async () => {
    const fork = await installerFor('999');
    const box = await sandbox();
    const result = await runInstaller(
      fork.file,
      ['install', 'io.github.mcp-catalog/dateutil-clock', '--index', join(root, 'dist'), '--client', 'cursor', '--yes'],
      box,
    );
    expect(result.json.error?.code, result.stdout + result.stderr).toBe('index-identity-mismatch');
    expect(result.status).toBe(1);
  });
});
