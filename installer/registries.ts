/**
 * Pinning a package the catalog lists without an exact version: the current version from npm or
 * PyPI, or the digest of an OCI tag, read from the package registry itself. The registries can be
 * pointed elsewhere (a mirror, or a test server on 127.0.0.1) with MCP_CATALOG_NPM_REGISTRY,
 * MCP_CATALOG_PYPI_URL and MCP_CATALOG_OCI_REGISTRY.
 */
import type { Launch } from '../pipeline/core/client-config.ts';
import type { RecordVersion } from '../pipeline/core/schema-types.gen.ts';
import { InstallerError } from './errors.ts';
import { fetchBytes, httpsRequest } from './source.ts';

async function json(url: URL): Promise<Record<string, unknown>> {
  try {
    return JSON.parse((await fetchBytes(url, { maxBytes: 32 << 20, timeoutMs: 20_000 })).toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch (error) {
    throw new InstallerError(
      'registry-unreachable',
      `Cannot read ${url.href} to pin the version: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

export async function resolvePin(launch: Launch, version: RecordVersion, env: NodeJS.ProcessEnv): Promise<string> {
  const pkg = version.packages[launch.packageIndex ?? 0];
  const identifier = launch.identifier ?? pkg?.identifier ?? '';
  if (launch.kind === 'npm') {
    if (pkg?.version) return pkg.version;
    const base = env.MCP_CATALOG_NPM_REGISTRY ?? 'https://registry.npmjs.org/';
    const doc = await json(new URL(identifier.replace('/', '%2F'), base.endsWith('/') ? base : base + '/'));
    const latest = (doc['dist-tags'] as Record<string, string> | undefined)?.latest;
    if (!latest) throw new InstallerError('unpinned', `${identifier} has no latest version on npm.`);
    return latest;
  }
  if (launch.kind === 'pypi') {
    if (pkg?.version) return pkg.version;
    const base = env.MCP_CATALOG_PYPI_URL ?? 'https://pypi.org/pypi/';
    const doc = await json(new URL(`${encodeURIComponent(identifier)}/json`, base.endsWith('/') ? base : base + '/'));
    const latest = (doc.info as Record<string, string> | undefined)?.version;
    if (!latest) throw new InstallerError('unpinned', `${identifier} has no version on PyPI.`);
    return latest;
  }
  if (launch.kind === 'oci') return resolveOciDigest(identifier, pkg?.version, env);
  throw new InstallerError('unpinned', `${launch.label} cannot be pinned.`);
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/**
 * The digest a tag points at now, from the registry's API (OCI distribution spec, "Pulling
 * manifests"): `HEAD /v2/<repo>/manifests/<tag>` answers with `Docker-Content-Digest`. A 401 names
 * the token service (`WWW-Authenticate: Bearer realm=…,service=…,scope=…`); an anonymous pull token
 * from it is enough for public images.
 */
export async function resolveOciDigest(
  identifier: string,
  version: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const match = identifier.match(/^(?:([^/]+\.[^/]+|localhost(?::\d+)?)\/)?([^:@]+)(?::([^@]+))?$/);
  if (!match)
    throw new InstallerError('unpinned', `${identifier} is not an image reference this installer understands.`);
  const host = match[1] ?? 'docker.io';
  let repository = match[2]!;
  const tag = match[3] ?? version ?? 'latest';
  if (host === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  const base = env.MCP_CATALOG_OCI_REGISTRY ?? `https://${host === 'docker.io' ? 'registry-1.docker.io' : host}`;
  const url = new URL(`/v2/${repository}/manifests/${encodeURIComponent(tag)}`, base);
  const headers: Record<string, string> = { accept: MANIFEST_TYPES };
  let response = await httpsRequest(url, { method: 'HEAD', headers }).catch(unreachable(url));
  if (response.status === 401) {
    const challenge = String(response.headers['www-authenticate'] ?? '');
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!/^Bearer /i.test(challenge) || !params.realm)
      throw new InstallerError(
        'registry-unreachable',
        `${url.href} asks for credentials this installer does not have.`,
      );
    const tokenUrl = new URL(params.realm);
    if (params.service) tokenUrl.searchParams.set('service', params.service);
    tokenUrl.searchParams.set('scope', params.scope ?? `repository:${repository}:pull`);
    const token = await httpsRequest(tokenUrl).catch(unreachable(tokenUrl));
    const body = JSON.parse(token.body.toString('utf8') || '{}') as { token?: string; access_token?: string };
    const bearer = body.token ?? body.access_token;
    if (token.status !== 200 || !bearer)
      throw new InstallerError('registry-unreachable', `${tokenUrl.href} gave no pull token.`);
    response = await httpsRequest(url, {
      method: 'HEAD',
      headers: { ...headers, authorization: `Bearer ${bearer}` },
    }).catch(unreachable(url));
  }
  const digest = String(response.headers['docker-content-digest'] ?? '');
  if (response.status !== 200 || !/^sha256:[0-9a-f]{64}$/.test(digest))
    throw new InstallerError(
      'unpinned',
      `${identifier}:${tag} could not be resolved to a digest (HTTP ${response.status}); refused.`,
    );
  return digest;
}

const unreachable = (url: URL) => (error: unknown) => {
  throw new InstallerError(
    'registry-unreachable',
    `Cannot reach ${url.href} to pin the image: ${(error as Error).message}`,
  );
};
