/**
 * Stage 6 for the bundles: what each verified artifact publishes. Its scan report goes to
 * `reports/<sha256>.json`; its in-toto statement (digest, listing, report digest) is signed; the
 * sigstore bundle goes beside the artifact (`bundles/<file>.sigstore.json` for a catalog-hosted
 * bundle, copied into dist/ too) or, for a release asset hosted elsewhere, to
 * `attestations/<sha256>.sigstore.json`.
 */
import { basename } from 'node:path';
import type { JsonCache } from '../adapters/build-cache.ts';
import type { DistCopy } from '../adapters/dist-writer.ts';
import type { AttestationSigner } from '../adapters/sigstore-sign.ts';
import { artifactStatement } from '../core/attestation.ts';
import { publishedBundlePath } from '../core/bundle-location.ts';
import type { EmittedFile } from '../emit/types.ts';
import type { BundleTarget } from './bundle-issues.ts';
import type { FetchOutcome } from './fetch.ts';
import { jsonFile, type ArtifactFacts } from './model.ts';
import type { ScannedArtifact } from './scan-artifacts.ts';
import { signStatements } from './sign.ts';

export interface AttestInput {
  targets: readonly BundleTarget[];
  fetched: ReadonlyMap<BundleTarget, FetchOutcome>;
  scanned: ReadonlyMap<BundleTarget, ScannedArtifact>;
  signer: AttestationSigner;
  cache: JsonCache;
  /** Catalog URL or name, bound into every statement. */
  catalogName: string;
}

export interface AttestOutput {
  facts: Map<BundleTarget, ArtifactFacts>;
  files: EmittedFile[];
  copies: DistCopy[];
  signed: number;
  reused: number;
}

export async function attestArtifacts(input: AttestInput): Promise<AttestOutput> {
  const facts = new Map<BundleTarget, ArtifactFacts>();
  const files = new Map<string, EmittedFile>();
  const copies = new Map<string, DistCopy>();
  const pending: { target: BundleTarget; path: string }[] = [];
  const statements = [];
  for (const target of input.targets) {
    const outcome = input.fetched.get(target);
    const scan = input.scanned.get(target);
    if (!outcome || outcome.kind !== 'file' || !scan) {
      facts.set(target, {
        kind: 'unavailable',
        problem: outcome?.kind === 'unavailable' ? outcome.message : 'The build did not fetch this bundle.',
      });
      continue;
    }
    const report = jsonFile(`reports/${outcome.sha256}.json`, scan.report);
    files.set(report.file.path, report.file);
    const { listing } = target;
    const hosted = target.location.kind === 'catalog' ? publishedBundlePath(target.location.path) : undefined;
    const fileName = basename(
      target.location.kind === 'catalog' ? target.location.path : new URL(target.location.url).pathname,
    );
    const matches = outcome.sha256 === target.sha256;
    if (hosted && matches) copies.set(hosted, { from: outcome.path, path: hosted, sha256: outcome.sha256 });
    const attestation = hosted ? `${hosted}.sigstore.json` : `attestations/${outcome.sha256}.sigstore.json`;
    // Bytes other than the listed ones are never signed: the model records the mismatch instead.
    if (matches) {
      pending.push({ target, path: attestation });
      statements.push(
        artifactStatement({
          name: `${listing.name}@${listing.version}/${fileName}`,
          sha256: outcome.sha256,
          server: listing.name,
          version: listing.version,
          scanReport: { sha256: report.ref.sha256, verdict: scan.report.verdict, ruleset: scan.report.ruleset },
          catalog: input.catalogName,
        }),
      );
    }
    facts.set(target, {
      kind: 'file',
      sha256: outcome.sha256,
      size: outcome.size,
      report: scan.report,
      reportRef: report.ref,
      attestation: matches ? attestation : undefined,
    });
  }
  const { bundles, signed } = await signStatements({ statements, signer: input.signer, cache: input.cache });
  pending.forEach(({ path }, i) => {
    files.set(path, { path, body: JSON.stringify(bundles[i]) + '\n' });
  });
  return {
    facts,
    files: [...files.values()],
    copies: [...copies.values()],
    signed,
    reused: statements.length - signed,
  };
}
