import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_IDS,
  clientEntry,
  configPath,
  configSnippet,
  deepLink,
  isExactVersion,
  launchOptions,
  supports,
  withCommand,
  type Launch,
} from './client-config.ts';
import type { ServerRecord } from './schema-types.gen.ts';

// Real server records from a build of the sample catalog (dist/servers/<ns>/<name>.json).
const record = (name: string) =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, '__fixtures__', 'client-config', `${name}.json`), 'utf8'),
  ) as ServerRecord;
const only = (launches: Launch[]) => {
  expect(launches).toHaveLength(1);
  return launches[0]!;
};

describe('launchOptions', () => {
  it('pins npm as npx -y pkg@version and keeps arguments in order', () => {
    const launch = only(launchOptions(record('actors-mcp-server')));
    expect(launch).toMatchObject({ kind: 'npm', pinned: true, command: 'npx', runtimes: ['node'] });
    expect(launch.args).toEqual([
      '-y',
      '@apify/actors-mcp-server@0.1.31',
      '--actors',
      'lukaskrivka/google-maps-with-contact-details,apify/instagram-scraper',
    ]);
    expect(launch.env).toEqual({ APIFY_TOKEN: '${input:APIFY_TOKEN}' });
  });

  it('pins PyPI as uvx pkg==version', () => {
    const launch = only(launchOptions(record('time-mcp-pypi')));
    expect(launch).toMatchObject({ kind: 'pypi', pinned: true, command: 'uvx', args: ['time-mcp-pypi==1.0.6'] });
  });

  it('never runs an OCI tag: unpinned until the digest is resolved, then image@sha256', () => {
    const rec = record('buildkite-mcp-server');
    const unpinned = only(launchOptions(rec));
    expect(unpinned).toMatchObject({ pinned: false, unpinned: 'digest' });
    const digest = 'sha256:' + 'a'.repeat(64);
    const pinned = only(launchOptions(rec, undefined, { 0: digest }));
    expect(pinned.pinned).toBe(true);
    expect(pinned.args).toEqual([
      'run',
      '-i',
      '--rm',
      '-e',
      'BUILDKITE_API_TOKEN',
      `docker.io/mcp/buildkite@${digest}`,
    ]);
    expect(pinned.inputs).toEqual([
      {
        id: 'BUILDKITE_API_TOKEN',
        title: 'BUILDKITE_API_TOKEN',
        required: true,
        secret: true,
        kind: 'env',
        placeholder: 'bkua_xxxxx',
      },
    ]);
  });

  it('describes an mcpb bundle by its verified artifact and user_config', () => {
    const launch = only(launchOptions(record('filesystem')));
    expect(launch).toMatchObject({
      kind: 'mcpb',
      pinned: true,
      bundle: {
        url: 'bundles/io.github.modelcontextprotocol--filesystem-2026.8.31.mcpb',
        sha256: 'b2c7529d6a1e02b5c2529b1b0dbf1323aa15982420be55791fc08b5f3aa535da',
        attestation: 'bundles/io.github.modelcontextprotocol--filesystem-2026.8.31.mcpb.sigstore.json',
      },
    });
    expect(launch.command).toBeUndefined();
    expect(launch.inputs[0]).toMatchObject({ id: 'allowed_directories', kind: 'user_config', required: true });
    for (const client of CLIENT_IDS)
      expect(supports(client, launch)).toMatchObject({ ok: false, code: 'launch-unresolved' });
  });

  it('turns remote header variables into inputs', () => {
    const launch = only(launchOptions(record('mercado-pago')));
    expect(launch).toMatchObject({
      kind: 'remote',
      transport: 'streamable-http',
      url: 'https://mcp.mercadopago.com',
      headers: { Authorization: 'Bearer ${input:MERCADO_PAGO_API_KEY}' },
    });
    expect(launch.inputs[0]).toMatchObject({
      id: 'MERCADO_PAGO_API_KEY',
      secret: true,
      required: true,
      kind: 'header',
    });
  });

  it('picks a named version, or the highest that is not yanked', () => {
    const rec = record('filesystem');
    expect(launchOptions(rec, '0.0.0-unversioned').map((l) => l.kind)).toEqual(['npm', 'oci']);
    expect(launchOptions(rec, '9.9.9')).toEqual([]);
    const yanked = { ...rec, versions: [{ ...rec.versions[0]!, status: 'yanked' as const }, ...rec.versions.slice(1)] };
    expect(launchOptions(yanked)[0]!.version).toBe('0.0.0-unversioned');
  });

  it('tells exact versions from ranges', () => {
    for (const v of ['1.2.3', '0.0.1-seed', '2026.8.31', '1.0.0rc1']) expect(isExactVersion(v)).toBe(true);
    for (const v of ['^1.2.3', '~1', '>=1', '1.x', '*', 'latest', '']) expect(isExactVersion(v)).toBe(false);
  });
});

