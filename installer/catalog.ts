/**
 * Reading the catalog as the chain of trust says (docs/dist.md): index.json verifies under the
 * pinned identity for its exact bytes, with the signed serial and expiry equal to the file's; its
 * serial is not lower than the highest this machine has seen and it is not past `expires`; then
 * each server file is trusted only for the sha256 the index gives.
 */
import { createHash } from 'node:crypto';
import { VerificationError, verifyAttestation, type TrustPolicy } from '../pipeline/adapters/sigstore-verify.ts';
import { INDEX_PREDICATE_TYPE, INDEX_SUBJECT_NAME, type IndexPredicate } from '../pipeline/core/attestation.ts';
import type { CatalogIndex, FileRef, IndexServer, Policy, ServerRecord } from '../pipeline/core/schema-types.gen.ts';
import { validateSchema } from '../pipeline/core/schema-validator.ts';
import { InstallerError } from './errors.ts';
import type { PinnedIdentity } from './pin.ts';
import { fetchBytes, type Source } from './source.ts';

export const SUPPORTED_INDEX_MAJOR = 1;

export interface VerifiedCatalog {
  source: Source;
  index: CatalogIndex;
  policy: TrustPolicy;
  record(name: string): Promise<{ server: IndexServer; record: ServerRecord }>;
  /** A policy the catalog publishes, checked against the digest the signed index gives; undefined when it has none by that name. */
  publishedPolicy(name: string): Promise<Policy | undefined>;
}

export async function trustPolicy(identity: PinnedIdentity): Promise<TrustPolicy> {
  if (identity.mode !== 'keyless') return { mode: 'key', publicKeyPem: identity.publicKeyPem };
  const trustedRoot =
    identity.trustedRoot ??
    (await (await import('../pipeline/adapters/sigstore-verify.ts')).loadPublicGoodTrustedRoot());
  return {
    mode: 'keyless',
    trustedRoot,
    identity: { issuer: identity.issuer, workflow: identity.workflow, repositoryId: identity.repositoryId },
  };
}

export function verificationRefusal(error: unknown, what: string, file: string): InstallerError {
  if (error instanceof InstallerError) return error;
  if (error instanceof VerificationError) {
    const code =
      error.code === 'identity-mismatch'
        ? 'identity-mismatch'
        : error.code === 'digest-mismatch'
          ? 'digest-mismatch'
          : 'signature-invalid';
    return new InstallerError(
      `${what}-${code}`,
      `${file}: ${error.message} Refused: possible tampering or a man in the middle.`,
      {
        file,
        details: { verifier: error.code },
      },
    );
  }
  return new InstallerError('internal', `${file}: ${(error as Error).message}`, { file, cause: error });
}

