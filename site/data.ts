/**
 * Reads what the pipeline emitted into dist/ for the site: index.json, the server records it
 * names, the scan reports and policies they name, and who signed it. Each file is checked
 * against the digest the index gives for it, as the installer does: the site shows what a client
 * would trust, or fails the build.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CatalogIndex, FileRef, Policy, ScanReport, ServerRecord } from '../pipeline/core/schema-types.gen.ts';
import { readFulcioIdentity } from '../pipeline/adapters/sigstore-verify.ts';
import { mapLimit } from '../pipeline/core/concurrency.ts';
import type { SignerInfo } from './src/lib/pages.ts';

export interface DistData {
  index: CatalogIndex;
  records: Map<string, ServerRecord>;
  reports: Map<string, ScanReport>;
  policies: Map<string, Policy>;
  signer: SignerInfo | undefined;
}

export class SiteDataError extends Error {
  override name = 'SiteDataError';
}

async function readChecked(dist: string, ref: FileRef): Promise<Buffer> {
  const bytes = await readFile(join(dist, ref.path));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== ref.sha256)
    throw new SiteDataError(
      `${ref.path}: sha256 ${sha256} is not the ${ref.sha256} that index.json names; rebuild dist/.`,
    );
  return bytes;
}

/**
 * What the site reads. `emitted` is the index and records the pipeline has just written and
 * checked (pipeline/run.ts hands over its model): the same bytes, so they are not read and parsed
 * a second time. The scan reports, policies and signature are read from dist/ either way.
 */
export async function readDist(
  dist: string,
  emitted?: { index: CatalogIndex; records: ReadonlyMap<string, ServerRecord> },
): Promise<DistData> {
  let index: CatalogIndex;
  try {
    index = emitted?.index ?? (JSON.parse(await readFile(join(dist, 'index.json'), 'utf8')) as CatalogIndex);
  } catch (cause) {
    throw new SiteDataError(
      `${join(dist, 'index.json')} is missing or not JSON: run the pipeline first (npm run build).`,
      {
        cause,
      },
    );
  }
  const records = new Map<string, ServerRecord>();
  const reportRefs = new Map<string, FileRef>();
  await mapLimit(index.servers, 16, async (server) => {
    const record =
      emitted?.records.get(server.name) ??
      (JSON.parse((await readChecked(dist, server.detail)).toString('utf8')) as ServerRecord);
    records.set(server.name, record);
    // Reports of the version the page shows; older versions link to theirs.
    const shown = record.versions.find((v) => v.version === server.latest) ?? record.versions[0];
    for (const artifact of shown?.artifacts ?? [])
      if (artifact.scan) reportRefs.set(artifact.sha256, artifact.scan.report);
  });
  const reports = new Map<string, ScanReport>();
  await mapLimit([...reportRefs], 16, async ([sha256, ref]) => {
    reports.set(sha256, JSON.parse((await readChecked(dist, ref)).toString('utf8')) as ScanReport);
  });
  const policies = new Map<string, Policy>();
  for (const entry of index.policies ?? [])
    policies.set(entry.name, JSON.parse((await readChecked(dist, entry.detail)).toString('utf8')) as Policy);
  return { index, records, reports, policies, signer: await signerOf(dist) };
}

/** Who signed index.json, read from its sigstore bundle: a workflow identity or a key fingerprint. */
async function signerOf(dist: string): Promise<SignerInfo | undefined> {
  let bundle: {
    verificationMaterial?: {
      publicKey?: { hint?: string };
      certificate?: { rawBytes?: string };
      x509CertificateChain?: { certificates?: { rawBytes?: string }[] };
    };
  };
  try {
    bundle = JSON.parse(await readFile(join(dist, 'index.json.sigstore.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const material = bundle.verificationMaterial ?? {};
  if (material.publicKey?.hint) return { kind: 'key', identity: `sha256:${material.publicKey.hint}` };
  const raw = material.certificate?.rawBytes ?? material.x509CertificateChain?.certificates?.[0]?.rawBytes;
  if (!raw) return undefined;
  const identity = readFulcioIdentity(Buffer.from(raw, 'base64'));
  const issuer = identity.issuerV2 ?? identity.issuerV1;
  return {
    kind: 'keyless',
    identity: identity.buildSignerUri ?? identity.san ?? 'unknown',
    ...(issuer ? { issuer } : {}),
  };
}
