/**
 * Issue 14 through the bundled installer against a real signed catalog: the admin-managed policy
 * (read from its fixed path; here the test-only build seam of installer/build.ts points it at a
 * temporary file), `info` and `onboard` with policies and groups, and the approval workflow from
 * the request link to the install that the recorded approval lets through.
 *
 * Every refusal leaves HOME byte-identical (its client configs exist beforehand) and changes
 * nothing under MCP_CATALOG_HOME but one appended audit line.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../pipeline/test-support/fixtures.ts';
import { p256KeyPair } from '../pipeline/test-support/keys.ts';
import {
  buildAdminTestInstaller,
  buildTestCatalog,
  republish,
  runInstaller,
  sandbox,
  snapshot,
  writeText,
  type Run,
  type Sandbox,
  type TestCatalog,
} from './test-support.ts';

const CLOCK = 'io.github.mcp-catalog/dateutil-clock';
const MEMORY = 'io.github.modelcontextprotocol/memory';
const EVERYTHING = 'io.github.modelcontextprotocol/everything';
const CLIENT_FILES = { cursor: '.cursor/mcp.json', 'claude-code': '.claude.json' };
const CLIENT_ARGS = Object.keys(CLIENT_FILES).flatMap((c) => ['--client', c]);

/** A policy the test catalog publishes: the clock needs an approval; onboarding installs three servers. */
const CORP = {
  description: 'Test policy: the clock needs an approval.',
  requireApproval: { servers: { names: [CLOCK] } },
  autoInstall: [CLOCK, MEMORY, EVERYTHING],
  groups: {
    contractors: { description: 'Contractors: not the everything server.', deny: { names: [EVERYTHING] } },
  },
};

let catalog: TestCatalog;
let adminFile: string;
let adminInstaller: string;
beforeAll(async () => {
  catalog = await buildTestCatalog({
    prepare: async (root) => {
      const configFile = join(root, 'catalog.config.json');
      const config = JSON.parse(await readFile(configFile, 'utf8'));
      // index.json then carries catalog.repository, which the approval link is made from.
      config.repository = { owner: 'acme', name: 'mcp-catalog' };
      await writeFile(configFile, JSON.stringify(config, null, 2) + '\n');
      await writeFile(join(root, 'catalog/policies/corp.json'), JSON.stringify(CORP, null, 2) + '\n');
    },
  });
  adminFile = join(await tempDir('mcp-admin-'), 'policy.json');
  adminInstaller = await buildAdminTestInstaller(catalog, adminFile);
}, 240_000);

async function configuredBox(): Promise<Sandbox> {
  const box = await sandbox();
  await writeText(
    join(box.home, CLIENT_FILES.cursor),
    '{\n  "mcpServers": {\n    "keep": { "command": "k" }\n  }\n}\n',
  );
  await writeText(
    join(box.home, CLIENT_FILES['claude-code']),
    JSON.stringify({ mcpServers: {}, projects: {} }, null, 2),
  );
  return box;
}

const auditLines = async (box: Sandbox) =>
  (await readFile(join(box.catalogHome, 'audit.log'), 'utf8').catch(() => ''))
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** Runs the installer, expects the refusal `code` with `exit`, and that nothing changed but one audit line. */
async function expectRefusal(
  installer: string,
  box: Sandbox,
  args: string[],
  code: string,
  options: { exit?: number; env?: Record<string, string> } = {},
): Promise<Run> {
  const exit = options.exit ?? 1;
  const home = await snapshot(box.home);
  const { 'audit.log': _before, ...state } = await snapshot(box.catalogHome);
  const linesBefore = (await auditLines(box)).length;
  const result = await runInstaller(installer, args, box, { env: options.env ?? {} });
  expect(result.json.error?.code, result.stdout + result.stderr).toBe(code);
  expect(result.status).toBe(exit);
  expect(await snapshot(box.home)).toEqual(home);
  const { 'audit.log': _after, ...stateAfter } = await snapshot(box.catalogHome);
  expect(stateAfter).toEqual(state);
  const lines = await auditLines(box);
  expect(lines).toHaveLength(linesBefore + 1);
  expect(lines.at(-1)).toMatchObject({ decision: exit === 3 ? 'needs-approval' : 'refused', code });
  return result;
}

