/**
 * A `catalog` source (docs/sources.md): another MCP Catalog, read the way its installer reads it
 * (docs/dist.md, "The chain of trust"), before anything of it is used:
 *
 * 1. `index.json` and `index.json.sigstore.json` are downloaded, and the bundle must verify for
 *    those bytes under the identity this catalog pins for the source, with the shared verifier
 *    (sigstore-verify.ts); the signed serial and expiry must be the file's.
 * 2. An index with a lower serial than the last good copy (rollback) or past its `expires`
 *    (freeze) is refused: the last good copy stays.
 * 3. Each server file must have the sha256 and size the index names. A file whose digest is the
 *    one of the last good copy is not downloaded again.
 *
 * The other catalog's trust levels, verdicts and signatures are not carried over: its servers
 * become listings (catalogServers) that this build validates, scans and signs as its own.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { INDEX_PREDICATE_TYPE, INDEX_SUBJECT_NAME, type IndexPredicate } from '../core/attestation.ts';
import { bundleLocation } from '../core/bundle-location.ts';
import { mapLimit } from '../core/concurrency.ts';
import { isObject } from '../core/guards.ts';
import { OFFICIAL_SCHEMA_ID, PUBLISHER_META_KEY } from '../core/schema-files.ts';
import type {
  CatalogIndex,
  Listing,
  Package,
  PublisherMeta,
  Repository,
  ServerRecord,
  ServerStatus,
  SourceIdentity,
} from '../core/schema-types.gen.ts';
import type { SourceServer } from '../stages/sources.ts';
import { TAG, TAG_MAX_LENGTH } from '../stages/validate.ts';
import { parseSourceJson, SourceError, type SourceHttp } from './source-http.ts';
import {
  loadPublicGoodTrustedRoot,
  verifyAttestation,
  VerificationError,
  type TrustedRootJson,
  type TrustPolicy,
} from './sigstore-verify.ts';

export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

/** The last good copy of a catalog source. */
export interface CatalogCopy {
  kind: 'catalog';
  /** The serial of the index it was read from; a lower one later is a rollback. */
  serial: number;
  /** By server name: each server file as verified, with its sha256. */
  records: Record<string, { sha256: string; record: ServerRecord }>;
}

export interface CatalogRead {
  copy: CatalogCopy;
  /** Server files downloaded, and reused from the last good copy by digest. */
  fetched: number;
  reused: number;
}

/**
 * The trust policy a source's `identity` pins: its public key (a file of this repository), or its
 * publish workflow under sigstore's public-good root (SIGSTORE_TRUSTED_ROOT names another root, as
 * for the build's own signing; the tests use that).
 */
export async function sourceTrustPolicy(
  source: { name: string; identity: SourceIdentity },
  root: string,
  env: NodeJS.ProcessEnv = process.env,
  loadRoot: () => Promise<TrustedRootJson> = loadPublicGoodTrustedRoot,
): Promise<TrustPolicy> {
  const { identity } = source;
  if ('publicKey' in identity) {
    try {
      return { mode: 'key', publicKeyPem: await readFile(resolve(root, identity.publicKey), 'utf8') };
    } catch (cause) {
      throw new SourceError(
        'source-identity-invalid',
        source.name,
        `identity.publicKey ${identity.publicKey} cannot be read (${(cause as Error).message}); it is a path relative to the repository root.`,
        { cause },
      );
    }
  }
  const trustedRoot = env.SIGSTORE_TRUSTED_ROOT
    ? (JSON.parse(await readFile(resolve(root, env.SIGSTORE_TRUSTED_ROOT), 'utf8')) as TrustedRootJson)
    : await loadRoot();
  return {
    mode: 'keyless',
    trustedRoot,
    identity: {
      issuer: identity.issuer ?? GITHUB_ACTIONS_ISSUER,
      workflow: identity.workflow,
      repositoryId: identity.repositoryId,
    },
  };
}

