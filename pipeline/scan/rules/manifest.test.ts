import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../core/schema-files.ts';
import type { McpbManifest } from '../../core/mcpb-manifest.ts';
import { checkMcpText } from './text.ts';
import {
  bundlePath,
  checkManifest,
  commandName,
  confusable,
  crossCheckListing,
  MANIFEST_RULES,
  MAX_MANIFEST_BYTES,
  sensitiveLocation,
} from './manifest.ts';
import { recordingSink } from '../../test-support/recording-sink.ts';

const ENTRIES = new Set(['manifest.json', 'server/index.js', 'server/lib/util.js', 'main.py']);

type Json = Record<string, unknown>;

/** The fixtures' base manifest, with `server.mcp_config` fields and top-level fields replaced. */
function base(top: Json = {}, mcpConfig: Json = {}): Json {
  return {
    manifest_version: '0.3',
    name: 'fixture-server',
    display_name: 'Fixture Server',
    version: '1.0.0',
    description: 'A fixture.',
    author: { name: 'Fixture' },
    server: {
      type: 'node',
      entry_point: 'server/index.js',
      mcp_config: { command: 'node', args: ['${__dirname}/server/index.js'], ...mcpConfig },
    },
    tools: [{ name: 'echo', description: 'Return the text it is given.' }],
    ...top,
  };
}

function check(manifest: Json | string | Buffer | undefined, entries: ReadonlySet<string> = ENTRIES) {
  const sink = recordingSink();
  const bytes =
    manifest === undefined || Buffer.isBuffer(manifest)
      ? manifest
      : Buffer.from(typeof manifest === 'string' ? manifest : JSON.stringify(manifest, null, 2));
  const result = checkManifest({ bytes, entries }, sink);
  return { ...result, seen: sink.seen, rules: [...new Set(sink.seen.map((s) => s.rule))].sort() };
}

const rulesOf = (manifest: Json | string | Buffer | undefined) => check(manifest).rules;
const launch = (mcpConfig: Json) => rulesOf(base({}, mcpConfig));

describe('MANIFEST_RULES', () => {
  it('are all manifest- rules', () => {
    for (const id of Object.keys(MANIFEST_RULES)) expect(id).toMatch(/^manifest-/);
  });
});

describe('the base manifest', () => {
  it('fires nothing and yields the manifest and its summary', () => {
    const result = check(base());
    expect(result.seen).toEqual([]);
    expect(result.manifest?.name).toBe('fixture-server');
    expect(result.summary).toEqual({
      manifestVersion: '0.3',
      name: 'fixture-server',
      displayName: 'Fixture Server',
      version: '1.0.0',
      serverType: 'node',
      entryPoint: 'server/index.js',
    });
  });
});

describe('manifest-missing', () => {
  it('fires when there is no manifest, and not when there is one', () => {
    expect(check(undefined)).toMatchObject({ rules: ['manifest-missing'], manifest: undefined, summary: undefined });
    expect(rulesOf(base())).toEqual([]);
  });
});

describe('manifest-too-large', () => {
  it('fires above 1 MiB without parsing, and not at the limit', () => {
    const padded = (size: number) => {
      const text = JSON.stringify(base());
      return text.slice(0, -1) + ' '.repeat(size - text.length) + '}';
    };
    expect(check(padded(MAX_MANIFEST_BYTES + 1))).toMatchObject({ rules: ['manifest-too-large'], summary: undefined });
    expect(rulesOf(padded(MAX_MANIFEST_BYTES))).toEqual([]);
  });
});

