import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../core/schema-files.ts';
import { fixtureCases } from '../test-support/fixtures.ts';
import { mapDocker } from './docker.ts';
import { codes, expectMapped, expectWholeSourceImports } from './test-helpers.ts';

const ANCHORS = join(REPO_ROOT, '../shared/anchors/docker-mcp-registry/servers');
const COMMIT = '818bf169b365e7b7d5b117352e32757c54844718';

// Throws when there are none, so the fixture test cannot pass vacuously.
const cases = await fixtureCases(new URL('./__fixtures__/docker/', import.meta.url));

/** server.yaml with tools.json and readme.md when they are there, as the import command reads a docker entry. */
function readEntry(dir: string) {
  const read = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : undefined);
  return { serverYaml: read('server.yaml')!, toolsJson: read('tools.json'), readme: read('readme.md') };
}

describe('mapDocker on fixtures', () => {
  it.each(cases)('$name', ({ dir }) => {
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
    const result = mapDocker(readEntry(dir), expected.sourceFile, { commit: COMMIT });
    expectMapped(result, expected);
  });
});

describe('mapDocker edge cases', () => {
  const yaml = (extra: string) => `name: x
type: server
image: acme/x
meta: {category: devops, tags: [DevOps, Node.js]}
about: {title: X, description: A server.}
source: {project: https://github.com/acme/x-mcp}
${extra}`;

  it('rejects YAML that does not parse', () => {
    expect(codes(mapDocker({ serverYaml: 'name: [' }, 'x/server.yaml').rejected)).toEqual([
      { code: 'invalid-yaml', path: '' },
    ]);
  });

  it('rejects an entry without a description', () => {
    const result = mapDocker({ serverYaml: yaml('').replace('description: A server.', 'icon: x') }, 'x/server.yaml');
    expect(codes(result.rejected)).toEqual([{ code: 'missing-description', path: '/about/description' }]);
  });

  it('names a remote without source after its host', () => {
    const serverYaml = `name: hosted
type: remote
meta: {category: search, tags: []}
about: {title: Hosted, description: A hosted server.}
remote: {transport_type: streamable-http, url: 'https://mcp.example.com/mcp'}`;
    expect(mapDocker({ serverYaml }, 'hosted/server.yaml').candidates[0]!.listing.name).toBe('com.example.mcp/hosted');
  });

  it('maps templates in run.command to variables and keeps sandbox options out with a warning', () => {
    const result = mapDocker(
      {
        serverYaml: yaml(`run:
  command: ['--mode={{x.mode}}']
  allowHosts: ['api.acme.com:443']
config:
  parameters: {type: object, properties: {mode: {type: string, description: Run mode}}, required: [mode]}`),
      },
      'x/server.yaml',
    );
    const candidate = result.candidates[0]!;
    expect(candidate.listing.packages).toEqual([
      {
        registryType: 'oci',
        identifier: 'docker.io/acme/x',
        runtimeHint: 'docker',
        transport: { type: 'stdio' },
        packageArguments: [
          {
            type: 'positional',
            value: '--mode={mode}',
            variables: { mode: { description: 'Run mode', isRequired: true } },
          },
        ],
      },
    ]);
    expect(codes(candidate.warnings)).toEqual([{ code: 'run-option-dropped', path: '/run/allowHosts' }]);
    expect(candidate.listing._meta?.['io.modelcontextprotocol.registry/publisher-provided']?.tags).toEqual([
      'devops',
      'node-js',
    ]);
  });

  it('keeps the listing when tools.json is broken, with a warning', () => {
    const { candidates } = mapDocker({ serverYaml: yaml(''), toolsJson: '[{' }, 'x/server.yaml');
    expect(candidates[0]!.tools).toBeUndefined();
    expect(codes(candidates[0]!.warnings)).toEqual([{ code: 'tools-dropped', path: '/tools.json' }]);
  });
});

describe('mapDocker on all anchor data', () => {
  it.skipIf(!existsSync(ANCHORS))('maps every entry to a candidate or a rejection', () => {
    const names = readdirSync(ANCHORS)
      .filter((name) => existsSync(join(ANCHORS, name, 'server.yaml')))
      .sort();
    const results = names.map((name) =>
      mapDocker(readEntry(join(ANCHORS, name)), `${name}/server.yaml`, { commit: COMMIT }),
    );
    expectWholeSourceImports('docker anchors', results);
  });
});