const install = (spec = CLOCK, ...more: string[]) => [
  'install',
  spec,
  '--index',
  catalog.dist,
  '--yes',
  ...CLIENT_ARGS,
  ...more,
];
const setAdmin = (policy: unknown) =>
  writeFile(adminFile, typeof policy === 'string' ? policy : JSON.stringify(policy, null, 2));

/** The code that runs commands, as the bundle embeds it (base64, see installer/build.ts). */
async function embeddedCode(installer: string): Promise<string> {
  const text = await readFile(installer, 'utf8');
  const base64 = /"([A-Za-z0-9+/=]{10000,})"/.exec(text)?.[1];
  return Buffer.from(base64 ?? '', 'base64').toString('utf8');
}

describe('the admin-managed policy', () => {
  it('is read from the fixed per-OS path only: the shipped build names no other', async () => {
    const shipped = await embeddedCode(catalog.installer);
    expect(shipped).toContain('/etc/mcp-catalog/policy.json');
    expect(shipped).toContain('/Library/Application Support/MCP Catalog/policy.json');
    expect(shipped).not.toContain(adminFile);
    expect(await embeddedCode(adminInstaller)).toContain(adminFile);
  });

  it('denies shell: blocks a bundle whose scan reports shell, names the rule, and no flag or variable gets around it', async () => {
    await setAdmin({ description: 'No shell here.', denyCapabilities: { own: ['shell'], dependencies: ['shell'] } });
    const permissive = join(await tempDir('mcp-policy-'), 'anything-goes.json');
    await writeFile(permissive, JSON.stringify({ description: 'Anything goes.', maxScanVerdict: 'review' }));
    const box = await configuredBox();
    const refused = await expectRefusal(adminInstaller, box, install(), 'policy-denied');
    expect(refused.json.error).toMatchObject({
      file: adminFile,
      rules: [
        { rule: 'deny-capabilities', from: 'admin', message: expect.stringMatching(/shell in a bundled dependency/) },
      ],
    });
    // A looser policy, another group, another home for state, another platform, or a variable that
    // looks like it might move the file: the same refusal.
    await expectRefusal(adminInstaller, box, install(CLOCK, '--policy', permissive), 'policy-denied');
    await expectRefusal(
      adminInstaller,
      box,
      install(CLOCK, '--policy', 'corp', '--group', 'contractors'),
      'policy-denied',
    );
    await expectRefusal(adminInstaller, box, install(), 'policy-denied', {
      env: {
        MCP_CATALOG_PLATFORM: 'darwin',
        MCP_CATALOG_ADMIN_POLICY: '/nonexistent',
        MCP_CATALOG_POLICY: permissive,
        ProgramData: '/nonexistent',
      },
    });
    // The same catalog, through the installer built without the seam (no admin policy on this machine): installed.
    const free = await runInstaller(catalog.installer, install(), await configuredBox());
    expect(free.status, free.stdout + free.stderr).toBe(0);
  });

  it('adds only what it names: shell in own code alone does not block the clock, and the audit line names the file', async () => {
    await setAdmin({ denyCapabilities: { own: ['shell'] }, deny: { names: ['io.github.evil/*'] } });
    const box = await configuredBox();
    const done = await runInstaller(adminInstaller, install(), box);
    expect(done.status, done.stdout + done.stderr).toBe(0);
    expect((await auditLines(box)).at(-1)).toMatchObject({ decision: 'done', server: CLOCK, adminPolicy: adminFile });
  });

  it('a malformed admin policy refuses every install, naming the file and the field, and never falls back', async () => {
    const box = await configuredBox();
    await setAdmin('{ "denyCapabilities": ');
    const broken = await expectRefusal(adminInstaller, box, install(), 'admin-policy-invalid');
    expect(broken.json.error).toMatchObject({ file: adminFile, field: '' });
    await setAdmin({ denyCapabilities: { own: ['shells'] } });
    const wrong = await expectRefusal(adminInstaller, box, install(), 'admin-policy-invalid');
    expect(wrong.json.error).toMatchObject({ file: adminFile, field: '/denyCapabilities/own/0' });
    expect((wrong.json.error as unknown as { message: string }).message).toContain(adminFile);
    await expectRefusal(
      adminInstaller,
      box,
      ['onboard', '--index', catalog.dist, '--yes', ...CLIENT_ARGS],
      'admin-policy-invalid',
    );
    // A policy the catalog does not publish is as broken as a typo.
    await setAdmin({ policy: 'no-such-policy' });
    const unknown = await expectRefusal(adminInstaller, box, install(), 'admin-policy-invalid');
    expect(unknown.json.error).toMatchObject({ file: adminFile, field: '/policy' });
    // Reading the catalog still works, with a warning.
    await setAdmin('not json');
    const search = await runInstaller(adminInstaller, ['search', 'clock', '--index', catalog.dist], box);
    expect(search.status).toBe(0);
    expect(search.stderr).toContain(adminFile);
  });

  it('can disable installs, and the commands that only read still work', async () => {
    await setAdmin({ disableInstalls: true, contact: 'it@acme.example' });
    const box = await configuredBox();
    const refused = await expectRefusal(adminInstaller, box, install(), 'installs-disabled');
    expect((refused.json.error as unknown as { message: string }).message).toContain('it@acme.example');
    await expectRefusal(
      adminInstaller,
      box,
      ['onboard', '--index', catalog.dist, '--yes', ...CLIENT_ARGS],
      'installs-disabled',
    );
    const info = await runInstaller(adminInstaller, ['info', CLOCK, '--index', catalog.dist], box);
    expect(info.status).toBe(0);
  });

  it('pins the catalog, the policy and the signing identity above --index and --policy', async () => {
    const box = await configuredBox();
    // The catalog's own index by file: URL, and its strict policy: --index and --policy are ignored.
    await setAdmin({
      catalog: { index: pathToFileURL(join(catalog.dist, 'index.json')).href },
      policy: 'sample-strict-enterprise',
    });
    const strict = await expectRefusal(
      adminInstaller,
      box,
      ['install', CLOCK, '--index', '/nonexistent/index.json', '--policy', 'sample-standard', '--yes', ...CLIENT_ARGS],
      'policy-denied',
    );
    expect(strict.stderr).toMatch(/--index \/nonexistent\/index.json is ignored/);
    expect(strict.stderr).toMatch(/--policy sample-standard is ignored/);
    expect(strict.json.error).toMatchObject({
      rules: expect.arrayContaining([expect.objectContaining({ rule: 'min-trust' })]),
    });
    // Another signing key than the catalog's: the real catalog no longer verifies.
    await setAdmin({ signing: { mode: 'key', publicKeyPem: p256KeyPair().publicKeyPem } });
    await expectRefusal(adminInstaller, box, install(), 'index-identity-mismatch');
  });
});