describe('strict JSON', () => {
  const text = JSON.stringify(base(), null, 2);

  it('manifest-json-bom: fires on a BOM and still checks the rest', () => {
    const result = check(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    expect(result.rules).toEqual(['manifest-json-bom']);
    expect(result.manifest).toBeDefined();
    expect(rulesOf(text)).toEqual([]);
  });

  it('manifest-json-syntax: fires on comments, trailing commas and invalid UTF-8', () => {
    expect(rulesOf(text.replace('{', '{\n  // comment'))).toEqual(['manifest-json-syntax']);
    expect(rulesOf(text.replace(/\n}$/, ',\n}'))).toEqual(['manifest-json-syntax']);
    expect(rulesOf(Buffer.from([0x7b, 0xff, 0x7d]))).toEqual(['manifest-json-syntax']);
    expect(check('{').summary).toBeUndefined();
  });

  it('manifest-json-syntax: does not fire on comment-like text inside strings', () => {
    expect(rulesOf(base({ description: 'See https://example.com // not a comment /* nor this */' }))).toEqual([]);
  });

  it('manifest-json-duplicate-key: fires with the pointer of the duplicate', () => {
    const duplicated = text.replace('"name": "fixture-server",', '"name": "fixture-server",\n  "name": "evil",');
    const result = check(duplicated);
    expect(result.seen).toEqual(
      expect.arrayContaining([{ rule: 'manifest-json-duplicate-key', file: 'manifest.json', pointer: '/name' }]),
    );
    expect(rulesOf(text.replace('"name": "fixture-server",', '"name": "fixture-server",\n  "_name": "x",'))).toEqual(
      expect.not.arrayContaining(['manifest-json-duplicate-key']),
    );
  });

  it('manifest-json-too-deep: fires past 64 levels, and refuses absurd nesting before parsing', () => {
    const nest = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const deep = (depth: number) => base({ _meta: { 'x.y': { deep: JSON.parse(nest(depth)) as unknown } } });
    expect(rulesOf(deep(62))).toEqual([]);
    expect(rulesOf(deep(64))).toEqual(['manifest-json-too-deep']);
    const absurd = text.replace('"version": "1.0.0"', `"version": "1.0.0", "x": ${nest(100_000)}`);
    expect(check(absurd)).toMatchObject({ rules: ['manifest-json-too-deep'], summary: undefined });
  });
});

describe('manifest-version-unknown', () => {
  it('fires on a missing or unsupported version, at its pointer', () => {
    const { manifest_version: _, ...noVersion } = base();
    expect(rulesOf(noVersion)).toEqual(['manifest-version-unknown']);
    expect(check(base({ manifest_version: '0.5' })).seen).toEqual([
      { rule: 'manifest-version-unknown', file: 'manifest.json', pointer: '/manifest_version' },
    ]);
  });

  it('does not fire on any supported version, or on dxt_version alone', () => {
    for (const version of ['0.1', '0.2', '0.3', '0.4'])
      expect(rulesOf(base({ manifest_version: version }))).toEqual([]);
    const { manifest_version: _, ...old } = base();
    expect(rulesOf({ ...old, dxt_version: '0.1' })).toEqual([]);
  });
});

describe('manifest-schema', () => {
  it('fires with the pointer of each schema error and returns no manifest', () => {
    const result = check(base({ id: 'x', author: {} }));
    expect(result.manifest).toBeUndefined();
    expect(result.summary).toBeDefined();
    expect(result.seen).toEqual(
      expect.arrayContaining([
        { rule: 'manifest-schema', file: 'manifest.json', pointer: '/id' },
        { rule: 'manifest-schema', file: 'manifest.json', pointer: '/author/name' },
      ]),
    );
  });

  it('does not fire on optional fields used correctly', () => {
    expect(rulesOf(base({ keywords: ['a'], license: 'MIT', homepage: 'https://example.com' }))).toEqual([]);
  });
});

describe('manifest-name-invalid', () => {
  it.each(['my server', '../evil', '.hidden', 'a/b', 'name-', 'a--b', 'ünïcode', '', 'x'.repeat(129)])(
    'fires on %j',
    (name) => {
      expect(rulesOf(base({ name }))).toContain('manifest-name-invalid');
    },
  );

  it.each(['weather', 'hello-world-node', 'file_manager', 'io.github.acme', 'Server2', 'x'.repeat(128)])(
    'does not fire on %j',
    (name) => {
      expect(rulesOf(base({ name }))).toEqual([]);
    },
  );

  it('is checked even when the schema fails elsewhere', () => {
    expect(rulesOf(base({ name: 'my server', id: 'x' }))).toEqual(['manifest-name-invalid', 'manifest-schema']);
  });
});

