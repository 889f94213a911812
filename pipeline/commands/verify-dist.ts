/**
 * Checks a built dist/ the way its readers will trust it (Homebrew's validate-build, style.md 9),
 * with the shared verifier the installer uses:
 * - index.json: its sigstore bundle verifies under the pinned identity, for these exact bytes;
 *   the signed serial and expiry are the ones in the file; it validates against its schema; it
 *   lists every server of the catalog that is not deleted;
 * - every per-server file matches the digest the index gives and validates;
 * - every verified artifact's attestation verifies for its sha256, names its server and version,
 *   and binds the scan report that is published; a catalog-hosted bundle's bytes match;
 * - the search index finds a known server.
 * Returns every problem found, not just the first.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyAttestation, VerificationError, type TrustPolicy } from '../adapters/sigstore-verify.ts';
import {
  ARTIFACT_PREDICATE_TYPE,
  INDEX_PREDICATE_TYPE,
  INDEX_SUBJECT_NAME,
  type ArtifactPredicate,
  type IndexPredicate,
} from '../core/attestation.ts';
import type { CatalogIndex, FileRef, ServerRecord, ServerStatus } from '../core/schema-types.gen.ts';
import { validateSchema } from '../core/schema-validator.ts';
import { createSearch } from '../emit/search-client.ts';
import { SEARCH_MANIFEST_PATH } from '../emit/search.ts';
import type { LoadedCatalog } from '../stages/load.ts';
import { UsageError, type CommandResult } from './args.ts';

function verifyIndexSignature(out: string, bytes: Uint8Array, policy: TrustPolicy) {
  return readFile(join(out, 'index.json.sigstore.json')).then((bundle) =>
    verifyAttestation(bundle, { bytes }, policy, {
      predicateType: INDEX_PREDICATE_TYPE,
      subjectName: INDEX_SUBJECT_NAME,
    }),
  );
}

/** Whether dist/index.json and its signature verify under `policy` (false on any problem). */
export async function indexSignatureHolds(out: string, policy: TrustPolicy): Promise<boolean> {
  try {
    await verifyIndexSignature(out, await readFile(join(out, 'index.json')), policy);
    return true;
  } catch {
    return false;
  }
}

export interface VerifyDistScope {
  /** The catalog built: index.json must list each of its servers that is not deleted. */
  catalog?: LoadedCatalog;
  /**
   * The paths this build wrote. Per-server files outside it (and their artifacts) were checked by
   * the build that wrote them, and the dist writer found them unchanged since: they are skipped.
   */
  changed?: ReadonlySet<string>;
}

