/**
 * The install policy, as the installer applies it to the one way it is about to install: the
 * decision comes from the one policy evaluator the site also uses (pipeline/core/policy.ts), with
 * the machine's admin policy as an overlay; this module only asks it about this version and picks
 * the verdict for the chosen launch.
 */
import type { Launch } from '../pipeline/core/client-config.ts';
import {
  evaluatePolicy as evaluate,
  matchesPattern,
  type PolicyContext,
  type PolicyReason,
} from '../pipeline/core/policy.ts';
import type { Approval, Policy, RecordVersion, ServerRecord } from '../pipeline/core/schema-types.gen.ts';
import { versionSummary } from '../pipeline/core/version-summary.ts';

export { matchesPattern };

export type Decision =
  | { kind: 'allow'; reasons: string[]; rules: PolicyReason[]; approval?: Approval }
  | { kind: 'deny'; reasons: string[]; rules: PolicyReason[] }
  | { kind: 'approval'; reasons: string[]; rules: PolicyReason[]; requestUrl?: string };

export interface PolicySubject {
  record: ServerRecord;
  version: RecordVersion;
  launch: Launch;
  /** The version was resolved from the package registry, not reviewed by the catalog. */
  unreviewed: boolean;
  /** The source the listing came from (absent: the catalog's own listings). */
  origin?: string;
}

/** A reason as people read it: which layer said it, and what. */
export function reasonText(reason: PolicyReason, group?: string): string {
  const from = reason.from === 'admin' ? 'admin policy' : reason.from === 'group' ? `group ${group ?? ''}` : 'policy';
  return `[${from}: ${reason.rule}] ${reason.message}`;
}

export function evaluatePolicy(policy: Policy | undefined, subject: PolicySubject, context: PolicyContext): Decision {
  // No catalog policy: the admin overlay still applies, over a policy with no rules of its own.
  if (!policy && !context.overlay) return { kind: 'allow', reasons: ['no policy'], rules: [] };
  const { record, version, launch } = subject;
  const result = evaluate(
    policy ?? { description: 'No catalog policy.' },
    {
      server: { name: record.name, trust: record.trust, category: record.category, status: record.status },
      version: versionSummary(version),
      record: version,
      ...(subject.origin !== undefined ? { origin: subject.origin } : {}),
    },
    context,
  );
  const mine = result.reasons.filter((r) => r.option === undefined || r.option === launch.id);
  const text = (list: PolicyReason[]) => list.map((r) => reasonText(r, context.group));
  if (result.decision === 'deny') {
    const rules = mine.length ? mine : result.reasons;
    return { kind: 'deny', reasons: text(rules), rules };
  }
  if (!result.allowedOptions.includes(launch.id))
    return {
      kind: 'deny',
      reasons: mine.length ? text(mine) : [`the policy does not allow ${launch.label}`],
      rules: mine,
    };
  if (result.decision === 'needs-approval')
    return {
      kind: 'approval',
      reasons: text(mine),
      rules: mine,
      ...(result.requestUrl ? { requestUrl: result.requestUrl } : {}),
    };
  return {
    kind: 'allow',
    reasons: mine.length ? text(mine) : [`allowed by the policy (${policy?.description ?? 'admin policy only'})`],
    rules: mine,
    ...(result.approval ? { approval: result.approval } : {}),
  };
}
