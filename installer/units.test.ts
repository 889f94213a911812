/** The installer's pure parts: config edits, mcp_config resolution, policy, version resolution, values. */
import { describe, expect, it } from 'vitest';
import { launchOptions } from '../pipeline/core/client-config.ts';
import type { Policy, RecordVersion, ServerRecord } from '../pipeline/core/schema-types.gen.ts';
import { editConfig, formattingOf, parseConfig } from './config-edit.ts';
import { InstallerError } from './errors.ts';
import { parseSpec } from './install.ts';
import { resolveMcpConfig } from './mcpb-config.ts';
import type { PolicyContext } from '../pipeline/core/policy.ts';
import { evaluatePolicy, matchesPattern, type PolicySubject } from './policy.ts';
import { resolveVersion, updateKind } from './resolve.ts';
import { collectValues } from './values.ts';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as InstallerError).code;
  }
  return undefined;
};

describe('editConfig', () => {
  const entry = { command: 'node', args: ['/x/index.js'] };

  it('adds an entry, keeping the other entries, indentation and key order', () => {
    const text = '{\n\t"theme": "dark",\n\t"mcpServers": {\n\t\t"a": {"command": "a"}\n\t}\n}\n';
    const out = editConfig(text, { client: 'cursor', file: 'f', topKey: 'mcpServers', key: 'x', entry });
    // Tabs and key order stay; jsonc-parser re-indents the object it edits.
    expect(out.startsWith('{\n\t"theme": "dark",\n\t"mcpServers": {\n\t\t"a": {')).toBe(true);
    expect(out).toContain('\n\t\t"x": {\n\t\t\t"command": "node",');
    expect(JSON.parse(out)).toEqual({ theme: 'dark', mcpServers: { a: { command: 'a' }, x: entry } });
  });

  it('creates a new file with two-space indentation and a final newline', () => {
    const out = editConfig(undefined, { client: 'windsurf', file: 'f', topKey: 'mcpServers', key: 'x', entry });
    expect(out).toBe(JSON.stringify({ mcpServers: { x: entry } }, null, 2) + '\n');
  });

  it('VS Code: keeps comments, puts and removes inputs by id', () => {
    const text =
      '// my settings\n{\n  "servers": {},\n  "inputs": [{ "type": "promptString", "id": "mine", "description": "m" }]\n}\n';
    const input = { type: 'promptString' as const, id: 'tok', description: 't', password: true as const };
    const added = editConfig(text, {
      client: 'vscode',
      file: 'f',
      topKey: 'servers',
      key: 'x',
      entry,
      inputs: [input],
    });
    expect(added.startsWith('// my settings\n')).toBe(true);
    expect(parseConfig('vscode', 'f', added)).toEqual({
      servers: { x: entry },
      inputs: [{ type: 'promptString', id: 'mine', description: 'm' }, input],
    });
    const removed = editConfig(added, {
      client: 'vscode',
      file: 'f',
      topKey: 'servers',
      key: 'x',
      entry: undefined,
      removeInputs: ['tok'],
    });
    expect(parseConfig('vscode', 'f', removed)).toEqual({
      servers: {},
      inputs: [{ type: 'promptString', id: 'mine', description: 'm' }],
    });
  });

  it('refuses what is not a JSON object, naming the file, and comments where the client takes none', () => {
    const edit = {
      client: 'claude-code' as const,
      file: '/h/.claude.json',
      topKey: 'mcpServers' as const,
      key: 'x',
      entry,
    };
    for (const text of ['{"a": ', '[]', '// c\n{}', '{"mcpServers": []}'])
      expect(codeOf(() => editConfig(text, edit))).toBe('config-invalid-json');
    try {
      editConfig('{"a": ', edit);
    } catch (error) {
      expect((error as InstallerError).file).toBe('/h/.claude.json');
    }
  });

  it('detects formatting', () => {
    expect(formattingOf('{\n    "a": 1\n}')).toMatchObject({ insertSpaces: true, tabSize: 4, eol: '\n' });
    expect(formattingOf('{\r\n\t"a": 1\r\n}')).toMatchObject({ insertSpaces: false, eol: '\r\n' });
  });
});