export async function verifyDist(
  out: string,
  policy: TrustPolicy,
  { catalog, changed }: VerifyDistScope = {},
): Promise<string[]> {
  const problems: string[] = [];
  const read = (path: string) => readFile(join(out, path));
  const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (error) {
      const code = error instanceof VerificationError ? ` [${error.code}]` : '';
      problems.push(`${what}: ${(error as Error).message}${code}`);
      return undefined;
    }
  };

  const bytes = await attempt('index.json', () => read('index.json'));
  if (!bytes) return problems;
  const verified = await attempt('index.json signature', () => verifyIndexSignature(out, bytes, policy));
  const index = JSON.parse(bytes.toString('utf8')) as CatalogIndex;
  for (const finding of validateSchema('index', index)) problems.push(`index.json${finding.path}: ${finding.message}`);
  if (verified) {
    const predicate = verified.statement.predicate as IndexPredicate;
    if (predicate.serial !== index.serial || predicate.expires !== index.expires)
      problems.push('index.json: the signed serial or expiry differs from the file');
  }
  if (catalog) {
    const deleted = new Set(
      catalog.files
        .filter((f) => f.location.kind === 'status' && (f.json?.value as ServerStatus)?.status === 'deleted')
        .map((f) => (f.location as { server: string }).server),
    );
    const listed = new Set(
      catalog.files.flatMap((f) =>
        f.location.kind === 'listing' && !deleted.has(f.location.server) ? [f.location.server] : [],
      ),
    );
    if (index.servers.length !== listed.size)
      problems.push(`index.json lists ${index.servers.length} servers; the catalog has ${listed.size}`);
  }

  const matches = async (ref: FileRef, what: string) => {
    const file = await attempt(what, () => read(ref.path));
    if (file && sha256(file) !== ref.sha256) problems.push(`${ref.path}: sha256 differs from what ${what} records`);
    return file;
  };
  for (const server of index.servers) {
    if (changed && !changed.has(server.detail.path)) continue;
    const detail = await matches(server.detail, `index.json (${server.name})`);
    if (!detail) continue;
    const record = JSON.parse(detail.toString('utf8')) as ServerRecord;
    for (const finding of validateSchema('server-record', record))
      problems.push(`${server.detail.path}${finding.path}: ${finding.message}`);
    for (const version of record.versions) {
      for (const artifact of version.artifacts) {
        if (artifact.status !== 'verified' || !artifact.attestation || !artifact.scan) continue;
        const where = `${server.name}@${version.version} ${artifact.url}`;
        await matches(artifact.scan.report, where);
        const hosted = !/^https:\/\//.test(artifact.url);
        const subject = hosted ? await attempt(where, () => read(artifact.url)) : undefined;
        if (hosted && !subject) continue;
        const attestation = await attempt(`${where} attestation`, async () =>
          verifyAttestation(
            await read(artifact.attestation!),
            subject ? { bytes: subject } : { sha256: artifact.sha256 },
            policy,
            { predicateType: ARTIFACT_PREDICATE_TYPE },
          ),
        );
        if (!attestation) continue;
        const predicate = attestation.statement.predicate as ArtifactPredicate;
        if (predicate.server !== server.name || predicate.version !== version.version)
          problems.push(`${where}: the attestation is for ${predicate.server}@${predicate.version}`);
        if (predicate.scanReport.digest.sha256 !== artifact.scan.report.sha256)
          problems.push(`${where}: the attestation binds another scan report`);
      }
    }
  }

  const known = index.servers[0];
  if (known) {
    const found = await attempt('search index', async () => {
      const manifest = JSON.parse((await read(SEARCH_MANIFEST_PATH)).toString('utf8'));
      const search = await createSearch(manifest, async (path: string) => (await read(path)).toString('utf8'));
      const hits = await search.search(known.name);
      return (await search.names(hits.map((hit) => hit.id))).includes(known.name);
    });
    if (found === false) problems.push(`search index: searching "${known.name}" does not find it`);
  }
  return problems;
}

export interface VerifyDistOptions {
  dir: string;
  /** Key mode: the PEM public key to trust. */
  key?: string;
  /** Keyless: the exact Build Signer URI, repository id and issuer to trust. */
  workflow?: string;
  repositoryId?: string;
  issuer?: string;
  /** Keyless: a trusted_root.json; the sigstore public-good root (TUF, network) when omitted. */
  trustedRoot?: string;
}

/** `catalog verify-dist`: exit 0 when dist/ verifies under the given identity, 1 with the problems. */
export async function verifyDistCommand(options: VerifyDistOptions): Promise<CommandResult> {
  let policy: TrustPolicy;
  if (options.key) {
    policy = { mode: 'key', publicKeyPem: await readFile(options.key, 'utf8') };
  } else if (options.workflow && options.repositoryId) {
    const { loadPublicGoodTrustedRoot } = await import('../adapters/sigstore-verify.ts');
    policy = {
      mode: 'keyless',
      trustedRoot: options.trustedRoot
        ? (JSON.parse(await readFile(options.trustedRoot, 'utf8')) as Record<string, unknown>)
        : await loadPublicGoodTrustedRoot(),
      identity: {
        issuer: options.issuer ?? 'https://token.actions.githubusercontent.com',
        workflow: options.workflow,
        repositoryId: options.repositoryId,
      },
    };
  } else {
    throw new UsageError(
      'verify-dist needs the identity to trust: --key PUBLIC.pem, or --workflow URI --repository-id ID for keyless.',
    );
  }
  const problems = await verifyDist(options.dir, policy);
  return problems.length === 0
    ? { stdout: `${options.dir}: index.json, every server file and every attestation verify.`, exitCode: 0 }
    : { stdout: problems.join('\n'), exitCode: 1 };
}
