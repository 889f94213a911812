import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATEGORIES } from '../core/config.ts';
import { REPO_ROOT } from '../core/schema-files.ts';
import {
  DOCKER_CATEGORIES,
  MCPM_CATEGORIES,
  NotMappable,
  collector,
  githubName,
  hostNamespace,
  mapCapabilities,
  mapCategory,
  ociIdentifier,
  parseGitHubUrl,
  parsePlaceholders,
  slugTags,
  spdxLicense,
} from './mapping.ts';

const MCPM_SCHEMA = join(REPO_ROOT, '../shared/anchors/mcpm-registry/schema/server-schema.json');
const PLACEHOLDER = /\$\{([^}]+)\}/g;

describe('category tables', () => {
  it('map only onto taxonomy ids', () => {
    const ids = new Set(DEFAULT_CATEGORIES.map((c) => c.id));
    for (const id of [...Object.values(MCPM_CATEGORIES), ...Object.values(DOCKER_CATEGORIES)])
      expect(ids).toContain(id);
  });

  it.skipIf(!existsSync(MCPM_SCHEMA))("cover exactly mcpm's category enum", () => {
    const schema = JSON.parse(readFileSync(MCPM_SCHEMA, 'utf8'));
    expect(Object.keys(MCPM_CATEGORIES).sort()).toEqual([...schema.properties.categories.items.enum].sort());
  });

  it('know no inherited keys', () => {
    expect(mapCategory(DOCKER_CATEGORIES, 'constructor')).toBeUndefined();
    expect(mapCategory(DOCKER_CATEGORIES, 'Fintech')).toBe('finance');
  });
});

describe('names', () => {
  it('reads GitHub repository URLs, with monorepo folders', () => {
    expect(parseGitHubUrl('https://github.com/acme/x-mcp.git')).toEqual({ owner: 'acme', repo: 'x-mcp' });
    expect(parseGitHubUrl('https://github.com/acme/tools/tree/main/packages/x-mcp/')).toEqual({
      owner: 'acme',
      repo: 'tools',
      subfolder: 'packages/x-mcp',
    });
    expect(parseGitHubUrl('https://github.com/acme')).toBeUndefined();
    expect(parseGitHubUrl('https://gitlab.com/acme/x')).toBeUndefined();
  });

  it('names a server by repository, monorepo folder, or source entry for a known monorepo', () => {
    expect(githubName({ owner: 'acme', repo: 'x-mcp' }, 'x')).toBe('io.github.acme/x-mcp');
    expect(githubName({ owner: 'acme', repo: 'tools', subfolder: 'packages/x-mcp' }, 'x')).toBe('io.github.acme/x-mcp');
    expect(githubName({ owner: 'modelcontextprotocol', repo: 'servers' }, 'fetch')).toBe(
      'io.github.modelcontextprotocol/fetch',
    );
  });

  it('reverses a host into a namespace', () => {
    expect(hostNamespace('https://mcp.aisfleet.com/sse')).toBe('com.aisfleet.mcp');
    expect(hostNamespace('not a url')).toBeUndefined();
  });
});

describe('slugTags', () => {
  it('slugifies, dedupes and warns about what it drops', () => {
    const { warnings, warn } = collector();
    const many = Array.from({ length: 17 }, (_, i) => `t${i}`);
    expect(slugTags(['Node.js', 'node js', 'Café', '中文', ...many], ['tags'], warn)).toEqual([
      'node-js',
      'cafe',
      ...many.slice(0, 14),
    ]);
    expect(warnings.map((w) => [w.code, w.path])).toEqual([
      ['tag-dropped', '/tags/3'],
      ['tag-dropped', '/tags/18'],
      ['tag-dropped', '/tags/19'],
      ['tag-dropped', '/tags/20'],
    ]);
  });
});

describe('spdxLicense', () => {
  it('takes SPDX ids as they are and nothing else', () => {
    expect(spdxLicense('Apache-2.0')).toBe('Apache-2.0');
    expect(spdxLicense('Apache 2.0')).toBeUndefined();
    expect(spdxLicense('[NOT GIVEN]')).toBeUndefined();
  });
});

describe('parsePlaceholders', () => {
  const lookup = (name: string) => (name === 'KEY' ? { description: 'The key', isRequired: true } : {});

  it('reads a lone placeholder as an input the user supplies', () => {
    expect(parsePlaceholders('${KEY}', PLACEHOLDER, lookup)).toEqual({
      placeholder: 'KEY',
      input: { description: 'The key', isRequired: true },
    });
  });

  it('turns embedded placeholders into variables of the value', () => {
    expect(parsePlaceholders('--key=${KEY}', PLACEHOLDER, lookup)).toEqual({
      value: '--key={KEY}',
      variables: { KEY: { description: 'The key', isRequired: true } },
    });
    expect(parsePlaceholders('--verbose', PLACEHOLDER, lookup)).toEqual({ value: '--verbose' });
  });
});

describe('ociIdentifier', () => {
  it("adds Docker Hub's registry to short names and refuses bare local images", () => {
    expect(ociIdentifier('mcp/time')).toBe('docker.io/mcp/time');
    expect(ociIdentifier('ghcr.io/acme/x:1.0')).toBe('ghcr.io/acme/x:1.0');
    expect(() => ociIdentifier('x-mcp')).toThrow(NotMappable);
  });
});

describe('mapCapabilities', () => {
  it('keeps the schema fields, drops unknown keys, and warns about what it cannot keep', () => {
    const { warnings, warn } = collector();
    const result = mapCapabilities(
      {
        tools: [
          { name: 'a', description: 'A', inputSchema: { type: 'object' }, required: ['x'] },
          { name: 'a', description: 'again' },
          { description: 'nameless' },
          { name: 'b', description: 42 },
        ],
        resources: [{ name: 'r', uri: 'file:///r', annotations: {} }],
      },
      (kind, ...rest) => ['', kind, ...rest].join('/'),
      warn,
    );
    expect(result).toEqual({
      tools: [{ name: 'a', description: 'A', inputSchema: { type: 'object' } }, { name: 'b' }],
      resources: [{ name: 'r', uri: 'file:///r' }],
    });
    expect(warnings.map((w) => [w.code, w.path])).toEqual([
      ['capability-dropped', '/tools/1/name'],
      ['capability-dropped', '/tools/2'],
      ['capability-field-dropped', '/tools/3/description'],
    ]);
  });
});
