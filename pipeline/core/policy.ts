/**
 * The one policy evaluator (schemas/policy.schema.json), shared by the site (each policy page and
 * each server page say what a policy decides), the installer (which enforces it, with the
 * machine's admin policy on top) and the pipeline (`checkPolicy`, the semantic checks a schema
 * cannot make). Pure: a policy, what the signed index and server record say about one version,
 * and the moment of the decision in; a decision with every rule that decided it out.
 *
 * Precedence, as the schema documents it: the admin overlay's denials, then the policy with the
 * chosen group's overrides (a group's rule replaces the base rule, except `deny`,
 * `denyCapabilities`, `requireApproval.approved` and `autoInstall`, which add to it). Deny beats
 * allow, and any refusal beats approval. Every rule is evaluated, so the reasons name every rule
 * that refused, not just the first.
 *
 * A version is allowed when at least one way to install it (a package or a hosted endpoint)
 * passes every rule about ways; the reasons name every rule that refused one.
 */
import semver from 'semver';
import type { Finding } from './issues.ts';
import { VERDICT_ORDER } from './version-summary.ts';
import type {
  Approval,
  Capability,
  DenyCapabilities,
  IndexServer,
  IndexVersion,
  Policy,
  PolicyGroup,
  RecordVersion,
  Selector,
  TrustLevel,
} from './schema-types.gen.ts';

export type Decision = 'allow' | 'deny' | 'needs-approval';

/** Stable rule codes: one per policy key, plus the two that are no key. */
export type PolicyRule =
  | 'unknown-group'
  | 'deny'
  | 'allow'
  | 'min-trust'
  | 'allow-deprecated'
  | 'allow-prereleases'
  | 'min-age-days'
  | 'registry-types'
  | 'runtimes'
  | 'transports'
  | 'allow-remotes'
  | 'allow-unversioned'
  | 'max-scan-verdict'
  | 'deny-capabilities'
  | 'require-catalog-signature'
  | 'require-publisher-signature'
  | 'require-approval'
  | 'approved'
  | 'no-install-option';

/** Which layer a rule came from: the machine's admin policy, the policy itself, or the chosen group. */
export type RuleSource = 'admin' | 'policy' | 'group';

export interface PolicyReason {
  rule: PolicyRule;
  message: string;
  from: RuleSource;
  /** The package (`package-<n>`) or remote (`remote-<n>`) the rule refused, when it is about one. */
  option?: string;
}

export interface PolicyEvaluation {
  decision: Decision;
  /** Every rule that refused something, asked for approval or granted it; empty for a plain allow. */
  reasons: PolicyReason[];
  /** The install options (`package-<n>`, `remote-<n>`) the policy allows. */
  allowedOptions: string[];
  /** The group the policy was evaluated for. */
  group?: string;
  /** For `needs-approval`: where to ask, when the policy or the catalog's repository says. */
  requestUrl?: string;
  /** For an allow through an approval: the entry of `requireApproval.approved` that covers this version. */
  approval?: Approval;
}

/** The admin policy's additions (admin-policy.schema.json): it can only add denials. */
export interface PolicyOverlay {
  deny?: Selector;
  denyCapabilities?: DenyCapabilities;
}

export interface PolicyContext {
  /** The moment of the decision, for `minAgeDays`; the evaluator reads no clock. */
  now: Date;
  group?: string;
  overlay?: PolicyOverlay;
  /** The policy's name (`catalog/policies/<name>.json`), for the approval request. */
  policyName?: string;
  /** The catalog's git repository (`index.json` `catalog.repository`), whose issue form takes approval requests. */
  catalogRepository?: string;
}

export interface PolicySubject {
  server: Pick<IndexServer, 'name' | 'trust'> & { category?: string; status?: string };
  /** The source the listing came from; absent for the catalog's own listings (`local` in policies). */
  origin?: string;
  version: IndexVersion;
  /** The server record's version (artifacts: scan verdicts, capabilities, signatures); without it, bundle rules cannot pass. */
  record?: RecordVersion;
}