describe('manifest-confusable-name', () => {
  it.each([
    ['a Cyrillic letter in a Latin word', 'Gіthub'],
    ['an all-Cyrillic look-alike word', 'Соре Tools'],
    ['fullwidth letters', 'Ｇｉｔｈｕｂ'],
    ['mathematical letters', '𝐆𝐢𝐭𝐇𝐮𝐛'],
    ['Greek look-alikes', 'ΑΡΙ Server'],
  ])('fires on %s in display_name', (_, displayName) => {
    const result = check(base({ display_name: displayName }));
    expect(result.seen).toEqual([
      { rule: 'manifest-confusable-name', file: 'manifest.json', pointer: '/display_name' },
    ]);
  });

  it.each([
    'Fixture Server',
    'Café Finder',
    'Файлы и папки',
    'Ελληνικά εργαλεία',
    '日本語ツール',
    'Café'.normalize('NFD'),
  ])('does not fire on %j', (displayName) => {
    expect(confusable(displayName)).toBeUndefined();
  });

  it('fires on name too (besides manifest-name-invalid)', () => {
    expect(rulesOf(base({ name: 'gіthub' }))).toEqual(['manifest-confusable-name', 'manifest-name-invalid']);
  });
});

describe('entry point', () => {
  const withEntry = (entry_point: string) =>
    rulesOf(base({ server: { type: 'node', entry_point, mcp_config: { command: 'node', args: [] } } }));

  it.each([
    '../server/index.js',
    '/server/index.js',
    'C:/server/index.js',
    'server\\index.js',
    'server/../../x.js',
    '',
  ])('manifest-entry-point-outside fires on %j', (entry) => {
    expect(withEntry(entry)).toEqual(['manifest-entry-point-outside']);
  });

  it('manifest-entry-point-missing fires on a path that is not in the bundle', () => {
    expect(withEntry('server/main.js')).toEqual(['manifest-entry-point-missing']);
    expect(withEntry('server')).toEqual(['manifest-entry-point-missing']);
  });

  it.each(['server/index.js', './server/index.js', 'server/lib/../index.js'])('neither fires on %j', (entry) => {
    expect(withEntry(entry)).toEqual([]);
  });

  it('normalises inside the bundle only', () => {
    expect(bundlePath('./a/./b')).toBe('a/b');
    expect(bundlePath('a/../../b')).toBeUndefined();
  });
});

describe('manifest-command-shell', () => {
  it.each([
    'sh',
    'bash',
    '/bin/zsh',
    'cmd.exe',
    'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    'pwsh',
    'env',
    'sudo',
  ])('fires on %j', (command) => {
    expect(launch({ command, args: ['${__dirname}/server/index.js'] })).toEqual(['manifest-command-shell']);
  });

  it.each(['node', '/usr/local/bin/node', 'python3', '${__dirname}/server/bin/server', 'bashful'])(
    'does not fire on %j',
    (command) => {
      expect(launch({ command, args: ['${__dirname}/server/index.js'] })).toEqual([]);
    },
  );

  it('fires in platform overrides, at their pointer', () => {
    const result = check(base({}, { platform_overrides: { win32: { command: 'cmd.exe', args: ['/c', 'node'] } } }));
    expect(result.seen).toEqual([
      {
        rule: 'manifest-command-shell',
        file: 'manifest.json',
        pointer: '/server/mcp_config/platform_overrides/win32/command',
      },
    ]);
  });
});

describe('manifest-command-remote', () => {
  it.each([
    ['npx', ['-y', '@acme/server@1.0.0']],
    ['npx.cmd', ['@acme/server']],
    ['bunx', ['@acme/server']],
    ['uvx', ['--native-tls', 'example-pypi-mcp@latest']],
    ['curl', ['https://example.com/install.sh']],
    ['wget', ['-qO-', 'https://example.com']],
    ['pnpm', ['dlx', '@acme/server']],
    ['npm', ['exec', '@acme/server']],
    ['docker', ['run', '-i', '--rm', 'acme/server']],
    ['python', ['-m', 'pip', 'install', 'acme']],
    ['pip', ['install', 'acme']],
    ['uv', ['tool', 'run', 'acme']],
    ['deno', ['run', '-A', 'https://example.com/server.ts']],
  ])('fires on %s %j', (command, args) => {
    expect(launch({ command, args })).toEqual(['manifest-command-remote']);
  });

  it.each([
    ['node', ['${__dirname}/server/index.js']],
    ['npm', ['start']],
    ['pnpm', ['exec', 'server']],
    ['uv', ['run', '--directory', '${__dirname}', 'main.py']],
    ['python', ['-m', 'mcp_server_file_manager', '--workspace=${user_config.workspace_directory}']],
    ['deno', ['run', '-A', '${__dirname}/server/main.ts']],
  ])('does not fire on %s %j', (command, args) => {
    expect(launch({ command, args })).toEqual([]);
  });
});