describe('clientEntry: each client in its own format', () => {
  const npm = only(launchOptions(record('time-mcp-pypi')));
  const secretEnv = only(launchOptions(record('buildkite-mcp-server'), undefined, { 0: 'sha256:' + 'b'.repeat(64) }));

  it('stdio', () => {
    const stdio = { command: 'uvx', args: ['time-mcp-pypi==1.0.6'] };
    expect(clientEntry('claude-desktop', npm)).toEqual({ topKey: 'mcpServers', entry: stdio });
    expect(clientEntry('claude-code', npm)).toEqual({ topKey: 'mcpServers', entry: { type: 'stdio', ...stdio } });
    expect(clientEntry('cursor', npm)).toEqual({ topKey: 'mcpServers', entry: stdio });
    expect(clientEntry('vscode', npm)).toEqual({ topKey: 'servers', entry: { type: 'stdio', ...stdio } });
    expect(clientEntry('windsurf', npm)).toEqual({ topKey: 'mcpServers', entry: stdio });
  });

  it('placeholders: VS Code prompts (password for secrets), the others show <id>', () => {
    expect(clientEntry('vscode', secretEnv)).toEqual({
      topKey: 'servers',
      entry: {
        type: 'stdio',
        command: 'docker',
        args: ['run', '-i', '--rm', '-e', 'BUILDKITE_API_TOKEN', 'docker.io/mcp/buildkite@sha256:' + 'b'.repeat(64)],
        env: { BUILDKITE_API_TOKEN: '${input:BUILDKITE_API_TOKEN}' },
      },
      inputs: [{ type: 'promptString', id: 'BUILDKITE_API_TOKEN', description: 'BUILDKITE_API_TOKEN', password: true }],
    });
    expect(clientEntry('cursor', secretEnv).entry.env).toEqual({ BUILDKITE_API_TOKEN: '<BUILDKITE_API_TOKEN>' });
  });

  it('with values: substitutes, drops optional ones without a value, and refuses a missing required one', () => {
    const actors = only(launchOptions(record('actors-mcp-server')));
    expect(clientEntry('claude-code', actors, {}).entry.env).toBeUndefined();
    expect(clientEntry('claude-code', actors, { APIFY_TOKEN: 't' }).entry.env).toEqual({ APIFY_TOKEN: 't' });
    expect(() => clientEntry('cursor', secretEnv, {})).toThrow(/BUILDKITE_API_TOKEN/);
    // VS Code keeps asking for what the installer must not write down.
    expect(clientEntry('vscode', secretEnv, {}).entry.env).toEqual({
      BUILDKITE_API_TOKEN: '${input:BUILDKITE_API_TOKEN}',
    });
  });

  it('remotes: type http/sse for Claude Code and VS Code, url for Cursor, serverUrl for Windsurf, none for Claude Desktop', () => {
    const sse = only(launchOptions(record('asana')));
    expect(clientEntry('claude-code', sse).entry).toEqual({ type: 'sse', url: 'https://mcp.asana.com/sse' });
    expect(clientEntry('vscode', sse).entry).toEqual({ type: 'sse', url: 'https://mcp.asana.com/sse' });
    expect(clientEntry('cursor', sse).entry).toEqual({ url: 'https://mcp.asana.com/sse' });
    expect(clientEntry('windsurf', sse).entry).toEqual({ serverUrl: 'https://mcp.asana.com/sse' });
    expect(supports('claude-desktop', sse)).toMatchObject({ ok: false, code: 'client-no-remote' });
    const http = only(launchOptions(record('mercado-pago')));
    expect(clientEntry('claude-code', http, { MERCADO_PAGO_API_KEY: 'k' }).entry).toEqual({
      type: 'http',
      url: 'https://mcp.mercadopago.com',
      headers: { Authorization: 'Bearer k' },
    });
    expect(clientEntry('windsurf', http).entry).toEqual({
      serverUrl: 'https://mcp.mercadopago.com',
      headers: { Authorization: 'Bearer <MERCADO_PAGO_API_KEY>' },
    });
  });

  it('an mcpb bundle, once the installer resolved its mcp_config', () => {
    const bundle = withCommand(only(launchOptions(record('filesystem'))), {
      command: 'node',
      args: ['/home/u/.mcp-catalog/servers/x/2026.8.31/dist/index.js', '${input:allowed_directories}'],
    });
    expect(clientEntry('claude-desktop', bundle, { allowed_directories: '/tmp' })).toEqual({
      topKey: 'mcpServers',
      entry: { command: 'node', args: ['/home/u/.mcp-catalog/servers/x/2026.8.31/dist/index.js', '/tmp'] },
    });
  });
});