export const UNVERSIONED = '0.0.0-unversioned';
export const LOCAL_SOURCE = 'local';
/** The approval issue form of the catalog repository (.github/ISSUE_TEMPLATE/request-approval.yml). */
export const APPROVAL_FORM = 'request-approval.yml';

const TRUST_ORDER: readonly TrustLevel[] = ['unverified', 'community', 'verified', 'official'];
const DAY_MS = 86_400_000;

/** Counts the steps of a match, so tests can show the work is bounded without timing it. */
export interface StepCounter {
  steps: number;
}

/**
 * `*` matches any run of characters within one `/`-separated segment; everything else is literal.
 * Matched segment by segment with the greedy two-pointer walk, never with a regular expression:
 * on a mismatch it only moves back to just after the last star, so a segment takes at most
 * (pattern length + 1) × (text length + 1) steps and no pattern can make the evaluator hang.
 */
export function matchesPattern(pattern: string, name: string, counter?: StepCounter): boolean {
  const patternSegments = pattern.split('/');
  const nameSegments = name.split('/');
  if (patternSegments.length !== nameSegments.length) return false;
  return patternSegments.every((p, i) => matchGlob(p, nameSegments[i]!, counter));
}

/** One segment: `*` matches any run of characters (slashes included, for callers that match a single string). */
export function matchGlob(pattern: string, text: string, counter?: StepCounter): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (counter) counter.steps++;
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

/** The namespace of a server name: the part before `/`. */
export const namespaceOf = (name: string): string => name.split('/')[0] ?? name;

/**
 * Whether `publisher` owns `namespace`: `github:<login>` owns `io.github.<login>` (GitHub logins
 * ignore case); a domain `acme.com` owns `com.acme` and every `com.acme.*`, as the official
 * registry's DNS proof grants them.
 */
export function publisherOwns(publisher: string, namespace: string): boolean {
  const ns = namespace.toLowerCase();
  if (publisher.startsWith('github:')) return ns === `io.github.${publisher.slice('github:'.length).toLowerCase()}`;
  const reversed = publisher.toLowerCase().split('.').reverse().join('.');
  return ns === reversed || ns.startsWith(`${reversed}.`);
}

interface Facts {
  name: string;
  namespace: string;
  category: string | undefined;
  source: string;
}

/** Why a selector matches (`name matches io.github.acme/*`), or undefined when it does not. */
export function selectorMatch(selector: Selector | undefined, facts: Facts): string | undefined {
  if (!selector) return undefined;
  const name = selector.names?.find((p) => matchesPattern(p, facts.name));
  if (name !== undefined) return `name matches ${name}`;
  const namespace = selector.namespaces?.find((p) => matchGlob(p, facts.namespace));
  if (namespace !== undefined) return `namespace ${facts.namespace} matches ${namespace}`;
  const publisher = selector.publishers?.find((p) => publisherOwns(p, facts.namespace));
  if (publisher !== undefined) return `publisher is ${publisher}`;
  if (facts.category !== undefined && selector.categories?.includes(facts.category))
    return `category is ${facts.category}`;
  const source = selector.sources?.find((p) => matchGlob(p, facts.source));
  if (source !== undefined) return `source ${facts.source} matches ${source}`;
  return undefined;
}

/** A selector in words, for messages and the site. */
export function describeSelector(selector: Selector): string {
  const parts: string[] = [];
  if (selector.names?.length) parts.push(`names ${selector.names.join(', ')}`);
  if (selector.namespaces?.length) parts.push(`namespaces ${selector.namespaces.join(', ')}`);
  if (selector.publishers?.length) parts.push(`publishers ${selector.publishers.join(', ')}`);
  if (selector.categories?.length) parts.push(`categories ${selector.categories.join(', ')}`);
  if (selector.sources?.length) parts.push(`sources ${selector.sources.join(', ')}`);
  return parts.join('; ') || 'nothing';
}

type RuleKey = Exclude<keyof PolicyGroup, 'description' | 'deny' | 'denyCapabilities' | 'autoInstall'>;