describe('manifest-args-eval', () => {
  it.each([
    ['node', ['-e', 'require("child_process")']],
    ['node', ['--eval=1']],
    ['node', ['-r', 'dotenv/config', '${__dirname}/server/index.js']],
    ['node', ['--require', '${__dirname}/hook.js', '${__dirname}/server/index.js']],
    ['node', ['--import', 'data:text/javascript,1', '${__dirname}/server/index.js']],
    ['node', ['--loader=https-loader', '${__dirname}/server/index.js']],
    ['node', ['--inspect=0.0.0.0:9229', '${__dirname}/server/index.js']],
    ['python3', ['-c', 'import os']],
    ['python', ['-u', '-c', 'import os']],
    ['python', ['-Bc', 'import os']],
    ['uv', ['run', '--directory', '${__dirname}', 'python', '-c', 'import os']],
    ['osascript', ['-e', 'do shell script "id"']],
    ['bun', ['--preload', './x.ts', '${__dirname}/server/index.ts']],
  ])('fires on %s %j', (command, args) => {
    expect(launch({ command, args })).toEqual(['manifest-args-eval']);
  });

  it.each([
    ['node', ['${__dirname}/server/index.js', '-r', '/data', '-e', 'prod']],
    ['node', ['--max-old-space-size=4096', '--enable-source-maps', '${__dirname}/server/index.js']],
    ['node', ['--title', 'x', '${__dirname}/server/index.js']],
    ['python', ['-u', '-Wignore', '${__dirname}/main.py', '-c', 'config.toml']],
    ['python', ['-m', 'server', '-c', 'x']],
    ['${__dirname}/server/bin/server', ['-e', 'x']],
  ])('does not fire on %s %j', (command, args) => {
    expect(launch({ command, args })).toEqual([]);
  });

  it('reports a flag once, and nothing after the script', () => {
    const result = check(base({}, { args: ['--inspect', '${__dirname}/server/index.js', '-r', 'x'] }));
    expect(result.seen).toEqual([
      { rule: 'manifest-args-eval', file: 'manifest.json', pointer: '/server/mcp_config/args/0' },
    ]);
    const eq = check(base({}, { args: ['--eval=1', '${__dirname}/server/index.js', '-e', 'x'] }));
    expect(eq.seen).toHaveLength(1);
  });

  it('points at the flag', () => {
    const result = check(base({}, { args: ['--require', 'x', '${__dirname}/server/index.js'] }));
    expect(result.seen).toEqual([
      { rule: 'manifest-args-eval', file: 'manifest.json', pointer: '/server/mcp_config/args/0' },
    ]);
  });
});

describe('manifest-args-shell-syntax', () => {
  it.each(['a | b', 'a; rm -rf ~', 'a && b', '`id`', '$(id)', 'a\nb'])('fires on %j', (arg) => {
    expect(launch({ args: ['${__dirname}/server/index.js', arg] })).toEqual(['manifest-args-shell-syntax']);
  });

  it.each(['--url=https://example.com/?a=1&b=2', '${user_config.api_key}', '--name=a-b_c', 'x>y'])(
    'does not fire on %j',
    (arg) => {
      expect(launch({ args: ['${__dirname}/server/index.js', arg] })).toEqual([]);
    },
  );
});