describe('resolveMcpConfig', () => {
  const base = { dirname: '/srv/x', home: '/home/u', platform: 'linux' as const, userConfig: {}, values: {} };

  it('substitutes the MCPB variables, one argument per value of a multiple field', () => {
    const resolved = resolveMcpConfig(
      {
        command: 'node',
        args: ['${__dirname}${/}index.js', '${user_config.dirs}', '--home=${HOME}', '--docs=${DOCUMENTS}'],
        env: { A: '${user_config.opt}', KEY: '${user_config.key}', SEP: '${pathSeparator}' },
      },
      {
        ...base,
        userConfig: {
          dirs: { type: 'directory', multiple: true },
          opt: { type: 'string' },
          key: { type: 'string', sensitive: true },
        },
        values: { dirs: ['/a', '/b'] },
      },
    );
    expect(resolved).toEqual({
      command: 'node',
      args: ['/srv/x/index.js', '/a', '/b', '--home=/home/u', '--docs=/home/u/Documents'],
      env: { KEY: '${input:key}', SEP: '/' },
    });
  });

  it('lets platform_overrides replace the base wholesale', () => {
    const config = {
      command: 'node',
      args: ['a'],
      env: { X: '1' },
      platform_overrides: { win32: { command: 'node.exe', env: { Y: '2' } } },
    };
    expect(resolveMcpConfig(config, { ...base, platform: 'win32', home: 'C:\\u', dirname: 'C:\\x' })).toEqual({
      command: 'node.exe',
      args: ['a'],
      env: { Y: '2' },
    });
    expect(resolveMcpConfig(config, base)).toEqual({ command: 'node', args: ['a'], env: { X: '1' } });
  });
});

const version = (v: string, status: RecordVersion['status'] = 'active'): RecordVersion => ({
  version: v,
  status,
  publishedAt: '2026-01-01T00:00:00Z',
  packages: [],
  remotes: [],
  artifacts: [],
});
const record = (versions: RecordVersion[], extra: Partial<ServerRecord> = {}): ServerRecord => ({
  schemaVersion: '1.0.0',
  name: 'io.github.acme/tool',
  description: 'd',
  category: 'c',
  tags: [],
  trust: 'community',
  status: 'active',
  rating: { count: 0, histogram: [0, 0, 0, 0, 0] },
  reviews: [],
  versions,
  ...extra,
});

describe('resolveVersion', () => {
  const context = { platform: 'linux', runtimes: { python3: '3.12.1', node: '24.0.0' } };
  const rec = record([version('2.0.0', 'yanked'), version('1.2.0', 'deprecated'), version('1.1.0'), version('1.0.0')]);

  it('takes the highest matching version, never a yanked one, and warns on a deprecated one', () => {
    expect(resolveVersion(rec, undefined, context)).toMatchObject({ version: { version: '1.2.0' } });
    expect(resolveVersion(rec, undefined, context).warnings[0]).toMatch(/DEPRECATED/);
    expect(resolveVersion(rec, '~1.1', context).version.version).toBe('1.1.0');
    expect(codeOf(() => resolveVersion(rec, '2.0.0', context))).toBe('version-yanked');
    expect(codeOf(() => resolveVersion(rec, '^2', context))).toBe('version-yanked');
    expect(codeOf(() => resolveVersion(rec, '^3', context))).toBe('version-not-found');
    expect(codeOf(() => resolveVersion(rec, 'not a range', context))).toBe('usage');
  });

  it('checks platforms and runtimes', () => {
    const compatibility = (v: RecordVersion) =>
      v.version === '1.2.0' ? { platforms: ['darwin'] } : { runtimes: { python: '>=3.13' } };
    expect(codeOf(() => resolveVersion(rec, undefined, { ...context, compatibility }))).toBe('no-compatible-version');
    expect(
      resolveVersion(rec, undefined, { ...context, compatibility: () => ({ runtimes: { node: '>=18' } }) }).version
        .version,
    ).toBe('1.2.0');
  });

  it('classifies updates', () => {
    expect(['1.0.1', '1.1.0', '2.0.0', '1.0.0', '0.9.0'].map((to) => updateKind('1.0.0', to))).toEqual([
      'patch',
      'minor',
      'major',
      'none',
      'none',
    ]);
  });

  it('reads name@range', () => {
    expect(parseSpec('io.github.a/b@^1.2')).toEqual({ name: 'io.github.a/b', range: '^1.2' });
    expect(parseSpec('io.github.a/b')).toEqual({ name: 'io.github.a/b' });
  });
});

