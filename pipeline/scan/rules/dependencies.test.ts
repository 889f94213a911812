import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { createOsvClient, OsvError } from '../../adapters/osv.ts';
import type { OsvRecord } from '../../adapters/osv.ts';
import { startOsvServer } from '../../test-support/osv-server.ts';
import type { OsvTestServer } from '../../test-support/osv-server.ts';
import { ScanCollector } from '../collector.ts';
import { HEAD_BYTES, originOf, scannedFile } from '../types.ts';
import type { Dependency, ScannedFile } from '../types.ts';
import {
  DEPENDENCY_RULES,
  dependencyInventory,
  dependencyKey,
  lookupAdvisories,
  matchAdvisories,
  packageManifestKind,
} from './dependencies.ts';
import type { AdvisoryLookup } from './dependencies.ts';

const RECORDS = fileURLToPath(new URL('../../adapters/__fixtures__/osv/records', import.meta.url));

const servers: OsvTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function osv(records?: OsvRecord[]) {
  const server = await startOsvServer(records ? { records } : { recordsDir: RECORDS });
  servers.push(server);
  return { server, client: createOsvClient({ baseUrl: server.url, retries: 0, timeoutMs: 5_000 }) };
}

function file(path: string, text: string): ScannedFile {
  const content = Buffer.from(text);
  return scannedFile({
    path,
    size: content.length,
    origin: originOf(path, 'node'),
    head: content.subarray(0, HEAD_BYTES),
    content,
  });
}

function inventory(...files: ScannedFile[]): ScanCollector {
  const sink = new ScanCollector();
  for (const f of files) dependencyInventory.scanFile(f, sink);
  return sink;
}

const rulesOf = (sink: ScanCollector) => sink.sortedFindings().map((f) => [f.rule, f.file]);

describe('inventory', () => {
  it('reads package roots in node_modules, scoped and nested', () => {
    const sink = inventory(
      file('server/node_modules/express/package.json', '{"name":"express","version":"4.19.1"}'),
      file('server/node_modules/@scope/pkg/package.json', '{"name":"@scope/pkg","version":"1.0.0-rc.1"}'),
      file('server/node_modules/a/node_modules/debug/package.json', '\uFEFF{"name":"debug","version":"4.4.2"}'),
      file('node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json', '{"name":"ms","version":"2.1.3"}'),
    );
    expect(sink.dependencies).toEqual([
      { ecosystem: 'npm', name: 'express', version: '4.19.1', file: 'server/node_modules/express/package.json' },
      {
        ecosystem: 'npm',
        name: '@scope/pkg',
        version: '1.0.0-rc.1',
        file: 'server/node_modules/@scope/pkg/package.json',
      },
      {
        ecosystem: 'npm',
        name: 'debug',
        version: '4.4.2',
        file: 'server/node_modules/a/node_modules/debug/package.json',
      },
      {
        ecosystem: 'npm',
        name: 'ms',
        version: '2.1.3',
        file: 'node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json',
      },
    ]);
    expect(sink.findings).toEqual([]);
  });

  it('reads the core metadata of egg-info folders too (Debian ships them), and nothing else named PKG-INFO', () => {
    expect(packageManifestKind('server/lib/python_dateutil-2.8.2.egg-info/PKG-INFO')).toBe('METADATA');
    expect(packageManifestKind('server/lib/dateutil/PKG-INFO')).toBeUndefined();
    expect(packageManifestKind('server/lib/x.dist-info/PKG-INFO')).toBeUndefined();
  });

  it('skips package.json files that are not a package root', () => {
    for (const path of [
      'package.json',
      'server/package.json',
      'server/node_modules/x/lib/package.json',
      'server/node_modules/x/dist/esm/package.json',
      'server/node_modules/@scope/package.json',
      'server/node_modules/package.json',
      'server/node_modules/.bin/package.json',
      'server/node_modules/x/package.json.bak',
      'server/node_modules_old/x/package.json',
    ]) {
      expect(packageManifestKind(path), path).toBeUndefined();
      const sink = inventory(file(path, 'not json'));
      expect(sink.dependencies, path).toEqual([]);
      expect(sink.findings, path).toEqual([]);
    }
  });

  it('reads Name and Version from .dist-info/METADATA headers only', () => {
    const metadata = [
      'Metadata-Version: 2.1',
      'Name: requests',
      'Version: 2.30.0',
      'Summary: Python HTTP for Humans.',
      'License: Apache 2.0',
      '        continued licence text',
      '',
      'Name: not-the-name',
      'Version: 9.9.9',
    ].join('\r\n');
    const sink = inventory(
      file('server/lib/requests-2.30.0.dist-info/METADATA', metadata),
      file('server/lib/requests/METADATA', 'Name: x\nVersion: 1\n'),
      file('server/lib/requests-2.30.0.dist-info/RECORD', 'Name: x\nVersion: 1\n'),
    );
    expect(sink.dependencies).toEqual([
      { ecosystem: 'PyPI', name: 'requests', version: '2.30.0', file: 'server/lib/requests-2.30.0.dist-info/METADATA' },
    ]);
    expect(sink.findings).toEqual([]);
  });

  it('reports package roots that do not say what they are, without crashing', () => {
    const sink = inventory(
      file('server/node_modules/a/package.json', '{"name": "a", "version": '),
      file('server/node_modules/b/package.json', '{"name": "b"}'),
      file('server/node_modules/c/package.json', '["c", "1.0.0"]'),
      file('server/node_modules/d/package.json', '{"name": "d", "version": "1.0.0\\n::error::forged"}'),
      file('server/node_modules/e/package.json', `{"name": "e", "version": "${'1'.repeat(300)}"}`),
      file('lib/x-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\nVersion: 1.0\n'),
      file('lib/y-1.0.dist-info/METADATA', 'Name: y;rm -rf\nVersion: 1.0\n'),
      scannedFile({
        path: 'server/node_modules/f/package.json',
        size: 20_000_000,
        origin: 'dependency',
        head: Buffer.alloc(0),
        content: undefined,
      }),
    );
    expect(sink.dependencies).toEqual([]);
    expect(sink.findings.map((f) => [f.rule, f.severity, f.file])).toEqual([
      ['dependency-unidentified', 'review', 'server/node_modules/a/package.json'],
      ['dependency-unidentified', 'review', 'server/node_modules/b/package.json'],
      ['dependency-unidentified', 'review', 'server/node_modules/c/package.json'],
      ['dependency-unidentified', 'review', 'server/node_modules/d/package.json'],
      ['dependency-unidentified', 'review', 'server/node_modules/e/package.json'],
      ['dependency-unidentified', 'review', 'lib/x-1.0.dist-info/METADATA'],
      ['dependency-unidentified', 'review', 'lib/y-1.0.dist-info/METADATA'],
      ['dependency-unidentified', 'review', 'server/node_modules/f/package.json'],
    ]);
    expect(sink.findings.every((f) => !f.message.includes('\n'))).toBe(true);
  });
});