/** A policy with one group applied: each rule with the layer it came from. */
export interface EffectivePolicy {
  group?: string;
  rule<K extends RuleKey>(key: K): { value: NonNullable<PolicyGroup[K]>; from: RuleSource } | undefined;
  /** Every deny selector, each with its layer (admin, policy, group). */
  denies: { selector: Selector; from: RuleSource }[];
  /** Every capability denial, each with its layer and what to do with unscanned packages. */
  capabilityDenies: { own: Capability[]; dependencies: Capability[]; unscanned: 'deny' | 'allow'; from: RuleSource }[];
  approvalServers?: { value: Selector; from: RuleSource };
  requestUrl?: string;
  /** Approvals for everyone, and those for this group. */
  approved: Approval[];
  /** `autoInstall` of the policy, then of the group. */
  autoInstall: string[];
}

/** Applies `group` (undefined: none) and the admin overlay; throws nothing: an unknown group is the caller's refusal. */
export function effectivePolicy(policy: Policy, group?: string, overlay?: PolicyOverlay): EffectivePolicy {
  const override: PolicyGroup | undefined = group !== undefined ? policy.groups?.[group] : undefined;
  const unscanned = override?.denyCapabilities?.unscanned ?? policy.denyCapabilities?.unscanned ?? ('deny' as const);
  const denies: EffectivePolicy['denies'] = [];
  const capabilityDenies: EffectivePolicy['capabilityDenies'] = [];
  const layer = (from: RuleSource, deny?: Selector, caps?: DenyCapabilities, unscannedOf = unscanned) => {
    if (deny) denies.push({ selector: deny, from });
    if (caps && (caps.own?.length || caps.dependencies?.length))
      capabilityDenies.push({
        own: caps.own ?? [],
        dependencies: caps.dependencies ?? [],
        unscanned: unscannedOf,
        from,
      });
  };
  if (overlay) layer('admin', overlay.deny, overlay.denyCapabilities, overlay.denyCapabilities?.unscanned ?? 'deny');
  layer('policy', policy.deny, policy.denyCapabilities);
  if (override) layer('group', override.deny, override.denyCapabilities);
  const approvalServers = override?.requireApproval?.servers
    ? { value: override.requireApproval.servers, from: 'group' as const }
    : policy.requireApproval?.servers
      ? { value: policy.requireApproval.servers, from: 'policy' as const }
      : undefined;
  const requestUrl = override?.requireApproval?.requestUrl ?? policy.requireApproval?.requestUrl;
  const approved = [...(policy.requireApproval?.approved ?? []), ...(override?.requireApproval?.approved ?? [])].filter(
    (a) => a.group === undefined || a.group === group,
  );
  return {
    ...(group !== undefined ? { group } : {}),
    rule(key) {
      if (override && override[key] !== undefined) return { value: override[key]!, from: 'group' };
      if (policy[key] !== undefined) return { value: policy[key]!, from: 'policy' };
      return undefined;
    },
    denies,
    capabilityDenies,
    ...(approvalServers ? { approvalServers } : {}),
    ...(requestUrl ? { requestUrl } : {}),
    approved,
    autoInstall: [...(policy.autoInstall ?? []), ...(override?.autoInstall ?? [])],
  };
}

/** The runtime a package needs, in the vocabulary of `runtimes`. */
function runtimeOf(registryType: string, serverType: string | undefined): string | undefined {
  switch (registryType) {
    case 'npm':
      return 'node';
    case 'pypi':
      return 'python';
    case 'oci':
      return 'docker';
    case 'nuget':
      return 'dotnet';
    case 'mcpb':
      return serverType === 'uv' ? 'python' : serverType;
    default:
      return undefined;
  }
}