describe('evaluatePolicy (the shared evaluator, for the chosen launch)', () => {
  const npmVersion: RecordVersion = {
    ...version('1.0.0'),
    packages: [{ registryType: 'npm', identifier: 'tool', version: '1.0.0', transport: { type: 'stdio' } }],
    remotes: [{ type: 'sse', url: 'https://x.example/sse' }],
  };
  const rec = record([npmVersion]);
  const [npm, remote] = launchOptions(rec);
  const subject: PolicySubject = { record: rec, version: npmVersion, launch: npm!, unreviewed: false };
  const now = new Date('2026-12-01T00:00:00Z');
  const decide = (policy: Partial<Policy>, over: Partial<typeof subject> = {}, context: Partial<PolicyContext> = {}) =>
    evaluatePolicy({ description: 'p', ...policy }, { ...subject, ...over }, { now, ...context });

  it('denies by selector, trust and package type, deny winning over allow', () => {
    expect(decide({}).kind).toBe('allow');
    expect(decide({ allow: { names: ['io.github.acme/*'] }, deny: { names: ['io.github.acme/tool'] } }).kind).toBe(
      'deny',
    );
    expect(decide({ allow: { names: ['io.github.other/*'] } }).kind).toBe('deny');
    expect(decide({ minTrust: 'verified' })).toMatchObject({
      kind: 'deny',
      reasons: [expect.stringMatching(/^\[policy: min-trust\] Trust is community/)],
      rules: [{ rule: 'min-trust', from: 'policy' }],
    });
    expect(decide({ registryTypes: ['mcpb'] }).kind).toBe('deny');
  });

  it('judges the launch being installed: the remote can be refused while the package is allowed', () => {
    expect(decide({ allowRemotes: false }).kind).toBe('allow');
    expect(decide({ allowRemotes: false }, { launch: remote! })).toMatchObject({
      kind: 'deny',
      reasons: [expect.stringMatching(/Hosted servers/)],
    });
  });

  it('asks for approval with the request link, and allows with a matching approved entry', () => {
    const requireApproval = {
      servers: { names: ['io.github.acme/*'] },
      requestUrl: 'https://x/?n={name}&v={version}&p={policy}',
    };
    expect(decide({ requireApproval }, {}, { policyName: 'corp' })).toMatchObject({
      kind: 'approval',
      requestUrl: 'https://x/?n=io.github.acme%2Ftool&v=1.0.0&p=corp',
    });
    const approved = [
      { server: 'io.github.acme/tool', versions: '1.x', by: 'alice', at: '2026-11-01T00:00:00Z', issue: 3 },
    ];
    expect(decide({ requireApproval: { ...requireApproval, approved } })).toMatchObject({
      kind: 'allow',
      approval: { by: 'alice', issue: 3 },
      rules: [{ rule: 'approved' }],
    });
  });

  it('denies by the source a listing came from (absent: local)', () => {
    expect(decide({ deny: { sources: ['local'] } }).kind).toBe('deny');
    expect(decide({ deny: { sources: ['local'] } }, { origin: 'mcpm' }).kind).toBe('allow');
    expect(decide({ deny: { sources: ['mcp*'] } }, { origin: 'mcpm' }).kind).toBe('deny');
  });

  it('applies the admin overlay even without a catalog policy', () => {
    const overlay = { deny: { namespaces: ['io.github.*'] } };
    expect(evaluatePolicy(undefined, subject, { now }).kind).toBe('allow');
    expect(evaluatePolicy(undefined, subject, { now, overlay })).toMatchObject({
      kind: 'deny',
      rules: [{ rule: 'deny', from: 'admin' }],
      reasons: [expect.stringMatching(/^\[admin policy: deny\]/)],
    });
  });

  it('matches * within one segment', () => {
    expect(matchesPattern('io.github.acme/*', 'io.github.acme/tool')).toBe(true);
    expect(matchesPattern('io.github.*', 'io.github.acme/tool')).toBe(false);
    expect(matchesPattern('io.github.*/tool', 'io.github.acme/tool')).toBe(true);
  });
});