describe('manifest-env-injection', () => {
  it.each([
    'NODE_OPTIONS',
    'node_options',
    'LD_PRELOAD',
    'DYLD_INSERT_LIBRARIES',
    'DYLD_LIBRARY_PATH',
    'PYTHONSTARTUP',
    'BASH_ENV',
  ])('fires on %s', (name) => {
    const result = check(base({}, { env: { [name]: '--max-old-space-size=4096' } }));
    expect(result.seen).toEqual([
      { rule: 'manifest-env-injection', file: 'manifest.json', pointer: `/server/mcp_config/env/${name}` },
    ]);
  });

  it('does not fire on ordinary variables', () => {
    expect(launch({ env: { API_KEY: '${user_config.api_key}', DEBUG: 'true', NODE_ENV: 'production' } })).toEqual([]);
  });

  it('fires in platform overrides', () => {
    expect(launch({ platform_overrides: { darwin: { env: { DYLD_INSERT_LIBRARIES: '/tmp/x.dylib' } } } })).toEqual([
      'manifest-env-injection',
    ]);
  });
});

describe('manifest-path-outside-bundle', () => {
  it.each([
    { PYTHONPATH: '/usr/lib/python3/dist-packages' },
    { PYTHONPATH: '${__dirname}/lib:/tmp' },
    { PYTHONPATH: '${__dirname}/lib:' },
    { PYTHONPATH: '${__dirname}/../other' },
    { NODE_PATH: '${user_config.dir}' },
    { LD_LIBRARY_PATH: '/tmp/libs' },
  ])('fires on %j', (env) => {
    expect(launch({ env })).toEqual(['manifest-path-outside-bundle']);
  });

  it('fires on a ${__dirname} argument that climbs out', () => {
    expect(launch({ args: ['${__dirname}/../../evil.js'] })).toEqual(['manifest-path-outside-bundle']);
    expect(launch({ args: ['${__dirname}/server/index.js', '--root=${__dirname}/../x'] })).toEqual([
      'manifest-path-outside-bundle',
    ]);
  });

  it.each([
    { PYTHONPATH: '${__dirname}/mcp_server_file_manager/lib' },
    { PYTHONPATH: '${__dirname}/lib:${__dirname}/src' },
    { PYTHONPATH: '${__dirname}' },
    { LD_LIBRARY_PATH: '${__dirname}/lib' },
    { DATA_DIR: '/var/data' },
  ])('does not fire on %j', (env) => {
    expect(launch({ env })).toEqual([]);
  });
});

describe('manifest-sensitive-path and manifest-credential-path', () => {
  const option = (type: string, value: unknown) =>
    base({ user_config: { target: { type, title: 'Target', description: 'Where', default: value } } });

  it.each([
    ['file', '${HOME}/Library/Application Support/Claude/claude_desktop_config.json'],
    ['file', '~/.cursor/mcp.json'],
    ['file', '/etc/shadow'],
    ['directory', '${HOME}/Library/Keychains'],
  ])('manifest-sensitive-path fires on a %s default %j', (type, value) => {
    expect(check(option(type, value)).seen).toEqual([
      { rule: 'manifest-sensitive-path', file: 'manifest.json', pointer: '/user_config/target/default' },
    ]);
  });

  it.each([
    ['directory', '${HOME}/.ssh'],
    ['file', '~/.aws/credentials'],
    ['file', '${HOME}/.kube/config'],
    ['directory', '/'],
    ['directory', 'C:\\'],
    ['directory', ['${HOME}/Documents', '/etc']],
  ])('manifest-credential-path fires on a %s default %j', (type, value) => {
    expect(rulesOf(option(type, value))).toEqual(['manifest-credential-path']);
  });

  it.each([
    ['directory', '${HOME}/Documents'],
    ['directory', '${HOME}'],
    ['directory', ['${HOME}/Desktop']],
    ['file', '${HOME}/projects/app/.envrc'],
    ['string', '~/.ssh'],
  ])('neither fires on a %s default %j', (type, value) => {
    expect(rulesOf(option(type, value))).toEqual([]);
  });

  it('checks mcp_config values too', () => {
    expect(launch({ env: { CONFIG: '${HOME}/.cursor/mcp.json' } })).toEqual(['manifest-sensitive-path']);
    expect(launch({ env: { KUBECONFIG: '${HOME}/.kube/config' } })).toEqual(['manifest-credential-path']);
    expect(launch({ env: { KUBECONFIG: '${user_config.kubeconfig}' } })).toEqual([]);
  });

  it('classifies locations', () => {
    expect(sensitiveLocation('%USERPROFILE%\\.ssh\\id_rsa')?.reject).toBe(false);
    expect(sensitiveLocation('${HOME}/.claude.json')?.reject).toBe(true);
    expect(sensitiveLocation('${HOME}/Documents/notes')).toBeUndefined();
  });
});