export async function readCatalogSource(
  source: { name: string; url: string },
  previous: CatalogCopy | undefined,
  http: SourceHttp,
  options: { policy: TrustPolicy; now: Date; wanted?: (name: string) => boolean },
): Promise<CatalogRead> {
  const { name } = source;
  const indexUrl = source.url;
  const bytes = await http.get(indexUrl);
  const bundle = await http.get(`${indexUrl}.sigstore.json`);
  let predicate: IndexPredicate;
  try {
    const verified = await verifyAttestation(bundle, { bytes }, options.policy, {
      predicateType: INDEX_PREDICATE_TYPE,
      subjectName: INDEX_SUBJECT_NAME,
    });
    predicate = verified.statement.predicate as IndexPredicate;
  } catch (error) {
    if (!(error instanceof VerificationError)) throw error;
    const code = error.code === 'digest-mismatch' ? 'source-digest-mismatch' : 'source-signature-invalid';
    throw new SourceError(
      code,
      name,
      `${indexUrl} does not verify against the identity pinned in catalog.config.json (${error.code}: ${error.message}). Nothing of it was used; check the source's identity, or whether its index was tampered with.`,
      { cause: error },
    );
  }
  const index = parseSourceJson(name, indexUrl, bytes);
  if (!isObject(index) || typeof index.schemaVersion !== 'string' || !Array.isArray(index.servers))
    throw new SourceError('source-malformed', name, `${indexUrl} is not a catalog index.json.`);
  if (!/^1\./.test(index.schemaVersion))
    throw new SourceError(
      'source-malformed',
      name,
      `${indexUrl} has schemaVersion ${index.schemaVersion}; this build reads major version 1. Update the pipeline.`,
    );
  const { serial, expires } = index as unknown as CatalogIndex;
  if (predicate.serial !== serial || predicate.expires !== expires)
    throw new SourceError(
      'source-digest-mismatch',
      name,
      `${indexUrl}: the signed serial or expiry differs from the file.`,
    );
  if (previous && serial < previous.serial)
    throw new SourceError(
      'source-rollback',
      name,
      `${indexUrl} has serial ${serial}, lower than the ${previous.serial} of the last good copy (a rollback); the last good copy is kept.`,
    );
  if (Date.parse(expires) <= options.now.getTime())
    throw new SourceError(
      'source-expired',
      name,
      `${indexUrl} expired at ${expires} (a frozen index); the last good copy is kept until the source re-signs.`,
    );

  const servers = (index as unknown as CatalogIndex).servers.filter(
    (s) => isObject(s) && typeof s.name === 'string' && (options.wanted?.(s.name) ?? true),
  );
  let fetched = 0;
  let reused = 0;
  const records: CatalogCopy['records'] = {};
  await mapLimit(servers, 8, async (server) => {
    const ref = server.detail;
    if (!isObject(ref) || typeof ref.path !== 'string' || typeof ref.sha256 !== 'string')
      throw new SourceError('source-malformed', name, `${indexUrl}: ${server.name} has no detail file reference.`);
    const kept = previous?.records[server.name];
    if (kept && kept.sha256 === ref.sha256) {
      records[server.name] = kept;
      reused++;
      return;
    }
    const url = new URL(ref.path, indexUrl).href;
    const body = await http.get(url);
    const sha256 = createHash('sha256').update(body).digest('hex');
    if (sha256 !== ref.sha256 || body.length !== ref.size)
      throw new SourceError(
        'source-digest-mismatch',
        name,
        `${url} has sha256 ${sha256} (${body.length} bytes), not the ${ref.sha256} (${ref.size} bytes) the signed index names. Nothing of the source was used.`,
      );
    const record = parseSourceJson(name, url, body);
    if (!isObject(record) || record.name !== server.name || !Array.isArray(record.versions))
      throw new SourceError('source-malformed', name, `${url} is not the server file of ${server.name}.`);
    records[server.name] = { sha256, record: record as unknown as ServerRecord };
    fetched++;
  });
  return { copy: { kind: 'catalog', serial, records }, fetched, reused };
}

