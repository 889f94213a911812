/**
 * The install policy, as the installer applies it to the one way it is about to install: the
 * decision comes from the one policy evaluator the site also uses (pipeline/core/policy.ts);
 * this module only asks it about this version and picks the verdict for the chosen launch.
 */
import type { Launch } from '../pipeline/core/client-config.ts';
import { evaluatePolicy as evaluate, matchesPattern } from '../pipeline/core/policy.ts';
import type { IndexVersion, Policy, RecordVersion, ServerRecord } from '../pipeline/core/schema-types.gen.ts';

export { matchesPattern };

export type Decision =
  | { kind: 'allow'; reasons: string[] }
  | { kind: 'deny'; reasons: string[] }
  | { kind: 'approval'; reasons: string[]; requestUrl?: string };

export interface PolicySubject {
  record: ServerRecord;
  version: RecordVersion;
  launch: Launch;
  /** The version was resolved from the package registry, not reviewed by the catalog. */
  unreviewed: boolean;
}

/** The index's summary of a record version, which is what the shared evaluator reads. */
function summary(version: RecordVersion): IndexVersion {
  return {
    version: version.version,
    status: version.status,
    publishedAt: version.publishedAt,
    packages: version.packages.map((p) => ({
      registryType: p.registryType,
      identifier: p.identifier,
      ...(p.version !== undefined ? { version: p.version } : {}),
      transport: p.transport.type,
      ...(p.fileSha256 ? { sha256: p.fileSha256 } : {}),
    })),
    remotes: version.remotes.map((r) => ({ type: r.type, url: r.url })),
  };
}

export function evaluatePolicy(policy: Policy | undefined, subject: PolicySubject): Decision {
  if (!policy) return { kind: 'allow', reasons: ['no policy'] };
  const { record, version, launch } = subject;
  const result = evaluate(policy, {
    server: { name: record.name, trust: record.trust },
    version: summary(version),
    record: version,
  });
  const mine = result.reasons.filter((r) => r.option === undefined || r.option === launch.id).map((r) => r.message);
  if (result.decision === 'deny')
    return { kind: 'deny', reasons: mine.length ? mine : result.reasons.map((r) => r.message) };
  if (!result.allowedOptions.includes(launch.id))
    return { kind: 'deny', reasons: mine.length ? mine : [`the policy does not allow ${launch.label}`] };
  if (result.decision === 'needs-approval')
    return { kind: 'approval', reasons: mine, ...(result.requestUrl ? { requestUrl: result.requestUrl } : {}) };
  return { kind: 'allow', reasons: [`allowed by the policy (${policy.description})`] };
}
