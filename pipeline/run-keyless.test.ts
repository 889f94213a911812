/**
 * The publish path of `npm run build`: keyless signing with a GitHub Actions OIDC token, against
 * sigstore's own mock Fulcio, Rekor and TSA on 127.0.0.1, and a local endpoint that answers like
 * GitHub's ACTIONS_ID_TOKEN_REQUEST_URL. The dist/ check inside the build verifies under the pinned
 * identity; here the same output is also refused under a fork's identity.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDist } from './commands/verify-dist.ts';
import { REPO_ROOT } from './core/schema-files.ts';
import { gitInit, runCliAsync, tempDir } from './test-support/fixtures.ts';
import {
  DEFAULT_REPOSITORY,
  DEFAULT_REPOSITORY_ID,
  startSigstoreServices,
  type SigstoreServices,
} from './test-support/sigstore-services.ts';

describe('npm run build, keyless', () => {
  let services: SigstoreServices;
  let oidc: Server;
  let oidcUrl: string;
  let root: string;
  let tokenRequests = 0;

  beforeAll(async () => {
    services = await startSigstoreServices();
    // GitHub's token endpoint: GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=sigstore with the bearer token.
    oidc = createServer((request, response) => {
      tokenRequests++;
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      if (request.headers.authorization !== 'Bearer request-token' || url.searchParams.get('audience') !== 'sigstore')
        return void response.writeHead(403).end();
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ value: services.mintToken() }));
    });
    await new Promise<void>((resolve) => oidc.listen(0, '127.0.0.1', resolve));
    oidcUrl = `http://127.0.0.1:${(oidc.address() as AddressInfo).port}/token?api-version=2.0`;

    root = await tempDir('mcp-catalog-keyless-');
    for (const path of [
      'catalog.config.json',
      'catalog/policies',
      'catalog/servers/io.github.mcp-catalog/dateutil-clock',
      'catalog/bundles/io.github.mcp-catalog--dateutil-clock-1.0.0.mcpb',
    ])
      await cp(join(REPO_ROOT, path), join(root, path), { recursive: true });
    await writeFile(join(root, 'trusted-root.json'), JSON.stringify(services.trustedRoot));
    // A publishing build needs baseUrl (the registry API's links are absolute on it).
    const config = JSON.parse(await readFile(join(root, 'catalog.config.json'), 'utf8')) as object;
    await writeFile(
      join(root, 'catalog.config.json'),
      JSON.stringify({ ...config, baseUrl: 'https://acme.github.io/mcp-catalog/' }),
    );
    gitInit(root);
  }, 60_000);

  afterAll(async () => {
    await services?.close();
    await new Promise<void>((resolve) => oidc?.close(() => resolve()));
  });

  it('signs every artifact and index.json with the workflow identity, and verifies under it', async () => {
    const result = await runCliAsync(['--root', root, '--offline', '--signing', 'keyless', '--no-site'], {
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
    expect(result.status, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^verify: 0 problems/m);
    // One certificate per signature: the bundle's statement and index.json.
    expect(services.requests.fulcio).toBe(2);
    expect(tokenRequests).toBe(2);
    const out = join(root, 'dist');
    const pinned = { mode: 'keyless' as const, trustedRoot: services.trustedRoot, identity: services.identity };
    expect(await verifyDist(out, pinned)).toEqual([]);
    const fork = {
      ...pinned,
      identity: { ...services.identity, workflow: services.identity.workflow.replace('mcp-catalog/', 'fork/') },
    };
    expect((await verifyDist(out, fork)).join('\n')).toMatch(/\[identity-mismatch\]/);
    const resurrected = { ...pinned, identity: { ...services.identity, repositoryId: '1' } };
    expect((await verifyDist(out, resurrected)).join('\n')).toMatch(/\[identity-mismatch\]/);
  }, 60_000);
});
