import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  declaredManifestVersion,
  MCPB_MANIFEST_VERSIONS,
  mcpbSchemaDir,
  validateMcpbManifest,
} from './mcpb-manifest.ts';

/** The smallest manifest each version accepts. */
function minimal(version: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    manifest_version: version,
    name: 'weather',
    version: '1.0.0',
    description: 'Forecasts.',
    author: { name: 'Acme' },
    server: {
      type: 'node',
      entry_point: 'server/index.js',
      mcp_config: { command: 'node', args: ['${__dirname}/server/index.js'] },
    },
    ...extra,
  };
}

const codes = (value: unknown) => {
  const result = validateMcpbManifest(value);
  return result.ok ? [] : result.findings.map((f) => ({ code: f.code, path: f.path }));
};

describe('the mcpb schema files', () => {
  it('exist for every supported version in the package directory', () => {
    for (const version of MCPB_MANIFEST_VERSIONS) {
      expect(existsSync(join(mcpbSchemaDir(), `mcpb-manifest-v${version}.schema.json`)), version).toBe(true);
    }
  });

  // The validator skips ajv's meta-schema check at run time, so it is done here, once.
  it('are valid draft-07 schemas, and the check catches one that is not', () => {
    const meta = new Ajv({ strict: false });
    for (const version of MCPB_MANIFEST_VERSIONS) {
      const file = join(mcpbSchemaDir(), `mcpb-manifest-v${version}.schema.json`);
      const schema = JSON.parse(readFileSync(file, 'utf8')) as object;
      expect(meta.validateSchema(schema), `${version}: ${meta.errorsText()}`).toBe(true);
    }
    expect(meta.validateSchema({ type: 'object', required: 'name' })).toBe(false);
  });
});

describe('validateMcpbManifest', () => {
  it.each(MCPB_MANIFEST_VERSIONS)('accepts a minimal manifest_version %s manifest', (version) => {
    const result = validateMcpbManifest(minimal(version));
    expect(result).toMatchObject({ ok: true, version });
  });

  it('accepts an old bundle that declares only dxt_version', () => {
    const { manifest_version: _, ...rest } = minimal('0.1');
    expect(validateMcpbManifest({ ...rest, dxt_version: '0.1' })).toMatchObject({ ok: true, version: '0.1' });
  });

  it('accepts a full manifest in the shape of the mcpb reference example', () => {
    const manifest = minimal('0.3', {
      display_name: 'Weather',
      long_description: 'Longer text.',
      author: { name: 'Acme Inc', email: 'support@acme.example', url: 'https://acme.example' },
      repository: { type: 'git', url: 'https://github.com/acme/weather' },
      homepage: 'https://acme.example/weather',
      icon: 'icon.png',
      tools: [{ name: 'get_forecast', description: 'Get the forecast for a city' }],
      prompts: [{ name: 'plan', description: 'Plan a trip', arguments: ['city'], text: 'Plan ${arguments.city}' }],
      keywords: ['weather'],
      license: 'MIT',
      user_config: {
        api_key: { type: 'string', title: 'API Key', description: 'Your key', sensitive: true, required: false },
        max_results: { type: 'number', title: 'Max', description: 'Results', default: 10, min: 1, max: 100 },
        workspace: { type: 'directory', title: 'Workspace', description: 'Folder', default: '${HOME}/Documents' },
      },
      compatibility: {
        claude_desktop: '>=0.10.0',
        platforms: ['darwin', 'win32', 'linux'],
        runtimes: { node: '>=16' },
      },
      privacy_policies: [],
    });
    expect(codes(manifest)).toEqual([]);
  });

  it('reports a missing version, and a non-object, at the right place', () => {
    const { manifest_version: _, ...rest } = minimal('0.3');
    expect(codes(rest)).toEqual([{ code: 'mcpb-version-missing', path: '/manifest_version' }]);
    expect(codes([])).toEqual([{ code: 'mcpb-version-missing', path: '' }]);
  });

  it('reports a version it has no schema for, without guessing', () => {
    expect(codes(minimal('0.9'))).toEqual([{ code: 'mcpb-version-unknown', path: '/manifest_version' }]);
    expect(codes(minimal(3 as unknown as string))).toEqual([
      { code: 'mcpb-version-unknown', path: '/manifest_version' },
    ]);
    const { manifest_version: _, ...rest } = minimal('0.3');
    expect(codes({ ...rest, dxt_version: '1.0' })).toEqual([{ code: 'mcpb-version-unknown', path: '/dxt_version' }]);
  });

  it('lets manifest_version decide when dxt_version disagrees', () => {
    expect(declaredManifestVersion(minimal('0.3', { dxt_version: '0.2' }))).toEqual({
      field: 'manifest_version',
      version: '0.3',
    });
    expect(codes(minimal('0.3', { dxt_version: '0.2' }))).toEqual([{ code: 'schema-const', path: '/dxt_version' }]);
  });

  it('reports schema errors with a JSON pointer each', () => {
    const manifest = minimal('0.3', { files: ['x'], tools: [{ description: 'no name' }] });
    delete manifest.author;
    expect(codes(manifest)).toEqual(
      expect.arrayContaining([
        { code: 'schema-unknown-property', path: '/files' },
        { code: 'schema-required', path: '/author' },
        { code: 'schema-required', path: '/tools/0/name' },
      ]),
    );
  });

  it('collapses the user_config default anyOf into one problem', () => {
    const manifest = minimal('0.2', {
      user_config: { x: { type: 'string', title: 'X', description: 'x', default: { nested: true } } },
    });
    expect(codes(manifest)).toEqual([{ code: 'schema-any-of', path: '/user_config/x/default' }]);
  });

  it('applies the schema of the declared version (the uv server type is 0.4 only)', () => {
    const uv = (version: string) =>
      minimal(version, {
        server: { type: 'uv', entry_point: 'main.py', mcp_config: { command: 'uv', args: ['run', 'main.py'] } },
      });
    expect(codes(uv('0.3'))).toEqual([{ code: 'schema-enum', path: '/server/type' }]);
    expect(codes(uv('0.4'))).toEqual([]);
  });

  it('checks formats (author.url must be a URI)', () => {
    expect(codes(minimal('0.3', { author: { name: 'A', url: 'not a url' } }))).toEqual([
      { code: 'schema-format', path: '/author/url' },
    ]);
  });
});