describe('collectValues', () => {
  const context = {
    home: '/home/u',
    platform: 'linux' as const,
    given: {},
    pathKind: (p: string) =>
      p === '/home/u' || p === '/data' ? ('directory' as const) : p === '/data/f' ? ('file' as const) : undefined,
  };
  const input = (id: string, extra = {}) => ({
    id,
    title: id,
    required: false,
    secret: false,
    kind: 'user_config' as const,
    ...extra,
  });

  it('validates directory, file, number and boolean values, and expands defaults', async () => {
    const userConfig = {
      dir: { type: 'directory' as const, multiple: true },
      file: { type: 'file' as const, default: '${HOME}/new.json' },
      n: { type: 'number' as const, min: 1, max: 10 },
      flag: { type: 'boolean' as const },
      token: { type: 'string' as const, sensitive: true },
    };
    const inputs = [
      input('dir'),
      input('file', { default: '${HOME}/new.json' }),
      input('n'),
      input('flag'),
      input('token', { secret: true }),
    ];
    const ok = await collectValues(inputs, userConfig, {
      ...context,
      given: { dir: ['/data', '/home/u'], n: ['3'], flag: ['true'], token: ['s3cret'] },
    });
    expect(ok).toEqual({
      values: { dir: ['/data', '/home/u'], file: ['/home/u/new.json'], n: ['3'], flag: ['true'] },
      secrets: { token: 's3cret' },
    });
    const bad: Record<string, string[]>[] = [
      { dir: ['/nope'] },
      { n: ['11'] },
      { n: ['x'] },
      { flag: ['yes'] },
      { file: ['/data'] },
      { other: ['1'] },
    ];
    for (const given of bad)
      await expect(collectValues(inputs, userConfig, { ...context, given })).rejects.toMatchObject({
        code: 'invalid-value',
      });
  });

  it('names the required field that has no value', async () => {
    await expect(collectValues([input('dir', { required: true })], {}, context)).rejects.toMatchObject({
      code: 'missing-value',
      field: 'dir',
    });
  });
});