describe('info and onboard with a policy and its groups', () => {
  it('info says what the policy decides for each way to install, with every reason and the request link', async () => {
    const box = await sandbox();
    const info = await runInstaller(
      catalog.installer,
      ['info', CLOCK, '--index', catalog.dist, '--policy', 'corp'],
      box,
    );
    expect(info.status).toBe(0);
    expect(info.json.policy).toEqual({ name: 'corp' });
    const ways = info.json.ways as {
      kind: string;
      policy: { kind: string; rules: { rule: string }[]; requestUrl?: string };
    }[];
    expect(ways[0]).toMatchObject({
      kind: 'mcpb',
      policy: { kind: 'approval', rules: [{ rule: 'require-approval' }] },
    });
    expect(ways[0]!.policy.requestUrl).toMatch(
      /^https:\/\/github\.com\/acme\/mcp-catalog\/issues\/new\?template=request-approval\.yml&/,
    );
    const text = await runInstaller(
      catalog.installer,
      ['info', CLOCK, '--index', catalog.dist, '--policy', 'corp'],
      box,
      {
        json: false,
      },
    );
    expect(text.stdout).toContain('policy: corp');
    expect(text.stdout).toContain('policy decides: needs approval');
    expect(text.stdout).toMatch(
      /- \[policy: require-approval\] io\.github\.mcp-catalog\/dateutil-clock@1\.0\.0 needs an approval/,
    );
  });

  it('onboard installs what the policy allows for the group, and reports the others with why', async () => {
    const box = await configuredBox();
    const result = await runInstaller(
      catalog.installer,
      ['onboard', '--policy', 'corp', '--group', 'contractors', '--index', catalog.dist, '--yes', ...CLIENT_ARGS],
      box,
    );
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.json.servers).toMatchObject([
      { server: CLOCK, outcome: 'needs-approval', requestUrl: expect.stringContaining('group=contractors') },
      { server: MEMORY, outcome: 'installed', version: '2026.8.31' },
      { server: EVERYTHING, outcome: 'denied', reasons: [expect.stringMatching(/^\[group contractors: deny\]/)] },
    ]);
    const cursor = JSON.parse(await readFile(join(box.home, CLIENT_FILES.cursor), 'utf8'));
    expect(Object.keys(cursor.mcpServers).sort()).toEqual(['keep', 'memory']);
    const again = await runInstaller(
      catalog.installer,
      ['onboard', '--policy', 'corp', '--group', 'contractors', '--index', catalog.dist, '--yes', ...CLIENT_ARGS],
      box,
    );
    expect((again.json.servers as { outcome: string }[])[1]).toMatchObject({ outcome: 'already-installed' });
    const unknown = await runInstaller(
      catalog.installer,
      ['onboard', '--policy', 'corp', '--group', 'nobody', '--index', catalog.dist, '--yes', ...CLIENT_ARGS],
      box,
    );
    expect(unknown.json.error).toMatchObject({ code: 'usage', field: '--group' });
  }, 180_000);
});

