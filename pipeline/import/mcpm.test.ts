import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../core/schema-files.ts';
import { fixtureCases } from '../test-support/fixtures.ts';
import { mapMcpm } from './mcpm.ts';
import { codes, expectMapped, expectWholeSourceImports } from './test-helpers.ts';

const ANCHORS = join(REPO_ROOT, '../shared/anchors/mcpm-registry/servers');
const COMMIT = 'bdd5ed9874d321248aa7c151d87323bfb2ee354f';

// Throws when there are none, so the fixture test cannot pass vacuously.
const cases = await fixtureCases(new URL('./__fixtures__/mcpm/', import.meta.url));

describe('mapMcpm on fixtures', () => {
  it.each(cases)('$name', ({ dir }) => {
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
    const result = mapMcpm(JSON.parse(readFileSync(join(dir, 'input.json'), 'utf8')), expected.sourceFile, {
      commit: COMMIT,
    });
    expectMapped(result, expected);
  });
});

describe('mapMcpm installations', () => {
  const base = {
    name: 'x',
    description: 'A server.',
    repository: { type: 'git', url: 'https://github.com/acme/x-mcp' },
    categories: ['Dev Tools'],
    arguments: { TOKEN: { description: 'API token', required: true, example: 'tok_123' } },
  };
  const map = (installation: object) => {
    const { candidates } = mapMcpm({ ...base, installations: { main: installation } }, 'x.json');
    return { pkg: candidates[0]!.listing.packages?.[0], warnings: codes(candidates[0]!.warnings) };
  };
  const notMapped = [
    { code: 'installation-not-mapped', path: '/installations/main' },
    { code: 'no-installable-package', path: '/installations' },
  ];

  it('keeps an exact npm version and drops "latest"', () => {
    expect(map({ type: 'npm', command: 'npx', args: ['-y', '@acme/x@1.2.3'] }).pkg).toMatchObject({
      identifier: '@acme/x',
      version: '1.2.3',
    });
    expect(map({ type: 'npm', command: 'npx', args: ['@acme/x@latest'] }).pkg).not.toHaveProperty('version');
  });

  it('refuses npm ranges and dist-tags, and GitHub URLs run by npx', () => {
    expect(map({ type: 'npm', command: 'npx', args: ['-y', 'x@^1.0.0'] }).warnings).toEqual(notMapped);
    expect(map({ type: 'npm', command: 'npx', args: ['-y', 'x@next'] }).warnings).toEqual(notMapped);
    expect(map({ type: 'npm', command: 'npx', args: ['-y', 'https://github.com/acme/x'] }).warnings).toEqual(notMapped);
  });

  it('reads `uv tool run` as uvx and refuses `uvx --from`, whose command is not the package', () => {
    expect(map({ type: 'uvx', command: 'uv', args: ['tool', 'run', 'x-mcp==0.3.1'] }).pkg).toMatchObject({
      registryType: 'pypi',
      identifier: 'x-mcp',
      version: '0.3.1',
      runtimeHint: 'uvx',
    });
    expect(map({ type: 'uvx', command: 'uvx', args: ['--from', 'x-tools', 'x-mcp'] }).warnings).toEqual(notMapped);
  });

  it('turns docker -e options into environment variables and keeps other options as runtime arguments', () => {
    const { pkg } = map({
      type: 'docker',
      command: 'docker',
      args: [
        'run',
        '-i',
        '--rm',
        '-e',
        'TOKEN',
        '-e',
        'MODE=stdio',
        '-v',
        'data:/data',
        'ghcr.io/acme/x:1',
        '--verbose',
      ],
    });
    expect(pkg).toEqual({
      registryType: 'oci',
      identifier: 'ghcr.io/acme/x:1',
      runtimeHint: 'docker',
      transport: { type: 'stdio' },
      runtimeArguments: [
        { type: 'positional', value: '-v' },
        { type: 'positional', value: 'data:/data' },
      ],
      packageArguments: [{ type: 'positional', value: '--verbose' }],
      environmentVariables: [
        { name: 'TOKEN', description: 'API token', isRequired: true, placeholder: 'tok_123' },
        { name: 'MODE', value: 'stdio' },
      ],
    });
  });

  it('skips local builds, scripts and custom commands with a warning', () => {
    expect(map({ type: 'docker', command: 'docker', args: ['run', '-i', 'x-mcp'] }).warnings).toEqual(notMapped);
    expect(map({ type: 'python', command: 'python', args: ['-m', 'x_mcp'] }).warnings).toEqual(notMapped);
    expect(map({ type: 'npm', command: 'node', args: ['/path/to/build/index.js'] }).warnings).toEqual(notMapped);
  });

  it('rejects an entry without a GitHub repository', () => {
    const result = mapMcpm({ ...base, repository: { type: 'npm', url: 'https://www.npmjs.com/package/x' } }, 'x.json');
    expect(codes(result.rejected)).toEqual([{ code: 'no-namespace', path: '/repository/url' }]);
  });
});

describe('mapMcpm on all anchor data', () => {
  it.skipIf(!existsSync(ANCHORS))('maps every entry to a candidate or a rejection', () => {
    const files = readdirSync(ANCHORS)
      .filter((f) => f.endsWith('.json'))
      .sort();
    const results = files.map((f) =>
      mapMcpm(JSON.parse(readFileSync(join(ANCHORS, f), 'utf8')), f, { commit: COMMIT }),
    );
    expectWholeSourceImports('mcpm anchors', results);
  });
});
