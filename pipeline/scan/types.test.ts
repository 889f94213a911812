import { describe, expect, it } from 'vitest';
import { HEAD_BYTES, originOf, ownPackageRoots, packageRootOf, scannedFile } from './types.ts';

const file = (content: Buffer | undefined, path = 'server/index.js') =>
  scannedFile({ path, size: content?.length ?? 1 << 30, origin: 'own', head: Buffer.alloc(0), content });

describe('scannedFile', () => {
  it('decodes the content once, as latin1 (one character per byte), for every family', () => {
    const f = file(Buffer.from([0x61, 0xe9, 0x00, 0xff]));
    expect(f.text).toBe('a\u00e9\u0000\u00ff');
    expect(f.text).toBe(f.text);
    expect(file(undefined).text).toBeUndefined();
  });

  it('parses the content as JSON once, skipping a byte order mark, and is undefined when it is not JSON', () => {
    expect(file(Buffer.from('{"name":"a"}')).json).toEqual({ name: 'a' });
    expect(file(Buffer.from('\ufeff{"name":"a"}')).json).toEqual({ name: 'a' });
    expect(file(Buffer.from('null')).json).toBeNull();
    expect(file(Buffer.from('{"name":')).json).toBeUndefined();
    expect(file(undefined).json).toBeUndefined();
    const f = file(Buffer.from('[1]'));
    expect(f.json).toBe(f.json);
  });

  it('keeps the fields it was given', () => {
    const content = Buffer.from('x'.repeat(100));
    const f = scannedFile({
      path: 'a/b',
      size: 100,
      origin: 'dependency',
      head: content.subarray(0, HEAD_BYTES),
      content,
    });
    expect([f.path, f.size, f.origin, f.head.length, f.content]).toEqual([
      'a/b',
      100,
      'dependency',
      HEAD_BYTES,
      content,
    ]);
  });
});

describe('originOf', () => {
  it.each([
    ['node_modules/a/index.js', 'node', 'dependency'],
    ['server/node_modules/@s/a/index.js', 'node', 'dependency'],
    ['server/node_modules', 'node', 'dependency'],
    ['lib/python3/site-packages/x.py', 'python', 'dependency'],
    ['server/x-1.0.dist-info/METADATA', 'node', 'dependency'],
    ['server/lib/dateutil/tz.py', 'python', 'dependency'],
    ['server/lib/dateutil/tz.py', 'node', 'own'],
    ['server/my_node_modules/x.js', 'node', 'own'],
    ['server/node_modules.js', 'node', 'own'],
    ['server/index.js', 'node', 'own'],
  ])('%s (%s) → %s', (path, serverType, origin) => expect(originOf(path, serverType)).toBe(origin));
});

describe('packageRootOf and ownPackageRoots', () => {
  it.each([
    ['node_modules/a/lib/x.js', 'node_modules/a'],
    ['server/node_modules/@s/a/prebuilds/linux-x64/a.node', 'server/node_modules/@s/a'],
    ['node_modules/a/node_modules/b/index.js', 'node_modules/a/node_modules/b'],
    ['lib/python3/site-packages/numpy/core/x.so', 'lib/python3/site-packages/numpy'],
    ['server/index.js', undefined],
    ['node_modules/a', undefined],
  ])('%s → %s', (path, root) => expect(packageRootOf(path)).toBe(root));

  it('finds the packages of the entry point and the launch arguments', () => {
    expect(ownPackageRoots('node_modules/@acme/server/dist/index.js')).toEqual(['node_modules/@acme/server']);
    expect(ownPackageRoots('dist/index.js', ['${__dirname}/node_modules/srv/cli.js', '--stdio'])).toEqual([
      'node_modules/srv',
    ]);
    expect(ownPackageRoots('dist/index.js', ['${__dirname}/dist/index.js'])).toEqual([]);
    expect(ownPackageRoots('bin/run', ['${__dirname}/node_modules/srv/bin/run'])).toEqual(['node_modules/srv']);
    // A Python server whose own package sits in the vendored lib/ folder.
    expect(ownPackageRoots('server/lib/srv/main.py', [], 'python')).toEqual(['server/lib/srv']);
    expect(originOf('server/lib/srv/tools.py', 'python', ['server/lib/srv'])).toBe('own');
    expect(originOf('server/lib/dateutil/tz.py', 'python', ['server/lib/srv'])).toBe('dependency');
  });

  it('makes the package of the entry point own code, less its own node_modules', () => {
    const roots = ['node_modules/srv'];
    expect(originOf('node_modules/srv/dist/index.js', 'node', roots)).toBe('own');
    expect(originOf('node_modules/srv/node_modules/dep/index.js', 'node', roots)).toBe('dependency');
    expect(originOf('node_modules/srv-helper/index.js', 'node', roots)).toBe('dependency');
    expect(originOf('node_modules/other/index.js', 'node', roots)).toBe('dependency');
  });
});