/**
 * The copy as listings, one per version, rebuilt from each verified server file the way the
 * registry API rebuilds server.json (docs/registry-api.md, "What a response holds"). Bundles the
 * other catalog hosts become absolute URLs on its index URL. Publisher metadata that would not
 * pass here is adapted, not refused: a category outside this catalog's taxonomy becomes `other`,
 * tags that are not kebab-case are dropped.
 */
export function catalogServers(copy: CatalogCopy, indexUrl: string, categories: ReadonlySet<string>): SourceServer[] {
  const out: SourceServer[] = [];
  for (const name of Object.keys(copy.records).sort()) {
    const { record } = copy.records[name]!;
    const repository = repositoryOf(record.source?.repository);
    const category = record.category && categories.has(record.category) ? record.category : 'other';
    const tags = (record.tags ?? []).filter((t) => TAG.test(t) && t.length <= TAG_MAX_LENGTH).slice(0, 16);
    const importedFrom =
      record.importedFrom && ['official', 'mcpm', 'docker'].includes(record.importedFrom.registry)
        ? (record.importedFrom as PublisherMeta['importedFrom'])
        : undefined;
    const versions: SourceServer['versions'] = [];
    const statusVersions: NonNullable<ServerStatus['versions']> = {};
    for (const version of record.versions) {
      const meta: PublisherMeta = {
        ...(categories.has(category) ? { category } : {}),
        ...(tags.length > 0 ? { tags } : {}),
        ...(record.license ? { license: record.license } : {}),
        ...(record.documentation ? { documentation: record.documentation } : {}),
        ...(record.support ? { support: record.support } : {}),
        ...(version.changelog ? { changelog: version.changelog } : {}),
        ...(importedFrom ? { importedFrom } : {}),
      };
      const listing: Listing = {
        $schema: OFFICIAL_SCHEMA_ID,
        name: record.name,
        ...(record.title ? { title: record.title } : {}),
        description: record.description,
        version: version.version,
        ...(record.source?.website ? { websiteUrl: record.source.website } : {}),
        ...(repository ? { repository } : {}),
        ...(version.packages.length > 0 ? { packages: version.packages.map((p) => absoluteBundle(p, indexUrl)) } : {}),
        ...(version.remotes.length > 0 ? { remotes: version.remotes } : {}),
        ...(Object.keys(meta).length > 0 ? { _meta: { [PUBLISHER_META_KEY]: meta } } : {}),
      } as Listing;
      versions.push({ listing, publishedAt: version.publishedAt });
      if (version.status !== 'active')
        statusVersions[version.version] = {
          status: version.status,
          message:
            version.statusMessage ?? `${version.status === 'yanked' ? 'Yanked' : 'Deprecated'} in the source catalog.`,
        };
    }
    const status: ServerStatus = {
      ...(record.status === 'deprecated'
        ? { status: 'deprecated' as const, message: record.statusMessage ?? 'Deprecated in the source catalog.' }
        : {}),
      ...(Object.keys(statusVersions).length > 0 ? { versions: statusVersions } : {}),
    };
    out.push({
      name: record.name,
      versions,
      ...(Object.keys(status).length > 0 ? { status } : {}),
      ...(record.longDescription ? { readme: record.longDescription } : {}),
      ...(record.tools ? { tools: record.tools } : {}),
    });
  }
  return out;
}

function absoluteBundle(pkg: Package, indexUrl: string): Package {
  if (pkg.registryType !== 'mcpb') return pkg;
  const where = bundleLocation(pkg.identifier);
  // A bundle the other catalog hosts is named relative to its index.json.
  return where.kind === 'catalog' ? { ...pkg, identifier: new URL(pkg.identifier, indexUrl).href } : pkg;
}

function repositoryOf(url: string | undefined): Repository | undefined {
  if (!url) return undefined;
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return undefined;
  }
  const forge = ['github', 'gitlab', 'bitbucket'].find((f) => host === `${f}.com` || host === `${f}.org`);
  return { url, source: forge ?? host };
}