describe('configSnippet and deepLink', () => {
  const pypi = only(launchOptions(record('time-mcp-pypi')));

  it('prints a whole minimal config file', () => {
    expect(JSON.parse(configSnippet('vscode', 'time', pypi))).toEqual({
      servers: { time: { type: 'stdio', command: 'uvx', args: ['time-mcp-pypi==1.0.6'] } },
    });
    expect(configSnippet('windsurf', 'time', pypi)).toBe(
      '{\n  "mcpServers": {\n    "time": {\n      "command": "uvx",\n      "args": [\n        "time-mcp-pypi==1.0.6"\n      ]\n    }\n  }\n}',
    );
  });

  it('links for VS Code and Cursor only, and only for pinned launches', () => {
    const vscode = deepLink('vscode', 'time', pypi)!;
    expect(vscode.startsWith('vscode:mcp/install?')).toBe(true);
    expect(JSON.parse(decodeURIComponent(vscode.slice('vscode:mcp/install?'.length)))).toEqual({
      name: 'time',
      type: 'stdio',
      command: 'uvx',
      args: ['time-mcp-pypi==1.0.6'],
    });
    const cursor = new URL(deepLink('cursor', 'time', pypi)!);
    expect(cursor.protocol + '//' + cursor.host + cursor.pathname).toBe(
      'cursor://anysphere.cursor-deeplink/mcp/install',
    );
    expect(cursor.searchParams.get('name')).toBe('time');
    expect(JSON.parse(atob(cursor.searchParams.get('config')!))).toEqual({
      command: 'uvx',
      args: ['time-mcp-pypi==1.0.6'],
    });
    for (const client of ['claude-desktop', 'claude-code', 'windsurf'] as const)
      expect(deepLink(client, 'time', pypi)).toBeUndefined();
    expect(deepLink('vscode', 'bk', only(launchOptions(record('buildkite-mcp-server'))))).toBeUndefined();
  });
});

describe('configPath', () => {
  it('follows each client on Linux, macOS and Windows', () => {
    const linux = { HOME: '/home/u' };
    expect(CLIENT_IDS.map((c) => configPath(c, 'linux', linux))).toEqual([
      '/home/u/.config/Claude/claude_desktop_config.json',
      '/home/u/.claude.json',
      '/home/u/.cursor/mcp.json',
      '/home/u/.config/Code/User/mcp.json',
      '/home/u/.codeium/windsurf/mcp_config.json',
    ]);
    expect(configPath('vscode', 'linux', { HOME: '/home/u', XDG_CONFIG_HOME: '/x' })).toBe('/x/Code/User/mcp.json');
    expect(configPath('claude-desktop', 'darwin', { HOME: '/Users/u' })).toBe(
      '/Users/u/Library/Application Support/Claude/claude_desktop_config.json',
    );
    const win = { USERPROFILE: 'C:\\Users\\u', APPDATA: 'C:\\Users\\u\\AppData\\Roaming' };
    expect(configPath('vscode', 'win32', win)).toBe('C:\\Users\\u\\AppData\\Roaming\\Code\\User\\mcp.json');
    expect(configPath('cursor', 'win32', win)).toBe('C:\\Users\\u\\.cursor\\mcp.json');
    expect(configPath('cursor', 'linux', {})).toBeUndefined();
  });
});