export async function loadVerifiedCatalog(options: {
  source: Source;
  identity: PinnedIdentity;
  catalogName: string;
  highestSerial: number | undefined;
  now: Date;
}): Promise<VerifiedCatalog> {
  const { source } = options;
  const indexUrl = source.indexUrl;
  const where = indexUrl.href;
  const bytes = await fetchBytes(indexUrl, { maxBytes: 64 << 20 }).catch((error: unknown) => {
    throw error instanceof InstallerError && error.code === 'download-failed'
      ? new InstallerError('index-unreachable', `${error.message}`, { file: where })
      : error;
  });
  const bundle = await fetchBytes(source.resolve('index.json.sigstore.json'), { maxBytes: 1 << 20 }).catch(
    (error: unknown) => {
      throw new InstallerError(
        'index-signature-missing',
        `${where}: its signature index.json.sigstore.json cannot be read (${(error as Error).message}); refused.`,
        {
          file: where,
        },
      );
    },
  );
  const policy = await trustPolicy(options.identity);
  let predicate: IndexPredicate;
  try {
    const verified = await verifyAttestation(bundle, { bytes }, policy, {
      predicateType: INDEX_PREDICATE_TYPE,
      subjectName: INDEX_SUBJECT_NAME,
    });
    predicate = verified.statement.predicate as IndexPredicate;
  } catch (error) {
    throw verificationRefusal(error, 'index', where);
  }
  let index: CatalogIndex;
  try {
    index = JSON.parse(bytes.toString('utf8')) as CatalogIndex;
  } catch {
    throw new InstallerError('index-invalid', `${where} is not JSON.`, { file: where });
  }
  if (predicate.catalog !== options.catalogName)
    throw new InstallerError(
      'index-wrong-catalog',
      `${where} is signed for the catalog "${predicate.catalog}", and this installer belongs to "${options.catalogName}"; refused.`,
      { file: where },
    );
  if (predicate.serial !== index.serial || predicate.expires !== index.expires)
    throw new InstallerError(
      'index-signature-invalid',
      `${where}: the signed serial or expiry differs from the file; refused.`,
      {
        file: where,
      },
    );
  const major = Number(String(index.schemaVersion ?? '').split('.')[0]);
  if (major !== SUPPORTED_INDEX_MAJOR)
    throw new InstallerError(
      'index-schema-unsupported',
      `${where} has schemaVersion ${index.schemaVersion}; this installer reads ${SUPPORTED_INDEX_MAJOR}.x. Get a newer installer from the catalog.`,
      { file: where, field: 'schemaVersion' },
    );
  if (options.highestSerial !== undefined && index.serial < options.highestSerial)
    throw new InstallerError(
      'index-rolled-back',
      `${where} has serial ${index.serial}, lower than ${options.highestSerial} which this machine has already seen: an old index is being replayed. Refused.`,
      { file: where, field: 'serial', details: { serial: index.serial, highestSeen: options.highestSerial } },
    );
  if (Date.parse(index.expires) <= options.now.getTime())
    throw new InstallerError(
      'index-expired',
      `${where} expired at ${index.expires}: the catalog may be frozen at an old state. Refused.`,
      { file: where, field: 'expires' },
    );
  // Unknown fields are ignored (strict on input, lenient on output); the known ones must be right.
  const problems = validateSchema('index', index).filter(
    (f) => !/additional|must NOT have additional/i.test(f.message),
  );
  if (problems.length)
    throw new InstallerError('index-invalid', `${where}${problems[0]!.path}: ${problems[0]!.message}`, {
      file: where,
      field: problems[0]!.path,
    });

  return {
    source,
    index,
    policy,
    async publishedPolicy(name: string) {
      const published = index.policies?.find((p) => p.name === name);
      if (!published) return undefined;
      return (await readBound(source, published.detail, 'policy', 'policy')).value as Policy;
    },
    async record(name: string) {
      const server = index.servers.find((s) => s.name === name);
      if (!server) {
        const near = index.servers.filter((s) => s.name.endsWith(`/${name}`) || s.name.split('/').pop() === name);
        throw new InstallerError(
          'server-not-found',
          `${name} is not in the catalog${near.length ? `; did you mean ${near.map((s) => s.name).join(', ')}?` : '.'}`,
          { field: 'name' },
        );
      }
      const { value, url } = await readBound(source, server.detail, 'server-record', 'record');
      const record = value as ServerRecord;
      if (record.name !== name)
        throw new InstallerError('record-invalid', `${url.href} describes ${record.name}, not ${name}; refused.`, {
          file: url.href,
        });
      return { server, record };
    },
  };
}

/**
 * A file the signed index binds by digest: fetched with a cap from its recorded size, refused
 * unless its sha256 is the index's, then parsed and checked against its schema. A server record
 * may carry keys a newer minor version added (readers ignore them, style.md 7); a policy may not.
 */
async function readBound(
  source: Source,
  ref: FileRef,
  schema: 'server-record' | 'policy',
  code: 'record' | 'policy',
): Promise<{ value: unknown; url: URL }> {
  const url = source.resolve(ref.path);
  const file = await fetchBytes(url, { maxBytes: Math.max(ref.size, 1) * 2 + 1024 });
  const sha256 = createHash('sha256').update(file).digest('hex');
  if (sha256 !== ref.sha256)
    throw new InstallerError(
      `${code}-digest-mismatch`,
      `${url.href}: sha256 ${sha256} differs from ${ref.sha256} which the signed index gives; refused.`,
      { file: url.href, field: 'sha256' },
    );
  let value: unknown;
  try {
    value = JSON.parse(file.toString('utf8'));
  } catch {
    throw new InstallerError(`${code}-invalid`, `${url.href} is not JSON; refused.`, { file: url.href });
  }
  const problems = validateSchema(schema, value).filter(
    (f) => schema !== 'server-record' || !/must NOT have additional/i.test(f.message),
  );
  if (problems.length)
    throw new InstallerError(`${code}-invalid`, `${url.href}${problems[0]!.path}: ${problems[0]!.message}; refused.`, {
      file: url.href,
      field: problems[0]!.path,
    });
  return { value, url };
}
