/**
 * The catalog identity this installer trusts, fixed when it was built (installer/build.ts puts
 * it in through esbuild's `define`): the publish workflow's identity for keyless signing, or the
 * public key for key and dev signing, plus the default index URL. `--index` changes where the
 * catalog is read from, never whom it must be signed by.
 *
 * Run from the repository (`npm run install-server`), the same is read from this checkout:
 * catalog.config.json, and the key of `signing.publicKey` or the development key in `.signing/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrustedRootJson } from '../pipeline/adapters/sigstore-verify.ts';
import type { Policy } from '../pipeline/core/schema-types.gen.ts';

export type PinnedIdentity =
  | { mode: 'key' | 'dev'; publicKeyPem: string }
  | { mode: 'keyless'; issuer: string; workflow: string; repositoryId: string; trustedRoot?: TrustedRootJson };

export interface BuildInfo {
  version: string;
  catalog: string;
  /** Where index.json is published (baseUrl + index.json), when the catalog has a baseUrl. */
  indexUrl?: string;
  identity: PinnedIdentity;
  /** The catalog's default policy (catalog.config.json `defaultPolicy`), applied without --policy. */
  defaultPolicy?: Policy;
}

declare const __MCP_CATALOG_BUILD__: BuildInfo | undefined;

let fromRepo: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  if (typeof __MCP_CATALOG_BUILD__ !== 'undefined' && __MCP_CATALOG_BUILD__) return __MCP_CATALOG_BUILD__;
  return (fromRepo ??= repoBuildInfo(fileURLToPath(new URL('..', import.meta.url)), undefined));
}

interface ConfigLike {
  name?: string;
  baseUrl?: string;
  defaultPolicy?: string;
  signing?: { mode?: string; publicKey?: string; workflow?: string; ref?: string };
  repository?: { owner?: string; name?: string; id?: string };
}

/** The identity and defaults of the catalog in `root`, signed as `mode` (default: as configured, dev without a key). */
export function repoBuildInfo(
  root: string,
  mode: 'dev' | 'key' | 'keyless' | undefined,
  env: NodeJS.ProcessEnv = process.env,
): BuildInfo {
  const config = JSON.parse(readFileSync(join(root, 'catalog.config.json'), 'utf8')) as ConfigLike;
  const packageFile = [join(root, 'package.json'), fileURLToPath(new URL('../package.json', import.meta.url))].find(
    (f) => existsSync(f),
  );
  const version = packageFile
    ? ((JSON.parse(readFileSync(packageFile, 'utf8')) as { version?: string }).version ?? '0.0.0')
    : '0.0.0';
  const devKey = join(root, '.signing', 'dev-signing-key.pub.pem');
  const chosen = mode ?? (config.signing?.mode === 'key' ? 'key' : existsSync(devKey) ? 'dev' : 'keyless');
  let identity: PinnedIdentity;
  if (chosen === 'key') {
    if (!config.signing?.publicKey)
      throw new Error('catalog.config.json has signing.mode "key" but no signing.publicKey.');
    identity = { mode: 'key', publicKeyPem: readFileSync(join(root, config.signing.publicKey), 'utf8') };
  } else if (chosen === 'dev') {
    identity = { mode: 'dev', publicKeyPem: readFileSync(devKey, 'utf8') };
  } else {
    const repository = config.repository?.owner
      ? `${config.repository.owner}/${config.repository.name}`
      : env.GITHUB_REPOSITORY;
    const repositoryId = config.repository?.id ?? env.GITHUB_REPOSITORY_ID;
    if (!repository || !repositoryId)
      throw new Error(
        'Keyless signing pins the repository and its numeric id: set repository.owner, repository.name and repository.id in catalog.config.json (or build in GitHub Actions).',
      );
    const workflow = `https://github.com/${repository}/${config.signing?.workflow ?? '.github/workflows/publish.yml'}@${config.signing?.ref ?? 'refs/heads/main'}`;
    identity = { mode: 'keyless', issuer: 'https://token.actions.githubusercontent.com', workflow, repositoryId };
    if (env.SIGSTORE_TRUSTED_ROOT)
      identity.trustedRoot = JSON.parse(
        readFileSync(resolve(root, env.SIGSTORE_TRUSTED_ROOT), 'utf8'),
      ) as TrustedRootJson;
  }
  const info: BuildInfo = { version, catalog: config.baseUrl ?? config.name ?? 'MCP Catalog', identity };
  if (config.baseUrl)
    info.indexUrl = new URL('index.json', config.baseUrl.endsWith('/') ? config.baseUrl : config.baseUrl + '/').href;
  if (config.defaultPolicy) {
    const file = join(root, 'catalog', 'policies', `${config.defaultPolicy}.json`);
    if (existsSync(file)) info.defaultPolicy = JSON.parse(readFileSync(file, 'utf8')) as Policy;
  }
  return info;
}