/** The approval request link: the policy's own template, else the catalog repository's issue form. */
export function approvalRequestUrl(
  template: string | undefined,
  fields: { name: string; version: string; policy?: string; group?: string; repository?: string },
): string | undefined {
  if (template)
    return template
      .replaceAll('{name}', encodeURIComponent(fields.name))
      .replaceAll('{version}', encodeURIComponent(fields.version))
      .replaceAll('{policy}', encodeURIComponent(fields.policy ?? ''))
      .replaceAll('{group}', encodeURIComponent(fields.group ?? ''));
  // Issue forms are GitHub's; GitHub pre-fills a form's inputs from query parameters named by their ids.
  const repository = fields.repository?.replace(/\.git$/, '').replace(/\/+$/, '');
  if (!repository || !/^https:\/\/github\.com\/[^/]+\/[^/]+$/.test(repository)) return undefined;
  const query = new URLSearchParams({ template: APPROVAL_FORM, server: fields.name, version: fields.version });
  if (fields.policy) query.set('policy', fields.policy);
  if (fields.group) query.set('group', fields.group);
  return `${repository}/issues/new?${query.toString()}`;
}

/** The approved entry that covers this server, version and group, if any (an invalid range covers nothing). */
export function findApproval(approved: readonly Approval[], name: string, version: string): Approval | undefined {
  return approved.find((a) => {
    if (!matchesPattern(a.server, name)) return false;
    if (a.versions === version) return true;
    return (
      semver.valid(version) !== null && semver.validRange(a.versions) !== null && semver.satisfies(version, a.versions)
    );
  });
}

