import { describe, expect, it } from 'vitest';
import { HEAD_BYTES, originOf, scannedFile } from './types.ts';

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
