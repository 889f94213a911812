import { describe, expect, it } from 'vitest';
import { ScanCollector } from '../collector.ts';
import { HEAD_BYTES, scannedFile, type CodeOrigin } from '../types.ts';
import { INSTALL_RULES, installScripts, scanInstall } from './install.ts';

function scan(path: string, text: string, origin: CodeOrigin = 'own') {
  const content = Buffer.from(text, 'utf8');
  const sink = new ScanCollector();
  scanInstall(
    scannedFile({ path, size: content.length, origin, head: content.subarray(0, HEAD_BYTES), content }),
    sink,
  );
  const capabilities = sink.capabilities();
  return {
    findings: sink.findings.map((f) => `${f.rule}:${f.severity}`),
    own: capabilities.own.map((c) => c.capability),
    dependencies: capabilities.dependencies.map((c) => c.capability),
  };
}

const manifest = (scripts: Record<string, string>) => JSON.stringify({ name: 'x', version: '1.0.0', scripts });

describe('INSTALL_RULES', () => {
  it('are install- rules: review in own files, info in dependencies', () => {
    for (const rule of Object.values(INSTALL_RULES)) {
      expect(rule.id).toMatch(/^install-/);
      expect([rule.severity, rule.dependencySeverity]).toEqual(['review', 'info']);
    }
  });
});

describe('install-npm-scripts', () => {
  it.each(['preinstall', 'install', 'postinstall'])('fires on a %s script, with the capability', (name) => {
    expect(scan('server/package.json', manifest({ [name]: 'node setup.js' }))).toEqual({
      findings: ['install-npm-scripts:review'],
      own: ['install-scripts'],
      dependencies: [],
    });
  });

  it('is info inside node_modules, where npm never runs it for a packed bundle', () => {
    expect(
      scan('server/node_modules/esbuild/package.json', manifest({ postinstall: 'node install.js' }), 'dependency'),
    ).toEqual({
      findings: ['install-npm-scripts:info'],
      own: [],
      dependencies: ['install-scripts'],
    });
  });

  it('does not fire on other scripts, empty ones, or files that are not package manifests', () => {
    expect(
      scan('package.json', manifest({ prepare: 'husky', test: 'vitest', build: 'tsc', install: ' ' })).findings,
    ).toEqual([]);
    expect(scan('package.json', '{"scripts": "postinstall"}').findings).toEqual([]);
    expect(scan('package.json', 'not json { "postinstall": "x" }').findings).toEqual([]);
    expect(scan('server/package.json.bak', manifest({ postinstall: 'x' })).findings).toEqual([]);
    expect(scan('server/lib/package.json', JSON.stringify({ type: 'module' })).findings).toEqual([]);
  });

  it('fires on a lifecycle key spelled with JSON escapes, which the quick "install" check must not miss', () => {
    expect(scan('server/package.json', '{"scripts": {"post\\u0069nstall": "node x.js"}}').findings).toEqual([
      'install-npm-scripts:review',
    ]);
    expect(scan('server/package.json', '{"scripts": {"post\\u0069nstal": "node x.js"}}').findings).toEqual([]);
  });

  it('lists the scripts it found', () => {
    expect(installScripts(Buffer.from(manifest({ postinstall: 'a', preinstall: 'b', prepare: 'c' })))).toEqual([
      { name: 'preinstall', command: 'b' },
      { name: 'postinstall', command: 'a' },
    ]);
  });
});

describe('install-binding-gyp', () => {
  it('fires on binding.gyp, with the capability', () => {
    expect(scan('server/node_modules/addon/binding.gyp', "{ 'targets': [] }", 'dependency')).toEqual({
      findings: ['install-binding-gyp:info'],
      own: [],
      dependencies: ['install-scripts'],
    });
    expect(scan('server/binding.gyp', "{ 'targets': [] }").findings).toEqual(['install-binding-gyp:review']);
  });

  it('does not fire on gyp include files or look-alike names', () => {
    expect(scan('server/common.gypi', '{}').findings).toEqual([]);
    expect(scan('server/binding.gyp.txt', '{}').findings).toEqual([]);
  });
});