export function evaluatePolicy(policy: Policy, subject: PolicySubject, context: PolicyContext): PolicyEvaluation {
  const { server, version } = subject;
  const group = context.group;
  const groupField = group !== undefined ? { group } : {};
  if (group !== undefined && !policy.groups?.[group])
    return {
      decision: 'deny',
      reasons: [
        {
          rule: 'unknown-group',
          from: 'policy',
          message: `The policy has no group "${group}"${
            policy.groups ? ` (it has ${Object.keys(policy.groups).join(', ')})` : ''
          }.`,
        },
      ],
      allowedOptions: [],
      ...groupField,
    };
  const effective = effectivePolicy(policy, group, context.overlay);
  const reasons: PolicyReason[] = [];
  const refuse = (rule: PolicyRule, from: RuleSource, message: string, option?: string) =>
    reasons.push({ rule, from, message, ...(option !== undefined ? { option } : {}) });
  const facts: Facts = {
    name: server.name,
    namespace: namespaceOf(server.name),
    category: server.category,
    source: subject.origin ?? LOCAL_SOURCE,
  };

  // The server: who it is, how far it is trusted, and which version this is.
  for (const { selector, from } of effective.denies) {
    const why = selectorMatch(selector, facts);
    if (why) refuse('deny', from, `${server.name} is denied: its ${why}.`);
  }
  const allow = effective.rule('allow');
  if (allow && !selectorMatch(allow.value, facts))
    refuse('allow', allow.from, `${server.name} matches nothing the policy allows (${describeSelector(allow.value)}).`);
  const minTrust = effective.rule('minTrust');
  if (minTrust && TRUST_ORDER.indexOf(server.trust) < TRUST_ORDER.indexOf(minTrust.value))
    refuse('min-trust', minTrust.from, `Trust is ${server.trust}; the policy needs ${minTrust.value} or higher.`);
  const allowDeprecated = effective.rule('allowDeprecated');
  if (allowDeprecated?.value === false && (version.status === 'deprecated' || server.status === 'deprecated'))
    refuse(
      'allow-deprecated',
      allowDeprecated.from,
      version.status === 'deprecated'
        ? `${version.version} is deprecated; the policy refuses deprecated versions.`
        : `${server.name} is deprecated; the policy refuses deprecated servers.`,
    );
  const unversioned = version.version === UNVERSIONED;
  const allowPrereleases = effective.rule('allowPrereleases');
  if (allowPrereleases?.value === false && !unversioned && (semver.prerelease(version.version)?.length ?? 0) > 0)
    refuse('allow-prereleases', allowPrereleases.from, `${version.version} is a prerelease; the policy refuses them.`);
  const minAge = effective.rule('minAgeDays');
  if (minAge) {
    const published = Date.parse(version.publishedAt);
    const age = (context.now.getTime() - published) / DAY_MS;
    if (!Number.isFinite(age))
      refuse('min-age-days', minAge.from, `${version.version} has no publication date; the policy needs one.`);
    else if (age < minAge.value)
      refuse(
        'min-age-days',
        minAge.from,
        `${version.version} was published ${Math.max(0, Math.floor(age))} day(s) ago; the policy waits ${minAge.value} day(s).`,
      );
  }

  // Each way to install the version.
  const registryTypes = effective.rule('registryTypes');
  const runtimes = effective.rule('runtimes');
  const transports = effective.rule('transports');
  const allowUnversioned = effective.rule('allowUnversioned');
  const maxVerdict = effective.rule('maxScanVerdict');
  const catalogSignature = effective.rule('requireCatalogSignature');
  const publisherSignature = effective.rule('requirePublisherSignature');
  const allowRemotes = effective.rule('allowRemotes');
  const allowedOptions: string[] = [];
  version.packages.forEach((pkg, index) => {
    const option = `package-${index}`;
    const before = reasons.length;
    const no = (rule: PolicyRule, from: RuleSource, message: string) => refuse(rule, from, message, option);
    const artifact = subject.record?.artifacts.find((a) => a.package === index);
    if (registryTypes && !(registryTypes.value as string[]).includes(pkg.registryType))
      no(
        'registry-types',
        registryTypes.from,
        `${pkg.registryType} packages are not allowed (only ${registryTypes.value.join(', ')}).`,
      );
    if (runtimes) {
      const runtime = runtimeOf(pkg.registryType, artifact?.serverType);
      if (!runtime || !(runtimes.value as string[]).includes(runtime))
        no(
          'runtimes',
          runtimes.from,
          `${pkg.identifier} needs ${runtime ?? 'an unknown runtime'}; the policy allows ${runtimes.value.join(', ')}.`,
        );
    }
    if (transports && !(transports.value as string[]).includes(pkg.transport))
      no(
        'transports',
        transports.from,
        `${pkg.identifier} speaks ${pkg.transport}; the policy allows ${transports.value.join(', ')}.`,
      );
    if (allowUnversioned?.value === false && (unversioned || (pkg.registryType !== 'mcpb' && !pkg.version)))
      no('allow-unversioned', allowUnversioned.from, `${pkg.identifier} has no reviewed, pinned version.`);
    if (pkg.registryType === 'mcpb') {
      const verdict = artifact?.status === 'verified' ? artifact.scan?.verdict : undefined;
      const max = maxVerdict?.value ?? 'review';
      const from = maxVerdict?.from ?? 'policy';
      if (!verdict) no('max-scan-verdict', from, 'The bundle has no scan result the catalog verified.');
      else if (VERDICT_ORDER[verdict] > VERDICT_ORDER[max])
        no('max-scan-verdict', from, `The bundle's scan verdict is ${verdict}; the policy allows ${max} at most.`);
      const capabilities = artifact?.status === 'verified' ? artifact.scan?.capabilities : undefined;
      for (const denial of effective.capabilityDenies) {
        if (!capabilities) {
          no('deny-capabilities', denial.from, 'The bundle has no scan report that lists its capabilities.');
          continue;
        }
        for (const [part, words] of [
          ['own', 'its own code'],
          ['dependencies', 'a bundled dependency'],
        ] as const) {
          for (const use of capabilities[part]) {
            if (!denial[part].includes(use.capability)) continue;
            no(
              'deny-capabilities',
              denial.from,
              `The scan reports ${use.capability} in ${words} (${use.files.slice(0, 3).join(', ')}${
                use.count > 3 ? ', …' : ''
              }); the ${denial.from === 'admin' ? 'admin policy' : 'policy'} denies ${use.capability} in ${
                part === 'own' ? 'own code' : 'dependencies'
              }.`,
            );
          }
        }
      }
      if (catalogSignature?.value && !artifact?.attestation)
        no('require-catalog-signature', catalogSignature.from, 'The bundle has no catalog signature (attestation).');
      if (publisherSignature?.value && artifact?.publisherSignature?.status !== 'trusted')
        no(
          'require-publisher-signature',
          publisherSignature.from,
          `The publisher signature is ${artifact?.publisherSignature?.status ?? 'missing'}; the policy needs a trusted one.`,
        );
    } else {
      // Only bundles are downloaded, scanned and signed by the catalog; registry packages are pinned, not scanned.
      if (catalogSignature?.value)
        no(
          'require-catalog-signature',
          catalogSignature.from,
          `${pkg.registryType} packages carry no catalog signature.`,
        );
      for (const denial of effective.capabilityDenies)
        if (denial.unscanned === 'deny')
          no(
            'deny-capabilities',
            denial.from,
            `The catalog did not scan ${pkg.identifier} (${pkg.registryType}), so it cannot show it is free of ${[
              ...new Set([...denial.own, ...denial.dependencies]),
            ].join(', ')}.`,
          );
    }
    if (reasons.length === before) allowedOptions.push(option);
  });
  version.remotes.forEach((remote, index) => {
    const option = `remote-${index}`;
    const before = reasons.length;
    if (allowRemotes?.value === false)
      refuse('allow-remotes', allowRemotes.from, `Hosted servers (${remote.url}) are not allowed.`, option);
    if (transports && !(transports.value as string[]).includes(remote.type))
      refuse(
        'transports',
        transports.from,
        `${remote.url} speaks ${remote.type}; the policy allows ${transports.value.join(', ')}.`,
        option,
      );
    if (allowUnversioned?.value === false && unversioned)
      refuse(
        'allow-unversioned',
        allowUnversioned.from,
        `The hosted server ${remote.url} has no reviewed version.`,
        option,
      );
    if (reasons.length === before) allowedOptions.push(option);
  });

  const serverLevel = reasons.some((r) => r.option === undefined);
  if (serverLevel) return { decision: 'deny', reasons, allowedOptions: [], ...groupField };
  if (allowedOptions.length === 0) {
    if (reasons.length === 0)
      refuse('no-install-option', 'policy', 'This version has no package or hosted endpoint to install.');
    return { decision: 'deny', reasons, allowedOptions, ...groupField };
  }

  const needs = effective.approvalServers && selectorMatch(effective.approvalServers.value, facts);
  if (needs && effective.approvalServers) {
    const approval = findApproval(effective.approved, server.name, version.version);
    if (approval)
      return {
        decision: 'allow',
        reasons: [
          ...reasons,
          {
            rule: 'approved',
            from: approval.group !== undefined ? 'group' : 'policy',
            message: `${server.name}@${version.version} needs an approval (its ${needs}); approved for ${approval.versions} by ${approval.by} at ${approval.at} (issue #${approval.issue}).`,
          },
        ],
        allowedOptions,
        approval,
        ...groupField,
      };
    const requestUrl = approvalRequestUrl(effective.requestUrl, {
      name: server.name,
      version: version.version,
      ...(context.policyName !== undefined ? { policy: context.policyName } : {}),
      ...(group !== undefined ? { group } : {}),
      ...(context.catalogRepository !== undefined ? { repository: context.catalogRepository } : {}),
    });
    return {
      decision: 'needs-approval',
      reasons: [
        ...reasons,
        {
          rule: 'require-approval',
          from: effective.approvalServers.from,
          message: `${server.name}@${version.version} needs an approval: its ${needs}.`,
        },
      ],
      allowedOptions,
      ...(requestUrl ? { requestUrl } : {}),
      ...groupField,
    };
  }
  return { decision: 'allow', reasons, allowedOptions, ...groupField };
}

