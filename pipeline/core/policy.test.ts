import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  approvalRequestUrl,
  checkPolicy,
  evaluatePolicy,
  matchesPattern,
  matchGlob,
  publisherOwns,
  type PolicyContext,
  type PolicySubject,
  type StepCounter,
} from './policy.ts';
import { REPO_ROOT } from './schema-files.ts';
import type { Policy, RecordVersion, ServerRecord } from './schema-types.gen.ts';
import { validateSchema } from './schema-validator.ts';
import { versionSummary } from './version-summary.ts';

/** A real server record (the sample catalog's filesystem server: a bundle whose dependencies use shell). */
const filesystem = JSON.parse(
  readFileSync(join(REPO_ROOT, 'pipeline/core/__fixtures__/client-config/filesystem.json'), 'utf8'),
) as ServerRecord;
const NOW = new Date('2026-12-01T00:00:00Z');

function subjectOf(record: ServerRecord, change: (v: RecordVersion) => void = () => undefined): PolicySubject {
  const version = structuredClone(record.versions[0]!);
  change(version);
  return {
    server: { name: record.name, trust: record.trust, category: record.category, status: record.status },
    version: versionSummary(version),
    record: version,
  };
}

const bundle = subjectOf(filesystem);
/** An npm package with a hosted endpoint beside it, published a day before NOW. */
const npmAndRemote: PolicySubject = {
  server: { name: 'io.github.acme/tool', trust: 'community', category: 'development', status: 'active' },
  version: {
    version: '1.2.0',
    status: 'active',
    publishedAt: '2026-11-30T00:00:00Z',
    packages: [{ registryType: 'npm', identifier: '@acme/tool', version: '1.2.0', transport: 'stdio' }],
    remotes: [{ type: 'sse', url: 'https://tool.acme.example/sse' }],
  },
};

const decide = (policy: Omit<Policy, 'description'>, subject: PolicySubject, context: Partial<PolicyContext> = {}) =>
  evaluatePolicy({ description: 'test', ...policy }, subject, { now: NOW, ...context });
const rules = (evaluation: ReturnType<typeof decide>) => evaluation.reasons.map((r) => `${r.from}:${r.rule}`);