const dep = (name: string, version: string, path = `server/node_modules/${name}/package.json`): Dependency => ({
  ecosystem: 'npm',
  name,
  version,
  file: path,
});

function match(dependencies: Dependency[], records: OsvRecord[]): ScanCollector {
  const advisories = new Map<string, OsvRecord[]>();
  for (const d of dependencies) advisories.set(dependencyKey(d), records);
  const sink = new ScanCollector();
  matchAdvisories(dependencies, { ok: true, advisories }, sink);
  return sink;
}

const mal: OsvRecord = {
  id: 'MAL-2099-1',
  modified: '2099-01-01T00:00:00Z',
  summary: 'Malicious code in evil (npm)',
  affected: [
    { package: { ecosystem: 'npm', name: 'evil' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] },
  ],
};
const vuln: OsvRecord = {
  id: 'GHSA-aaaa-bbbb-cccc',
  modified: '2024-01-01T00:00:00Z',
  aliases: ['CVE-2024-0001'],
  summary: 'Prototype pollution in evil',
  affected: [
    {
      package: { ecosystem: 'npm', name: 'evil' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }],
    },
  ],
};

describe('matchAdvisories', () => {
  it('rejects a MAL- record, and a record aliased to one, in a dependency', () => {
    const aliased: OsvRecord = { ...vuln, id: 'GHSA-mal0-mal0-mal0', aliases: ['MAL-2099-2'] };
    expect(rulesOf(match([dep('evil', '1.0.0')], [mal]))).toEqual([
      ['dependency-malicious', 'server/node_modules/evil/package.json'],
    ]);
    const sink = match([dep('evil', '1.0.0')], [aliased]);
    expect(sink.findings.map((f) => [f.rule, f.severity, f.origin])).toEqual([
      ['dependency-malicious', 'reject', 'dependency'],
    ]);
  });

  it('sends another advisory to review, naming the fixed version', () => {
    const sink = match([dep('evil', '1.5.0')], [vuln]);
    expect(sink.findings.map((f) => [f.rule, f.severity])).toEqual([['dependency-vulnerable', 'review']]);
    expect(sink.findings[0]!.message).toContain('GHSA-aaaa-bbbb-cccc');
    expect(sink.findings[0]!.message).toContain('2.0.0');
  });

  it('reports a version it cannot place as unevaluable', () => {
    expect(rulesOf(match([dep('evil', 'release-2')], [vuln]))).toEqual([
      ['dependency-unevaluable', 'server/node_modules/evil/package.json'],
    ]);
  });

  it('reports nothing for a version outside the ranges, or a withdrawn record', () => {
    expect(match([dep('evil', '2.0.0')], [vuln]).findings).toEqual([]);
    expect(match([dep('evil', '1.0.0')], [{ ...mal, withdrawn: '2099-02-01T00:00:00Z' }]).findings).toEqual([]);
  });

  it('reports each copy of a package at its own path', () => {
    const deps = [dep('evil', '1.5.0'), dep('evil', '1.5.0', 'server/node_modules/x/node_modules/evil/package.json')];
    expect(rulesOf(match(deps, [vuln, mal]))).toEqual([
      ['dependency-malicious', 'server/node_modules/evil/package.json'],
      ['dependency-malicious', 'server/node_modules/x/node_modules/evil/package.json'],
      ['dependency-vulnerable', 'server/node_modules/evil/package.json'],
      ['dependency-vulnerable', 'server/node_modules/x/node_modules/evil/package.json'],
    ]);
  });

  it('fails closed when OSV could not be asked, and only when there was something to ask', () => {
    const failed: AdvisoryLookup = { ok: false, error: new OsvError('timeout', 'POST /v1/querybatch', 'slow') };
    const sink = new ScanCollector();
    matchAdvisories([dep('left-pad', '1.3.0')], failed, sink);
    expect(sink.findings.map((f) => [f.rule, f.severity, f.file])).toEqual([
      ['dependency-osv-unavailable', 'review', ''],
    ]);
    const empty = new ScanCollector();
    matchAdvisories([], failed, empty);
    expect(empty.findings).toEqual([]);
  });

  it('declares every rule with a kebab-case id in the dependency family', () => {
    for (const rule of Object.values(DEPENDENCY_RULES)) expect(rule.id).toMatch(/^dependency-[a-z0-9-]+$/);
  });
});