/**
 * Semantic checks a schema cannot make, as findings with a code and a JSON pointer (the pipeline's
 * validate stage reports them against the policy file). Pure.
 */
export function checkPolicy(policy: Policy): Finding[] {
  const findings: Finding[] = [];
  const groups = policy.groups ?? {};
  const checkApproved = (approved: Approval[] | undefined, base: string, groupOfList: string | undefined) => {
    (approved ?? []).forEach((entry, i) => {
      if (entry.versions !== UNVERSIONED && semver.validRange(entry.versions) === null)
        findings.push({
          code: 'policy-approval-invalid-range',
          path: `${base}/${i}/versions`,
          message: `"${entry.versions}" is not a semver range; write e.g. "^1.2.0", "1.2.3" or "${UNVERSIONED}".`,
        });
      if (entry.group !== undefined && !(entry.group in groups))
        findings.push({
          code: 'policy-unknown-group',
          path: `${base}/${i}/group`,
          message: `The policy has no group "${entry.group}"; add it under "groups" or remove "group".`,
        });
      if (groupOfList !== undefined && entry.group !== undefined && entry.group !== groupOfList)
        findings.push({
          code: 'policy-approval-other-group',
          path: `${base}/${i}/group`,
          message: `An approval inside group "${groupOfList}" is for group "${entry.group}", so it never applies; move it.`,
        });
      if (Number.isNaN(Date.parse(entry.at)))
        findings.push({
          code: 'policy-approval-invalid-date',
          path: `${base}/${i}/at`,
          message: `"${entry.at}" is not a date-time; write e.g. "2026-01-31T12:00:00Z".`,
        });
    });
  };
  const checkRequestUrl = (url: string | undefined, path: string) => {
    for (const placeholder of url?.match(/\{[^}]*\}/g) ?? [])
      if (!['{name}', '{version}', '{policy}', '{group}'].includes(placeholder))
        findings.push({
          code: 'policy-request-url-placeholder',
          path,
          message: `${placeholder} is not a placeholder the installer fills; use {name}, {version}, {policy} or {group}.`,
        });
  };
  const checkAutoInstall = (list: string[] | undefined, base: string, group: string | undefined) => {
    const effective = effectivePolicy(policy, group);
    (list ?? []).forEach((spec, i) => {
      const at = spec.indexOf('@', spec.indexOf('/'));
      const name = at === -1 ? spec : spec.slice(0, at);
      const range = at === -1 ? undefined : spec.slice(at + 1);
      if (range !== undefined && semver.validRange(range) === null && semver.valid(range) === null)
        findings.push({
          code: 'policy-auto-install-invalid-range',
          path: `${base}/${i}`,
          message: `"${range}" is not a semver range; write ${name}@^1.2.0, or just ${name}.`,
        });
      // What the name alone decides: category and source need the catalog, so they are left to the evaluator.
      const facts: Facts = { name, namespace: namespaceOf(name), category: undefined, source: LOCAL_SOURCE };
      for (const { selector } of effective.denies) {
        const why = selectorMatch({ ...selector, categories: [], sources: [] }, facts);
        if (why)
          findings.push({
            code: 'policy-auto-install-denied',
            path: `${base}/${i}`,
            message: `${name} is auto-installed${group ? ` for group "${group}"` : ''}, but the same policy denies it (its ${why}); remove one of the two.`,
          });
      }
      const allow = effective.rule('allow')?.value;
      if (allow && !allow.categories?.length && !allow.sources?.length && !selectorMatch(allow, facts))
        findings.push({
          code: 'policy-auto-install-not-allowed',
          path: `${base}/${i}`,
          message: `${name} is auto-installed${group ? ` for group "${group}"` : ''}, but the policy's allow list does not include it.`,
        });
    });
  };
  checkApproved(policy.requireApproval?.approved, '/requireApproval/approved', undefined);
  checkRequestUrl(policy.requireApproval?.requestUrl, '/requireApproval/requestUrl');
  checkAutoInstall(policy.autoInstall, '/autoInstall', undefined);
  for (const [name, group] of Object.entries(groups)) {
    const base = `/groups/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    checkApproved(group.requireApproval?.approved, `${base}/requireApproval/approved`, name);
    checkRequestUrl(group.requireApproval?.requestUrl, `${base}/requireApproval/requestUrl`);
    checkAutoInstall(group.autoInstall, `${base}/autoInstall`, name);
  }
  return findings;
}
