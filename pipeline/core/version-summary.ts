/**
 * What the index says about one version of a server record: its summary (`IndexVersion`) and the
 * worst verdict over its bundles. One definition for the model that writes index.json, the
 * registry API, and the installer, which rebuilds the summary from the server file it verified:
 * the policy evaluator then reads the same facts wherever it runs.
 */
import type { Artifact, IndexVersion, RecordVersion, Verdict } from './schema-types.gen.ts';

/** Scan verdicts from best to worst. */
export const VERDICT_ORDER: Readonly<Record<Verdict, number>> = { pass: 0, review: 1, reject: 2 };

/** The worst verdict over a version's artifacts; one that is not verified counts as reject. */
export function worstVerdict(artifacts: readonly Artifact[]): Verdict | undefined {
  let worst: Verdict | undefined;
  for (const artifact of artifacts) {
    const verdict: Verdict = artifact.status === 'verified' ? (artifact.scan?.verdict ?? 'reject') : 'reject';
    if (!worst || VERDICT_ORDER[verdict] > VERDICT_ORDER[worst]) worst = verdict;
  }
  return worst;
}

/** The index's entry for a record version. */
export function versionSummary(version: RecordVersion): IndexVersion {
  const verdict = worstVerdict(version.artifacts);
  const sha = new Map(version.artifacts.map((a) => [a.package, a.sha256]));
  return {
    version: version.version,
    status: version.status,
    ...(version.statusMessage ? { statusMessage: version.statusMessage } : {}),
    publishedAt: version.publishedAt,
    packages: version.packages.map((p, i) => ({
      registryType: p.registryType,
      identifier: p.identifier,
      ...(p.version ? { version: p.version } : {}),
      ...(p.runtimeHint ? { runtimeHint: p.runtimeHint } : {}),
      transport: p.transport.type,
      ...(sha.get(i) ? { sha256: sha.get(i)! } : {}),
    })),
    remotes: version.remotes.map((r) => ({ type: r.type, url: r.url })),
    ...(verdict ? { verdict } : {}),
  };
}