describe('the approval workflow', () => {
  it('requested (exit 3, pre-filled link), approved in the policy, published, then installed with the approval audited', async () => {
    const box = await configuredBox();
    const asked = await expectRefusal(catalog.installer, box, install(CLOCK, '--policy', 'corp'), 'approval-required', {
      exit: 3,
    });
    const url = new URL((asked.json.error as unknown as { requestUrl: string }).requestUrl);
    expect(`${url.origin}${url.pathname}`).toBe('https://github.com/acme/mcp-catalog/issues/new');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      template: 'request-approval.yml',
      server: CLOCK,
      version: '1.0.0',
      policy: 'corp',
    });
    // In text mode the link is printed for people to open.
    const text = await runInstaller(catalog.installer, install(CLOCK, '--policy', 'corp'), box, { json: false });
    expect(text.status).toBe(3);
    expect(text.stderr).toContain(`Request it here: ${url.href}`);

    // What the approval workflow's pull request adds once a policy owner labelled the issue, then publish.
    const file = join(catalog.root, 'catalog/policies/corp.json');
    const policy = JSON.parse(await readFile(file, 'utf8'));
    const entry = { server: CLOCK, versions: '^1.0.0', by: 'policy-owner', at: '2026-12-01T10:00:00Z', issue: 42 };
    policy.requireApproval.approved = [entry];
    await writeFile(file, JSON.stringify(policy, null, 2) + '\n');
    await republish(catalog);

    const done = await runInstaller(catalog.installer, install(CLOCK, '--policy', 'corp'), box);
    expect(done.status, done.stdout + done.stderr).toBe(0);
    expect(done.json.approval).toEqual(entry);
    expect((await auditLines(box)).at(-1)).toMatchObject({
      action: 'install',
      server: CLOCK,
      decision: 'done',
      policy: 'corp',
      approval: entry,
    });
  }, 240_000);
});