describe('lookupAdvisories against a local OSV API', () => {
  it('asks once per distinct package version and returns the records by dependency key', async () => {
    const { server, client } = await osv();
    const deps: Dependency[] = [
      dep('express', '4.19.1'),
      dep('express', '4.19.1', 'server/node_modules/a/node_modules/express/package.json'),
      dep('express', '4.19.2', 'server/node_modules/b/node_modules/express/package.json'),
      { ecosystem: 'PyPI', name: 'Requests', version: '2.30.0', file: 'lib/requests-2.30.0.dist-info/METADATA' },
      dep('left-pad', '1.3.0'),
    ];
    const lookup = await lookupAdvisories(deps, client);
    if (!lookup.ok) throw lookup.error;
    expect(server.requests.filter((r) => r.path === '/v1/querybatch').map((r) => r.queries)).toEqual([4]);
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(3);
    expect([...lookup.advisories].map(([key, records]) => [key, records.map((r) => r.id)])).toEqual([
      ['npm:express@4.19.1', ['GHSA-rv95-896h-c2vc']],
      ['PyPI:requests@2.30.0', ['GHSA-j8r2-6x86-q33q', 'PYSEC-2023-74']],
    ]);

    const sink = new ScanCollector();
    matchAdvisories(deps, lookup, sink);
    expect(rulesOf(sink)).toEqual([
      ['dependency-vulnerable', 'lib/requests-2.30.0.dist-info/METADATA'],
      ['dependency-vulnerable', 'lib/requests-2.30.0.dist-info/METADATA'],
      ['dependency-vulnerable', 'server/node_modules/a/node_modules/express/package.json'],
      ['dependency-vulnerable', 'server/node_modules/express/package.json'],
    ]);
  });

  it('asks nothing when the bundle has no dependencies', async () => {
    const { server, client } = await osv();
    expect(await lookupAdvisories([], client)).toEqual({ ok: true, advisories: new Map() });
    expect(server.requests).toEqual([]);
  });

  it('returns an OSV failure instead of throwing it', async () => {
    const { server, client } = await osv();
    server.fail();
    const lookup = await lookupAdvisories([dep('debug', '4.4.2')], client);
    expect(lookup.ok).toBe(false);
    if (!lookup.ok) expect(lookup.error.code).toBe('http-status');
  });

  it('runs inventory, lookup and matching end to end', async () => {
    const { client } = await osv();
    const sink = inventory(
      file('server/node_modules/debug/package.json', '{"name":"debug","version":"4.4.2"}'),
      file('server/node_modules/01template1/package.json', '{"name":"01template1","version":"1.0.0"}'),
      file('server/node_modules/path-to-regexp/package.json', '{"name":"path-to-regexp","version":"0.1.7"}'),
      file('server/node_modules/ms/package.json', '{"name":"ms","version":"2.1.3"}'),
    );
    matchAdvisories(sink.dependencies, await lookupAdvisories(sink.dependencies, client), sink);
    expect(rulesOf(sink)).toEqual([
      ['dependency-malicious', 'server/node_modules/01template1/package.json'],
      ['dependency-malicious', 'server/node_modules/debug/package.json'],
      ['dependency-vulnerable', 'server/node_modules/path-to-regexp/package.json'],
    ]);
  });
});