describe('manifest-secret-default', () => {
  const secret = (extra: Json) =>
    base({ user_config: { api_key: { type: 'string', title: 'API key', description: 'Key', ...extra } } });

  it('fires on a sensitive option with a default', () => {
    expect(check(secret({ sensitive: true, default: 'demo-key-12345' })).seen).toEqual([
      { rule: 'manifest-secret-default', file: 'manifest.json', pointer: '/user_config/api_key/default' },
    ]);
  });

  it('does not fire without a default, on an empty or placeholder default, or when not sensitive', () => {
    expect(rulesOf(secret({ sensitive: true }))).toEqual([]);
    expect(rulesOf(secret({ sensitive: true, default: '' }))).toEqual([]);
    expect(rulesOf(secret({ sensitive: true, default: '${user_config.other}' }))).toEqual([]);
    expect(rulesOf(secret({ sensitive: false, default: 'info' }))).toEqual([]);
  });
});

describe('commandName', () => {
  it('reduces a command to the program it runs', () => {
    expect(commandName('/usr/bin/python3.12')).toBe('python');
    expect(commandName('C:\\Program Files\\nodejs\\node.exe')).toBe('node');
    expect(commandName('npx.cmd')).toBe('npx');
    expect(commandName('${__dirname}/bin/server')).toBe('server');
  });
});

describe('crossCheckListing', () => {
  const scanned = (top: Json = {}) => {
    const result = check(base(top));
    return { summary: result.summary!, manifest: result.manifest as McpbManifest };
  };
  const run = (listing: { name: string; version: string }, tools?: string[], top: Json = {}) => {
    const sink = recordingSink();
    crossCheckListing(scanned(top), listing, tools, sink);
    return sink.seen;
  };

  it('manifest-version-mismatch fires on another version, and not on the same', () => {
    expect(run({ name: 'io.github.acme/fixture-server', version: '1.0.1' })).toEqual([
      { rule: 'manifest-version-mismatch', file: 'manifest.json', pointer: '/version' },
    ]);
    expect(run({ name: 'io.github.acme/fixture-server', version: '1.0.0' })).toEqual([]);
  });

  it('manifest-name-mismatch fires on another name, not on case or separator style', () => {
    expect(run({ name: 'io.github.acme/weather', version: '1.0.0' })).toEqual([
      { rule: 'manifest-name-mismatch', file: 'manifest.json', pointer: '/name' },
    ]);
    expect(run({ name: 'io.github.acme/Fixture_Server', version: '1.0.0' })).toEqual([]);
  });

  it('manifest-tools-mismatch fires per listed tool the manifest lacks, unless tools are generated', () => {
    const listing = { name: 'io.github.acme/fixture-server', version: '1.0.0' };
    expect(run(listing, ['echo', 'delete_all'])).toEqual([
      { rule: 'manifest-tools-mismatch', file: 'manifest.json', pointer: '/tools' },
    ]);
    expect(run(listing, ['echo'])).toEqual([]);
    expect(run(listing, ['echo', 'delete_all'], { tools_generated: true })).toEqual([]);
    expect(run(listing, undefined)).toEqual([]);
  });
});

describe('the manifests of the real test bundles (bundles/sources)', () => {
  const sources = join(REPO_ROOT, 'bundles/sources');
  const names = readdirSync(sources).sort();

  it('exist', () => {
    expect(names.length).toBeGreaterThan(0);
  });

  it.each(names)('%s fires no manifest or text rule', (name) => {
    const bytes = readFileSync(join(sources, name, 'manifest.json'));
    const entryPoint = (JSON.parse(bytes.toString('utf8')) as { server: { entry_point: string } }).server.entry_point;
    const sink = recordingSink();
    const { manifest } = checkManifest({ bytes, entries: new Set(['manifest.json', entryPoint]) }, sink);
    expect(manifest).toBeDefined();
    checkMcpText(manifest!, sink);
    expect(sink.seen).toEqual([]);
  });
});