describe('planInstall (pure)', () => {
  it('turns a prepared install into the exact files it writes, lock first', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { launchOptions } = await import('../pipeline/core/client-config.ts');
    const { planInstall } = await import('./install.ts');
    const { pathsFor } = await import('./state.ts');
    const rec = JSON.parse(
      readFileSync(
        join(import.meta.dirname, '../pipeline/core/__fixtures__/client-config/actors-mcp-server.json'),
        'utf8',
      ),
    ) as ServerRecord;
    const launch = launchOptions(rec)[0]!;
    // Treat the token as the secret it is (the imported listing does not say so).
    launch.inputs[0]!.secret = true;
    const paths = pathsFor({ HOME: '/home/u' });
    const plan = planInstall({
      prepared: {
        record: rec,
        version: rec.versions[0]!,
        launch,
        decision: { kind: 'allow', reasons: ['no policy'], rules: [] },
        unreviewed: false,
        warnings: [],
        tools: [],
      },
      values: { values: {}, secrets: { APIFY_TOKEN: 't0k' } },
      clientFiles: [
        { client: 'cursor', path: '/home/u/.cursor/mcp.json', text: '{\n  "mcpServers": {}\n}\n' },
        { client: 'vscode', path: '/home/u/.config/Code/User/mcp.json', text: undefined },
      ],
      lock: { lockfileVersion: 1, servers: {} },
      paths,
      platform: 'linux',
      home: '/home/u',
      nodePath: '/usr/bin/node',
      now: new Date('2026-12-01T00:00:00Z'),
      indexSerial: 42,
    });
    expect(plan.writes.map((w) => w.path)).toEqual([
      '/home/u/.mcp-catalog/secrets/io.github.apify--actors-mcp-server.json',
      '/home/u/.mcp-catalog/bin/mcp-catalog-launch.mjs',
      '/home/u/.mcp-catalog/mcp-catalog.lock.json',
      '/home/u/.cursor/mcp.json',
      '/home/u/.config/Code/User/mcp.json',
    ]);
    expect(plan.writes[0]).toMatchObject({ after: '{"APIFY_TOKEN":"t0k"}\n', mode: 0o600 });
    expect(JSON.parse(plan.writes[3]!.after).mcpServers['actors-mcp-server']).toEqual({
      command: '/usr/bin/node',
      args: [
        '/home/u/.mcp-catalog/bin/mcp-catalog-launch.mjs',
        '/home/u/.mcp-catalog/secrets/io.github.apify--actors-mcp-server.json',
        '--',
        'npx',
        '-y',
        '@apify/actors-mcp-server@0.1.31',
        '--actors',
        'lukaskrivka/google-maps-with-contact-details,apify/instagram-scraper',
      ],
      env: { APIFY_TOKEN: '{{mcp-catalog-secret:APIFY_TOKEN}}' },
    });
    expect(plan.writes[3]!.backup).toBe('cursor');
    expect(JSON.parse(plan.writes[4]!.after).servers['actors-mcp-server'].env).toEqual({
      APIFY_TOKEN: '${input:APIFY_TOKEN}',
    });
    expect(plan.writes.every((w) => !w.after.includes('t0k') || w.mode === 0o600)).toBe(true);
    expect(plan.lock.servers['io.github.apify/actors-mcp-server']).toMatchObject({
      version: '0.0.1-seed',
      pin: '0.1.31',
      secretIds: ['APIFY_TOKEN'],
      indexSerial: 42,
      previous: [],
    });
    expect(plan.commands.cursor).toMatch(
      /^\/usr\/bin\/node .*mcp-catalog-launch\.mjs .* -- npx -y @apify\/actors-mcp-server@0\.1\.31/,
    );
  });

  it('refuses to take over an entry it did not write', async () => {
    const { launchOptions } = await import('../pipeline/core/client-config.ts');
    const { planInstall } = await import('./install.ts');
    const { pathsFor } = await import('./state.ts');
    const rec = record([{ ...version('1.0.0'), remotes: [{ type: 'sse', url: 'https://x.example/sse' }] }]);
    const input = {
      prepared: {
        record: rec,
        version: rec.versions[0]!,
        launch: launchOptions(rec)[0]!,
        decision: { kind: 'allow' as const, reasons: [], rules: [] },
        unreviewed: false,
        warnings: [],
        tools: [],
      },
      values: { values: {}, secrets: {} },
      clientFiles: [
        { client: 'cursor' as const, path: '/h/.cursor/mcp.json', text: '{"mcpServers": {"tool": {"url": "mine"}}}' },
      ],
      lock: { lockfileVersion: 1 as const, servers: {} },
      paths: pathsFor({ HOME: '/h' }),
      platform: 'linux' as const,
      home: '/h',
      nodePath: 'node',
      now: new Date(),
      indexSerial: 1,
    };
    expect(codeOf(() => planInstall(input))).toBe('config-entry-exists');
  });
});
