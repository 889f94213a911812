/**
 * The one policy evaluator (schemas/policy.schema.json), shared by the site (each policy page and
 * each server page say what a policy decides) and the installer (which enforces it). Pure: a
 * policy and what the signed index and server record say about one version in, a decision with
 * every rule that decided it out.
 *
 * Order: deny and allow lists, then trust, then each way to install the version (package types,
 * remotes, unversioned listings, scan verdict, signatures), then approval. A version is allowed
 * when at least one way to install it passes; the reasons name every rule that failed.
 */
import type { IndexServer, IndexVersion, Policy, RecordVersion, TrustLevel } from './schema-types.gen.ts';

export type Decision = 'allow' | 'deny' | 'needs-approval';

export type PolicyRule =
  | 'deny'
  | 'allow'
  | 'min-trust'
  | 'registry-types'
  | 'allow-remotes'
  | 'allow-unversioned'
  | 'max-scan-verdict'
  | 'require-catalog-signature'
  | 'require-publisher-signature'
  | 'approval'
  | 'no-install-option';

export interface PolicyReason {
  rule: PolicyRule;
  message: string;
  /** The package (`package-<n>`) or remote (`remote-<n>`) the rule refused, when it is about one. */
  option?: string;
}

export interface PolicyEvaluation {
  decision: Decision;
  /** Every rule that refused something or asked for approval; empty for a plain allow. */
  reasons: PolicyReason[];
  /** The install options (`package-<n>`, `remote-<n>`) the policy allows. */
  allowedOptions: string[];
  /** For `needs-approval`: where to ask, with `{name}` and `{version}` filled in. */
  requestUrl?: string;
}

export const UNVERSIONED = '0.0.0-unversioned';

const TRUST_ORDER: readonly TrustLevel[] = ['unverified', 'community', 'verified', 'official'];

/**
 * `*` matches any run of characters within one `/`-separated segment; everything else is literal.
 * Matched segment by segment with the greedy two-pointer walk (linear backtracking to the last
 * star only), never with a regular expression, so no pattern can make the evaluator hang.
 */
export function matchesPattern(pattern: string, name: string): boolean {
  const patternSegments = pattern.split('/');
  const nameSegments = name.split('/');
  if (patternSegments.length !== nameSegments.length) return false;
  return patternSegments.every((p, i) => matchSegment(p, nameSegments[i]!));
}

function matchSegment(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

export interface PolicySubject {
  server: Pick<IndexServer, 'name' | 'trust'>;
  version: IndexVersion;
  /** The server record's version (artifacts: scan verdicts, signatures); without it, bundle rules cannot pass. */
  record?: RecordVersion;
}

const VERDICT_ORDER = { pass: 0, review: 1, reject: 2 } as const;

export function evaluatePolicy(policy: Policy, subject: PolicySubject): PolicyEvaluation {
  const { server, version } = subject;
  const reasons: PolicyReason[] = [];
  const deny = (reason: PolicyReason): PolicyEvaluation => ({
    decision: 'deny',
    reasons: [reason],
    allowedOptions: [],
  });

  const denied = policy.deny?.find((p) => matchesPattern(p, server.name));
  if (denied) return deny({ rule: 'deny', message: `${server.name} matches the deny pattern ${denied}.` });
  if (policy.allow && !policy.allow.some((p) => matchesPattern(p, server.name)))
    return deny({
      rule: 'allow',
      message: `${server.name} matches none of the allowed patterns (${policy.allow.join(', ')}).`,
    });
  if (policy.minTrust && TRUST_ORDER.indexOf(server.trust) < TRUST_ORDER.indexOf(policy.minTrust))
    return deny({
      rule: 'min-trust',
      message: `Trust is ${server.trust}; the policy needs ${policy.minTrust} or higher.`,
    });

  const unversioned = version.version === UNVERSIONED;
  const allowedOptions: string[] = [];
  version.packages.forEach((pkg, index) => {
    const option = `package-${index}`;
    const refuse = (rule: PolicyRule, message: string) => reasons.push({ rule, message, option });
    const before = reasons.length;
    if (policy.registryTypes && !(policy.registryTypes as string[]).includes(pkg.registryType))
      refuse(
        'registry-types',
        `${pkg.registryType} packages are not allowed (only ${policy.registryTypes.join(', ')}).`,
      );
    if (policy.allowUnversioned === false && (unversioned || (pkg.registryType !== 'mcpb' && !pkg.version)))
      refuse('allow-unversioned', `${pkg.identifier} has no reviewed, pinned version.`);
    if (pkg.registryType === 'mcpb') {
      const artifact = subject.record?.artifacts.find((a) => a.package === index);
      const verdict = artifact?.status === 'verified' ? artifact.scan?.verdict : undefined;
      const max = policy.maxScanVerdict ?? 'review';
      if (!verdict) refuse('max-scan-verdict', 'The bundle has no scan result the catalog verified.');
      else if (VERDICT_ORDER[verdict] > VERDICT_ORDER[max])
        refuse('max-scan-verdict', `The bundle's scan verdict is ${verdict}; the policy allows ${max} at most.`);
      if (policy.requireCatalogSignature && !artifact?.attestation)
        refuse('require-catalog-signature', 'The bundle has no catalog signature (attestation).');
      if (policy.requirePublisherSignature && artifact?.publisherSignature?.status !== 'trusted')
        refuse(
          'require-publisher-signature',
          `The publisher signature is ${artifact?.publisherSignature?.status ?? 'missing'}; the policy needs a trusted one.`,
        );
    } else if (policy.requireCatalogSignature) {
      // Only bundles carry the catalog's attestation; registry packages are pinned, not signed by us.
      refuse('require-catalog-signature', `${pkg.registryType} packages carry no catalog signature.`);
    }
    if (reasons.length === before) allowedOptions.push(option);
  });
  version.remotes.forEach((remote, index) => {
    const option = `remote-${index}`;
    if (policy.allowRemotes === false)
      reasons.push({ rule: 'allow-remotes', message: `Hosted servers (${remote.url}) are not allowed.`, option });
    else if (policy.allowUnversioned === false && unversioned)
      reasons.push({
        rule: 'allow-unversioned',
        message: `The hosted server ${remote.url} has no reviewed version.`,
        option,
      });
    else allowedOptions.push(option);
  });

  if (allowedOptions.length === 0) {
    if (reasons.length === 0)
      reasons.push({
        rule: 'no-install-option',
        message: 'This version has no package or hosted endpoint to install.',
      });
    return { decision: 'deny', reasons, allowedOptions };
  }
  const approval = policy.approval?.servers.find((p) => matchesPattern(p, server.name));
  if (approval && policy.approval) {
    return {
      decision: 'needs-approval',
      reasons: [
        ...reasons,
        { rule: 'approval', message: `${server.name} matches ${approval}, which needs an approval.` },
      ],
      allowedOptions,
      requestUrl: policy.approval.requestUrl
        .replaceAll('{name}', encodeURIComponent(server.name))
        .replaceAll('{version}', encodeURIComponent(version.version)),
    };
  }
  return { decision: 'allow', reasons, allowedOptions };
}