describe('evaluatePolicy', () => {
  it('allows with no rules, and names the ways it allows', () => {
    expect(decide({}, npmAndRemote)).toEqual({
      decision: 'allow',
      reasons: [],
      allowedOptions: ['package-0', 'remote-0'],
    });
  });

  it('denies by name, namespace, publisher, category and source; deny beats allow', () => {
    const by = (deny: Policy['deny']) => decide({ deny, allow: { names: ['*/*'] } }, npmAndRemote);
    expect(rules(by({ names: ['io.github.acme/*'] }))).toEqual(['policy:deny']);
    expect(rules(by({ namespaces: ['io.github.*'] }))).toEqual(['policy:deny']);
    expect(rules(by({ publishers: ['github:ACME'] }))).toEqual(['policy:deny']);
    expect(rules(by({ categories: ['development'] }))).toEqual(['policy:deny']);
    expect(rules(by({ sources: ['local'] }))).toEqual(['policy:deny']);
    expect(by({ sources: ['official'] }).decision).toBe('allow');
    expect(decide({ deny: { sources: ['off*'] } }, { ...npmAndRemote, origin: 'official' }).decision).toBe('deny');
    expect(by({ names: ['io.github.other/*'], categories: ['data'] }).decision).toBe('allow');
  });

  it('allows only what the allow selector matches, any of its lists being enough', () => {
    expect(decide({ allow: { names: ['io.github.other/*'] } }, npmAndRemote)).toMatchObject({
      decision: 'deny',
      reasons: [{ rule: 'allow', from: 'policy' }],
    });
    expect(
      decide({ allow: { names: ['io.github.other/*'], categories: ['development'] } }, npmAndRemote).decision,
    ).toBe('allow');
    expect(decide({ allow: { publishers: ['acme.com'] } }, npmAndRemote).decision).toBe('deny');
  });

  it('reports every rule that refused, not only the first', () => {
    const evaluation = decide(
      { deny: { names: ['io.github.acme/*'] }, minTrust: 'verified', minAgeDays: 7, allowRemotes: false },
      npmAndRemote,
    );
    expect(evaluation.decision).toBe('deny');
    expect(rules(evaluation)).toEqual([
      'policy:deny',
      'policy:min-trust',
      'policy:min-age-days',
      'policy:allow-remotes',
    ]);
    expect(evaluation.reasons.find((r) => r.rule === 'allow-remotes')?.option).toBe('remote-0');
  });

  it('version rules: minimum age, prereleases, deprecated versions and servers', () => {
    expect(decide({ minAgeDays: 1 }, npmAndRemote).decision).toBe('allow');
    expect(decide({ minAgeDays: 2 }, npmAndRemote).reasons[0]?.rule).toBe('min-age-days');
    // The same policy, a day later: the evaluator reads no clock, so `now` decides.
    expect(decide({ minAgeDays: 2 }, npmAndRemote, { now: new Date('2026-12-02T00:00:00Z') }).decision).toBe('allow');
    const beta = { ...npmAndRemote, version: { ...npmAndRemote.version, version: '1.3.0-beta.1' } };
    expect(decide({ allowPrereleases: false }, beta).reasons[0]?.rule).toBe('allow-prereleases');
    expect(decide({}, beta).decision).toBe('allow');
    const unversioned = { ...npmAndRemote, version: { ...npmAndRemote.version, version: '0.0.0-unversioned' } };
    expect(decide({ allowPrereleases: false }, unversioned).decision).toBe('allow');
    expect(decide({ allowUnversioned: false }, unversioned).decision).toBe('deny');
    const deprecated = { ...npmAndRemote, version: { ...npmAndRemote.version, status: 'deprecated' as const } };
    expect(decide({ allowDeprecated: false }, deprecated).reasons[0]?.rule).toBe('allow-deprecated');
    expect(
      decide({ allowDeprecated: false }, { ...npmAndRemote, server: { ...npmAndRemote.server, status: 'deprecated' } })
        .reasons[0]?.rule,
    ).toBe('allow-deprecated');
  });

  it('denies capabilities from the scan report, own code and dependencies apart', () => {
    // The real filesystem bundle: own code uses filesystem; its dependencies use shell.
    expect(decide({ denyCapabilities: { own: ['shell'] } }, bundle).decision).toBe('allow');
    const deps = decide({ denyCapabilities: { dependencies: ['shell'] } }, bundle);
    expect(deps).toMatchObject({ decision: 'deny', reasons: [{ rule: 'deny-capabilities', option: 'package-0' }] });
    expect(deps.reasons[0]!.message).toContain('node_modules/');
    expect(decide({ denyCapabilities: { own: ['filesystem'] } }, bundle).decision).toBe('deny');
    // A bundle without a verified scan cannot show it is free of them.
    const unscanned = subjectOf(filesystem, (v) => void delete v.artifacts[0]!.scan);
    expect(rules(decide({ denyCapabilities: { own: ['shell'] } }, unscanned))).toContain('policy:deny-capabilities');
  });

  it('refuses packages the catalog did not scan under a capability denial, unless told to allow them', () => {
    const evaluation = decide({ denyCapabilities: { own: ['shell'] } }, npmAndRemote);
    // The npm package is refused, the hosted endpoint is not (nothing runs here).
    expect(evaluation).toMatchObject({ decision: 'allow', allowedOptions: ['remote-0'] });
    expect(evaluation.reasons).toMatchObject([{ rule: 'deny-capabilities', option: 'package-0' }]);
    expect(decide({ denyCapabilities: { own: ['shell'], unscanned: 'allow' } }, npmAndRemote).allowedOptions).toEqual([
      'package-0',
      'remote-0',
    ]);
  });

  it('allows runtimes and transports', () => {
    // This fixture's artifact predates `serverType`: an unknown runtime is not an allowed one.
    expect(decide({ runtimes: ['node'] }, bundle).reasons[0]).toMatchObject({ rule: 'runtimes', option: 'package-0' });
    const node = subjectOf(filesystem, (v) => void (v.artifacts[0]!.serverType = 'node'));
    expect(decide({ runtimes: ['python'] }, node).reasons[0]).toMatchObject({ rule: 'runtimes', option: 'package-0' });
    expect(decide({ runtimes: ['node'] }, node).decision).toBe('allow');
    const uv = subjectOf(filesystem, (v) => void (v.artifacts[0]!.serverType = 'uv'));
    expect(decide({ runtimes: ['python'] }, uv).decision).toBe('allow');
    expect(decide({ runtimes: ['docker'] }, npmAndRemote).allowedOptions).toEqual(['remote-0']);
    expect(decide({ transports: ['stdio'] }, npmAndRemote)).toMatchObject({
      decision: 'allow',
      allowedOptions: ['package-0'],
      reasons: [{ rule: 'transports', option: 'remote-0' }],
    });
    expect(decide({ transports: ['streamable-http'] }, npmAndRemote).decision).toBe('deny');
  });

  it('keeps the bundle rules: scan verdict and signatures', () => {
    expect(decide({ maxScanVerdict: 'pass' }, bundle).reasons[0]?.rule).toBe('max-scan-verdict');
    expect(decide({ maxScanVerdict: 'review' }, bundle).decision).toBe('allow');
    expect(decide({ requirePublisherSignature: true }, bundle).reasons[0]?.rule).toBe('require-publisher-signature');
    expect(decide({ requireCatalogSignature: true }, bundle).decision).toBe('allow');
    expect(decide({ requireCatalogSignature: true }, npmAndRemote).allowedOptions).toEqual(['remote-0']);
  });

  describe('approval', () => {
    const policy: Omit<Policy, 'description'> = {
      requireApproval: {
        servers: { namespaces: ['io.github.acme'] },
        approved: [
          { server: 'io.github.acme/tool', versions: '^1.0.0', by: 'alice', at: '2026-11-01T10:00:00Z', issue: 12 },
          {
            server: 'io.github.acme/*',
            versions: '>=2.0.0',
            by: 'bob',
            at: '2026-11-02T10:00:00Z',
            issue: 13,
            group: 'developers',
          },
          { server: 'io.github.acme/tool', versions: 'not a range', by: 'eve', at: '2026-11-03T10:00:00Z', issue: 14 },
        ],
      },
      groups: { developers: { description: 'devs' }, sales: { description: 'sales' } },
    };
    const at = (version: string) => ({ ...npmAndRemote, version: { ...npmAndRemote.version, version } });

    it('asks for approval, with the catalog repository issue form pre-filled', () => {
      const evaluation = decide(policy, at('3.0.0'), {
        policyName: 'corp',
        group: 'sales',
        catalogRepository: 'https://github.com/acme/catalog',
      });
      expect(evaluation).toMatchObject({ decision: 'needs-approval', reasons: [{ rule: 'require-approval' }] });
      const url = new URL(evaluation.requestUrl!);
      expect(`${url.origin}${url.pathname}`).toBe('https://github.com/acme/catalog/issues/new');
      expect(Object.fromEntries(url.searchParams)).toEqual({
        template: 'request-approval.yml',
        server: 'io.github.acme/tool',
        version: '3.0.0',
        policy: 'corp',
        group: 'sales',
      });
      // No repository that takes issue forms: no link (the installer says what the index lacks).
      expect(decide(policy, at('3.0.0')).requestUrl).toBeUndefined();
      expect(decide(policy, at('3.0.0'), { catalogRepository: 'https://gitlab.com/a/b' }).requestUrl).toBeUndefined();
    });

    it("uses the policy's own request URL template when it has one", () => {
      const own = {
        requireApproval: { ...policy.requireApproval, requestUrl: 'https://it.example/?n={name}&v={version}' },
      };
      expect(decide(own, at('3.0.0'), { catalogRepository: 'https://github.com/a/b' }).requestUrl).toBe(
        'https://it.example/?n=io.github.acme%2Ftool&v=3.0.0',
      );
    });

    it('allows a version an approved entry covers, by semver range and group, and says who approved', () => {
      expect(decide(policy, at('1.4.0'))).toMatchObject({
        decision: 'allow',
        reasons: [{ rule: 'approved', from: 'policy' }],
        approval: { by: 'alice', issue: 12 },
      });
      expect(decide(policy, at('1.4.0')).reasons[0]!.message).toMatch(/alice.*#12/);
      expect(decide(policy, at('2.1.0')).decision).toBe('needs-approval');
      expect(decide(policy, at('2.1.0'), { group: 'developers' })).toMatchObject({
        decision: 'allow',
        approval: { by: 'bob' },
        reasons: [{ from: 'group' }],
      });
      expect(decide(policy, at('2.1.0'), { group: 'sales' }).decision).toBe('needs-approval');
      // A prerelease is not inside ^1.0.0, as semver has it.
      expect(decide(policy, at('1.5.0-rc.1')).decision).toBe('needs-approval');
    });

    it('never lets an approval lift a refusal', () => {
      expect(decide({ ...policy, minTrust: 'official' }, at('1.4.0'))).toMatchObject({
        decision: 'deny',
        reasons: [{ rule: 'min-trust' }],
      });
    });
  });

  describe('groups and precedence', () => {
    const policy: Omit<Policy, 'description'> = {
      minTrust: 'verified',
      deny: { names: ['io.github.acme/legacy'] },
      allow: { namespaces: ['io.github.acme'] },
      groups: {
        developers: {
          description: 'Developers',
          minTrust: 'community',
          allow: { namespaces: ['io.github.*'] },
          deny: { names: ['io.github.acme/tool'] },
        },
        contractors: { description: 'Contractors', denyCapabilities: { dependencies: ['shell'] } },
      },
    };
    const legacy = { ...npmAndRemote, server: { ...npmAndRemote.server, name: 'io.github.acme/legacy' } };
    const other = { ...npmAndRemote, server: { ...npmAndRemote.server, name: 'io.github.other/x' } };

    it("a group's rule replaces the base rule", () => {
      expect(rules(decide(policy, other))).toEqual(['policy:allow', 'policy:min-trust']);
      expect(decide(policy, other, { group: 'developers' }).decision).toBe('allow');
    });

    it("a group's deny adds to the base deny, and can never lift it", () => {
      expect(rules(decide(policy, npmAndRemote, { group: 'developers' }))).toEqual(['group:deny']);
      expect(rules(decide(policy, legacy, { group: 'developers' }))).toEqual(['policy:deny']);
      expect(decide(policy, bundle, { group: 'contractors' }).reasons.map((r) => r.rule)).toContain(
        'deny-capabilities',
      );
    });

    it('the admin overlay denies on top of everything, and says so', () => {
      const evaluation = decide({}, bundle, {
        overlay: { denyCapabilities: { own: ['shell'], dependencies: ['shell'] } },
      });
      expect(evaluation).toMatchObject({
        decision: 'deny',
        reasons: [{ rule: 'deny-capabilities', from: 'admin', option: 'package-0' }],
      });
      expect(evaluation.reasons[0]!.message).toMatch(/admin policy denies shell/);
      expect(rules(decide({}, npmAndRemote, { overlay: { deny: { publishers: ['github:acme'] } } }))).toEqual([
        'admin:deny',
      ]);
    });

    it('refuses an unknown group rather than falling back to the base policy', () => {
      expect(decide(policy, npmAndRemote, { group: 'nobody' })).toMatchObject({
        decision: 'deny',
        reasons: [{ rule: 'unknown-group' }],
      });
    });
  });
});

describe('matchesPattern, matchGlob and publishers', () => {
  it('matches * within one segment', () => {
    expect(matchesPattern('io.github.acme/*', 'io.github.acme/tool')).toBe(true);
    expect(matchesPattern('io.github.*', 'io.github.acme/tool')).toBe(false);
    expect(matchesPattern('io.github.*/tool', 'io.github.acme/tool')).toBe(true);
    expect(matchesPattern('*/*-mcp', 'com.x/y-mcp')).toBe(true);
    expect(matchesPattern('*/*-mcp', 'com.x/y-mcp2')).toBe(false);
  });

  it('is bounded by (pattern + 1) × (text + 1) steps on adversarial input (counted, not timed)', () => {
    // The classic catastrophic-backtracking shape for a regex translation: a*a*a*…b against aaaa…
    const cases = [
      { pattern: '*a'.repeat(99) + '*b', text: 'a'.repeat(200) },
      { pattern: 'a*'.repeat(100), text: 'a'.repeat(199) + 'b' },
      { pattern: '*'.repeat(100) + 'b', text: 'a'.repeat(200) },
      { pattern: '*ab'.repeat(66) + '*c', text: 'ab'.repeat(100) },
    ];
    for (const { pattern, text } of cases) {
      const counter: StepCounter = { steps: 0 };
      matchGlob(pattern, text, counter);
      expect(counter.steps, pattern.slice(0, 12)).toBeLessThanOrEqual((pattern.length + 1) * (text.length + 1));
    }
    // And the longest names and patterns the schemas allow (200 characters each) stay small.
    const counter: StepCounter = { steps: 0 };
    matchesPattern(`${'*a'.repeat(99)}*/*`, `${'a'.repeat(200)}/x`, counter);
    expect(counter.steps).toBeLessThan(50_000);
  });

  it('knows which publisher owns a namespace', () => {
    expect(publisherOwns('github:Acme', 'io.github.acme')).toBe(true);
    expect(publisherOwns('github:acme', 'io.github.acme-evil')).toBe(false);
    expect(publisherOwns('asana.com', 'com.asana')).toBe(true);
    expect(publisherOwns('asana.com', 'com.asana.mcp')).toBe(true);
    expect(publisherOwns('asana.com', 'com.asanax')).toBe(false);
  });

  it('builds the approval link from the policy template, or from a GitHub repository only', () => {
    expect(approvalRequestUrl(undefined, { name: 'a/b', version: '1', repository: 'https://github.com/o/r.git' })).toBe(
      'https://github.com/o/r/issues/new?template=request-approval.yml&server=a%2Fb&version=1',
    );
    expect(approvalRequestUrl('https://x/{policy}/{group}', { name: 'a/b', version: '1', policy: 'p' })).toBe(
      'https://x/p/',
    );
  });
});

describe('checkPolicy', () => {
  it('finds what the schema cannot: bad ranges, unknown groups, auto-installs the policy denies', () => {
    const policy: Policy = {
      description: 'x',
      deny: { names: ['io.github.evil/*'] },
      allow: { namespaces: ['io.github.*'] },
      autoInstall: ['io.github.evil/tool', 'com.other/x', 'io.github.acme/tool@not-a-range', 'io.github.acme/ok@^1'],
      requireApproval: {
        requestUrl: 'https://x/{name}/{who}',
        approved: [
          { server: 'io.github.acme/*', versions: '^^1', by: 'a', at: '2026-01-01T00:00:00Z', issue: 1 },
          {
            server: 'io.github.acme/*',
            versions: '1.x',
            by: 'a',
            at: '2026-01-01T00:00:00Z',
            issue: 2,
            group: 'ghost',
          },
        ],
      },
      groups: {
        ops: {
          description: 'ops',
          deny: { namespaces: ['io.github.acme'] },
          autoInstall: ['io.github.acme/ops-tool'],
          requireApproval: {
            approved: [
              {
                server: 'io.github.acme/*',
                versions: '1.x',
                by: 'a',
                at: '2026-01-01T00:00:00Z',
                issue: 3,
                group: 'dev',
              },
            ],
          },
        },
        dev: { description: 'dev' },
      },
    };
    expect(validateSchema('policy', policy)).toEqual([]);
    expect(checkPolicy(policy).map((f) => `${f.code} ${f.path}`)).toEqual([
      'policy-approval-invalid-range /requireApproval/approved/0/versions',
      'policy-unknown-group /requireApproval/approved/1/group',
      'policy-request-url-placeholder /requireApproval/requestUrl',
      'policy-auto-install-denied /autoInstall/0',
      'policy-auto-install-not-allowed /autoInstall/1',
      'policy-auto-install-invalid-range /autoInstall/2',
      'policy-approval-other-group /groups/ops/requireApproval/approved/0/group',
      'policy-auto-install-denied /groups/ops/autoInstall/0',
    ]);
  });

  it('finds nothing in the sample policies, which the schema also accepts', () => {
    for (const name of ['sample-standard', 'sample-strict-enterprise']) {
      const policy = JSON.parse(readFileSync(join(REPO_ROOT, 'catalog/policies', `${name}.json`), 'utf8')) as Policy;
      expect(validateSchema('policy', policy), name).toEqual([]);
      expect(checkPolicy(policy), name).toEqual([]);
    }
  });
});
